"""Workbook cells as the values a dataset means: dates refused where a count belongs, the
``dataset`` sheet's values read as text (never as YAML cell by cell), and formula cells that
were never calculated named as such.

* A date cell is written as its ISO date (``1902-11-05``), never as its year: a date typed
  into a count column would otherwise become 1902 pupils. The number rules then refuse it
  with a reason of its own (``forecast.data.inputs.numbers``).
* A ``dataset`` sheet value is text, a whole number (``base_year``), a period such as
  ``2021-2025`` (``plan_period``) or, when it starts with ``{``, ``[`` or ``- ``, YAML (a
  ``system`` mapping, a list of sources); ``@``, ``*`` or ``Plan: 2021-2025`` are plain text.
* A workbook written by a program that does not calculate (openpyxl, pandas, many exports)
  holds formulas without a saved value: read as values, such cells look empty. They are
  found and reported as formulas, with what to do.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

_WHOLE = re.compile(r"[+-]?\d+")
_PERIOD = re.compile(r"(\d{4})\s*[-–—~至到]\s*(\d{4})")
MAX_FORMULA_CELLS = 20  # listed one by one; the rest are counted


def date_text(value: dt.date | dt.datetime | dt.time) -> str:
    """A date cell as the ISO text a CSV would hold (``1902-11-05``, with the time when it
    has one), so it is never read as a number."""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    return value.isoformat()


def meta_value(key: str, text: str) -> tuple[Any, str | None]:
    """The value of one ``dataset`` sheet row, and the reason when it cannot be read."""
    from forecast.data.inputs.encoding import InputFileError
    from forecast.data.inputs.yaml_loader import parse_yaml

    cell = str(text).strip()
    if cell == "":
        return None, None
    if _WHOLE.fullmatch(cell):
        return int(cell), None
    period = _PERIOD.fullmatch(cell)
    if key == "plan_period" and period:
        return [int(period.group(1)), int(period.group(2))], None
    if cell[0] in "{[" or cell.startswith("- "):  # a flow value, or a list as YAML lines
        try:
            return parse_yaml(cell, Path(f"dataset sheet, {key}")), None
        except InputFileError as exc:
            return None, str(exc).replace("dataset sheet, ", "", 1)  # "system: is not valid YAML ..."
    return cell, None


def uncached_formulas(path: Path) -> list[tuple[str, str]]:
    """(sheet, cell) of every formula cell that has no saved value, e.g. ``("enrolment",
    "E5")``; empty when the workbook holds no formula (checked on the raw XML first, so a
    plain workbook is not read twice)."""
    if not _has_formulas(path):
        return []
    from openpyxl import load_workbook

    found: list[tuple[str, str]] = []
    formulas = load_workbook(path, read_only=True, data_only=False)
    values = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in formulas.worksheets:
            cached = values[sheet.title].iter_rows()
            for row in sheet.iter_rows():
                saved = next(cached, ())
                for i, cell in enumerate(row):
                    if getattr(cell, "data_type", None) != "f":
                        continue
                    value = saved[i].value if i < len(saved) else None
                    if value is None:
                        found.append((sheet.title, cell.coordinate))
    finally:
        formulas.close()
        values.close()
    return found


def formula_reasons(cells: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(``sheet!cell``, reason) for the formula cells without a saved value (the first
    ``MAX_FORMULA_CELLS``, then one line counting the rest)."""
    advice = ("is a formula without a saved value (the workbook was written by a program that "
              "does not calculate); open it in Excel or LibreOffice and save it, or enter the values")
    out = [(f"{sheet}!{cell}", advice) for sheet, cell in cells[:MAX_FORMULA_CELLS]]
    if len(cells) > MAX_FORMULA_CELLS:
        out.append((f"{cells[MAX_FORMULA_CELLS][0]}", f"and {len(cells) - MAX_FORMULA_CELLS} more "
                    "formula cells without a saved value"))
    return out


def _has_formulas(path: Path) -> bool:
    """True when a worksheet's XML holds a formula element (``<f>``, ``<f ...>``, or with a
    namespace prefix); read in pieces, so a large sheet is never held whole."""
    pattern = re.compile(rb"<(\w+:)?f[ >/]")
    try:
        with zipfile.ZipFile(path) as book:
            for name in book.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                with book.open(name) as handle:
                    tail = b""
                    while chunk := handle.read(1 << 20):
                        if pattern.search(tail + chunk):
                            return True
                        tail = chunk[-16:]
    except (OSError, zipfile.BadZipFile, RuntimeError):
        return False
    return False
