"""Benchmark: rolling-origin backtests and the report.

    python benchmarks/bench_backtest.py [--areas 300] [--origins 5]

Prints wall time and peak traced memory for
1. the national backtest (data/china, origins 2010-2019, every model and baseline);
2. a synthetic panel of many areas (primary level totals over 21 years, a known cohort
   process with noise) backtested at the last ``--origins`` origins with the cohort flow,
   the pooled ridge model and the baselines: the many-areas case the pooled model is for;
3. the report (workbook, charts, HTML page) of a Banan run.
Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import load_dataset
from forecast.data.catalog import resolve_dataset
from forecast.data.dataset import Dataset
from forecast.evidence.backtest import accuracy, parse_origins, run_backtest


def synthetic(n_areas: int, seed: int = 0) -> Dataset:
    """Primary totals = ratio x births of the six cohorts aged 6-11, the ratio drifting."""
    rng = np.random.default_rng(seed)
    areas = [f"a{i:04d}" for i in range(n_areas)]
    birth_years = np.arange(1989, 2021)
    births = 1000 * np.exp(np.cumsum(rng.normal(0, 0.05, (n_areas, len(birth_years))), axis=1))
    years = np.arange(2000, 2021)
    drift = rng.normal(0, 0.01, n_areas)
    rows = []
    for i, area in enumerate(areas):
        for t in years:
            cohort = births[i, t - 11 - 1989: t - 6 - 1989 + 1].sum()
            ratio = np.exp(drift[i] * (t - 2000) + rng.normal(0, 0.01))
            rows.append((area, t, "primary", "", ratio * cohort))
    enrol = pd.DataFrame(rows, columns=["area", "year", "level", "grade", "students"])
    birth_frame = pd.DataFrame({"area": np.repeat(areas, len(birth_years)),
                                "year": np.tile(birth_years, n_areas), "births": births.ravel()})
    frame = pd.DataFrame({"area": areas, "parent": None, "name": areas})
    return Dataset("synthetic", Path("."), frame, 2020, birth_frame, enrol)


def measure(label: str, work) -> object:
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"{label:58s} {seconds:7.1f} s   peak {peak:7.0f} MiB")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--areas", type=int, default=300)
    parser.add_argument("--origins", type=int, default=5)
    args = parser.parse_args()

    china = load_dataset(resolve_dataset("china"))
    test = measure("china: 10 origins x 5 years, 8 models", lambda: run_backtest(
        china, parse_origins("2010:2019", china), 5))
    print(f"  {len(test.table)} forecasts compared")

    panel = synthetic(args.areas)
    origins = list(range(2019 - args.origins + 1, 2020))
    models = ["cohort", "pooled_ridge", "last_value", "ratio_mean", "ratio_ses"]
    test = measure(f"synthetic: {args.areas} areas x {len(origins)} origins, {len(models)} models",
                   lambda: run_backtest(panel, origins, 5, models, draws=100))
    table = accuracy(test, panel)
    print(table.groupby("model")["mape"].mean().round(2).to_string())

    from forecast import load_config
    from forecast.pipeline import run, write_outputs
    from forecast.report import read_outputs, write_report

    config = load_config("banan")
    result = run(config, list(config.scenarios), draws=200)
    with tempfile.TemporaryDirectory() as tmp:
        write_outputs(result, Path(tmp), config)
        measure("report of a Banan run (8 scenarios): xlsx, 11 charts, html",
                lambda: write_report(read_outputs(Path(tmp), result.dataset), "zh"))


if __name__ == "__main__":
    main()
