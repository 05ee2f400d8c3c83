"""A block of projected draws and its summary: the long projection frame every model yields.

A model yields ``Block``s (draws[area, slot, year, draw]); the engine summarises each where it
was drawn into rows of ``COLUMNS`` (mean and quantiles), plus ``p_shortfall`` when seats are
given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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
    area = np.repeat(np.array(block.areas, dtype=object), n_slot * n_year)
    level = np.tile(np.repeat(np.array([s[0] for s in block.slots], dtype=object), n_year), n_area)
    grade = np.tile(np.repeat(np.array([s[1] for s in block.slots], dtype=object), n_year), n_area)
    year = np.tile(block.years, n_area * n_slot)
    frame = pd.DataFrame({"area": area, "level": level, "grade": grade, "year": year,
                          "scenario": scenario, "model": block.model,
                          **{k: v.reshape(-1) for k, v in stats.items()}})
    lost = np.zeros((n_area, n_slot, n_year)) if missing is None else missing
    frame["missing_parts"] = lost.reshape(-1).astype(int)
    frame["complete"] = frame["missing_parts"] == 0
    return frame.dropna(subset=["mean"])[COLUMNS + (["p_shortfall"] if seats is not None else [])]


def exceedance(block: Block, seats: pd.Series) -> np.ndarray:
    """Share of draws above the seats, per level-total cell (NaN where seats are unknown)."""
    out = np.full(block.draws.shape[:3], np.nan)
    for j, (level, grade) in enumerate(block.slots):
        if grade:
            continue
        keys = pd.MultiIndex.from_product([block.areas, [level], block.years])
        limit = seats.reindex(keys).to_numpy(dtype=float).reshape(len(block.areas), len(block.years))
        known = ~np.isnan(limit)
        if known.any():
            above = (block.draws[:, j] > limit[..., None]).mean(axis=-1)
            out[:, j] = np.where(known, above, np.nan)
    return out
