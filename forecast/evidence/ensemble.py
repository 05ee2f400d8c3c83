"""The ``auto`` model: combine the models the backtest says are worth using.

Per level, from a rolling-origin backtest (``forecast.evidence.backtest``):

1. **Eligible** models beat every baseline: their mean absolute percentage error is lower
   than each baseline's on the forecasts both made (same area, origin and year), over at
   least ``MIN_CELLS`` of them. While no model has that much evidence the level keeps the
   cohort flow (no evidence is not evidence against it).
2. **Weights** are inverse MAPE, measured on the cells every eligible model forecast (on
   each model's own cells when they share too few). Models tested and none eligible: the
   best baseline alone (weight 1).
3. **Calibration**: the combined interval (weighted p10 and p90) is widened or narrowed by
   one factor k per level, the one whose backtest coverage of outcomes is closest to 80 %:
   p10' = mean - k (mean - p10), p90' = mean + k (p90 - mean).

A run with ``--model auto`` replaces each level total by the combination and rescales the
grade rows and parent areas by the same ratio to the cohort flow, so grades still add up
to levels and areas to their parents. ``p_shortfall`` is then read from a log-normal
through the new p10/p50/p90 (there are no draws of a combination).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

from forecast.data.config import BirthsScenario, ModelSettings
from forecast.data.dataset import Dataset, areas_below
from forecast.evidence.backtest import Backtest
from forecast.models.registry import BASELINES, build, run_model
from forecast.models.series import Z80

MIN_CELLS = 10  # backtest forecasts (e.g. two origins x five years ahead) before accuracy counts
MIN_CALIBRATION_CELLS = 10
TARGET_COVERAGE = 0.8
FACTORS = np.round(np.arange(0.2, 6.0001, 0.02), 2)
KEYS = ["area", "origin", "year"]


@dataclass
class Ensemble:
    weights: pd.DataFrame  # level, model, weight, mape, cells
    calibration: pd.DataFrame  # level, factor, coverage_before, coverage_after, cells
    notes: list[str] = field(default_factory=list)

    def describe(self) -> dict:
        """Models, weights and calibration per level, for run.json and the report."""
        out = {}
        for level, part in self.weights.groupby("level", sort=False):
            cal = self.calibration[self.calibration["level"] == level]
            out[level] = {
                "models": {r.model: round(float(r.weight), 4) for r in part.itertuples()},
                "backtest_mape": {r.model: round(float(r.mape), 3) for r in part.itertuples()},
                "interval_factor": float(cal["factor"].iloc[0]) if len(cal) else 1.0,
                "coverage_before": _round(cal["coverage_before"].iloc[0]) if len(cal) else None,
                "coverage_after": _round(cal["coverage_after"].iloc[0]) if len(cal) else None,
                "calibration_cells": int(cal["cells"].iloc[0]) if len(cal) else 0,
            }
        return out

    def forecast(self, dataset: Dataset, until: int, births: BirthsScenario | None = None,
                 settings: ModelSettings | None = None, seed: int = 1, draws: int = 200,
                 given: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
        """The combination's level totals (area, level, year, model, mean, p10, p90).
        ``given``: member forecasts already computed (e.g. the run's cohort flow)."""
        given = given or {}
        frames = []
        for name in self.weights["model"].unique():
            frame = given.get(name)
            if frame is None:
                frame = run_model(build(name, dataset, settings, seed, draws), dataset, until, births).frame
            frames.append(frame.assign(model=name))
        members = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        if members.empty:
            return pd.DataFrame(columns=["area", "level", "year", "model", "mean", "p10", "p90"])
        combined = combine(members, self.weights, ["area", "level", "year"])
        return calibrate_intervals(combined, self.calibration).assign(model="auto")


def _round(value) -> float | None:
    return None if pd.isna(value) else round(float(value), 3)


def build_ensemble(backtest: Backtest) -> Ensemble:
    """Weights and interval factors per level from a backtest's table."""
    table = backtest.table
    weights, calibration, notes = [], [], []
    for level, part in table.groupby("level", sort=False):
        chosen, note = _weights(part)
        notes.append(f"{level}: {note}")
        if chosen.empty:
            continue
        weights.append(chosen.assign(level=level))
        cells = combine(part[part["model"].isin(chosen["model"])], chosen.assign(level=level), KEYS + ["level"])
        calibration.append(_calibration(cells, level))
    w = pd.concat(weights, ignore_index=True) if weights else pd.DataFrame(
        columns=["level", "model", "weight", "mape", "cells"])
    c = pd.DataFrame(calibration, columns=["level", "factor", "coverage_before", "coverage_after", "cells"])
    return Ensemble(w[["level", "model", "weight", "mape", "cells"]], c, notes)


def honest_auto(backtest: Backtest) -> pd.DataFrame:
    """Backtest rows (model ``auto``) of the ensemble as it would have been built at each
    origin: weights and interval factor from the forecasts whose outcome was known by then
    (year <= origin), applied to that origin's forecasts. Levels without evidence yet keep
    the cohort flow. This is the out-of-sample accuracy of ``--model auto`` itself."""
    table = backtest.table
    keys = ["area", "level", "origin", "year"]
    rows = []
    for origin in backtest.origins:
        evidence = build_ensemble(Backtest(table[table["year"] <= origin], backtest.origins, backtest.horizon))
        now = table[table["origin"] == origin]
        for level, part in now.groupby("level"):
            weights = evidence.weights[evidence.weights["level"] == level]
            if weights.empty:
                cells = part[part["model"] == "cohort"].rename(columns={"forecast": "mean"})
            else:
                cells = calibrate_intervals(combine(part, weights, keys), evidence.calibration)
            rows.append(cells[keys + ["mean", "p10", "p90", "actual"]])
    if not rows:
        return table.iloc[:0]
    out = pd.concat(rows, ignore_index=True).rename(columns={"mean": "forecast"})
    out = out.assign(model="auto", horizon=out["year"] - out["origin"],
                     error=out["forecast"] - out["actual"])
    out["ape"] = 100 * out["error"].abs() / out["actual"]
    return out[table.columns]


def _weights(part: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Eligible models and their inverse-MAPE weights for one level (see the module doc)."""
    ape = part.pivot_table(index=KEYS, columns="model", values="ape")
    counts = ape.notna().sum()

    def score(frame: pd.DataFrame) -> pd.Series:  # every horizon counts the same
        ahead = frame.index.get_level_values("year") - frame.index.get_level_values("origin")
        return frame.groupby(ahead).mean().mean()

    baselines = [b for b in BASELINES if b in ape and counts[b] >= MIN_CELLS]
    candidates = [m for m in ape if m not in BASELINES and counts[m] >= MIN_CELLS]
    eligible = []
    for model in candidates:
        beats = True
        for base in baselines:
            both = ape[[model, base]].dropna()
            if len(both) < MIN_CELLS or score(both)[model] >= score(both)[base]:
                beats = False
                break
        if beats:
            eligible.append(model)
    if not eligible:
        if not candidates or not baselines:  # no evidence against the cohort flow: keep it
            return pd.DataFrame(), "too little backtest evidence; the cohort flow is kept"
        best = min(baselines, key=lambda b: score(ape[[b]].dropna())[b])
        row = pd.DataFrame({"model": [best], "weight": [1.0], "mape": [score(ape[[best]].dropna())[best]],
                            "cells": [int(counts[best])]})
        return row, f"no model beats every baseline; {best} is used alone"
    common = ape[eligible].dropna()
    scores = score(common) if len(common) >= MIN_CELLS else \
        pd.Series({m: score(ape[[m]].dropna())[m] for m in eligible})
    inverse = 1 / scores.clip(lower=1e-6)
    weights = inverse / inverse.sum()
    frame = pd.DataFrame({"model": eligible, "weight": weights[eligible].to_numpy(),
                          "mape": scores[eligible].to_numpy(),
                          "cells": [int(counts[m]) for m in eligible]})
    frame = frame.sort_values("weight", ascending=False).reset_index(drop=True)
    return frame, "inverse-MAPE weights over " + ", ".join(
        f"{r.model} {r.weight:.2f}" for r in frame.itertuples())


def combine(members: pd.DataFrame, weights: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Weighted mean, p10 and p90 per cell, weights renormalised over the members present
    (for the interval: over the members that have one). Keeps ``actual`` when present."""
    value = "forecast" if "forecast" in members else "mean"
    members = members.astype({value: float, "p10": float, "p90": float})
    w = members.merge(weights[["level", "model", "weight"]], on=["level", "model"])
    w = w.assign(wm=w["weight"] * w[value],
                 wi=w["weight"].where(w["p10"].notna() & w["p90"].notna(), 0.0))
    w = w.assign(w10=w["wi"] * w["p10"].fillna(0), w90=w["wi"] * w["p90"].fillna(0))
    g = w.groupby(keys)
    out = pd.DataFrame({"mean": g["wm"].sum() / g["weight"].sum()})
    interval = g["wi"].sum().replace(0, np.nan)
    out["p10"] = g["w10"].sum() / interval
    out["p90"] = g["w90"].sum() / interval
    if "actual" in members:
        out["actual"] = g["actual"].first()
    return out.reset_index()


def _coverage(cells: pd.DataFrame, factor: float) -> float:
    low = cells["mean"] - factor * (cells["mean"] - cells["p10"])
    high = cells["mean"] + factor * (cells["p90"] - cells["mean"])
    return float(((low <= cells["actual"]) & (cells["actual"] <= high)).mean())


def _calibration(cells: pd.DataFrame, level: str) -> dict:
    """The factor whose backtest coverage is closest to 80 % (the smallest among ties)."""
    cells = cells.dropna(subset=["p10", "p90", "actual"])
    before = _coverage(cells, 1.0) if len(cells) else np.nan
    if len(cells) < MIN_CALIBRATION_CELLS:
        return {"level": level, "factor": 1.0, "coverage_before": before, "coverage_after": before,
                "cells": len(cells)}
    gaps = np.array([abs(_coverage(cells, k) - TARGET_COVERAGE) for k in FACTORS])
    factor = float(FACTORS[int(np.argmin(gaps))])
    return {"level": level, "factor": factor, "coverage_before": before,
            "coverage_after": _coverage(cells, factor), "cells": len(cells)}


def calibrate_intervals(frame: pd.DataFrame, calibration: pd.DataFrame) -> pd.DataFrame:
    """Scale each level's interval around the mean by its factor (1 where none)."""
    factor = frame["level"].map(calibration.set_index("level")["factor"]).fillna(1.0)
    return frame.assign(p10=(frame["mean"] - factor * (frame["mean"] - frame["p10"])).clip(lower=0),
                        p90=frame["mean"] + factor * (frame["p90"] - frame["mean"]))


def apply_to_projection(projections: pd.DataFrame, combined: pd.DataFrame, dataset: Dataset,
                        scenario: str, seats: pd.Series | None = None, label: str = "auto") -> pd.DataFrame:
    """Replace the cohort flow's level totals of ``scenario`` by the combination; rescale
    its grade rows and parent areas by the same ratio (see the module doc); ``label``
    names the model in the rows."""
    key = ["area", "level", "year"]
    proj = projections.copy()
    mine = (proj["scenario"] == scenario).to_numpy()
    totals = proj[mine & (proj["grade"] == "").to_numpy()]
    factor = _factors(totals, combined, dataset)
    f = factor.reindex(pd.MultiIndex.from_frame(proj[key])).to_numpy(dtype=float)
    scaled = mine & ~np.isnan(f)
    for column in ("mean", "p10", "p50", "p90"):
        proj.loc[scaled, column] = proj.loc[scaled, column].to_numpy() * f[scaled]
    own = combined.set_index(key).reindex(factor.index)  # the areas the combination forecast
    own = own[own["mean"].notna() & factor.notna().to_numpy()]
    rows = scaled & (proj["grade"] == "").to_numpy()
    cells = pd.MultiIndex.from_frame(proj.loc[rows, key])
    for column in ("p10", "p90"):
        replacement = own[column].reindex(cells).to_numpy(dtype=float)
        proj.loc[rows, column] = np.where(np.isnan(replacement), proj.loc[rows, column], replacement)
    proj.loc[scaled, "model"] = label
    if seats is not None and "p_shortfall" in proj:
        limit = seats.reindex(cells).to_numpy(dtype=float)
        proj.loc[rows, "p_shortfall"] = lognormal_exceedance(
            *(proj.loc[rows, c].to_numpy() for c in ("p50", "p10", "p90")), limit)
    return proj


def _factors(totals: pd.DataFrame, combined: pd.DataFrame, dataset: Dataset) -> pd.Series:
    """Combined / cohort mean per area x level x year: for the areas the cohort flow
    projects from their own series, then for each parent from its children's sums."""
    key = ["area", "level", "year"]
    merged = totals[key + ["mean"]].merge(combined[key + ["mean"]], on=key, how="left",
                                          suffixes=("", "_auto"))
    below = {p: c for p, c in areas_below(dataset.areas).items()
             if set(c) & set(merged["area"]) - {p}}
    parents = merged["area"].isin(below)
    merged.loc[parents, "mean_auto"] = np.nan  # parents follow their children (bottom-up)
    leaves = merged[~parents].assign(value=merged["mean_auto"].fillna(merged["mean"]))
    for parent, children in below.items():
        part = leaves[leaves["area"].isin([c for c in children if c not in below])]
        sums = part.groupby(["level", "year"])[["value", "mean"]].sum()
        rows = merged["area"] == parent
        cells = pd.MultiIndex.from_frame(merged.loc[rows, ["level", "year"]])
        ratio = (sums["value"] / sums["mean"]).reindex(cells).to_numpy()
        merged.loc[rows, "mean_auto"] = merged.loc[rows, "mean"].to_numpy() * ratio
    merged["factor"] = merged["mean_auto"] / merged["mean"]
    return merged.set_index(key)["factor"]


def lognormal_exceedance(p50: np.ndarray, p10: np.ndarray, p90: np.ndarray,
                         limit: np.ndarray) -> np.ndarray:
    """P(demand > limit) for a log-normal with median p50 and 80 % interval p10-p90 (the
    interval's log width sets the spread); NaN where the limit is unknown."""
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.log(np.maximum(p90, 1e-9) / np.maximum(p10, 1e-9)) / (2 * Z80)
        z = np.log(np.maximum(limit, 1e-9) / np.maximum(p50, 1e-9)) / np.where(sigma > 0, sigma, np.nan)
        above = np.where(sigma > 0, norm.sf(z), (p50 > limit).astype(float))
    return np.where(np.isnan(limit), np.nan, above)
