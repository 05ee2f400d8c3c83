"""Integer keys for groups of rows: the evidence step groups hundreds of thousands of
forecasts by area, level, origin and horizon many times over, and grouping on string
columns (Arrow-backed in pandas 3) costs more than the arithmetic it feeds."""

from __future__ import annotations

import numpy as np
import pandas as pd


def codes(frames: list[pd.DataFrame], columns: list[str]) -> list[np.ndarray]:
    """Dense group codes (0..n-1) of the rows of every frame by ``columns``, consistent
    across the frames (the same values get the same code)."""
    sizes = [len(f) for f in frames]
    key = np.zeros(sum(sizes), dtype=np.int64)
    for column in columns:
        values = np.concatenate([f[column].to_numpy() for f in frames]) if frames else np.zeros(0)
        code, uniques = pd.factorize(values, use_na_sentinel=False)
        key = key * (len(uniques) + 1) + code
    _, dense = np.unique(key, return_inverse=True)
    return np.split(dense.astype(np.int64), np.cumsum(sizes)[:-1])
