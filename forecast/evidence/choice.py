"""The nested choice: at each origin, which candidate (or combination) to trust, from the
errors known at that origin only.

Input: candidate forecasts ``area, level, origin, year, horizon, model, forecast, actual``
(``actual`` NaN where not yet observed). For each origin ``o`` in turn:

1. **Evidence** = the forecasts made at earlier origins whose outcome year is <= ``o``.
2. **Scores** (mean absolute percentage error) per model x area x level x horizon, shrunk
   toward the dataset-wide figure: ``(n_a m_a + K P) / (n_a + K)`` with ``P`` the model's
   level x horizon MAPE over every area, itself shrunk toward the model's level MAPE over
   every horizon (``K = SHRINK`` pseudo-forecasts). One area with a long history ends up
   with its own errors; many areas with short histories share theirs.
3. **Nested combinations** are formed at ``o`` from the same scores: ``cohort_tuned`` (the
   cohort drift setting with the best score: the drift window and damping chosen by
   evidence) and ``weighted_top3`` (inverse-score weights over the three best candidates).
   They become candidates themselves; their errors count from the next origins on.
4. **Choice**: the candidate with the lowest score among those forecasting the cell at ``o``
   and backed by at least ``MIN_EVIDENCE`` errors at the level; none: the cohort flow (no
   evidence is not evidence against it). The candidates are the ``CORE`` three (the cohort
   flow, the last value and their equal-weight mean) and, at a level x horizon where the
   evidence shows it to be significantly better, the tuned ones (``TUNED``: the tuned drift
   setting and the combinations over the grid). Significantly: the best tuned candidate's
   APE minus the best core one's, averaged per origin, is below zero by more than
   ``Z_ADMIT`` standard errors over at least ``MIN_ORIGINS`` origins (a one-sided paired
   test, clustered by origin since one origin's errors move together across areas).

The chosen forecasts at every backtest origin are the honest, out-of-sample record of the
whole procedure (model ``evidence``); the same loop run at the base year gives the run's
choice. Static combinations (equal-weight mean of cohort, last value and ratio mean;
trimmed mean of every base candidate; the mean of the cohort flow and the last value) are
computed per cell beforehand.

Why the tuned candidates must pass a test: on the real panels we ship (China 2003-2025,
Texas districts 2013-2023) choosing freely among the grid and its combinations lost out of
sample to the core three: with a handful of origins the best of two dozen is mostly the
luckiest (the winner's curse). Where the evidence is ample and consistent (many areas of
one stable process), the tuned drift and the grid's combinations do win, and pass the test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.evidence.candidates import FALLBACK

KEY = ["area", "level", "origin", "year"]
SHRINK = 5.0
MIN_EVIDENCE = 3
MEAN3 = ("cohort", "last_value", "ratio_mean_w3")
HEDGE = ("cohort", "last_value")  # their mean: the structural model hedged by the naive one
CORE = ("cohort", "last_value", "cohort_last_mean")
TUNED = ("cohort_tuned", "weighted_top3", "mean3", "trimmed_mean")
CHOICES = CORE + TUNED
Z_ADMIT = 1.645  # one-sided 5 % test
MIN_ORIGINS = 3
TRIM_MIN = 5  # candidates needed before the highest and lowest are trimmed


def static_combinations(cand: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``mean3`` (equal-weight mean of the cohort flow, last value and the 3-year ratio
    mean, where all three forecast), ``cohort_last_mean`` (the mean of the cohort flow and
    the last value, where both forecast) and ``trimmed_mean`` (mean of every base candidate
    without the highest and lowest, where at least ``TRIM_MIN`` forecast)."""
    wide = cand.set_index(KEY + ["model"])["forecast"].unstack("model")
    values = np.sort(wide.to_numpy(dtype=float), axis=1)  # NaN sort last
    count = np.isfinite(values).sum(axis=1)
    total = np.nansum(values, axis=1)
    first = values[:, 0]
    last = np.take_along_axis(values, np.maximum(count - 1, 0)[:, None], axis=1)[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        trimmed = np.where(count >= TRIM_MIN, (total - first - last) / (count - 2), np.nan)
    out = [pd.DataFrame({"model": "trimmed_mean", "forecast": trimmed}, index=wide.index)]
    if all(m in wide for m in MEAN3):
        out.append(pd.DataFrame({"model": "mean3", "forecast": wide[list(MEAN3)].mean(axis=1, skipna=False)},
                                index=wide.index))
    if all(m in wide for m in HEDGE):
        out.append(pd.DataFrame({"model": "cohort_last_mean",
                                 "forecast": wide[list(HEDGE)].mean(axis=1, skipna=False)}, index=wide.index))
    rows = pd.concat(out).reset_index().dropna(subset=["forecast"])
    facts = cand.drop_duplicates(KEY)[KEY + ["horizon", "actual"]]
    return rows.merge(facts, on=KEY)


def scores(known: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Shrunk MAPE: (by model x area x level x horizon, by model x level x horizon, by model x
    level, evidence count by model x level)."""
    ape = known.assign(ape=100 * (known["forecast"] - known["actual"]).abs() / known["actual"])
    lv = ape.groupby(["model", "level"])["ape"].agg(["sum", "count"])
    level_mape = lv["sum"] / lv["count"]
    hz = ape.groupby(["model", "level", "horizon"])["ape"].agg(["sum", "count"])
    prior = level_mape.reindex(hz.index.droplevel("horizon")).to_numpy()
    horizon_mape = pd.Series((hz["sum"].to_numpy() + SHRINK * prior) / (hz["count"].to_numpy() + SHRINK),
                             index=hz.index)
    ar = ape.groupby(["model", "area", "level", "horizon"])["ape"].agg(["sum", "count"])
    prior = horizon_mape.reindex(ar.index.droplevel("area")).to_numpy()
    area_mape = pd.Series((ar["sum"].to_numpy() + SHRINK * prior) / (ar["count"].to_numpy() + SHRINK),
                          index=ar.index)
    return area_mape, horizon_mape, level_mape, lv["count"]


def lookup(cells: pd.DataFrame, area_mape: pd.Series, horizon_mape: pd.Series, level_mape: pd.Series,
           counts: pd.Series) -> np.ndarray:
    """The score of each row (model, area, level, horizon): the area's, else the dataset's at
    that horizon, else the level's over every horizon; NaN without ``MIN_EVIDENCE`` errors."""
    s = area_mape.reindex(pd.MultiIndex.from_frame(cells[["model", "area", "level", "horizon"]])).to_numpy()
    h = horizon_mape.reindex(pd.MultiIndex.from_frame(cells[["model", "level", "horizon"]])).to_numpy()
    idx = pd.MultiIndex.from_frame(cells[["model", "level"]])
    lv = level_mape.reindex(idx).to_numpy()
    n = counts.reindex(idx).fillna(0).to_numpy()
    score = np.where(np.isfinite(s), s, np.where(np.isfinite(h), h, lv))
    return np.where(n >= MIN_EVIDENCE, score, np.nan)


def _beats(ape: pd.DataFrame, challenger: str, incumbent: str) -> bool:
    """Whether ``challenger``'s APE is below ``incumbent``'s significantly in the rows ``ape``
    (one level x horizon): the paired difference averaged per origin is below zero by more
    than ``Z_ADMIT`` standard errors over at least ``MIN_ORIGINS`` origins."""
    rows = ape[ape["model"].isin([challenger, incumbent])]
    wide = rows.pivot_table(index=["area", "origin"], columns="model", values="ape").dropna()
    if wide.shape[1] < 2:
        return False
    d = (wide[challenger] - wide[incumbent]).groupby(level="origin").mean()
    return bool(len(d) >= MIN_ORIGINS and d.mean() + Z_ADMIT * d.std(ddof=1) / np.sqrt(len(d)) < 0)


def admitted(known: pd.DataFrame) -> set[tuple[str, int]]:
    """The level x horizon pairs at which the best ``TUNED`` candidate beats the best ``CORE``
    one significantly in the errors ``known`` (see the module docstring)."""
    if known.empty:
        return set()
    ape = known.assign(ape=100 * (known["forecast"] - known["actual"]).abs() / known["actual"])
    mape = ape.groupby(["level", "horizon", "model"])["ape"].mean()
    out = set()
    for (level, horizon), part in mape.groupby(level=["level", "horizon"]):
        part = part.droplevel(["level", "horizon"])
        core, tuned = part.reindex(list(CORE)).dropna(), part.reindex(list(TUNED)).dropna()
        if core.empty or tuned.empty or tuned.min() >= core.min():
            continue
        cell = ape[(ape["level"] == level) & (ape["horizon"] == horizon)]
        if _beats(cell, tuned.idxmin(), core.idxmin()):
            out.add((level, int(horizon)))
    return out


def _allowed(now: pd.DataFrame, passed: set[tuple[str, int]]) -> np.ndarray:
    """Rows of ``now`` that may be chosen: core candidates, and tuned ones where admitted."""
    pair = pd.Series(list(zip(now["level"], now["horizon"].astype(int), strict=True)), index=now.index)
    return (now["model"].isin(CORE) | (now["model"].isin(TUNED) & pair.isin(passed))).to_numpy()


def _best(now: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    """The row of lowest score per group (scored rows only)."""
    scored = now[np.isfinite(now["score"])]
    return scored.loc[scored.groupby(group)["score"].idxmin()]


def nested(cand: pd.DataFrame, origins: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the nested loop over ``origins`` (ascending; the last may be the base year with no
    outcomes). Returns (the candidate table with the nested combinations added, the chosen
    rows per origin: KEY, horizon, forecast, actual, choice, score, and top_low/top_high: the
    range of the three best-scored candidates' forecasts of the cell)."""
    cand = cand.copy()
    chosen = []
    cell = ["area", "level", "origin", "year", "horizon"]
    for origin in sorted(origins):
        known = cand[(cand["origin"] < origin) & (cand["year"] <= origin) & cand["actual"].notna()]
        table = scores(known)
        now = cand[cand["origin"] == origin].copy()
        if now.empty:
            continue
        now["score"] = lookup(now, *table)
        extra = []
        cohorts = now[now["model"].str.startswith("cohort")]
        tuned = _best(cohorts, cell)
        if len(tuned):
            extra.append(tuned.assign(model="cohort_tuned", forecast=tuned["forecast"]))
        top = now[np.isfinite(now["score"])].sort_values("score").groupby(cell).head(3)
        if len(top):
            w = 1 / top["score"].clip(lower=1e-6)
            top = top.assign(w=w, wf=w * top["forecast"])
            g = top.groupby(cell)
            weighted = (g["wf"].sum() / g["w"].sum()).rename("forecast").reset_index()
            weighted = weighted.merge(now.drop_duplicates(cell)[cell + ["actual"]], on=cell)
            spread = g["forecast"].agg(["min", "max"]).rename(columns={"min": "top_low", "max": "top_high"})
            extra.append(weighted.assign(model="weighted_top3"))
        if extra:
            added = pd.concat(extra, ignore_index=True)[cand.columns]
            cand = pd.concat([cand, added], ignore_index=True)
            added = added.assign(score=lookup(added, *table))
            now = pd.concat([now, added], ignore_index=True)
        best = _best(now[_allowed(now, admitted(known))], cell)
        fallback = now[(now["model"] == FALLBACK)].merge(best[cell], on=cell, how="left", indicator=True)
        fallback = fallback[fallback["_merge"] == "left_only"].drop(columns="_merge")
        picked = pd.concat([best, fallback], ignore_index=True)
        if len(top):
            picked = picked.merge(spread.reset_index(), on=cell, how="left")
        chosen.append(picked.rename(columns={"model": "choice"}))
    if not chosen:
        return cand, pd.DataFrame(columns=cell + ["forecast", "actual", "choice", "score", "top_low", "top_high"])
    out = pd.concat(chosen, ignore_index=True)
    for column in ("top_low", "top_high"):
        if column not in out:
            out[column] = np.nan
    return cand, out[cell + ["forecast", "actual", "choice", "score", "top_low", "top_high"]]
