"""Empirical intervals: the spread of the chosen forecast's own past errors.

The error of a forecast is ``e = log(actual / forecast)``. For each level x horizon (x area
size class where the panel has at least ``AREAS_PER_CLASS`` areas per class) the 80 %
interval is ``forecast x exp(-q) .. forecast x exp(q)`` with ``q`` the split-conformal
quantile of the absolute errors ``|e|``: the ``ceil((n+1) 0.8)``-th smallest, clipped to the
largest (Vovk et al.; Angelopoulos & Bates, "A gentle introduction to conformal prediction",
2021). So no interval is narrower than the errors the backtest saw (with four errors it
spans the largest of them), and the interval always holds the forecast itself.

Why absolute, not the 10th and 90th percentiles of the signed errors: enrolment errors drift
in sign when a trend turns (China's senior schools grew for a decade after years of
decline), and a band fitted to last decade's signs missed the next decade's outcomes
(pooled coverage 62 % on the China backtest against 87 % for the absolute errors, with
every level at 78 % or more; Texas districts 83 % either way).

The band never narrows with the horizon (each is at least the one before). A level x
horizon with fewer than ``MIN_ERRORS`` errors uses the level's errors of every
horizon scaled to a random walk (``e / sqrt(h)``, then ``x sqrt(h)``); horizons beyond any
measured one extrapolate the widest measured horizon by ``sqrt(h / H)``. Each row says
which (``basis``). Without enough errors at all the caller borrows the shipped library
(``forecast.evidence.library``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

MIN_ERRORS = 4
AREAS_PER_CLASS = 30
MAX_CLASSES = 3
INTERVAL_COLUMNS = ["level", "horizon", "size_class", "q_lo", "q_hi", "n", "basis"]


def conformal(errors: np.ndarray) -> tuple[float, float]:
    """(q_lo, q_hi) = (-q, q): the 80 % split-conformal interval of the log errors, ``q`` the
    ``ceil((n+1) 0.8)``-th smallest absolute error (the largest when n < 4)."""
    e = np.sort(np.abs(errors[np.isfinite(errors)]))
    n = len(e)
    q = float(e[min(math.ceil((n + 1) * 0.8), n) - 1])
    return -q, q


def size_edges(sizes: pd.DataFrame) -> dict[str, list[float]]:
    """Per level, the inner edges of the size classes (quantiles of the areas' sizes; empty
    = one class) from ``sizes`` (area, level, size): as many classes (at most
    ``MAX_CLASSES``) as there are ``AREAS_PER_CLASS`` areas."""
    edges = {}
    for level, part in sizes.groupby("level"):
        k = min(MAX_CLASSES, len(part) // AREAS_PER_CLASS)
        edges[level] = [float(q) for q in part["size"].quantile(np.arange(1, k) / k)] if k > 1 else []
    return edges


def classify(frame: pd.DataFrame, edges: dict[str, list[float]]) -> np.ndarray:
    """Size class (0 = smallest) of each row (level, size)."""
    out = np.zeros(len(frame), dtype=int)
    for level, cut in edges.items():
        if cut:
            rows = (frame["level"] == level).to_numpy()
            out[rows] = np.searchsorted(np.asarray(cut), frame.loc[rows, "size"].to_numpy(), side="right")
    return out


def error_quantiles(errors: pd.DataFrame, horizons: int) -> pd.DataFrame:
    """INTERVAL_COLUMNS for horizons 1..``horizons`` from ``errors`` (level, horizon,
    size_class, e); levels x classes with fewer than ``MIN_ERRORS`` errors in all are left out."""
    rows = []
    errors = errors[errors["e"].notna()]
    if errors.empty:
        return pd.DataFrame(rows, columns=INTERVAL_COLUMNS).astype({"q_lo": float, "q_hi": float})
    level_code, levels = pd.factorize(errors["level"].to_numpy(dtype=object))
    size_class = errors["size_class"].to_numpy(dtype=int)
    horizon = errors["horizon"].to_numpy(dtype=int)
    e = errors["e"].to_numpy(dtype=float)
    group = level_code * (int(size_class.max()) + 1) + size_class
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    for idx in np.split(order, bounds):
        if len(idx) < MIN_ERRORS:
            continue
        level, cls = levels[level_code[idx[0]]], int(size_class[idx[0]])
        h_of, e_of = horizon[idx], e[idx]
        walk = e_of / np.sqrt(h_of)
        measured = {int(h): e_of[h_of == h] for h in np.unique(h_of) if (h_of == h).sum() >= MIN_ERRORS}
        widest = max(measured) if measured else None
        walk_lo, walk_hi = conformal(walk)
        previous = None
        for h in range(1, horizons + 1):
            if h in measured:
                lo, hi = conformal(measured[h])
                basis, n = "own errors at this horizon", len(measured[h])
            elif widest is not None and h > widest:
                lo, hi = conformal(measured[widest])
                lo, hi = lo * math.sqrt(h / widest), hi * math.sqrt(h / widest)
                basis, n = f"extrapolated from {widest} years ahead by sqrt(h/{widest})", len(measured[widest])
            else:
                lo, hi = walk_lo * math.sqrt(h), walk_hi * math.sqrt(h)
                basis, n = "errors of every horizon scaled as a random walk", len(walk)
            if previous is not None:  # the band never narrows further ahead
                lo, hi = min(lo, previous[0]), max(hi, previous[1])
            previous = (lo, hi)
            rows.append((level, h, cls, lo, hi, n, basis))
    out = pd.DataFrame(rows, columns=INTERVAL_COLUMNS).astype({"q_lo": float, "q_hi": float})
    return out.sort_values(["level", "size_class", "horizon"], kind="stable").reset_index(drop=True)


def apply(frame: pd.DataFrame, quantiles: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (level, horizon, size_class, forecast) with p10 and p90 from the quantiles
    (NaN where none)."""
    q = frame.merge(quantiles[["level", "horizon", "size_class", "q_lo", "q_hi"]],
                    on=["level", "horizon", "size_class"], how="left")
    lo, hi = (q[c].to_numpy(dtype=float) for c in ("q_lo", "q_hi"))
    value = q["forecast"].to_numpy(dtype=float)
    return frame.assign(p10=value * np.exp(lo), p90=value * np.exp(hi))


