"""Read a dataset from one Excel workbook (e.g. the ``template.xlsx`` of ``forecast init``).

One sheet per table, named like the CSV files (``births``, ``enrolment``, ``schools``,
``projects``, ...), the header in row 1; a ``dataset`` sheet of ``key``/``value`` rows (name,
base_year, language, units, ...) and an ``areas`` sheet (area, parent, name) stand in for
dataset.yaml. Every cell is read as the text a CSV would hold, so the workbook goes through
exactly the checks a CSV folder does; problems are then located as ``sheet!cell`` (e.g.
``enrolment!E14``) rather than by file and row.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import yaml
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from forecast.validation import Problem

META_SHEETS = ("dataset", "areas")
SUFFIXES = (".xlsx", ".xlsm")


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and path.is_file()


def _text(value) -> str:
    """A cell as the text a CSV would hold: whole numbers without '.0', dates as ISO dates
    (never as their year: a date in a count column is refused, not read as 1902 pupils)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        from forecast.inputs.cells import date_text

        return date_text(value)
    return str(value).strip()


def read_sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet as a frame of strings (header from row 1; empty rows dropped)."""
    book = load_workbook(path, read_only=True, data_only=True)
    out = {}
    for sheet in book.worksheets:
        rows = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        if not rows:
            continue
        head = rows[0]
        while head and head[-1] == "":
            head = head[:-1]
        body = [r[:len(head)] + [""] * (len(head) - len(r)) for r in rows[1:]]
        frame = pd.DataFrame(body, columns=head, dtype=str)
        # trailing empty rows; inner empty rows are kept so row numbers match the sheet
        filled = (frame != "").any(axis=1).to_numpy()
        last = len(filled) - filled[::-1].argmax() if filled.any() else 0
        out[sheet.title.strip()] = frame.iloc[:last]
    book.close()
    return out


def _meta(sheets: dict[str, pd.DataFrame], problems: list[Problem] | None = None) -> dict:
    """dataset.yaml's keys from the ``dataset`` sheet (one cell per value, read as its text;
    see ``forecast.inputs.cells.meta_value``) and the ``areas`` sheet; a value that cannot
    be read is added to ``problems`` as ``dataset!B<row>``."""
    from forecast.inputs.cells import meta_value

    meta: dict = {}
    info = sheets.get("dataset")
    if info is not None and {"key", "value"} <= set(info.columns):
        letter = get_column_letter(list(info.columns).index("value") + 1)
        for row, (key, value) in enumerate(zip(info["key"], info["value"], strict=True), start=2):
            if key:
                parsed, reason = meta_value(key, value)
                if reason is not None and problems is not None:
                    problems.append(Problem(f"dataset!{letter}{row}", reason))
                meta[key] = parsed
    areas = sheets.get("areas")
    if areas is not None and "area" in areas:
        meta["areas"] = [{"area": a, "parent": (p or None) if "parent" in areas else None,
                          **({"name": n} if n else {})}
                         for a, p, n in zip(areas["area"], areas.get("parent", [""] * len(areas)),
                                            areas.get("name", [""] * len(areas)), strict=True) if a]
    return meta


def _located(problem: Problem, sheets: dict[str, pd.DataFrame], book: str) -> Problem:
    """``enrolment.csv row 14, column students`` -> ``enrolment!E14``."""
    name = problem.file.removesuffix(".csv")
    if name == "dataset.yaml":
        return Problem(f"{book}: dataset/areas sheets", problem.reason, None, problem.column, problem.severity)
    frame = sheets.get(name)
    if frame is None:
        return Problem(f"{book}: sheet {name}", problem.reason, None, problem.column, problem.severity)
    cell = name
    if problem.column in frame.columns:
        letter = get_column_letter(list(frame.columns).index(problem.column) + 1)
        cell += f"!{letter}{problem.row}" if problem.row is not None else f"!{letter}:{letter}"
    elif problem.row is not None:
        cell += f"!{problem.row}:{problem.row}"
    return Problem(f"{book}: {cell}", problem.reason, None, None, problem.severity)


def _as_sheet(problem: Problem) -> Problem:
    """A misnamed table file (forecast.inputs.folder) is a misnamed sheet in a workbook."""
    reason = re.sub(r"table files are named in lower case; rename it to (\w+)\.csv",
                    r"sheets are named as their table, in lower case; rename the sheet to \1",
                    problem.reason)
    reason = re.sub(r"is not a table name; rename it to (\w+)\.csv", r"is not a table name; rename "
                    r"the sheet to \1", reason).replace(r"(or delete it: ", "(or delete it: sheet ")
    return problem if reason == problem.reason else replace(problem, reason=reason.replace(".csv is read", " is read"))


def inspect_workbook(path: str | Path):
    """``dataset.inspect_dataset`` for a workbook: the same checks, problems at sheet!cell."""
    from forecast.dataset import inspect_dataset

    path = Path(path)
    try:
        sheets = read_sheets(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one clear problem
        return None, [Problem(path.name, f"cannot be read as an Excel workbook: {exc}".splitlines()[0])]
    from forecast.inputs.cells import formula_reasons, uncached_formulas

    cell_problems = [Problem(where, reason) for where, reason in formula_reasons(uncached_formulas(path))]
    meta = _meta(sheets, cell_problems)
    meta.setdefault("name", path.stem)
    with tempfile.TemporaryDirectory(prefix="forecast-xlsx-") as tmp:
        folder = Path(tmp)
        (folder / "dataset.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
        for name, frame in sheets.items():
            if name not in META_SHEETS:
                frame.to_csv(folder / f"{name}.csv", index=False)
        dataset, problems = inspect_dataset(folder)
    problems = [_located(_as_sheet(p), sheets, path.name) for p in problems]
    formulas = {f"{path.name}: {p.file}" for p in cell_problems}
    problems = [Problem(f"{path.name}: {p.file}", p.reason) for p in cell_problems] + [
        p for p in problems if not (p.file in formulas and p.reason == "is empty")]
    problems = [Problem(path.name, "has no table sheets (births, enrolment, ...); see "
                        "docs/data-contract.md or the template.xlsx of `forecast init`")
                if p.file.endswith(str(folder)) else p for p in problems]
    if cell_problems:
        dataset = None
    if dataset is not None:
        dataset.path = path
    return dataset, problems
