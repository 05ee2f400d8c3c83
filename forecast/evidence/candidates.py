"""The candidate forecasts the evidence step chooses among, and their hyper-parameter grid.

Every candidate is a level-total model fitted on the whole panel at once (the cohort flow and
the ratio baselines are vectorised over areas). The grid replaces what used to be judgement:

- cohort flow: no drift, or the drift estimated over the last 2, 3 or 5 years and kept at a
  share of 0.5, 0.8 or 1 each further year (a kept share of 0 is the no-drift candidate);
- ratio baselines: mean of the last 2, 3 or 5 cohort ratios; ratios smoothed with alpha 0.2,
  0.4 or 0.6;
- last value; the driver regression, the damped ETS models and the pooled ridge.

Series-by-series statsmodels fits (regression, ETS) cost a Python loop per series, so on
panels of more than ``PER_SERIES_LIMIT`` series they are left out (and the run says so).
Combinations of candidates are formed from their forecasts in ``forecast.evidence.combine``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from forecast.data.config import BirthsScenario, MigrationScenario, ModelSettings, Scenario
from forecast.data.dataset import Dataset
from forecast.models.registry import build, own_series_totals, run_model
from forecast.models.series import FORECAST_COLUMNS, Forecast

DRIFT_WINDOWS = (2, 3, 5)
DRIFT_KEPT = (0.5, 0.8, 1.0)
RATIO_WINDOWS = (2, 3, 5)
SES_ALPHAS = (0.2, 0.4, 0.6)
PER_SERIES = ("ols_births_trend", "ets_damped_total", "ets_damped_ratio")
PER_SERIES_LIMIT = 20  # series (area x level) above which per-series fits are left out
LARGE_PANEL = 200  # series above which the grid is reduced to LARGE_GRID (cost)
LARGE_GRID = ("cohort", "cohort_nodrift", "cohort_w3_k0.5", "cohort_w5_k1", "last_value",
              "ratio_mean_w3", "ratio_mean_w5")
FALLBACK = "cohort"  # the config's own cohort flow: used where no candidate has evidence yet


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


def candidate_names(dataset: Dataset, settings: ModelSettings | None = None) -> tuple[list[str], list[str]]:
    """(names, notes): every candidate for this dataset; notes say what was left out and why."""
    names = ["cohort", "cohort_nodrift"]
    names += [f"cohort_w{w}_k{k:g}" for w in DRIFT_WINDOWS for k in DRIFT_KEPT]
    names += ["last_value"]
    notes = []
    series = len(dataset.level_totals()[["area", "level"]].drop_duplicates())
    if series > LARGE_PANEL:
        names = [n for n in names if n in LARGE_GRID]
    if dataset.births.empty:
        notes.append(f"{dataset.name} has no births: the candidates are the cohort flow's drift "
                     "settings and the last value (ratio and regression models need births)")
        return names, notes
    names += [f"ratio_mean_w{w}" for w in RATIO_WINDOWS]
    if series > LARGE_PANEL:
        names = [n for n in names if n in LARGE_GRID]
        notes.append(f"{series} area x level series: a reduced grid ({', '.join(names)}) keeps the "
                     "evidence step within about three times the cohort flow's cost; the SES ratios "
                     "and the pooled ridge are left out")
        return names, notes
    names += [f"ratio_ses_a{a:g}" for a in SES_ALPHAS] + ["pooled_ridge"]
    if series <= PER_SERIES_LIMIT:
        names += list(PER_SERIES)
    else:
        notes.append(f"{series} area x level series: the per-series models ({', '.join(PER_SERIES)}) "
                     f"are left out of the evidence step above {PER_SERIES_LIMIT} series (cost)")
    return names, notes


def make(name: str, dataset: Dataset, settings: ModelSettings | None = None, seed: int = 1):
    """The candidate called ``name`` (ValueError for an unknown one)."""
    settings = settings or ModelSettings()
    if name == "cohort":
        return CohortVariant(settings)
    if name == "cohort_nodrift":
        return CohortVariant(settings, drift=False)
    if name.startswith("cohort_w"):
        window, kept = name.removeprefix("cohort_w").split("_k")
        return CohortVariant(settings.model_copy(update={"migration_window": int(window),
                                                         "migration_damping": float(kept)}))
    if name == "last_value":
        return PanelBaseline("last")
    if name.startswith("ratio_mean_w"):
        return PanelBaseline("mean", window=int(name.removeprefix("ratio_mean_w")))
    if name.startswith("ratio_ses_a"):
        return PanelBaseline("ses", alpha=float(name.removeprefix("ratio_ses_a")))
    return build(name, dataset, settings, seed, draws=1)


def forecast_all(names: list[str], dataset: Dataset, until: int, births: BirthsScenario | None = None,
                 settings: ModelSettings | None = None, seed: int = 1) -> tuple[pd.DataFrame, list[str]]:
    """Point forecasts (area, level, year, model, mean) of every candidate, and refusals."""
    frames, skipped = [], []
    for name in names:
        result = run_model(make(name, dataset, settings, seed), dataset, until, births)
        skipped += result.skipped
        if len(result.frame):
            frames.append(result.frame[["area", "level", "year", "mean"]].assign(model=name))
    if not frames:
        return pd.DataFrame(columns=["area", "level", "year", "mean", "model"]), skipped
    return pd.concat(frames, ignore_index=True), skipped


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
