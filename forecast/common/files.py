"""Writing outputs atomically: a reader never sees a half-written file.

The temporary file is created by the writer itself (not ``tempfile.mkstemp``, which makes
it 0600), so outputs follow the user's umask and colleagues on a shared drive can read them.
"""

from __future__ import annotations

import codecs
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from forecast.common.csv_columns import write_frame

CSV_CHUNK_ROWS = 200_000  # rows rounded and written at a time


def atomic_write_with(path: Path, writer: Callable[[str], object]) -> None:
    """Let ``writer`` write a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = str(path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        writer(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not (exc.filename or exc.filename2):
            exc.filename = str(path)  # a full disk during the write names no file itself
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically."""
    atomic_write_with(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8", newline=""))


def byte_order_mark(encoding: str) -> bytes:
    """The bytes a CSV in ``encoding`` starts with: the BOM for ``utf-8-sig``, none for
    ``utf-8`` (the only two the writers produce)."""
    if encoding not in ("utf-8", "utf-8-sig"):
        raise ValueError(f"CSV outputs are UTF-8, with or without a byte-order mark, not {encoding}")
    return codecs.BOM_UTF8 if encoding == "utf-8-sig" else b""


def atomic_write_csv(path: Path, frame: pd.DataFrame, decimals: int = 1, encoding: str = "utf-8") -> None:
    """CSV with numbers rounded to ``decimals`` (persons to a tenth are plenty), so the same
    inputs always give byte-identical files. Written to the file in blocks of rows formatted
    column by column (forecast.common.csv_columns: pandas' bytes, never the whole text in
    memory: a province's shortfall table is gigabytes of text). Text cells that a
    spreadsheet would run as a formula get a leading ``'`` (``forecast.common.cells``).
    ``encoding`` ``utf-8-sig``: UTF-8 with a byte-order mark, which Excel needs to read
    Chinese."""
    from forecast.common.cells import neutralise

    def write(tmp: str) -> None:
        with open(tmp, "wb") as handle:
            handle.write(byte_order_mark(encoding))
            write_frame(handle, neutralise(frame), decimals, CSV_CHUNK_ROWS)
    atomic_write_with(path, write)


def atomic_write_json(path: Path, value: object) -> None:
    """``value`` as indented UTF-8 JSON (and a final newline), streamed to the file piece by
    piece rather than built as one string first."""
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            json.dump(value, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
    atomic_write_with(path, write)
