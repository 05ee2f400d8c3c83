"""Grade-level cohort flow for any school system the dataset declares.

Each year every cohort moves up one grade. A grade is filled (``forecast.models.entry``)
by progression from the grade below in the same area, by entry from births, from the
area's own entrants' history when it has no births, or as a share of a feeder pool when
the area does not teach the grade below (middle and high schools). Ratios (progression,
entry, pool share) are the mean of the latest ``window`` observed values (or exponentially
smoothed); their spread over history gives the Monte Carlo draws.

Every grade an area teaches in the base year is projected, or refused with a reason
(``FittedGradeCohort.refusals``); a level total is the sum of the grades the area teaches,
NaN (refused) when one of them is refused, never a partial sum.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from forecast.data.births import BirthSchedule
from forecast.data.config import Scenario
from forecast.data.dataset import Dataset
from forecast.engine.blocks import Block
from forecast.engine.buffers import BufferPool, take
from forecast.engine.streams import AreaStreams
from forecast.engine.subtrees import chunk_bounds, group_labels, grouped_order
from forecast.models import entry
from forecast.models.flow import (
    additions,
    collect,
    draw_ratio,
    log_spread,
    ratio_central,
)
from forecast.models.shrinkage import shrink_level, shrink_log

WINSOR_SHARE = 0.01  # ratios beyond the 1st-99th percentile of all areas' are limited to it
WINSOR_MIN_AREAS = 50  # ... when at least this many areas give a value


@dataclass
class GradeCohortFlow:
    """Grade-level cohort flow. ``ratio_method``: ``mean`` of the last ``window`` ratios, or
    ``ses`` (exponential smoothing with ``alpha``). Entrants without births follow a damped
    trend of their own history (``entry_window`` latest changes, ``entry_damping``)."""

    ratio_method: str = "mean"
    window: int = 3
    alpha: float = 0.4
    entry_window: int = 3
    entry_damping: float = 0.5
    limit_ratios: bool = True
    shrink: bool = True
    name: str = "cohort_grade"

    def fit(self, dataset: Dataset) -> FittedGradeCohort:
        system = dataset.system
        enrol = dataset.enrolment[(dataset.enrolment["grade"] != "")
                                  & (dataset.enrolment["year"] <= dataset.base_year)]
        if enrol.empty:
            from forecast.common.errors import DataLimitError

            raise DataLimitError(f"{dataset.name}: no enrolment by grade; use the level cohort model")
        slots = system.slots()
        index = {s: i for i, s in enumerate(slots)}
        areas = _pool_order(sorted(enrol["area"].unique()), dataset)
        years = np.arange(int(enrol["year"].min()), dataset.base_year + 1)
        panel = np.full((len(areas), len(slots), len(years)), np.nan)
        a = pd.Index(areas).get_indexer(enrol["area"])  # a hash lookup, not a dict call per row
        pairs = enrol[["level", "grade"]].drop_duplicates()  # a few dozen, not a row each
        slot_of = pd.Series([index[(lv, g)] for lv, g in zip(pairs["level"], pairs["grade"], strict=True)],
                            index=pd.MultiIndex.from_frame(pairs))
        s = slot_of.reindex(pd.MultiIndex.from_frame(enrol[["level", "grade"]])).to_numpy()
        panel[a, s, enrol["year"].to_numpy() - years[0]] = enrol["students"].to_numpy()

        pred = entry.predecessors(system)
        ages = np.array([system.grade_age(lv, g) for lv, g in slots])
        # A grade is taught where it has pupils in the base year: panels report 0 for the
        # grades a school does not teach (a 9-12 high school's grades K-8).
        present = panel[:, :, -1] > 0
        births = _births_panel(dataset.births, areas, years, ages)
        birth_entry = present & (pred < 0)[None, :]
        has_births = ~np.any(birth_entry & np.isnan(births[:, :, -1]), axis=1) & \
            np.isfinite(births[:, :, -1]).any(axis=1)
        parents = dataset.areas.set_index("area")["parent"]
        feeders = dataset.tables.get("feeders")
        pools = entry.pool_weights(areas, parents, feeders)
        declared = entry.declared_pool(areas, feeders)
        kind = entry.plan(present, pred, has_births, entry.has_pool(pools))

        history = _ratio_history(panel, births, pred, pools, kind)
        central = ratio_central(history, self.ratio_method, self.window, self.alpha)
        spread = log_spread(history)
        if self.shrink:
            used = np.minimum((~np.isnan(history)).sum(-1), self.window)
            for k in (entry.PROGRESSION, entry.BIRTHS, entry.POOL):
                central, _ = shrink_log(history, central, kind == k, used)
        central, borrowed = _fill_from_other_areas(central, kind)
        limited = np.zeros(kind.shape, dtype=bool)
        for k in (entry.PROGRESSION, entry.BIRTHS, entry.POOL) if self.limit_ratios else ():
            central, hit = _winsorise(central, kind == k, log=True)
            limited |= hit
            spread, _ = _winsorise(spread, kind == k)
        central[(kind == entry.POOL) & declared[:, None]] = 1.0  # declared shares are in the pool
        spread[(kind == entry.POOL) & declared[:, None]] = 0.0
        last, drift, own_sd = entry.own_trend(panel, self.entry_window)
        if self.shrink:
            steps = np.diff(np.log(np.where(panel > 0, panel, np.nan)), axis=-1)
            n = np.minimum((~np.isnan(steps)).sum(-1), self.entry_window)
            drift = shrink_level(drift, own_sd ** 2 / np.maximum(n, 1), kind == entry.OWN)
        if self.limit_ratios:
            drift, hit = _winsorise(drift, kind == entry.OWN)
            limited |= hit
            own_sd, _ = _winsorise(own_sd, kind == entry.OWN)
        base = panel[:, :, -1]
        with np.errstate(divide="ignore"):  # zero entrants in the base year stay at zero
            last = np.where(base > 0, last, np.where(base == 0, -np.inf, np.nan))
        fitted = FittedGradeCohort(self, dataset, areas, slots, pred, ages, kind, panel[:, :, -1],
                                   central, spread, last, drift, own_sd, pools)
        fitted.refusals = _refusals(areas, slots, pred, kind, central, last, borrowed, limited)
        fitted.entry_methods = entry.describe(areas, slots, kind, pools, parents, declared)
        return fitted


def _pool_order(areas: list[str], dataset: Dataset) -> list[str]:
    """Areas ordered so that every feeder pool (siblings under one parent, declared
    feeders) and every subtree is contiguous: chunks then never cut one."""
    pools = entry.pool_weights(areas, dataset.areas.set_index("area")["parent"],
                               dataset.tables.get("feeders"))
    return grouped_order(areas, group_labels(areas, dataset.areas, pools))


def _births_panel(births: pd.DataFrame, areas: list[str], years: np.ndarray,
                  ages: np.ndarray) -> np.ndarray:
    """Births of each slot's cohort in each observed year [area, slot, year] (NaN: unknown)."""
    if births.empty:
        return np.full((len(areas), len(ages), len(years)), np.nan)
    table = births.pivot_table(index="area", columns="year", values="births", aggfunc="sum")
    born = years[None, :] - ages[:, None]  # [slot, year]
    table = table.reindex(index=areas, columns=np.unique(born))
    values = table.to_numpy(dtype=float)
    col = np.searchsorted(table.columns.to_numpy(), born)
    return values[:, col]


