"""forecast run end to end: files, columns, reproducibility, plan check, national backtest."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from click.testing import CliRunner

from forecast import load_dataset
from forecast.cli import cli
from forecast.data.levels import LEVELS
from forecast.models.projection import COLUMNS, CohortFlow
from tests.conftest import DATA, REPO


@pytest.fixture(scope="module")
def banan_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    result = CliRunner().invoke(cli, ["run", "--config", str(REPO / "configs" / "banan.yaml"),
                                      "--all-scenarios", "--draws", "200", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_projection_columns_and_level_rows(banan_run):
    out, _ = banan_run
    proj = pd.read_csv(out / "projections.csv", keep_default_na=False)
    assert list(proj.columns[:len(COLUMNS)]) == COLUMNS
    totals = proj[proj["grade"] == ""]
    # one level-total row per area x level x year x scenario, every level, 2021-2025
    assert not totals.duplicated(["area", "level", "year", "scenario"]).any()
    assert set(totals["level"]) == set(LEVELS)
    assert sorted(totals["year"].unique()) == list(range(2021, 2026))
    assert (proj["p10"] <= proj["p50"]).all() and (proj["p50"] <= proj["p90"]).all()


def test_plan_check_shows_plan_figures_beside_model(banan_run):
    out, output = banan_run
    check = pd.read_csv(out / "plan_check.csv").query("scenario == 'baseline'").set_index("level")
    assert check.loc["primary", "plan_target"] == 72_000  # 7.20万
    assert check.loc["primary+junior", "plan_target"] == 110_000
    assert check.loc["primary+junior", "model_mean"] == pytest.approx(
        check.loc["primary", "model_mean"] + check.loc["junior", "model_mean"])
    inside = (check["model_p10"] <= check["plan_target"]) & (check["plan_target"] <= check["model_p90"])
    assert (inside == check["target_inside_p10_p90"]).all()
    assert "plan check:" in output


def test_plan_targets_scenario_meets_targets_and_reports_migration(banan_run):
    out, _ = banan_run
    check = pd.read_csv(out / "plan_check.csv").query("scenario == 'plan_targets'").set_index("level")
    for level in LEVELS:
        assert check.loc[level, "model_mean"] == pytest.approx(check.loc[level, "plan_target"], rel=0.01)
    implied = pd.read_csv(out / "implied_migration.csv")
    assert set(implied["scenario"]) == {"plan_targets"}
    assert set(implied["level"]) == set(LEVELS)


def test_same_seed_gives_byte_identical_output(tmp_path):
    args = ["run", "--draws", "100", "--seed", "7"]
    for name in ("a", "b"):
        assert CliRunner().invoke(cli, args + ["--out", str(tmp_path / name)]).exit_code == 0
    assert (tmp_path / "a/projections.csv").read_bytes() == (tmp_path / "b/projections.csv").read_bytes()
    CliRunner().invoke(cli, ["run", "--draws", "100", "--seed", "8", "--out", str(tmp_path / "c")])
    assert (tmp_path / "a/projections.csv").read_bytes() != (tmp_path / "c/projections.csv").read_bytes()


def test_run_on_any_folder_and_later_years(toy_dataset, tmp_path):
    result = CliRunner().invoke(cli, ["run", "--data", str(toy_dataset), "--until", "2032",
                                      "--draws", "50", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    proj = pd.read_csv(tmp_path / "out" / "projections.csv", keep_default_na=False)
    assert proj["year"].max() == 2032
    assert set(proj["area"]) == {"north", "south", "district"}


def test_run_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("dataset: banan\nuntil: soon\n")
    result = CliRunner().invoke(cli, ["run", "--config", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "bad.yaml, key until" in result.output
    result = CliRunner().invoke(cli, ["run", "--scenario", "nope", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "unknown scenario(s) nope" in result.output
    assert not (tmp_path / "o" / "projections.csv").exists()


@pytest.mark.parametrize("level", ["kindergarten", "primary"])
def test_national_backtest_from_five_years_back(level):
    """Held-out years: fit on data up to 2015 (births too), project 2016-2020, compare."""
    ds = load_dataset(DATA / "china")
    origin = 2015
    cut = dataclasses.replace(ds, base_year=origin, enrolment=ds.enrolment[ds.enrolment.year <= origin],
                              births=ds.births[ds.births.year <= origin])
    proj = CohortFlow().fit(cut).project(2020, draws=1)
    proj = proj.query("level == @level and grade == ''").set_index("year")["mean"]
    actual = ds.level_totals().query("level == @level").set_index("year")["students"]
    errors = (proj / actual.loc[proj.index] - 1).abs()
    assert list(proj.index) == [2016, 2017, 2018, 2019, 2020]
    assert errors.max() < 0.05, errors.round(3).to_dict()
