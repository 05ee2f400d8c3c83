"""Two simple rules beside the plan, with their cost and risk on the same draws.

- (a) ``p90_peak``: in each finest area x level, build the peak P90 deficit (over the plan
  years, against the seats with the planned projects as scheduled) as standard schools,
  opening in the first year the P90 demand exceeds the seats, or as soon as the lead time
  allows if that year is too early;
- (b) ``planned``: the dataset's planned projects as scheduled, nothing more (the seats
  the run counted). Its cost is the planned projects' seats x the cost per seat, an
  estimate, since projects.csv carries no cost.

The plan and rule (a) both build on top of the planned projects, so their costs are the
additional spending. Risk is read where the target binds: from each cell's first possible
opening year to the horizon.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from forecast.planning import risk as rk
from forecast.planning.optimise import spending


def binding(plan) -> np.ndarray:
    """[cells, years] True where the risk target binds (from the first possible opening)."""
    first = plan.first_open
    return (first[:, None] > 0) & (plan.years[None, :] >= first[:, None])


def _summary(name: str, description: str, cost: float, r_in: np.ndarray, r_fresh: np.ndarray,
             unmet: np.ndarray, mask: np.ndarray, risk: float, note: str = "") -> dict:
    inside = mask.any()
    return {"rule": name, "description": description, "cost": cost,
            "max_p_shortfall": float(r_in[mask].max()) if inside else math.nan,
            "max_p_shortfall_fresh": float(r_fresh[mask].max()) if inside else math.nan,
            "cells_over_target": int((r_in[mask] > risk + 1e-12).sum()),
            "cell_years_checked": int(mask.sum()),
            "expected_unmet_seat_years": float(unmet[mask].sum()) if inside else 0.0, "note": note}


def plan_cost(plan) -> float:
    """What the plan spends: builds, temporary classrooms, transfers (headroom is a penalty)."""
    return float(sum(spending(plan.problem, plan.solution).values()))


def compare_rules(plan, z_in: np.ndarray, z_fresh: np.ndarray, standards, settings, dataset, capacity,
                  candidates) -> list[dict]:
    """The plan, rule (a) and rule (b): cost, worst risk in sample and fresh, cells over the
    target and expected unmet seat-years where the target binds."""
    mask = binding(plan)
    risk = settings.risk
    rows = [_summary("plan", "the MILP plan (forecast plan)", plan_cost(plan), plan.risk["after"],
                     plan.risk["after_fresh"], plan.unmet_after, mask, risk)]
    years = plan.years
    shape = plan.seats_after.shape
    a_in, a_fresh, a_unmet = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    b_in, b_fresh, b_unmet = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    cost_a, missing = 0.0, []
    by_cell: dict[int, list] = {}
    for o in plan.problem.options:
        if not o.committed and o.seats > 0:
            by_cell.setdefault(o.cell, []).append(o)
    for i, c in enumerate(plan.cells):
        base = plan.base_before[i]
        deficit = np.maximum(c.p90 - base, 0.0)
        seats = base.copy()
        if deficit.max() > 0:
            size, per_seat, lead = _school(c.level, i, plan, settings, standards, by_cell.get(i, []))
            if size is None or per_seat is None:
                missing.append(f"{c.area} {c.level}")
            else:
                first_short = int(years[np.argmax(deficit > 0)])
                opens = max(first_short, (settings.first_start or dataset.base_year + 1) + lead)
                schools = math.ceil(deficit.max() / size - 1e-9)
                seats = base + schools * size * (years >= opens)
                cost_a += schools * size * per_seat
        a_in[i] = rk.exceed_share(seats, c.p50, c.sigma, z_in[i])
        a_fresh[i] = rk.exceed_share(seats, c.p50, c.sigma, z_fresh[i])
        a_unmet[i] = rk.expected_unmet(seats, c.p50, c.sigma, z_in[i])
        b_in[i] = plan.risk["before"][i]
        b_fresh[i] = plan.risk["before_fresh"][i]
        b_unmet[i] = rk.expected_unmet(base, c.p50, c.sigma, z_in[i])
    note = f"no school size or cost per seat for {', '.join(missing)}: not counted" if missing else ""
    rows.append(_summary("a_p90_peak", "(a) the peak P90 deficit as standard schools, open in the first "
                         "short year (or as soon as the lead time allows)", cost_a if not missing else math.nan,
                         a_in, a_fresh, a_unmet, mask, risk, note))
    cost_b, why = _planned_cost(plan, settings, dataset, capacity)
    rows.append(_summary("b_planned", "(b) the planned projects as scheduled, nothing more", cost_b,
                         b_in, b_fresh, b_unmet, mask, risk, why))
    return rows


def _school(level: str, cell: int, plan, settings, standards, mine):
    """Seats, cost per seat and lead time of one standard school of the level: the plan's
    generated size and cost, else the cell's largest new-school candidate."""
    limit = plan.problem.cells[cell].limit
    size = settings.school_seats.get(level)
    if size is None and not math.isnan(standards.school_size(level)):
        size = standards.school_size(level) * limit
    per_seat = settings.cost_per_seat.get(level)
    lead = int(standards.lead_time_years.get(level, 3))
    if mine and (size is None or per_seat is None):
        largest = max(mine, key=lambda o: o.seats)
        size = size or largest.seats
        per_seat = per_seat or largest.cost / largest.seats
        lead = largest.lead
    return size, per_seat, lead


def _planned_cost(plan, settings, dataset, capacity) -> tuple[float, str]:
    """The planned projects' seats in the finest cells within the horizon x cost per seat."""
    moved_or_fixed = 0.0
    missing = set()
    items = capacity.items
    items = items[~items["method"].str.startswith("existing") & (items["open_year"] > dataset.base_year)
                  & (items["open_year"] <= int(plan.years[-1]))]
    for r in items.itertuples(index=False):
        if plan.find(r.area, r.level) is None or pd.isna(r.seats):
            continue
        per_seat = settings.cost_per_seat.get(r.level)
        if per_seat is None:
            missing.add(r.level)
            continue
        moved_or_fixed += float(r.seats) * per_seat
    if missing:
        return math.nan, f"no plan.cost_per_seat for {', '.join(sorted(missing))}: cost not estimated"
    return moved_or_fixed, "estimate: planned seats x plan.cost_per_seat (projects.csv has no cost)"
