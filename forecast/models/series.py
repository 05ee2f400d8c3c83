"""What every level-total model shares: the panel it reads, the history it needs, its output.

A level-total model sees, for each area x level with its own observed enrolment, the
history up to the base year (``students`` and ``cohort``: the births of the cohorts the
level serves that year) and the future cohorts (births known, or held at the last observed
value and varied by the scenario, as in the cohort flow). It returns a forecast frame
``area, level, year, model, mean, p10, p90`` and the series it refused, with the reason.

Each model declares ``min_history``: the fewest observed years (``consecutive`` when it
needs a regular series) it accepts. A shorter series is refused with ``TooShortError``,
whose message says what the model needs and what the series has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.stats import norm

from forecast.data.births import BirthSchedule
from forecast.data.config import BirthsScenario
from forecast.data.dataset import Dataset, year_ranges
from forecast.data.system import SchoolSystem

FORECAST_COLUMNS = ["area", "level", "year", "model", "mean", "p10", "p90"]
Z80 = float(norm.ppf(0.9))  # half-width of an 80 % normal interval in standard deviations


class TooShortError(ValueError):
    """A series shorter than the model's declared minimum history."""


@dataclass
class Forecast:
    """A model's forecasts and the series it refused (one message each)."""

    frame: pd.DataFrame
    skipped: list[str] = field(default_factory=list)


def level_panel(dataset: Dataset, until: int,
                births: BirthsScenario | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """History (area, level, year, students, cohort) up to the base year and future
    (area, level, year, cohort) for base year + 1 .. until, for every area x level with
    observed totals. The history's cohorts are the observed births; the future's follow
    ``births`` (held at the last observed value by default), so a scenario changes what is
    projected, never what a model is fitted to."""
    totals = dataset.level_totals()
    totals = totals[(totals["year"] <= dataset.base_year) & (totals["students"] > 0)]
    if totals.empty:
        empty = pd.DataFrame(columns=["area", "level", "year", "students", "cohort"])
        return empty, empty.drop(columns="students")
    areas = sorted(totals["area"].unique())
    first = int(totals["year"].min()) - max(max(dataset.system.ages(lv)) for lv in totals["level"].unique())
    last = max(until, dataset.base_year)
    past = _cohorts(BirthSchedule(dataset.births, areas, first, last), totals,
                    np.arange(int(totals["year"].min()), dataset.base_year + 1), dataset.system)
    ahead = _cohorts(BirthSchedule(dataset.births, areas, first, last, births), totals,
                     np.arange(dataset.base_year + 1, until + 1), dataset.system)
    history = totals.merge(past, on=["area", "level", "year"], how="left")
    future = ahead.merge(history[["area", "level"]].drop_duplicates(), on=["area", "level"])
    return history.reset_index(drop=True), future.reset_index(drop=True)


def _cohorts(schedule: BirthSchedule, totals: pd.DataFrame, years: np.ndarray,
             system: SchoolSystem) -> pd.DataFrame:
    """Births of each level's cohorts (area, level, year, cohort); NaN where unknown."""
    rows = []
    for level in totals["level"].unique():
        idx = np.array([[schedule.index(t - a) for a in system.ages(level)] for t in years]).reshape(len(years), -1)
        cohort = schedule.central[:, idx].sum(axis=2)  # [area, year]
        rows.append(pd.DataFrame({"area": np.repeat(schedule.areas, len(years)), "level": level,
                                  "year": np.tile(years, len(schedule.areas)), "cohort": cohort.reshape(-1)}))
    return pd.concat(rows, ignore_index=True)


class SeriesModel:
    """A model fitted to one area x level series at a time.

    Subclasses set ``name``, ``min_history``, ``consecutive`` and ``uses_births``, and
    implement ``forecast_series(history, future) -> frame(year, mean, p10, p90)``.
    """

    name: ClassVar[str] = ""
    min_history: ClassVar[int] = 1
    consecutive: ClassVar[bool] = False
    uses_births: ClassVar[bool] = True

    def forecast(self, dataset: Dataset, until: int, births: BirthsScenario | None = None) -> Forecast:
        """Forecasts for every series the model accepts; refusals are listed, not raised."""
        history, future = level_panel(dataset, until, births)
        frames, skipped = [], []
        futures = dict(iter(future.groupby(["area", "level"])))
        for (area, level), series in history.groupby(["area", "level"], sort=True):
            try:
                usable = self.usable_history(series, area, level)
                part = self.forecast_series(usable, futures.get((area, level), future.iloc[:0]))
            except TooShortError as exc:
                skipped.append(str(exc))
                continue
            frames.append(part.assign(area=area, level=level, model=self.name))
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=FORECAST_COLUMNS)
        return Forecast(frame[FORECAST_COLUMNS], skipped)

    def usable_history(self, series: pd.DataFrame, area: str, level: str) -> pd.DataFrame:
        """The observations the model can use (the latest consecutive run where it needs a
        regular series); ``TooShortError`` when fewer than ``min_history``."""
        series = series.sort_values("year")
        if self.uses_births:
            series = series[series["cohort"] > 0]
        if self.consecutive and len(series):
            breaks = np.flatnonzero(np.diff(series["year"].to_numpy()) != 1)
            series = series.iloc[breaks[-1] + 1:] if len(breaks) else series
        if len(series) < self.min_history:
            kind = "consecutive observed years" if self.consecutive else "observed years"
            what = " with births of their cohorts" if self.uses_births else ""
            have = year_ranges(series["year"].astype(int).tolist()) if len(series) else "none"
            raise TooShortError(
                f"{self.name} needs at least {self.min_history} {kind}{what} of {level} in "
                f"{area}; it has {len(series)} ({have}). Use the cohort model or a baseline "
                "for series this short.")
        return series

    def forecast_series(self, history: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
        raise NotImplementedError


def walk_interval(mean: np.ndarray, log_sd: float, horizons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p10 and p90 of a log-normal random walk around ``mean`` (NaN when the spread is unknown)."""
    if not np.isfinite(log_sd):
        return np.full_like(mean, np.nan), np.full_like(mean, np.nan)
    width = Z80 * log_sd * np.sqrt(horizons)
    return mean * np.exp(-width), mean * np.exp(width)


def yearly_log_sd(years: np.ndarray, values: np.ndarray) -> float:
    """Spread of the yearly log changes of a series; a change over a gap of g years counts
    as g random-walk steps (divided by sqrt(g)). NaN with fewer than two changes."""
    if len(values) < 3:
        return float("nan")
    gaps = np.diff(years).astype(float)
    steps = np.diff(np.log(values)) / np.sqrt(gaps)
    return float(np.std(steps, ddof=1))
