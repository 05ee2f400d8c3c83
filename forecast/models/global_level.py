"""One model learnt from every area at once: the global model (Montero-Manso & Hyndman 2021).

A series of ten yearly totals says little about how its own ratios will move; a thousand
such series say a lot about how series *like it* move. For every area x level x year t
known at the origin and every horizon h with the total observed at t + h, one training pair:

    target    log r(t + h) - log r(t)       r = total / births of the level's cohorts
                                            (the total itself where births are unknown)
    features  the last yearly change of log r, its mean over three years, the change of
              the cohorts' births from t to t + h, the aging of the grades (the change if
              every pupil moved up h grades with entrants held; grade panels only), one
              column per level, log size, the recent changes times standardised log size
              (small areas move differently), and whether r is a ratio to births

A standardised ridge regression (scikit-learn) is fitted per horizon on every pair at once
(targets and recent changes limited to the 1st-99th percentile of the training pairs, so a
district that multiplied in a year does not steer the fit). The forecast is
r(origin) x exp(predicted change) x the cohorts ahead. Intervals come from the evidence
step (nested errors), not from the model.

``fit_predict`` works on a ``forecast.models.level_panel.LevelPanel`` at any origin (the
backtest fits it at every origin on the pairs known then); ``GlobalLevel`` is the same
model behind the registry's ``forecast(dataset, until, births)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge

from forecast.data.config import BirthsScenario
from forecast.data.dataset import Dataset
from forecast.models.level_panel import LevelPanel, build
from forecast.models.series import FORECAST_COLUMNS, Forecast, TooShortError

MIN_PAIRS = 20  # training pairs per horizon below which the model refuses that horizon
CLIP = 0.01  # targets and recent changes limited to this quantile and its complement
ALPHA = 1.0  # ridge penalty on standardised features


def _log_series(panel: LevelPanel, cohort: np.ndarray, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """(log r, ratio?) for columns < stop: log(total / cohort) where both are positive,
    else log(total) (own history); NaN where the total is not positive."""
    e = panel.students[:, :stop]
    with np.errstate(invalid="ignore", divide="ignore"):
        log_e = np.log(np.where(e > 0, e, np.nan))
        log_c = np.log(np.where(cohort > 0, cohort, np.nan))
    return log_e, log_c


def _changes(log_y: np.ndarray, col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Last yearly change and mean yearly change over three years at columns ``col`` (per row)."""
    rows = np.arange(len(log_y))
    now = log_y[rows, col]
    one = np.where(col >= 1, now - log_y[rows, np.maximum(col - 1, 0)], np.nan)
    three = np.where(col >= 3, (now - log_y[rows, np.maximum(col - 3, 0)]) / 3, np.nan)
    return one, np.where(np.isfinite(three), three, one)


@dataclass
class _Design:
    columns: list[np.ndarray]

    def matrix(self) -> np.ndarray:
        return np.column_stack([np.asarray(c, dtype=float) for c in self.columns])


def _features(panel: LevelPanel, levels: list[str], rows: np.ndarray, d1: np.ndarray,
              d3: np.ndarray, d_cohort: np.ndarray, aging: np.ndarray, log_size: np.ndarray,
              ratio: np.ndarray, size_ref: tuple[float, float]) -> np.ndarray:
    """The design matrix; a recent change that is unknown (the series' first year) is 0 with
    an indicator column."""
    z = (log_size - size_ref[0]) / size_ref[1]
    level = panel.levels[rows]
    onehot = [(level == lv).astype(float) for lv in levels]
    unknown = ~np.isfinite(d1)
    d1, d3 = np.where(unknown, 0.0, d1), np.where(np.isfinite(d3), d3, 0.0)
    columns = [d1, d3, unknown.astype(float), d_cohort, log_size, ratio.astype(float), d1 * z, d3 * z,
               *onehot, *(aging * o for o in onehot)]
    return _Design(columns).matrix()


