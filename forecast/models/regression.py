"""Regression of level totals on their drivers (statsmodels OLS).

    log(students_t) = a + b log(cohort_t) + c (t - origin) [+ d covariate_t ...] + e_t

``cohort_t`` is the births of the cohorts the level serves in year t, so ``b`` near 1 means
enrolment follows births one for one and ``c`` is the yearly drift of the enrolment ratio
(participation and migration). Optional covariates (e.g. urbanisation) come from
``indicators.csv`` rows for the area (level ``all``) and are held at their last value.
The 80 % interval is the regression's prediction interval for a new observation
(``get_prediction(...).summary_frame(alpha=0.2)``, ``obs_ci_lower/upper``) taken back
from logs; it covers parameter and residual uncertainty, not the uncertainty of future
births, which are given.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
import statsmodels.api as sm

from forecast.models.series import SeriesModel


@dataclass
class DriverRegression(SeriesModel):
    covariates: tuple[str, ...] = ()
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    name: ClassVar[str] = "ols_births_trend"
    min_history: ClassVar[int] = 6  # 3 coefficients and at least 3 residual degrees of freedom

    def forecast_series(self, history: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
        origin = int(history["year"].iloc[-1])
        history = self._with_covariates(history, origin)
        future = self._with_covariates(future, origin)
        y = np.log(history["students"].to_numpy(dtype=float))
        fit = sm.OLS(y, self._design(history, origin)).fit()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # perfect fits give zero residual spread
            frame = fit.get_prediction(self._design(future, origin)).summary_frame(alpha=0.2)
        return pd.DataFrame({"year": future["year"].to_numpy(),
                             "mean": np.exp(frame["mean"].to_numpy()),
                             "p10": np.exp(frame["obs_ci_lower"].to_numpy()),
                             "p90": np.exp(frame["obs_ci_upper"].to_numpy())})

    def _design(self, frame: pd.DataFrame, origin: int) -> np.ndarray:
        columns = [np.ones(len(frame)), np.log(frame["cohort"].to_numpy(dtype=float)),
                   frame["year"].to_numpy(dtype=float) - origin]
        columns += [frame[c].to_numpy(dtype=float) for c in self.covariates]
        return np.column_stack(columns)

    def _with_covariates(self, frame: pd.DataFrame, origin: int) -> pd.DataFrame:
        """Add each covariate by year (the area's own rows, else the first area's), held at
        its last value up to ``origin`` after that."""
        if not self.covariates:
            return frame
        out = frame.copy()
        ind = self.indicators
        for name in self.covariates:
            rows = ind[(ind["indicator"] == name) & (ind["year"] <= origin)]
            if rows.empty:
                from forecast.data.config import ConfigError

                raise ConfigError(f"covariate '{name}' is not in indicators.csv up to {origin}")
            series = rows.groupby("year")["value"].mean().sort_index()
            years = np.arange(int(series.index.min()), int(out["year"].max()) + 1)
            out[name] = series.reindex(years).ffill().reindex(out["year"]).to_numpy()
            if out[name].isna().any():
                from forecast.data.config import ConfigError

                raise ConfigError(f"covariate '{name}' has no value for some years of the series")
        return out