def nested_intervals(chosen: pd.DataFrame, origins: list[int], horizons: int,
                     candidates: pd.DataFrame | None = None) -> pd.DataFrame:
    """The final forecasts (area, level, origin, year, horizon, size_class, forecast, actual)
    with p10/p90 built at each origin from the errors those same forecasts made earlier
    (known then): combined, chosen and reconciled forecasts carry intervals from their own
    nested errors. NaN where too few were known (the honest record). A forecast of zero
    pupils that met pupils has no finite log error and is left out of the errors.

    ``candidates`` (same layout, ``model``, log error ``e``): where a cell's choice is one of
    them with enough errors of its own, its interval comes from those instead. The
    procedure passes the candidates chosen only after a significance test
    (``forecast.evidence.choice.EXTRA``): one is admitted because its errors were
    significantly smaller, so the procedure's errors, which hold the era before it was
    admitted, overstate its spread (on a stable synthetic panel 94 % coverage, its own 85 %).
    The core candidates switch from area to area and origin to origin: the procedure's own
    errors are the honest spread of that."""
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.log(chosen["actual"].to_numpy(dtype=float) / chosen["forecast"].to_numpy(dtype=float))
    chosen = chosen.assign(e=np.where(np.isfinite(e), e, np.nan))
    out = []
    for origin in sorted(origins):
        known = chosen[(chosen["origin"] < origin) & (chosen["year"] <= origin) & chosen["e"].notna()]
        now = apply(chosen[chosen["origin"] == origin], error_quantiles(known, horizons))
        if candidates is not None and len(candidates):
            now = own_model_intervals(now, candidates, origin, horizons)
        out.append(now)
    return pd.concat(out, ignore_index=True) if out else chosen.assign(p10=np.nan, p90=np.nan)


def own_model_intervals(now: pd.DataFrame, candidates: pd.DataFrame, origin: int, horizons: int) -> pd.DataFrame:
    """Replace the interval of each row by the one from its chosen candidate's own errors
    known at ``origin`` (where that candidate has enough at the level x horizon x class)."""
    if candidates.empty:
        return now
    known = candidates[(candidates["origin"] < origin) & (candidates["year"] <= origin)
                       & candidates["e"].notna() & candidates["model"].isin(now["choice"].unique())]
    now = now.copy()
    for model, part in known.groupby("model"):
        rows = (now["choice"] == model).to_numpy()
        own = apply(now.loc[rows].drop(columns=["p10", "p90"]), error_quantiles(part, horizons))
        has = own["p10"].notna().to_numpy()
        index = now.index[rows][has]
        now.loc[index, "p10"] = own["p10"].to_numpy()[has]
        now.loc[index, "p90"] = own["p90"].to_numpy()[has]
    return now

