"""CSV written column by column: the same bytes as pandas' writer, without a Python step per cell.

``DataFrame.round(decimals).to_csv(index=False, lineterminator="\\n")`` turns every cell
into a Python object and hands rows to the ``csv`` module: at a few hundred thousand rows
that costs more than projecting them. Here each column of a block of rows is formatted at
once (numpy for the arithmetic, pyarrow's string kernels for the text), the columns are
joined into lines by pyarrow, and the block's bytes are written in one call.

The bytes are pandas' bytes (tests/common/test_csv_columns.py compares them):

* floats as pandas writes them after ``round(decimals)``: numpy's shortest round-trip text
  of the rounded value (``1.0``, ``-0.0``, ``12.35``), empty for NaN. A rounded value
  ``k / 10**decimals`` with ``|k| < 2**50`` has the decimal ``k / 10**decimals`` as its
  shortest text (the doubles around it are far closer together than ``10**-decimals``), so it is
  written from the integer ``k``; any other value (inf, huge, tiny) goes through numpy's
  text, as pandas does;
* integers and booleans as Python prints them (``True``); missing values empty;
* strings as the ``csv`` module quotes them (QUOTE_MINIMAL: a value with a comma, a quote or
  a line break is quoted, quotes doubled): each distinct value is quoted by the ``csv``
  module itself, so the rules are exactly its rules.

A frame with anything else (dates, categories, nullable floats, mixed objects, one column,
repeated column names) is written by pandas, so the bytes never depend on which path ran.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SPECIAL = (",", '"', "\r", "\n")  # characters after which the csv module may quote a field
EXACT = 2.0 ** 50  # below this, k / 10**d is the shortest text of the double nearest to it


def write_frame(handle: BinaryIO, frame: pd.DataFrame, decimals: int, block_rows: int,
                header: bool = True) -> None:
    """Write ``frame`` rounded to ``decimals`` as UTF-8 CSV (``\\n`` line ends, no index;
    the header line unless ``header`` is False) to the binary ``handle``, ``block_rows`` rows
    at a time."""
    if not (0 <= decimals <= 12 and columnwise(frame)):
        _write_with_pandas(handle, frame, decimals, block_rows, header)
        return
    if header:
        handle.write(_header(frame))
    for block in blocks(frame, decimals, block_rows):
        handle.write(block)


def columnwise(frame: pd.DataFrame) -> bool:
    """Whether every column has a type this writer formats exactly as pandas does."""
    if len(frame) == 0 or frame.shape[1] < 2 or not frame.columns.is_unique \
            or isinstance(frame.columns, pd.MultiIndex):
        return False
    return all(_kind(frame[c]) is not None for c in frame.columns)


def blocks(frame: pd.DataFrame, decimals: int, block_rows: int) -> Iterator[memoryview]:
    """The CSV bytes of ``frame``'s rows (no header), one buffer per block of rows."""
    kinds = [_kind(frame[c]) for c in frame.columns]
    quoted: list[dict[str, str]] = [{} for _ in kinds]  # each column's quoted strings
    with ThreadPoolExecutor(max_workers=min(len(kinds), os.cpu_count() or 1)) as pool:
        for start in range(0, len(frame), block_rows):
            part = frame.iloc[start:start + block_rows]
            columns = [part.iloc[:, i] for i in range(len(kinds))]
            # columns formatted side by side: numpy and pyarrow release the GIL
            texts = list(pool.map(_column_text, columns, kinds, [decimals] * len(kinds), quoted))
            lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*texts, ","), "", "\n")
            yield _bytes_of(lines)


def _kind(column: pd.Series) -> str | None:
    dtype = column.dtype
    if isinstance(dtype, np.dtype):
        if dtype == np.float64:
            return "float"
        if dtype == np.float32:
            return "float32"
        if dtype.kind in "iu":
            return "int"
        if dtype == np.bool_:
            return "bool"
        if dtype.kind == "O":
            inferred = pd.api.types.infer_dtype(column, skipna=True)
            return "string" if inferred in ("string", "empty") else None
        return None
    if isinstance(dtype, pd.StringDtype):
        return "string"
    if isinstance(dtype, pd.BooleanDtype):
        return "bool"
    if isinstance(dtype, pd.core.dtypes.dtypes.BaseMaskedDtype) and dtype.kind in "iu":
        return "int"
    return None


