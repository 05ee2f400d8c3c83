"""`forecast plan` on a starter dataset with candidates.csv and neighbours.csv; bad input
gives one line per problem naming file, row and column, exit 1, no traceback; the plan
block of the config is strict and not part of a run's fingerprint."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from forecast.cli import cli
from forecast.data.config import ConfigError, PlanSettings, load_config
from forecast.data.starter import write_example
from forecast.pipeline import inputs_id

CANDIDATES = """candidate,area,level,seats,classrooms,cost,lead_time_years,earliest_start,latest_start,kind,source
N1 north primary school,north,primary,900,,45000000,2,2021,,new_school,assumption: test figure
N2 north extension,north,primary,,6,9000000,1,2021,2024,extension,assumption: test figure
S1 south junior school,south,junior,600,,40000000,2,2021,,new_school,assumption: test figure
S2 south junior extension,south,junior,150,,8000000,1,2022,,extension,assumption: test figure
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The starter dataset with candidates, and a config running the plain cohort flow with
    few draws (the plan reads the run's intervals; the method does not matter here)."""
    root = tmp_path_factory.mktemp("demo")
    folder = root / "data"
    write_example(folder)
    (folder / "candidates.csv").write_text(CANDIDATES, encoding="utf-8")
    config = root / "demo.yaml"
    config.write_text(f"dataset: {folder}\ndraws: 200\nmodel: {{method: cohort}}\nplan: {{risk: 0.2}}\n",
                      encoding="utf-8")
    return folder, config


def test_plan_writes_its_files_and_reuses_the_run(demo, tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(cli, ["plan", "--config", str(demo[1]), "--out", str(out)])
    assert first.exit_code == 0, first.output
    for name in ("build_plan.csv", "plan_risk.csv", "plan_rules.csv", "plan_costs.csv"):
        assert (out / name).is_file()
    assert "solver: HiGHS" in first.output and "MIP gap" in first.output
    doc = json.loads((out / "scheduler.json").read_text(encoding="utf-8"))
    assert doc["plan"]["risk"] == 0.2 and doc["plan"]["candidates"] == "candidates.csv"
    builds = pd.read_csv(out / "build_plan.csv")
    assert set(builds["candidate"]) <= set(pd.read_csv(demo[0] / "candidates.csv")["candidate"])
    run_id = json.loads((out / "run.json").read_text(encoding="utf-8"))["run_id"]
    again = runner.invoke(cli, ["plan", "--config", str(demo[1]), "--out", str(out), "--risk", "0.2"])
    assert again.exit_code == 0 and f"reading run {run_id}" in again.output


def test_a_re_export_keeps_the_plan_of_the_same_run_and_says_when_it_drops_it(demo, tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(cli, ["plan", "--config", str(demo[1]), "--out", str(out)]).exit_code == 0
    planned = json.loads((out / "scheduler.json").read_text(encoding="utf-8"))["plan"]
    again = runner.invoke(cli, ["export", "--config", str(demo[1]), "--out", str(out)])
    assert again.exit_code == 0, again.output
    doc = json.loads((out / "scheduler.json").read_text(encoding="utf-8"))
    assert doc["plan"] == planned and "left out" not in again.output
    cut = runner.invoke(cli, ["export", "--config", str(demo[1]), "--out", str(out), "--area", "north"])
    assert cut.exit_code == 0, cut.output
    assert "plan" not in json.loads((out / "scheduler.json").read_text(encoding="utf-8"))
    assert "build plan was left out" in cut.output


def test_a_bad_candidate_row_is_named_by_file_row_and_column(demo, tmp_path):
    bad = tmp_path / "bad"
    write_example(bad)
    (bad / "candidates.csv").write_text(CANDIDATES.replace("north,primary,900", "north,primary,-900")
                                        .replace(",south,junior,600", ",nowhere,junior,600"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["plan", "--data", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "candidates.csv row 2, column seats" in result.output
    assert "candidates.csv row 4, column area: area 'nowhere'" in result.output
    assert "Traceback" not in result.output and "running it" not in result.output


def test_generated_candidates_need_a_cost_per_seat_named_by_key(demo, tmp_path):
    plain = tmp_path / "plain"
    write_example(plain)
    result = CliRunner().invoke(cli, ["plan", "--data", str(plain), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "running it" not in result.output  # refused before any run
    assert "key plan.cost_per_seat" in result.output and "Traceback" not in result.output


def test_the_plan_block_is_strict_and_bounded():
    PlanSettings.model_validate({"risk": 0.05, "budget": {2024: 1e8, 2025: 2e8}})
    for bad in ({"risk": 1.5}, {"budget": float("inf")}, {"riks": 0.1},
                {"class_size_headroom": {"max_class_size": 70, "penalty_per_pupil_year": 1, "assumption": "x"}},
                {"temporary_classrooms": {"cost_per_classroom_year": 1.0}}):
        with pytest.raises(ValueError):
            PlanSettings.model_validate(bad)


def test_the_plan_block_leaves_the_run_fingerprint_alone(tmp_path):
    config = load_config("banan")
    assert "plan" not in config.model_dump()
    other = config.model_copy(update={"plan": PlanSettings(risk=0.3)})
    assert inputs_id(other) == inputs_id(config)


def test_every_shipped_cost_figure_says_assumption():
    for name in ("banan", "texas"):
        plan = load_config(name).plan
        assert plan.cost_per_seat and plan.cost_assumption.strip().startswith("assumption:")
        assert plan.school_seats_assumption.strip().startswith("assumption:")


def test_a_horizon_after_the_run_is_refused_by_key(tmp_path):
    from forecast.planning.assemble import horizon_of

    with pytest.raises(ConfigError, match="key plan.horizon"):
        horizon_of(PlanSettings(horizon=2040), 2030, "x.yaml")
