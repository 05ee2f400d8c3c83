"""Build the shipped error library (data/evidence/error_library.csv) from the evidence
backtests of the shipped real datasets: the national series (configs/china.yaml) and, where
present, the Texas districts (configs/texas.yaml). Datasets too short to backtest borrow
their interval quantiles from it (see forecast/evidence/library.py and docs/accuracy.md).

Run from the repository root:  python scripts/build_error_library.py
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd

from forecast import load_config
from forecast.data.dataset import load_dataset
from forecast.evidence.backtest import parse_origins
from forecast.evidence.library import LIBRARY, LIBRARY_COLUMNS, build_rows
from forecast.evidence.procedure import backtest_candidates

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ("china", "texas")


def main() -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    rows = []
    for name in CONFIGS:
        path = ROOT / "configs" / f"{name}.yaml"
        if not path.is_file():
            print(f"skipped {name}: no {path.name}")
            continue
        config = load_config(path)
        dataset = load_dataset(config.dataset_path())
        origins = parse_origins(config.backtest.origins, dataset)
        test = backtest_candidates(dataset, origins, config.backtest.horizon, config.model, config.seed)
        part = build_rows(test, dataset, f"scripts/build_error_library.py at {commit}, configs/{name}.yaml")
        rows.append(part)
        print(f"{name}: origins {origins[0]}-{origins[-1]}, {len(part)} rows")
    table = pd.concat(rows, ignore_index=True)[LIBRARY_COLUMNS]
    LIBRARY.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(LIBRARY, index=False, float_format="%.5f")
    print(f"wrote {LIBRARY}")


if __name__ == "__main__":
    main()
