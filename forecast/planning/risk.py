"""Demand draws for the plan, per finest area x level x year, and the risks they imply.

A run keeps each cell's mean, p10, p50 and p90, not its Monte Carlo draws. The plan reads the
cell's demand as a two-piece log-normal through the run's own p10, p50 and p90: median p50,
log spread ln(p50/p10)/z below the median and ln(p90/p50)/z above it (z = 1.2816, the 90 %
normal quantile). Its 10 %, 50 % and 90 % quantiles are the run's, so with risk 0.10 the
target is the run's P90 itself (up to sampling). Where the run's interval is symmetric in
logs this is the log-normal the evidence step reads ``p_shortfall`` from
(``forecast.evidence.ensemble.lognormal_exceedance``); where it is skewed (a small
district's wide band) the two differ, and plan_risk.csv shows the run's figure beside the
plan's. A median of 0 with demand above it is read as one pupil, so the spread stays finite.

Draws: one standard normal ``z`` per area x level path and draw, shared by every year of
the path (a path that runs high runs high throughout; each year's share of draws above the
seats does not depend on this choice, only the joint behaviour across years does). Areas
linked by transfers share a common factor (``correlation``). The in-sample draws use stream
0 and the fresh check stream 1 of the same seed: independent sets of the same size.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

Z80 = float(norm.ppf(0.9))  # half-width of an 80 % normal interval in standard deviations
IN_SAMPLE, FRESH = 0, 1


def lognormal(p10: np.ndarray, p50: np.ndarray, p90: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and the log spreads below and above it (``[2, years]``) of the two-piece
    log-normal through p10/p50/p90; spread 0 where a side of the interval is degenerate."""
    p10, p50, p90 = (np.nan_to_num(np.asarray(a, dtype=float)) for a in (p10, p50, p90))
    median = np.where((p50 <= 0) & (p90 > 0), np.minimum(1.0, p90), np.maximum(p50, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.log(np.maximum(median, 1e-9) / np.maximum(p10, 1e-9)) / Z80
        high = np.log(np.maximum(p90, 1e-9) / np.maximum(median, 1e-9)) / Z80
    spread = np.array([low, high])
    return median, np.where(np.isfinite(spread) & (spread > 0), spread, 0.0)


def standard_draws(paths: int, draws: int, seed: int, stream: int,
                   group: np.ndarray | None = None, correlation: float = 0.0) -> np.ndarray:
    """``[paths, draws]`` standard normals, each path from its own seeded stream (the same
    path gets the same draws whatever else is planned). Paths in the same ``group`` share a
    common factor with weight ``correlation`` (variance share)."""
    z = np.empty((paths, draws))
    for i in range(paths):
        z[i] = np.random.default_rng([seed, stream, i]).standard_normal(draws)
    if group is not None and correlation > 0:
        for g in np.unique(group):
            common = np.random.default_rng([seed, stream, 1_000_000 + int(g)]).standard_normal(draws)
            rows = group == g
            if rows.sum() > 1:
                z[rows] = math.sqrt(correlation) * common + math.sqrt(1 - correlation) * z[rows]
    return z


def demand(p50: np.ndarray, sigma: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Demand draws ``[draws, years]`` of one path (``sigma``: the spreads below and above
    the median, ``[2, years]``)."""
    spread = np.where(z[:, None] < 0, sigma[0][None, :], sigma[1][None, :])
    return p50[None, :] * np.exp(spread * z[:, None])


def allowed_above(risk: float, draws: int) -> int:
    """How many of ``draws`` may exceed the seats within ``risk`` (floor, so never more)."""
    return int(math.floor(risk * draws + 1e-9))


def quantile_seats(p50: np.ndarray, sigma: np.ndarray, z: np.ndarray, risk: float) -> np.ndarray:
    """Per year, the fewest seats with at most ``risk`` of the path's draws above them: the
    order statistic ``draws - allowed_above`` of the demand draws (exact in sample; ``z``
    sorted ascending)."""
    j = len(z) - allowed_above(risk, len(z)) - 1
    return demand(p50, sigma, z[j:j + 1])[0]


def _first_above(seats: np.ndarray, p50: np.ndarray, sigma: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Per year, the index of the first sorted draw whose demand exceeds the seats (a tie is
    not short; one part in a billion of tolerance absorbs rounding)."""
    limit = np.asarray(seats, dtype=float) * (1 + 1e-9) + 1e-6
    spread = np.where(limit >= p50, sigma[1], sigma[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = np.log(limit / np.where(p50 > 0, p50, np.nan)) / spread
    # a degenerate year (no spread, or no demand): every draw is p50
    cut = np.where(np.isfinite(cut), cut, np.where(p50 > limit, -np.inf, np.inf))
    return np.searchsorted(z, cut, side="right")


def exceed_share(seats: np.ndarray, p50: np.ndarray, sigma: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Per year, the share of draws whose demand exceeds the seats (``z`` sorted ascending)."""
    return (len(z) - _first_above(seats, p50, sigma, z)) / len(z)


def expected_unmet(seats: np.ndarray, p50: np.ndarray, sigma: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Per year, the mean over draws of the pupils without a seat, max(0, demand - seats)
    (``z`` sorted ascending: only the draws above the seats are summed)."""
    first = _first_above(seats, p50, sigma, z)
    out = np.zeros(len(p50))
    for t, j in enumerate(first):
        if j < len(z):
            tail = demand(p50[t:t + 1], sigma[:, t:t + 1], z[j:])[:, 0]
            out[t] = np.maximum(tail - seats[t], 0.0).sum() / len(z)
    return out


def unmet_tangents(p50: np.ndarray, sigma: np.ndarray, z: np.ndarray,
                   points: int = 24) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tangent lines of the (convex, piecewise-linear) expected unmet seats E(S) of each year
    at ``points`` seat levels (the draws' quantiles from 0 to 0.999): E(S) >= e_j + slope_j
    (S - s_j) for every j, exact at each s_j. Returns s, e, slope, each ``[years, points]``."""
    d = np.sort(demand(p50, sigma, z), axis=0)  # [draws, years]
    probs = np.concatenate([[0.0], np.linspace(0.3, 0.999, points - 1)])
    s = np.quantile(d, probs, axis=0).T  # [years, points]
    e = np.maximum(d[:, :, None] - s[None, :, :], 0).mean(axis=0)
    slope = -(d[:, :, None] > s[None, :, :]).mean(axis=0)
    return s, e, slope
