"""Banan, risk 0.10 to 2030: the plan holds on fresh draws, costs no more than rule (a), is
written beside the run (build_plan.csv, plan_risk.csv, scheduler.json's plan section) and
shows in the report; a budget below the need gives the fewest unmet seats and says so."""

from __future__ import annotations

import json

import jsonschema
import pandas as pd
import pytest

from forecast.api import plan_in_folder
from forecast.data.config import load_config
from forecast.pipeline import run, standards_for, write_outputs
from forecast.planning import scheduler_export as export
from forecast.planning.capacity import build_capacity
from forecast.planning.from_run import plan_of, read_run, settings_for
from forecast.report.plan_section import html_section, sheets


@pytest.fixture(scope="module")
def banan(tmp_path_factory):
    config = load_config("banan")
    out = tmp_path_factory.mktemp("banan") / "out"
    result = run(config, until=2030)
    write_outputs(result, out, config)
    planned, written = plan_in_folder(config, out, until=2030)
    return config, out, result, planned, written


def test_fresh_draw_risk_stays_under_012_where_the_target_binds(banan):
    _, out, _, planned, _ = banan
    risk = pd.read_csv(out / "plan_risk.csv")
    binds = risk[risk["target_binds"]]
    assert len(binds) > 0 and binds["year"].min() >= 2023  # nothing opens before 2023
    assert binds["p_shortfall_after"].max() <= 0.10
    assert binds["p_shortfall_after_fresh"].max() <= 0.12
    assert (risk.loc[risk["unavoidable"], "year"] < 2024).all()


def test_the_plan_costs_no_more_than_rule_a(banan):
    _, out, _, planned, _ = banan
    rules = pd.read_csv(out / "plan_rules.csv").set_index("rule")
    assert rules.loc["plan", "cost"] <= rules.loc["a_p90_peak", "cost"]
    assert rules.loc["plan", "cost"] > 0
    assert rules.loc["b_planned", "cells_over_target"] > 0  # the planned projects alone fall short
    builds = pd.read_csv(out / "build_plan.csv")
    assert builds["cost"].sum() == pytest.approx(rules.loc["plan", "cost"])
    assert (builds["open_year"] - builds["start_year"] >= 2).all()  # lead times honoured
    assert builds["plan_status"].str.startswith("target met").all()


def test_the_scheduler_plan_section_is_versioned_and_valid(banan):
    _, out, result, _, _ = banan
    doc = json.loads((out / "scheduler.json").read_text(encoding="utf-8"))
    schema = json.loads(export.SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    assert doc["plan"]["schema_version"] == "1.0.0"
    assert doc["plan"]["run_id"] == doc["run_id"] == result.run_id
    assert doc["records"] == json.loads(json.dumps(result.scheduler["records"]))  # the run's part unchanged
    broken = {**doc, "plan": {**doc["plan"], "mode": "guess"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_the_report_section_shows_the_timeline_risk_and_costs(banan):
    _, out, _, _, _ = banan
    page = html_section(out, "en")
    builds = pd.read_csv(out / "build_plan.csv")
    for year in sorted(set(builds["open_year"])):
        assert f"<td>{year}</td>" in page
    assert "Risk before and after" in page and "Spending by year" in page
    assert set(sheets(out, "en")) == {"plan builds", "plan risk", "plan costs", "plan rules"}


def _plan(banan, **update):
    config, out, result, _, _ = banan
    config = config.model_copy(update={"plan": config.plan.model_copy(update=update)})
    totals, shortfall = read_run(out, "baseline")
    standards = standards_for(config)
    capacity = build_capacity(result.dataset, config.capacity, standards, 2030)
    return plan_of(settings_for(config), result.dataset, totals, shortfall, capacity, standards, 2030,
                   config.seed, result.run_id, "baseline", "banan.yaml")


def test_a_budget_below_the_need_states_the_unmet_seats(banan):
    unbounded = banan[3]
    budget = 1.0e9
    assert unbounded.section["cost_total"] > budget
    bound = _plan(banan, budget=budget)
    assert bound.section["mode"] == "budget-bound"
    assert bound.section["cost_total"] <= budget + 1
    unmet = bound.build_plan[bound.build_plan["kind"] == "unmet_seats"]
    assert len(unmet) > 0 and (unmet["seats"] > 0).all()
    assert bound.build_plan["plan_status"].str.startswith("budget-bound").all()
    assert "budget-bound" in bound.summary and "unmet seats left within the budget" in bound.summary
    # more money never leaves more seats unmet
    more = _plan(banan, budget=2.0e9)
    assert more.rules.set_index("rule").loc["plan", "expected_unmet_seat_years"] <= \
        bound.rules.set_index("rule").loc["plan", "expected_unmet_seat_years"] + 1e-6


def test_movable_projects_may_open_earlier_and_never_cost_more(banan):
    fixed = banan[3]
    moved = _plan(banan, movable_projects=True)
    assert moved.section["cost_total"] <= fixed.section["cost_total"] + 1e-6
    rows = moved.build_plan[moved.build_plan["kind"] == "planned_project_moved"]
    for why, year in zip(rows["why"], rows["open_year"], strict=True):
        assert why.startswith("open project ") and f" in {year}, not " in why
