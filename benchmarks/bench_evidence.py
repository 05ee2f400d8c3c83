"""Cost of the evidence step: the default `forecast run` (model.method: evidence) against the
plain cohort flow (--model cohort), side by side, on Banan, on the one-area national series
(configs/china.yaml) and on a synthetic panel of many areas. Prints seconds (wall and CPU)
and the ratio default / cohort, with the evidence cache off (a first run) and warm (a second
run on the same data and settings). Issue 25's bounds: Banan at most 1.5x, China at most 10 s.

    python benchmarks/bench_evidence.py [--areas 3000] [--draws 200] [--rounds 3]

Each figure is the median of ``--rounds`` runs (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import load_config
from forecast.pipeline import run

ROOT = Path(__file__).resolve().parents[1]


def write_panel(folder: Path, n_areas: int, seed: int = 0) -> Path:
    """Primary totals = drifting ratio x births of the six cohorts aged 6-11, 2000-2020,
    one parent over every area (vectorised)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    areas = np.array([f"a{i:04d}" for i in range(n_areas)])
    birth_years = np.arange(1989, 2021)
    births = 1000 * np.exp(np.cumsum(rng.normal(0, 0.05, (n_areas, len(birth_years))), axis=1))
    years = np.arange(2000, 2021)
    cohorts = np.stack([births[:, t - 11 - 1989: t - 6 - 1989 + 1].sum(axis=1) for t in years], axis=1)
    drift = rng.normal(0, 0.01, n_areas)[:, None]
    ratio = np.exp(drift * (years - 2000)[None, :] + rng.normal(0, 0.01, cohorts.shape))
    pd.DataFrame({"area": np.repeat(areas, len(years)), "year": np.tile(years, n_areas),
                  "level": "primary", "grade": "", "students": (ratio * cohorts).ravel().round()}
                 ).to_csv(folder / "enrolment.csv", index=False)
    pd.DataFrame({"area": np.repeat(areas, len(birth_years)), "year": np.tile(birth_years, n_areas),
                  "births": births.ravel().round()}).to_csv(folder / "births.csv", index=False)
    meta = "name: panel\nbase_year: 2020\nareas:\n  - {area: all, parent: null}\n"
    meta += "".join(f"  - {{area: {a}, parent: all}}\n" for a in areas)
    (folder / "dataset.yaml").write_text(meta, encoding="utf-8")
    (folder / "run.yaml").write_text(f"dataset: {folder}\nuntil: 2025\ndraws: 200\nseed: 1\n"
                                     "backtest:\n  origins: '2012:2019'\n", encoding="utf-8")
    return folder / "run.yaml"


def seconds(config_path: Path, method: str, draws: int | None, rounds: int,
            cache: str) -> tuple[float, float]:
    """Median wall and CPU seconds of ``rounds`` runs with the evidence cache at ``cache``."""
    os.environ["FORECAST_CACHE_DIR"] = cache
    config = load_config(config_path)
    walls, cpus = [], []
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        run(config, method=method, draws=draws)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--areas", type=int, default=3000)
    parser.add_argument("--draws", type=int, default=None, help="default: each config's")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        warm = str(Path(tmp) / "cache")
        cases = [("banan", ROOT / "configs" / "banan.yaml"), ("china (one area)", ROOT / "configs" / "china.yaml"),
                 (f"synthetic, {args.areas} areas", write_panel(Path(tmp) / "panel", args.areas))]
        print(f"{'dataset':26s} {'cohort s (cpu)':>16s} {'default s (cpu)':>17s} {'ratio':>6s}"
              f" {'warm cache s':>13s} {'ratio':>6s}")
        for label, path in cases:
            cohort, cohort_cpu = seconds(path, "cohort", args.draws, args.rounds, "off")
            default, default_cpu = seconds(path, "evidence", args.draws, args.rounds, "off")
            seconds(path, "evidence", args.draws, 1, warm)  # fills the cache
            cached, _ = seconds(path, "evidence", args.draws, args.rounds, warm)
            print(f"{label:26s} {cohort:7.1f} ({cohort_cpu:5.1f}) {default:8.1f} ({default_cpu:5.1f})"
                  f" {default / cohort:6.2f} {cached:13.1f} {cached / cohort:6.2f}")


if __name__ == "__main__":
    main()
