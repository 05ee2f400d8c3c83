"""The build-plan MILP, solved by HiGHS through ``scipy.optimize.milp``.

Pure numpy/scipy: the caller (``forecast.planning.assemble``) turns a run into ``Cell``s (one
finest area x level, its seats and demand by plan year), ``Option``s (what may be built,
when) and the interim measures; this module decides. The model (docs/planning.md):

- ``x[o, s]``: copies of option ``o`` whose construction starts in year ``s`` (integer; open
  in ``s + lead``); at most ``copies`` in all. A movable planned project opens exactly once,
  in one of its allowed years, at no cost to the plan (it is committed).
- interim measures by cell x year: temporary classrooms (integer, ``limit`` seats each),
  class-size headroom (pupils above the limit, up to ``max_class_size`` per classroom),
  transfers to declared neighbours (per draw, sample average approximation).
- seats(c, t) = base + opened options + interim; the risk target binds from the first year
  any option of the cell can open (``hard_from``): seats >= the in-sample (1 - risk) quantile
  of the demand draws, or, with transfers, at most ``floor(risk n_draws)`` of the ``n_draws`` SAA draws
  short (binary per draw and cell-year, big-M). Earlier years are unavoidable gaps; where an
  interim measure exists the plan still covers them as far as it can (a soft target with a
  penalty far above any interim cost).
- objective: build cost + interim cost (+ tie-breaks far below the MIP gap: a later start, a
  planned project left in its year).
- budget (a total, or per year with each build's cost spread evenly over its lead time):
  when the target cannot be met within it, the plan minimises the expected unmet seats
  (summed over cells and years; tangent cuts of the draws' piecewise-linear expectation, or
  per-draw recourse with transfers), then the cost of reaching that minimum.

Independent groups (cells not linked by transfers) are solved one by one; a budget couples
them only when the plans made without it overspend it, and then one MILP holds them all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import LinearConstraint, milp
from scipy.sparse import csr_matrix

TIE = 1e-7  # weight of the tie-breaks relative to a unit of cost


@dataclass
class Cell:
    """One finest area x level over the plan years."""

    key: tuple[str, str]
    base: np.ndarray          # seats without the plan's decisions, by plan year
    classrooms: np.ndarray    # classrooms without the plan's decisions (for headroom)
    limit: float              # pupils per class (seats of one temporary classroom)
    target: np.ndarray        # seats meeting the risk target in sample, by plan year
    hard_from: int            # index of the first plan year an option can open (len = never)
    cuts: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None  # expected
    # unmet seats as tangent cuts (s, e, slope), each [years, points]; computed when needed
    saa: np.ndarray | None = None  # [n_draws, years] demand draws, only for cells with transfers


@dataclass
class Option:
    """Something that may be built (or a planned project that may move)."""

    name: str
    cell: int
    seats: float
    classrooms: float
    cost: float
    lead: int
    starts: tuple[int, ...]
    copies: int = 1
    kind: str = "new_school"
    committed: bool = False   # a movable planned project: opens exactly once, cost not the plan's
    planned_start: int | None = None


@dataclass
class Interim:
    temp_cost: float | None = None      # per classroom-year; None = off
    temp_max: int = 0
    headroom_size: float | None = None  # class size allowed; None = off
    headroom_penalty: float = 0.0       # per pupil-year


@dataclass
class Arc:
    src: int
    dst: int
    share: float
    cost: float  # per pupil-year


@dataclass
class Problem:
    years: np.ndarray
    cells: list[Cell]
    options: list[Option]
    risk: float
    interim: Interim = field(default_factory=Interim)
    arcs: list[Arc] = field(default_factory=list)
    budget_total: float | None = None
    budget_by_year: dict[int, float] | None = None
    time_limit: float = 60.0
    mip_gap: float = 1e-4


@dataclass
class Solution:
    starts: list[list[int]]         # per option: the start year of each copy built
    temp: np.ndarray                # [cells, years] temporary classrooms
    headroom: np.ndarray            # [cells, years] pupils above the limit
    transfers: np.ndarray           # [arcs, years] expected pupils moved
    mode: str                       # target | budget-bound | target-unreachable
    status: str                     # optimal | time limit (feasible) | ...
    mip_gap: float
    seconds: float
    groups: int
    solved: int                     # groups that needed the solver
    short_groups: int = 0           # groups solved for the fewest unmet seats
    messages: list[str] = field(default_factory=list)


class _Model:
    """Variables and sparse rows of one MILP."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.integer: list[int] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def var(self, cost: float, lb: float, ub: float, integer: bool) -> int:
        self.cost.append(cost)
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(1 if integer else 0)
        return len(self.cost) - 1

    def row(self, cols: list[int], vals: list[float], lo: float, hi: float) -> None:
        r = len(self.lo)
        self.rows += [r] * len(cols)
        self.cols += cols
        self.vals += vals
        self.lo.append(lo)
        self.hi.append(hi)

    def solve(self, time_limit: float, gap: float):
        n = len(self.cost)
        if n == 0:  # nothing to decide: feasible unless a row asks for seats
            from types import SimpleNamespace

            short = any(lo > 1e-9 for lo in self.lo)
            return SimpleNamespace(status=2 if short else 0, x=None if short else np.zeros(0), fun=0.0,
                                   mip_gap=0.0, message="no decision variables")
        a = csr_matrix((self.vals, (self.rows, self.cols)), shape=(len(self.lo), n))
        constraints = [LinearConstraint(a, np.array(self.lo), np.array(self.hi))] if self.lo else []
        from scipy.optimize import Bounds

        return milp(np.array(self.cost), constraints=constraints, integrality=np.array(self.integer),
                    bounds=Bounds(np.array(self.lb), np.array(self.ub)),
                    options={"time_limit": time_limit, "mip_rel_gap": gap, "disp": False})


