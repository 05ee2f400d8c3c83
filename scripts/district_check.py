"""District-total accuracy of the grade cohort flow against the two textbook rules, on a grade
panel without births (e.g. data/texas): holding the last value, and classical cohort survival
(grade progression ratios averaged over the last three years, entrants held).

For each origin the dataset is cut to what was known then; each method projects 1..5 years;
the district's total over all its grades is compared with what was later observed.
Prints MAPE (%) by years ahead and writes the table with ``--out``.

    python scripts/district_check.py --data texas --origins 2017:2021
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from forecast.data.catalog import resolve_dataset
from forecast.data.config import ModelSettings
from forecast.data.dataset import areas_below, load_dataset
from forecast.evidence.backtest import cut
from forecast.models.projection import CohortFlow

METHODS = {
    "default": ModelSettings(),
    "cohort_survival": ModelSettings(window=3, entry_damping=0.0, limit_ratios=False,
                                     shrink_ratios=False),
}


def _variants() -> None:
    """Optional variants to compare (set FORECAST_VARIANTS=1)."""
    import os

    if os.environ.get("FORECAST_VARIANTS"):
        METHODS["no_shrink"] = ModelSettings(shrink_ratios=False)
        METHODS["held_entry"] = ModelSettings(entry_damping=0.0)
        METHODS["no_limits"] = ModelSettings(limit_ratios=False)


def district_totals(frame: pd.DataFrame, leaves: set[str]) -> pd.Series:
    """Sum of every level total per leaf area and year."""
    totals = frame[(frame["grade"] == "") & frame["area"].isin(leaves)]
    return totals.groupby(["area", "year"])["mean"].sum()


def evaluate(dataset_name: str, origins: range, horizon: int = 5) -> pd.DataFrame:
    dataset = load_dataset(resolve_dataset(dataset_name))
    leaves = set(dataset.areas["area"]) - set(areas_below(dataset.areas))
    observed = dataset.level_totals()
    actual = observed[observed["area"].isin(leaves)].groupby(["area", "year"])["students"].sum()
    last_year = int(observed["year"].max())
    rows = []
    for origin in origins:
        known = cut(dataset, origin)
        until = min(origin + horizon, last_year)
        forecasts = {name: district_totals(CohortFlow(s).fit(known).project(until, draws=1), leaves)
                     for name, s in METHODS.items()}
        at_origin = actual.xs(origin, level="year")
        for year in range(origin + 1, until + 1):
            truth = actual.xs(year, level="year")
            common = truth.index.intersection(at_origin.index)
            for name, fc in forecasts.items():
                f = fc.xs(year, level="year").reindex(common)
                rows.append(_errors(name, origin, year, f, truth.reindex(common)))
            rows.append(_errors("last_value", origin, year, at_origin.reindex(common), truth.reindex(common)))
    table = pd.concat(rows, ignore_index=True)
    return table


def with_composite_and_evidence(table: pd.DataFrame, dataset_name: str, origins: range,
                                evidence: bool) -> pd.DataFrame:
    """Add the equal-weight mean of the cohort flow and the last value, and (``evidence``)
    the package's evidence-chosen forecast summed over the levels each district teaches."""
    keys = ["area", "origin", "horizon"]
    wide = table.pivot_table(index=keys, columns="method", values="forecast")
    truth = table[table["method"] == "last_value"].set_index(keys)["actual"]
    parts = [table]
    mean = (wide["default"] + wide["last_value"]) / 2
    parts.append(_frame("cohort+last_value mean", mean, truth))
    if evidence:
        from forecast.data.config import ModelSettings
        from forecast.evidence.procedure import backtest_candidates

        dataset = load_dataset(resolve_dataset(dataset_name))
        test = backtest_candidates(dataset, list(origins), 5, ModelSettings(), 1)
        chosen = test.chosen
        summed = chosen.groupby(["area", "origin", "year"])["forecast"].sum(min_count=1).reset_index()
        summed["horizon"] = summed["year"] - summed["origin"]
        parts.append(_frame("evidence (default)", summed.set_index(keys)["forecast"], truth))
    return pd.concat(parts, ignore_index=True)


def _frame(method: str, forecast: pd.Series, truth: pd.Series) -> pd.DataFrame:
    f = forecast.reindex(truth.index)
    return pd.DataFrame({"method": method, "origin": truth.index.get_level_values("origin"),
                         "horizon": truth.index.get_level_values("horizon"),
                         "area": truth.index.get_level_values("area"), "forecast": f.to_numpy(),
                         "actual": truth.to_numpy(),
                         "ape": 100 * np.abs(f.to_numpy() / truth.to_numpy() - 1)})


def _errors(method: str, origin: int, year: int, forecast: pd.Series, truth: pd.Series) -> pd.DataFrame:
    ok = truth > 0
    return pd.DataFrame({"method": method, "origin": origin, "horizon": year - origin,
                         "area": truth.index[ok], "forecast": forecast[ok].to_numpy(),
                         "actual": truth[ok].to_numpy(),
                         "ape": 100 * np.abs(forecast[ok].to_numpy() / truth[ok].to_numpy() - 1)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="texas")
    parser.add_argument("--origins", default="2017:2021")
    parser.add_argument("--out", default=None)
    parser.add_argument("--evidence", action="store_true",
                        help="also backtest the evidence-chosen default (slow on large panels)")
    args = parser.parse_args()
    _variants()
    first, last = map(int, args.origins.split(":"))
    table = evaluate(args.data, range(first, last + 1))
    table = with_composite_and_evidence(table, args.data, range(first, last + 1), args.evidence)
    missing = table["forecast"].isna().groupby(table["method"]).sum()
    mape = table.pivot_table(index="method", columns="horizon", values="ape", aggfunc="mean")
    mape["mean"] = mape.mean(axis=1)
    print(f"{args.data}: district totals, origins {first}-{last}; MAPE (%) by years ahead")
    print(mape.round(2).to_string())
    print("forecasts missing (NaN) per method:", dict(missing))
    if args.out:
        table.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
