"""Demand against capacity: where children lack a seat or sit in classes over the limit.

For each area x level x year x scenario:

- ``deficit_seats`` = max(0, mean demand - seats), and ``deficit_seats_p90`` at the p90 demand;
- ``classes_needed`` = sum over grades of ceil(grade demand / grade limit) where grades are
  projected, else ceil(level demand / level limit);
- ``avg_class_size`` = mean demand / classrooms, the class size if every pupil were seated in
  the classrooms there are; flags compare it with the limit (45/50), and with the large (56)
  and super-large (66) thresholds. Only where the dataset gives whole classrooms: rooms are
  never derived from seats, so these are empty for a dataset of seats only;
- ``classrooms_to_build`` = whole rooms: the mean seat deficit / the class-size limit, rounded
  up; where whole classrooms are given, at least the classes needed by grade minus those
  classrooms (a room shortage can exist without a seat deficit). ``classrooms_basis`` says
  which of the two it is (empty when nothing is to be built);
- ``p_shortfall`` = share of Monte Carlo draws whose demand exceeds the seats.

A deficit smaller than one class (fewer pupils than the class-size limit) is not a short
year (``short_year``): the spells and the scheduler list only area-levels short by at least
one class, and count the others apart (``spells.sub_class_shortfalls``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.data.dataset import Dataset
from forecast.data.standards import Standards
from forecast.data.system import DEFAULT, SchoolSystem
from forecast.planning.capacity import Capacity

COLUMNS = ["area", "level", "year", "scenario", "demand_mean", "demand_p90", "seats",
           "deficit_seats", "classes_needed", "classrooms", "avg_class_size", "seat_shortfall",
           "over_standard_class_size", "large_class_risk", "super_large_class_risk", "p_shortfall"]
EXTRA = ["class_size_limit", "deficit_seats_p90", "classrooms_to_build", "classrooms_basis"]
FOR_SEATS = "seat deficit / class-size limit"
FOR_ROOMS = "classes needed by grade exceed the classrooms given"


def short_year(deficit, limit):
    """True where a deficit is at least one class (``deficit`` >= the class-size limit): a
    smaller deficit is not a short year, and is counted apart."""
    return np.asarray(deficit, dtype=float) >= np.asarray(limit, dtype=float) - 1e-9


def rooms_to_build(deficit: pd.Series, limit: pd.Series, classes_needed: pd.Series,
                   classrooms: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Whole classrooms to build and why: the seat deficit in classes (rounded up); where the
    dataset gives whole classrooms, at least the classes needed by grade minus those rooms.
    Where only seats are given no rooms are invented, so no room shortage is claimed."""
    for_seats = np.ceil(np.asarray(deficit, dtype=float) / np.asarray(limit, dtype=float) - 1e-9).clip(min=0)
    gap = np.asarray(classes_needed, dtype=float) - np.asarray(classrooms, dtype=float)
    for_rooms = np.ceil(np.nan_to_num(gap, nan=0.0) - 1e-9).clip(min=0)  # NaN: rooms not given
    rooms = np.fmax(for_seats, for_rooms)
    basis = np.where(rooms <= 0, "", np.where(for_seats >= for_rooms, FOR_SEATS, FOR_ROOMS))
    return rooms, basis


