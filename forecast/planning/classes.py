"""Classes by grade: how many classes each grade needs at the class-size limit, in the base
year (from observed pupils, beside the classes the dataset reports) and in every projected
year (from the mean projection), so a planner can check the class formula against this
year's real classes before trusting it for the future.

    classes_needed = ceil(students / class_size_limit)

Grades use their own limit (kindergarten K1/K2/K3 25/30/35 by default) unless the config
sets a level-wide one, which then applies to every grade of the level. Levels known only as
totals use the level's limit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.data.dataset import Dataset
from forecast.data.standards import Standards

COLUMNS = ["area", "level", "grade", "year", "scenario", "students", "class_size_limit",
           "classes_needed", "actual_classes", "actual_avg_class_size"]


def classes_table(projections: pd.DataFrame, dataset: Dataset, standards: Standards) -> pd.DataFrame:
    """One row per area x level x grade x year (base year and projected years) x scenario;
    level totals (grade empty) only where no grade is known. Base-year rows carry the
    dataset's actual classes where ``classes.csv`` (or ``schools.csv`` classes by level)
    gives them."""
    base = _observed(dataset)
    base = base[_grades_or_only_total(base)]
    scenarios = sorted(projections["scenario"].unique()) if len(projections) else ["baseline"]
    base = pd.concat([base.assign(scenario=s) for s in scenarios], ignore_index=True)
    proj = projections.rename(columns={"mean": "students"})
    proj = proj.loc[_grades_or_only_total(proj), ["area", "level", "grade", "year", "scenario", "students"]]
    table = pd.concat([base, proj], ignore_index=True)
    if table.empty:
        return pd.DataFrame(columns=COLUMNS)
    slots = pd.MultiIndex.from_frame(table[["level", "grade"]])  # hashed once, not row by row
    pairs = slots.unique()
    limits = np.array([_limit(standards, lv, g) for lv, g in pairs], dtype=float)
    table["class_size_limit"] = limits[pairs.get_indexer(slots)]
    with np.errstate(invalid="ignore"):
        table["classes_needed"] = np.ceil(table["students"] / table["class_size_limit"] - 1e-9)
    actual = _actual_classes(dataset)
    table = table.merge(actual, on=["area", "level", "grade", "year"], how="left")
    with np.errstate(invalid="ignore", divide="ignore"):
        table["actual_avg_class_size"] = table["students"] / table["actual_classes"].where(
            table["actual_classes"] > 0)
    return _sorted(table, dataset)[COLUMNS].reset_index(drop=True)


def _grades_or_only_total(rows: pd.DataFrame) -> np.ndarray:
    """Grade rows, and level totals of the areas and levels that have no grade rows."""
    graded = (rows["grade"] != "").to_numpy()
    pairs = pd.MultiIndex.from_frame(rows[["area", "level"]])
    return graded | ~pairs.isin(pairs[graded])


def _sorted(table: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """Rows by scenario, area, level (the system's order; others last), grade (the system's
    order; the level total first) and year: one stable sort of integer keys."""
    levels = pd.Index(dataset.system.level_names).get_indexer(table["level"])
    levels = np.where(levels < 0, len(dataset.system.level_names), levels)
    slot = pd.MultiIndex.from_tuples(dataset.system.slots()).get_indexer(
        pd.MultiIndex.from_frame(table[["level", "grade"]]))
    keys = [table["year"].to_numpy(), slot, levels, _ranks(table["area"]), _ranks(table["scenario"])]
    return table.take(np.lexsort(keys))


def _ranks(values: pd.Series) -> np.ndarray:
    """Each value's rank among the distinct values, in sorted order (missing values last)."""
    codes, uniques = pd.factorize(values, sort=True)
    return np.where(codes < 0, len(uniques), codes)


def _limit(standards: Standards, level: str, grade: str) -> float:
    try:
        return float(standards.limit(level, grade))
    except KeyError:
        return np.nan


def _observed(dataset: Dataset) -> pd.DataFrame:
    """Base-year pupils by grade (and stated level totals)."""
    enrol = dataset.enrolment
    enrol = enrol[(enrol["year"] == dataset.base_year) & (enrol["students"] > 0)]
    return enrol[["area", "level", "grade", "year", "students"]].reset_index(drop=True)


def _actual_classes(dataset: Dataset) -> pd.DataFrame:
    """Classes the dataset reports: classes.csv (by grade or level), else schools.csv classes
    summed by area and level for the base year."""
    columns = ["area", "level", "grade", "year", "actual_classes"]
    given = dataset.table("classes")
    if len(given):
        out = given.assign(grade=given.get("grade", pd.Series("", index=given.index)).fillna("")
                           .astype(str).str.upper().str.replace(r"\.0$", "", regex=True))
        return (out.groupby(["area", "level", "grade", "year"], as_index=False)["classes"].sum()
                .rename(columns={"classes": "actual_classes"})[columns])
    schools = dataset.table("schools")
    if len(schools) and "classes" in schools.columns and schools["classes"].notna().any():
        summed = schools.groupby(["area", "level"], as_index=False)["classes"].sum(min_count=1)
        return summed.assign(grade="", year=dataset.base_year).rename(
            columns={"classes": "actual_classes"})[columns]
    return pd.DataFrame(columns=columns).astype({"year": int, "actual_classes": float})
