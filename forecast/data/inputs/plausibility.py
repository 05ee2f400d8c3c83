"""Plausibility warnings: values that parse but are probably wrong.

Each warning names the file, the row and what looks wrong; none stops a run, because a real
district can have a real jump (a new school, a redrawn boundary), except a jump of
``MISMATCH_FACTOR`` or more that coincides with a change of unit: that is an error (a count off
by the unit's factor). The factors are declared here and listed in docs/data-contract.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.data.problems import Problem

JUMP_FACTOR = 3.0  # a count more than 3x (or under 1/3 of) the previous observed year
COHORT_FACTOR = 3.0  # a level more than 3x the births of the cohorts it serves
MIN_COUNT = 100  # jumps among small counts (1 -> 4 pupils in a tiny district) are noise
# A jump of 1,000x or more where the row's unit differs from the previous year's is an error,
# not a warning: a persons count labelled 10k persons (or the reverse) is off 10,000-fold, and
# the projection built on it overflowed (issue 21) or reached 10^11 pupils.
MISMATCH_FACTOR = 1000.0

SERIES_KEYS = {
    "births": ("area",), "population": ("area", "age"), "enrolment": ("area", "level", "grade"),
    "flows": ("area", "level", "flow"), "classes": ("area", "level", "grade"),
}


def _row(index: int) -> int:
    return int(index) + 2


def jump_warnings(frame: pd.DataFrame, table: str, column: str, raw_units: pd.Series | None):
    """Year-on-year jumps beyond ``JUMP_FACTOR`` within each series of ``table``; when the row's
    unit differs from the previous year's the warning says it is probably a unit mismatch."""
    keys = [k for k in SERIES_KEYS.get(table, ()) if k in frame.columns]
    if not keys or column not in frame.columns or "year" not in frame.columns or len(frame) < 2:
        return []
    # the series keys as integer codes in the keys' sorted order (the warnings come out in
    # the same order as before), so millions of rows are sorted and compared as numbers
    codes = [pd.factorize(frame[k], sort=True, use_na_sentinel=False)[0] for k in keys]
    years = frame["year"].to_numpy(dtype=float)
    order = np.lexsort([years] + codes[::-1])  # by keys, then year; stable
    same = np.zeros(len(order), dtype=bool)
    same[1:] = True
    for code in codes:
        ordered = code[order]
        same[1:] &= ordered[1:] == ordered[:-1]
    del codes
    value = frame[column].to_numpy(dtype=float)[order]
    prev = np.empty_like(value)
    prev[0], prev[1:] = np.nan, value[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = value / prev
    flagged = same & (prev > 0) & (value > 0) & (np.fmax(prev, value) >= MIN_COUNT) \
        & ((ratio > JUMP_FACTOR) | (ratio < 1 / JUMP_FACTOR))
    problems = []
    if not flagged.any():
        return problems
    if raw_units is not None:  # units as codes too (an object array of 18M strings is a GB)
        unit_codes, unit_names = pd.factorize(raw_units, use_na_sentinel=False)
        unit_codes = unit_codes[order]
    else:
        unit_codes, unit_names = np.zeros(len(order), dtype=np.int64), np.array([""], dtype=object)
    years = years[order]
    blamed = -2  # the last position an error was raised at
    for i in np.flatnonzero(flagged):
        reason = (f"{column} {value[i]:,.0f} in {int(years[i])} is {ratio[i]:,.1f}x the "
                  f"{int(years[i - 1])} value ({prev[i]:,.0f})")
        severity = "warning"
        if unit_codes[i] != unit_codes[i - 1]:
            now, before = unit_names[unit_codes[i]], unit_names[unit_codes[i - 1]]
            reason += (f"; this row's unit '{now or 'default'}' differs from the previous "
                       f"year's '{before or 'default'}': probably a unit mismatch")
            # no projection can use a count off by the unit's factor; the jump back on the
            # next row is the same fault seen from the right row: a warning there
            if not 1 / MISMATCH_FACTOR < ratio[i] < MISMATCH_FACTOR and blamed != i - 1:
                severity, blamed = "error", i
                reason += "; fix the unit or the value (a change this size is not a real one)"
        else:
            reason += f" (beyond the plausibility factor {JUMP_FACTOR:g}); check the value and unit"
        problems.append(Problem(f"{table}.csv", reason, _row(order[i]), column, severity))
    return problems


def cohort_warnings(enrolment: pd.DataFrame, births: pd.DataFrame, system, proxy: bool) -> list:
    """Level totals larger than ``COHORT_FACTOR`` times the births of the cohorts the level
    serves (skipped for proxy births, which are an index, not counts)."""
    if proxy or enrolment is None or enrolment.empty or births is None or births.empty:
        return []
    born = births.groupby(["area", "year"])["births"].sum()
    rows = enrolment.reset_index(drop=True)
    rows = rows.assign(row_=np.arange(len(rows)))
    totals = rows[rows["grade"].astype(str) == ""] if "grade" in rows else rows
    problems = []
    for rec in totals.itertuples():
        if rec.level not in system.level_names:
            continue
        years = [int(rec.year) - age for age in system.ages(rec.level)]
        keys = [(rec.area, y) for y in years]
        if not all(k in born.index for k in keys):
            continue
        cohorts = float(sum(born[k] for k in keys))
        if cohorts > 0 and rec.students > COHORT_FACTOR * cohorts:
            problems.append(Problem(
                "enrolment.csv", f"{rec.level} {int(rec.year)} ({rec.area}): {rec.students:,.0f} "
                f"students is more than {COHORT_FACTOR:g}x the {cohorts:,.0f} births of its cohorts "
                f"({years[-1]}-{years[0]}); check the unit or the births", _row(rec.row_), "students",
                "warning"))
    return problems


UNIT_MEDIAN = 100  # a median of 100万 (one million persons) per row, all whole numbers: persons?


def unit_warnings(frame: pd.DataFrame, table: str, column: str, raw_units: pd.Series | None,
                  default_unit: str) -> list:
    """Counts given in ``10k persons`` (万人) that look like persons: every such value a whole
    number and their median at least ``UNIT_MEDIAN`` (a million persons a row). Plans in 万
    write 6.27; 1,050 in 万 is ten million pupils, so a dataset-wide ``units: 10k persons``
    over counts in persons is said once per table instead of passing silently."""
    from forecast.data.inputs.numbers import UNIT_FACTORS

    units = (raw_units.replace("", default_unit) if raw_units is not None
             else pd.Series(default_unit, index=frame.index))
    factor = units.map(UNIT_FACTORS).to_numpy(dtype=float)
    big = np.flatnonzero(factor > 1)
    if not len(big):
        return []
    raw = frame[column].to_numpy(dtype=float)[big] / factor[big]
    known = ~np.isnan(raw)
    if not known.any() or not (raw[known] % 1 == 0).all() or np.median(raw[known]) < UNIT_MEDIAN:
        return []
    unit = units.iloc[big[0]]
    given = ("the unit column" if raw_units is not None and raw_units.iloc[big[0]] != ""
             else "dataset.yaml, key units")
    median = float(np.median(raw[known]))
    return [Problem(f"{table}.csv", f"{int(known.sum())} {column} value(s) in '{unit}' ({given}) are all "
                    f"whole numbers with a median of {median:,.0f}, i.e. {median * factor[big[0]]:,.0f} "
                    "persons a row: are they persons? Check the unit", _row(big[0]), column, "warning")]


def zero_births_warnings(births: pd.DataFrame) -> list:
    """Areas whose births are 0 in every year: no cohort can be paired with them (the entry
    ratio would divide by zero), so their entrants follow their own history. Said, not
    silently accepted (all-zero births are a blank export more often than a fact)."""
    if births is None or births.empty:
        return []
    total = births.groupby("area")["births"].sum(min_count=1)
    zero = total[total == 0]
    if zero.empty:
        return []
    names = ", ".join(map(str, zero.index[:3])) + (", ..." if len(zero) > 3 else "")
    every = " (every area)" if len(zero) == len(total) else ""
    return [Problem("births.csv", f"births are 0 in every year for {len(zero)} area(s){every}: "
                    f"{names}; check the file (a blank export?): entrants there follow their own "
                    "history", None, "births", "warning")]
