"""The default against each textbook rule, by years ahead and tier, on a shipped panel.

For each origin the dataset is cut to what was known then; the default (the evidence
procedure, out of sample: its choice, reconciliation and intervals rest on errors known at
the origin) and the rules project 1..5 years; MAPE is over every area x level series of a
tier with an outcome:

- ``last value``: enrolment held at the origin's value;
- ``cohort ratio`` (datasets with births): the mean of the last three enrolment-to-births
  ratios times the cohorts ahead;
- ``cohort survival`` (grade panels): progression ratios averaged over the last three
  years, entrants held, no shrinkage or limits;
- ``cohort flow``: the package's cohort flow (``forecast run --model cohort``);
- ``cohort + last value``: their equal-weight mean.

Leaves are the series a run projects; parents (districts, counties, the state) are the
sums above them. A rule's parent forecast is the sum of its leaf forecasts (what a
spreadsheet does); the default's is its reconciled forecast. Prints Markdown tables.

    python scripts/evidence_tables.py --data texas --origins 2017:2021
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from forecast.data.catalog import resolve_dataset
from forecast.data.config import ModelSettings
from forecast.data.dataset import load_dataset
from forecast.evidence.base import backtest_base, grade_levels
from forecast.evidence.hierarchy import leaf_dataset, nodes
from forecast.evidence.procedure import backtest_candidates

TEXTBOOK = ModelSettings(window=3, entry_damping=0.0, limit_ratios=False, shrink_ratios=False)


def _leaf_rules(test, dataset, origins, horizon) -> pd.DataFrame:
    """Leaf forecasts of every rule (area, level, origin, year, horizon, rule, forecast)."""
    cand = test.candidates
    cand = cand[cand["origin"].isin(origins)]
    names = {"last_value": "last value", "cohort": "cohort flow", "ratio_mean_w3": "cohort ratio"}
    frames = [cand[cand["model"] == m].assign(rule=r) for m, r in names.items() if m in set(cand["model"])]
    wide = cand[cand["model"].isin(["cohort", "last_value"])].pivot_table(
        index=["area", "level", "origin", "year", "horizon"], columns="model", values="forecast")
    if {"cohort", "last_value"} <= set(wide.columns):
        frames.append(((wide["cohort"] + wide["last_value"]) / 2).rename("forecast").reset_index()
                      .assign(rule="cohort + last value"))
    if grade_levels(dataset):
        tree = nodes(dataset)
        survival = backtest_base(leaf_dataset(dataset, tree), list(origins), horizon, TEXTBOOK).frame
        frames.append(survival[survival["model"] == "cohort"].assign(rule="cohort survival"))
    chosen = test.chosen[["area", "level", "origin", "year", "horizon", "forecast"]].assign(rule="default")
    frames.append(chosen)
    cols = ["area", "level", "origin", "year", "horizon", "rule", "forecast"]
    return pd.concat([f[cols] for f in frames], ignore_index=True)


def tables(name: str, origins: list[int], horizon: int = 5) -> str:
    dataset = load_dataset(resolve_dataset(name))
    test = backtest_candidates(dataset, origins, horizon)
    leaves = _leaf_rules(test, dataset, origins, horizon)
    totals = dataset.level_totals()
    actual = totals[totals["students"] > 0].rename(columns={"students": "actual"})
    out = [f"### {name}: MAPE (%) by years ahead, origins {origins[0]}-{origins[-1]}"]
    tree = nodes(dataset)
    tiers = {"leaf": leaves}
    if len(tree.links):
        links = tree.links.rename(columns={"parent": "node"})
        rules = leaves[leaves["rule"] != "default"].merge(links, on=["area", "level"])
        summed = rules.groupby(["node", "level", "origin", "year", "horizon", "rule"], as_index=False)["forecast"].sum()
        parents = test.parents[["area", "level", "origin", "year", "horizon", "forecast"]].assign(rule="default")
        tiers["parent"] = pd.concat([summed.rename(columns={"node": "area"}), parents], ignore_index=True)
        sums = totals.merge(tree.links, on=["area", "level"]).groupby(["parent", "level", "year"],
                                                                        as_index=False)["students"].sum()
        sums = sums[sums["students"] > 0]
        actual = pd.concat([actual, sums.rename(columns={"parent": "area", "students": "actual"})])
    for tier, frame in tiers.items():
        frame = frame.merge(actual[["area", "level", "year", "actual"]], on=["area", "level", "year"])
        # the same cells for every rule: those the default and every rule forecast; a rule
        # that cannot forecast a tenth of them (the cohort ratio without births) is scored on
        # its own cells and starred
        cell = ["area", "level", "origin", "year"]
        default_cells = frame.loc[frame["rule"] == "default", cell].drop_duplicates()
        cover = frame.merge(default_cells, on=cell).groupby("rule").size() / len(default_cells)
        partial = set(cover[cover < 0.9].index)
        full = frame[~frame["rule"].isin(partial)]
        counts = full.groupby(cell)["rule"].transform("nunique")
        frame = pd.concat([full[counts == full["rule"].nunique()], frame[frame["rule"].isin(partial)]])
        frame = frame.assign(ape=100 * (frame["forecast"] - frame["actual"]).abs() / frame["actual"],
                             rule=frame["rule"].where(~frame["rule"].isin(partial), frame["rule"] + " *"))
        table = frame.pivot_table(index="rule", columns="horizon", values="ape", aggfunc="mean")
        table["mean"] = table.mean(axis=1)
        order = ["default"] + [r for r in table.sort_values("mean").index if r != "default"]
        table = table.loc[order]
        cells = frame[frame["rule"] == "default"]
        out.append(f"\n{tier} ({cells[['area', 'level']].drop_duplicates().shape[0]} series, "
                   f"{len(cells)} forecasts)\n")
        out.append("| rule | " + " | ".join(str(h) for h in table.columns) + " |")
        out.append("|---|" + "---:|" * len(table.columns))
        for rule, row in table.iterrows():
            out.append(f"| {rule} | " + " | ".join(f"{v:.2f}" for v in row) + " |")
        final = test.chosen if tier == "leaf" else test.parents
        final = final[final["actual"].notna()]
        inside = ((final["p10"] <= final["actual"]) & (final["actual"] <= final["p90"])).where(final["p10"].notna())
        by_level = inside.groupby(final["level"]).mean()
        if partial:
            out.append("\n\\* on the cells it can forecast only (" + ", ".join(sorted(partial)) + ")")
        out.append(f"\ndefault's 80 % interval holds {inside.mean():.1%} of outcomes ("
                   + ", ".join(f"{lv} {v:.0%}" for lv, v in by_level.items()) + ")")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="texas")
    parser.add_argument("--origins", default="2017:2021")
    parser.add_argument("--horizon", type=int, default=5)
    args = parser.parse_args()
    first, last = map(int, args.origins.split(":"))
    print(tables(args.data, list(range(first, last + 1)), args.horizon))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
