"""A build plan from a finished run: cells, candidates and draws in, decisions and risks out.

``make_plan`` takes what a run produced (the level totals of one scenario, the seats by area
x level x year and the capacity items) and the config's ``plan:`` block, builds the MILP
(``forecast.planning.optimise``), solves it, and measures every finest area x level x year's
risk before and after the plan, in sample and on fresh draws. ``forecast.planning.tables``
lays the result out as build_plan.csv, plan_risk.csv and the scheduler.json section.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.data.config import ConfigError, PlanSettings
from forecast.data.dataset import Dataset, areas_below
from forecast.data.standards import Standards
from forecast.planning import risk as rk
from forecast.planning.candidates import generate, read_candidates, read_neighbours
from forecast.planning.optimise import Arc, Cell, Interim, Option, Problem, Solution, solve


@dataclass
class CellData:
    """One finest area x level: its demand distribution and seats over the plan years."""

    area: str
    level: str
    p50: np.ndarray
    sigma: np.ndarray
    p90: np.ndarray
    base: np.ndarray
    classrooms: np.ndarray
    run_p_shortfall: np.ndarray


@dataclass
class Plan:
    years: np.ndarray
    settings: PlanSettings
    cells: list[CellData]
    problem: Problem
    solution: Solution
    seats_after: np.ndarray          # [cells, years]
    risk: dict[str, np.ndarray]      # before / after / after_fresh / before_fresh [cells, years]
    unmet_after: np.ndarray          # expected unmet seats after the plan [cells, years]
    first_open: np.ndarray           # per cell: first year a candidate can open (0 = none)
    candidates_source: str
    rules: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    moved: dict = field(default_factory=dict)  # option -> movable planned project and its years
    base_before: np.ndarray | None = None  # [cells, years] seats as the run counted them
    find: object = None  # CellIndex of the cells


def horizon_of(settings: PlanSettings, until: int, where: str) -> int:
    """The plan's last year: the run's ``until`` or an earlier year."""
    if settings.horizon == "until":
        return until
    if settings.horizon > until:
        raise ConfigError(f"{where}, key plan.horizon: {settings.horizon} is after the run's last "
                          f"projected year {until}; run to {settings.horizon} first (--until)")
    return int(settings.horizon)


def finest_cells(totals: pd.DataFrame, dataset: Dataset) -> list[tuple[str, str]]:
    """(area, level) pairs with projected demand and no area below them projected for that
    level: the cells the risk target applies to."""
    below = areas_below(dataset.areas)
    present = totals[["area", "level"]].drop_duplicates()
    have = {lv: set(part["area"]) for lv, part in present.groupby("level")}
    order = {lv: i for i, lv in enumerate(dataset.system.level_names)}
    out = [(a, lv) for a, lv in zip(present["area"], present["level"], strict=True)
           if not (set(below.get(a, [])) - {a}) & have.get(lv, set())]
    return sorted(out, key=lambda k: (order.get(k[1], 99), k[0]))


def make_plan(settings: PlanSettings, dataset: Dataset, totals: pd.DataFrame, capacity,
              standards: Standards, until: int, seed: int, run_shortfall: pd.DataFrame | None = None,
              where: str = "config") -> Plan:
    """The plan for one scenario's level totals (area, level, year, mean, p10, p50, p90)."""
    base_year = dataset.base_year
    horizon = horizon_of(settings, until, where)
    years = np.arange(base_year + 1, horizon + 1)
    if len(years) == 0:
        raise ConfigError(f"{where}, key plan.horizon: no year after the base year {base_year}")
    first_start = settings.first_start or base_year + 1
    notes: list[str] = []
    keys = finest_cells(totals, dataset)
    cells = _cell_data(keys, totals, capacity, years, run_shortfall)
    limits = {lv: standards.limit(lv) for lv in dataset.system.level_names}
    # draws: one z per path, in sample and fresh
    links = _neighbour_links(dataset, keys, settings, notes)
    group = _components(len(keys), links)
    corr = settings.transfers.correlation if settings.transfers else 0.0
    raw_in = rk.standard_draws(len(keys), settings.draws, seed, rk.IN_SAMPLE, group, corr)
    raw_fresh = rk.standard_draws(len(keys), settings.draws, seed, rk.FRESH, group, corr)
    z_in, z_fresh = np.sort(raw_in, axis=1), np.sort(raw_fresh, axis=1)  # marginal measures
    targets = np.array([rk.quantile_seats(c.p50, c.sigma, z_in[i], settings.risk)
                        for i, c in enumerate(cells)]).reshape(len(cells), len(years))
    find = CellIndex(keys, dataset)
    # movable planned projects leave the base and become options
    moved, committed = _movable(settings, dataset, capacity, find, cells, years, notes)
    # candidates
    candidates, source, assumptions = _candidates(settings, dataset, standards, keys, cells, targets,
                                                  limits, first_start, horizon, where, notes)
    options = committed + _options(candidates, find, first_start, horizon, notes)
    first_open = np.zeros(len(keys), dtype=int)
    for o in options:
        if not o.committed:
            year = min(o.starts) + o.lead
            first_open[o.cell] = year if not first_open[o.cell] else min(first_open[o.cell], year)
    problem_cells = []
    saa_cells = {a for link in links for a in link[:2]}
    for i, c in enumerate(cells):
        hard = int(np.searchsorted(years, first_open[i])) if first_open[i] else len(years)
        problem_cells.append(Cell(
            key=keys[i], base=c.base, classrooms=c.classrooms, limit=limits[c.level],
            target=targets[i], hard_from=hard,
            cuts=_cuts(c, raw_in[i]),
            saa=rk.demand(c.p50, c.sigma, raw_in[i][:settings.saa_draws]) if i in saa_cells else None))
    interim = Interim()
    if settings.temporary_classrooms:
        interim.temp_cost = settings.temporary_classrooms.cost_per_classroom_year
        interim.temp_max = settings.temporary_classrooms.max_per_year
        assumptions.append(f"temporary classrooms: {interim.temp_cost:,.0f} {settings.currency} per "
                           f"classroom-year, at most {interim.temp_max} per area x level x year "
                           f"({settings.temporary_classrooms.assumption})")
    if settings.class_size_headroom:
        h = settings.class_size_headroom
        interim.headroom_size, interim.headroom_penalty = h.max_class_size, h.penalty_per_pupil_year
        assumptions.append(f"class-size headroom up to {h.max_class_size:g} per class at a penalty of "
                           f"{h.penalty_per_pupil_year:,.0f} per pupil-year ({h.assumption})")
    arcs = [Arc(a, b, share, settings.transfers.cost_per_pupil_year) for a, b, share in links] \
        if settings.transfers else []
    if settings.transfers:
        assumptions.append(f"transfers to declared neighbours at {settings.transfers.cost_per_pupil_year:,.0f} "
                           f"{settings.currency} per pupil-year; neighbours share "
                           f"{settings.transfers.correlation:.0%} of their demand uncertainty "
                           f"({settings.transfers.assumption})")
    total, by_year = _budget(settings)
    problem = Problem(years=years, cells=problem_cells, options=options, risk=settings.risk,
                      interim=interim, arcs=arcs, budget_total=total, budget_by_year=by_year,
                      time_limit=settings.time_limit_seconds, mip_gap=settings.mip_gap)
    solution = solve(problem)
    plan = Plan(years, settings, cells, problem, solution, np.zeros((len(cells), len(years))), {},
                np.zeros((len(cells), len(years))), first_open, source, notes=notes,
                assumptions=assumptions, moved=moved)
    plan.base_before = _original_base(problem, cells, years)
    plan.find = find
    _measure(plan, z_in, z_fresh, raw_in, raw_fresh)
    for o, opt in enumerate(options):
        if opt.committed and solution.starts[o]:
            moved[o]["open_year"] = solution.starts[o][0]
    from forecast.planning.rules import compare_rules

    plan.rules = compare_rules(plan, z_in, z_fresh, standards, settings, dataset, capacity, candidates)
    return plan