def _ratio_history(panel: np.ndarray, births: np.ndarray, pred: np.ndarray,
                   pools: sparse.csr_matrix, kind: np.ndarray) -> np.ndarray:
    """Observed ratios over time [area, slot, year] for each slot's source (NaN elsewhere)."""
    n_area, n_slot, n_year = panel.shape
    out = np.full(panel.shape, np.nan)
    step = pred >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        from_pred = np.full(panel.shape, np.nan)
        from_pred[:, step, 1:] = panel[:, step, 1:] / panel[:, pred[step], :-1]
        from_births = panel / births
        pooled = np.full(panel.shape, np.nan)
        uses_pool = np.flatnonzero((kind == entry.POOL).any(axis=0))
        if len(uses_pool):
            feeding = panel[:, pred[uses_pool], :-1]  # [area, k, year-1]
            flat = np.nan_to_num(feeding).reshape(n_area, -1)
            seen = (~np.isnan(feeding)).reshape(n_area, -1).astype(float)
            total = (pools @ flat).reshape(feeding.shape)
            counted = ((pools != 0).astype(float) @ seen).reshape(feeding.shape)
            total = np.where(counted > 0, total, np.nan)
            pooled[:, uses_pool, 1:] = panel[:, uses_pool, 1:] / total
    out = np.where(kind[..., None] == entry.PROGRESSION, from_pred, out)
    out = np.where(kind[..., None] == entry.BIRTHS, from_births, out)
    out = np.where(kind[..., None] == entry.POOL, pooled, out)
    return np.where(np.isfinite(out) & (out > 0), out, np.nan)


