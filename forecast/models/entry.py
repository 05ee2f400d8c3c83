"""Where each grade's children come from next year, area by area.

Every grade an area teaches in the base year is filled in one of four ways:

* ``progression``: the grade below in the same area a year earlier (grade 3 <- grade 2,
  junior 7 <- primary 6) times a progression or transition ratio;
* ``births``: an entry grade (kindergarten, grade 1 in China; pre-K and K in the US) from
  the births of its cohort times an entry ratio, when the area has births;
* ``own history``: an entry grade without births, from the area's own entrants: their last
  value carried forward with a damped trend (the mean yearly change of the latest years,
  fading by ``damping`` each further year), with a random walk of their past spread;
* ``feeder pool``: a grade whose feeding grade the area does not teach (a 6-8 middle
  school, a 9-12 high school) takes a share of the feeding grade a year earlier summed over
  its pool: the areas a ``feeders.csv`` names (with their shares), else every area under
  the same parent. The share is estimated from history like any ratio.

``plan`` decides per area and grade; ``describe`` turns the decision into the table a run
writes (``entry_methods.csv``) and ``validate`` prints.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from forecast.data.system import SchoolSystem

NONE, PROGRESSION, BIRTHS, OWN, POOL = 0, 1, 2, 3, 4
METHOD = {PROGRESSION: "progression", BIRTHS: "births", OWN: "own history", POOL: "feeder pool"}


def predecessors(system: SchoolSystem) -> np.ndarray:
    """Index of each slot's predecessor in ``system.slots()`` (-1: filled from births)."""
    slots = system.slots()
    index = {s: i for i, s in enumerate(slots)}
    return np.array([index[p] if (p := system.predecessor(*s)) is not None else -1 for s in slots])


def plan(present: np.ndarray, pred: np.ndarray, has_births: np.ndarray,
         has_pool: np.ndarray) -> np.ndarray:
    """Source of every area x slot: ``present`` [area, slot] (taught in the base year),
    ``pred`` [slot], ``has_births`` [area], ``has_pool`` [area] (a parent or declared
    feeders to draw from). Slots not taught in the base year get NONE."""
    kind = np.full(present.shape, NONE, dtype=np.int8)
    from_births = pred < 0
    pred_present = np.where(from_births[None, :], False, present[:, np.maximum(pred, 0)])
    kind[present & ~from_births[None, :] & pred_present] = PROGRESSION
    lacks_feeder = present & ~from_births[None, :] & ~pred_present
    kind[lacks_feeder & has_pool[:, None]] = POOL
    kind[lacks_feeder & ~has_pool[:, None]] = OWN
    entry = present & from_births[None, :]
    kind[entry & has_births[:, None]] = BIRTHS
    kind[entry & ~has_births[:, None]] = OWN
    return kind


def pool_weights(areas: list[str], parents: pd.Series, feeders: pd.DataFrame | None) -> sparse.csr_matrix:
    """W[a, f]: how much of area f's feeding grade belongs to area a's pool. Declared feeders
    (``feeders.csv``: school, feeder_school, share) give their shares; any other area's pool is
    every area under its parent (the parent's feeding grade), weight 1."""
    index = {a: i for i, a in enumerate(areas)}
    rows, cols, vals = [], [], []
    declared = set()
    if feeders is not None and len(feeders):
        for row in feeders.itertuples():
            if row.school in index and row.feeder_school in index:
                rows.append(index[row.school])
                cols.append(index[row.feeder_school])
                vals.append(float(row.share))
                declared.add(row.school)
    parent = parents.reindex(areas)
    groups = pd.Series(np.arange(len(areas)), index=areas).groupby(parent.to_numpy(), dropna=True)
    for _, members in groups:
        ids = members.to_numpy()
        for a in ids:
            if areas[a] in declared:
                continue
            rows += [a] * len(ids)
            cols += list(ids)
            vals += [1.0] * len(ids)
    n = len(areas)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(n, n))


def has_pool(weights: sparse.csr_matrix) -> np.ndarray:
    """Areas with anyone to draw from (besides themselves)."""
    off = weights - sparse.diags(weights.diagonal())
    return np.asarray(abs(off).sum(axis=1) > 0).ravel()