def _cell_data(keys, totals: pd.DataFrame, capacity, years: np.ndarray,
               run_shortfall: pd.DataFrame | None) -> list[CellData]:
    """Each cell's demand quantiles, seats and classrooms and the run's P(shortfall) by plan
    year, read with one join per table (not one lookup per cell)."""
    n, n_years = len(keys), len(years)
    grid = pd.DataFrame({"area": np.repeat([k[0] for k in keys], n_years),
                         "level": np.repeat([k[1] for k in keys], n_years), "year": np.tile(years, n)})
    key = ["area", "level", "year"]
    demand = grid.merge(totals[key + ["p10", "p50", "p90"]].drop_duplicates(key), on=key, how="left")
    if demand["p50"].isna().any():
        gap = demand[demand["p50"].isna()].iloc[0]
        raise ValueError(f"the run has no demand for {gap['area']} {gap['level']} in {int(gap['year'])}: "
                         "run to the plan's horizon first")
    seats = grid.merge(capacity.rolled[key + ["seats", "classrooms"]], on=key, how="left") \
        if len(capacity.rolled) else grid.assign(seats=0.0, classrooms=0.0)
    run_p = grid.merge(run_shortfall[key + ["p_shortfall"]].drop_duplicates(key), on=key, how="left") \
        if run_shortfall is not None and len(run_shortfall) else grid.assign(p_shortfall=np.nan)
    shape = (n, n_years)
    p10, p50, p90 = (demand[c].to_numpy(dtype=float).reshape(shape) for c in ("p10", "p50", "p90"))
    base = seats["seats"].fillna(0.0).to_numpy(dtype=float).reshape(shape)
    rooms = seats["classrooms"].fillna(0.0).to_numpy(dtype=float).reshape(shape)
    rp = run_p["p_shortfall"].to_numpy(dtype=float).reshape(shape)
    out = []
    for i, (area, level) in enumerate(keys):
        median, sigma = rk.lognormal(p10[i], p50[i], p90[i])
        out.append(CellData(area, level, median, sigma, p90[i], base[i].copy(), rooms[i].copy(), rp[i]))
    return out


