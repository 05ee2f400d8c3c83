"""Damped-trend exponential smoothing (statsmodels ``ETSModel``, additive errors on logs).

``target="total"`` smooths log enrolment itself; ``target="ratio"`` smooths the log cohort
ratio (students / births of the level's cohorts) and multiplies the forecast ratio by the
future cohorts, so births drive the level and the smoothing carries the drift. The damped
trend flattens out instead of running on for ever, which suits ratios that move slowly.
Intervals are simulated: ``repetitions`` future paths from the fitted state, p10 and p90
of the simulated values.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from forecast.models.series import SeriesModel


@dataclass
class DampedETS(SeriesModel):
    target: str = "ratio"
    repetitions: int = 500
    seed: int = 1
    name: ClassVar[str] = "ets_damped"
    min_history: ClassVar[int] = 10  # five smoothing parameters and initial states
    consecutive: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if self.target not in ("total", "ratio"):
            raise ValueError(f"target must be 'total' or 'ratio', not {self.target!r}")
        self.name = f"ets_damped_{self.target}"  # shadows the class name per instance
        self.uses_births = self.target == "ratio"

    def forecast_series(self, history: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
        students = history["students"].to_numpy(dtype=float)
        base = students / history["cohort"].to_numpy(dtype=float) if self.target == "ratio" else students
        steps = int(future["year"].max() - history["year"].iloc[-1]) if len(future) else 0
        if steps <= 0:
            return pd.DataFrame(columns=["year", "mean", "p10", "p90"])
        with warnings.catch_warnings():  # short series often stop the optimiser early
            warnings.simplefilter("ignore")
            fit = ETSModel(np.log(base), error="add", trend="add", damped_trend=True).fit(disp=False)
            point = np.asarray(fit.forecast(steps))
            paths = np.asarray(fit.simulate(steps, anchor="end", repetitions=self.repetitions,
                                            rng=np.random.default_rng(self.seed))).reshape(steps, -1)
        lo, hi = np.quantile(paths, [0.1, 0.9], axis=1)
        ahead = (future["year"].to_numpy() - history["year"].iloc[-1] - 1).astype(int)
        scale = future["cohort"].to_numpy(dtype=float) if self.target == "ratio" else 1.0
        return pd.DataFrame({"year": future["year"].to_numpy(),
                             "mean": np.exp(point[ahead]) * scale,
                             "p10": np.exp(lo[ahead]) * scale, "p90": np.exp(hi[ahead]) * scale})
