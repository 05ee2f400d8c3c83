"""A block of projected draws and its summary: the long projection frame every model yields.

A model yields ``Block``s (draws[area, slot, year, draw]); the engine summarises each where it
was drawn into rows of ``COLUMNS`` (mean and quantiles), plus ``p_shortfall`` when seats are
given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from forecast.engine.buffers import BufferPool
from forecast.engine.draws import summarise

COLUMNS = ["area", "level", "grade", "year", "scenario", "model", "mean", "p10", "p50", "p90",
           "complete", "missing_parts"]


@dataclass
class Block:
    """Projected draws for a set of areas: draws[area, slot, year, draw]."""

    areas: list[str]
    slots: list[tuple[str, str]]  # (level, grade); grade "" = level total
    years: np.ndarray
    draws: np.ndarray
    model: str



def to_frame(block: Block, scenario: str, seats: pd.Series | None = None,
             pool: BufferPool | None = None, missing: np.ndarray | None = None,
             grades: bool = True) -> pd.DataFrame:
    """Summarise a block's draws into the long projection frame (plus ``p_shortfall`` when
    seats are given). ``missing`` [area, slot, year]: children of a parent area that teach
    the grade but could not be projected; such a parent row says ``complete = False``.
    ``grades=False``: quantiles of the level totals only (grade rows keep their mean)."""
    totals_only = None if grades else np.array([g == "" for _, g in block.slots], dtype=bool)
    stats = summarise(block.draws, pool, totals_only)
    if seats is not None:
        stats["p_shortfall"] = exceedance(block, seats)
    n_area, n_slot, n_year = block.draws.shape[:3]
    # only the cells with a mean become rows; each column is built once, from codes
    cells = np.flatnonzero(~np.isnan(stats["mean"].reshape(-1)))
    area, rest = np.divmod(cells, n_slot * n_year)
    slot, year = np.divmod(rest, n_year)
    lost = np.zeros(len(cells), dtype=int) if missing is None \
        else missing.reshape(-1)[cells].astype(int)
    columns = {"area": text_column(block.areas, area),
               "level": text_column([s[0] for s in block.slots], slot),
               "grade": text_column([s[1] for s in block.slots], slot),
               "year": np.asarray(block.years)[year],
               "scenario": text_column([scenario], np.zeros(len(cells), dtype=np.intp)),
               "model": text_column([block.model], np.zeros(len(cells), dtype=np.intp)),
               **{k: stats[k].reshape(-1)[cells] for k in ("mean", "p10", "p50", "p90")},
               "complete": lost == 0, "missing_parts": lost}
    if seats is not None:
        columns["p_shortfall"] = stats["p_shortfall"].reshape(-1)[cells]
    return pd.DataFrame(columns, index=cells)


def exceedance(block: Block, seats: pd.Series) -> np.ndarray:
    """Share of draws above the seats, per level-total cell (NaN where seats are unknown)."""
    out = np.full(block.draws.shape[:3], np.nan)
    totals = [j for j, (_, grade) in enumerate(block.slots) if not grade]
    if not totals:
        return out
    keys = pd.MultiIndex.from_product([block.areas, [block.slots[j][0] for j in totals], block.years])
    limits = seats.reindex(keys).to_numpy(dtype=float).reshape(len(block.areas), len(totals),
                                                               len(block.years))
    for i, j in enumerate(totals):  # one look-up for every level, then level by level
        limit = limits[:, i]
        known = ~np.isnan(limit)
        if known.any():
            above = (block.draws[:, j] > limit[..., None]).mean(axis=-1)
            out[:, j] = np.where(known, above, np.nan)
    return out


def text_column(values: list[str], codes: np.ndarray):
    """The strings ``values[codes]`` as the column pandas would make of them (Arrow-backed
    strings on pandas 3), built without a Python step per row."""
    if _STRINGS is None:
        return np.array(values, dtype=object)[codes]
    return pd.array(pa.array(values, type=pa.large_string()).take(pa.array(codes)), dtype=_STRINGS)


def _inferred_strings():
    """pandas' own dtype for a column of strings, if it is Arrow-backed (pandas 3), else None."""
    dtype = pd.Series(["a"]).dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return dtype
    return None


_STRINGS = _inferred_strings()
