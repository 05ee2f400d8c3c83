"""The single forecasts the evidence step chooses among and combines, at every origin.

- ``cohort``: the run's cohort flow (grade flow where grades exist, level totals otherwise);
- ``cohort_held``: the same with every own-history entry grade held (the textbook cohort
  survival with entry held, with the package's guards on the ratios); grade panels whose
  entry grades have no births only;
- ``cohort_entry``: the same with each area x entry grade held or trended, whichever the
  entrants' own nested errors favour (``forecast.evidence.entry_choice``); where no entry
  grade lacks births it is the cohort flow itself. This is the structural member of the
  combinations;
- ``last_value``: enrolment held at the origin's value;
- ``ratio_mean_w3``: the mean of the last three cohort ratios times the cohorts ahead
  (datasets with births);
- ``global``: one ridge regression learnt from every area and level at once
  (``forecast.models.global_level``).

Backtests are fast: the last value, the ratio mean and the global model work on one panel
of every series by year at every origin at once (``forecast.models.level_panel``), and so
does the level-total cohort flow; the grade flow is fitted once per origin and projected
three ways from that one fit (one draw, no summaries). Every row carries the ``basis`` of
its series at its origin (``births`` or ``own history``): a cohort flow that starts using
births is a different model, and the choice does not judge it by the errors it made
without them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.data.config import BirthsScenario, MigrationScenario, ModelSettings, Scenario
from forecast.data.dataset import Dataset
from forecast.evidence.backtest import cut
from forecast.evidence.entry_choice import ENTRY_COLUMNS, entry_rows, held_cells
from forecast.models import entry as entry_sources
from forecast.models import level_panel as lp
from forecast.models.global_level import fit_predict, scenario_cohorts
from forecast.models.grades import FittedGradeCohort
from forecast.models.projection import CohortFlow

BASE_COLUMNS = ["area", "level", "origin", "year", "horizon", "model", "forecast", "basis"]
STRUCTURAL = "cohort_entry"  # the structural member of the combinations


@dataclass
class BaseForecasts:
    frame: pd.DataFrame  # BASE_COLUMNS
    entry: pd.DataFrame  # ENTRY_COLUMNS + actual: entrant forecasts for the inner entry choice
    refused: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def grade_levels(dataset: Dataset) -> list[str]:
    observed = set(dataset.enrolment["level"].unique())
    return [lv for lv in dataset.system.level_names if lv in observed and dataset.has_grades(lv)]


def entrants_observed(dataset: Dataset) -> pd.DataFrame:
    """Observed entrants by grade (area, level, grade, year, actual) for the entry choice."""
    enrol = dataset.enrolment
    rows = enrol[enrol["grade"] != ""]
    return rows[["area", "level", "grade", "year", "students"]].rename(columns={"students": "actual"})


def backtest_base(dataset: Dataset, origins: list[int], horizon: int,
                  settings: ModelSettings | None = None, progress=None) -> BaseForecasts:
    """Every single forecast at every origin (ascending) on the data known then."""
    settings = settings or ModelSettings()
    panel = lp.build(dataset, horizon)
    frames, refused = [], []
    per_origin = bool(grade_levels(dataset))
    if not per_origin:
        flow = lp.level_flow(panel, origins, horizon, settings.migration_window, settings.migration_damping)
        cohort = lp.to_frame(panel, flow, "cohort")
        frames.append(cohort)
        frames.append(cohort.assign(model=STRUCTURAL))
    entries = []
    observed = entrants_observed(dataset) if per_origin else None
    for origin in origins:
        if per_origin:
            known = cut(dataset, origin)
            history = _with_actual(pd.concat(entries, ignore_index=True), observed) if entries \
                else pd.DataFrame(columns=ENTRY_COLUMNS + ["actual"])
            part, rows, why = cohort_variants(known, origin + horizon, settings, None, history)
            frames.append(part.assign(origin=origin))
            entries.append(rows)
            refused += [f"origin {origin}: {w}" for w in why]
        if progress:
            progress(origin)
    frames += [lp.to_frame(panel, lp.last_value(panel, origins, horizon), "last_value")]
    if panel.births.shape[1]:
        frames.append(lp.to_frame(panel, lp.ratio_mean(panel, origins, horizon), "ratio_mean_w3"))
    glob, why = global_at(panel, origins, horizon)
    frames.append(glob)
    refused += why
    frame = _finish(frames)
    entry = pd.concat(entries, ignore_index=True) if entries else pd.DataFrame(columns=ENTRY_COLUMNS)
    entry = _with_actual(entry, observed) if observed is not None else entry.assign(actual=np.nan)
    return BaseForecasts(frame, entry, refused, sorted(frame["model"].unique()))


def forecast_base(dataset: Dataset, until: int, births: BirthsScenario | None = None,
                  settings: ModelSettings | None = None,
                  entry_history: pd.DataFrame | None = None, fitted=None) -> BaseForecasts:
    """Every single forecast at the base year, with the run's births scenario. ``fitted``:
    the run's cohort flow already fitted on ``dataset`` with ``settings`` (not refitted)."""
    settings = settings or ModelSettings()
    base, horizon = dataset.base_year, until - dataset.base_year
    history = entry_history if entry_history is not None else pd.DataFrame(columns=ENTRY_COLUMNS + ["actual"])
    part, _, refused = cohort_variants(dataset, until, settings, births, history, fitted)
    frames = [part.assign(origin=base)]
    panel = lp.build(dataset, horizon)
    frames.append(lp.to_frame(panel, lp.last_value(panel, [base], horizon), "last_value"))
    if panel.births.shape[1]:
        frames.append(lp.to_frame(panel, lp.ratio_mean(panel, [base], horizon, scenario=births),
                                  "ratio_mean_w3"))
    ahead = scenario_cohorts(dataset, panel, until, births)
    mean, why = fit_predict(panel, base, horizon, panel.cohorts(base, panel.years), ahead)
    frames.append(lp.to_frame(panel, lp.Origins([base], mean[None], np.full((1, len(panel.areas)), "",
                                                                            dtype=object)), "global"))
    refused += [f"global: {h} years ahead: too few training pairs" for h in why]
    frame = _finish(frames)
    return BaseForecasts(frame, pd.DataFrame(columns=ENTRY_COLUMNS), refused, sorted(frame["model"].unique()))


