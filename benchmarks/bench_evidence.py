"""Cost of the evidence step: the default `forecast run` (model.method: evidence) against the
plain cohort flow (--model cohort), side by side, on Banan and on a synthetic panel of many
areas. Prints seconds and the ratio default / cohort (the issue's bound: at most 3x on
3,000 areas).

    python benchmarks/bench_evidence.py [--areas 3000] [--draws 200]
"""

from __future__ import annotations

import argparse
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


def seconds(config_path: Path, method: str, draws: int) -> float:
    config = load_config(config_path)
    start = time.perf_counter()
    run(config, method=method, draws=draws)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--areas", type=int, default=3000)
    parser.add_argument("--draws", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("banan", ROOT / "configs" / "banan.yaml"),
                 (f"synthetic, {args.areas} areas", write_panel(Path(tmp) / "panel", args.areas))]
        print(f"{'dataset':28s} {'cohort (s)':>11s} {'default (s)':>12s} {'ratio':>7s}")
        for label, path in cases:
            cohort = seconds(path, "cohort", args.draws)
            default = seconds(path, "evidence", args.draws)
            print(f"{label:28s} {cohort:11.1f} {default:12.1f} {default / cohort:7.2f}")


if __name__ == "__main__":
    main()
