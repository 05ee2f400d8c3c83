"""A plan laid out for people and for the scheduler: build_plan.csv, plan_risk.csv,
plan_rules.csv, the cost by year, the scheduler.json ``plan`` section and the terminal
summary. No file is written here (``forecast.outputs.plan_files`` writes them)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from forecast.planning.optimise import spending
from forecast.planning.rules import binding

PLAN_SCHEMA_VERSION = "1.0.0"
BUILD_COLUMNS = ["candidate", "area", "level", "seats", "classrooms", "start_year", "open_year", "cost",
                 "kind", "why", "plan_status"]
RISK_COLUMNS = ["area", "level", "year", "p_shortfall_run", "p_shortfall_before", "p_shortfall_after",
                "p_shortfall_after_fresh", "unavoidable", "target_binds", "seats_before", "seats_after",
                "seats_target", "expected_unmet_after", "interim"]


def status_line(plan) -> str:
    """What the plan achieves, in one line (on every build_plan.csv row and in the terminal)."""
    sol, s = plan.solution, plan.settings
    mask = binding(plan)
    over = plan.risk["after"][mask] > s.risk + 1e-12
    unmet = float(plan.unmet_after[mask].sum())
    if sol.mode == "budget-bound":
        return (f"budget-bound: the budget ({_budget_text(plan)}) cannot meet the risk target "
                f"{s.risk:g}; this plan leaves the fewest expected unmet seats within it: "
                f"{unmet:,.0f} seat-years where the target binds, {int(over.sum())} area-level-years "
                "over the target")
    if sol.mode == "target-unreachable":
        return (f"target not reachable with these candidates in {sol.short_groups} area group(s): the plan "
                f"leaves the fewest expected unmet seats ({unmet:,.0f} seat-years); add candidates")
    return f"target met: P(shortfall) <= {s.risk:g} in every area-level-year from the first possible opening"


def _budget_text(plan) -> str:
    b = plan.settings.budget
    cur = plan.settings.currency
    if b is None:
        return "none"
    if isinstance(b, dict):
        return "; ".join(f"{y}: {v:,.0f} {cur}".strip() for y, v in sorted(b.items()))
    return f"{b:,.0f} {cur}".strip()


def build_plan(plan) -> pd.DataFrame:
    """One row per build (each copy), moved planned project, interim measure and, when the
    target is not met, per area x level the unmet seats the plan leaves."""
    p, sol = plan.problem, plan.solution
    years = plan.years
    rows = []
    status = status_line(plan)
    for o, starts in enumerate(sol.starts):
        opt = p.options[o]
        c = plan.cells[opt.cell]
        if opt.committed:
            info = plan.moved.get(o, {})
            if starts and starts[0] != info.get("planned_open_year"):
                rows.append({"candidate": opt.name, "area": info.get("area", c.area), "level": c.level,
                             "seats": opt.seats, "classrooms": opt.classrooms, "start_year": np.nan,
                             "open_year": starts[0], "cost": 0.0, "kind": "planned_project_moved",
                             "why": f"open project {opt.name} in {starts[0]}, not {info.get('planned_open_year')}"})
            continue
        for n, s in enumerate(sorted(starts), start=1):
            name = opt.name if opt.copies == 1 else f"{opt.name} #{n}"
            rows.append({"candidate": name, "area": c.area, "level": c.level, "seats": opt.seats,
                         "classrooms": opt.classrooms, "start_year": s, "open_year": s + opt.lead,
                         "cost": opt.cost, "kind": opt.kind,
                         "why": _why(plan, opt.cell, s + opt.lead)})
    cur = plan.settings.currency
    for i, c in enumerate(plan.cells):
        for t, year in enumerate(years):
            gap = "unavoidable gap" if year < (plan.first_open[i] or 10 ** 6) else "bridge"
            n = sol.temp[i, t]
            if n > 0:
                rows.append({"candidate": "temporary classrooms", "area": c.area, "level": c.level,
                             "seats": n * p.cells[i].limit, "classrooms": n, "start_year": year,
                             "open_year": year, "cost": n * p.interim.temp_cost, "kind": "temporary_classrooms",
                             "why": f"{gap} {year}: {int(n)} classroom(s) for one year"})
            h = sol.headroom[i, t]
            if h > 0.5:
                rows.append({"candidate": "class-size headroom", "area": c.area, "level": c.level,
                             "seats": h, "classrooms": 0.0, "start_year": year, "open_year": year,
                             "cost": 0.0, "kind": "class_size_headroom",
                             "why": f"{gap} {year}: {h:,.0f} pupils above the class-size limit (up to "
                                    f"{p.interim.headroom_size:g}), penalty {h * p.interim.headroom_penalty:,.0f} "
                                    f"{cur} (not spending)"})
    for a, arc in enumerate(p.arcs):
        for t, year in enumerate(years):
            moved = sol.transfers[a, t]
            if moved > 0.5:
                src, dst = plan.cells[arc.src], plan.cells[arc.dst]
                rows.append({"candidate": f"transfer to {dst.area}", "area": src.area, "level": src.level,
                             "seats": moved, "classrooms": 0.0, "start_year": year, "open_year": year,
                             "cost": moved * arc.cost, "kind": "transfer",
                             "why": f"{year}: on average {moved:,.0f} pupils seated in {dst.area} "
                                    f"(at most {arc.share:.0%} of {src.area}'s demand), in the draws that need it"})
    if sol.mode != "target":
        mask = binding(plan)
        for i, c in enumerate(plan.cells):
            over = mask[i] & (plan.risk["after"][i] > plan.settings.risk + 1e-12)
            if not over.any():
                continue
            t = int(np.argmax(np.where(over, plan.unmet_after[i], -1)))
            rows.append({"candidate": "unmet seats", "area": c.area, "level": c.level,
                         "seats": plan.unmet_after[i, t], "classrooms": 0.0, "start_year": np.nan,
                         "open_year": int(years[t]), "cost": 0.0, "kind": "unmet_seats",
                         "why": f"within the budget: on average {plan.unmet_after[i, t]:,.0f} pupils without "
                                f"a seat in {int(years[t])} (P(shortfall) {plan.risk['after'][i, t]:.2f}, target "
                                f"{plan.settings.risk:g}); {int(over.sum())} year(s) over the target"})
    frame = pd.DataFrame(rows, columns=BUILD_COLUMNS[:-1])
    frame["plan_status"] = status
    for column in ("start_year", "open_year"):
        frame[column] = frame[column].astype("Int64")
    return frame[BUILD_COLUMNS]


def _why(plan, cell: int, open_year: int) -> str:
    """The years the build covers and the P90 deficit it meets (against the run's seats)."""
    c = plan.cells[cell]
    years = plan.years
    deficit = np.maximum(c.p90 - plan.base_before[cell], 0.0)
    covered = (years >= open_year) & (deficit > 0)
    first = int(plan.first_open[cell])
    if not covered.any():
        return f"opens {open_year}: keeps P(shortfall) <= {plan.settings.risk:g} (target from {first})"
    t = int(np.argmax(np.where(covered, deficit, -1)))
    span = years[covered]
    return (f"covers {int(span[0])}-{int(span[-1])} (target from {first}); P90 deficit "
            f"{deficit[t]:,.0f} in {int(years[t])}")


def plan_risk(plan) -> pd.DataFrame:
    """One row per finest area x level x plan year: the risk before and after, in sample and
    fresh, and whether the year is an unavoidable gap."""
    p, sol = plan.problem, plan.solution
    n, n_years = plan.seats_after.shape
    years = plan.years
    first = plan.first_open
    before = plan.risk["before"]
    interim = np.full((n, n_years), "", dtype=object)
    for i in range(n):
        for t in range(n_years):
            parts = []
            if sol.temp[i, t] > 0:
                parts.append(f"{int(sol.temp[i, t])} temporary classroom(s)")
            if sol.headroom[i, t] > 0.5:
                parts.append(f"{sol.headroom[i, t]:,.0f} pupils of class-size headroom")
            interim[i, t] = "; ".join(parts)
    for a, arc in enumerate(p.arcs):
        for t in range(n_years):
            if sol.transfers[a, t] > 0.5:
                text = f"transfers to {plan.cells[arc.dst].area} ({sol.transfers[a, t]:,.0f} on average)"
                interim[arc.src, t] = "; ".join(x for x in (interim[arc.src, t], text) if x)
    gap = (first[:, None] == 0) | (years[None, :] < first[:, None])
    frame = pd.DataFrame({
        "area": np.repeat([c.area for c in plan.cells], n_years), "level": np.repeat([c.level for c in plan.cells], n_years),
        "year": np.tile(years, n), "p_shortfall_run": np.concatenate([c.run_p_shortfall for c in plan.cells]),
        "p_shortfall_before": before.ravel(), "p_shortfall_after": plan.risk["after"].ravel(),
        "p_shortfall_after_fresh": plan.risk["after_fresh"].ravel(),
        "unavoidable": (gap & (before > plan.settings.risk + 1e-12)).ravel(),
        "target_binds": binding(plan).ravel(), "seats_before": plan.base_before.ravel(),
        "seats_after": plan.seats_after.ravel(),
        "seats_target": np.array([c.target for c in p.cells]).ravel(),
        "expected_unmet_after": plan.unmet_after.ravel(), "interim": interim.ravel()})
    return frame[RISK_COLUMNS]


def rules_table(plan) -> pd.DataFrame:
    return pd.DataFrame(plan.rules)


def costs_by_year(plan) -> pd.DataFrame:
    spent = spending(plan.problem, plan.solution)
    return pd.DataFrame({"year": list(spent), "cost": list(spent.values())}, columns=["year", "cost"])


def section(plan, run_id: str, scenario: str, builds: pd.DataFrame) -> dict:
    """The scheduler.json ``plan`` section (schema: ``$defs/plan`` of scheduler.schema.json)."""
    sol, s = plan.solution, plan.settings

    def num(v):
        return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else float(v)

    def whole(v):
        return None if v is None or pd.isna(v) else int(v)

    return {
        "schema_version": PLAN_SCHEMA_VERSION, "run_id": run_id, "scenario": scenario,
        "risk": s.risk, "horizon": int(plan.years[-1]), "currency": s.currency,
        "mode": sol.mode, "status": status_line(plan),
        "solver": {"name": "HiGHS (scipy.optimize.milp)", "status": sol.status, "mip_gap": sol.mip_gap,
                   "seconds": round(sol.seconds, 3), "groups": sol.groups, "groups_solved": sol.solved},
        "budget": {"total": num(s.budget) if not isinstance(s.budget, dict) else None,
                   "by_year": [{"year": int(y), "amount": float(v)} for y, v in sorted(s.budget.items())]
                   if isinstance(s.budget, dict) else []},
        "candidates": plan.candidates_source,
        "cost_total": float(sum(spending(plan.problem, sol).values())),
        "cost_by_year": [{"year": int(y), "cost": float(v)} for y, v in spending(plan.problem, sol).items()],
        "builds": [{"candidate": str(r.candidate), "area": str(r.area), "level": str(r.level),
                    "seats": float(r.seats), "classrooms": float(r.classrooms),
                    "start_year": whole(r.start_year), "open_year": whole(r.open_year), "cost": float(r.cost),
                    "kind": str(r.kind), "why": str(r.why)} for r in builds.itertuples(index=False)],
        "rules": [{k: (num(v) if isinstance(v, float) else v) for k, v in row.items()} for row in plan.rules],
        "assumptions": list(plan.assumptions), "notes": list(plan.notes + sol.messages),
    }


def terminal(plan, builds: pd.DataFrame, top: int = 15) -> str:
    """The summary printed by ``forecast plan``."""
    sol, s = plan.solution, plan.settings
    cur = f" {s.currency}" if s.currency else ""
    lines = [status_line(plan),
             f"solver: HiGHS via scipy.optimize.milp, {sol.status}, MIP gap {sol.mip_gap:.2g}, "
             f"{sol.seconds:.1f} s, {sol.solved} of {sol.groups} area group(s) needed the solver"]
    if s.budget is not None:
        lines.append(f"budget: {_budget_text(plan)}")
    real = builds[~builds["kind"].isin(["unmet_seats"])]
    lines.append(f"candidates: {plan.candidates_source}; {len(real)} decision(s), cost "
                 f"{sum(spending(plan.problem, sol).values()):,.0f}{cur}")
    grouped = _grouped(builds)
    for r in grouped.head(top).itertuples(index=False):
        when = f"start {r.start_year}, open {r.open_year}" if not pd.isna(r.start_year) else f"{r.open_year}"
        times = f"{r.n} x " if r.n > 1 else ""
        each = " each" if r.n > 1 else ""
        lines.append(f"  {r.area} {r.level}: {times}{r.candidate} ({r.kind}), {r.seats:,.0f} seats{each}, "
                     f"{when}, {r.cost * r.n:,.0f}{cur}: {r.why}")
    if len(grouped) > top:
        lines.append(f"  ... {len(grouped) - top} more lines in build_plan.csv")
    unmet = builds[builds["kind"] == "unmet_seats"]
    if len(unmet):
        lines.append(f"unmet seats left within the budget: {len(unmet)} area-level(s), worst "
                     f"{unmet['seats'].max():,.0f} pupils in a year (build_plan.csv, kind unmet_seats)")
    mask = binding(plan)
    if mask.any():
        lines.append(f"risk where the target binds: in sample at most {plan.risk['after'][mask].max():.3f}, "
                     f"fresh draws at most {plan.risk['after_fresh'][mask].max():.3f} (target {s.risk:g})")
    gaps = (plan.risk["before"] > s.risk + 1e-12) & ~mask
    if gaps.any():
        lines.append(f"unavoidable gaps (before the first possible opening): {int(gaps.sum())} area-level-years, "
                     "listed in plan_risk.csv with any interim measure used")
    lines.append("rules beside the plan (cost, worst P(shortfall) in sample / fresh where the target binds):")
    for r in plan.rules:
        cost = "cost not known" if r["cost"] != r["cost"] else f"{r['cost']:,.0f}{cur}"
        lines.append(f"  {r['rule']}: {cost}; {r['max_p_shortfall']:.3f} / {r['max_p_shortfall_fresh']:.3f}; "
                     f"{r['cells_over_target']} area-level-years over the target"
                     + (f" ({r['note']})" if r["note"] else ""))
    return "\n".join(lines)


def _grouped(builds: pd.DataFrame) -> pd.DataFrame:
    """Identical copies (same candidate, start and opening) as one line with a count."""
    if builds.empty:
        return builds.assign(n=[])
    base = builds["candidate"].str.replace(r" #\d+$", "", regex=True)
    frame = builds.assign(candidate=base, _s=builds["start_year"].fillna(-1), _o=builds["open_year"].fillna(-1))
    key = ["area", "level", "candidate", "kind", "_s", "_o", "seats", "cost"]
    out = frame.groupby(key, sort=False, dropna=False).agg(
        n=("why", "size"), start_year=("start_year", "first"), open_year=("open_year", "first"),
        classrooms=("classrooms", "first"), why=("why", "first")).reset_index()
    out = out.sort_values(["open_year", "area", "level"], kind="stable", na_position="last")
    return out[["area", "level", "candidate", "kind", "seats", "classrooms", "start_year", "open_year",
                "cost", "why", "n"]]