def fit_predict(panel: LevelPanel, origin: int, horizon: int, cohort_now: np.ndarray,
                cohort_ahead: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Forecasts [series, h] (NaN where not forecast) at ``origin`` from the pairs known then,
    and the horizons refused for too few pairs. ``cohort_now``: the cohorts' births [series,
    year] for the panel's years up to the origin; ``cohort_ahead`` [series, h] as known then."""
    stop = min(panel.col(origin), len(panel.years) - 1) + 1
    n = len(panel.areas)
    out = np.full((n, horizon), np.nan)
    if stop < 2:
        return out, list(range(1, horizon + 1))
    log_e, log_c = _log_series(panel, cohort_now[:, :stop], stop)
    levels = sorted(set(panel.levels))
    refused = []
    base = stop - 1
    rows_all = np.arange(n)
    # the state at the origin (prediction rows)
    ratio_now = np.isfinite(log_c[:, base]) & np.all(cohort_ahead > 0, axis=1)
    log_y_now = np.where(ratio_now[:, None], log_e - log_c, log_e)
    d1_now, d3_now = _changes(log_y_now, np.full(n, base))
    trained = None
    for h in range(1, horizon + 1):
        t = np.arange(0, stop - h)  # pair start columns with t + h <= origin
        if not len(t):
            t = np.arange(0)
        s_idx, t_idx = np.meshgrid(rows_all, t, indexing="ij")
        s_idx, t_idx = s_idx.ravel(), t_idx.ravel()
        both = np.isfinite(log_c[s_idx, t_idx]) & np.isfinite(log_c[s_idx, t_idx + h])
        log_y = np.where(both, log_e[s_idx, t_idx] - log_c[s_idx, t_idx], log_e[s_idx, t_idx])
        log_y_ahead = np.where(both, log_e[s_idx, t_idx + h] - log_c[s_idx, t_idx + h],
                               log_e[s_idx, t_idx + h])
        target = log_y_ahead - log_y
        # recent changes in the pair's own mode (ratio where births are known)
        y_ratio = log_e - log_c
        d1_r, d3_r = _changes(y_ratio[s_idx], t_idx)
        d1_o, d3_o = _changes(log_e[s_idx], t_idx)
        d1 = np.where(both, d1_r, d1_o)
        d3 = np.where(both, d3_r, d3_o)
        d_cohort = np.where(both, log_c[s_idx, t_idx + h] - log_c[s_idx, t_idx], 0.0)
        aging = _aging(panel, s_idx, t_idx, h)
        keep = np.isfinite(target)
        if keep.sum() < MIN_PAIRS:
            if trained is None:
                refused.append(h)
                continue
            # too few pairs this far ahead: the longest trained horizon's change, extended
            # in proportion to the years (a drift)
            h_fit, model, lo_d, hi_d, lo_y, hi_y, size_ref = trained
            change = _predict(panel, levels, model, h_fit, rows_all, base, d1_now, d3_now, ratio_now,
                              log_c, log_e, cohort_ahead, lo_d, hi_d, lo_y, hi_y, size_ref) * h / h_fit
            _store(out, h, change, ratio_now, log_y_now, log_e, base, cohort_ahead)
            continue
        s_k, t_k = s_idx[keep], t_idx[keep]
        size = log_e[s_k, t_k]
        size_ref = (float(np.mean(size)), float(np.std(size)) or 1.0)
        lo_d, hi_d = _limits(np.concatenate([d1[keep], d3[keep]]))
        x = _features(panel, levels, s_k, np.clip(d1[keep], lo_d, hi_d), np.clip(d3[keep], lo_d, hi_d),
                      d_cohort[keep], aging[keep], size, both[keep], size_ref)
        y = target[keep]
        lo_y, hi_y = _limits(y)
        model = _fit(x, np.clip(y, lo_y, hi_y))
        trained = (h, model, lo_d, hi_d, lo_y, hi_y, size_ref)
        change = _predict(panel, levels, model, h, rows_all, base, d1_now, d3_now, ratio_now,
                          log_c, log_e, cohort_ahead, lo_d, hi_d, lo_y, hi_y, size_ref)
        _store(out, h, change, ratio_now, log_y_now, log_e, base, cohort_ahead)
    return out, refused