def _fill_from_other_areas(central: np.ndarray, kind: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where an area's ratio has no history (e.g. a grade it began teaching in the base
    year), borrow the median of the other areas' ratios of the same slot and source."""
    central = central.copy()
    borrowed = np.zeros(central.shape, dtype=bool)
    for k in (entry.PROGRESSION, entry.BIRTHS, entry.POOL):
        mine = kind == k
        gap = mine & np.isnan(central)
        if not gap.any():
            continue
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slots are handled below
            median = np.nanmedian(np.where(mine, central, np.nan), axis=0)
        fill = gap & ~np.isnan(median)[None, :]
        central[fill] = np.broadcast_to(median, central.shape)[fill]
        borrowed |= fill
    return central, borrowed


def _refusals(areas: list[str], slots: list[tuple[str, str]], pred: np.ndarray, kind: np.ndarray,
              central: np.ndarray, last: np.ndarray, borrowed: np.ndarray,
              limited: np.ndarray) -> pd.DataFrame:
    """Area x grade taught in the base year that cannot be projected, with the reason; also
    the grades whose ratio is borrowed from other areas (a note, not a refusal)."""
    rows = []
    no_ratio = np.isin(kind, (entry.PROGRESSION, entry.BIRTHS, entry.POOL)) & np.isnan(central)
    no_history = (kind == entry.OWN) & np.isnan(last)
    why = {entry.PROGRESSION: "no year in which this grade and the grade below were both observed, "
                              "in this or any other area",
           entry.BIRTHS: "no year in which this grade and the births of its cohort were both known",
           entry.POOL: "no year in which this grade and its feeder pool were both observed"}
    for a, s in zip(*np.nonzero(no_ratio | no_history), strict=True):
        reason = why.get(int(kind[a, s]), "no observed entrants")
        rows.append({"area": areas[a], "level": slots[s][0], "grade": slots[s][1],
                     "status": "refused", "reason": reason})
    # grades fed by a refused grade cannot be projected either
    refused = no_ratio | no_history
    changed = True
    while changed:
        fed = (kind == entry.PROGRESSION) & (pred >= 0)[None, :] & refused[:, np.maximum(pred, 0)] & ~refused
        changed = bool(fed.any())
        for a, s in zip(*np.nonzero(fed), strict=True):
            rows.append({"area": areas[a], "level": slots[s][0], "grade": slots[s][1],
                         "status": "refused", "reason": f"fed by grade {slots[pred[s]][1]}, which is refused"})
        refused |= fed
    for a, s in zip(*np.nonzero(borrowed), strict=True):
        rows.append({"area": areas[a], "level": slots[s][0], "grade": slots[s][1],
                     "status": "borrowed ratio",
                     "reason": "no history of its own: the median ratio of the other areas is used"})
    for a, s in zip(*np.nonzero(limited), strict=True):
        rows.append({"area": areas[a], "level": slots[s][0], "grade": slots[s][1],
                     "status": "ratio limited",
                     "reason": f"its ratio or trend lay beyond the {100 * WINSOR_SHARE:g}-"
                               f"{100 - 100 * WINSOR_SHARE:g} % range of all areas' and was brought to it"})
    return pd.DataFrame(rows, columns=["area", "level", "grade", "status", "reason"])


