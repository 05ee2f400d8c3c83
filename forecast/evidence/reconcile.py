"""Coherent forecasts across the area tree: MinT with shrinkage (Wickramasuriya,
Athanasopoulos & Hyndman 2019).

Every node is forecast on its own (``forecast.evidence.hierarchy``): schools and the
district they make up. Their sums disagree; a run needs parents equal to the sum of their
children. Bottom-up (parents = the sum of the leaves) throws the parents' own forecasts
away. MinT keeps every forecast's information: with ``y`` the base forecasts of all nodes
(parents first, then leaves) and ``C y = 0`` the constraints (each parent minus the sum of
its leaves),

    reconciled = y - W C' (C W C')^-1 C y

the coherent forecasts closest to ``y`` in the metric of ``W``, the covariance of the base
forecasts' errors. ``W`` comes from the nested backtest errors known at the origin:

- each node's spread ``sigma_i = forecast_i x q_i``, ``q_i`` the root mean square of its
  relative errors (actual / forecast - 1) at that horizon, shrunk toward its tier x level x
  horizon x size class with ``K`` pseudo-errors (a node with no errors takes its class's);
- the correlation of the nodes' errors from their one-year-ahead errors known then (one
  event per origin, each node's errors standardised; MinT's one-step residuals, the same
  correlation assumed at every horizon), shrunk toward the identity by the
  Schaefer-Strimmer intensity ``lambda`` (the estimated sampling variance of the
  correlations over their size): ``W = D^1/2 (lambda I + (1 - lambda) R) D^1/2``.

``R`` has rank at most the number of events, so ``W C'`` is formed without the n x n
matrix: a diagonal plus a low-rank product. A node forecast below zero is set to zero and
the parents are then the sums of their leaves, so the output is coherent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from threadpoolctl import threadpool_limits

from forecast.evidence.hierarchy import Nodes, summing_matrix
from forecast.evidence.keys import codes

K = 5.0
LEAF, PARENT = 0, 1  # tiers as integers inside ``reconcile``
RIDGE = 1e-9  # relative, on the diagonal of C W C' (a parent with one leaf makes it singular-ish)


def relative_errors(chosen: pd.DataFrame) -> pd.DataFrame:
    """Rows with an outcome and their relative error r = actual / forecast - 1."""
    rows = chosen[chosen["actual"].notna() & (chosen["forecast"] > 0)]
    return rows.assign(r=rows["actual"] / rows["forecast"] - 1)


class Spreads:
    """q for any (tier, area, level, horizon, size_class) rows from the known errors: the
    node's mean square relative error at the horizon shrunk toward its class's, the class's
    toward its tier x level x horizon, that toward the tier x level over every horizon
    (scaled by h / mean h: a random walk's variance), each with ``K`` pseudo-errors."""

    STEPS = (["tier", "level", "horizon"], ["tier", "level", "horizon", "size_class"],
             ["tier", "area", "level", "horizon"])

    def __init__(self, known: pd.DataFrame):
        self.known = known
        self.r2 = known["r"].to_numpy(dtype=float) ** 2

    def _sums(self, rows: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
        k, r = codes([self.known, rows], keys)
        size = int(max(k.max(initial=-1), r.max(initial=-1))) + 1
        s = np.bincount(k, self.r2, minlength=size)
        n = np.bincount(k, minlength=size).astype(float)
        return s[r], n[r]

    def __call__(self, rows: pd.DataFrame) -> np.ndarray:
        s, n = self._sums(rows, ["tier", "level"])
        k, r = codes([self.known, rows], ["tier", "level"])
        size = int(max(k.max(initial=-1), r.max(initial=-1))) + 1
        h_sum = np.bincount(k, self.known["horizon"].to_numpy(dtype=float), minlength=size)[r]
        with np.errstate(invalid="ignore", divide="ignore"):
            prior = (s / n) * rows["horizon"].to_numpy(dtype=float) / (h_sum / n)
        for keys in self.STEPS:
            s, n = self._sums(rows, keys)
            with np.errstate(invalid="ignore", divide="ignore"):
                prior = np.where(np.isfinite(prior), (s + K * prior) / (n + K),
                                 np.where(n > 0, s / np.maximum(n, 1), np.nan))
        return np.sqrt(prior)


def _standardised(nodes: pd.DataFrame, known: pd.DataFrame, spreads: Spreads) -> np.ndarray:
    """Z [node, event]: each node's relative errors over the known events (origin x year),
    divided by its spread at that horizon, each row scaled to unit mean square over the
    events it has (0 where it has none)."""
    if known.empty:
        return np.zeros((len(nodes), 0))
    node_code, row_code = codes([nodes, known], ["tier", "area"])
    lookup = np.full(int(max(node_code.max(initial=-1), row_code.max(initial=-1))) + 1, -1)
    lookup[node_code] = np.arange(len(nodes))
    i = lookup[row_code]
    (t,) = codes([known], ["origin", "year"])
    ok = i >= 0
    q = spreads(known[ok])
    z = np.zeros((len(nodes), int(t.max()) + 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        z[i[ok], t[ok]] = known["r"].to_numpy()[ok] / np.where(q > 0, q, np.nan)
    z = np.where(np.isfinite(z), z, 0.0)
    seen = z != 0
    ms = (z ** 2).sum(axis=1) / np.maximum(seen.sum(axis=1), 1)
    return np.where(ms[:, None] > 0, z / np.sqrt(np.where(ms > 0, ms, 1.0))[:, None], 0.0)


def shrinkage_intensity(z: np.ndarray) -> float:
    """Schaefer & Strimmer's (2005) lambda for the correlation of the rows of ``z``
    [variable, observation] toward the identity, without forming the n x n matrix."""
    n_obs = z.shape[1]
    if n_obs < 3:
        return 1.0
    gram = z.T @ z  # [obs, obs]
    w_bar_fro2 = float((gram ** 2).sum()) / n_obs ** 2
    w_diag = (z ** 2).sum(axis=1) / n_obs
    s_t = (z ** 2).sum(axis=0)
    total = float((s_t ** 2).sum()) - n_obs * w_bar_fro2
    diag_part = float((((z ** 2) - w_diag[:, None]) ** 2).sum())
    var_off = n_obs / (n_obs - 1) ** 3 * (total - diag_part)
    r2_off = (n_obs / (n_obs - 1)) ** 2 * (w_bar_fro2 - float((w_diag ** 2).sum()))
    if r2_off <= 1e-12:
        return 1.0
    return float(np.clip(var_off / r2_off, 0.0, 1.0))


def mint(y: np.ndarray, sigma: np.ndarray, z: np.ndarray, c) -> tuple[np.ndarray, float]:
    """Reconciled ``y`` under ``C y = 0`` (``c``: a scipy sparse matrix, parents x nodes) with
    W = D^1/2 (lambda I + (1 - lambda) R) D^1/2, R = Z Z' / T plus the diagonal that makes
    its diagonal one; and lambda. Small dense algebra, on one thread (many threads only
    contend for a few hundred rows)."""
    lam = shrinkage_intensity(z) if z.shape[1] else 1.0
    n_obs = max(z.shape[1], 1)
    d = (z ** 2).sum(axis=1) / n_obs
    a = sigma ** 2 * (lam + (1 - lam) * (1 - d))
    u = sigma[:, None] * z
    with threadpool_limits(1):
        cu = np.asarray(c @ u)  # [parent, event]
        cwc = np.asarray((c.multiply(a[None, :]) @ c.T).todense()) + ((1 - lam) / n_obs) * (cu @ cu.T)
        cwc = cwc + np.eye(len(cwc)) * RIDGE * max(float(np.trace(cwc)) / len(cwc), 1e-12)
        x = np.linalg.solve(cwc, np.asarray(c @ y))
        ctx = np.asarray(c.T @ x)
        rec = y - (a * ctx + ((1 - lam) / n_obs) * (u @ (u.T @ ctx)))
    return rec, lam


def reconcile(chosen: pd.DataFrame, tree: Nodes, origins: list[int]) -> pd.DataFrame:
    """MinT-reconciled forecasts of ``chosen`` (both tiers: CELL + forecast, actual) at each
    origin from the errors known then; the rows returned carry ``forecast`` reconciled,
    ``base`` (the forecast before) and ``lam`` (the shrinkage used). Origins or levels
    without parents, or without any known error, are returned unchanged (bottom-up)."""
    if chosen.empty:
        return chosen.assign(base=chosen["forecast"], lam=np.nan)
    # integer names inside (grouping on strings costs more than the algebra), names back after
    work, tree_ids, names = _integer_names(chosen, tree)
    out = []
    errors = relative_errors(work)
    for origin in sorted(origins):
        now = work[work["origin"] == origin]
        known = errors[(errors["origin"] < origin) & (errors["year"] <= origin)]
        for level, part in now.groupby("level", sort=False):
            out.append(_level(part, known[known["level"] == level], tree_ids, level))
    if not out:
        return chosen.assign(base=chosen["forecast"], lam=np.nan)
    result = pd.concat(out, ignore_index=True)
    for column, uniques in names.items():
        result[column] = uniques[result[column].to_numpy()]
    return result


def _integer_names(chosen: pd.DataFrame, tree: Nodes) -> tuple[pd.DataFrame, Nodes, dict]:
    """``chosen`` and ``tree`` with tier, area and level replaced by integer codes, and the
    names of each code."""
    names = {}
    work = chosen.copy()
    work["tier"] = np.where(work["tier"].to_numpy(dtype=object) == "parent", PARENT, LEAF)
    names["tier"] = np.array(["leaf", "parent"], dtype=object)
    areas = pd.Index(pd.unique(np.concatenate([work["area"].to_numpy(dtype=object),
                                               tree.links["parent"].to_numpy(dtype=object),
                                               tree.links["area"].to_numpy(dtype=object)])))
    levels = pd.Index(pd.unique(np.concatenate([work["level"].to_numpy(dtype=object),
                                                tree.links["level"].to_numpy(dtype=object)])))
    work["area"] = areas.get_indexer(work["area"].to_numpy(dtype=object))
    work["level"] = levels.get_indexer(work["level"].to_numpy(dtype=object))
    names["area"], names["level"] = areas.to_numpy(dtype=object), levels.to_numpy(dtype=object)
    links = pd.DataFrame({"parent": areas.get_indexer(tree.links["parent"].to_numpy(dtype=object)),
                          "level": levels.get_indexer(tree.links["level"].to_numpy(dtype=object)),
                          "area": areas.get_indexer(tree.links["area"].to_numpy(dtype=object))})
    leaves = pd.DataFrame({"area": areas.get_indexer(tree.leaves["area"].to_numpy(dtype=object)),
                           "level": levels.get_indexer(tree.leaves["level"].to_numpy(dtype=object))})
    return work, Nodes(leaves, links), names


def _level(part: pd.DataFrame, known: pd.DataFrame, tree: Nodes, level: str) -> pd.DataFrame:
    part = part.assign(base=part["forecast"], lam=np.nan)
    leaves = sorted(part.loc[part["tier"] == LEAF, "area"].unique())
    parents = sorted(part.loc[part["tier"] == PARENT, "area"].unique())
    if not parents or not leaves or known.empty:
        return bottom_up(part, tree, level)
    s = summing_matrix(tree, level, leaves, parents)
    keep = s.sum(axis=1) > 0
    parents = [p for p, k in zip(parents, keep, strict=True) if k]
    s = s[keep]
    if not parents:
        return bottom_up(part, tree, level)
    nodes = pd.DataFrame({"tier": [PARENT] * len(parents) + [LEAF] * len(leaves),
                          "area": parents + leaves})
    node_key = pd.MultiIndex.from_frame(nodes)
    c = sparse.hstack([sparse.identity(len(parents), format="csr"), -sparse.csr_matrix(s)]).tocsr()
    spreads = Spreads(known)
    # the correlation from one-year-ahead errors, one event per origin (as MinT's one-step
    # residuals): errors of several years from one origin are not independent events
    z = _standardised(nodes, known[known["horizon"] == 1], spreads)
    part = part.assign(_q=spreads(part))  # every horizon's spreads at once
    frames = []
    for _, now in part.groupby("horizon"):
        row = pd.MultiIndex.from_frame(now[["tier", "area"]]).get_indexer(node_key)
        if (row < 0).any():  # a node without a forecast at this horizon: its constraint is unusable
            frames.append(now)
            continue
        cells = now.iloc[row]
        y = cells["forecast"].to_numpy(dtype=float)
        q = cells["_q"].to_numpy(dtype=float)
        if not np.isfinite(q).all():
            frames.append(now)
            continue
        sigma = np.maximum(np.abs(y) * q, 1e-9)
        rec, lam = mint(y, sigma, z, c)
        frames.append(cells.assign(forecast=np.maximum(rec, 0.0), lam=lam))
    return bottom_up(pd.concat(frames, ignore_index=True).drop(columns="_q"), tree, level, keep_lam=True)


def bottom_up(part: pd.DataFrame, tree: Nodes, level: str, keep_lam: bool = False) -> pd.DataFrame:
    """Parents' forecasts replaced by the sums of their leaves' (coherent by construction)."""
    part = part.copy()
    if "base" not in part:
        part["base"] = part["forecast"]
    if not keep_lam:
        part["lam"] = np.nan
    tier = part["tier"].to_numpy()
    rows = tier == (PARENT if tier.dtype.kind in "iu" else "parent")
    if not rows.any():
        return part
    leaves = part[~rows]
    links = tree.links[tree.links["level"] == level]
    pairs = links.merge(leaves[["area", "origin", "year", "forecast"]], on="area")
    pair_code, parent_code = codes([pairs.rename(columns={"area": "leaf", "parent": "area"}),
                                    part[rows]], ["area", "origin", "year"])
    size = int(max(pair_code.max(initial=-1), parent_code.max(initial=-1))) + 1
    sums = np.bincount(pair_code, pairs["forecast"].to_numpy(dtype=float), minlength=size)
    counts = np.bincount(pair_code, minlength=size)
    part.loc[rows, "forecast"] = np.where(counts[parent_code] > 0, sums[parent_code], np.nan)
    return part
