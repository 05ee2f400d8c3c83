"""A CSV file as a frame of stripped strings, with the file's structural faults as reasons.

Parsing numbers and checking values is validation's job; this module only turns bytes into
cells: encoding (see ``encoding``), delimiter, header (no duplicate or unnamed columns) and
ragged rows. Blank lines are skipped; each kept row remembers the row number a spreadsheet
shows for it (blank lines and a quoted line break counted as a spreadsheet counts them), so
messages name the row the user sees, not the row's position among the non-blank ones.

Two readers give the same cells: a fast one (pyarrow's CSV parser on the file's bytes, cells
kept as compact Arrow strings) for the common case of a UTF-8 file with a clean header, no
quotes and rows as wide as the header, and a careful one (the ``csv`` module, row by row)
for everything else, which finds and names each fault. A province of 100,000 schools (18
million rows, 1.2 GB) is read by the fast one in about 8 s and 3 GB; the careful one held
every cell as a Python object.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from forecast.data.inputs.encoding import InputFileError, read_bytes, read_text, reason_of

_OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "bars"}


@dataclass
class RawTable:
    """Cells as text, the encoding read and the faults found (row = spreadsheet row, or None).

    ``rows``: the spreadsheet row of each frame row, where it is not simply position + 2 (a
    blank line above it); ``header_row``: the header's row (1 unless blank lines precede it).
    ``physical_row`` turns a row counted without blank lines into the one the user sees."""

    frame: pd.DataFrame
    encoding: str = ""
    faults: list[tuple[str, int | None, str | None]] = field(default_factory=list)
    rows: np.ndarray | None = None
    header_row: int = 1

    def physical_row(self, row: int | None) -> int | None:
        """Row ``row`` as numbered without blank lines (header 1, first record 2) -> the
        row a spreadsheet shows."""
        return physical_row(row, self.rows, self.header_row)

    @property
    def readable(self) -> bool:
        return not self.faults


def physical_row(row: int | None, rows: np.ndarray | None, header_row: int = 1) -> int | None:
    """See ``RawTable.physical_row``."""
    if row is None:
        return None
    if row <= 1:
        return header_row if row == 1 else row
    if rows is None:
        return row + header_row - 1
    return int(rows[row - 2]) if row - 2 < len(rows) else row


def read_csv(path: Path) -> RawTable:
    """Read ``path``; structural faults are returned, never raised."""
    fast = _fast_table(path)
    if fast is not None:
        return fast
    try:
        text, encoding = read_text(path)
    except InputFileError as exc:
        return RawTable(pd.DataFrame(), "", [(reason_of(exc, path), None, None)])
    if not text.strip():
        return RawTable(pd.DataFrame(), encoding, [("is empty: it needs a header row and data rows", None, None)])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, numbers = [], []
    number = line = 0  # records (spreadsheet rows) and file lines read so far
    try:
        for number, record in enumerate(reader, start=1):  # a record = a spreadsheet row
            line = reader.line_num
            if any(c.strip() for c in record):
                rows.append(record)
                numbers.append(number)
    except csv.Error as exc:
        fault = _csv_fault(exc, number + 1, line + 1)
        return RawTable(pd.DataFrame(), encoding, [(fault, number + 1, None)])
    if not rows:
        return RawTable(pd.DataFrame(), encoding, [("is empty: it needs a header row and data rows", None, None)])
    return table_from_rows(rows, encoding, numbers)


def table_from_rows(rows: list[list[str]], encoding: str = "",
                    numbers: list[int] | None = None) -> RawTable:
    """The cells of ``rows`` (the header first, blank rows already dropped) with the faults a
    CSV of those rows would have: also how an Excel sheet's rows become a table, so a sheet
    and a CSV are checked alike (``forecast.data.excel_input``). ``numbers``: the spreadsheet
    row of each of ``rows`` where blank lines moved them (default: 1, 2, 3, ...)."""
    numbers = list(numbers) if numbers is not None else list(range(1, len(rows) + 1))
    header_row, numbers = numbers[0], numbers[1:]
    header = [unicodedata.normalize("NFKC", c).strip() for c in rows[0]]
    faults: list[tuple[str, int | None, str | None]] = []
    if len(header) == 1:
        for sep, name in _OTHER_DELIMITERS.items():
            if sep in header[0]:
                faults.append((f"the header is separated by {name}, not commas; save the file as "
                               "comma-separated CSV", header_row, None))
                return RawTable(pd.DataFrame(), encoding, faults)
    body = rows[1:]
    width = len(header)
    keep = list(range(width))
    for i, name in enumerate(header):
        if name == "":
            if any(i < len(r) and r[i].strip() for r in body):
                faults.append((f"column {i + 1} has values but no name in the header", header_row, None))
            keep.remove(i)
    seen: dict[str, int] = {}
    for i in keep:
        name = header[i]
        if name in seen:
            faults.append((f"column '{name}' appears twice (columns {seen[name] + 1} and {i + 1}); "
                           "keep one", header_row, name))
        else:
            seen[name] = i
    cells = []
    for number, row in zip(numbers, body, strict=True):
        if len(row) > width and any(c.strip() for c in row[width:]):
            faults.append((f"has {len(row)} fields but the header has {width} (a stray comma or "
                           "an unquoted comma inside a value?)", number, None))
        padded = row + [""] * (width - len(row))
        cells.append([padded[i].strip() for i in keep])
    frame = pd.DataFrame(cells, columns=[header[i] for i in keep], dtype=object)
    shifted = numbers != list(range(header_row + 1, header_row + 1 + len(numbers)))
    rows_at = np.asarray(numbers, dtype=np.int64) if shifted else None
    if faults:
        return RawTable(frame, encoding, faults, rows_at, header_row)
    return RawTable(frame.astype(str) if len(frame) else frame, encoding, [], rows_at, header_row)


def _csv_fault(exc: csv.Error, row: int, line: int) -> str:
    """A parser error in words, with where it starts (the row, and the line when a quoted
    line break makes them differ)."""
    text = str(exc)
    if "unexpected end of data" in text or "EOF" in text:
        what = "a quote opened here is never closed (a value with a stray \" ?)"
    elif "expected after" in text:
        what = "a quote inside a quoted value must be doubled (\"\")"
    else:
        what = text
    return f"cannot be read as CSV from this row on: {what}" + (f" (file line {line})" if line != row else "")


def _fast_table(path: Path) -> RawTable | None:
    """The cells of a plain UTF-8 CSV read by pyarrow, or None when the careful reader must
    look: another encoding or invalid UTF-8, quotes (whose faults a fast parser forgives),
    NUL bytes, lone carriage returns, a first line that is not a clean header (blank, unnamed
    or repeated columns, another delimiter), or a row narrower or wider than the header."""
    try:
        data = read_bytes(path)
    except InputFileError:
        return None  # the careful reader reports it
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8):], "utf-8-sig"
    if b'"' in data or b"\x00" in data or not data.strip():
        return None
    if data[:1] in (b"\n", b"\r"):
        return None  # a blank line above the header: the careful reader finds the header
    last = len(data)  # trailing blank lines move no row: look for blank lines before them
    while last and data[last - 1] in b"\r\n":
        last -= 1
    blank_lines = _blank_lines(data, last)
    lines = data.count(b"\n", 0, last) + 1 if blank_lines else 0
    end = data.find(b"\n")
    try:
        first = data[: end if end >= 0 else len(data)].rstrip(b"\r").decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\r" in first:  # lines ended by lone carriage returns: let the careful reader split them
        return None
    header = [unicodedata.normalize("NFKC", c).strip() for c in first.split(",")]
    if len(header) < 2 or "" in header or len(set(header)) < len(header):
        return None
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names),
            parse_options=pacsv.ParseOptions(quote_char=False, newlines_in_values=False,
                                             ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False, check_utf8=True))
    except (pa.ArrowInvalid, pa.ArrowException, ValueError):
        return None  # a ragged row or invalid UTF-8: the careful reader says which
    del data
    frame = table.to_pandas()
    del table
    frame.columns = header
    if frame.empty:
        return RawTable(frame, encoding, [])
    for column in frame.columns:
        frame[column] = frame[column].astype(str).str.strip()
    rows = None
    if blank_lines:  # the row each record sits on: every line number that is not blank
        rows = np.setdiff1d(np.arange(2, lines + 1), blank_lines)
        if len(rows) != len(frame):
            return None  # lines the parser saw otherwise: let the careful reader count
    blank = (frame == "").all(axis=1).to_numpy()
    if not blank.any():
        return RawTable(frame, encoding, [], rows)
    kept = (rows if rows is not None else np.arange(len(frame)) + 2)[~blank]
    return RawTable(frame[~blank].reset_index(drop=True), encoding, [], kept)


def _blank_lines(data: bytes, end: int) -> list[int]:
    """Line numbers (1-based) of the empty lines before offset ``end``, found without
    splitting the file into lines (a blank line is ``\\n\\n`` or ``\\n\\r\\n``)."""
    found: list[int] = []
    newlines, scanned, pos = 0, 0, 0
    ahead = {b"\n\n": data.find(b"\n\n", 0, end), b"\n\r\n": data.find(b"\n\r\n", 0, end)}
    while True:
        live = [at for at in ahead.values() if at >= 0]
        if not live:
            return found
        at = min(live)
        newlines += data.count(b"\n", scanned, at + 1)
        scanned = pos = at + 1
        found.append(newlines + 1)  # the blank line starts after the newline at ``at``
        for pattern, next_at in ahead.items():  # search again only past a pattern just used
            if 0 <= next_at < pos:
                ahead[pattern] = data.find(pattern, pos, end)
