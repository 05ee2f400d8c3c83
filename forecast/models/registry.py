"""Every level-total model by name, so backtests, the ensemble and the CLI share one list.

Each entry forecasts with ``forecast(dataset, until, births=None) -> Forecast``. The cohort
flow takes part through ``CohortTotals``: its level totals and Monte Carlo p10/p90.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from forecast.data.config import BirthsScenario, ModelSettings, Scenario
from forecast.data.dataset import Dataset
from forecast.models.baselines import LastValue, RatioMean, RatioSES
from forecast.models.pooled import PooledRidge
from forecast.models.regression import DriverRegression
from forecast.models.series import FORECAST_COLUMNS, Forecast, TooShortError
from forecast.models.smoothing import DampedETS

BASELINES = ("last_value", "ratio_mean", "ratio_ses")
MODELS = ("cohort", "ols_births_trend", "ets_damped_total", "ets_damped_ratio", "pooled_ridge")
ALL = MODELS + BASELINES


@dataclass
class CohortTotals:
    """The cohort flow (grade flow where grades exist, level totals otherwise) as a
    level-total model: mean and p10/p90 of ``draws`` Monte Carlo paths."""

    settings: ModelSettings
    draws: int = 200
    seed: int = 1
    name: ClassVar[str] = "cohort"
    min_history: ClassVar[int] = 1

    def forecast(self, dataset: Dataset, until: int, births: BirthsScenario | None = None) -> Forecast:
        from forecast.models.projection import CohortFlow

        scenario = Scenario(births=births) if births is not None else None
        try:
            frame = CohortFlow(self.settings).fit(dataset).project(
                until, scenario, draws=self.draws, seed=self.seed)
        except ValueError as exc:
            return Forecast(pd.DataFrame(columns=FORECAST_COLUMNS), [f"cohort: {exc}"])
        frame = own_series_totals(frame, dataset)
        return Forecast(frame.assign(model=self.name)[FORECAST_COLUMNS].reset_index(drop=True))


def own_series_totals(projection: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """The level-total rows of a projection for the area x levels with observed enrolment
    (the series the other models forecast; parents summed from children are left out)."""
    observed = dataset.level_totals()[["area", "level"]].drop_duplicates()
    return projection[projection["grade"] == ""].merge(observed, on=["area", "level"])


def build(name: str, dataset: Dataset, settings: ModelSettings | None = None, seed: int = 1,
          draws: int = 200):
    """The model called ``name`` with the run's settings (ValueError for an unknown name);
    ``draws``: Monte Carlo paths for the cohort model's interval."""
    settings = settings or ModelSettings()
    indicators = dataset.table("indicators")
    factories = {
        "cohort": lambda: CohortTotals(settings, draws=draws, seed=seed),
        "ols_births_trend": lambda: DriverRegression(tuple(settings.covariates), indicators),
        "ets_damped_total": lambda: DampedETS("total", seed=seed),
        "ets_damped_ratio": lambda: DampedETS("ratio", seed=seed),
        "pooled_ridge": lambda: PooledRidge(indicator_features=tuple(settings.pooled_features),
                                            indicators=indicators),
        # baselines keep their textbook settings whatever the run's cohort settings are
        "last_value": LastValue,
        "ratio_mean": lambda: RatioMean(window=3),
        "ratio_ses": lambda: RatioSES(alpha=0.4),
    }
    if name not in factories:
        from forecast.common.errors import OptionError

        raise OptionError(f"unknown model '{name}'; use one of {', '.join(ALL)}")
    return factories[name]()


def run_model(model, dataset: Dataset, until: int, births: BirthsScenario | None = None) -> Forecast:
    """``model.forecast`` with a panel-wide refusal (too little history) turned into a skip."""
    try:
        return model.forecast(dataset, until, births)
    except TooShortError as exc:
        return Forecast(pd.DataFrame(columns=FORECAST_COLUMNS), [str(exc)])