def compare(projections: pd.DataFrame, capacity: Capacity, standards: Standards,
            system: SchoolSystem = DEFAULT, classes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per area x level x year x scenario of the projection's level totals.
    ``classes``: the grade classes (``grade_classes``) when the grade rows were streamed to
    disk instead of being passed in ``projections``."""
    totals = projections[projections["grade"] == ""]
    frame = totals.rename(columns={"mean": "demand_mean", "p90": "demand_p90"})
    keep = ["area", "level", "year", "scenario", "demand_mean", "demand_p90"]
    frame = frame[keep + (["p_shortfall"] if "p_shortfall" in frame else [])].copy()
    if "p_shortfall" not in frame:
        frame["p_shortfall"] = np.nan
    seats = capacity.rolled[["area", "level", "year", "seats", "classrooms"]]
    frame = frame.merge(seats, on=["area", "level", "year"], how="left")
    frame["seats"] = frame["seats"].fillna(0.0)  # classrooms stay empty where none are given
    # Nothing counted means nothing there: the probability of a shortfall is then 1 if any
    # demand exists, which the merge cannot know from the draws, so compute it from the mean.
    unknown = frame["p_shortfall"].isna() & (frame["seats"] == 0)
    frame.loc[unknown, "p_shortfall"] = (frame.loc[unknown, "demand_mean"] > 0).astype(float)

    limit = per_level(frame["level"], lambda lv: standards.limit(lv))
    frame["class_size_limit"] = limit
    frame["classes_needed"] = _classes_needed(projections, frame, standards, classes)
    frame["deficit_seats"] = (frame["demand_mean"] - frame["seats"]).clip(lower=0)
    frame["deficit_seats_p90"] = (frame["demand_p90"] - frame["seats"]).clip(lower=0)
    frame["classrooms_to_build"], frame["classrooms_basis"] = rooms_to_build(
        frame["deficit_seats"], limit, frame["classes_needed"], frame["classrooms"])
    with np.errstate(divide="ignore", invalid="ignore"):
        avg = frame["demand_mean"] / frame["classrooms"].where(frame["classrooms"] > 0)
    frame["avg_class_size"] = avg
    frame["seat_shortfall"] = frame["deficit_seats"] > 0
    frame["over_standard_class_size"] = (avg > limit).astype("boolean").where(avg.notna())
    large = per_level(frame["level"], standards.large)
    super_large = per_level(frame["level"], standards.super_large)
    frame["large_class_risk"] = (avg >= large).astype("boolean").where(large.notna())
    frame["super_large_class_risk"] = (avg >= super_large).astype("boolean").where(super_large.notna())
    order = {lv: i for i, lv in enumerate(system.level_names)}
    frame = frame.assign(_l=per_level(frame["level"], order))
    frame = frame.sort_values(["scenario", "area", "_l", "year"], kind="stable").drop(columns="_l")
    return frame[COLUMNS + EXTRA].reset_index(drop=True)


def _classes_needed(projections: pd.DataFrame, frame: pd.DataFrame, standards: Standards,
                    classes: pd.DataFrame | None = None) -> pd.Series:
    """Classes to seat the mean demand within the limits, grade by grade where projected."""
    key = ["area", "level", "year", "scenario"]
    by_level = np.ceil(frame["demand_mean"] / frame["class_size_limit"] - 1e-9)
    summed = grade_classes(projections, standards) if classes is None else classes
    if summed.empty:
        return by_level
    merged = frame[key].merge(summed, on=key, how="left")["classes"]
    return merged.fillna(by_level).to_numpy()


def grade_classes(projections: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Per area x level x year x scenario: the sum over grades of ceil(grade mean demand /
    grade limit) (empty without grade rows)."""
    key = ["area", "level", "year", "scenario"]
    grades = projections[projections["grade"] != ""]
    if grades.empty:
        return pd.DataFrame(columns=key + ["classes"])
    slots = pd.MultiIndex.from_frame(grades[["level", "grade"]])  # hashed once, not row by row
    pairs = slots.unique()
    limits = np.array([standards.limit(lv, g) for lv, g in pairs], dtype=float)[pairs.get_indexer(slots)]
    classes = np.ceil(grades["mean"].to_numpy() / limits - 1e-9)
    return grades[key].assign(classes=classes).groupby(key, as_index=False)["classes"].sum()


def per_level(levels: pd.Series, mapper) -> pd.Series:
    """``levels.map(mapper)`` with the mapper applied once per distinct level: the same values,
    dtype and index, without a Python step per row."""
    codes, uniques = pd.factorize(levels)
    if len(levels) == 0 or (codes < 0).any():
        return levels.map(mapper)
    mapped = pd.Series(uniques, dtype=levels.dtype).map(mapper)
    out = mapped.iloc[codes]
    out.index = levels.index
    return out.rename(levels.name)


def worst(shortfall: pd.DataFrame, n: int = 10, year: int | None = None,
          level: str | None = None) -> pd.DataFrame:
    """The rows a planner reads first: the largest deficits (then the highest risk), one row
    (its worst year) per area, level and scenario unless a year is chosen."""
    part = shortfall
    if year is not None:
        part = part[part["year"] == year]
    if level is not None:
        part = part[part["level"] == level]
    part = part.assign(_risk=part["deficit_seats_p90"] * part["p_shortfall"].fillna(0))
    part = part.sort_values(["deficit_seats", "_risk", "avg_class_size"],
                            ascending=False, kind="stable")
    if year is None:
        part = part.drop_duplicates(["area", "level", "scenario"])
    return part.drop(columns="_risk").head(n)


def format_table(rows: pd.DataFrame) -> str:
    """A fixed-width text table of shortfall rows for the terminal."""
    if rows.empty:
        return "no rows"
    head = (f"{'area':12s} {'level':18s} {'year':>4s} {'scenario':14s} {'demand':>9s} "
            f"{'p90':>9s} {'seats':>9s} {'deficit':>8s} {'avg/class':>9s} {'P(short)':>8s}  flags")
    lines = [head]
    for r in rows.itertuples():
        flags = [name for name, on in (("deficit", r.seat_shortfall),
                                       ("over-limit", r.over_standard_class_size),
                                       ("large", _on(r.large_class_risk)),
                                       ("super-large", _on(r.super_large_class_risk))) if _on(on)]
        lines.append(f"{r.area:12s} {r.level:18s} {r.year:>4d} {r.scenario:14s} "
                     f"{r.demand_mean:>9,.0f} {r.demand_p90:>9,.0f} {r.seats:>9,.0f} "
                     f"{r.deficit_seats:>8,.0f} {r.avg_class_size:>9.1f} {r.p_shortfall:>8.2f}  "
                     f"{', '.join(flags)}")
    return "\n".join(lines)


def _on(flag) -> bool:
    """A flag that may be missing (NA: no rule for that level) read as a plain bool."""
    return bool(flag) if not pd.isna(flag) else False


def class_size_check(dataset: Dataset, standards: Standards) -> pd.DataFrame:
    """Share of classes at or above the large (56) and super-large (66) thresholds per area
    and level, from school-level data, beside the plans' ceilings (10 % and 5 %).

    Uses the schools' own counts of large classes where given; otherwise a school counts all
    its classes as large when its average class size (students / classes) is at or above the
    threshold: an approximation that can miss large classes in schools with small averages.
    """
    schools = dataset.table("schools")
    if schools.empty or not {"classes", "students"} <= set(schools.columns):
        return pd.DataFrame()
    rows = []
    for (area, level), part in schools.groupby(["area", "level"], sort=True):
        if level not in dataset.system.level_names or part["classes"].isna().all():
            continue
        classes = part["classes"].fillna(0)
        avg = part["students"] / classes.where(classes > 0)
        row = {"area": area, "level": level, "year": dataset.base_year,
               "schools": len(part), "classes": classes.sum()}
        for rule, thresholds in (("large", standards.large), ("super_large", standards.super_large)):
            threshold = thresholds.get(level)
            counted = part.get(f"{rule}_classes", pd.Series(np.nan, index=part.index))
            approx = classes.where(avg >= threshold, 0) if threshold else 0 * classes
            n = counted.fillna(approx).sum()
            share = 100 * n / row["classes"] if row["classes"] else np.nan
            ceiling = standards.max_share_percent.get(rule, np.nan)
            row.update({f"{rule}_classes": n, f"{rule}_share_percent": share,
                        f"{rule}_ceiling_percent": ceiling,
                        f"{rule}_within_ceiling": bool(share <= ceiling) if share == share else None})
        rows.append(row)
    return pd.DataFrame(rows)


def add_children_sums(frame: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Give every parent row the deficits of the finest areas below it, unnetted.

    A parent's own ``deficit_seats`` nets its sub-areas: one sub-area's empty seats offset
    another's shortage. ``deficit_children_sum`` (and ``_p90``) add the deficits of the finest
    areas below it that have rows for the same level, year and scenario, so a shortage hidden
    by netting stays visible. NaN on finest areas and on parents with no such rows (never 0).
    """
    from forecast.data.dataset import leaves_below

    out = frame.copy(deep=False)  # whole columns are added or replaced below, never edited in place
    out["deficit_children_sum"] = np.nan
    out["deficit_children_sum_p90"] = np.nan
    if out.empty:
        return out
    leaves = leaves_below(areas)
    if leaves.empty:
        return out
    key = ["level", "year", "scenario"]
    summed = (leaves.merge(out[["area", *key, "deficit_seats", "deficit_seats_p90"]], on="area")
              .groupby(["ancestor", *key], as_index=False)[["deficit_seats", "deficit_seats_p90"]].sum()
              .rename(columns={"ancestor": "area", "deficit_seats": "_sum", "deficit_seats_p90": "_sum90"}))
    merged = out[["area", *key]].merge(summed, on=["area", *key], how="left")
    out["deficit_children_sum"] = merged["_sum"].to_numpy()
    out["deficit_children_sum_p90"] = merged["_sum90"].to_numpy()
    return out
