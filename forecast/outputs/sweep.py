"""Writing a stress sweep (``forecast sweep``) under the run-folder rule of ``run``."""

from __future__ import annotations

from pathlib import Path

from forecast.common.files import atomic_write_csv
from forecast.outputs.rundir import run_folder
from forecast.planning.sweep import SweepResult


def write_sweep(result: SweepResult, out: Path) -> list[Path]:
    """``sweep.csv`` and ``thresholds.csv`` in ``out``, under the run-folder rule of ``run``
    (``forecast.outputs.rundir``): beside the run already there (copied, then swapped in), or
    alone in a new or empty folder; a folder holding files forecast did not write is refused."""
    out = Path(out)
    with run_folder(out, keep=(out / "run.json").is_file()) as folder:
        atomic_write_csv(folder / "sweep.csv", result.sweep, decimals=4)
        atomic_write_csv(folder / "thresholds.csv", result.thresholds, decimals=4)
    return [out / "sweep.csv", out / "thresholds.csv"]
