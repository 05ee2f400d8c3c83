"""What the plan may build: a dataset's ``candidates.csv`` (or ``candidates`` sheet), or
candidates generated from the standards; and the neighbours transfers may use.

``candidates.csv``: ``candidate, area, level``, ``seats`` or ``classrooms``, ``cost,
lead_time_years, earliest_start``, optional ``latest_start``, ``kind`` (new_school |
extension | temporary), ``source``. ``neighbours.csv``: ``area, neighbour, max_share`` (the
share of the area's demand its neighbour may seat). Problems name the file (or sheet), row
and column, and are all reported at once.

Generated candidates (no candidates.csv): per finest area x level with a need, copies of one
standard school: seats from ``plan.school_seats`` or the standards' school size x class-size
limit, cost = seats x ``plan.cost_per_seat`` (an assumption the config states), lead time
from the standards, start from the plan's first start year to the last year it can still
open within the horizon.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from forecast.data.validation import Problem, TableSpec, read_table

KINDS = ("new_school", "extension", "temporary")
COLUMNS = ["candidate", "area", "level", "seats", "classrooms", "cost", "lead_time_years",
           "earliest_start", "latest_start", "kind", "source", "copies"]

_TEXT = pa.Column(str, pa.Check.str_length(min_value=1, error="is empty"))
_YEAR = pa.Column(float, pa.Check.in_range(1900, 2200, error="is not a plausible year"), nullable=True,
                  required=False)
_COUNT = pa.Column(float, pa.Check.ge(0, error="is negative"), nullable=True, required=False)

CANDIDATES = TableSpec(
    "candidates", ("candidate", "area", "level", "cost", "lead_time_years", "earliest_start"),
    numeric=("seats", "classrooms", "cost", "lead_time_years"),
    integer=("lead_time_years", "earliest_start", "latest_start"), key=("candidate",),
    schema=pa.DataFrameSchema({
        "candidate": _TEXT, "area": _TEXT, "level": _TEXT, "seats": _COUNT, "classrooms": _COUNT,
        "cost": pa.Column(float, pa.Check.ge(0, error="is negative")),
        "lead_time_years": pa.Column(float, pa.Check.in_range(0, 20, error="is not 0 to 20 years")),
        "earliest_start": _YEAR, "latest_start": _YEAR,
        "kind": pa.Column(str, pa.Check.isin(KINDS + ("",), error=f"is not one of {', '.join(KINDS)}"),
                          required=False),
    }),
)
NEIGHBOURS = TableSpec(
    "neighbours", ("area", "neighbour", "max_share"), numeric=("max_share",), key=("area", "neighbour"),
    schema=pa.DataFrameSchema({
        "area": _TEXT, "neighbour": _TEXT,
        "max_share": pa.Column(float, pa.Check.in_range(0, 1, error="is not a share from 0 to 1")),
    }),
)


class CandidateError(ValueError):
    """candidates.csv or neighbours.csv cannot be used: every problem, one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def read_table_of(dataset_path: Path, spec: TableSpec) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The dataset's ``<spec.name>.csv`` (or the workbook's sheet of that name), typed, with
    its problems; None when the dataset has none."""
    path = Path(dataset_path)
    if path.is_file():  # a workbook: the sheet, read through the CSV checks, located as sheet!cell
        from forecast.data.excel_input import _located, read_sheets

        sheets = read_sheets(path)
        if spec.name not in sheets:
            return None, []
        with tempfile.TemporaryDirectory(prefix="forecast-plan-") as tmp:
            file = Path(tmp) / f"{spec.name}.csv"
            sheets[spec.name].to_csv(file, index=False)
            frame, problems = read_table(file, spec)
        return frame, [_located(p, sheets, path.name) for p in problems]
    file = path / f"{spec.name}.csv"
    if not file.is_file():
        return None, []
    return read_table(file, spec)


def read_candidates(dataset, limits: dict[str, float]) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The dataset's candidates with seats filled from classrooms x the level's class-size
    limit (``limits``), or None; raise ``CandidateError`` on any problem."""
    frame, problems = read_table_of(dataset.path, CANDIDATES)
    errors = [p for p in problems if p.severity == "error"]
    if frame is None or not set(CANDIDATES.required) <= set(frame.columns):
        if errors:
            raise CandidateError(errors)
        return None, problems
    name = "candidates.csv" if Path(dataset.path).is_dir() else f"{Path(dataset.path).name}: sheet candidates"
    known = set(dataset.areas["area"])
    levels = set(dataset.system.level_names)
    found = []
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        if row.area not in known:
            found.append(Problem(name, f"area '{row.area}' is not an area of the dataset", i, "area"))
        if row.level not in levels:
            found.append(Problem(name, f"level '{row.level}' is not a level of the "
                                 f"{dataset.system.name} school system ({', '.join(sorted(levels))})",
                                 i, "level"))
        seats = getattr(row, "seats", np.nan)
        rooms = getattr(row, "classrooms", np.nan)
        if not (_num(seats) or _num(rooms)):
            found.append(Problem(name, "give seats or classrooms (a positive number)", i, "seats"))
        latest = getattr(row, "latest_start", np.nan)
        if _num(latest) and _num(row.earliest_start) and latest < row.earliest_start:
            found.append(Problem(name, f"latest_start {int(latest)} is before earliest_start "
                                 f"{int(row.earliest_start)}", i, "latest_start"))
    if found or errors:
        raise CandidateError(sorted(errors + found, key=lambda p: (p.row or 0, p.column or "")))
    out = frame.copy()
    for column in ("seats", "classrooms", "latest_start", "kind", "source"):
        if column not in out:
            out[column] = np.nan if column in ("seats", "classrooms", "latest_start") else ""
    limit = out["level"].map(limits).astype(float)
    out["seats"] = out["seats"].where(out["seats"].map(_pos), out["classrooms"] * limit)
    out["classrooms"] = out["classrooms"].where(out["classrooms"].map(_pos), out["seats"] / limit)
    out["kind"] = out["kind"].fillna("").replace("", "new_school")
    out["source"] = out["source"].fillna("").astype(str)
    out["copies"] = 1
    return out[COLUMNS].reset_index(drop=True), problems


