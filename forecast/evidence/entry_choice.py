"""Entry grades without births: held, or a damped trend, chosen by the entrants' own errors.

Where an area has no births, its entry grades (kindergarten, pre-K) follow their own
history. Two rules are common and neither always wins: **held** (the textbook "cohort
survival with entry held": next year's entrants = this year's) and the **damped trend**
of the latest years (``entry_damping``, docs/methods.md). At every origin both are set
beside the entrants later observed; at the next origins each area x entry grade takes the
rule whose absolute percentage errors, known then, were smaller:

    score = (n x own MAPE + K x MAPE of its size class) / (n + K)

the size class's MAPE itself shrunk toward the grade's over every area (``K`` = 5
pseudo-errors, as in ``forecast.evidence.choice``). One small school's few entrants decide
little on their own; areas of similar size share their evidence. Without evidence (fewer
than ``MIN_EVIDENCE`` errors of the grade) the configured trend is kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.engine.draws import damped_sum
from forecast.evidence.intervals import AREAS_PER_CLASS, MAX_CLASSES
from forecast.models import entry

K = 5.0
MIN_EVIDENCE = 3
ENTRY_COLUMNS = ["area", "level", "grade", "origin", "year", "horizon", "size", "held", "trend"]


def entry_rows(fitted, origin: int, horizon: int, damping: float) -> pd.DataFrame:
    """Entrant forecasts of every own-history entry cell of a fitted grade flow at
    ``origin``: held and damped trend, 1..``horizon`` years ahead (ENTRY_COLUMNS)."""
    a, s = np.nonzero(fitted.kind == entry.OWN)
    last = fitted.own_last[a, s]
    ok = np.isfinite(last)
    a, s, last = a[ok], s[ok], last[ok]
    if not len(a):
        return pd.DataFrame(columns=ENTRY_COLUMNS)
    drift = fitted.own_drift[a, s]
    h = np.arange(1, horizon + 1)
    build = damped_sum(h, damping)
    held = np.repeat(np.exp(last), horizon)
    trend = np.exp(last[:, None] + drift[:, None] * build[None, :]).ravel()
    areas = np.asarray(fitted.areas, dtype=object)
    return pd.DataFrame({"area": np.repeat(areas[a], horizon),
                         "level": np.repeat(np.array([fitted.slots[i][0] for i in s], dtype=object), horizon),
                         "grade": np.repeat(np.array([fitted.slots[i][1] for i in s], dtype=object), horizon),
                         "origin": origin, "year": origin + np.tile(h, len(a)),
                         "horizon": np.tile(h, len(a)), "size": np.repeat(fitted.base[a, s], horizon),
                         "held": held, "trend": trend})


def _key(frame: pd.DataFrame) -> np.ndarray:
    return (frame["level"].astype(str) + "|" + frame["grade"].astype(str)).to_numpy()


def _classes(frame: pd.DataFrame, edges: dict) -> np.ndarray:
    """Size class (0 = smallest) of each row (level, grade, size) by its grade's edges."""
    out = np.zeros(len(frame), dtype=int)
    keys = _key(frame)
    sizes = frame["size"].to_numpy(dtype=float)
    for key, cut in edges.items():
        if cut:
            rows = keys == key
            out[rows] = np.searchsorted(np.asarray(cut), sizes[rows], side="right")
    return out


def _edges(now: pd.DataFrame) -> dict:
    """Per entry grade, the inner edges of up to MAX_CLASSES size classes of at least
    AREAS_PER_CLASS areas each (the intervals' rule)."""
    edges = {}
    for key, part in now.groupby(_key(now)):
        k = min(MAX_CLASSES, len(part) // AREAS_PER_CLASS)
        edges[key] = [float(q) for q in part["size"].quantile(np.arange(1, k) / k)] if k > 1 else []
    return edges


def held_cells(history: pd.DataFrame, now: pd.DataFrame, origin: int) -> pd.Series:
    """For each cell of ``now`` (area, level, grade, size): True where holding the entrants
    has the smaller shrunk error in ``history`` (ENTRY_COLUMNS + actual) known at ``origin``."""
    cells = now[["area", "level", "grade", "size"]].drop_duplicates(["area", "level", "grade"])
    out = pd.Series(False, index=pd.MultiIndex.from_frame(cells[["area", "level", "grade"]]))
    if history.empty or cells.empty:
        return out
    known = history[(history["origin"] < origin) & (history["year"] <= origin)
                    & (history["actual"] > 0)]
    if known.empty:
        return out
    edges = _edges(cells)
    cells = cells.assign(cls=_classes(cells, edges))
    known = known.assign(cls=_classes(known, edges))
    actual = known["actual"].to_numpy()
    known = known.assign(ape_held=np.abs(known["held"] - actual) / actual,
                         ape_trend=np.abs(known["trend"] - actual) / actual)
    scores = {}
    for method in ("held", "trend"):
        col = f"ape_{method}"
        grade = known.groupby(["level", "grade"])[col].agg(["sum", "count"])
        prior = grade["sum"] / grade["count"]
        cls = known.groupby(["level", "grade", "cls"])[col].agg(["sum", "count"])
        cls_prior = prior.reindex(cls.index.droplevel("cls")).to_numpy()
        cls_score = pd.Series((cls["sum"].to_numpy() + K * cls_prior) / (cls["count"].to_numpy() + K),
                              index=cls.index)
        own = known.groupby(["area", "level", "grade"])[col].agg(["sum", "count"])
        idx = pd.MultiIndex.from_frame(cells[["area", "level", "grade"]])
        s = own["sum"].reindex(idx).fillna(0.0).to_numpy()
        n = own["count"].reindex(idx).fillna(0.0).to_numpy()
        c = cls_score.reindex(pd.MultiIndex.from_frame(cells[["level", "grade", "cls"]])).to_numpy()
        g = prior.reindex(pd.MultiIndex.from_frame(cells[["level", "grade"]])).to_numpy()
        c = np.where(np.isfinite(c), c, g)
        enough = grade["count"].reindex(pd.MultiIndex.from_frame(cells[["level", "grade"]])).fillna(0).to_numpy()
        scores[method] = np.where(enough >= MIN_EVIDENCE, (s + K * c) / (n + K), np.nan)
    held = np.isfinite(scores["held"]) & np.isfinite(scores["trend"]) & (scores["held"] < scores["trend"])
    return pd.Series(held, index=out.index)
