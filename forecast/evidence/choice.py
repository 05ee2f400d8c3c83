"""The nested choice: at each origin, which forecast to trust, from the errors known then.

Input: forecasts ``area, level, origin, year, horizon, model, forecast, actual`` with the
cell's ``tier`` (leaf or parent), ``basis`` (``births``, ``own history``) and ``size_class``
(``actual`` NaN where not yet observed). The single forecasts (``forecast.evidence.base``)
are first **combined** per cell (``combinations``): ``cohort_last_mean`` (the equal-weight
mean of the cohort flow and the last value: the structural model hedged by the naive one),
``median3`` (the median of the cohort flow, the last value and the global model, or the
ratio mean where there is no global forecast), ``mean3`` (their mean) and ``trimmed_mean``
(the mean of every single forecast but the highest and the lowest, with four or more).

At each origin ``o`` in turn:

1. **Evidence** = the forecasts made at earlier origins whose outcome year is <= ``o``.
2. **Relative scores.** For each candidate and group of cells, ``log(sum APE / sum APE of
   the reference)`` over the cells both forecast (the reference is ``cohort_last_mean``):
   below 0 the candidate erred less than the hedge. Scores are formed at every step of
   ``cell (area x level x horizon) -> level x horizon x size class -> level x horizon ->
   level -> every level`` (within the tier and basis) and each is shrunk toward the next
   coarser one with ``K`` pseudo-errors: ``(n s + K s_coarser) / (n + K)``. One area with a
   long history ends up with its own evidence; a thousand short ones share theirs; a
   series that just started using births (``basis``) is not judged by the errors it made
   without them.
3. **Choice**: the candidate of ``CHOICES`` with the lowest shrunk score among those that
   forecast the cell and have at least ``MIN_EVIDENCE`` errors at the level; with no such
   candidate, the structural member (the cohort flow). Combinations need no test to be
   chosen: they are the robust default of this literature (Timmermann 2006; Smith &
   Tayman 2003 on population projections).

Why so few candidates: on the real panels we ship, choosing freely among two dozen
candidates (drift grids, smoothing weights, tuned combinations) lost out of sample: with a
handful of origins the best of many is mostly the luckiest (the winner's curse). The
candidates here are few and different in kind.

The chosen forecasts at every backtest origin are the honest, out-of-sample record of the
procedure (model ``evidence``); the same loop run at the base year gives the run's choice.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.evidence.base import STRUCTURAL
from forecast.evidence.keys import codes

KEY = ["tier", "area", "level", "origin", "year"]
CELL = ["tier", "area", "level", "origin", "year", "horizon", "basis", "size", "size_class"]
K = 5.0  # pseudo-errors of the coarser group in each shrinkage step
MIN_EVIDENCE = 3
REFERENCE = "cohort_last_mean"
HEDGE = (STRUCTURAL, "last_value")
TRIO = (STRUCTURAL, "last_value", "global")
MEMBERS = (STRUCTURAL, "last_value", "global", "ratio_mean_w3")
CORE = (STRUCTURAL, "last_value", "cohort_last_mean")
EXTRA = ("global", "median3", "mean3", "trimmed_mean")  # chosen only where they pass ``gate``
CHOICES = CORE + EXTRA
COMBINATIONS = ("cohort_last_mean", "median3", "mean3", "trimmed_mean")
TRIM_MIN = 4
Z_ADMIT = 1.645  # one-sided 5 % test
MIN_ORIGINS = 3
GATE: int | None = 2  # tier x level x horizon
CHOSEN_COLUMNS = CELL + ["forecast", "actual", "choice", "score", "top_low", "top_high"]


@dataclass
class Wide:
    """Candidates side by side: one row per cell (``CELL`` + ``actual``), one column of
    ``forecast`` per model (NaN where the model did not forecast the cell)."""

    cells: pd.DataFrame
    models: list[str]
    forecast: np.ndarray

    def column(self, model: str) -> np.ndarray:
        return self.forecast[:, self.models.index(model)] if model in self.models \
            else np.full(len(self.cells), np.nan)

    def long(self, models: list[str] | None = None) -> pd.DataFrame:
        """Long rows (CELL + actual, model, forecast) of the finite forecasts."""
        frames = []
        for m in models or self.models:
            values = self.column(m)
            ok = np.isfinite(values)
            frames.append(self.cells[ok].assign(model=m, forecast=values[ok]))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def widen(cand: pd.DataFrame) -> Wide:
    """Long candidates (CELL + actual, model, forecast) to ``Wide``."""
    (cell,) = codes([cand], KEY)
    first = np.unique(cell, return_index=True)[1]
    models = sorted(cand["model"].unique())
    m = pd.Index(models).get_indexer(cand["model"])
    values = np.full((len(first), len(models)), np.nan)
    values[cell, m] = cand["forecast"].to_numpy(dtype=float)
    frame = cand.iloc[first][CELL + ["actual"]].reset_index(drop=True)
    frame["basis"] = frame["basis"].fillna("")
    return Wide(frame, models, values)


def combinations(wide: Wide) -> Wide:
    """``wide`` with the combination columns (see the module docstring)."""
    s, lv = wide.column(STRUCTURAL), wide.column("last_value")
    third = wide.column("global")
    third = np.where(np.isfinite(third), third, wide.column("ratio_mean_w3"))
    trio = np.column_stack([s, lv, third])
    members = np.column_stack([wide.column(m) for m in MEMBERS])
    count = np.isfinite(members).sum(axis=1)
    ordered = np.sort(members, axis=1)  # NaN last
    total = np.nansum(members, axis=1)
    low = ordered[:, 0]
    high = np.take_along_axis(ordered, np.maximum(count - 1, 0)[:, None], axis=1)[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        columns = {
            "cohort_last_mean": (s + lv) / 2,
            "median3": np.where(np.isfinite(trio).all(axis=1), np.median(trio, axis=1), np.nan),
            "mean3": np.where(np.isfinite(trio).all(axis=1), trio.mean(axis=1), np.nan),
            "trimmed_mean": np.where(count >= TRIM_MIN, (total - low - high) / (count - 2), np.nan),
        }
    models = wide.models + [m for m in columns if m not in wide.models]
    values = np.column_stack([wide.forecast] + [columns[m] for m in columns if m not in wide.models])
    return Wide(wide.cells, models, values)


def _codes(cells: pd.DataFrame) -> list[np.ndarray]:
    """Group codes of every cell at each shrinkage step, coarse to fine."""
    steps = [["tier"], ["tier", "level"], ["tier", "level", "horizon"],
             ["tier", "level", "horizon", "size_class"], ["tier", "area", "level", "horizon"]]
    return [codes([cells], s)[0] for s in steps]


def gate(wide: Wide, known: np.ndarray, now: np.ndarray, groups: list[np.ndarray],
         choices: tuple[str, ...], step: int = 1) -> np.ndarray:
    """[now cells, choices]: True where the candidate is the reference, or its APE is
    significantly below the reference's in the group of ``step`` (default: tier x basis x
    level, every horizon): the paired difference averaged per origin of the forecasts is
    below zero by more than ``Z_ADMIT`` standard errors over at least ``MIN_ORIGINS``
    origins (a one-sided test, clustered by origin because one origin's errors move
    together across areas and horizons)."""
    out = np.zeros((int(now.sum()), len(choices)), dtype=bool)
    if REFERENCE in choices:
        out[:, choices.index(REFERENCE)] = True
    if not known.any():
        return out
    actual = wide.cells["actual"].to_numpy(dtype=float)[known]
    origin = wide.cells["origin"].to_numpy()[known]
    ape_ref = np.abs(wide.column(REFERENCE)[known] - actual) / actual
    code = groups[step]
    size = int(code.max()) + 1
    o_code, o_uniques = pd.factorize(origin)
    for j, model in enumerate(choices):
        if model == REFERENCE or model not in wide.models:
            continue
        d = np.abs(wide.column(model)[known] - actual) / actual - ape_ref
        ok = np.isfinite(d)
        cluster = code[known][ok] * len(o_uniques) + o_code[ok]
        total = np.bincount(cluster, d[ok], minlength=size * len(o_uniques))
        count = np.bincount(cluster, minlength=size * len(o_uniques))
        with np.errstate(invalid="ignore", divide="ignore"):
            means = (total / count).reshape(size, len(o_uniques))  # NaN where no errors
        n = np.isfinite(means).sum(axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(means, axis=1)
            sd = np.nanstd(means, axis=1, ddof=1)
        passed = (n >= MIN_ORIGINS) & (mean + Z_ADMIT * sd / np.sqrt(np.maximum(n, 1)) < 0)
        out[:, j] = passed[code[now]]
    return out


def relative_scores(wide: Wide, known: np.ndarray, now: np.ndarray, groups: list[np.ndarray],
                    choices: tuple[str, ...]) -> np.ndarray:
    """Shrunk relative scores [now cells, choices] from the errors of the ``known`` cells
    (NaN where a candidate lacks ``MIN_EVIDENCE`` errors at the level or the reference is
    missing)."""
    actual = wide.cells["actual"].to_numpy(dtype=float)
    ref = wide.column(REFERENCE)
    out = np.full((int(now.sum()), len(choices)), np.nan)
    if not known.any():
        return out
    a = actual[known]
    ape_ref = np.abs(ref[known] - a) / a
    for j, model in enumerate(choices):
        if model not in wide.models:
            continue
        ape = np.abs(wide.column(model)[known] - a) / a
        paired = np.isfinite(ape) & np.isfinite(ape_ref)
        score = np.zeros(int(now.sum()))
        enough = None
        for step, code in enumerate(groups):
            k = code[known][paired]
            size = int(code.max()) + 1
            s = np.bincount(k, ape[paired], minlength=size)
            r = np.bincount(k, ape_ref[paired], minlength=size)
            n = np.bincount(k, minlength=size).astype(float)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.log((s + 1e-9) / (r + 1e-9))
            mine = code[now]
            n_now, v_now = n[mine], value[mine]
            if step == 0:
                score = np.where(n_now > 0, v_now, 0.0)
            else:
                score = np.where(n_now > 0, (n_now * v_now + K * score) / (n_now + K), score)
            if step == 1:
                enough = n_now >= MIN_EVIDENCE
        out[:, j] = np.where(enough, score, np.nan)
    return out


def nested(cand: pd.DataFrame, origins: list[int],
           choices: tuple[str, ...] = CHOICES) -> tuple[Wide, pd.DataFrame]:
    """Run the nested loop over ``origins`` (ascending; the last may be the base year with no
    outcomes). Returns the candidates side by side (with the combinations) and the chosen
    rows per origin (``CHOSEN_COLUMNS``; ``top_low``/``top_high``: the range of the three
    best-scored candidates' forecasts of the cell)."""
    wide = combinations(widen(cand))
    return wide, nested_wide(wide, origins, choices)


def concat(first: Wide, second: Wide) -> Wide:
    """Two candidate tables side by side in one (the union of their models)."""
    models = first.models + [m for m in second.models if m not in first.models]
    values = np.vstack([np.column_stack([part.column(m) for m in models]) for part in (first, second)])
    cells = pd.concat([first.cells, second.cells], ignore_index=True)
    return Wide(cells, models, values)


def nested_wide(wide: Wide, origins: list[int], choices: tuple[str, ...] = CHOICES,
                gated: int | None = GATE) -> pd.DataFrame:
    """``nested`` on a table already side by side (with its combinations). ``gated``: the
    shrinkage step at which departures from the reference must pass ``gate`` (None: no gate)."""
    cells = wide.cells
    groups = _codes(cells)
    origin = cells["origin"].to_numpy()
    year = cells["year"].to_numpy()
    actual = cells["actual"].to_numpy(dtype=float)
    values = np.column_stack([wide.column(m) for m in choices])
    fallback = wide.column(STRUCTURAL)
    fallback = np.where(np.isfinite(fallback), fallback, wide.column("cohort"))
    chosen = []
    for o in sorted(origins):
        now = origin == o
        if not now.any():
            continue
        known = (origin < o) & (year <= o) & (actual > 0)
        score = relative_scores(wide, known, now, groups, choices)
        if gated is not None:
            free = np.array([m not in EXTRA for m in choices])
            passed = gate(wide, known, now, groups, choices, gated)
            score = np.where(free[None, :] | passed, score, np.nan)
        forecasts = values[now]
        score = np.where(np.isfinite(forecasts), score, np.nan)
        has = np.isfinite(score).any(axis=1)
        best = np.argmin(np.where(np.isfinite(score), score, np.inf), axis=1)
        rows = np.arange(len(best))
        value = np.where(has, forecasts[rows, best], fallback[now])
        choice = np.where(has, np.asarray(choices, dtype=object)[best], STRUCTURAL)
        order = np.argsort(np.where(np.isfinite(score), score, np.inf), axis=1)[:, :3]
        top = np.take_along_axis(np.where(np.isfinite(score), forecasts, np.nan), order, axis=1)
        with warnings.catch_warnings():  # cells with no scored candidate: NaN range
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high = np.nanmin(top, axis=1), np.nanmax(top, axis=1)
        part = cells[now].assign(forecast=value, choice=choice,
                                 score=np.where(has, score[rows, best], np.nan),
                                 top_low=low, top_high=high)
        chosen.append(part[np.isfinite(part["forecast"].to_numpy(dtype=float))])
    out = pd.concat(chosen, ignore_index=True) if chosen else pd.DataFrame(columns=CHOSEN_COLUMNS)
    return out[CHOSEN_COLUMNS]
