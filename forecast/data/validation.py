"""Read one CSV table of a dataset and report every problem in it at once.

Each problem names the file, the row as a spreadsheet shows it (header = row 1), the
column and a plain reason, so a planner can fix the file without reading Python.
Numbers are parsed here (so "abc" in a count column gets its own message); value rules
(no negative counts, known levels, ...) are pandera schemas run lazily.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from forecast.data.inputs.numbers import UNIT_FACTORS
from forecast.data.problems import Problem
from forecast.data.system import DEFAULT, SchoolSystem

OPTIONAL_TABLES = ("schools", "projects", "targets", "indicators", "flows", "seat_additions",
                   "feeders", "classes")
COMPARISONS = ("=", ">", ">=", "<", "<=")


@dataclass(frozen=True)
class TableSpec:
    """What one table must contain."""

    name: str
    required: tuple[str, ...]
    numeric: tuple[str, ...] = ()
    integer: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    count_columns: tuple[str, ...] = ()  # converted from the row's unit to persons
    free_units: bool = False  # unit may be anything (rates, classes); only person units convert
    schema: pa.DataFrameSchema | None = field(default=None, compare=False)


def _non_negative() -> pa.Column:
    return pa.Column(float, pa.Check.ge(0, error="is negative"), nullable=True, required=False)


def _degrees(limit: int, what: str) -> pa.Column:
    """A WGS84 coordinate (schools' lat, lon): metres of a projected system are refused."""
    return pa.Column(float, pa.Check.in_range(-limit, limit, error=f"is not a {what} in degrees "
                                              f"(-{limit} to {limit}; WGS84, not metres)"),
                     nullable=True, required=False)


_YEAR = pa.Column(float, pa.Check.in_range(1900, 2200, error="is not a plausible year"))
_AREA = pa.Column(str, pa.Check.str_length(min_value=1, error="is empty"))


def table_specs(system: SchoolSystem = DEFAULT) -> dict[str, TableSpec]:
    """What each table must contain, with level names checked against ``system``."""
    names = ", ".join(system.level_names)
    level = pa.Column(str, pa.Check.isin(system.level_names, error=f"is not a level of the "
                                         f"{system.name} school system ({names})"))
    level_or_group = pa.Column(str, pa.Check(
        lambda s: s.map(lambda v: system.is_known_level(v, allow_groups=True)),
        element_wise=False,
        error=f"is not a level ({names}) or level group such as {system.level_names[0]}+"
              f"{system.level_names[min(1, len(system.levels) - 1)]}",
    ))
    level_group_or_other = pa.Column(str, pa.Check(
        lambda s: s.map(lambda v: system.is_known_level(v, allow_groups=True, allow_other=True)),
        element_wise=False,
        error=f"is not a level ({names}), level group or special_education",
    ))
    level_group_or_all = pa.Column(str, pa.Check(
        lambda s: s.map(lambda v: v == "all" or system.is_known_level(v, allow_groups=True)),
        element_wise=False,
        error=f"is not a level ({names}), level group or all",
    ))
    return _specs(level, level_or_group, level_group_or_other, level_group_or_all)


def _specs(level: pa.Column, level_or_group: pa.Column, level_group_or_other: pa.Column,
           level_group_or_all: pa.Column) -> dict[str, TableSpec]:
    return {
        "births": TableSpec(
            "births", ("area", "year", "births"), numeric=("births",), integer=("year",),
            key=("area", "year"), count_columns=("births",),
            schema=pa.DataFrameSchema({"area": _AREA, "year": _YEAR, "births": _non_negative()}),
        ),
        "population": TableSpec(
            "population", ("area", "year", "age", "persons"), numeric=("persons",),
            integer=("year", "age"), key=("area", "year", "age"), count_columns=("persons",),
            schema=pa.DataFrameSchema({
                "area": _AREA, "year": _YEAR, "persons": _non_negative(),
                "age": pa.Column(float, pa.Check.in_range(0, 30, error="is not an age from 0 to 30")),
            }),
        ),
        "enrolment": TableSpec(
            "enrolment", ("area", "year", "level", "students"), numeric=("students",),
            integer=("year",), key=("area", "year", "level", "grade"), count_columns=("students",),
            schema=pa.DataFrameSchema({
                "area": _AREA, "year": _YEAR, "level": level, "students": _non_negative(),
            }),
        ),
        "flows": TableSpec(
            "flows", ("area", "year", "level", "flow", "students"), numeric=("students",),
            integer=("year",), key=("area", "year", "level", "flow"), count_columns=("students",),
            schema=pa.DataFrameSchema({
                "area": _AREA, "year": _YEAR, "level": level, "students": _non_negative(),
                "flow": pa.Column(str, pa.Check.isin(["entrants", "graduates", "leavers"],
                                                     error="is not entrants, graduates or leavers")),
            }),
        ),
        "schools": TableSpec(
            "schools", ("area", "level"),
            numeric=("seats", "classrooms", "classes", "students", "large_classes", "super_large_classes",
                     "lat", "lon"),
            key=(),
            schema=pa.DataFrameSchema({
                "area": _AREA, "level": level_group_or_other,
                "seats": _non_negative(), "classrooms": _non_negative(), "classes": _non_negative(),
                "students": _non_negative(), "large_classes": _non_negative(),
                "super_large_classes": _non_negative(),
                "lat": _degrees(90, "latitude"), "lon": _degrees(180, "longitude"),
            }),
        ),
        "projects": TableSpec(
            "projects", ("project", "area", "level", "open_year"),
            numeric=("seats", "classrooms", "floor_area_m2", "site_area_m2"), integer=("open_year",),
            key=("project",),
            schema=pa.DataFrameSchema({
                "project": _AREA, "area": _AREA, "level": level_group_or_other, "open_year": _YEAR,
                "seats": _non_negative(), "classrooms": _non_negative(),
                "floor_area_m2": _non_negative(),
                "site_area_m2": _non_negative(),
            }),
        ),
        "targets": TableSpec(
            "targets", ("area", "year", "level", "indicator", "value"), numeric=("value",),
            integer=("year",), key=("area", "year", "level", "indicator"), count_columns=("value",),
            free_units=True,
            schema=pa.DataFrameSchema({
                "area": _AREA, "year": _YEAR, "level": level_or_group,
                "indicator": pa.Column(str, pa.Check.str_length(min_value=1, error="is empty")),
                "comparison": pa.Column(str, pa.Check.isin(COMPARISONS + ("",),
                                        error="is not one of = > >= < <="), required=False),
            }),
        ),
        "indicators": TableSpec(
            "indicators", ("area", "year", "level", "indicator", "value"), numeric=("value",),
            integer=("year",), key=("area", "year", "level", "indicator"), count_columns=("value",),
            free_units=True,
            schema=pa.DataFrameSchema({"area": _AREA, "year": _YEAR, "level": level_group_or_all}),
        ),
        "feeders": TableSpec(
            "feeders", ("school", "feeder_school", "share"), numeric=("share",),
            key=("school", "feeder_school"),
            schema=pa.DataFrameSchema({
                "school": _AREA, "feeder_school": _AREA,
                "share": pa.Column(float, pa.Check.in_range(0, 1, error="is not a share from 0 to 1")),
            }),
        ),
        "classes": TableSpec(
            "classes", ("area", "year", "level", "classes"), numeric=("classes",), integer=("year",),
            key=("area", "year", "level", "grade"),
            schema=pa.DataFrameSchema({
                "area": _AREA, "year": _YEAR, "level": level, "classes": _non_negative(),
            }),
        ),
        "seat_additions": TableSpec(
            "seat_additions", ("area", "from_year", "to_year", "seats"),
            numeric=("seats", "schools"), integer=("from_year", "to_year"),
            schema=pa.DataFrameSchema({
                "area": _AREA, "from_year": _YEAR, "to_year": _YEAR, "seats": _non_negative(),
                "schools": _non_negative(),
            }),
        ),    }


TABLES: dict[str, TableSpec] = table_specs(DEFAULT)


def spreadsheet_row(index: int) -> int:
    """Row number as a spreadsheet shows it: the header is row 1, the first record row 2."""
    return int(index) + 2


REQUIRED_DATA = ("births", "population", "enrolment")  # a header without rows is an error here
COMMON_COLUMNS = ("source", "unit", "note", "notes", "name", "comment")
EXTRA_COLUMNS = {
    "enrolment": ("grade",), "projects": ("level_inferred", "part_of"),
    "seat_additions": ("level",), "schools": ("school",), "classes": ("grade",),
    "population": (), "births": (),
}


def known_columns(spec: TableSpec) -> tuple[str, ...]:
    """Every column a table of ``spec`` may have; others are reported as unknown."""
    schema = tuple(spec.schema.columns) if spec.schema is not None else ()
    return tuple(dict.fromkeys(spec.required + spec.numeric + spec.integer + spec.key + schema
                               + COMMON_COLUMNS + EXTRA_COLUMNS.get(spec.name, ())))


def read_table(path: Path, spec: TableSpec, default_unit: str = "persons",
               raw=None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read ``path`` as ``spec`` describes; return the typed frame and every problem found.

    Count columns are converted to persons using the row's ``unit`` column (if any) or the
    dataset's default unit; the ``unit`` column then reads ``persons``. Numbers follow
    ``forecast.data.inputs.numbers`` (the data contract's rules); the encoding read is kept in
    ``frame.attrs["encoding"]``. ``raw``: the cells already read (a ``RawTable``, e.g. an
    Excel sheet's), checked under ``path``'s name instead of reading ``path``.
    """
    from forecast.data.inputs.csv_reader import read_csv
    from forecast.data.inputs.numbers import parse_column
    from forecast.data.inputs.plausibility import jump_warnings, unit_warnings

    name = path.name
    raw = read_csv(path) if raw is None else raw
    problems = [Problem(name, reason, row, column) for reason, row, column in raw.faults]
    if problems:
        return pd.DataFrame(), problems
    frame = raw.frame
    if frame.empty:
        severity = "error" if spec.name in REQUIRED_DATA else "warning"
        return pd.DataFrame(), [Problem(name, "has a header but no data rows; fill it or delete "
                                        "the file" + ("" if severity == "error" else " (ignored)"),
                                        severity=severity)]
    problems += _column_problems(frame, spec, name)
    missing = [c for c in spec.required if c not in frame.columns]
    for column in missing:
        problems.append(Problem(name, f"required column '{column}' is missing", column=column))
    if missing:
        return frame, at_physical_rows(problems, raw.rows, raw.header_row)

    for column in dict.fromkeys(spec.numeric + spec.integer):
        if column not in frame.columns:
            continue
        text = frame[column]
        values, reasons = parse_column(text)
        for index, reason in reasons.items():
            problems.append(Problem(name, reason, spreadsheet_row(index), column))
        if column in spec.integer:
            fractional = values.notna() & (values % 1 != 0)
            for index in np.flatnonzero(fractional.to_numpy()):
                problems.append(Problem(name, f"{values.iloc[index]} is not a whole number",
                                        spreadsheet_row(index), column))
        required_empty = (text == "") & (column in spec.required)
        for index in np.flatnonzero(required_empty.to_numpy()):
            problems.append(Problem(name, "is empty", spreadsheet_row(index), column))
        frame[column] = values.astype(float)

    if not spec.free_units:
        problems += _unit_problems(frame, name)
    problems += _schema_problems(frame, spec, name)
    problems += _duplicate_problems(frame, spec, name,
                                    lambda i: raw.physical_row(spreadsheet_row(i)))
    if not any(p.severity == "error" for p in problems):
        raw_units = frame["unit"].copy() if "unit" in frame.columns else None
        frame = _to_persons(frame, spec, default_unit)
        counts = _count_problems(frame, spec, name, raw_units, default_unit)
        problems += counts
        for column in spec.count_columns:
            if not spec.free_units and column not in {p.column for p in counts}:  # refused already
                problems += jump_warnings(frame, spec.name, column, raw_units)
                problems += unit_warnings(frame, spec.name, column, raw_units, default_unit)
        for column in spec.integer:
            if column in frame.columns and frame[column].notna().all():
                frame[column] = frame[column].astype(int)
    frame.attrs["encoding"] = raw.encoding
    if raw.rows is not None or raw.header_row != 1:  # taken (and removed) by inspect_dataset
        frame.attrs["physical_rows"] = (raw.rows, raw.header_row)
    return frame, at_physical_rows(problems, raw.rows, raw.header_row)


def at_physical_rows(problems: list[Problem], rows, header_row: int = 1,
                     file: str | None = None) -> list[Problem]:
    """``problems`` with rows counted without blank lines (header 1, first record 2) moved
    to the rows a spreadsheet shows (``forecast.data.inputs.csv_reader.RawTable``); only those of
    ``file`` when given."""
    from dataclasses import replace

    from forecast.data.inputs.csv_reader import physical_row

    if rows is None and header_row == 1:
        return problems
    return [replace(p, row=physical_row(p.row, rows, header_row))
            if file is None or p.file == file else p for p in problems]


def _column_problems(frame: pd.DataFrame, spec: TableSpec, name: str) -> list[Problem]:
    """Unknown columns, by name with the closest known one: an error when the closest is a
    required or size column the table lacks (``classroom`` for ``classrooms``), else a
    warning (the column is ignored)."""
    import difflib

    known = known_columns(spec)
    needed = set(spec.required + spec.numeric + spec.integer)
    problems = []
    for column in frame.columns:
        if column in known:
            continue
        close = difflib.get_close_matches(column.lower(), known, n=1, cutoff=0.6)
        if close and close[0] in needed and close[0] not in frame.columns:
            problems.append(Problem(name, f"unknown column '{column}': did you mean "
                                    f"'{close[0]}'? Rename it (as it stands its values are not read)",
                                    1, column))
        else:
            hint = f" (closest known column: '{close[0]}')" if close else ""
            problems.append(Problem(name, f"unknown column '{column}' is ignored{hint}; known "
                                    f"columns: {', '.join(known)}", 1, column, "warning"))
    return problems


MAX_COUNT = 1e9  # persons, seats or classes in one row: more than any country's pupils
COUNT_LIKE = ("births", "persons", "students", "seats", "classrooms", "classes", "large_classes",
              "super_large_classes", "schools")


def _count_problems(frame: pd.DataFrame, spec: TableSpec, name: str, raw_units: pd.Series | None,
                    default_unit: str) -> list[Problem]:
    """Counts beyond ``MAX_COUNT`` once converted to persons (``9e11`` pupils, or 9e5 in
    ``10k persons``): refused before they overflow the arithmetic downstream."""
    problems = []
    if spec.free_units:  # targets and indicators: any measure (a population, a budget)
        return problems
    for column in spec.count_columns + tuple(c for c in spec.numeric if c in COUNT_LIKE):
        if column not in frame.columns or column in {p.column for p in problems}:
            continue
        values = frame[column].to_numpy(dtype=float)
        for i in np.flatnonzero(np.abs(np.nan_to_num(values)) > MAX_COUNT)[:20]:
            unit = (raw_units.iloc[i] if raw_units is not None else "") or default_unit
            converted = f" persons (given in {unit})" if UNIT_FACTORS.get(unit, 1) != 1 \
                and column in spec.count_columns else ""
            problems.append(Problem(name, f"{values[i]:,.4g}{converted} is implausibly large (beyond "
                                    f"{MAX_COUNT:,.0e} in one row); check the value and its unit",
                                    spreadsheet_row(i), column))
    return problems


def _unit_problems(frame: pd.DataFrame, name: str) -> list[Problem]:
    if "unit" not in frame.columns:
        return []
    problems = []
    for index, unit in enumerate(frame["unit"]):
        if unit and unit not in UNIT_FACTORS:
            problems.append(Problem(name, f"unit '{unit}' is not known (use persons or 10k persons)",
                                    spreadsheet_row(index), "unit"))
    return problems


def _to_persons(frame: pd.DataFrame, spec: TableSpec, default_unit: str) -> pd.DataFrame:
    if not spec.count_columns:
        return frame
    units = frame["unit"].replace("", default_unit) if "unit" in frame.columns else pd.Series(
        default_unit, index=frame.index)
    factor = units.map(UNIT_FACTORS)
    is_count = factor.notna()
    for column in spec.count_columns:
        frame.loc[is_count, column] = frame.loc[is_count, column] * factor[is_count]
    frame["unit"] = units.where(~is_count, "persons")
    return frame


def _schema_problems(frame: pd.DataFrame, spec: TableSpec, name: str) -> list[Problem]:
    if spec.schema is None:
        return []
    present = {c: col for c, col in spec.schema.columns.items() if c in frame.columns}
    schema = spec.schema.__class__(present)
    typed = frame.copy()
    for column, col in present.items():
        if col.dtype is not None and str(col.dtype).startswith("float"):
            typed[column] = pd.to_numeric(typed[column], errors="coerce")
    try:
        schema.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return [_from_failure(row, name, typed) for row in exc.failure_cases.itertuples()]
    return []


def _from_failure(case, name: str, frame: pd.DataFrame) -> Problem:
    index = case.index
    row = spreadsheet_row(index) if index is not None and not pd.isna(index) else None
    value = case.failure_case
    shown = "" if value is None or (isinstance(value, float) and np.isnan(value)) else f"'{value}' "
    if case.check == "not_nullable":
        return Problem(name, "is empty", row, case.column)
    return Problem(name, f"{shown}{case.check}".strip(), row, case.column)


def _duplicate_problems(frame: pd.DataFrame, spec: TableSpec, name: str,
                        row_of=spreadsheet_row) -> list[Problem]:
    key = [c for c in spec.key if c in frame.columns]
    if not key:
        return []
    # integer codes of the key columns: hashing millions of strings once, not per check
    codes = pd.DataFrame({c: pd.factorize(frame[c], use_na_sentinel=False)[0] for c in key})
    dup = codes.duplicated(keep="first").to_numpy()
    if not dup.any():
        return []
    first_rows = codes.assign(_row=np.arange(len(codes))).groupby(key)["_row"].transform("min")
    return [
        Problem(name, f"duplicate of row {row_of(first_rows.iloc[i])} "
                f"(same {', '.join(key)})", spreadsheet_row(i))
        for i in np.flatnonzero(dup)
    ]
