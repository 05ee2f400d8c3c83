"""Cohort-flow models: follow children from birth through the grades.

Two estimators share one output (a ``Block`` of draws, area x slot x year x draw):

* ``LevelCohortFlow`` for datasets that give only level totals (the plans):
  E(l, t) = R(l, t) x C(l, t), with C(l, t) = sum of births of the cohorts of level l's
  ages in year t. R is calibrated to the base year; its drift, estimated from the observed
  years, is the implied net migration (and participation change) per year, damped
  as it is carried forward.
  An area x level without births for its base-year cohorts follows its own history: the
  same drift, damped, on its enrolment (its cohort is taken as 1).
* ``GradeCohortFlow`` (``forecast.models.grades``) for grade panels of any school system.

docs/methods.md gives the equations and a worked example. Arrays are vectorised over
areas and draws; only years (a few dozen at most) are looped over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.data.births import BirthSchedule
from forecast.data.config import Scenario
from forecast.data.dataset import Dataset
from forecast.data.system import SchoolSystem
from forecast.engine.blocks import Block
from forecast.engine.buffers import BufferPool, take
from forecast.engine.draws import damped_sum
from forecast.engine.streams import AreaStreams
from forecast.engine.subtrees import chunk_bounds, group_labels, grouped_order
from forecast.models.flow import additions, apply_track_share, collect
from forecast.models.grades import FittedGradeCohort, GradeCohortFlow

__all__ = ["FittedGradeCohort", "FittedLevelCohort", "GradeCohortFlow", "LevelCohortFlow"]


def _cohort_sums(totals: pd.DataFrame, births: pd.DataFrame, system: SchoolSystem) -> pd.Series:
    """C(area, level, year): births of the cohorts a level serves in that year."""
    lookup = births.set_index(["area", "year"])["births"]
    sums = pd.Series(0.0, index=totals.index)
    for level in totals["level"].unique():
        mask = totals["level"] == level
        for age in system.ages(level):
            key = pd.MultiIndex.from_arrays([totals.loc[mask, "area"], totals.loc[mask, "year"] - age])
            sums.loc[mask] += lookup.reindex(key).to_numpy(dtype=float)
    return sums


# --------------------------------------------------------------------------- level totals

@dataclass
class LevelCohortFlow:
    """Level-total cohort flow. ``migration_window``: how many of the latest observed years
    estimate the drift; ``migration_damping``: share of the drift kept each further year."""

    migration_window: int = 3
    migration_damping: float = 0.8
    name: str = "cohort_level"

    def fit(self, dataset: Dataset) -> FittedLevelCohort:
        totals = dataset.level_totals()
        totals = totals[totals["year"] <= dataset.base_year].copy()
        totals = totals[totals["students"] > 0].copy()
        if totals.empty:
            from forecast.common.errors import DataLimitError

            raise DataLimitError(f"{dataset.name}: no positive level total up to the base year "
                                 f"{dataset.base_year}; nothing can be projected")
        totals["cohort"] = _cohort_sums(totals, dataset.births, dataset.system)
        # An area x level whose base-year cohorts have no births follows its own history:
        # its "cohort" is 1, so the ratio is the enrolment itself and the drift its trend.
        base = totals[totals["year"] == totals.groupby(["area", "level"])["year"].transform("max")]
        own = base.loc[~(base["cohort"] > 0), ["area", "level"]].assign(own=True)
        totals = totals.merge(own, on=["area", "level"], how="left")
        totals["own"] = totals["own"].fillna(False).astype(bool)
        totals.loc[totals["own"], "cohort"] = 1.0
        totals = totals[totals["cohort"] > 0].copy()
        totals["log_ratio"] = np.log(totals["students"] / totals["cohort"])
        totals = totals.sort_values(["area", "level", "year"])
        recent = totals.groupby(["area", "level"]).tail(self.migration_window).copy()
        params = _drift_table(recent)
        owners = own.set_index(["area", "level"])["own"] if len(own) else pd.Series(dtype=bool)
        keys = pd.MultiIndex.from_frame(params[["area", "level"]])
        params["method"] = np.where(owners.reindex(keys).fillna(False).to_numpy(dtype=bool),
                                    "own history", "births")
        return FittedLevelCohort(self, dataset, params)


def _drift_table(recent: pd.DataFrame) -> pd.DataFrame:
    """Per area x level: base log ratio, yearly drift (least-squares slope of the log ratio
    on the year) and the spread of yearly changes, all vectorised with groupby sums."""
    g = recent.groupby(["area", "level"])
    t_mean = g["year"].transform("mean")
    y_mean = g["log_ratio"].transform("mean")
    recent = recent.assign(sxy=(recent["year"] - t_mean) * (recent["log_ratio"] - y_mean),
                           sxx=(recent["year"] - t_mean) ** 2)
    g = recent.groupby(["area", "level"])
    params = g.agg(origin=("year", "last"), log_ratio=("log_ratio", "last"),
                   n_points=("year", "size"), sxy=("sxy", "sum"), sxx=("sxx", "sum"))
    params["drift"] = np.where(params["sxx"] > 0, params["sxy"] / params["sxx"].where(params["sxx"] > 0, 1), 0.0)
    yearly = g["log_ratio"].diff() / g["year"].diff()
    own_sd = yearly.groupby([recent["area"], recent["level"]]).std()
    pooled = float(params.loc[params["n_points"] >= 2, "drift"].std()) \
        if (params["n_points"] >= 2).sum() >= 2 else 0.0
    params["drift_sd"] = own_sd.reindex(params.index).where(params["n_points"] >= 3, pooled)
    params["drift_sd"] = params["drift_sd"].fillna(0.0)
    return params.drop(columns=["sxy", "sxx"]).reset_index()


@dataclass
class FittedLevelCohort:
    settings: LevelCohortFlow
    dataset: Dataset
    params: pd.DataFrame  # area, level, origin, log_ratio, n_points, drift, drift_sd
    implied: pd.DataFrame | None = None

    def project(self, until: int, scenario: Scenario | None = None, draws: int = 1,
                seed: int = 1, chunk: int = 500) -> Block:
        """Draws of level totals for every fitted area x level, base year + 1 .. until."""
        return collect(self, until, scenario, draws, seed, chunk)

    def layout_areas(self) -> list[str]:
        """Fitted areas in the order ``iter_chunks`` yields them: subtrees contiguous."""
        areas = sorted(self.params["area"].unique())
        return grouped_order(areas, group_labels(areas, self.dataset.areas))

    def groups(self) -> np.ndarray:
        """Group of each area (forecast.engine.subtrees): a chunk holds whole groups."""
        return group_labels(self.layout_areas(), self.dataset.areas)

    def chunk_bounds(self, chunk: int) -> list[tuple[int, int]]:
        """Consecutive area ranges of about ``chunk`` areas that never cut a subtree."""
        return chunk_bounds(self.groups(), chunk)

    def expected(self) -> np.ndarray:
        """[area, level] of the layout ``iter_chunks`` yields: True where the area has the level."""
        areas = self.layout_areas()
        levels = [lv for lv in self.dataset.system.level_names if lv in set(self.params["level"])]
        grid = pd.MultiIndex.from_product([areas, levels])
        have = pd.Series(True, index=pd.MultiIndex.from_frame(self.params[["area", "level"]]))
        return have.reindex(grid).fillna(False).to_numpy(dtype=bool).reshape(len(areas), len(levels))

    def iter_chunks(self, until: int, scenario: Scenario | None = None, draws: int = 1,
                    seed: int = 1, chunk: int = 500, pool: BufferPool | None = None,
                    bounds: list[tuple[int, int]] | None = None):
        """Yield the layout (areas, slots, years), then (start, stop, draws[area, slot, year,
        draw]) for consecutive chunks of areas (``bounds``, else ``chunk_bounds(chunk)``), so
        memory stays bounded."""
        scenario = scenario or Scenario()
        self.implied = None
        params = self.params.copy()
        years = np.arange(self.dataset.base_year + 1, until + 1)
        areas = self.layout_areas()
        system = self.dataset.system
        levels = [lv for lv in system.level_names if lv in set(params["level"])]
        oldest = max(max(system.ages(lv)) for lv in levels)
        youngest = min(min(system.ages(lv)) for lv in levels)
        births = BirthSchedule(self.dataset.births, areas, years[0] - oldest, until - youngest,
                               scenario.births)
        grid = pd.MultiIndex.from_product([areas, levels], names=["area", "level"])
        table = params.set_index(["area", "level"]).reindex(grid)

        drift = table["drift"].to_numpy(dtype=float, copy=True)
        if scenario.migration.mode == "none":
            drift = np.zeros_like(drift)
        elif scenario.migration.mode == "scaled":
            drift = drift * scenario.migration.scale
        origin = table["origin"].to_numpy(dtype=float)
        horizon = years[None, :] - origin[:, None]  # [area*level, year]
        build = damped_sum(np.maximum(horizon, 0), self.settings.migration_damping)
        if scenario.solve_migration_for_targets:
            drift = self._solve_for_targets(table, births, drift)

        shape = (len(areas), len(levels), len(years))
        log_ratio = (table["log_ratio"].to_numpy()[:, None] + drift[:, None] * build).reshape(shape)
        step_sd = table["drift_sd"].to_numpy(dtype=float).reshape(len(areas), len(levels))
        own = (table["method"] == "own history").to_numpy().reshape(len(areas), len(levels))
        extra = additions(areas, levels, years, scenario)
        yield areas, [(lv, "") for lv in levels], years
        for start, stop in bounds if bounds is not None else self.chunk_bounds(chunk):
            rows = slice(start, stop)
            rng = AreaStreams(seed, areas[start:stop])  # each area's own stream
            b = births.draws(rows, draws, rng)
            cohort = np.stack([_sum_ages(b, births, years, system.ages(lv)) for lv in levels], axis=1)
            cohort[own[rows]] = 1.0  # own-history series: the drift alone moves them
            noise = np.cumsum(rng.standard_normal(cohort.shape) * step_sd[rows, :, None, None], axis=2) \
                if draws > 1 else 0.0
            out = take(pool, cohort.shape)
            np.exp(log_ratio[rows][..., None] + noise, out=out)
            out *= cohort
            out += extra[rows][..., None]
            apply_track_share(out, levels, system, scenario.general_share)
            np.maximum(out, 0, out=out)
            yield start, stop, out

    def _solve_for_targets(self, table: pd.DataFrame, births: BirthSchedule,
                           drift: np.ndarray) -> np.ndarray:
        """The yearly drift that makes the central projection meet each enrolment target."""
        targets = self.dataset.table("targets")
        system = self.dataset.system
        targets = targets[(targets["indicator"] == "enrolment") & targets["level"].isin(system.level_names)]
        rows = []
        drift = drift.copy()
        keys = list(table.index)
        for target in targets.itertuples():
            key = (target.area, target.level)
            if key not in keys:
                continue
            i = keys.index(key)
            h = target.year - table["origin"].iloc[i]
            if h <= 0 or table["method"].iloc[i] == "own history":
                continue
            cohort = sum(births.central[births.areas.index(target.area), births.index(target.year - a)]
                         for a in system.ages(target.level))
            build = float(damped_sum(np.array([h]), self.settings.migration_damping)[0])
            solved = (np.log(target.value / cohort) - table["log_ratio"].iloc[i]) / build
            rows.append({"area": target.area, "level": target.level, "target_year": int(target.year),
                         "target": target.value, "estimated_yearly_factor": float(np.exp(drift[i])),
                         "implied_yearly_factor": float(np.exp(solved))})
            drift[i] = solved
        self.implied = pd.DataFrame(rows)
        return drift


def _sum_ages(b: np.ndarray, births: BirthSchedule, years: np.ndarray, ages: range) -> np.ndarray:
    """Cohort sums [area, year, draw] for one level (its ``ages``) from births draws
    [area, birth year, draw]."""
    idx = np.array([[births.index(t - a) for a in ages] for t in years])
    return b[:, idx, :].sum(axis=2)
