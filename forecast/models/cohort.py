"""Cohort-flow models: follow children from birth through the grades.

Two estimators share one output (a ``Block`` of draws, area x slot x year x draw):

* ``LevelCohortFlow`` for datasets that give only level totals (the plans):
  E(l, t) = R(l, t) x C(l, t), with C(l, t) = sum of births of the cohorts of level l's
  ages in year t. R is calibrated to the base year; its drift, estimated from the observed
  years, is the implied net migration (and participation change) per year, damped
  as it is carried forward.
* ``GradeCohortFlow`` for grade panels: entry ratios on births, grade progression ratios,
  transitions to grades 7 and 10 and the general/vocational share.

docs/methods.md gives the equations and a worked example. Arrays are vectorised over
areas and draws; only years (a few dozen at most) are looped over.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.births import BirthSchedule
from forecast.buffers import BufferPool, take
from forecast.config import Scenario
from forecast.dataset import Dataset
from forecast.levels import GRADES, LEVELS, ages
from forecast.uncertainty import damped_sum, generator

SENIOR = ("senior_general", "senior_vocational")


@dataclass
class Block:
    """Projected draws for a set of areas: draws[area, slot, year, draw]."""

    areas: list[str]
    slots: list[tuple[str, str]]  # (level, grade); grade "" = level total
    years: np.ndarray
    draws: np.ndarray
    model: str


def _cohort_sums(totals: pd.DataFrame, births: pd.DataFrame) -> pd.Series:
    """C(area, level, year): births of the cohorts a level serves in that year."""
    lookup = births.set_index(["area", "year"])["births"]
    sums = pd.Series(0.0, index=totals.index)
    for level in totals["level"].unique():
        mask = totals["level"] == level
        for age in ages(level):
            key = pd.MultiIndex.from_arrays([totals.loc[mask, "area"], totals.loc[mask, "year"] - age])
            sums.loc[mask] += lookup.reindex(key).to_numpy()
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
        totals["cohort"] = _cohort_sums(totals, dataset.births)
        totals = totals[(totals["cohort"] > 0) & (totals["students"] > 0)].copy()
        if totals.empty:
            raise ValueError(f"{dataset.name}: no level total can be paired with the births "
                             "of its cohorts; the level cohort model cannot be fitted")
        totals["log_ratio"] = np.log(totals["students"] / totals["cohort"])
        totals = totals.sort_values(["area", "level", "year"])
        recent = totals.groupby(["area", "level"]).tail(self.migration_window).copy()
        params = _drift_table(recent)
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

    def iter_chunks(self, until: int, scenario: Scenario | None = None, draws: int = 1,
                    seed: int = 1, chunk: int = 500, pool: BufferPool | None = None):
        """Yield the layout (areas, slots, years), then (start, stop, draws[area, slot, year,
        draw]) for consecutive chunks of areas, so memory stays bounded."""
        scenario = scenario or Scenario()
        self.implied = None
        params = self.params.copy()
        years = np.arange(self.dataset.base_year + 1, until + 1)
        areas = sorted(params["area"].unique())
        levels = [lv for lv in LEVELS if lv in set(params["level"])]
        births = BirthSchedule(self.dataset.births, areas, years[0] - 17, until - 3, scenario.births)
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
        extra = _additions(areas, levels, years, scenario)
        yield areas, [(lv, "") for lv in levels], years
        for start in range(0, len(areas), chunk):
            stop = min(start + chunk, len(areas))
            rows = slice(start, stop)
            rng = generator(seed, start)
            b = births.draws(rows, draws, rng)
            cohort = np.stack([_sum_ages(b, births, years, lv) for lv in levels], axis=1)
            noise = np.cumsum(rng.standard_normal(cohort.shape) * step_sd[rows, :, None, None], axis=2) \
                if draws > 1 else 0.0
            out = take(pool, cohort.shape)
            np.exp(log_ratio[rows][..., None] + noise, out=out)
            out *= cohort
            out += extra[rows][..., None]
            _apply_general_share(out, levels, scenario.general_share)
            np.maximum(out, 0, out=out)
            yield start, stop, out

    def _solve_for_targets(self, table: pd.DataFrame, births: BirthSchedule,
                           drift: np.ndarray) -> np.ndarray:
        """The yearly drift that makes the central projection meet each enrolment target."""
        targets = self.dataset.table("targets")
        targets = targets[(targets["indicator"] == "enrolment") & targets["level"].isin(LEVELS)]
        rows = []
        drift = drift.copy()
        keys = list(table.index)
        for target in targets.itertuples():
            key = (target.area, target.level)
            if key not in keys:
                continue
            i = keys.index(key)
            h = target.year - table["origin"].iloc[i]
            if h <= 0:
                continue
            cohort = sum(births.central[births.areas.index(target.area), births.index(target.year - a)]
                         for a in ages(target.level))
            build = float(damped_sum(np.array([h]), self.settings.migration_damping)[0])
            solved = (np.log(target.value / cohort) - table["log_ratio"].iloc[i]) / build
            rows.append({"area": target.area, "level": target.level, "target_year": int(target.year),
                         "target": target.value, "estimated_yearly_factor": float(np.exp(drift[i])),
                         "implied_yearly_factor": float(np.exp(solved))})
            drift[i] = solved
        self.implied = pd.DataFrame(rows)
        return drift


def _sum_ages(b: np.ndarray, births: BirthSchedule, years: np.ndarray, level: str) -> np.ndarray:
    """Cohort sums [area, year, draw] for one level from births draws [area, birth year, draw]."""
    idx = np.array([[births.index(t - a) for a in ages(level)] for t in years])
    return b[:, idx, :].sum(axis=2)


def _additions(areas: list[str], levels: list[str], years: np.ndarray, scenario: Scenario) -> np.ndarray:
    """Persons added by explicit net movers and new housing, cumulated over the years."""
    extra = np.zeros((len(areas), len(levels), len(years)))
    for area, by_level in scenario.migration.net_movers.items():
        if area in areas:
            for level, movers in by_level.items():
                if level in levels:
                    extra[areas.index(area), levels.index(level)] += movers * np.arange(1, len(years) + 1)
    housing = scenario.housing
    if housing:
        for area, by_year in housing.dwellings.items():
            if area not in areas:
                continue
            built = np.array([by_year.get(int(y), 0.0) for y in years]).cumsum()
            for level, pupils in housing.pupils_per_dwelling.items():
                if level in levels:
                    extra[areas.index(area), levels.index(level)] += built * pupils
    return extra


def _apply_general_share(out: np.ndarray, levels: list[str], share: float | None) -> None:
    """Split the senior total into general and vocational by ``share`` (in place)."""
    if share is None or not all(lv in levels for lv in SENIOR):
        return
    g, v = levels.index(SENIOR[0]), levels.index(SENIOR[1])
    total = out[:, g] + out[:, v]
    out[:, g] = share * total
    out[:, v] = (1 - share) * total


# --------------------------------------------------------------------------- grade panels

# Grade slots in flow order; senior grades have one slot per track.
GRADE_SLOTS: list[tuple[str, str]] = (
    [("kindergarten", g) for g in GRADES["kindergarten"]]
    + [("primary", g) for g in GRADES["primary"]]
    + [("junior", g) for g in GRADES["junior"]]
    + [("senior_general", g) for g in GRADES["senior_general"]]
    + [("senior_vocational", g) for g in GRADES["senior_vocational"]]
)
SLOT = {slot: i for i, slot in enumerate(GRADE_SLOTS)}


@dataclass
class GradeCohortFlow:
    """Grade-level cohort flow. ``ratio_method``: ``mean`` of the last ``window`` ratios, or
    ``ses`` (exponential smoothing with ``alpha``)."""

    ratio_method: str = "mean"
    window: int = 3
    alpha: float = 0.4
    name: str = "cohort_grade"

    def fit(self, dataset: Dataset) -> FittedGradeCohort:
        enrol = dataset.enrolment[(dataset.enrolment["grade"] != "")
                                  & (dataset.enrolment["year"] <= dataset.base_year)]
        if enrol.empty:
            raise ValueError(f"{dataset.name}: no enrolment by grade; use the level cohort model")
        areas = sorted(enrol["area"].unique())
        years = np.arange(enrol["year"].min(), dataset.base_year + 1)
        panel = np.full((len(areas), len(GRADE_SLOTS), len(years)), np.nan)
        a = enrol["area"].map({x: i for i, x in enumerate(areas)}).to_numpy()
        s = np.array([SLOT[(lv, g)] for lv, g in zip(enrol["level"], enrol["grade"], strict=True)])
        panel[a, s, enrol["year"].to_numpy() - years[0]] = enrol["students"].to_numpy()
        births = dataset.births.pivot_table(index="area", columns="year", values="births")
        births = births.reindex(index=areas, columns=np.arange(years[0] - 6, years[-1] + 1))
        ratios = _grade_ratios(panel, births.to_numpy(dtype=float), years)
        central = {k: _combine(v, self.ratio_method, self.window, self.alpha) for k, v in ratios.items()}
        spread = {k: _log_spread(v) for k, v in ratios.items()}
        return FittedGradeCohort(self, dataset, areas, panel[:, :, -1], central, spread)


def _grade_ratios(panel: np.ndarray, births: np.ndarray, years: np.ndarray) -> dict[str, np.ndarray]:
    """Observed ratios over time [area, ratio, year]; NaN where not observable."""
    b = lambda age: births[:, 6 - age: 6 - age + len(years)]  # noqa: E731 births of t - age
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {
            "kindergarten": np.stack([panel[:, SLOT[("kindergarten", g)]] / b(3 + k)
                                      for k, g in enumerate(GRADES["kindergarten"])], axis=1),
            "entry": (panel[:, SLOT[("primary", "1")]] / b(6))[:, None],
        }
        prev, nxt = panel[:, :, :-1], panel[:, :, 1:]
        steps = []
        for slot in GRADE_SLOTS:
            level, grade = slot
            grades = GRADES[level]
            i = grades.index(grade)
            if i > 0:
                steps.append(nxt[:, SLOT[slot]] / prev[:, SLOT[(level, grades[i - 1])]])
            else:
                steps.append(np.full(nxt.shape[::2], np.nan))
        out["progression"] = np.stack(steps, axis=1)
        g6, g9 = prev[:, SLOT[("primary", "6")]], prev[:, SLOT[("junior", "9")]]
        g10 = nxt[:, SLOT[("senior_general", "10")]]
        v10 = nxt[:, SLOT[("senior_vocational", "10")]]
        out["transition"] = np.stack([nxt[:, SLOT[("junior", "7")]] / g6,
                                      np.nansum([g10, v10], axis=0) / g9], axis=1)
        out["transition"][:, 1][np.isnan(g10) & np.isnan(v10)] = np.nan
        cur_g = panel[:, SLOT[("senior_general", "10")]]
        cur_v = panel[:, SLOT[("senior_vocational", "10")]]
        out["general_share"] = (cur_g / (cur_g + np.nan_to_num(cur_v)))[:, None]
    return {k: np.where(np.isfinite(v), v, np.nan) for k, v in out.items()}


def _combine(values: np.ndarray, method: str, window: int, alpha: float) -> np.ndarray:
    """Central ratio from the history on the last axis: mean of the latest ``window``
    observed values, or simple exponential smoothing (the latest weighted ``alpha``)."""
    observed = ~np.isnan(values)
    # rank of each observation counted from the latest (0 = latest)
    rank = np.cumsum(observed[..., ::-1], axis=-1)[..., ::-1] - 1
    if method == "ses":
        weights = np.where(observed, alpha * (1 - alpha) ** rank, 0.0)
        weights = np.where(observed & (rank == observed.sum(-1, keepdims=True) - 1),
                           (1 - alpha) ** rank, weights)  # the oldest value carries the rest
    else:
        weights = np.where(observed & (rank < window), 1.0, 0.0)
    total = weights.sum(-1)
    with np.errstate(invalid="ignore"):
        return np.where(total > 0, np.nansum(np.nan_to_num(values) * weights, -1) / total, np.nan)


def _log_spread(values: np.ndarray) -> np.ndarray:
    """Spread (sd of log ratios) over the history; pooled across areas where an area has
    fewer than three observations."""
    logs = np.log(np.where(values > 0, values, np.nan))
    count = (~np.isnan(logs)).sum(-1)
    with warnings.catch_warnings():  # short or empty histories are expected; handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        own = np.nanstd(logs, axis=-1, ddof=1) if logs.shape[-1] > 1 else np.zeros(logs.shape[:-1])
        pooled = np.nanmedian(np.where(count >= 3, own, np.nan), axis=0) if (count >= 3).any() \
            else np.zeros(logs.shape[1])
    pooled = np.nan_to_num(pooled)
    return np.where(count >= 3, np.nan_to_num(own), pooled[None, :])


@dataclass
class FittedGradeCohort:
    settings: GradeCohortFlow
    dataset: Dataset
    areas: list[str]
    base: np.ndarray  # enrolment by slot in the base year [area, slot]
    ratios: dict[str, np.ndarray]  # central ratios [area, k]
    spread: dict[str, np.ndarray]  # sd of log ratios [area, k]

    def project(self, until: int, scenario: Scenario | None = None, draws: int = 1,
                seed: int = 1, chunk: int = 100) -> Block:
        return collect(self, until, scenario, draws, seed, chunk)

    def iter_chunks(self, until: int, scenario: Scenario | None = None, draws: int = 1,
                    seed: int = 1, chunk: int = 100, pool: BufferPool | None = None):
        """Yield the layout (areas, slots, years), then (start, stop, draws) per chunk of
        areas: grade slots of the levels present, then one level-total slot per level."""
        scenario = scenario or Scenario()
        years = np.arange(self.dataset.base_year + 1, until + 1)
        births = BirthSchedule(self.dataset.births, self.areas, years[0] - 6, until - 3, scenario.births)
        ratios = self._scenario_ratios(scenario)
        present = ~np.all(np.isnan(self.base), axis=0)  # slots observed in any area
        levels = [lv for lv in LEVELS if any(present[SLOT[s]] for s in GRADE_SLOTS if s[0] == lv)]
        slots = [s for s in GRADE_SLOTS if s[0] in levels]
        slot_idx = np.array([SLOT[s] for s in slots])
        # Each level's grades are consecutive in GRADE_SLOTS: sum them through a slice (a view).
        spans = [slice(SLOT[(lv, GRADES[lv][0])], SLOT[(lv, GRADES[lv][-1])] + 1) for lv in levels]
        extra = _additions(self.areas, levels, years, scenario)
        n_grade = len(GRADE_SLOTS)
        yield self.areas, slots + [(lv, "") for lv in levels], years
        for start in range(0, len(self.areas), chunk):
            stop = min(start + chunk, len(self.areas))
            rows = slice(start, stop)
            rng = generator(seed, start)
            b = births.draws(rows, draws, rng)
            drawn = {k: _draw_ratio(v[rows], self.spread[k][rows], draws, rng) for k, v in ratios.items()}
            out = take(pool, (stop - start, n_grade + len(levels), len(years), draws))
            _roll_forward(self.base[rows], drawn, b, births, years, out[:, :n_grade])
            for j, span in enumerate(spans):
                total = _nansum_grades(out[:, span])
                added = extra[rows, j][..., None]
                if added.any():  # spread additions over the level's grades in proportion
                    with np.errstate(invalid="ignore", divide="ignore"):
                        out[:, span] *= np.nan_to_num((total + added) / total, nan=1.0)[:, None]
                    total = np.maximum(total + added, 0)
                    np.maximum(out[:, span], 0, out=out[:, span])
                out[:, n_grade + j] = total
            if len(slot_idx) < n_grade:  # keep the grade slots of the levels present
                out = out[:, np.concatenate([slot_idx, n_grade + np.arange(len(levels))])]
            yield start, stop, out

    def _scenario_ratios(self, scenario: Scenario) -> dict[str, np.ndarray]:
        ratios = {k: v.copy() for k, v in self.ratios.items()}
        if "junior" in scenario.transition:
            ratios["transition"][:, 0] = scenario.transition["junior"]
        if "senior" in scenario.transition:
            ratios["transition"][:, 1] = scenario.transition["senior"]
        if scenario.general_share is not None:
            ratios["general_share"][:] = scenario.general_share
        prog = ratios["progression"]
        if scenario.migration.mode == "none":
            prog = np.where(np.isnan(prog), np.nan, 1.0)
        elif scenario.migration.mode == "scaled":
            prog = np.exp(np.log(prog) * scenario.migration.scale)
        ratios["progression"] = prog
        return ratios


def collect(fitted, until: int, scenario: Scenario | None, draws: int, seed: int, chunk: int) -> Block:
    """All chunks of a fitted model in one Block (for small runs, tests and notebooks)."""
    chunks = fitted.iter_chunks(until, scenario, draws, seed, chunk)
    areas, slots, years = next(chunks)
    parts = [arr for _, _, arr in chunks]
    return Block(areas, slots, years, np.concatenate(parts, axis=0), fitted.settings.name)


def _nansum_grades(grades: np.ndarray) -> np.ndarray:
    """Sum over the grade axis (1) ignoring grades the panel lacks; NaN if it has none."""
    total = grades.sum(axis=1)
    missing = np.isnan(total)
    if missing.any():  # only cells with a missing grade pay for the NaN-aware sum
        cells = np.moveaxis(grades, 1, -1)[missing]
        total[missing] = np.where(np.isnan(cells).all(axis=-1), np.nan, np.nansum(cells, axis=-1))
    return total


def _draw_ratio(central: np.ndarray, sd: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Ratio draws [area, k, draw]: log-normal around the central ratio, mean-preserving."""
    if draws == 1:
        return central[..., None]
    z = rng.standard_normal(central.shape + (draws,))
    return central[..., None] * np.exp(z * sd[..., None] - 0.5 * sd[..., None] ** 2)


