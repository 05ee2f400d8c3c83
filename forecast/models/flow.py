"""What the cohort models share: the block of draws they yield, how ratios are summarised
from their history and drawn, and the additions scenarios make (movers, housing)."""

from __future__ import annotations

import warnings

import numpy as np

from forecast.data.config import Scenario
from forecast.data.system import SchoolSystem
from forecast.engine.blocks import Block


def additions(areas: list[str], levels: list[str], years: np.ndarray, scenario: Scenario) -> np.ndarray:
    """Persons added by explicit net movers and new housing, cumulated over the years."""
    extra = np.zeros((len(areas), len(levels), len(years)))
    for area, by_level in scenario.migration.net_movers.items():
        if area in areas:
            for level, movers in by_level.items():
                if level in levels:
                    extra[areas.index(area), levels.index(level)] += movers * np.arange(1, len(years) + 1)
    housing = scenario.housing
    if housing:
        for area, by_year in housing.dwellings.items():
            if area not in areas:
                continue
            built = np.array([by_year.get(int(y), 0.0) for y in years]).cumsum()
            for level, pupils in housing.pupils_per_dwelling.items():
                if level in levels:
                    extra[areas.index(area), levels.index(level)] += built * pupils
    return extra


def apply_track_share(out: np.ndarray, levels: list[str], system: SchoolSystem,
                      share: float | None) -> None:
    """Split the total of each pair of parallel tracks (senior general + vocational) so that
    the first track takes ``share`` (in place); nothing when the system has no such pair."""
    if share is None:
        return
    for level in levels:
        tracks = system.tracks(level)
        if len(tracks) == 2 and tracks[0] == level and all(t in levels for t in tracks):
            g, v = levels.index(tracks[0]), levels.index(tracks[1])
            total = out[:, g] + out[:, v]
            out[:, g] = share * total
            out[:, v] = (1 - share) * total


def ratio_central(values: np.ndarray, method: str, window: int, alpha: float) -> np.ndarray:
    """Central ratio from the history on the last axis: mean of the latest ``window``
    observed values, or simple exponential smoothing (the latest weighted ``alpha``)."""
    observed = ~np.isnan(values)
    # rank of each observation counted from the latest (0 = latest)
    rank = np.cumsum(observed[..., ::-1], axis=-1)[..., ::-1] - 1
    if method == "ses":
        weights = np.where(observed, alpha * (1 - alpha) ** rank, 0.0)
        weights = np.where(observed & (rank == observed.sum(-1, keepdims=True) - 1),
                           (1 - alpha) ** rank, weights)  # the oldest value carries the rest
    else:
        weights = np.where(observed & (rank < window), 1.0, 0.0)
    total = weights.sum(-1)
    with np.errstate(invalid="ignore"):
        return np.where(total > 0, np.nansum(np.nan_to_num(values) * weights, -1) / total, np.nan)


def log_spread(values: np.ndarray) -> np.ndarray:
    """Spread (sd of log ratios) over the history; pooled across areas where an area has
    fewer than three observations."""
    logs = np.log(np.where(values > 0, values, np.nan))
    count = (~np.isnan(logs)).sum(-1)
    with warnings.catch_warnings():  # short or empty histories are expected; handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        own = np.nanstd(logs, axis=-1, ddof=1) if logs.shape[-1] > 1 else np.zeros(logs.shape[:-1])
        pooled = np.nanmedian(np.where(count >= 3, own, np.nan), axis=0) if (count >= 3).any() \
            else np.zeros(logs.shape[1])
    pooled = np.nan_to_num(pooled)
    return np.where(count >= 3, np.nan_to_num(own), pooled[None, :])


def collect(fitted, until: int, scenario: Scenario | None, draws: int, seed: int, chunk: int) -> Block:
    """All chunks of a fitted model in one Block (for small runs, tests and notebooks)."""
    chunks = fitted.iter_chunks(until, scenario, draws, seed, chunk)
    areas, slots, years = next(chunks)
    parts = [arr for _, _, arr in chunks]
    return Block(areas, slots, years, np.concatenate(parts, axis=0), fitted.settings.name)


def draw_ratio(central: np.ndarray, sd: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Ratio draws [area, k, draw]: log-normal around the central ratio, mean-preserving."""
    if draws == 1:
        return central[..., None]
    z = rng.standard_normal(central.shape + (draws,))
    shock = np.multiply(z, sd[..., None])
    if shock.dtype != np.result_type(central, shock):  # a narrower shock: the plain expression
        return central[..., None] * np.exp(shock - 0.5 * sd[..., None] ** 2)
    # the same operations in the same order, in place: one array instead of four temporaries
    shock -= 0.5 * sd[..., None] ** 2
    np.exp(shock, out=shock)
    shock *= central[..., None]
    return shock
