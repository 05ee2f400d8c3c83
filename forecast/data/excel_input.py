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
from pathlib import Path

import pandas as pd
import yaml
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from forecast.data.aliases import with_aliases
from forecast.data.problems import Problem
from forecast.data.workbook_cells import formulas_without_values

META_SHEETS = ("dataset", "areas")
SUFFIXES = (".xlsx", ".xlsm")


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and path.is_file()


def _text(value) -> str:
    """A cell as the text a CSV would hold: whole numbers without '.0', dates as years."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return str(value.year)
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


def _meta(sheets: dict[str, pd.DataFrame]) -> dict:
    meta: dict = {}
    info = sheets.get("dataset")
    if info is not None and {"key", "value"} <= set(info.columns):
        for key, value in zip(info["key"], info["value"], strict=True):
            if key:
                meta[key] = yaml.safe_load(value) if value else None
    areas = sheets.get("areas")
    if areas is not None and "area" in areas:
        meta["areas"] = [{"area": a, "parent": (p or None) if "parent" in areas else None,
                          **({"name": n} if n else {})}
                         for a, p, n in zip(areas["area"], areas.get("parent", [""] * len(areas)),
                                            areas.get("name", [""] * len(areas)), strict=True) if a]
    return meta


def _located(problem: Problem, sheets: dict[str, pd.DataFrame], book: str,
             titles: dict[str, str] | None = None) -> Problem:
    """``enrolment.csv row 14, column students`` -> ``enrolment!E14``; a dataset.yaml problem
    -> the cell of the areas or dataset sheet it is about (``areas!B5`` for a bad parent).
    The reason speaks of sheets, never of CSV files or dataset.yaml."""
    titles = titles or {}
    name = problem.file.removesuffix(".csv")
    reason = _sheet_words(problem.reason, titles)
    if name == "dataset.yaml":
        return Problem(f"{book}: {_meta_cell(problem, sheets, titles)}", reason, None, None, problem.severity)
    title = titles.get(name, name)
    frame = sheets.get(name)
    if frame is None:
        return Problem(f"{book}: sheet {title}", reason, None, None, problem.severity)
    cell = title
    if problem.column in frame.columns:
        letter = get_column_letter(list(frame.columns).index(problem.column) + 1)
        cell += f"!{letter}{problem.row}" if problem.row is not None else f"!{letter}:{letter}"
    elif problem.row is not None:
        cell += f"!{problem.row}:{problem.row}"
    else:
        cell += "!1:1"  # a column the sheet lacks: its header row
    return Problem(f"{book}: {cell}", reason, None, None, problem.severity)


def _sheet_words(reason: str, titles: dict[str, str]) -> str:
    """A reason written for a folder of CSVs, said of the workbook's sheets."""
    reason = reason.replace("declared in dataset.yaml", "declared in the areas sheet")
    reason = reason.replace("dataset.yaml", "the dataset sheet")
    return re.sub(r"\b(\w+)\.csv\b", lambda m: f"sheet {titles.get(m.group(1), m.group(1))}", reason)


def _meta_cell(problem: Problem, sheets: dict[str, pd.DataFrame], titles: dict[str, str]) -> str:
    """The cell of the areas or dataset sheet a dataset.yaml problem is about."""
    areas, info = sheets.get("areas"), sheets.get("dataset")
    quoted = re.match(r"^area (?:declared twice: )?'?([^',]+)'?", problem.reason)
    if areas is not None and "area" in areas and (problem.column == "areas" or quoted):
        title = titles.get("areas", "areas")
        area = quoted.group(1) if quoted else None
        rows = [i for i, a in enumerate(areas["area"]) if a == area] if area is not None else []
        if rows:
            column = "parent" if "parent" in problem.reason and "parent" in areas else "area"
            letter = get_column_letter(list(areas.columns).index(column) + 1)
            return f"{title}!{letter}{rows[-1 if 'twice' in problem.reason else 0] + 2}"
        return f"{title}!1:1"
    if info is not None and {"key", "value"} <= set(info.columns) and problem.column:
        title = titles.get("dataset", "dataset")
        key = str(problem.column).split(".")[0]
        rows = [i for i, k in enumerate(info["key"]) if k == key]
        letter = get_column_letter(list(info.columns).index("value") + 1)
        return f"{title}!{letter}{rows[0] + 2}" if rows else f"{title}!A:A"
    return "dataset/areas sheets"


def inspect_workbook(path: str | Path):
    """``dataset.inspect_dataset`` for a workbook: the same checks, problems at sheet!cell."""
    from forecast.data.dataset import inspect_dataset

    path = Path(path)
    try:
        sheets = read_sheets(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one clear problem
        return None, [Problem(path.name, f"cannot be read as an Excel workbook: {exc}".splitlines()[0])]
    formulas = formulas_without_values(path, sheets)
    sheets, titles = with_aliases(sheets)  # 学段, 在校生, 小学 ... in the contract's names
    meta = _meta(sheets)
    meta.setdefault("name", path.stem)
    with tempfile.TemporaryDirectory(prefix="forecast-xlsx-") as tmp:
        folder = Path(tmp)
        (folder / "dataset.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
        for name, frame in sheets.items():
            if name not in META_SHEETS:
                frame.to_csv(folder / f"{name}.csv", index=False)
        dataset, problems = inspect_dataset(folder)
    problems = [_located(p, sheets, path.name, titles) for p in problems]
    if formulas:  # a formula with no saved value is said as such, not as an empty cell
        problems = formulas + [p for p in problems if p.file.split(": ", 1)[-1] not in
                               {f.file.split(": ", 1)[-1] for f in formulas}]
        dataset = None
    if dataset is not None:
        dataset.path = path
    return dataset, problems
