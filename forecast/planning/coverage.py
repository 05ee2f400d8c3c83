"""What planned seats cover when a dataset has no enrolment (only births and projects).

Without a base-year enrolment no seat deficit can be computed. What can be computed is how
the cohorts a level serves change with births alone (no migration), and so the largest
base-year enrolment for which the planned seats still cover that change when the base year
had exactly as many seats as pupils:

    g   = sum of births of the level's birth years in ``until`` / the same in the base year
    E*  = planned seats / (g - 1)          (only when g > 1)

If the base-year enrolment is below E*, the planned seats cover birth-driven growth; if
g <= 1 births alone need no new seats, and the plan's seats serve something else (crowding,
the public or inclusive share, migration). Both readings are assumptions and say so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.data.dataset import Dataset
from forecast.planning.capacity import Capacity

COLUMNS = ["area", "level", "base_year", "until", "planned_seats", "cohort_births_base",
           "cohort_births_until", "birth_driven_change_percent", "break_even_base_enrolment",
           "reading"]


def birth_driven_coverage(dataset: Dataset, capacity: Capacity, until: int) -> pd.DataFrame:
    """One row per area x level with planned seats opening after the base year."""
    items = capacity.items
    planned = items[~items["method"].str.startswith("existing")
                    & items["level"].isin(dataset.system.level_names)
                    & (items["open_year"] > dataset.base_year) & (items["open_year"] <= until)]
    if planned.empty:
        return pd.DataFrame(columns=COLUMNS)
    births = dataset.births.pivot_table(index="area", columns="year", values="births", aggfunc="sum")
    rows = []
    for (area, level), part in planned.groupby(["area", "level"], sort=True):
        seats = float(part["seats"].sum())
        base = _cohort(births, dataset.system.ages(level), area, dataset.base_year)
        later = _cohort(births, dataset.system.ages(level), area, until)
        growth = later / base if base > 0 else np.nan
        if np.isnan(growth):
            reading = "no births for this area: cannot say"
            break_even = np.nan
        elif growth > 1:
            break_even = seats / (growth - 1)
            reading = (f"covers birth-driven growth if {dataset.base_year} enrolment was below "
                       f"{break_even:,.0f} with no spare seats (assumption)")
        else:
            break_even = np.nan
            reading = ("births alone need no new seats (cohorts shrink); the planned seats serve "
                       "crowding, migration or the public/inclusive share")
        rows.append({"area": area, "level": level, "base_year": dataset.base_year, "until": until,
                     "planned_seats": seats, "cohort_births_base": base, "cohort_births_until": later,
                     "birth_driven_change_percent": 100 * (growth - 1), "break_even_base_enrolment": break_even,
                     "reading": reading})
    return pd.DataFrame(rows, columns=COLUMNS)


def _cohort(births: pd.DataFrame, ages: range, area: str, year: int) -> float:
    """Births of the birth years a level serves in ``year``; the last observed births stand in
    for birth years not yet observed (the constant-births variant)."""
    if area not in births.index:
        return np.nan
    series = births.loc[area].dropna()
    if series.empty:
        return np.nan
    total = 0.0
    for age in ages:
        born = year - age
        if born in series.index:
            total += float(series[born])
        elif born > series.index.max():
            total += float(series.iloc[-1])
        else:
            return np.nan
    return total
