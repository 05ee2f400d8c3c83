"""Read a dataset from one Excel workbook (e.g. the ``template.xlsx`` of ``forecast init``).

One sheet per table, named like the CSV files (``births``, ``enrolment``, ``schools``,
``projects``, ...), the header in the first filled row; a ``dataset`` sheet of ``key``/``value``
rows (name, base_year, language, units, ...) and an ``areas`` sheet (area, parent, name) stand
in for dataset.yaml. Every cell is read as the text a CSV would hold and the rows go through
exactly the checks a CSV folder does (``forecast.data.inputs.csv_reader.table_from_rows``); problems
are then located as ``sheet!cell`` (e.g. ``enrolment!E14``, the row as the sheet numbers it)
rather than by file and row.

A workbook is untrusted input (docs/security.md), read in memory only: nothing is written to
disk. Sheet names are matched to the fixed table names (case, spaces and underscores aside:
``Enrolment`` and ``seat additions`` match), never used as paths; a sheet that matches no table
is reported and ignored, two sheets for one table are an error naming both. Before a sheet is
expanded its declared extent is checked, and while it is read its cells are counted: a workbook
of a few kilobytes declaring a cell at XFD1048576 is refused at once, not expanded into 17
billion cells.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from forecast.data.aliases import SHEETS as SHEET_ALIASES
from forecast.data.aliases import rows_with_aliases
from forecast.data.inputs.workbook_cells import (
    date_text,
    formula_reasons,
    meta_value,
    uncached_formulas,
)
from forecast.data.problems import Problem
from forecast.data.validation import OPTIONAL_TABLES

META_SHEETS = ("dataset", "areas")
SUFFIXES = (".xlsx", ".xlsm")
# Every cell the sheets span together, counted as read (a row as wide as its last cell): a
# district's dataset is thousands of cells, Texas by grade about a million. Larger tables
# belong in CSV files, which the package reads in bounded memory.
MAX_CELLS = 5_000_000
MAX_ROWS = 1_048_576  # Excel's own limit: a sheet claiming more was not written by Excel
MAX_UNPACKED = 1024**3  # bytes of the workbook's parts once unzipped


class WorkbookError(ValueError):
    """A workbook refused before it is read in full; the message says why and what to do."""


@dataclass
class Sheet:
    """One sheet's filled rows as text (the header first) and each row's number in the sheet."""

    title: str
    rows: list[list[str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    beyond: str | None = None  # the first cell holding a value right of the header, if any
    cells: int = 0  # cells counted against MAX_CELLS up to and including this sheet


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and path.is_file()


def table_key(name: str) -> str:
    """A sheet or table name as matched: ``' Seat Additions'`` -> ``seatadditions``."""
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", str(name)).lower())


def known_tables() -> tuple[str, ...]:
    return ("births", "population", "enrolment") + OPTIONAL_TABLES + META_SHEETS


def shown(title: str) -> str:
    """A sheet name as a formula would write it (``'my sheet'!A1``), control characters
    escaped, so a hostile name cannot forge or break a message line."""
    if re.fullmatch(r"\w+", title):
        return title
    safe = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in title)
    return "'" + safe.replace("'", "''") + "'"


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
        return date_text(value)
    return str(value).strip()


def _check_archive(path: Path) -> None:
    """Refuse a workbook whose parts unzip to more than ``MAX_UNPACKED`` bytes (a zip bomb)."""
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED:
        raise WorkbookError(f"unpacks to {unpacked:,} bytes (at most {MAX_UNPACKED:,}); save the "
                            "tables as CSV files instead")


def _extent(sheet, used: int) -> None:
    """Refuse a sheet whose declared extent (its dimension, e.g. ``A1:XFD1048576``) exceeds
    what is left of ``MAX_CELLS``, before a single row is expanded."""
    rows, columns = sheet.max_row, sheet.max_column
    if not rows or not columns:
        return  # no dimension declared: the cells are counted as they are read
    if rows > MAX_ROWS or rows * columns > MAX_CELLS - used:
        last = f"{get_column_letter(min(columns, 18278))}{rows}"
        raise WorkbookError(
            f"sheet {shown(sheet.title)} spans A1:{last}, {rows * columns:,} cells (at most "
            f"{MAX_CELLS:,} in a workbook); delete the stray cells below or right of the table "
            "(Ctrl+End shows the last one), or save the tables as CSV files")


def _read_sheet(sheet, used: int) -> Sheet:
    """The filled rows of ``sheet`` as text; ``used``: cells of the sheets read before, which
    count against ``MAX_CELLS`` with this sheet's (each row as wide as the header, or as its
    last cell when wider)."""
    _extent(sheet, used)
    sheet.reset_dimensions()  # rows as wide as their own cells, not as the declared extent
    out = Sheet(sheet.title)
    width = 0
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS:
            raise WorkbookError(f"sheet {shown(sheet.title)} has more than {MAX_ROWS:,} rows "
                                "(Excel's limit); it was not written by Excel")
        if not row:
            continue
        used += max(len(row), width)
        if used > MAX_CELLS:
            raise WorkbookError(f"holds more than {MAX_CELLS:,} cells (sheet {shown(sheet.title)}, "
                                f"row {number}); save the tables as CSV files instead")
        cells = [_text(v) for v in row]
        if not any(cells):
            continue
        if not out.rows:  # the header: the first filled row, up to its last name
            while cells and cells[-1] == "":
                cells.pop()
            width = len(cells)
        elif len(cells) > width:
            extra = next((i for i in range(width, len(cells)) if cells[i]), None)
            if extra is not None and out.beyond is None:
                out.beyond = f"{get_column_letter(extra + 1)}{number}"
            cells = cells[:width]
            if not any(cells):
                continue  # a row filled only right of the table
        out.rows.append(cells)
        out.numbers.append(number)
    out.cells = used
    return out


def read_workbook(path: Path) -> tuple[dict[str, Sheet], list[Problem]]:
    """Table name -> its sheet's filled rows, and the problems of the sheet names (see
    ``match_titles``). Only the sheets that hold a table are read; ``WorkbookError`` for a
    workbook beyond the bounds (``MAX_CELLS``, ``MAX_ROWS``, ``MAX_UNPACKED``)."""
    _check_archive(path)
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        chosen, problems = match_titles([sheet.title for sheet in book.worksheets], path.name)
        sheets, used = {}, 0
        for table, index in chosen.items():
            sheet = _read_sheet(book.worksheets[index], used)
            used = sheet.cells
            sheet.rows = rows_with_aliases(sheet.rows)  # 学段, 在校生, 小学 ... as the contract names them
            sheets[table] = sheet
            if sheet.beyond:
                problems.append(Problem(f"{path.name}: {shown(sheet.title)}!{sheet.beyond}", "a "
                                        "value right of the table's last column heading is "
                                        "ignored (give the column a heading, or delete it)",
                                        severity="warning"))
        return sheets, problems
    finally:
        book.close()


def match_titles(titles: list[str], book: str) -> tuple[dict[str, int], list[Problem]]:
    """Table name -> the index of its sheet, and the problems: two sheets for one table (an
    error naming both), a sheet matching no table (a warning with the closest name; the
    sheet is not read)."""
    tables = {table_key(t): t for t in known_tables()}
    for alias, table in SHEET_ALIASES.items():  # 在校生 -> enrolment, ...
        tables.setdefault(table_key(alias), table)
    found: dict[str, int] = {}
    problems = []
    for index, title in enumerate(titles):
        table = tables.get(table_key(title))
        if table is None:
            close = difflib.get_close_matches(table_key(title), list(tables), n=1, cutoff=0.75)
            hint = f"; did you mean {tables[close[0]]}?" if close else ""
            problems.append(Problem(f"{book}: sheet {shown(title)}", "is not a table of the "
                                    f"data contract and is ignored{hint} (tables: "
                                    f"{', '.join(known_tables())})", severity="warning"))
        elif table in found:
            problems.append(Problem(f"{book}: sheet {shown(title)}", f"holds the {table} table, "
                                    f"as does sheet {shown(titles[found[table]])}; keep one"))
        else:
            found[table] = index
    return found, problems


def _meta(sheets: dict[str, Sheet], book: str) -> tuple[dict, list[Problem]]:
    """dataset.yaml's content from the ``dataset`` and ``areas`` sheets (each value cell read
    as its text, YAML only for a mapping or list, bounded like a file:
    ``forecast.data.inputs.workbook_cells.meta_value``)."""
    meta: dict = {}
    problems: list[Problem] = []
    info = _frame(sheets.get("dataset"))
    if info is not None and {"key", "value"} <= set(info.columns):
        numbers = sheets["dataset"].numbers[1:]
        for key, value, number in zip(info["key"], info["value"], numbers, strict=True):
            if not key:
                continue
            parsed, reason = meta_value(key, value)
            if reason is not None:
                problems.append(Problem(f"{book}: {shown(sheets['dataset'].title)}!B{number}", reason))
            meta[key] = parsed
    areas = _frame(sheets.get("areas"))
    if areas is not None and "area" in areas:
        meta["areas"] = [{"area": a, "parent": (p or None) if "parent" in areas else None,
                          **({"name": n} if n else {})}
                         for a, p, n in zip(areas["area"], areas.get("parent", [""] * len(areas)),
                                            areas.get("name", [""] * len(areas)), strict=True) if a]
    return meta, problems


def _frame(sheet: Sheet | None) -> pd.DataFrame | None:
    if sheet is None or not sheet.rows:
        return None
    head = sheet.rows[0]
    body = [r + [""] * (len(head) - len(r)) for r in sheet.rows[1:]]
    return pd.DataFrame(body, columns=head, dtype=str)


class WorkbookTables:
    """The tables of a workbook, for ``dataset.inspect_tables`` (as ``FolderTables`` offers
    a folder's)."""

    def __init__(self, path: Path, sheets: dict[str, Sheet], meta: dict,
                 formulas: set[str] | None = None) -> None:
        self.path, self.name, self.sheets, self._meta = path, path.stem, sheets, meta
        self.formulas = formulas or set()  # "book: sheet!cell" of formulas without a value

    def meta(self):
        from forecast.data.inputs.meta import check_meta, meta_problems

        meta, problems = meta_problems(*check_meta(self._meta))
        return meta, problems, ""

    def has(self, table: str) -> bool:
        return table in self.sheets

    def layout_problems(self, tables: tuple[str, ...]) -> tuple[list[Problem], bool]:
        """A workbook without a single table sheet is not a dataset."""
        if any(t in self.sheets for t in tables):
            return [], False
        return [Problem(self.path.name, "has no table sheets (births, enrolment, ...); see "
                        "docs/data-contract.md or the template.xlsx of `forecast init`")], True

    def locate(self, problem: Problem) -> Problem:
        """A table's problem at the sheet and cell it came from (``enrolment!E14``)."""
        return _located(problem, self.sheets, self.path.name)

    def located(self, problems: list[Problem]) -> list[Problem]:
        """The tables' problems at their cells, without the "is empty" of a cell already
        reported as a formula without a saved value."""
        out = [self.locate(p) for p in problems]
        return [p for p in out if not (p.file in self.formulas and p.reason == "is empty")]

    def read(self, table: str, spec, default_unit: str):
        from forecast.data.inputs.csv_reader import RawTable, table_from_rows
        from forecast.data.validation import read_table

        rows = self.sheets[table].rows
        raw = table_from_rows(rows) if rows else RawTable(pd.DataFrame(), "", [
            ("is empty: it needs a header row and data rows", None, None)])
        return read_table(Path(f"{table}.csv"), spec, default_unit, raw=raw)


def _located(problem: Problem, sheets: dict[str, Sheet], book: str) -> Problem:
    """``enrolment.csv row 14, column students`` -> ``enrolment!E14`` (the sheet's own row
    number, blank rows counted)."""
    name = problem.file.removesuffix(".csv")
    reason = _sheet_words(problem.reason, sheets)
    if name == "dataset.yaml":
        return Problem(f"{book}: {_meta_cell(problem, sheets)}", reason, None, None, problem.severity)
    sheet = sheets.get(name)
    if sheet is None:
        return Problem(f"{book}: sheet {name}", reason, None, None, problem.severity)
    header = sheet.rows[0] if sheet.rows else []
    row = _sheet_row(sheet, problem.row)
    cell = shown(sheet.title)
    if problem.column in header:
        letter = get_column_letter(header.index(problem.column) + 1)
        cell += f"!{letter}{row}" if row is not None else f"!{letter}:{letter}"
    elif row is not None:
        cell += f"!{row}:{row}"
    else:
        cell += "!1:1"  # a column the sheet lacks: its header row
    reason = re.sub(r"\bduplicate of row (\d+)",
                    lambda m: f"duplicate of row {_sheet_row(sheet, int(m.group(1)))}", reason)
    return Problem(f"{book}: {cell}", reason, None, None, problem.severity)


def _sheet_words(reason: str, sheets: dict[str, Sheet]) -> str:
    """A reason written for a folder of CSVs, said of the workbook's sheets."""
    reason = reason.replace("declared in dataset.yaml", "declared in the areas sheet")
    reason = reason.replace("dataset.yaml", "the dataset sheet")
    return re.sub(r"\b(\w+)\.csv\b", lambda m: "sheet " + (shown(sheets[m.group(1)].title)
                                                          if m.group(1) in sheets else m.group(1)), reason)


def _meta_cell(problem: Problem, sheets: dict[str, Sheet]) -> str:
    """The cell of the areas or dataset sheet a dataset.yaml problem is about (``areas!B5``
    for a bad parent), else the two sheets by name."""
    areas, info = _frame(sheets.get("areas")), _frame(sheets.get("dataset"))
    quoted = re.match(r"^area (?:declared twice: )?'?([^',]+)'?", problem.reason)
    if areas is not None and "area" in areas and (problem.column == "areas" or quoted):
        sheet = sheets["areas"]
        rows = [i for i, a in enumerate(areas["area"]) if quoted and a == quoted.group(1)]
        if rows:
            column = "parent" if "parent" in problem.reason and "parent" in areas else "area"
            letter = get_column_letter(list(areas.columns).index(column) + 1)
            row = rows[-1 if "twice" in problem.reason else 0]
            return f"{shown(sheet.title)}!{letter}{sheet.numbers[row + 1]}"
        return f"{shown(sheet.title)}!1:1"
    if info is not None and {"key", "value"} <= set(info.columns) and problem.column:
        sheet = sheets["dataset"]
        key = str(problem.column).split(".")[0]
        rows = [i for i, k in enumerate(info["key"]) if k == key]
        letter = get_column_letter(list(info.columns).index("value") + 1)
        return (f"{shown(sheet.title)}!{letter}{sheet.numbers[rows[0] + 1]}" if rows
                else f"{shown(sheet.title)}!A:A")
    return "dataset/areas sheets"


def _sheet_row(sheet: Sheet, row: int | None) -> int | None:
    """A table's spreadsheet row (header 1, records from 2, blank rows skipped) as the
    sheet's own row number."""
    if row is None or not 1 <= row <= len(sheet.numbers):
        return row
    return sheet.numbers[row - 1]


def open_workbook(path: str | Path) -> tuple[WorkbookTables | None, list[Problem]]:
    """A workbook's tables for ``dataset.inspect_tables`` (sheets read in memory, nothing
    written), with the problems found reading it; None when it cannot be read at all."""
    path = Path(path)
    try:
        sheets, problems = read_workbook(path)
    except WorkbookError as exc:
        return None, [Problem(path.name, str(exc))]
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one clear problem
        return None, [Problem(path.name, f"cannot be read as an Excel workbook: {exc}".splitlines()[0])]
    meta, meta_found = _meta(sheets, path.name)
    meta.setdefault("name", path.stem)
    formulas = [Problem(f"{path.name}: {where}", reason)
                for where, reason in formula_reasons(uncached_formulas(path))]
    source = WorkbookTables(path, sheets, meta, {p.file for p in formulas})
    return source, formulas + problems + meta_found
