"""From fitted models to one long projection frame.

Chooses the cohort model per level (grade flow where grades exist in two consecutive
years, level-total flow otherwise), sums sub-areas into their parents draw by draw (so
parents equal the sum of their children exactly, intervals included) and summarises the
draws into mean and quantiles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.data.config import ModelSettings, Scenario
from forecast.data.dataset import Dataset
from forecast.data.system import DEFAULT, SchoolSystem
from forecast.engine.blocks import COLUMNS
from forecast.engine.run import Engine, cores, layout_for, run_chunks
from forecast.models.cohort import GradeCohortFlow, LevelCohortFlow

# Refused or borrowed area x grades, and how entry grades are filled (entry_methods.csv).
REFUSAL_COLUMNS = ["area", "level", "grade", "status", "reason"]
ENTRY_COLUMNS = ["area", "level", "grade", "method", "detail"]
# Chunks projected at once (all cores); each holds one chunk of draws in memory.
WORKERS = cores()


class CohortFlow:
    """Cohort flow for any dataset: grade flow for levels with grade panels, level-total
    flow for the rest. ``fit(dataset).project(until, scenario, draws, seed)``."""

    def __init__(self, settings: ModelSettings | None = None):
        self.settings = settings or ModelSettings()

    def fit(self, dataset: Dataset) -> FittedCohortFlow:
        s = self.settings
        observed = set(dataset.enrolment["level"].unique())  # not row by row (Arrow strings)
        levels = [lv for lv in dataset.system.level_names if lv in observed]
        grade_levels = [lv for lv in levels if dataset.has_grades(lv)]
        fitted = []
        if grade_levels:
            grade_fit = GradeCohortFlow(s.ratio_method, s.window, s.alpha, s.entry_window,
                                        s.entry_damping, s.limit_ratios, s.shrink_ratios).fit(dataset)
            fitted.append((grade_fit, grade_levels))
        other = [lv for lv in levels if lv not in grade_levels]
        if other:  # level totals only where no grade panel exists
            level_fit = LevelCohortFlow(s.migration_window, s.migration_damping).fit(dataset)
            other = [lv for lv in dataset.system.level_names
                     if lv in other and lv in set(level_fit.params["level"])]
            fitted.append((level_fit, other))
        return FittedCohortFlow(dataset, fitted)


class FittedCohortFlow:
    def __init__(self, dataset: Dataset, fitted: list):
        self.dataset = dataset
        self.fitted = fitted
        self.implied_migration = pd.DataFrame()

    @property
    def refusals(self) -> pd.DataFrame:
        """Area x grades taught in the base year that are refused (with the reason) or whose
        ratio is borrowed from other areas."""
        parts = [m.refusals for m, _ in self.fitted if len(getattr(m, "refusals", []))]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=REFUSAL_COLUMNS)

    @property
    def entry_methods(self) -> pd.DataFrame:
        """How each entry grade (or level total without grades) is projected, area by area."""
        parts = []
        for model, levels in self.fitted:
            if hasattr(model, "entry_methods"):
                parts.append(model.entry_methods[model.entry_methods["level"].isin(levels)])
            else:
                p = model.params[model.params["level"].isin(levels)]
                detail = np.where(p["method"] == "births", "level total from the births of its cohorts",
                                  "no births: damped trend of the level total")
                parts.append(pd.DataFrame({"area": p["area"], "level": p["level"], "grade": "",
                                           "method": p["method"], "detail": detail}))
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ENTRY_COLUMNS)

    def project(self, until: int, scenario: Scenario | None = None, draws: int = 1000,
                seed: int = 1, scenario_name: str = "baseline",
                seats: pd.Series | None = None, engine: Engine | None = None,
                grades: bool = True, sink=None) -> pd.DataFrame:
        """Long frame (COLUMNS) of every area x level (x grade) x year after the base year.

        With ``seats`` (indexed by area, level, year) the level-total rows also get
        ``p_shortfall``: the share of draws whose demand exceeds the seats. ``grades=False``:
        grade rows carry the mean only (quantiles NaN; the mean feeds the classes needed).
        ``sink``: receives each chunk's rows (forecast.outputs.spool); the frame returned holds
        what it keeps.
        """
        if until <= self.dataset.base_year:
            raise ValueError(f"until ({until}) must be after the base year ({self.dataset.base_year})")
        frames = []
        for model, levels in self.fitted:
            frames += project_bounded(model, levels, self.dataset.areas, until, scenario, draws,
                                      seed, scenario_name, seats, engine=engine, grades=grades,
                                      sink=sink)
            implied = getattr(model, "implied", None)
            if implied is not None and len(implied):
                self.implied_migration = implied.assign(scenario=scenario_name)
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=COLUMNS + (["p_shortfall"] if seats is not None else []))
        frame = pd.concat(frames, ignore_index=True)
        return sort_projection(frame, self.dataset.system)


def project_bounded(model, levels: list[str], areas: pd.DataFrame, until: int,
                    scenario: Scenario | None, draws: int, seed: int, name: str,
                    seats: pd.Series | None = None, workers: int = WORKERS,
                    chunk: int | None = None, engine: Engine | None = None,
                    grades: bool = True, sink=None) -> list[pd.DataFrame]:
    """Project chunk by chunk (chunks of whole subtrees, forecast.engine): summarise each
    chunk's leaf areas and the parents complete in it where it is drawn; parents spanning
    chunks get per-group partial sums added in chunk order. Memory holds a chunk per worker
    plus the parents in progress, never every draw. Draws are keyed by area, so the results
    do not depend on the chunk size, the number of workers or the engine."""
    engine = engine or Engine(workers=workers, chunk=chunk)
    layout = layout_for(model, levels, areas, until, scenario, draws, seed, name, seats, grades)
    return run_chunks(model, layout, until, scenario, draws, seed, engine, sink)


def sort_projection(frame: pd.DataFrame, system: SchoolSystem = DEFAULT) -> pd.DataFrame:
    """Rows by scenario, area, level and grade (in the school system's order; the level
    total first) and year."""
    order = {lv: i for i, lv in enumerate(system.level_names)}
    slot = {s: i for i, s in enumerate(system.slots())}
    pairs = pd.MultiIndex.from_frame(frame[["level", "grade"]])  # factorised, not row by row
    keys = pairs.unique()
    key_order = np.array([-1 if g == "" else slot.get((lv, g), len(slot)) for lv, g in keys])
    grade_key = key_order[keys.get_indexer(pairs)] if len(keys) else np.zeros(0, dtype=int)
    level_key = pd.Index(list(order)).get_indexer(frame["level"])
    level_key = np.where(level_key < 0, len(order), level_key)  # a level the system lacks: last
    # one stable sort of integer keys (strings ranked once by factorize, missing last)
    order = np.lexsort([frame["year"].to_numpy(), grade_key, level_key,
                        _ranks(frame["area"]), _ranks(frame["scenario"])])
    return frame.take(order).reset_index(drop=True)


def _ranks(values: pd.Series) -> np.ndarray:
    """Each value's rank among the distinct values, in sorted order (missing values last)."""
    codes, uniques = pd.factorize(values, sort=True)
    return np.where(codes < 0, len(uniques), codes)
