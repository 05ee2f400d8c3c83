"""What a dataset folder holds, before any table is read: files that look like tables but
would be ignored (``Enrolment.csv``, ``enrollment.csv``, ``births.xlsx``), and a folder with
no table at all (an empty folder, a wrong path such as ``/etc``), which must not "validate"
with base year 0.

Table files are matched by their exact lower-case name, on every system alike; a name that
differs only in case or by a letter or two is reported with the name to use (an error when
the table it stands for is otherwise missing, else a warning).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from forecast.common.errors import printable

_OTHER_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".txt", ".tsv", ".ods")


def folder_problems(folder: Path, tables: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(file, reason, severity) for each misnamed table file in ``folder`` and, when no
    table file is there at all, one error naming the folder."""
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        return [(str(folder), f"cannot be listed ({exc.strerror or exc})", "error")]
    present = {n for n in names if n.endswith(".csv") and n[:-4] in tables}
    problems = []
    for name in names:
        if name in present or name.startswith("."):
            continue
        stem, suffix = os.path.splitext(name)
        wanted = _table_meant(stem, tables)
        if wanted is None or f"{wanted}.csv" == name:
            continue
        missing = f"{wanted}.csv" not in present
        shown = printable(name)
        if suffix.lower() == ".csv":
            how = ("table files are named in lower case" if stem.lower() == wanted
                   else f"'{stem}' is not a table name")
            reason = f"is not read: {how}; rename it to {wanted}.csv"
        elif suffix.lower() in _OTHER_SUFFIXES:
            reason = (f"is not read: tables in a folder are CSV files; save it as {wanted}.csv "
                      "(or give a workbook itself, with one sheet per table, as the dataset)")
        else:
            continue
        if not missing:
            reason += f" (or delete it: {wanted}.csv is read)"
        problems.append((shown, reason, "error" if missing else "warning"))
    if not present and not problems:
        shown = ", ".join(f"{t}.csv" for t in tables[:3])
        problems.append((str(folder), f"holds no dataset tables (such as {shown}): not a dataset "
                         "folder; see docs/data-contract.md, or `forecast init FOLDER` for an "
                         "example", "error"))
    return problems


def _table_meant(stem: str, tables: tuple[str, ...]) -> str | None:
    """The table a file stem stands for: the same name in another case or spacing, or a
    close spelling (``enrollment``); None for anything else."""
    plain = stem.strip().lower().replace(" ", "_").replace("-", "_")
    if plain in tables:
        return plain
    close = difflib.get_close_matches(plain, tables, n=1, cutoff=0.85)
    return close[0] if close else None
