"""Shortfall spells: when each area and level is short, for how long, how badly, and what to build.

The yearly shortfall table answers "how short in year t"; a planner asks "from when, until
when, and what must we start building by when". This module

* adds the **base year** to the shortfall table (demand = observed base-year enrolment, seats =
  base-year seats; a parent without its own observation takes the sum of its finest areas),
  so an area already short today is never missed;
* adds, on parent rows, the unnetted sum of their finest areas' deficits
  (``shortfall.add_children_sums``);
* condenses the table into ``shortfall_summary.csv``: one row per area x level x scenario with a
  need at P90 in some year (the base year included), with its first, last and peak year and
  the build plan taken from the scheduler records (``export.records``: need year, classrooms,
  standard schools, latest start year, planned projects), so both say the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.data.dataset import Dataset, areas_below, finest_with_demand, leaves_below
from forecast.data.standards import Standards
from forecast.planning import scheduler_export as export
from forecast.planning.capacity import Capacity
from forecast.planning.shortfall import add_children_sums, compare, short_year

SUMMARY_COLUMNS = [
    "area", "area_name", "level", "scenario", "detail", "short_in_base_year", "base_year_deficit",
    "first_year_short_mean", "first_year_short_p90", "last_year_short_mean", "last_year_short_p90",
    "years_short_p90", "peak_year", "peak_deficit_mean", "peak_deficit_p90",
    "peak_deficit_children_sum", "classrooms_to_build", "classrooms_basis", "standard_schools_mean",
    "standard_schools_p90", "lead_time_years", "latest_start_year", "start_already_late",
    "earliest_opening_year", "p_shortfall_first_year", "planned_projects", "capacity_assumed"]
WHOLE = ["first_year_short_mean", "first_year_short_p90", "last_year_short_mean",
         "last_year_short_p90", "years_short_p90", "peak_year", "classrooms_to_build",
         "standard_schools_mean", "standard_schools_p90", "lead_time_years", "latest_start_year",
         "earliest_opening_year"]


def observed_base(dataset: Dataset) -> pd.DataFrame:
    """Base-year enrolment per area and level (area, level, students).

    Observed where observed; a parent without its own figure gets the sum of its finest
    areas, only when every one of them is observed for that level (a missing sub-area is
    not a zero)."""
    totals = dataset.level_totals()
    base = totals[totals["year"] == dataset.base_year][["area", "level", "students"]]
    pairs = leaves_below(dataset.areas).rename(columns={"ancestor": "top"})
    leaves = pairs.groupby("top")["area"].size()
    # by join, not by scanning every observation for every parent (quadratic at a province)
    under = pairs.merge(base, on="area").groupby(["top", "level"])["students"].agg(["count", "sum"])
    complete = under["count"].to_numpy() == leaves.reindex(under.index.get_level_values("top")).to_numpy()
    under = under[complete].reset_index()
    own = pd.MultiIndex.from_frame(base[["area", "level"]])
    under = under[~pd.MultiIndex.from_frame(under[["top", "level"]]).isin(own)]
    filled = pd.DataFrame({"area": under["top"], "level": under["level"], "students": under["sum"].astype(float)})
    return pd.concat([base, filled], ignore_index=True) if len(filled) else base.reset_index(drop=True)


def shortfall_table(projections: pd.DataFrame, dataset: Dataset, capacity: Capacity,
                    standards: Standards, classes: pd.DataFrame | None = None) -> pd.DataFrame:
    """The yearly shortfall table with the base year (``basis`` = observed) before the
    projected years (``basis`` = projected) and the children's sums on parent rows.
    ``classes``: grade classes counted chunk by chunk when the grade rows were streamed."""
    projected = compare(projections, capacity, standards, dataset.system, classes).assign(basis="projected")
    scenarios = list(pd.unique(projections["scenario"]))  # in order of appearance
    base = observed_base(dataset)
    if len(base) and scenarios:
        frame = pd.concat([base.assign(scenario=s) for s in scenarios], ignore_index=True)
        frame = frame.assign(grade="", year=dataset.base_year, model="observed",
                             mean=frame["students"], p10=frame["students"],
                             p50=frame["students"], p90=frame["students"]).drop(columns="students")
        observed = compare(frame, capacity, standards, dataset.system).assign(basis="observed")
        # An observation has no spread: short or not, with certainty.
        observed["p_shortfall"] = (observed["demand_mean"] > observed["seats"]).astype(float)
        projected = projected[projected["year"] > dataset.base_year]
        table = pd.concat([observed, projected], ignore_index=True)
    else:
        table = projected
    order = {lv: i for i, lv in enumerate(dataset.system.level_names)}
    table = table.assign(_l=table["level"].map(order).fillna(len(order)))
    table = table.sort_values(["scenario", "area", "_l", "year"], kind="stable").drop(columns="_l")
    return add_children_sums(table.reset_index(drop=True), dataset.areas)


def summarise(shortfall: pd.DataFrame, dataset: Dataset, capacity: Capacity,
              standards: Standards, records: list[dict] | None = None) -> pd.DataFrame:
    """``shortfall_summary.csv``: one row per area x level x scenario short at P90 in some
    year (or, for a parent, with a sub-area short), finest areas first, most urgent first.

    ``records``: the scheduler records of the same table when already computed (the run
    computes them once for scheduler.json)."""
    if shortfall.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    key = ["scenario", "area", "level"]
    sf = shortfall
    if "deficit_children_sum_p90" not in sf:
        sf = sf.assign(deficit_children_sum_p90=np.nan)
    groups = sf.groupby(key, sort=False)
    limit = _limits(sf, standards)
    short90 = sf[short_year(sf["deficit_seats_p90"], limit)].groupby(key)["year"]
    short = sf[short_year(sf["deficit_seats"], limit)].groupby(key)["year"]
    kids = groups["deficit_children_sum_p90"].max()
    table = pd.DataFrame({
        "first_year_short_p90": short90.min(), "last_year_short_p90": short90.max(),
        "years_short_p90": short90.count(), "first_year_short_mean": short.min(),
        "last_year_short_mean": short.max(), "peak_deficit_children_sum": kids,
        "peak_deficit_mean": groups["deficit_seats"].max(), "peak_deficit_p90": groups["deficit_seats_p90"].max(),
    })
    table["peak_year"] = sf.loc[groups["deficit_seats_p90"].idxmax(), key + ["year"]].set_index(key)["year"]
    table = _listed(table, sf, dataset)
    if table.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    never = table["first_year_short_p90"].isna()  # a parent listed for its sub-areas only
    table.loc[never, ["peak_year", "peak_deficit_mean", "peak_deficit_p90"]] = np.nan
    table["years_short_p90"] = table["years_short_p90"].fillna(0)
    at_base = sf["year"] == dataset.base_year
    base = sf[at_base].set_index(key)["deficit_seats"]
    table["base_year_deficit"] = base.reindex(table.index)
    base_short = pd.Series(short_year(sf.loc[at_base, "deficit_seats"], limit[at_base.to_numpy()]),
                           index=base.index)
    table["short_in_base_year"] = base_short.reindex(table.index).astype("boolean").where(
        table["base_year_deficit"].notna())
    first = sf.set_index(key + ["year"])["p_shortfall"]
    lookup = pd.MultiIndex.from_arrays([table.index.get_level_values(i) for i in range(3)]
                                       + [table["first_year_short_p90"].fillna(-1).astype(int)])
    table["p_shortfall_first_year"] = first.reindex(lookup).to_numpy()
    table = table.reset_index()
    table["detail"] = np.where(table.pop("_finest"), "finest", "aggregate")
    names = dict(zip(dataset.areas["area"], dataset.areas["name"], strict=True)) \
        if "name" in dataset.areas else {}
    table["area_name"] = table["area"].map(lambda a: "" if pd.isna(names.get(a)) else str(names.get(a)))
    if records is None:
        records = export.records(shortfall, capacity, standards, dataset)
    plan = pd.DataFrame([{
        "scenario": r["scenario"], "area": r["area"], "level": r["level"],
        "classrooms_to_build": r["classrooms_to_build"],
        "standard_schools_mean": r["standard_schools_needed_mean"],
        "standard_schools_p90": r["standard_schools_needed_p90"],
        "lead_time_years": r["lead_time_years"], "latest_start_year": r["latest_start_year"],
        "start_already_late": r["start_already_late"],
        "earliest_opening_year": r["earliest_opening_year"],
        "classrooms_basis": r["classrooms_basis"], "capacity_assumed": r["capacity_assumed"],
        "planned_projects": "; ".join(r["planned_projects"]), "_priority": r["priority"]}
        for r in records], columns=key + ["classrooms_to_build", "standard_schools_mean",
                                          "standard_schools_p90", "lead_time_years", "latest_start_year",
                                          "start_already_late", "earliest_opening_year",
                                          "classrooms_basis", "capacity_assumed", "planned_projects",
                                          "_priority"])
    table = table.merge(plan, on=key, how="left")
    table["planned_projects"] = table["planned_projects"].fillna("")
    table["classrooms_basis"] = table["classrooms_basis"].fillna("")
    table["_priority"] = table["_priority"].fillna(0.0)
    table["_agg"] = table["detail"] == "aggregate"
    table = table.sort_values(["scenario", "_agg", "_priority", "first_year_short_p90", "area"],
                              ascending=[True, True, False, True, True], na_position="last",
                              kind="stable")
    for column in WHOLE:
        table[column] = pd.to_numeric(table[column]).round().astype("Int64")
    table["start_already_late"] = table["start_already_late"].astype("boolean")
    table["capacity_assumed"] = table["capacity_assumed"].astype("boolean")
    return table[SUMMARY_COLUMNS].reset_index(drop=True)


def _limits(sf: pd.DataFrame, standards: Standards | None) -> np.ndarray:
    """The class-size limit of every row (one class: the smallest deficit that is a short year)."""
    if "class_size_limit" in sf or standards is None:
        return sf["class_size_limit"].to_numpy(dtype=float)
    return sf["level"].map(lambda lv: float(standards.limit(lv))).to_numpy(dtype=float)


def _finest_mask(sf: pd.DataFrame, dataset: Dataset, keys: pd.DataFrame) -> np.ndarray:
    """The finest area-levels among ``keys`` (area, level), by ``finest_with_demand`` over the
    area-levels with rows in the shortfall table."""
    present = sf[["area", "level"]].drop_duplicates()
    finest = present[finest_with_demand(dataset.areas, present)]
    return pd.MultiIndex.from_frame(keys[["area", "level"]]).isin(
        pd.MultiIndex.from_frame(finest[["area", "level"]]))


def _listed(table: pd.DataFrame, sf: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """The spells a planner reads: every finest area-level short by at least one class at P90
    in some year, and the areas above them (their own net balance and their sub-areas' sum,
    for context). Finest area-levels short by less than one class only are counted apart
    (``sub_class_shortfalls``)."""
    keys = table.index.to_frame(index=False)
    finest = _finest_mask(sf, dataset, keys)
    short = table["first_year_short_p90"].notna().to_numpy()
    listed = keys[finest & short]
    pairs = pd.DataFrame([(top, a) for top, under in areas_below(dataset.areas).items() for a in under],
                         columns=["ancestor", "area"])
    above = listed.merge(pairs, on="area")[["scenario", "ancestor", "level"]].drop_duplicates()
    context = pd.MultiIndex.from_frame(keys).isin(pd.MultiIndex.from_frame(
        above.rename(columns={"ancestor": "area"})[["scenario", "area", "level"]]))
    keep = (finest & short) | (~finest & (short | context))
    return table[keep].assign(_finest=finest[keep])


def sub_class_shortfalls(shortfall: pd.DataFrame, dataset: Dataset,
                         standards: Standards | None = None) -> pd.DataFrame:
    """Per scenario, the finest area-levels whose P90 demand exceeds the seats in some year
    but never by a whole class: not short years, so not in the spells; counted here
    (``area_levels``) with the largest such deficit (``largest_deficit_p90``)."""
    columns = ["scenario", "area_levels", "largest_deficit_p90"]
    if shortfall.empty:
        return pd.DataFrame(columns=columns)
    sf = shortfall.assign(_short=short_year(shortfall["deficit_seats_p90"], _limits(shortfall, standards)))
    per = sf.groupby(["scenario", "area", "level"], sort=False).agg(
        peak=("deficit_seats_p90", "max"), short=("_short", "any")).reset_index()
    per = per[_finest_mask(sf, dataset, per) & (per["peak"] > 0) & ~per["short"]]
    out = per.groupby("scenario", sort=False).agg(area_levels=("area", "size"),
                                                  largest_deficit_p90=("peak", "max")).reset_index()
    return out[columns]