def _winsorise(values: np.ndarray, mask: np.ndarray, log: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Bring each slot's values (of the areas in ``mask``) into the range between the
    ``WINSOR_SHARE`` and 1 - ``WINSOR_SHARE`` quantiles of all those areas' values, when at
    least ``WINSOR_MIN_AREAS`` areas have one: a district whose pupils multiplied (a virtual
    school opening, a merger) must not compound that jump year after year. The limits come
    from the dataset itself; small datasets are left as they are."""
    data = np.log(np.where(values > 0, values, np.nan)) if log else values.astype(float)
    masked = np.where(mask & np.isfinite(data), data, np.nan)
    enough = (~np.isnan(masked)).sum(axis=0) >= WINSOR_MIN_AREAS
    if not enough.any():
        return values, np.zeros(values.shape, dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanquantile(masked[:, enough], WINSOR_SHARE, axis=0)
        hi = np.nanquantile(masked[:, enough], 1 - WINSOR_SHARE, axis=0)
    low = np.full(values.shape[1], -np.inf)
    high = np.full(values.shape[1], np.inf)
    low[enough], high[enough] = lo, hi
    clipped = np.clip(masked, low, high)
    hit = ~np.isnan(masked) & (clipped != masked)
    out = np.where(hit, np.exp(clipped) if log else clipped, values)
    return out, hit


@dataclass
class FittedGradeCohort:
    settings: GradeCohortFlow
    dataset: Dataset
    areas: list[str]
    slots: list[tuple[str, str]]
    pred: np.ndarray  # [slot] predecessor slot, -1 from births
    ages: np.ndarray  # [slot] age of the children
    kind: np.ndarray  # [area, slot] source (forecast.models.entry codes)
    base: np.ndarray  # enrolment by slot in the base year [area, slot]
    central: np.ndarray  # central ratio [area, slot]
    spread: np.ndarray  # sd of log ratios [area, slot]
    own_last: np.ndarray  # own-history entrants: last log value [area, slot]
    own_drift: np.ndarray  # mean yearly log change [area, slot]
    own_sd: np.ndarray  # spread of yearly log changes [area, slot]
    pools: sparse.csr_matrix  # feeder pool weights [area, area]
    refusals: pd.DataFrame = field(default_factory=pd.DataFrame)
    entry_methods: pd.DataFrame = field(default_factory=pd.DataFrame)

    def project(self, until: int, scenario: Scenario | None = None, draws: int = 1,
                seed: int = 1, chunk: int = 100) -> Block:
        return collect(self, until, scenario, draws, seed, chunk)

    def expected(self) -> np.ndarray:
        """[area, slot] of the layout ``iter_chunks`` yields: True where the area teaches the
        grade (or, for level totals, any grade of the level) in the base year."""
        levels = self.levels()
        keep = [i for i, s in enumerate(self.slots) if s[0] in levels]
        taught = self.kind != entry.NONE
        totals = [taught[:, [i for i, s in enumerate(self.slots) if s[0] == lv]].any(axis=1) for lv in levels]
        return np.column_stack([taught[:, keep], *totals])

    def levels(self) -> list[str]:
        """Levels with a grade taught somewhere in the base year, in the system's order."""
        taught = (self.kind != entry.NONE).any(axis=0)
        return [lv for lv in self.dataset.system.level_names
                if any(taught[i] for i, s in enumerate(self.slots) if s[0] == lv)]

    def groups(self) -> np.ndarray:
        """Group of each area (forecast.engine.subtrees): a chunk holds whole groups."""
        return group_labels(self.areas, self.dataset.areas, self.pools)

    def chunk_bounds(self, chunk: int) -> list[tuple[int, int]]:
        """Consecutive area ranges of about ``chunk`` areas that never cut a feeder pool or
        a subtree."""
        return chunk_bounds(self.groups(), chunk)

    def iter_chunks(self, until: int, scenario: Scenario | None = None, draws: int = 1,
                    seed: int = 1, chunk: int = 100, pool: BufferPool | None = None,
                    bounds: list[tuple[int, int]] | None = None):
        """Yield the layout (areas, slots, years), then (start, stop, draws) per chunk of
        areas (``bounds``, else ``chunk_bounds(chunk)``): grade slots of the levels taught,
        then one level-total slot per level."""
        scenario = scenario or Scenario()
        years = np.arange(self.dataset.base_year + 1, until + 1)
        births = None
        if len(self.dataset.births):
            births = BirthSchedule(self.dataset.births, self.areas, years[0] - int(self.ages.max()),
                                   until - int(self.ages.min()), scenario.births)
        central = self._scenario_ratios(scenario)
        levels = self.levels()
        keep = np.array([i for i, s in enumerate(self.slots) if s[0] in levels])
        spans = [np.array([i for i, s in enumerate(self.slots) if s[0] == lv]) for lv in levels]
        extra = additions(self.areas, levels, years, scenario)
        own_multiplier = _own_births_multiplier(scenario, years, self.ages)
        n_slot = len(self.slots)
        yield self.areas, [self.slots[i] for i in keep] + [(lv, "") for lv in levels], years
        for start, stop in bounds if bounds is not None else self.chunk_bounds(chunk):
            rows = slice(start, stop)
            rng = AreaStreams(seed, self.areas[start:stop])  # each area's own stream
            b = births.draws(rows, draws, rng) if births is not None else None
            r = draw_ratio(central[rows], self.spread[rows], draws, rng)
            own_cells = np.nonzero(self.kind[rows] == entry.OWN)
            normals = rng.ragged(own_cells[0], (len(years), draws)) if draws > 1 else None
            own = entry.trend_paths(self.own_last[rows][own_cells], self.own_drift[rows][own_cells],
                                    self.own_sd[rows][own_cells], years - self.dataset.base_year,
                                    self.settings.entry_damping, normals)
            own = own * own_multiplier[own_cells[1]][..., None]
            out = take(pool, (stop - start, len(keep) + len(levels), len(years), draws))
            direct = len(keep) == n_slot  # every slot kept: roll forward straight into out
            work = out[:, :n_slot] if direct else take(pool, (stop - start, n_slot, len(years), draws))
            _roll_forward(self, rows, r, b, births, own, own_cells, years, work)
            if not direct:
                out[:, :len(keep)] = work[:, keep]
            kind = self.kind[rows]
            for j, span in enumerate(spans):
                taught = kind[:, span] != entry.NONE
                if taught.all():  # the common case: no copy of the level's grades
                    total = work[:, span[0]:span[-1] + 1].sum(axis=1) if _consecutive(span) \
                        else work[:, span].sum(axis=1)
                else:
                    total = np.where(taught[:, :, None, None], work[:, span], 0.0).sum(axis=1)
                # NaN if a taught grade is NaN (refused): no partial sums
                total[~taught.any(axis=1)] = np.nan
                added = extra[rows, j][..., None]
                if added.any():  # spread additions over the level's grades in proportion
                    with np.errstate(invalid="ignore", divide="ignore"):
                        scale = np.nan_to_num((total + added) / total, nan=1.0)
                    cols = np.searchsorted(keep, span)
                    out[:, cols] *= scale[:, None]
                    total = np.maximum(total + added, 0)
                    np.maximum(out[:, cols], 0, out=out[:, cols])
                out[:, len(keep) + j] = total
            if pool is not None and not direct:
                pool.give(work)
            yield start, stop, out

    def _scenario_ratios(self, scenario: Scenario) -> np.ndarray:
        """Central ratios with the scenario's transition rates, track share and migration."""
        system = self.dataset.system
        central = self.central.copy()
        first = {lv.name: self.slots.index((lv.name, lv.grades[0])) for lv in system.levels}
        for key, value in scenario.transition.items():
            levels = _transition_levels(system, key)
            cols = [first[lv] for lv in levels]
            total = np.nansum(central[:, cols], axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(total > 0, central[:, cols] / total, 1 / len(cols))
            central[:, cols] = value * share
        if scenario.general_share is not None:
            pairs = [system.tracks(lv.name) for lv in system.levels
                     if lv.track and system.tracks(lv.name)[0] == lv.name]
            if not pairs:
                from forecast.data.config import ConfigError

                raise ConfigError(f"general_share needs parallel tracks (e.g. senior general and "
                                  f"vocational); the {system.name} system has none")
            for tracks in pairs:
                cols = [first[lv] for lv in tracks[:2]]
                total = np.nansum(central[:, cols], axis=1)
                central[:, cols[0]] = scenario.general_share * total
                central[:, cols[1]] = (1 - scenario.general_share) * total
        within = np.array([p >= 0 and self.slots[p][0] == s[0] for s, p in zip(self.slots, self.pred, strict=True)])
        moves = (self.kind == entry.PROGRESSION) & within[None, :]
        if scenario.migration.mode == "none":
            central = np.where(moves & ~np.isnan(central), 1.0, central)
        elif scenario.migration.mode == "scaled":
            central = np.where(moves, np.exp(np.log(central) * scenario.migration.scale), central)
        return central


def _consecutive(span: np.ndarray) -> bool:
    return bool(len(span)) and span[-1] - span[0] + 1 == len(span)


def _transition_levels(system, key: str) -> list[str]:
    """The levels a scenario's ``transition`` key sets: a transition level or a track group."""
    for level in system.levels:
        if level.intake == "transition" and key in (level.name, level.track):
            return list(system.tracks(level.name))
    names = sorted({lv.name for lv in system.levels if lv.intake == "transition"}
                   | {lv.track for lv in system.levels if lv.track})
    from forecast.data.config import ConfigError

    raise ConfigError(f"scenario transition '{key}': not a level entered by transition in the "
                      f"{system.name} system (use one of {', '.join(names)})")


def _own_births_multiplier(scenario: Scenario, years: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """Without births, a births scenario's multiplier scales the entrants of the affected
    cohorts (entrants of year t were born in t - age): factors [slot, year]."""
    m = scenario.births.multiplier
    born = years[None, :] - ages[:, None]
    start = scenario.births.from_year
    if isinstance(m, dict):
        factor = np.vectorize(lambda y: m.get(int(y), 1.0))(born).astype(float)
    else:
        factor = np.full(born.shape, float(m))
    if start is not None:
        factor = np.where(born >= start, factor, 1.0)
    return factor


def _runs(slots: np.ndarray, sources: np.ndarray) -> list[tuple[int, int, int]]:
    """``slots`` (ascending) and their ``sources`` as runs (first slot, end slot, first source)
    where both advance by one: grade g + 1 fed by grade g is one run per level or system."""
    runs: list[tuple[int, int, int]] = []
    for s, p in zip(slots.tolist(), sources.tolist(), strict=True):
        if runs and runs[-1][1] == s and runs[-1][2] + (s - runs[-1][0]) == p:
            runs[-1] = (runs[-1][0], s + 1, runs[-1][2])
        else:
            runs.append((s, s + 1, p))
    return runs


def _roll_forward(fitted: FittedGradeCohort, rows: slice, r: np.ndarray, b: np.ndarray | None,
                  births: BirthSchedule | None, own: np.ndarray, own_cells: tuple, years: np.ndarray,
                  out: np.ndarray) -> None:
    """Move every cohort up one grade a year into ``out`` [area, slot, year, draw].
    r [area, slot, draw] ratio draws; b births draws [area, birth year, draw]; own
    [cell, year, draw] own-history entrants of the cells ``own_cells``."""
    kind = fitted.kind[rows]
    pred = fitted.pred
    step = np.flatnonzero(pred >= 0)
    entry_slots = np.flatnonzero(pred < 0)
    pool_slots = np.flatnonzero((kind == entry.POOL).any(axis=0))
    pools = fitted.pools[rows][:, rows]
    draws = r.shape[-1]
    state = np.repeat(fitted.base[rows][:, :, None], draws, axis=2)
    is_pool = kind == entry.POOL
    is_none = kind == entry.NONE
    any_none = bool(is_none.any())
    runs = _runs(step, pred[step])
    for j, t in enumerate(years):
        new = out[:, :, j]
        for s0, s1, p0 in runs:  # slices, so the product is written in place (no temporaries)
            np.multiply(r[:, s0:s1], state[:, p0:p0 + s1 - s0], out=new[:, s0:s1])
        for s in entry_slots:
            if b is not None:
                np.multiply(r[:, s], b[:, births.index(t - int(fitted.ages[s]))], out=new[:, s])
            else:
                new[:, s] = np.nan
        for s in pool_slots:
            feeding = np.nan_to_num(state[:, pred[s]])
            pooled = pools @ feeding
            new[:, s] = np.where(is_pool[:, s, None], r[:, s] * pooled, new[:, s])
        new[own_cells] = own[:, j]
        if any_none:
            new[is_none] = np.nan
        state = new
