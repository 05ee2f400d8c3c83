"""Formula cells a workbook holds without a saved value.

A workbook written by a program (or saved by a tool that does not calculate) can hold a
formula such as ``=SUM(B2:B7)`` with no value saved beside it; read as data that cell is
empty, and "required value is empty" would send a planner looking for a blank cell that is
not blank. Such a cell is reported as what it is: a formula with no saved value, at its
sheet and cell.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from forecast.data.problems import Problem


def formulas_without_values(path: Path, sheets: dict[str, pd.DataFrame]) -> list[Problem]:
    """One error per formula cell whose saved value is empty, as ``book: sheet!cell``.
    ``sheets``: the workbook's sheets as read for their values (header in row 1)."""
    book = load_workbook(path, read_only=True, data_only=False)
    problems = []
    try:
        for sheet in book.worksheets:
            frame = sheets.get(sheet.title.strip())
            for row in sheet.iter_rows():
                for cell in row:
                    value = getattr(cell, "value", None)
                    if not (isinstance(value, str) and value.startswith("=")):
                        continue
                    r, c = cell.row, cell.column
                    saved = ""
                    if frame is not None and r >= 2 and r - 2 < len(frame) and c - 1 < len(frame.columns):
                        saved = frame.iat[r - 2, c - 1]
                    elif frame is not None and r == 1 and c - 1 < len(frame.columns):
                        saved = str(frame.columns[c - 1])
                    if saved in ("", None):
                        problems.append(Problem(
                            f"{path.name}: {sheet.title.strip()}!{cell.coordinate}",
                            f"holds the formula {value[:60]} but no saved value: open the workbook in "
                            "Excel or LibreOffice and save it (that stores the values), or type the number"))
    finally:
        book.close()
    return problems