def _finish(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One frame of finite forecasts; every row of a series x origin takes the basis of its
    cohort flow (the era the cell belongs to)."""
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else pd.DataFrame(columns=BASE_COLUMNS)
    frame = frame[np.isfinite(frame["forecast"].to_numpy(dtype=float))]
    key = ["area", "level", "origin"]
    basis = frame.loc[frame["model"] == "cohort", key + ["basis"]].drop_duplicates(key)
    frame = frame.drop(columns="basis").merge(basis, on=key, how="left")
    frame["basis"] = frame["basis"].fillna("")
    frame["horizon"] = frame["horizon"].astype(int)
    frame["year"] = frame["year"].astype(int)
    frame["origin"] = frame["origin"].astype(int)
    return frame[BASE_COLUMNS].reset_index(drop=True)


def _with_actual(rows: pd.DataFrame, observed: pd.DataFrame | None) -> pd.DataFrame:
    if observed is None or rows.empty:
        return rows.assign(actual=np.nan)
    return rows.drop(columns="actual", errors="ignore").merge(
        observed, on=["area", "level", "grade", "year"], how="left")


def global_at(panel: lp.LevelPanel, origins: list[int], horizon: int) -> tuple[pd.DataFrame, list[str]]:
    """The global model fitted at every origin on the pairs known then."""
    mean = np.full((len(origins), len(panel.areas), horizon), np.nan)
    refused = []
    for k, origin in enumerate(origins):
        ahead = panel.cohorts(origin, np.arange(origin + 1, origin + horizon + 1))
        mean[k], why = fit_predict(panel, origin, horizon, panel.cohorts(origin, panel.years), ahead)
        if why:
            refused.append(f"origin {origin}: global refused {len(why)} horizon(s): too few training pairs")
    basis = np.full((len(origins), len(panel.areas)), "", dtype=object)
    return lp.to_frame(panel, lp.Origins(list(origins), mean, basis), "global"), refused


def cohort_variants(known: Dataset, until: int, settings: ModelSettings, births: BirthsScenario | None,
                    entry_history: pd.DataFrame, fitted=None) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The cohort flow fitted once on ``known`` (or ``fitted``, already fitted) and projected
    (one draw) as ``cohort``, ``cohort_held`` and ``cohort_entry``; the entrant forecasts for
    later evidence; refusals. Rows: area, level, year, horizon, model, forecast, basis
    (origin = the base year)."""
    origin = known.base_year
    scenario = Scenario(births=births or BirthsScenario(), migration=MigrationScenario(mode="estimated"))
    if fitted is None:
        try:
            fitted = CohortFlow(settings).fit(known)
        except ValueError as exc:
            return pd.DataFrame(columns=BASE_COLUMNS), pd.DataFrame(columns=ENTRY_COLUMNS), [f"cohort: {exc}"]
    observed = known.level_totals()
    observed = observed[observed["year"] <= origin][["area", "level"]].drop_duplicates()
    frames, entries = [], []
    for model, levels in fitted.fitted:
        if isinstance(model, FittedGradeCohort):
            own = model.kind == entry_sources.OWN
            variants = {"cohort": model}
            rows = entry_rows(model, origin, until - origin, settings.entry_damping)
            if own.any():
                held = np.zeros(own.shape, dtype=bool)
                if len(rows) and len(entry_history):
                    chosen = held_cells(entry_history, rows, origin)
                    cells = chosen[chosen].index
                    a = pd.Index(model.areas).get_indexer(cells.get_level_values("area"))
                    s = [model.slots.index((lv, g)) for lv, g in zip(cells.get_level_values("level"),
                                                                    cells.get_level_values("grade"), strict=True)]
                    held[a, s] = True
                variants["cohort_held"] = dataclasses.replace(model, own_drift=np.where(own, 0.0, model.own_drift))
                variants[STRUCTURAL] = dataclasses.replace(model, own_drift=np.where(held & own, 0.0, model.own_drift))
            else:
                variants[STRUCTURAL] = model
            entries.append(rows)
            basis = _grade_basis(model)
        else:
            variants = {"cohort": model, STRUCTURAL: model}
            basis = model.params.set_index(["area", "level"])["method"]
        for name, variant in variants.items():
            block = variant.project(until, scenario, draws=1)
            frames.append(_level_rows(block, levels, basis).assign(model=name))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=BASE_COLUMNS)
    frame = frame.merge(observed, on=["area", "level"])
    frame["horizon"] = frame["year"] - origin
    entry = pd.concat(entries, ignore_index=True) if entries else pd.DataFrame(columns=ENTRY_COLUMNS)
    return frame, entry, []