def _cuts(cell: CellData, z: np.ndarray):
    """Tangent cuts of the cell's expected unmet seats, computed once when first asked for
    (from at most 1,000 of the in-sample draws: only budget-bound plans need them)."""
    cache: dict = {}

    def cuts():
        if "v" not in cache:
            cache["v"] = rk.unmet_tangents(cell.p50, cell.sigma, z[:1000])
        return cache["v"]

    return cuts


class CellIndex:
    """Finds the finest cell a project or candidate located in ``area`` serves: the cell of
    that area, or of the nearest area above it (None when ``area`` lies above the finest
    areas with demand, or none has that level)."""

    def __init__(self, keys, dataset: Dataset) -> None:
        self.index = {k: i for i, k in enumerate(keys)}
        self.parents = dict(zip(dataset.areas["area"], dataset.areas["parent"], strict=True))

    def __call__(self, area: str, level: str) -> int | None:
        seen = set()
        a = area
        while isinstance(a, str) and a and a not in seen:
            if (a, level) in self.index:
                return self.index[(a, level)]
            seen.add(a)
            a = self.parents.get(a)
        return None


def _movable(settings: PlanSettings, dataset: Dataset, capacity, find, cells, years, notes):
    """With ``plan.movable_projects``: each planned project's part of a finest cell becomes an
    option opening once, within ``project_shift_years`` of its planned year (and within the
    plan years); its seats leave the fixed base."""
    moved: dict[int, dict] = {}
    options: list[Option] = []
    if not settings.movable_projects:
        return moved, options
    items = capacity.items
    items = items[~items["method"].str.startswith("existing") & (items["open_year"] > dataset.base_year)
                  & items["level"].isin(dataset.system.level_names)]
    for row in items.itertuples(index=False):
        cell = find(row.area, row.level)
        seats = float(row.seats) if row.seats == row.seats else 0.0
        if cell is None or seats <= 0:
            continue
        planned = int(row.open_year)
        lo = max(int(years[0]), planned - settings.project_shift_years)
        hi = min(int(years[-1]), planned + settings.project_shift_years)
        if planned > years[-1]:
            continue
        c = cells[cell]
        c.base = c.base - seats * (years >= planned)
        rooms = float(row.classrooms) if row.classrooms == row.classrooms else 0.0
        c.classrooms = c.classrooms - rooms * (years >= planned)
        moved[len(options)] = {"project": str(row.item), "area": row.area, "level": row.level,
                               "seats": seats, "classrooms": rooms, "planned_open_year": planned,
                               "open_year": planned}
        options.append(Option(name=str(row.item), cell=cell, seats=seats, classrooms=rooms, cost=0.0,
                              lead=0, starts=tuple(range(lo, hi + 1)), committed=True,
                              planned_start=planned))
    if options:
        notes.append(f"{len(options)} planned project part(s) may open up to {settings.project_shift_years} "
                     "year(s) earlier or later (plan.movable_projects); the parts of a mixed school "
                     "move independently")
    return moved, options


