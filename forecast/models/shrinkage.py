"""Empirical-Bayes shrinkage of area ratios toward the dataset's common ratio.

A small school's progression ratio from three years of history is mostly noise; a large
district's is mostly signal. Each area's central (log) ratio is pulled toward the median
over all areas of the same grade and source by the share of its variance that is noise:

    shrunk = w x own + (1 - w) x common,   w = tau^2 / (tau^2 + s^2 / n)

where ``s^2`` is the variance of the area's own yearly log ratios, ``n`` the number averaged
into its central ratio, and ``tau^2`` the variance of the true ratios across areas, estimated
by the method of moments (variance of the areas' central ratios less their mean noise
variance). Everything is estimated from the dataset; with fewer than ``MIN_AREAS`` areas
giving a value the ratios are left as they are.
"""

from __future__ import annotations

import warnings

import numpy as np

MIN_AREAS = 10


def shrink_log(history: np.ndarray, central: np.ndarray, mask: np.ndarray,
               used: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shrink ``central`` [area, slot] (a positive ratio) toward each slot's common value.

    ``history`` [area, slot, year]: the observed ratios (NaN unobserved); ``mask`` [area,
    slot]: the cells to shrink (one source); ``used`` [area, slot]: how many observations
    the central ratio averages. Returns the shrunk ratios and the weight kept on each area's
    own ratio (1 where nothing was shrunk)."""
    logs = np.log(np.where(history > 0, history, np.nan))
    own = np.log(np.where(central > 0, central, np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN and one-value slices
        noise = np.nanvar(logs, axis=-1, ddof=1) / np.maximum(used, 1)
        cells = mask & np.isfinite(own)
        typical_noise = np.nanmean(np.where(cells, noise, np.nan), axis=0)
    # an area with a single observation has no variance of its own: give it the typical noise x 2
    noise = np.where(np.isfinite(noise), noise, 2 * typical_noise[None, :])
    shrunk, weight = _toward_common(own, noise, cells, typical_noise)
    return np.where(weight < 1.0, np.exp(shrunk), central), weight


def shrink_level(values: np.ndarray, noise: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The same shrinkage for a quantity already on its natural scale (e.g. a yearly log
    trend): ``values`` [area, slot] with their noise variances, toward each slot's median."""
    cells = mask & np.isfinite(values) & np.isfinite(noise)
    shrunk, _ = _toward_common(values, noise, cells)
    return np.where(cells, shrunk, values)


def _toward_common(values: np.ndarray, noise: np.ndarray, cells: np.ndarray,
                   typical_noise: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """w x value + (1 - w) x the slot's median over ``cells``, w = tau^2 / (tau^2 + noise);
    w = 1 outside ``cells`` and where fewer than MIN_AREAS areas give a value. The mean noise
    (``typical_noise``) is taken over ``cells`` unless given."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        data = np.where(cells, values, np.nan)
        counts = cells.sum(axis=0)
        common = np.nanmedian(data, axis=0)
        spread = np.nanvar(data, axis=0, ddof=1)
        if typical_noise is None:
            typical_noise = np.nanmean(np.where(cells, noise, np.nan), axis=0)
    tau2 = np.maximum(spread - np.nan_to_num(typical_noise), 0.1 * np.nan_to_num(spread))
    with np.errstate(invalid="ignore", divide="ignore"):  # no spread at all: nothing to shrink
        weight = tau2[None, :] / (tau2[None, :] + noise)
    weight = np.where(cells & (counts >= MIN_AREAS)[None, :] & np.isfinite(weight), weight, 1.0)
    shrunk = weight * np.nan_to_num(values) + (1 - weight) * np.nan_to_num(common)[None, :]
    return shrunk, weight
