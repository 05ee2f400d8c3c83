"""Monte Carlo helpers: seeded generators and the summary of draws into mean and quantiles."""

from __future__ import annotations

import numpy as np

from forecast.engine.buffers import BufferPool, take

QUANTILES = {"p10": 0.10, "p50": 0.50, "p90": 0.90}


def generator(seed: int, *stream: int) -> np.random.Generator:
    """A generator for one seed and stream (e.g. a chunk number): same inputs, same draws."""
    return np.random.default_rng(np.random.SeedSequence([seed, *stream]))


def summarise(draws: np.ndarray, pool: BufferPool | None = None,
              only: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Mean and p10/p50/p90 over the last axis (the draws), quantiles interpolated linearly
    between order statistics (numpy's default ``linear`` method). ``only``: a mask over axis
    1 (the slots) of the cells that need quantiles (NaN elsewhere; the mean is always there):
    sorting is most of the cost, so cells whose quantiles nobody reads are not sorted."""
    if only is not None and not only.all():
        out = {"mean": draws.mean(axis=-1)}
        part = summarise(draws[:, only], pool)
        for name in QUANTILES:
            full = np.full(out["mean"].shape, np.nan)
            full[:, only] = part[name]
            out[name] = full
        return out
    out = {"mean": draws.mean(axis=-1)}
    # Sorting a float32 copy is the fastest exact route to several quantiles (numpy's sort
    # is vectorised, its partition is not); seven significant digits are a few persons even
    # at national scale, and the result is deterministic.
    ordered = take(pool, draws.shape, np.float32)
    np.copyto(ordered, draws, casting="same_kind")
    ordered.sort(axis=-1)
    n = ordered.shape[-1]
    for name, q in QUANTILES.items():
        position = (n - 1) * q
        lo = int(np.floor(position))
        hi = min(lo + 1, n - 1)
        low = ordered[..., lo].astype(float)
        out[name] = low + (position - lo) * (ordered[..., hi].astype(float) - low)
    if pool is not None:
        pool.give(ordered)
    return out


def damped_sum(horizon: np.ndarray, damping: float) -> np.ndarray:
    """Sum of damping**k for k = 1..h: how much of a yearly drift has built up after h years."""
    h = np.asarray(horizon, dtype=float)
    if damping == 1.0:
        return h
    return damping * (1 - damping ** h) / (1 - damping)
