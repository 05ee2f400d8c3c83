"""Monte Carlo helpers: seeded generators and the summary of draws into mean and quantiles."""

from __future__ import annotations

import numpy as np

QUANTILES = {"p10": 0.10, "p50": 0.50, "p90": 0.90}


def generator(seed: int, *stream: int) -> np.random.Generator:
    """A generator for one seed and stream (e.g. a chunk number): same inputs, same draws."""
    return np.random.default_rng(np.random.SeedSequence([seed, *stream]))


def summarise(draws: np.ndarray) -> dict[str, np.ndarray]:
    """Mean and p10/p50/p90 over the last axis (the draws)."""
    out = {"mean": draws.mean(axis=-1)}
    # Quantiles on float32 halve the partition cost (the dominant cost of large runs); seven
    # significant digits are a few persons even at national scale, and stay deterministic.
    values = np.quantile(draws.astype(np.float32), list(QUANTILES.values()), axis=-1).astype(float)
    out.update(dict(zip(QUANTILES, values, strict=True)))
    return out


def damped_sum(horizon: np.ndarray, damping: float) -> np.ndarray:
    """Sum of damping**k for k = 1..h: how much of a yearly drift has built up after h years."""
    h = np.asarray(horizon, dtype=float)
    if damping == 1.0:
        return h
    return damping * (1 - damping ** h) / (1 - damping)
