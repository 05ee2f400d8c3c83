"""A pooled cross-area regression (scikit-learn ridge) of how cohort ratios move.

One series says little when it is short; many areas together say more. For every area x
level x year t with a ratio observed at t and t-1, and every horizon h with the ratio
observed at t+h, one training pair:

    target   log r(t+h) - log r(t)                  (r = students / births of the cohorts)
    features h, the last yearly change of log r, its mean change over three years,
             the change in log cohort births from t to t+h, the level, and any indicator
             named in ``indicator_features`` (e.g. housing completions) at t

A standardised ridge regression is fitted to all pairs at once. The forecast is
r(origin) x exp(predicted change) x future cohort. The 80 % interval comes from
out-of-sample residuals: the pairs are split into folds by year t (GroupKFold), each fold
predicted by a model fitted without it, and the 10th and 90th percentiles of those
residuals at each horizon give the band.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from forecast.data.config import BirthsScenario
from forecast.data.dataset import Dataset
from forecast.data.levels import LEVELS
from forecast.models.series import FORECAST_COLUMNS, Forecast, TooShortError, level_panel

MIN_RESIDUALS_PER_HORIZON = 5


@dataclass
class PooledRidge:
    alpha: float = 1.0
    indicator_features: tuple[str, ...] = ()
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    name: ClassVar[str] = "pooled_ridge"
    min_history: ClassVar[int] = 20  # training pairs across all areas and levels
    consecutive: ClassVar[bool] = True

    def forecast(self, dataset: Dataset, until: int, births: BirthsScenario | None = None) -> Forecast:
        """Fit on every area's history at once; forecast each series whose last two years
        are observed. ``TooShortError`` when the panel gives too few training pairs."""
        history, future = level_panel(dataset, until, births)
        horizon = until - dataset.base_year
        panel = self._ratio_panel(pd.concat([history, future], ignore_index=True))
        pairs = self._pairs(panel, horizon, dataset.base_year)
        if len(pairs) < self.min_history:
            raise TooShortError(
                f"{self.name} needs at least {self.min_history} training pairs (area x level x "
                f"year x horizon with consecutive observed ratios) across all areas; "
                f"{dataset.name} up to {dataset.base_year} gives {len(pairs)}. Use the cohort "
                "model or a baseline, or add areas or years.")
        features, y = self._features(pairs), pairs["target"].to_numpy()
        model = make_pipeline(StandardScaler(), Ridge(alpha=self.alpha)).fit(features, y)
        bands = self._residual_bands(features, y, pairs, horizon)
        starts = self._starts(panel, dataset.base_year, horizon)
        skipped = [f"{self.name}: {a} {lv} has no ratio for both {dataset.base_year - 1} and "
                   f"{dataset.base_year}; not forecast"
                   for a, lv in history[["area", "level"]].drop_duplicates().itertuples(index=False)
                   if (a, lv) not in set(zip(starts["area"], starts["level"], strict=True))]
        if starts.empty:
            return Forecast(pd.DataFrame(columns=FORECAST_COLUMNS), skipped)
        change = model.predict(self._features(starts))
        base = starts["log_ratio"].to_numpy() + np.log(starts["cohort_ahead"].to_numpy(dtype=float))
        lo = starts["h"].map(bands["p10"]).to_numpy()
        hi = starts["h"].map(bands["p90"]).to_numpy()
        frame = pd.DataFrame({"area": starts["area"], "level": starts["level"],
                              "year": dataset.base_year + starts["h"], "model": self.name,
                              "mean": np.exp(base + change), "p10": np.exp(base + change + lo),
                              "p90": np.exp(base + change + hi)})
        return Forecast(frame[FORECAST_COLUMNS].reset_index(drop=True), skipped)

    def _ratio_panel(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.sort_values(["area", "level", "year"]).copy()
        frame["log_ratio"] = np.log(frame["students"] / frame["cohort"])
        frame["log_cohort"] = np.log(frame["cohort"])
        for name in self.indicator_features:
            ind = self.indicators[self.indicators["indicator"] == name]
            values = ind.groupby(["area", "year"])["value"].mean()
            frame[name] = values.reindex(pd.MultiIndex.from_frame(frame[["area", "year"]])).to_numpy()
        return frame.set_index(["area", "level", "year"])

    def _state(self, panel: pd.DataFrame, t: pd.MultiIndex) -> pd.DataFrame:
        """Features known at year t for the rows of ``t`` (area, level, year)."""
        lr = panel["log_ratio"]
        now = lr.reindex(t).to_numpy()
        one = now - lr.reindex(_shift(t, -1)).to_numpy()
        three = (now - lr.reindex(_shift(t, -3)).to_numpy()) / 3
        out = pd.DataFrame({"log_ratio": now, "d1": one, "d3": np.where(np.isnan(three), one, three),
                            "log_cohort": panel["log_cohort"].reindex(t).to_numpy()})
        for name in self.indicator_features:
            out[name] = panel[name].reindex(t).to_numpy()
        return out

    def _pairs(self, panel: pd.DataFrame, horizon: int, origin: int) -> pd.DataFrame:
        observed = panel[panel["log_ratio"].notna() & (panel.index.get_level_values("year") <= origin)]
        t = observed.index
        state = self._state(panel, t)
        frames = []
        for h in range(1, horizon + 1):
            ahead = _shift(t, h)
            part = state.assign(area=t.get_level_values(0), level=t.get_level_values(1),
                                year=t.get_level_values(2), h=h,
                                target=panel["log_ratio"].reindex(ahead).to_numpy() - state["log_ratio"],
                                d_cohort=panel["log_cohort"].reindex(ahead).to_numpy() - state["log_cohort"])
            part = part[part["year"] + h <= origin]
            frames.append(part.dropna(subset=["target", "d1", "d_cohort", *self.indicator_features]))
        return pd.concat(frames, ignore_index=True)

    def _starts(self, panel: pd.DataFrame, origin: int, horizon: int) -> pd.DataFrame:
        series = panel.reset_index()[["area", "level"]].drop_duplicates()
        t = pd.MultiIndex.from_arrays([series["area"], series["level"], np.full(len(series), origin)])
        state = self._state(panel, t).assign(area=series["area"].to_numpy(), level=series["level"].to_numpy())
        state = state.dropna(subset=["log_ratio", "d1", *self.indicator_features])
        rows = []
        for h in range(1, horizon + 1):
            ahead = pd.MultiIndex.from_arrays([state["area"], state["level"], np.full(len(state), origin + h)])
            cohort = np.exp(panel["log_cohort"].reindex(ahead).to_numpy())
            rows.append(state.assign(h=h, cohort_ahead=cohort, d_cohort=np.log(cohort) - state["log_cohort"]))
        return pd.concat(rows, ignore_index=True).dropna(subset=["d_cohort"])

    def _features(self, frame: pd.DataFrame) -> np.ndarray:
        levels = [(frame["level"] == lv).to_numpy(dtype=float) for lv in LEVELS]
        columns = [frame["h"], frame["d1"], frame["d3"], frame["d_cohort"], *levels,
                   *(frame[n] for n in self.indicator_features)]
        return np.column_stack([np.asarray(c, dtype=float) for c in columns])

    def _residual_bands(self, features: np.ndarray, y: np.ndarray, pairs: pd.DataFrame,
                        horizon: int) -> pd.DataFrame:
        """10th and 90th percentiles of out-of-fold residuals by horizon (folds by year t);
        horizons with too few residuals scale the pooled band by sqrt(h / mean h)."""
        groups = pairs["year"].to_numpy()
        folds = min(5, len(np.unique(groups)))
        if folds >= 2:
            predicted = cross_val_predict(make_pipeline(StandardScaler(), Ridge(alpha=self.alpha)),
                                          features, y, groups=groups, cv=GroupKFold(n_splits=folds))
        else:  # one year only: in-sample residuals (narrower than they should be)
            predicted = make_pipeline(StandardScaler(), Ridge(alpha=self.alpha)).fit(features, y).predict(features)
        residual = pd.Series(y - predicted, index=pairs["h"].to_numpy())
        everything = residual.quantile([0.1, 0.9]).to_numpy()
        rows = {}
        for h in range(1, horizon + 1):
            own = residual[residual.index == h]
            rows[h] = own.quantile([0.1, 0.9]).to_numpy() if len(own) >= MIN_RESIDUALS_PER_HORIZON \
                else everything * np.sqrt(h / max(1.0, residual.index.to_numpy().mean()))
        return pd.DataFrame(rows, index=["p10", "p90"]).T


def _shift(index: pd.MultiIndex, years: int) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([index.get_level_values(0), index.get_level_values(1),
                                      index.get_level_values(2) + years])
