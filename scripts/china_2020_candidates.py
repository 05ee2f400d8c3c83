"""Every evidence candidate fitted to the national series as known in 2020, beside the
published 2021-2025 outcomes, and ranked by the errors known in 2020.

    python scripts/china_2020_candidates.py

Answers "could any honest choice have met the 2020-origin target?": a candidate's rank by
the evidence known in 2020 (its mean APE over the warm-up and backtest origins 2005-2019,
every level and horizon pooled) is what a choice could have used; its 2021-2025 MAPE is
what it would have scored. About a minute.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.data.catalog import resolve_dataset
from forecast.data.dataset import load_dataset
from forecast.evidence.backtest import cut
from forecast.evidence.candidates import forecast_all
from forecast.evidence.procedure import backtest_candidates

BASE = 2020


def main() -> None:
    full = load_dataset(resolve_dataset("china"))
    known = cut(full, BASE)
    test = backtest_candidates(known, list(range(2010, BASE)), 5)
    actual = full.level_totals().rename(columns={"students": "actual"})
    frame, _ = forecast_all(test.names, known, BASE + 5, None, None, 1)
    frame = frame.merge(actual, on=["area", "level", "year"])
    frame["ape"] = 100 * (frame["mean"] - frame["actual"]).abs() / frame["actual"]
    held = frame.groupby("model")["ape"].agg(["mean", "count"])
    held.columns = ["mape_2021_2025", "forecasts"]
    past = test.candidates[(test.candidates["year"] <= BASE) & test.candidates["actual"].notna()]
    past = 100 * (past["forecast"] - past["actual"]).abs() / past["actual"]
    evidence = past.groupby(test.candidates.loc[past.index, "model"]).mean().rename("mape_known_in_2020")
    table = held.join(evidence, how="inner").sort_values("mape_known_in_2020")
    table["rank_known_in_2020"] = np.arange(1, len(table) + 1)
    by_level = frame.pivot_table(index="model", columns="level", values="ape", aggfunc="mean")
    table = table.join(by_level.add_prefix("mape_"))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(2).to_string())


if __name__ == "__main__":
    main()
