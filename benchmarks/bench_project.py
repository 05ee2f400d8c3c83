"""Benchmark: grade cohort flow on a synthetic district of many areas, with Monte Carlo draws.

    python benchmarks/bench_project.py [--areas 3000] [--draws 1000] [--loop-sample 30]

Prints wall time for the vectorised projection (fit, draws, and the summary into mean and
quantiles; areas chunked, two worker threads), its peak traced memory (a second, traced run:
tracing slows numpy down, so time and memory are measured apart), and the same work done one
area at a time in a Python loop (timed on a sample of areas and scaled up), for comparison.
Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import pandas as pd

from forecast.data.dataset import Dataset
from forecast.models.cohort import GRADE_SLOTS
from forecast.models.projection import CohortFlow

HISTORY = range(2011, 2021)  # ten observed years


def synthetic(n_areas: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    areas = [f"area{i:05d}" for i in range(n_areas)]
    size = rng.uniform(50, 500, n_areas)
    birth_years = np.arange(1990, 2021)
    births = pd.DataFrame({
        "area": np.repeat(areas, len(birth_years)),
        "year": np.tile(birth_years, n_areas),
        "births": (size[:, None] * rng.uniform(0.9, 1.1, (n_areas, len(birth_years)))).ravel(),
    })
    rows = []
    for level, grade in GRADE_SLOTS:
        share = 0.5 if level.startswith("senior") else 1.0
        for year in HISTORY:
            rows.append(pd.DataFrame({"area": areas, "year": year, "level": level, "grade": grade,
                                      "students": size * share * rng.uniform(0.85, 1.05, n_areas)}))
    enrolment = pd.concat(rows, ignore_index=True)
    frame = pd.DataFrame({"area": areas, "parent": None, "name": areas})
    return Dataset("synthetic", None, frame, 2020, births, enrolment)


def vectorised(ds: Dataset, draws: int) -> float:
    start = time.perf_counter()
    CohortFlow().fit(ds).project(2030, draws=draws)
    return time.perf_counter() - start


def per_area_loop(ds: Dataset, draws: int, sample: int) -> float:
    areas = ds.areas["area"].tolist()[:sample]
    start = time.perf_counter()
    for area in areas:
        one = Dataset(ds.name, None, ds.areas[ds.areas.area == area], 2020,
                      ds.births[ds.births.area == area], ds.enrolment[ds.enrolment.area == area])
        CohortFlow().fit(one).project(2030, draws=draws)
    return (time.perf_counter() - start) * len(ds.areas) / sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--areas", type=int, default=3000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--loop-sample", type=int, default=30)
    args = parser.parse_args()
    ds = synthetic(args.areas)
    print(f"synthetic dataset: {args.areas} areas x {len(GRADE_SLOTS)} grade slots x "
          f"{len(HISTORY)} years; projecting 10 years with {args.draws} draws")
    seconds = vectorised(ds, args.draws)
    print(f"vectorised: {seconds:.2f} s")
    tracemalloc.start()
    vectorised(ds, args.draws)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak traced memory: {peak / 2**30:.2f} GiB")
    loop = per_area_loop(ds, args.draws, args.loop_sample)
    print(f"per-area Python loop: {loop:.1f} s (timed on {args.loop_sample} areas, scaled to "
          f"{args.areas})")
    print(f"speed-up: {loop / seconds:.0f}x")


if __name__ == "__main__":
    main()