def _grade_basis(model: FittedGradeCohort) -> pd.Series:
    """``births`` for areas whose entry grades come from births, else ``own history``."""
    entry_slots = model.pred < 0
    births = (model.kind[:, entry_slots] == entry_sources.BIRTHS).any(axis=1)
    levels = sorted({s[0] for s in model.slots})
    index = pd.MultiIndex.from_product([model.areas, levels], names=["area", "level"])
    return pd.Series(np.repeat(np.where(births, "births", "own history"), len(levels)), index=index)


def _level_rows(block, levels: list[str], basis: pd.Series) -> pd.DataFrame:
    """Level-total rows (area, level, year, forecast, basis) of a one-draw block."""
    cols = [i for i, (lv, g) in enumerate(block.slots) if g == "" and lv in levels]
    values = block.draws[..., 0][:, cols, :]  # [area, level, year]
    n_area, n_level, n_year = values.shape
    frame = pd.DataFrame({"area": np.repeat(np.asarray(block.areas, dtype=object), n_level * n_year),
                          "level": np.tile(np.repeat(np.array([block.slots[i][0] for i in cols], dtype=object),
                                                     n_year), n_area),
                          "year": np.tile(block.years, n_area * n_level),
                          "forecast": values.reshape(-1)})
    frame = frame[np.isfinite(frame["forecast"].to_numpy(dtype=float))]
    b = basis.reindex(pd.MultiIndex.from_frame(frame[["area", "level"]])).to_numpy()
    return frame.assign(basis=np.where(pd.isna(b), "", b))
