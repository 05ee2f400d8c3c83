"""Level totals on one grid (series x years), for models fitted at many origins at once.

A backtest fits every candidate at every origin on the data known then. Cutting the dataset
and refitting each model per origin costs a pandas pipeline per origin and candidate; on a
grid of series (area x level) by year the same fits are array operations:

- ``students[s, t]``: the observed level total (NaN where not observed);
- ``cohorts(origin, years)``: the births of each level's cohorts as known at ``origin``
  (births after the last year known then held at the area's last value, as
  ``forecast.data.births.BirthSchedule`` does without a scenario);
- ``aging[s, t, h]``: on grade panels, the log change of the level total if every pupil
  moved up ``h`` grades and entrants stayed as they were (the cohort structure a level
  total alone does not show; NaN without grades).

``level_flow`` is the level-total cohort flow (``forecast.models.cohort.LevelCohortFlow``)
fitted at every origin at once; ``last_value`` and ``ratio_mean`` the baselines. They give
the same numbers as the per-origin models (tests/models/test_level_panel.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.data.config import BirthsScenario
from forecast.data.dataset import Dataset
from forecast.engine.draws import damped_sum
from forecast.models import entry


@dataclass
class LevelPanel:
    """Level totals of every area x level series by year, and the births of each area."""

    areas: np.ndarray  # [series] area of each series
    levels: np.ndarray  # [series] level of each series
    years: np.ndarray  # [year] first..last observed enrolment year
    students: np.ndarray  # [series, year] NaN where not observed
    area_index: np.ndarray  # [series] row of the series' area in ``births``
    birth_years: np.ndarray  # [birth year]
    births: np.ndarray  # [area, birth year] NaN where unknown
    ages: list[range]  # [series] ages the series' level serves
    aging: np.ndarray | None = None  # [series, year, h] see the module doc (None: no grades)

    def col(self, year: int) -> int:
        return int(year - self.years[0])

    def cohorts(self, origin: int, years: np.ndarray, scenario: BirthsScenario | None = None) -> np.ndarray:
        """Births of the cohorts of each series in ``years`` [series, len(years)] as known at
        the end of ``origin``: births after the last birth year known then (at most
        ``origin``) held at each area's last known value, then ``scenario``'s changes; NaN
        where a cohort's births are unknown."""
        if self.births.shape[1] == 0:
            return np.full((len(self.areas), len(years)), np.nan)
        held = held_births(self.births, self.birth_years, origin, scenario)
        out = np.zeros((len(self.areas), len(years)))
        for ages in {tuple(a) for a in self.ages}:
            rows = np.array([tuple(a) == ages for a in self.ages])
            total = np.zeros((int(rows.sum()), len(years)))
            for age in ages:
                born = years - age
                inside = (born >= self.birth_years[0]) & (born <= self.birth_years[-1])
                part = np.full((int(rows.sum()), len(years)), np.nan)
                idx = np.clip(born - self.birth_years[0], 0, len(self.birth_years) - 1)
                part[:, inside] = held[self.area_index[rows]][:, idx[inside]]
                total += part
            out[rows] = total
        return out


def held_births(births: np.ndarray, birth_years: np.ndarray, origin: int,
                scenario: BirthsScenario | None = None) -> np.ndarray:
    """Births [area, birth year] as known at ``origin``: after the last year observed then
    (any area) each area's last observed value; unknown before it stays NaN. A births
    ``scenario`` then applies as ``forecast.data.births.BirthSchedule`` applies it (its
    multiplier from ``from_year``, else after the last observed year; an explicit series
    shared by the areas' last births; a policy uplift)."""
    known = births.copy()
    known[:, birth_years > origin] = np.nan
    observed = ~np.isnan(known)
    if not observed.any():
        return np.full(births.shape, np.nan)
    last_year = int(birth_years[observed.any(axis=0)].max())
    later = birth_years > last_year
    idx = births.shape[1] - 1 - np.argmax(observed[:, ::-1], axis=1)
    last = np.where(observed.any(axis=1), known[np.arange(len(known)), idx], np.nan)
    known[:, later] = last[:, None]
    if scenario is None or scenario == BirthsScenario():
        return known
    start = scenario.from_year if scenario.from_year is not None else last_year + 1
    m = scenario.multiplier
    factor = np.array([m.get(int(y), 1.0) for y in birth_years]) if isinstance(m, dict) \
        else np.full(len(birth_years), float(m))
    varied = birth_years >= start
    known[:, varied] *= factor[varied]
    if scenario.series:
        share = last / np.nansum(last)
        for year, total in scenario.series.items():
            if birth_years[0] <= year <= birth_years[-1]:
                known[:, int(year - birth_years[0])] = share * total
    if scenario.uplift_percent and scenario.uplift_from is not None:
        known[:, birth_years >= scenario.uplift_from] *= 1 + scenario.uplift_percent / 100
    return known