def declared_pool(areas: list[str], feeders: pd.DataFrame | None) -> np.ndarray:
    """Areas whose pool is declared in feeders.csv (their shares are taken as given)."""
    if feeders is None or feeders.empty:
        return np.zeros(len(areas), dtype=bool)
    return np.isin(np.array(areas, dtype=object), feeders["school"].unique())


def own_trend(history: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From each series' history [..., year] (NaN where unobserved): the last observed log
    value, the mean yearly log change over the latest ``window`` observed changes (0 with
    fewer than two observations) and the spread of yearly log changes (pooled over the
    series with at least three changes where a series has fewer)."""
    logs = np.log(np.where(history > 0, history, np.nan))
    steps = logs[..., 1:] - logs[..., :-1]  # consecutive years only
    observed = ~np.isnan(steps)
    rank = np.cumsum(observed[..., ::-1], axis=-1)[..., ::-1] - 1
    recent = observed & (rank < window)
    count = recent.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        drift = np.where(count > 0, np.nansum(np.where(recent, steps, 0.0), -1) / np.maximum(count, 1), 0.0)
        n_all = observed.sum(-1)
        mean = np.nansum(np.where(observed, steps, 0.0), -1) / np.maximum(n_all, 1)
        var = np.nansum(np.where(observed, (steps - mean[..., None]) ** 2, 0.0), -1) / np.maximum(n_all - 1, 1)
    own_sd = np.sqrt(var)
    enough = n_all >= 3
    pooled = float(np.median(own_sd[enough])) if enough.any() else 0.0
    sd = np.where(enough, own_sd, pooled)
    last = _last_observed(logs)
    return last, drift, sd


def _last_observed(values: np.ndarray) -> np.ndarray:
    """The latest non-NaN value along the last axis (NaN when none)."""
    observed = ~np.isnan(values)
    idx = values.shape[-1] - 1 - np.argmax(observed[..., ::-1], axis=-1)
    last = np.take_along_axis(values, idx[..., None], axis=-1)[..., 0]
    return np.where(observed.any(-1), last, np.nan)


def trend_paths(last: np.ndarray, drift: np.ndarray, sd: np.ndarray, horizons: np.ndarray,
                damping: float, normals: np.ndarray | None) -> np.ndarray:
    """Own-history paths [..., year, draw]: exp(last + drift x sum of damping**k, k = 1..h),
    times a mean-preserving log random walk of step ``sd`` when ``normals`` [..., year, draw]
    are given (one draw otherwise)."""
    h = np.asarray(horizons, dtype=float)
    build = h if damping == 1.0 else damping * (1 - damping ** h) / (1 - damping)
    central = np.exp(last[..., None] + drift[..., None] * build)  # [..., year]
    if normals is None:
        return central[..., None]
    walk = np.cumsum(normals * sd[..., None, None], axis=-2)
    walk -= 0.5 * (sd[..., None, None] ** 2) * h[:, None]
    return central[..., None] * np.exp(walk)


def describe(areas: list[str], slots: list[tuple[str, str]], kind: np.ndarray,
             pools: sparse.csr_matrix, parents: pd.Series, declared: np.ndarray) -> pd.DataFrame:
    """One row per area x grade that does not simply move up from the grade below: how its
    children are projected (births, own history, feeder pool), for entry_methods.csv."""
    a_idx, s_idx = np.nonzero((kind != NONE) & (kind != PROGRESSION))
    rows = []
    for a, s in zip(a_idx, s_idx, strict=True):
        method = METHOD[int(kind[a, s])]
        detail = ""
        if kind[a, s] == POOL:
            if declared[a]:
                members = [areas[f] for f in pools[a].indices if f != a]
                detail = "declared feeders: " + ", ".join(members[:5]) + (" ..." if len(members) > 5 else "")
            else:
                detail = f"share of the feeding grade of every area under {parents.get(areas[a])}"
        elif kind[a, s] == OWN:
            detail = "no births for this area: damped trend of its own entrants"
        rows.append({"area": areas[a], "level": slots[s][0], "grade": slots[s][1],
                     "method": method, "detail": detail})
    return pd.DataFrame(rows, columns=["area", "level", "grade", "method", "detail"])