def _candidates(settings, dataset, standards, keys, cells, targets, limits, first_start, horizon,
                where, notes):
    """The dataset's candidates, else standard schools generated from the standards."""
    read, warnings = read_candidates(dataset, limits)
    notes += [f"candidates: {w}" for w in warnings]
    assumptions: list[str] = []
    if read is not None:
        return read, "candidates.csv", assumptions
    need = pd.DataFrame({"area": [k[0] for k in keys], "level": [k[1] for k in keys],
                         "seats_needed": [float(np.max(targets[i] - c.base)) for i, c in enumerate(cells)]})
    need = need[need["seats_needed"] > 0]
    levels = list(dict.fromkeys(need["level"]))
    missing = [lv for lv in levels if lv not in settings.cost_per_seat]
    if missing:
        raise ConfigError(f"{where}, key plan.cost_per_seat: no cost per seat for {', '.join(missing)}. "
                          "Without candidates.csv the plan generates standard schools and needs a "
                          "cost per seat by level, with its source in plan.cost_assumption")
    if levels and not settings.cost_assumption.strip():
        raise ConfigError(f"{where}, key plan.cost_assumption: say where the cost per seat comes from "
                          "(assumption: ... and why)")
    seats, lead = {}, {}
    for lv in levels:
        size = settings.school_seats.get(lv)
        if size is None:
            classes = standards.school_size(lv)
            if math.isnan(classes):
                raise ConfigError(f"{where}, key plan.school_seats.{lv}: the standards have no school "
                                  f"size for {lv}; give the seats of one standard school")
            size = classes * limits[lv]
        seats[lv] = float(size)
        lead[lv] = int(standards.lead_time_years.get(lv, 3))
    given = [lv for lv in levels if lv in settings.school_seats]
    if given and not settings.school_seats_assumption.strip():
        raise ConfigError(f"{where}, key plan.school_seats_assumption: say where the school sizes in "
                          f"plan.school_seats ({', '.join(given)}) come from (assumption: ... and why)")
    if given:
        assumptions.append(f"school size: {settings.school_seats_assumption.strip()}")
    source = (f"generated: standard school (plan.school_seats or the standards' school size x class-size "
              f"limit), cost = seats x plan.cost_per_seat; {settings.cost_assumption.strip()}")
    for lv in levels:
        assumptions.append(f"generated candidates, {lv}: {seats[lv]:,.0f} seats per standard school, "
                           f"{settings.cost_per_seat[lv]:,.0f} {settings.currency} per seat, lead time "
                           f"{lead[lv]} years (data/standards/lead_times.csv or capacity.lead_time_years)")
    assumptions.append(f"cost per seat: {settings.cost_assumption.strip()}")
    return generate(need, seats, settings.cost_per_seat, lead, limits, first_start, horizon, source), \
        "generated from the standards", assumptions


def _options(candidates: pd.DataFrame, find, first_start: int, horizon: int, notes) -> list[Option]:
    out = []
    for r in candidates.itertuples(index=False):
        cell = find(r.area, r.level)
        if cell is None:
            notes.append(f"candidate {r.candidate}: {r.area} {r.level} is not at or below an area "
                         "whose demand is projected at the finest level; left out")
            continue
        lead = int(r.lead_time_years)
        last = horizon - lead
        if r.latest_start == r.latest_start and r.latest_start is not None:
            last = min(last, int(r.latest_start))
        starts = tuple(range(max(int(r.earliest_start), first_start), last + 1))
        if not starts:
            notes.append(f"candidate {r.candidate}: cannot open by {horizon} (start {int(r.earliest_start)}"
                         f" at the earliest, {lead} years' lead time); left out")
            continue
        out.append(Option(name=str(r.candidate), cell=cell, seats=float(r.seats),
                          classrooms=float(r.classrooms), cost=float(r.cost), lead=lead, starts=starts,
                          copies=int(r.copies), kind=str(r.kind) or "new_school"))
    return out