def build(dataset: Dataset, horizon: int = 0) -> LevelPanel:
    """The level panel of ``dataset`` (every area x level with an observed total), with the
    aging feature up to ``horizon`` years where the dataset has grade panels."""
    totals = dataset.level_totals()
    series = totals[["area", "level"]].drop_duplicates().sort_values(["area", "level"])
    series = series.reset_index(drop=True)
    years = np.arange(int(totals["year"].min()), int(totals["year"].max()) + 1) if len(totals) \
        else np.arange(dataset.base_year, dataset.base_year + 1)
    key = pd.MultiIndex.from_frame(series)
    row = key.get_indexer(pd.MultiIndex.from_frame(totals[["area", "level"]]))
    students = np.full((len(series), len(years)), np.nan)
    students[row, totals["year"].to_numpy() - years[0]] = totals["students"].to_numpy(dtype=float)
    areas = sorted(series["area"].unique())
    births = dataset.births
    if len(births):
        table = births.pivot_table(index="area", columns="year", values="births", aggfunc="sum")
        # up to the last year any cohort ahead needs (held or a scenario's after the data)
        birth_years = np.arange(int(table.columns.min()),
                                max(int(table.columns.max()), int(years[-1]) + horizon) + 1)
        table = table.reindex(index=areas, columns=birth_years)
        birth_values = table.to_numpy(dtype=float)
    else:
        birth_years = np.arange(0)
        birth_values = np.zeros((len(areas), 0))
    area_index = pd.Index(areas).get_indexer(series["area"])
    ages = [dataset.system.ages(lv) for lv in series["level"]]
    panel = LevelPanel(series["area"].to_numpy(dtype=object), series["level"].to_numpy(dtype=object),
                       years, students, area_index, birth_years, birth_values, ages)
    if horizon > 0:
        panel.aging = aging_feature(dataset, panel, horizon)
    return panel


def aging_feature(dataset: Dataset, panel: LevelPanel, horizon: int) -> np.ndarray | None:
    """[series, year, h]: log of (the level total if every pupil moved up h grades, entrants
    and grades fed from outside the area held) / (the level total), for h = 1..horizon; NaN
    where the level has no grades that year. None without any grade panel."""
    enrol = dataset.enrolment[dataset.enrolment["grade"] != ""]
    if enrol.empty:
        return None
    system = dataset.system
    slots = system.slots()
    index = {s: i for i, s in enumerate(slots)}
    areas = sorted(set(panel.areas))
    years = panel.years
    grid = np.full((len(areas), len(slots), len(years)), np.nan)
    a = pd.Index(areas).get_indexer(enrol["area"])
    pairs = enrol[["level", "grade"]].drop_duplicates()
    slot_of = pd.Series([index.get((lv, g), -1) for lv, g in zip(pairs["level"], pairs["grade"], strict=True)],
                        index=pd.MultiIndex.from_frame(pairs))
    s = slot_of.reindex(pd.MultiIndex.from_frame(enrol[["level", "grade"]])).to_numpy()
    y = enrol["year"].to_numpy() - years[0]
    ok = (a >= 0) & (s >= 0) & (y >= 0) & (y < len(years))
    grid[a[ok], s[ok], y[ok]] = enrol["students"].to_numpy(dtype=float)[ok]
    pred = entry.predecessors(system)
    taught = grid > 0
    n_area, n_slot, n_year = grid.shape
    ai = np.arange(n_area)[:, None, None]
    yi = np.arange(n_year)[None, None, :]
    out = np.full((len(panel.areas), n_year, horizon), np.nan)
    level_slots = {lv: np.array([index[(lv, g)] for g in system.grades(lv)]) for lv in system.level_names}
    area_row = pd.Index(areas).get_indexer(panel.areas)
    cur = np.broadcast_to(np.arange(n_slot)[None, :, None], grid.shape).copy()
    for h in range(1, horizon + 1):
        p = pred[cur]
        step = (p >= 0)
        p_safe = np.where(step, p, 0)
        step &= taught[ai, p_safe, yi]
        cur = np.where(step, p_safe, cur)
        moved = np.where(taught, grid[ai, cur, yi], 0.0)
        for lv, cols in level_slots.items():
            rows = np.flatnonzero(panel.levels == lv)
            if not len(rows):
                continue
            now = np.where(taught[:, cols], grid[:, cols], 0.0).sum(axis=1)  # [area, year]
            shifted = moved[:, cols].sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where((now > 0) & (shifted > 0), np.log(shifted / now), np.nan)
            out[rows, :, h - 1] = value[area_row[rows]]
    return out


@dataclass
class Origins:
    """Forecasts of one model at many origins: ``mean[o, s, h]`` (h = 1..H) and the basis
    of each series at each origin (``births``, ``own history``; "" where not forecast)."""

    origins: list[int]
    mean: np.ndarray
    basis: np.ndarray