def _roll_forward(base: np.ndarray, r: dict[str, np.ndarray], b: np.ndarray,
                  births: BirthSchedule, years: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Move every cohort up one grade a year, writing into ``out`` [area, slot, year, draw].
    base [area, slot]; r[k] [area, k, draw]; b births draws [area, birth year, draw]."""
    draws = b.shape[2]
    state = np.repeat(base[:, :, None], draws, axis=2)
    prog = r["progression"]
    share = np.nan_to_num(r["general_share"][:, 0], nan=1.0)
    for j, t in enumerate(years):
        new = out[:, :, j]  # each year is written once, straight into the output
        np.multiply(state[:, :-1], prog[:, 1:], out=new[:, 1:])  # grade g-1 -> g within a level
        for k, grade in enumerate(GRADES["kindergarten"]):
            new[:, SLOT[("kindergarten", grade)]] = r["kindergarten"][:, k] * b[:, births.index(t - 3 - k)]
        new[:, SLOT[("primary", "1")]] = r["entry"][:, 0] * b[:, births.index(t - 6)]
        new[:, SLOT[("junior", "7")]] = r["transition"][:, 0] * state[:, SLOT[("primary", "6")]]
        entering = r["transition"][:, 1] * state[:, SLOT[("junior", "9")]]
        new[:, SLOT[("senior_general", "10")]] = share * entering
        new[:, SLOT[("senior_vocational", "10")]] = (1 - share) * entering
        state = new
    return out