def _neighbour_links(dataset, keys, settings, notes) -> list[tuple[int, int, float]]:
    """(cell, neighbour cell, max_share) for each declared neighbour pair and level, when
    transfers are configured."""
    frame = read_neighbours(dataset)
    if frame is None:
        return []
    if settings.transfers is None:
        notes.append("neighbours.csv is not used: plan.transfers is not configured")
        return []
    index = {k: i for i, k in enumerate(keys)}
    out = []
    for r in frame.itertuples(index=False):
        for level in dataset.system.level_names:
            if (r.area, level) in index and (r.neighbour, level) in index and r.max_share > 0:
                out.append((index[(r.area, level)], index[(r.neighbour, level)], float(r.max_share)))
    return out


def _components(n: int, links) -> np.ndarray:
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b, _ in links:
        parent[find(a)] = find(b)
    return np.array([find(i) for i in range(n)])


def _budget(settings: PlanSettings) -> tuple[float | None, dict[int, float] | None]:
    if settings.budget is None:
        return None, None
    if isinstance(settings.budget, dict):
        return None, {int(y): float(v) for y, v in settings.budget.items()}
    return float(settings.budget), None


def seats_after(plan_problem: Problem, solution: Solution, cells: list[CellData]) -> np.ndarray:
    """Seats of each cell and year with the plan: base + builds opened + interim measures."""
    years = plan_problem.years
    out = np.array([c.base for c in cells], dtype=float).reshape(len(cells), len(years))
    for o, starts in enumerate(solution.starts):
        opt = plan_problem.options[o]
        for s in starts:
            out[opt.cell] += opt.seats * (years >= s + opt.lead)
    limits = np.array([c.limit for c in plan_problem.cells])
    return out + solution.temp * limits[:, None] + solution.headroom


def _measure(plan: Plan, z_in: np.ndarray, z_fresh: np.ndarray, raw_in: np.ndarray,
             raw_fresh: np.ndarray) -> None:
    """Risk before and after, in sample and fresh; expected unmet seats after."""
    after = seats_after(plan.problem, plan.solution, plan.cells)
    plan.seats_after = after
    shape = after.shape
    r = {k: np.zeros(shape) for k in ("before", "after", "after_fresh", "before_fresh")}
    unmet = np.zeros(shape)
    for i, c in enumerate(plan.cells):
        before = plan.base_before[i]
        r["before"][i] = rk.exceed_share(before, c.p50, c.sigma, z_in[i])
        r["before_fresh"][i] = rk.exceed_share(before, c.p50, c.sigma, z_fresh[i])
        r["after"][i] = rk.exceed_share(after[i], c.p50, c.sigma, z_in[i])
        r["after_fresh"][i] = rk.exceed_share(after[i], c.p50, c.sigma, z_fresh[i])
        unmet[i] = rk.expected_unmet(after[i], c.p50, c.sigma, z_in[i])
    if plan.problem.arcs:
        from forecast.planning.transfers import risk_with_transfers

        for name, z in (("after", raw_in), ("after_fresh", raw_fresh)):
            shares, left = risk_with_transfers(plan, after, z)
            for i, values in shares.items():
                r[name][i] = values
                if name == "after":
                    unmet[i] = left[i]
    plan.risk = r
    plan.unmet_after = unmet


def _original_base(problem: Problem, cells: list[CellData], years: np.ndarray) -> np.ndarray:
    """[cells, years] seats as the run counted them (movable projects at their planned year)."""
    base = np.array([c.base for c in cells], dtype=float).reshape(len(cells), len(years))
    for opt in problem.options:
        if opt.committed and opt.planned_start is not None:
            base[opt.cell] += opt.seats * (years >= opt.planned_start)
    return base
