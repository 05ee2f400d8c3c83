"""Read a run's tables back (the report, ``forecast shortfall`` and ``forecast export`` do):
ids stay the text they were written as.

An area id is text: ``043912`` keeps its leading zero, and ``1e3``, ``NaN``, ``True`` or
``0x1F`` are ids, not a number, a missing value or a flag. Every text column of the outputs
is read as text with nothing but an empty cell taken as missing (and read as ""), so a
table read back says exactly what was written. CSV (with or without the byte-order mark of
``--csv-bom``/a Chinese dataset) and Parquet read the same.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forecast.common.cells import restore

# Columns of the run's tables that hold text (ids, names, labels, reasons), never numbers.
TEXT_COLUMNS = ("area", "area_name", "ancestor", "parent", "level", "grade", "scenario", "model",
                "detail", "basis", "planned_projects", "classrooms_basis", "seats_basis", "item",
                "method", "note", "status", "reason", "source", "name")


def read_table(path: str | Path) -> pd.DataFrame:
    """One output table (``.csv`` or ``.parquet``) with its text columns as text ("" where
    empty) and its numbers as numbers; an absent file is an empty frame."""
    path = Path(path)
    if not path.is_file():
        return pd.DataFrame()
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, dtype=dict.fromkeys(TEXT_COLUMNS, str), keep_default_na=False,
                            na_values=[""], low_memory=False, encoding="utf-8-sig")
    for column in TEXT_COLUMNS:
        if column in frame:
            frame[column] = frame[column].fillna("").astype(str)
    if path.suffix != ".parquet":  # the cells a spreadsheet would run as formulas, as written
        frame = restore(frame)
    return frame


def csv_encoding(meta: dict | None) -> str:
    """How a run's CSVs are encoded: UTF-8 with a byte-order mark for a dataset in Chinese
    (``language: zh...``; Excel opens a CSV without the mark in the system's code page, and
    Chinese Windows shows UTF-8 Chinese as mojibake), plain UTF-8 otherwise. Every reader of
    the package (and pandas) reads both."""
    declared = str((meta or {}).get("language") or "").lower()
    return "utf-8-sig" if declared.startswith("zh") else "utf-8"
