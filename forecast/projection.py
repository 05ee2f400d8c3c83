"""From fitted models to one long projection frame.

Chooses the cohort model per level (grade flow where grades exist in two consecutive
years, level-total flow otherwise), sums sub-areas into their parents draw by draw (so
parents equal the sum of their children exactly, intervals included) and summarises the
draws into mean and quantiles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.config import ModelSettings, Scenario
from forecast.dataset import Dataset
from forecast.models.cohort import Block, GradeCohortFlow, LevelCohortFlow
from forecast.uncertainty import summarise

COLUMNS = ["area", "level", "grade", "year", "scenario", "model", "mean", "p10", "p50", "p90"]


class CohortFlow:
    """Cohort flow for any dataset: grade flow for levels with grade panels, level-total
    flow for the rest. ``fit(dataset).project(until, scenario, draws, seed)``."""

    def __init__(self, settings: ModelSettings | None = None):
        self.settings = settings or ModelSettings()

    def fit(self, dataset: Dataset) -> FittedCohortFlow:
        s = self.settings
        grade_levels = [lv for lv in dataset.enrolment["level"].unique() if dataset.has_grades(lv)]
        fitted = []
        if grade_levels:
            fitted.append((GradeCohortFlow(s.ratio_method, s.window, s.alpha).fit(dataset), grade_levels))
        level_fit = LevelCohortFlow(s.migration_window, s.migration_damping).fit(dataset)
        other = [lv for lv in level_fit.params["level"].unique() if lv not in grade_levels]
        if other:
            fitted.append((level_fit, other))
        return FittedCohortFlow(dataset, fitted)


class FittedCohortFlow:
    def __init__(self, dataset: Dataset, fitted: list):
        self.dataset = dataset
        self.fitted = fitted
        self.implied_migration = pd.DataFrame()

    def project(self, until: int, scenario: Scenario | None = None, draws: int = 1000,
                seed: int = 1, scenario_name: str = "baseline") -> pd.DataFrame:
        """Long frame (COLUMNS) of every area x level (x grade) x year after the base year."""
        if until <= self.dataset.base_year:
            raise ValueError(f"until ({until}) must be after the base year ({self.dataset.base_year})")
        frames = []
        for model, levels in self.fitted:
            block = model.project(until, scenario, draws, seed)
            keep = [i for i, s in enumerate(block.slots) if s[0] in levels]
            block.draws, block.slots = block.draws[:, keep], [block.slots[i] for i in keep]
            block = with_parents(block, self.dataset.areas)
            frames.append(to_frame(block, scenario_name))
            implied = getattr(model, "implied", None)
            if implied is not None and len(implied):
                self.implied_migration = implied.assign(scenario=scenario_name)
        frame = pd.concat(frames, ignore_index=True)
        return sort_projection(frame)


def with_parents(block: Block, areas: pd.DataFrame) -> Block:
    """Add every ancestor of the block's areas as the draw-wise sum of its descendants;
    an area with modelled descendants is replaced by their sum (bottom-up)."""
    parent = dict(zip(areas["area"], areas["parent"], strict=True))
    ancestors: dict[str, list[str]] = {}
    for area in block.areas:
        node = parent.get(area)
        while node is not None and not pd.isna(node):
            ancestors.setdefault(node, []).append(area)
            node = parent.get(node)
    if not ancestors:
        return block
    leaves = [a for a in block.areas if a not in ancestors]
    names = leaves + sorted(ancestors)
    index = {a: i for i, a in enumerate(block.areas)}
    members = np.zeros((len(names), len(block.areas)))
    for i, name in enumerate(names):
        for child in ([name] if name in leaves else ancestors[name]):
            if child not in ancestors:  # sum leaves only, never a parent and its children
                members[i, index[child]] = 1.0
    draws = np.tensordot(members, np.nan_to_num(block.draws), axes=(1, 0))
    missing = np.isnan(block.draws).all(axis=0, keepdims=True)  # slots the model lacks
    draws = np.where(np.broadcast_to(missing, draws.shape), np.nan, draws)
    return Block(names, block.slots, block.years, draws, block.model, block.notes)


def to_frame(block: Block, scenario: str) -> pd.DataFrame:
    """Summarise a block's draws into the long projection frame."""
    stats = summarise(block.draws)
    n_area, n_slot, n_year = block.draws.shape[:3]
    area = np.repeat(np.array(block.areas, dtype=object), n_slot * n_year)
    level = np.tile(np.repeat(np.array([s[0] for s in block.slots], dtype=object), n_year), n_area)
    grade = np.tile(np.repeat(np.array([s[1] for s in block.slots], dtype=object), n_year), n_area)
    year = np.tile(block.years, n_area * n_slot)
    frame = pd.DataFrame({"area": area, "level": level, "grade": grade, "year": year,
                          "scenario": scenario, "model": block.model,
                          **{k: v.reshape(-1) for k, v in stats.items()}})
    return frame.dropna(subset=["mean"])[COLUMNS]


def sort_projection(frame: pd.DataFrame) -> pd.DataFrame:
    from forecast.levels import LEVELS

    order = {lv: i for i, lv in enumerate(LEVELS)}
    grade_key = frame["grade"].map(lambda g: (1, g.zfill(3)) if g else (0, ""))
    frame = frame.assign(_l=frame["level"].map(order), _g=grade_key)
    frame = frame.sort_values(["scenario", "area", "_l", "_g", "year"], kind="stable")
    return frame.drop(columns=["_l", "_g"]).reset_index(drop=True)
