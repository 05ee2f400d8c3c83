"""The baselines every model must beat to be used (``forecast backtest`` compares them all).

* ``last_value``: enrolment stays at its last observed value.
* ``ratio_mean``: the mean of the latest ``window`` cohort ratios (students / births of the
  level's cohorts) times the future cohorts.
* ``ratio_ses``: the ratios smoothed exponentially with ``alpha`` (0.4: the latest ratio
  weighs 0.4, the one before 0.24, ...) times the future cohorts.

Intervals: a log-normal random walk whose yearly step is the spread of the series' own
yearly log changes (of enrolment, or of the ratio), widening with sqrt(years ahead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from forecast.models.series import SeriesModel, walk_interval, yearly_log_sd


def _output(future: pd.DataFrame, mean: np.ndarray, log_sd: float, origin: int) -> pd.DataFrame:
    years = future["year"].to_numpy()
    p10, p90 = walk_interval(mean, log_sd, years - origin)
    return pd.DataFrame({"year": years, "mean": mean, "p10": p10, "p90": p90})


@dataclass
class LastValue(SeriesModel):
    name: ClassVar[str] = "last_value"
    uses_births: ClassVar[bool] = False

    def forecast_series(self, history: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
        last = float(history["students"].iloc[-1])
        sd = yearly_log_sd(history["year"].to_numpy(), history["students"].to_numpy(dtype=float))
        return _output(future, np.full(len(future), last), sd, int(history["year"].iloc[-1]))


class _RatioBaseline(SeriesModel):
    """Central cohort ratio (from ``central``) times the future cohorts."""

    def central(self, ratio: np.ndarray) -> float:
        raise NotImplementedError

    def forecast_series(self, history: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
        ratio = (history["students"] / history["cohort"]).to_numpy(dtype=float)
        sd = yearly_log_sd(history["year"].to_numpy(), ratio)
        return _output(future, self.central(ratio) * future["cohort"].to_numpy(dtype=float), sd,
                       int(history["year"].iloc[-1]))


@dataclass
class RatioMean(_RatioBaseline):
    window: int = 3
    name: ClassVar[str] = "ratio_mean"

    def central(self, ratio: np.ndarray) -> float:
        return float(ratio[-self.window:].mean())


@dataclass
class RatioSES(_RatioBaseline):
    alpha: float = 0.4
    name: ClassVar[str] = "ratio_ses"

    def central(self, ratio: np.ndarray) -> float:
        level = ratio[0]
        for value in ratio[1:]:
            level = self.alpha * value + (1 - self.alpha) * level
        return float(level)