STATUS = {0: "optimal", 1: "time or iteration limit", 2: "infeasible", 3: "unbounded", 4: "solver error"}


def groups_of(problem: Problem) -> list[list[int]]:
    """Cells linked by transfers (connected components); each other cell alone."""
    parent = list(range(len(problem.cells)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for arc in problem.arcs:
        parent[find(arc.src)] = find(arc.dst)
    out: dict[int, list[int]] = {}
    for i in range(len(problem.cells)):
        out.setdefault(find(i), []).append(i)
    return list(out.values())


def solve(problem: Problem) -> Solution:
    """The cheapest plan meeting the risk target within the budget; else the plan with the
    fewest expected unmet seats within the budget (see the module doc)."""
    began = time.perf_counter()
    groups = groups_of(problem)
    by_cell: dict[int, list[int]] = {}
    for i, o in enumerate(problem.options):
        by_cell.setdefault(o.cell, []).append(i)
    arcs_of: dict[int, list[int]] = {}
    for i, arc in enumerate(problem.arcs):
        arcs_of.setdefault(arc.src, []).append(i)
    sol = _empty(problem, len(groups))
    parts = []
    for cells in groups:
        options = [o for c in cells for o in by_cell.get(c, [])]
        arcs = [a for c in cells for a in arcs_of.get(c, [])]
        if _nothing_to_do(problem, cells, options, arcs):
            continue
        parts.append((cells, options, arcs))
        _solve_part(problem, [(cells, options, arcs)], None, sol)
    if (problem.budget_total is not None or problem.budget_by_year) and parts \
            and not _within_budget(problem, sol):
        sol.messages.append("the plans made without the budget overspend it: one MILP over all "
                            f"{len(parts)} area groups with the budget")
        fresh = _empty(problem, len(groups))
        fresh.messages = sol.messages
        _solve_part(problem, parts, problem, fresh, budgeted=True)
        sol = fresh
    sol.seconds = time.perf_counter() - began
    return sol


def _empty(problem: Problem, groups: int) -> Solution:
    cells, years = len(problem.cells), len(problem.years)
    starts = [[o.planned_start] if o.committed and o.planned_start is not None else []
              for o in problem.options]
    return Solution(starts, np.zeros((cells, years)), np.zeros((cells, years)),
                    np.zeros((len(problem.arcs), years)), "target", "optimal", 0.0, 0.0, groups, 0)


def _nothing_to_do(problem: Problem, cells: list[int], options: list[int], arcs: list[int]) -> bool:
    """No decision can matter: every target is met by the seats there are (and no planned
    project may move)."""
    if arcs or any(problem.options[o].committed for o in options):
        return False
    return all((problem.cells[c].base >= problem.cells[c].target - 1e-9).all() for c in cells)


def _solve_part(problem: Problem, parts, budget_source, sol: Solution, budgeted: bool = False) -> None:
    """Solve ``parts`` (a list of (cells, options, arcs)) as one MILP: the target first; when
    infeasible, the fewest expected unmet seats, then the cheapest plan reaching them."""
    cells = [c for p in parts for c in p[0]]
    options = [o for p in parts for o in p[1]]
    arcs = [a for p in parts for a in p[2]]
    budget = problem if budgeted else None
    sol.solved += len(parts)
    model, index = _build(problem, cells, options, arcs, "target", budget)
    res = model.solve(problem.time_limit, problem.mip_gap)
    if res.status == 2 or res.x is None and res.status != 0:
        unmet_model, unmet_index = _build(problem, cells, options, arcs, "unmet", budget)
        low = unmet_model.solve(problem.time_limit, problem.mip_gap)
        if low.x is None:
            sol.status = STATUS.get(low.status, "solver error")
            sol.messages.append(f"no plan found for {len(cells)} cell(s): {low.message}")
            return
        floor = float(low.fun)
        cap = floor * (1 + max(problem.mip_gap, 1e-6)) + 1e-6
        model, index = _build(problem, cells, options, arcs, "cheapest", budget, cap)
        res = model.solve(problem.time_limit, problem.mip_gap)
        if res.x is None:  # keep the fewest-unmet plan
            model, index, res = unmet_model, unmet_index, low
        if budgeted:
            sol.mode = "budget-bound"
        elif sol.mode == "target":
            sol.mode = "target-unreachable"
        sol.short_groups += 1
    if res.x is None:
        sol.status = STATUS.get(res.status, "solver error")
        sol.messages.append(f"no plan found for {len(cells)} cell(s): {res.message}")
        return
    if res.status != 0:
        sol.status = STATUS.get(res.status, "solver error") + " (best plan found kept)"
    gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
    sol.mip_gap = max(sol.mip_gap, gap if np.isfinite(gap) else 0.0)
    _decode(problem, res.x, index, sol)


def _build(problem: Problem, cells: list[int], options: list[int], arcs: list[int], phase: str,
           budget: Problem | None, cap: float | None = None):
    """The MILP of ``cells`` for ``phase`` ``target`` (cheapest meeting the risk target),
    ``unmet`` (fewest expected unmet seats) or ``cheapest`` (cheapest with at most ``cap``
    expected unmet seats)."""
    m = _Model()
    years = problem.years
    n_years = len(years)
    it = problem.interim
    pay = phase != "unmet"  # costs enter the objective (the unmet phase minimises seats only)
    latest = int(years[-1])
    x: dict[tuple[int, int], int] = {}
    for o in options:
        opt = problem.options[o]
        for s in opt.starts:
            if opt.committed:
                shift = abs(s - (opt.planned_start if opt.planned_start is not None else s))
                cost = TIE * (1 + shift) * max(1.0, _scale(problem))
            else:
                cost = opt.cost * (1 + TIE * (latest - s)) if pay else 0.0
            x[(o, s)] = m.var(cost, 0, opt.copies, True)
        if opt.committed:
            m.row([x[(o, s)] for s in opt.starts], [1.0] * len(opt.starts), 1, 1)
        elif len(opt.starts) > 1:
            m.row([x[(o, s)] for s in opt.starts], [1.0] * len(opt.starts), 0, opt.copies)
    temp: dict[tuple[int, int], int] = {}
    head: dict[tuple[int, int], int] = {}
    for c in cells:
        cell = problem.cells[c]
        for t in range(n_years):
            if it.temp_cost is not None:
                temp[(c, t)] = m.var(it.temp_cost if pay else 0.0, 0, it.temp_max, True)
            if it.headroom_size is not None and it.headroom_size > cell.limit:
                head[(c, t)] = m.var(it.headroom_penalty if pay else 0.0, 0, np.inf, False)
    opened = {c: [[] for _ in range(n_years)] for c in cells}  # (var, seats, classrooms) open by year t
    for (o, s), v in x.items():
        opt = problem.options[o]
        for t in range(n_years):
            if s + opt.lead <= years[t]:
                opened[opt.cell][t].append((v, opt.seats, opt.classrooms))

    def seat_terms(c: int, t: int) -> tuple[list[int], list[float]]:
        cols = [v for v, _, _ in opened[c][t]]
        vals = [s for _, s, _ in opened[c][t]]
        if (c, t) in temp:
            cols.append(temp[(c, t)])
            vals.append(problem.cells[c].limit)
        if (c, t) in head:
            cols.append(head[(c, t)])
            vals.append(1.0)
        return cols, vals

    for (c, t), v in head.items():  # pupils above the limit fit the classrooms there are
        cell = problem.cells[c]
        room = it.headroom_size - cell.limit
        cols = [v] + [w for w, _, _ in opened[c][t]]
        vals = [1.0] + [-room * r for _, _, r in opened[c][t]]
        m.row(cols, vals, -np.inf, room * float(cell.classrooms[t]))

    saa_cells = {a.src for a in (problem.arcs[i] for i in arcs)} | {a.dst for a in (problem.arcs[i] for i in arcs)}
    flow: dict[tuple[int, int, int], int] = {}  # (arc, year, draw); draw -1: a planned amount
    planned = _planned_years(problem, arcs, n_years) if phase == "target" else {}
    if saa_cells:
        n_draws = min(len(problem.cells[c].saa) for c in saa_cells)
        for i in arcs:
            arc = problem.arcs[i]
            draws = problem.cells[arc.src].saa
            for t in range(n_years):
                if planned.get(arc.src, np.zeros(n_years, bool))[t]:
                    flow[(i, t, -1)] = m.var(arc.cost if pay else 0.0, 0,
                                             arc.share * float(problem.cells[arc.src].target[t]), False)
                    continue
                for k in range(n_draws):
                    flow[(i, t, k)] = m.var(arc.cost / n_draws if pay else 0.0, 0,
                                            arc.share * float(draws[k, t]), False)
    unmet_vars: list[int] = []
    big = _penalty(problem)
    for c in cells:
        cell = problem.cells[c]
        for t in range(n_years):
            cols, vals = seat_terms(c, t)
            hard = t >= cell.hard_from
            if c in saa_cells and planned.get(c, np.zeros(n_years, bool))[t]:
                _planned_rows(m, problem, c, t, cols, vals, arcs, flow, hard, big)
                continue
            if c in saa_cells:
                _saa_rows(m, problem, c, t, cols, vals, arcs, flow, phase, hard, big, unmet_vars)
                continue
            need = float(cell.target[t] - cell.base[t])
            if phase == "target":
                if hard and need > 0:
                    m.row(cols, vals, need, np.inf)
                elif not hard and need > 0 and cols:  # an unavoidable gap an interim measure can narrow
                    slack = m.var(big, 0, np.inf, False)
                    m.row(cols + [slack], vals + [1.0], need, np.inf)
            else:
                s, e, slope = cell.cuts()
                if float(e[t].max()) <= 0:
                    continue
                ev = m.var(1.0 if phase == "unmet" else 0.0, 0, np.inf, False)
                unmet_vars.append(ev)
                for j in range(s.shape[1]):  # ev >= e_j + slope_j (base + terms - s_j)
                    m.row([ev] + cols, [1.0] + [-slope[t, j] * v for v in vals],
                          float(e[t, j] + slope[t, j] * (cell.base[t] - s[t, j])), np.inf)
    if phase == "cheapest" and unmet_vars:
        m.row(unmet_vars, [1.0] * len(unmet_vars), -np.inf, cap)
    if budget is not None:
        _budget_rows(m, problem, x, temp, flow, arcs)
    return m, {"x": x, "temp": temp, "head": head, "flow": flow}


def _saa_rows(m: _Model, problem: Problem, c: int, t: int, cols, vals, arcs, flow, phase: str,
              hard: bool, big: float, unmet_vars: list[int]) -> None:
    """The cell-year's rows over the SAA draws: seats + transfers in - out cover each draw's
    demand unless the draw is counted short (target), or its unmet seats (unmet phases)."""
    cell = problem.cells[c]
    n_draws = len(cell.saa)
    outs = [i for i in arcs if problem.arcs[i].src == c]
    ins = [i for i in arcs if problem.arcs[i].dst == c]
    short = []
    for k in range(n_draws):
        d = float(cell.saa[k, t])
        row_cols = cols + [flow[(i, t, k)] for i in ins] + [flow[(i, t, k)] for i in outs]
        row_vals = vals + [-1.0] * len(ins) + [1.0] * len(outs)
        need = d - float(cell.base[t])
        if phase == "target":
            inflow = sum(problem.arcs[i].share * float(problem.cells[problem.arcs[i].src].saa[k, t]) for i in ins)
            big_m = need + inflow
            if big_m <= 0:
                continue
            z = m.var(0.0, 0, 1, True)
            short.append(z)
            m.row(row_cols + [z], row_vals + [big_m], need, np.inf)
        else:
            u = m.var(1.0 / n_draws if phase == "unmet" else 0.0, 0, np.inf, False)
            unmet_vars.append(u)
            m.row(row_cols + [u], row_vals + [1.0], need, np.inf)
    if phase == "target" and short:
        from forecast.planning.risk import allowed_above

        allowed = allowed_above(problem.risk, n_draws)
        if hard:
            m.row(short, [1.0] * len(short), -np.inf, allowed)
        else:
            slack = m.var(big * max(1.0, float(np.mean(cell.saa[:, t]))) / n_draws, 0, n_draws, True)
            m.row(short + [slack], [1.0] * len(short) + [-1.0], -np.inf, allowed)


def _planned_years(problem: Problem, arcs: list[int], n_years: int) -> dict[int, np.ndarray]:
    """Per cell linked by transfers: the years its group of neighbours is still in an
    unavoidable gap (some cell of the group cannot yet open anything). There transfers are
    planned amounts and each cell's seats must cover its quantile target (a soft target where
    the cell itself is in a gap): a whole group short of capacity has no risk to trade."""
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        parent.setdefault(i, i)
        while parent[i] != i:
            i = parent[i]
        return i

    for i in arcs:
        parent[find(problem.arcs[i].src)] = find(problem.arcs[i].dst)
    groups: dict[int, list[int]] = {}
    for c in list(parent):
        groups.setdefault(find(c), []).append(c)
    out = {}
    for members in groups.values():
        gap = np.zeros(n_years, bool)
        for c in members:
            gap |= np.arange(n_years) < problem.cells[c].hard_from
        for c in members:
            out[c] = gap
    return out


def _planned_rows(m: _Model, problem: Problem, c: int, t: int, cols, vals, arcs, flow, hard: bool,
                  big: float) -> None:
    """A gap year of a group linked by transfers: seats + planned transfers out - in cover the
    cell's quantile target (softly where the cell itself cannot build yet)."""
    cell = problem.cells[c]
    outs = [flow[(i, t, -1)] for i in arcs if problem.arcs[i].src == c]
    ins = [flow[(i, t, -1)] for i in arcs if problem.arcs[i].dst == c]
    need = float(cell.target[t] - cell.base[t])
    row_cols, row_vals = cols + outs + ins, vals + [1.0] * len(outs) + [-1.0] * len(ins)
    if not row_cols and need <= 0:
        return
    if not hard and need > 0:
        row_cols, row_vals = row_cols + [m.var(big, 0, np.inf, False)], row_vals + [1.0]
    m.row(row_cols, row_vals, need, np.inf)


def _budget_rows(m: _Model, problem: Problem, x, temp, flow, arcs) -> None:
    """Spending within the total budget and within each year's."""
    years = problem.years
    if problem.budget_total is not None:
        cols, vals = [], []
        for (o, _s), v in x.items():
            opt = problem.options[o]
            if not opt.committed:
                cols.append(v)
                vals.append(opt.cost)
        for v in temp.values():
            cols.append(v)
            vals.append(problem.interim.temp_cost)
        for (i, _t, k), v in flow.items():
            cols.append(v)
            vals.append(problem.arcs[i].cost / (1 if k < 0 else _draws_of(problem, i)))
        if cols:
            m.row(cols, vals, -np.inf, float(problem.budget_total))
    for year, amount in sorted((problem.budget_by_year or {}).items()):
        cols, vals = [], []
        for (o, s), v in x.items():
            opt = problem.options[o]
            span = max(opt.lead, 1)
            if not opt.committed and s <= year < s + span:
                cols.append(v)
                vals.append(opt.cost / span)
        if year in set(int(y) for y in years):
            t = int(np.flatnonzero(years == year)[0])
            for (_c, tt), v in temp.items():
                if tt == t:
                    cols.append(v)
                    vals.append(problem.interim.temp_cost)
            for (i, tt, k), v in flow.items():
                if tt == t:
                    cols.append(v)
                    vals.append(problem.arcs[i].cost / (1 if k < 0 else _draws_of(problem, i)))
        if cols:
            m.row(cols, vals, -np.inf, float(amount))


def _draws_of(problem: Problem, arc: int) -> int:
    return len(problem.cells[problem.arcs[arc].src].saa)


def _scale(problem: Problem) -> float:
    costs = [o.cost for o in problem.options if not o.committed and o.cost > 0]
    return float(np.mean(costs)) if costs else 1.0


def _penalty(problem: Problem) -> float:
    """Cost of one seat left short in an unavoidable gap: far above any interim measure's
    cost per seat-year, so the plan uses them wherever they help."""
    it = problem.interim
    per_seat = [1.0]
    if it.temp_cost is not None:
        per_seat.append(it.temp_cost / max(1.0, min((c.limit for c in problem.cells), default=1.0)))
    if it.headroom_size is not None:
        per_seat.append(it.headroom_penalty)
    per_seat += [a.cost for a in problem.arcs]
    return 1000.0 * max(per_seat)


def _decode(problem: Problem, values: np.ndarray, index: dict, sol: Solution) -> None:
    for (o, s), v in index["x"].items():
        n = int(round(values[v]))
        opt = problem.options[o]
        if opt.committed and n:
            sol.starts[o] = [s]
        elif n:
            sol.starts[o] += [s] * n
    for (c, t), v in index["temp"].items():
        sol.temp[c, t] = round(values[v])
    for (c, t), v in index["head"].items():
        sol.headroom[c, t] = max(0.0, values[v])
    counts: dict[tuple[int, int], list[float]] = {}
    for (i, t, _k), v in index["flow"].items():
        counts.setdefault((i, t), []).append(max(0.0, values[v]))
    for (i, t), moved in counts.items():
        sol.transfers[i, t] = float(np.mean(moved))


def spending(problem: Problem, sol: Solution) -> dict[int, float]:
    """Money spent by year: builds spread evenly over their lead time from the start year,
    temporary classrooms and transfers in their year (headroom is a penalty, not spending)."""
    out: dict[int, float] = {}
    for o, starts in enumerate(sol.starts):
        opt = problem.options[o]
        if opt.committed:
            continue
        span = max(opt.lead, 1)
        for s in starts:
            for y in range(s, s + span):
                out[y] = out.get(y, 0.0) + opt.cost / span
    for t, year in enumerate(problem.years):
        extra = 0.0
        if problem.interim.temp_cost is not None:
            extra += float(sol.temp[:, t].sum()) * problem.interim.temp_cost
        extra += sum(float(sol.transfers[i, t]) * a.cost for i, a in enumerate(problem.arcs))
        if extra:
            out[int(year)] = out.get(int(year), 0.0) + extra
    return dict(sorted(out.items()))


def _within_budget(problem: Problem, sol: Solution) -> bool:
    spent = spending(problem, sol)
    if problem.budget_total is not None and sum(spent.values()) > problem.budget_total * (1 + 1e-9) + 1e-6:
        return False
    return all(spent.get(y, 0.0) <= amount * (1 + 1e-9) + 1e-6
               for y, amount in (problem.budget_by_year or {}).items())
