"""A CSV file as a frame of stripped strings, with the file's structural faults as reasons.

Parsing numbers and checking values is validation's job; this module only turns bytes into
cells: encoding (see ``encoding``), delimiter, header (no duplicate or unnamed columns) and
ragged rows. Blank lines are skipped, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from forecast.inputs.encoding import InputFileError, read_text, reason_of

_OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "bars"}


@dataclass
class RawTable:
    """Cells as text, the encoding read and the faults found (row = spreadsheet row, or None)."""

    frame: pd.DataFrame
    encoding: str = ""
    faults: list[tuple[str, int | None, str | None]] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        return not self.faults


def read_csv(path: Path) -> RawTable:
    """Read ``path``; structural faults are returned, never raised."""
    try:
        text, encoding = read_text(path)
    except InputFileError as exc:
        return RawTable(pd.DataFrame(), "", [(reason_of(exc, path), None, None)])
    if not text.strip():
        return RawTable(pd.DataFrame(), encoding, [("is empty: it needs a header row and data rows", None, None)])
    try:
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), strict=True)
                if any(c.strip() for c in r)]
    except csv.Error as exc:
        return RawTable(pd.DataFrame(), encoding, [(f"cannot be read as CSV: {exc}", None, None)])
    header = [unicodedata.normalize("NFKC", c).strip() for c in rows[0]]
    faults: list[tuple[str, int | None, str | None]] = []
    if len(header) == 1:
        for sep, name in _OTHER_DELIMITERS.items():
            if sep in header[0]:
                faults.append((f"the header is separated by {name}, not commas; save the file as "
                               "comma-separated CSV", 1, None))
                return RawTable(pd.DataFrame(), encoding, faults)
    body = rows[1:]
    width = len(header)
    keep = list(range(width))
    for i, name in enumerate(header):
        if name == "":
            if any(i < len(r) and r[i].strip() for r in body):
                faults.append((f"column {i + 1} has values but no name in the header", 1, None))
            keep.remove(i)
    seen: dict[str, int] = {}
    for i in keep:
        name = header[i]
        if name in seen:
            faults.append((f"column '{name}' appears twice (columns {seen[name] + 1} and {i + 1}); "
                           "keep one", 1, name))
        else:
            seen[name] = i
    cells = []
    for number, row in enumerate(body, start=2):
        if len(row) > width and any(c.strip() for c in row[width:]):
            faults.append((f"has {len(row)} fields but the header has {width} (a stray comma or "
                           "an unquoted comma inside a value?)", number, None))
        padded = row + [""] * (width - len(row))
        cells.append([padded[i].strip() for i in keep])
    frame = pd.DataFrame(cells, columns=[header[i] for i in keep], dtype=object)
    if faults:
        return RawTable(frame, encoding, faults)
    return RawTable(frame.astype(str) if len(frame) else frame, encoding, [])