def _column_text(column: pd.Series, kind: str, decimals: int, quoted: dict[str, str]) -> pa.Array:
    """One column's cells as CSV text (a pyarrow string array)."""
    missing = column.isna().to_numpy()
    if kind == "float":
        return float_text(column.to_numpy(), decimals)
    if kind == "float32":  # numpy's text of the rounded float32, as pandas writes it
        text = np.round(column.to_numpy(), decimals).astype(str).astype(object)
        text[missing] = ""
        return pa.array(text, type=pa.string())
    if kind == "int":
        values = pa.array(column.to_numpy(dtype=np.int64, na_value=0) if missing.any()
                          else column.to_numpy(), type=pa.int64()).cast(pa.string())
        return _blank(values, missing)
    if kind == "bool":
        values = column.to_numpy(dtype=bool, na_value=False) if missing.any() else column.to_numpy(bool)
        return _blank(pc.if_else(pa.array(values), "True", "False"), missing)
    return _string_text(column, missing, quoted)


def float_text(values: np.ndarray, decimals: int) -> pa.Array:
    """Each float64 as pandas writes it after ``round(decimals)`` (empty for NaN)."""
    scale = 10.0 ** decimals
    with np.errstate(invalid="ignore", over="ignore"):
        k = np.rint(values * scale)  # numpy's round: rint(x * 10**d) / 10**d
        exact = np.abs(k) < EXACT
        if decimals > 4:  # 0 < |value| < 1e-4 is printed with an exponent
            exact &= (k == 0) | (np.abs(k) >= scale * 1e-4)
    magnitude = np.where(exact, np.abs(k), 0).astype(np.int64)
    unit = 10 ** decimals
    whole, frac = np.divmod(magnitude, unit)
    digits = np.full(len(values), decimals, dtype=np.int64)  # fraction digits kept
    for _ in range(decimals - 1):  # drop trailing zeros, keeping one digit
        trailing = (frac % 10 == 0) & (digits > 1)
        frac = np.where(trailing, frac // 10, frac)
        digits -= trailing
    if decimals == 0:
        frac, digits = np.zeros_like(frac), np.ones_like(digits)
    # "1" + the fraction zero-padded to its digits, then the "1" replaced by the point
    point = pc.utf8_replace_slice(pa.array(frac + 10 ** digits).cast(pa.string()), start=0, stop=1,
                                  replacement=".")
    sign = pc.if_else(pa.array(np.signbit(k)), "-", "")
    text = pc.binary_join_element_wise(sign, pa.array(whole).cast(pa.string()), point, "")
    if exact.all():
        return text
    others = ~exact
    rounded = np.round(values[others], decimals)
    fallback = rounded.astype(str).astype(object)
    fallback[np.isnan(rounded)] = ""
    return pc.replace_with_mask(text, pa.array(others), pa.array(fallback, type=pa.string()))


def _string_text(column: pd.Series, missing: np.ndarray, quoted: dict[str, str]) -> pa.Array:
    """Strings quoted as the csv module quotes them; missing values empty."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    texts = []
    for value in uniques:
        value = str(value)
        if value not in quoted:
            quoted[value] = _quote(value) if any(c in value for c in SPECIAL) else value
        texts.append(quoted[value])
    table = pa.array(texts + [""], type=pa.string())
    codes = np.where(codes < 0, len(texts), codes)
    return table.take(pa.array(codes))


def _quote(value: str) -> str:
    """``value`` as the csv module writes it in a row of pandas' dialect."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow([value, "x"])
    return out.getvalue()[:-3]  # without ",x\n"


def _blank(text: pa.Array, missing: np.ndarray) -> pa.Array:
    if not missing.any():
        return text
    return pc.if_else(pa.array(missing), "", text)


def _bytes_of(lines: pa.Array) -> memoryview:
    """The UTF-8 bytes of a string array's values, one after the other."""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets_type = np.int64 if pa.types.is_large_string(lines.type) else np.int32
    buffers = lines.buffers()
    offsets = np.frombuffer(buffers[1], dtype=offsets_type)[lines.offset:lines.offset + len(lines) + 1]
    return memoryview(buffers[2])[int(offsets[0]):int(offsets[-1])]


def _header(frame: pd.DataFrame) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow(list(frame.columns))
    return out.getvalue().encode("utf-8")


def _write_with_pandas(handle: BinaryIO, frame: pd.DataFrame, decimals: int, block_rows: int,
                       header: bool = True) -> None:
    """pandas' own writer (the reference for the bytes), a rounded copy per block only."""
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
    try:
        for start in range(0, max(len(frame), 1), block_rows):
            frame.iloc[start:start + block_rows].round(decimals).to_csv(
                text, index=False, header=header and start == 0, lineterminator="\n")
        text.flush()
    finally:
        text.detach()
