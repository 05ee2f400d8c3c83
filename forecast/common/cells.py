"""Text cells of the output CSVs made safe to open in Excel, and read back exactly.

A CSV opened in Excel or LibreOffice evaluates a cell that begins with ``=``, ``+``, ``-`` or
``@`` (and a tab or carriage return before one) as a formula: an area named
``=cmd|' /C calc'!A0`` would become a live formula in a planner's spreadsheet. Following
OWASP's guidance on CSV injection, such a text cell is written with a leading apostrophe
(``'=cmd|' /C calc'!A0``), which spreadsheets show as text. Only text is touched: numbers
(a negative -3, whether a number column or the text ``-3``) are written as they are. A text
cell that itself begins with an apostrophe gains one too, so ``restore`` (used wherever the
package reads its own CSVs back) returns every cell exactly. The machine-readable outputs
(scheduler.json, Parquet) keep ids byte for byte. See docs/outputs.md.
"""

from __future__ import annotations

import re

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")  # the apostrophe: so ``restore`` is exact
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _is_text(series: pd.Series) -> bool:
    return series.dtype == object or isinstance(series.dtype, pd.StringDtype)


def starts(series: pd.Series, prefixes: tuple[str, ...]) -> pd.Series:
    """Boolean mask: the cells that are text beginning with one of ``prefixes`` (each distinct
    value looked at once: output columns repeat a few names over millions of rows)."""
    hits = [v for v in pd.unique(series) if isinstance(v, str) and v.startswith(prefixes)]
    return series.isin(hits) if hits else pd.Series(False, index=series.index)


def _replaced(series: pd.Series, mask: pd.Series, values: pd.Series) -> pd.Series:
    """``series`` with the masked cells replaced, its dtype kept."""
    out = series.astype(object).where(~mask, values)
    return out.astype(series.dtype) if isinstance(series.dtype, pd.StringDtype) else out


def _guard(value):
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every risky text cell (and column name) prefixed by ``'``; the frame
    itself when nothing needs it (no copy)."""
    out = frame
    for i in range(frame.shape[1]):
        series = frame.iloc[:, i]
        if isinstance(series.dtype, pd.CategoricalDtype):
            categories = series.cat.categories
            if categories.dtype == object or isinstance(categories.dtype, pd.StringDtype):
                fixed = [_guard(v) for v in categories]
                if fixed != list(categories) and len(set(fixed)) == len(fixed):
                    out = out.copy() if out is frame else out
                    out.isetitem(i, series.cat.rename_categories(fixed))
            continue
        if not _is_text(series):
            continue
        risky = starts(series, TRIGGERS)
        if not risky.any():
            continue
        out = out.copy() if out is frame else out
        out.isetitem(i, _replaced(series, risky, series[risky].map(_guard)))
    names = [_guard(c) for c in frame.columns]
    if names != list(frame.columns):
        out = out.copy() if out is frame else out
        out.columns = names
    return out


def restore(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo ``neutralise`` on a frame read back from an output CSV (in place; returned)."""
    for i in range(frame.shape[1]):
        series = frame.iloc[:, i]
        if not _is_text(series):
            continue
        quoted = starts(series, ("'",))
        if quoted.any():
            frame.isetitem(i, _replaced(series, quoted, series[quoted].map(lambda v: v[1:])))
    frame.columns = [c[1:] if isinstance(c, str) and c.startswith("'") else c for c in frame.columns]
    return frame
