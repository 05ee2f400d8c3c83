"""Synthetic datasets for the scale benchmarks: a province of counties of towns, grade panels
(China 6-3-3: kindergarten 1-3, primary 1-6, junior 7-9, senior general and vocational
10-12) for ten observed years (``history``), births per town, and a few planned schools per county.

    python benchmarks/synthetic.py --areas 3000 --out /tmp/synthetic3000

Every row's ``source`` says it is synthetic. Nothing here is real data.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.data.system import DEFAULT

TOWNS_PER_COUNTY = 30
SOURCE = "synthetic: benchmarks/synthetic.py"


def write(folder: Path, n_areas: int, seed: int = 0, history: int = 10) -> Path:
    """Write a dataset of ``n_areas`` towns (plus their counties and the province), with
    ``history`` observed years of enrolment ending in 2020."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    towns = [f"t{i:06d}" for i in range(n_areas)]
    county_of = [f"c{i // TOWNS_PER_COUNTY:05d}" for i in range(n_areas)]
    counties = sorted(set(county_of))
    areas = pd.DataFrame({"area": ["province"] + counties + towns,
                          "parent": [None] + ["province"] * len(counties) + county_of})
    lines = ["name: synthetic", "base_year: 2020", "areas:"]
    lines += [f"  - {{area: {a}, parent: {p if isinstance(p, str) else 'null'}}}"
              for a, p in zip(areas["area"], areas["parent"], strict=True)]
    (folder / "dataset.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    size = rng.uniform(20, 120, n_areas)
    birth_years = np.arange(1995, 2021)
    pd.DataFrame({
        "area": np.repeat(towns, len(birth_years)),
        "year": np.tile(birth_years, n_areas),
        "births": np.round((size[:, None] * rng.uniform(0.9, 1.1, (n_areas, len(birth_years)))).ravel()),
        "source": SOURCE,
    }).to_csv(folder / "births.csv", index=False)
    frames = []
    for level, grade in DEFAULT.slots():
        share = 0.5 if level.startswith("senior") else 1.0
        for year in range(2021 - history, 2021):
            frames.append(pd.DataFrame({
                "area": towns, "year": year, "level": level, "grade": grade,
                "students": np.round(size * share * rng.uniform(0.85, 1.05, n_areas))}))
    enrolment = pd.concat(frames, ignore_index=True).assign(source=SOURCE)
    enrolment.to_csv(folder / "enrolment.csv", index=False)
    projects = pd.DataFrame({
        "project": [f"school {i}" for i in range(len(counties))],
        "area": [towns[min(i * TOWNS_PER_COUNTY, n_areas - 1)] for i in range(len(counties))],
        "level": "primary", "open_year": 2022 + np.arange(len(counties)) % 4,
        "seats": 900, "classrooms": 20, "floor_area_m2": "", "source": SOURCE})
    projects.to_csv(folder / "projects.csv", index=False)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--areas", type=int, default=3000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--history", type=int, default=10, help="observed years of enrolment")
    args = parser.parse_args()
    print(write(args.out, args.areas, history=args.history))


if __name__ == "__main__":
    main()