def _predict(panel: LevelPanel, levels: list[str], model, h: int, rows: np.ndarray, base: int,
             d1: np.ndarray, d3: np.ndarray, ratio: np.ndarray, log_c: np.ndarray, log_e: np.ndarray,
             cohort_ahead: np.ndarray, lo_d: float, hi_d: float, lo_y: float, hi_y: float,
             size_ref: tuple[float, float]) -> np.ndarray:
    """The predicted change of log r over ``h`` years from the origin's state."""
    with np.errstate(divide="ignore", invalid="ignore"):
        d_c = np.where(ratio, np.log(np.where(cohort_ahead[:, h - 1] > 0, cohort_ahead[:, h - 1], np.nan))
                       - log_c[:, base], 0.0)
    x = _features(panel, levels, rows, np.clip(d1, lo_d, hi_d), np.clip(d3, lo_d, hi_d),
                  np.nan_to_num(d_c), _aging(panel, rows, np.full(len(rows), base), h),
                  np.nan_to_num(log_e[:, base]), ratio, size_ref)
    return np.clip(model.predict(x), lo_y, hi_y)


def _store(out: np.ndarray, h: int, change: np.ndarray, ratio: np.ndarray, log_y: np.ndarray,
           log_e: np.ndarray, base: int, cohort_ahead: np.ndarray) -> None:
    """Forecasts at ``h`` of every series with a positive total at the origin."""
    now = np.isfinite(log_e[:, base])
    value = np.where(ratio, np.exp(log_y[:, base] + change) * cohort_ahead[:, h - 1],
                     np.exp(log_e[:, base] + change))
    out[now, h - 1] = value[now]


def _aging(panel: LevelPanel, s_idx: np.ndarray, t_idx: np.ndarray, h: int) -> np.ndarray:
    if panel.aging is None or panel.aging.shape[2] < h:
        return np.zeros(len(s_idx))
    return np.nan_to_num(panel.aging[s_idx, t_idx, h - 1])


def _limits(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if len(finite) < 100:
        return -np.inf, np.inf
    lo, hi = np.quantile(finite, [CLIP, 1 - CLIP])
    return float(lo), float(hi)


class _Standardised:
    """Ridge on standardised columns (constant columns left at zero)."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.mean = x.mean(axis=0)
        sd = x.std(axis=0)
        self.sd = np.where(sd > 0, sd, 1.0)
        self.model = Ridge(alpha=ALPHA).fit((x - self.mean) / self.sd, y)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.model.predict((x - self.mean) / self.sd)


def _fit(x: np.ndarray, y: np.ndarray) -> _Standardised:
    return _Standardised(x, y)


@dataclass
class GlobalLevel:
    """The global model behind ``forecast(dataset, until, births)`` (level totals)."""

    name: ClassVar[str] = "global"
    min_history: ClassVar[int] = MIN_PAIRS

    def forecast(self, dataset: Dataset, until: int, births: BirthsScenario | None = None) -> Forecast:
        horizon = until - dataset.base_year
        panel = build(dataset, horizon)
        cohort_now = panel.cohorts(dataset.base_year, panel.years)
        ahead = scenario_cohorts(dataset, panel, until, births)
        mean, refused = fit_predict(panel, dataset.base_year, horizon, cohort_now, ahead)
        if len(refused) == horizon:
            raise TooShortError(f"{self.name} needs at least {MIN_PAIRS} training pairs (area x level "
                                f"x year with the total observed h years later) across all areas; "
                                f"{dataset.name} up to {dataset.base_year} gives fewer")
        s, h = np.nonzero(np.isfinite(mean))
        frame = pd.DataFrame({"area": panel.areas[s], "level": panel.levels[s],
                              "year": dataset.base_year + h + 1, "model": self.name,
                              "mean": mean[s, h], "p10": np.nan, "p90": np.nan})
        return Forecast(frame[FORECAST_COLUMNS].reset_index(drop=True),
                        [f"{self.name}: {h} years ahead refused: too few training pairs" for h in refused])


def scenario_cohorts(dataset: Dataset, panel: LevelPanel, until: int,
                     births: BirthsScenario | None) -> np.ndarray:
    """Cohorts ahead [series, h] as known at the base year, under a births scenario."""
    return panel.cohorts(dataset.base_year, np.arange(dataset.base_year + 1, until + 1), births)
