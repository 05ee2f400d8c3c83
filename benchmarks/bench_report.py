"""How long the planner's view takes on a large dataset (Texas, 1,276 districts): the
shortfall spells, the HTML page, the workbook and the PNG charts. Prints seconds; run
`python benchmarks/bench_report.py [draws]`."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from forecast import load_config
from forecast.data.standards import standards_for
from forecast.pipeline import run, write_outputs
from forecast.planning.spells import summarise
from forecast.report import read_outputs
from forecast.report.page import render
from forecast.report.plots import write_plots
from forecast.report.workbook import write_workbook


def timed(label: str, func):
    start = time.perf_counter()
    value = func()
    print(f"{label:34s} {time.perf_counter() - start:8.2f} s")
    return value


def main(draws: int = 20) -> None:
    config = load_config("texas")
    result = timed("run (projection, shortfall, spells)", lambda: run(config, draws=draws, until=2025))
    standards = standards_for(config)
    spells = timed("spells, given the scheduler records", lambda: summarise(
        result.shortfall, result.dataset, result.capacity, standards, result.scheduler["records"]))
    print(f"  {len(spells):,} spells from {len(result.shortfall):,} shortfall rows")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        write_outputs(result, out, config)
        inputs = read_outputs(out, result.dataset)
        page = timed("report.html (render)", lambda: render(inputs, None, "en"))
        print(f"  {len(page) / 1e6:.1f} MB")
        timed("report.xlsx", lambda: write_workbook(inputs, out / "report.xlsx", "en"))
        plots = timed("plots/*.png (200 dpi)", lambda: write_plots(inputs, out / "plots", "en")[0])
        print(f"  {len(plots)} charts")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
