"""A plan from a finished run folder (``forecast plan``) or from run tables in memory
(``forecast.plan``): read the scenario's level totals and P(shortfall), apply the command's
overrides to the config's ``plan:`` block, make the plan and lay it out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecast.data.config import ConfigError, PlanSettings, RunConfig
from forecast.planning import tables
from forecast.planning.assemble import Plan, make_plan


@dataclass
class PlanResult:
    """What ``forecast.plan`` returns: the tables ``forecast plan`` writes, and the plan."""

    build_plan: pd.DataFrame   # build_plan.csv
    plan_risk: pd.DataFrame    # plan_risk.csv
    rules: pd.DataFrame        # plan_rules.csv: the plan beside rules (a) and (b)
    costs: pd.DataFrame        # plan_costs.csv: spending by year
    section: dict              # the scheduler.json ``plan`` section
    summary: str               # the terminal summary
    plan: Plan


def settings_for(config: RunConfig, risk: float | None = None, budget: float | None = None) -> PlanSettings:
    """The config's ``plan:`` block with ``--risk`` and ``--budget`` (a total) applied."""
    update = {}
    if risk is not None:
        update["risk"] = float(risk)
    if budget is not None:
        update["budget"] = float(budget)
    data = {**config.plan.model_dump(), **update}
    try:
        return PlanSettings.model_validate(data, strict=False)
    except ValueError as exc:
        raise ConfigError(f"plan settings: {exc}".splitlines()[0] + " (see --risk, --budget)") from exc


def read_run(out: Path, scenario: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scenario's level totals (projections.csv or .parquet) and shortfall rows."""
    out = Path(out)
    wanted = ["area", "level", "grade", "year", "scenario", "mean", "p10", "p50", "p90"]
    if (out / "projections.parquet").is_file():
        proj = pd.read_parquet(out / "projections.parquet", columns=wanted)
    else:
        proj = pd.read_csv(out / "projections.csv", usecols=wanted, keep_default_na=False,
                           na_values=[""], dtype={"area": str, "grade": str, "scenario": str})
    proj["grade"] = proj["grade"].fillna("")
    totals = proj[(proj["grade"] == "") & (proj["scenario"] == scenario)].reset_index(drop=True)
    if (out / "shortfall.parquet").is_file():
        short = pd.read_parquet(out / "shortfall.parquet")
    else:
        short = pd.read_csv(out / "shortfall.csv", dtype={"area": str, "scenario": str})
    return totals, short[short["scenario"] == scenario].reset_index(drop=True)


def plan_of(settings: PlanSettings, dataset, totals: pd.DataFrame, shortfall: pd.DataFrame, capacity,
            standards, until: int, seed: int, run_id: str, scenario: str, where: str) -> PlanResult:
    """Make the plan and its tables."""
    if totals.empty:
        raise ValueError(f"the run has no projected demand for scenario {scenario}: nothing to plan")
    plan = make_plan(settings, dataset, totals, capacity, standards, until, seed, shortfall, where)
    builds = tables.build_plan(plan)
    return PlanResult(builds, tables.plan_risk(plan), tables.rules_table(plan), tables.costs_by_year(plan),
                      tables.section(plan, run_id, scenario, builds), tables.terminal(plan, builds), plan)


def check_inputs(settings: PlanSettings, dataset, standards, where: str) -> None:
    """Refuse, before any run, what the plan could not use: problems in candidates.csv or
    neighbours.csv (CandidateError), or no cost per seat when candidates must be generated."""
    from forecast.planning.candidates import read_candidates, read_neighbours

    limits = {lv: standards.limit(lv) for lv in dataset.system.level_names}
    found, _ = read_candidates(dataset, limits)
    read_neighbours(dataset)
    if found is None and not settings.cost_per_seat:
        raise ConfigError(f"{where}, key plan.cost_per_seat: the dataset has no candidates.csv, so the plan "
                          "generates standard schools and needs a cost per seat by level, with its source "
                          "in plan.cost_assumption (see configs/banan.yaml)")
