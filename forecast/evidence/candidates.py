"""Single forecasts as whole-panel models at one origin: the cohort flow with a drift
setting (one draw, no interval) and the last value and cohort-ratio baselines computed on
the whole panel at once. The evidence step uses them at the base year, with the run's births
scenario (``forecast.evidence.base.forecast_base``); its backtests use the same models on
a panel of every origin at once (``forecast.models.level_panel``, checked equal in
tests/models/test_level_panel.py).

A grid of drift windows, dampings and smoothing weights used to be chosen from here: on the
shipped panels, choosing freely among two dozen candidates lost out of sample (the winner's
curse), so the evidence step now chooses among a few candidates different in kind
(``forecast.evidence.choice``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from forecast.data.config import BirthsScenario, MigrationScenario, ModelSettings, Scenario
from forecast.data.dataset import Dataset
from forecast.models.registry import own_series_totals
from forecast.models.series import FORECAST_COLUMNS, Forecast


@dataclass
class CohortVariant:
    """The cohort flow with a drift setting, as a deterministic level-total model (the
    evidence step needs point forecasts; intervals come from the errors)."""

    settings: ModelSettings
    drift: bool = True
    name: ClassVar[str] = "cohort"

    def forecast(self, dataset: Dataset, until: int, births: BirthsScenario | None = None) -> Forecast:
        from forecast.models.projection import CohortFlow

        scenario = Scenario(births=births or BirthsScenario(),
                            migration=MigrationScenario(mode="estimated" if self.drift else "none"))
        try:
            frame = CohortFlow(self.settings).fit(dataset).project(until, scenario, draws=1, seed=1)
        except ValueError as exc:
            return Forecast(pd.DataFrame(columns=FORECAST_COLUMNS), [f"cohort: {exc}"])
        frame = own_series_totals(frame, dataset)
        return Forecast(frame.assign(model="cohort")[FORECAST_COLUMNS].reset_index(drop=True))


@dataclass
class PanelBaseline:
    """Last value and the cohort-ratio baselines computed on the whole panel at once (no
    per-series loop): ``kind`` is ``last``, ``mean`` (mean of the last ``window`` ratios)
    or ``ses`` (ratios smoothed with ``alpha``, started at the first ratio)."""

    kind: str
    window: int = 3
    alpha: float = 0.4

    def forecast(self, dataset: Dataset, until: int, births: BirthsScenario | None = None) -> Forecast:
        from forecast.models.series import level_panel

        key = ["area", "level"]
        if self.kind == "last":  # needs no births (and no cohort ages)
            # the base year's value: a level with no pupils then is not taught (as in the
            # cohort flow), not held at some older year's value
            totals = dataset.level_totals()
            totals = totals[(totals["year"] == dataset.base_year) & (totals["students"] > 0)]
            last = totals.groupby(key)["students"].last().rename("mean").reset_index()
            years = pd.DataFrame({"year": range(dataset.base_year + 1, until + 1)})
            frame = last.merge(years, how="cross").assign(model="last", p10=float("nan"), p90=float("nan"))
            return Forecast(frame[FORECAST_COLUMNS])
        history, future = level_panel(dataset, until, births)
        if history.empty or future.empty:
            return Forecast(pd.DataFrame(columns=FORECAST_COLUMNS))
        history = history.sort_values(key + ["year"])
        if self.kind in ("mean", "ses"):
            usable = history[history["cohort"] > 0]
            ratio = (usable["students"] / usable["cohort"]).rename("ratio")
            usable = usable.assign(ratio=ratio)
            if self.kind == "mean":
                central = usable.groupby(key).tail(self.window).groupby(key)["ratio"].mean()
            else:
                central = usable.groupby(key)["ratio"].apply(
                    lambda r: r.ewm(alpha=self.alpha, adjust=False).mean().iloc[-1])
            frame = future.merge(central.rename("value").reset_index(), on=key)
            frame["mean"] = frame["value"] * frame["cohort"]
        frame = frame[frame["mean"].notna()]
        frame = frame.assign(model=self.kind, p10=float("nan"), p90=float("nan"))
        return Forecast(frame[FORECAST_COLUMNS].reset_index(drop=True))
