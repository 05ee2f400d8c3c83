"""Every evidence candidate fitted to the national series as known in 2020, beside the
published 2021-2025 outcomes, and ranked by the errors known in 2020.

    python scripts/china_2020_candidates.py

Answers "could any honest choice have met the 2020-origin target?": a candidate's rank by
the evidence known in 2020 (its mean APE over the warm-up and backtest origins 2005-2019,
every level and horizon pooled) is what a choice could have used; its 2021-2025 MAPE is
what it would have scored. Then the default itself (the procedure at 2020). A few seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.data.catalog import resolve_dataset
from forecast.data.dataset import load_dataset
from forecast.evidence.backtest import cut
from forecast.evidence.procedure import backtest_candidates, forecast_chosen

BASE = 2020


def main() -> None:
    full = load_dataset(resolve_dataset("china"))
    known = cut(full, BASE)
    test = backtest_candidates(known, list(range(2010, BASE)), 5)
    actual = full.level_totals().rename(columns={"students": "actual"})
    chosen = forecast_chosen(test, known, BASE + 5)
    # every candidate at 2020, from the same base forecasts the procedure combined
    wide = chosen_wide(test, known)
    frame = wide.merge(actual, on=["area", "level", "year"])
    frame["ape"] = 100 * (frame["forecast"] - frame["actual"]).abs() / frame["actual"]
    held = frame.groupby("model")["ape"].agg(["mean", "count"])
    held.columns = ["mape_2021_2025", "forecasts"]
    past = test.candidates[(test.candidates["year"] <= BASE) & test.candidates["actual"].notna()]
    ape = 100 * (past["forecast"] - past["actual"]).abs() / past["actual"]
    evidence = ape.groupby(past["model"]).mean().rename("mape_known_in_2020")
    table = held.join(evidence, how="inner").sort_values("mape_known_in_2020")
    table["rank_known_in_2020"] = np.arange(1, len(table) + 1)
    table = table.join(frame.pivot_table(index="model", columns="level", values="ape").add_prefix("mape_"))
    default = chosen.frame.merge(actual, on=["area", "level", "year"], suffixes=("", "_a"))
    default_ape = 100 * (default["mean"] - default["actual_a"]).abs() / default["actual_a"]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(2).to_string())
        print(f"\ndefault (the procedure at {BASE}): MAPE {default_ape.mean():.2f}; per level "
              + ", ".join(f"{lv} {v:.2f}" for lv, v in default_ape.groupby(default["level"]).mean().items()))


def chosen_wide(test, known) -> pd.DataFrame:
    """The candidates' forecasts at the base year (long rows: area, level, year, model, forecast)."""
    from forecast.evidence.base import forecast_base
    from forecast.evidence.choice import combinations, widen
    from forecast.evidence.procedure import _cells

    base = _cells(forecast_base(known, BASE + 5, entry_history=test.entry), known, "leaf", actual=False)
    long = combinations(widen(base)).long()
    return long[["area", "level", "year", "model", "forecast"]]


if __name__ == "__main__":
    main()