def last_observed(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(column, value) of the last observed (finite) entry of each row; -1 / NaN when none."""
    observed = np.isfinite(values)
    idx = values.shape[1] - 1 - np.argmax(observed[:, ::-1], axis=1)
    has = observed.any(axis=1)
    return np.where(has, idx, -1), np.where(has, values[np.arange(len(values)), idx], np.nan)


def latest(usable: np.ndarray, window: int) -> np.ndarray:
    """Of each row's usable years (columns), the latest ``window``."""
    rank = np.cumsum(usable[:, ::-1], axis=1)[:, ::-1] - 1
    return usable & (rank < window)


def level_flow(panel: LevelPanel, origins: list[int], horizon: int, window: int,
               damping: float) -> Origins:
    """The level-total cohort flow at every origin: the ratio to the cohorts' births (the
    total itself where the base year's cohorts have no births) calibrated to the series'
    last positive year, its drift the least-squares slope over the latest ``window``
    usable years, kept at ``damping`` per further year (docs/methods.md)."""
    n = len(panel.areas)
    mean = np.full((len(origins), n, horizon), np.nan)
    basis = np.full((len(origins), n), "", dtype=object)
    for k, origin in enumerate(origins):
        stop = min(panel.col(origin), len(panel.years) - 1) + 1
        if stop <= 0:
            continue
        years = panel.years[:stop]
        e = panel.students[:, :stop]
        e = np.where(e > 0, e, np.nan)
        base_col, _ = last_observed(e)
        has = base_col >= 0
        cohort = panel.cohorts(origin, years)
        base_cohort = cohort[np.arange(n), np.maximum(base_col, 0)]
        own = has & ~(base_cohort > 0)
        c = np.where(own[:, None], 1.0, cohort)
        with np.errstate(invalid="ignore", divide="ignore"):
            log_ratio = np.log(e / np.where(c > 0, c, np.nan))
        recent = latest(np.isfinite(log_ratio), window)
        t = np.where(recent, years[None, :].astype(float), np.nan)
        yv = np.where(recent, log_ratio, np.nan)
        count = recent.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            t_mean = np.nansum(t, axis=1) / np.maximum(count, 1)
            y_mean = np.nansum(yv, axis=1) / np.maximum(count, 1)
            sxy = np.nansum((t - t_mean[:, None]) * (yv - y_mean[:, None]), axis=1)
            sxx = np.nansum((t - t_mean[:, None]) ** 2, axis=1)
        drift = np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1.0), 0.0)
        last = log_ratio[np.arange(n), np.maximum(base_col, 0)]
        ahead = np.arange(origin + 1, origin + horizon + 1)
        future = np.where(own[:, None], 1.0, panel.cohorts(origin, ahead))
        since = ahead[None, :] - years[np.maximum(base_col, 0)][:, None]
        build = damped_sum(np.maximum(since, 0), damping)
        value = np.exp(last[:, None] + drift[:, None] * build) * future
        value = np.maximum(value, 0)
        ok = has & np.isfinite(last)
        mean[k, ok] = value[ok]
        basis[k, ok] = np.where(own[ok], "own history", "births")
    return Origins(list(origins), mean, basis)


def last_value(panel: LevelPanel, origins: list[int], horizon: int) -> Origins:
    """Enrolment held at the origin's value (series with pupils at the origin only)."""
    n = len(panel.areas)
    mean = np.full((len(origins), n, horizon), np.nan)
    for k, origin in enumerate(origins):
        col = panel.col(origin)
        if 0 <= col < len(panel.years):
            now = panel.students[:, col]
            ok = now > 0
            mean[k, ok] = now[ok, None]
    return Origins(list(origins), mean, np.full((len(origins), n), "", dtype=object))


def ratio_mean(panel: LevelPanel, origins: list[int], horizon: int, window: int = 3,
               scenario: BirthsScenario | None = None) -> Origins:
    """The mean of the latest ``window`` cohort ratios (years with pupils and births) times
    the cohorts ahead (births held after the origin, then ``scenario``'s changes)."""
    n = len(panel.areas)
    mean = np.full((len(origins), n, horizon), np.nan)
    for k, origin in enumerate(origins):
        stop = min(panel.col(origin), len(panel.years) - 1) + 1
        if stop <= 0:
            continue
        years = panel.years[:stop]
        e = panel.students[:, :stop]
        cohort = panel.cohorts(origin, years)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where((e > 0) & (cohort > 0), e / cohort, np.nan)
        recent = latest(np.isfinite(ratio), window)
        count = recent.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            central = np.where(count > 0, np.nansum(np.where(recent, ratio, 0.0), axis=1) / count, np.nan)
        ahead = panel.cohorts(origin, np.arange(origin + 1, origin + horizon + 1), scenario)
        mean[k] = central[:, None] * ahead
    return Origins(list(origins), mean, np.full((len(origins), n), "", dtype=object))


def to_frame(panel: LevelPanel, result: Origins, model: str) -> pd.DataFrame:
    """Long rows (area, level, origin, year, horizon, model, forecast, basis) of the finite
    forecasts."""
    k, s, h = np.nonzero(np.isfinite(result.mean))
    origins = np.asarray(result.origins)[k]
    return pd.DataFrame({"area": panel.areas[s], "level": panel.levels[s], "origin": origins,
                         "year": origins + h + 1, "horizon": h + 1, "model": model,
                         "forecast": result.mean[k, s, h], "basis": result.basis[k, s]})