def read_neighbours(dataset) -> pd.DataFrame | None:
    """The dataset's neighbours (area, neighbour, max_share), or None."""
    frame, problems = read_table_of(dataset.path, NEIGHBOURS)
    errors = [p for p in problems if p.severity == "error"]
    known = set(dataset.areas["area"])
    if frame is not None and not errors:
        name = "neighbours.csv" if Path(dataset.path).is_dir() else "sheet neighbours"
        for i, row in enumerate(frame.itertuples(index=False), start=2):
            for column in ("area", "neighbour"):
                if getattr(row, column) not in known:
                    errors.append(Problem(name, f"'{getattr(row, column)}' is not an area of the dataset",
                                          i, column))
            if row.area == row.neighbour:
                errors.append(Problem(name, "an area is not its own neighbour", i, "neighbour"))
    if errors:
        raise CandidateError(errors)
    return frame


def generate(needs: pd.DataFrame, seats: dict[str, float], cost_per_seat: dict[str, float],
             lead: dict[str, int], limits: dict[str, float], first_start: int, horizon: int,
             source: str) -> pd.DataFrame:
    """Standard-school candidates for each row of ``needs`` (area, level, seats_needed: the
    largest gap between the seats there are and the risk target in any year). Enough copies
    to close the gap, plus one (so the target never fails for want of a candidate)."""
    rows = []
    for r in needs.itertuples(index=False):
        size = float(seats[r.level])
        years = int(lead[r.level])
        latest = horizon - years
        if latest < first_start or r.seats_needed <= 0:
            continue
        copies = int(math.ceil(r.seats_needed / size - 1e-9)) + 1
        rows.append({"candidate": f"{r.area} {r.level} standard school", "area": r.area, "level": r.level,
                     "seats": size, "classrooms": size / limits[r.level],
                     "cost": size * cost_per_seat[r.level], "lead_time_years": years,
                     "earliest_start": first_start, "latest_start": latest, "kind": "new_school",
                     "source": source, "copies": copies})
    return pd.DataFrame(rows, columns=COLUMNS)


def _pos(value) -> bool:
    return _num(value) and value > 0


def _num(value) -> bool:
    try:
        return not math.isnan(float(value))
    except (TypeError, ValueError):
        return False
