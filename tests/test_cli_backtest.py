"""`forecast backtest` and `forecast run --model auto` on the shipped national series."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from forecast.cli import cli
from forecast.evidence.backtest import ACCURACY, COLUMNS
from forecast.models.registry import ALL
from tests.conftest import REPO

CHINA = str(REPO / "configs" / "china.yaml")


@pytest.fixture(scope="module")
def china_backtest(tmp_path_factory):
    out = tmp_path_factory.mktemp("bt")
    result = CliRunner().invoke(cli, ["backtest", "--config", CHINA, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_backtest_prints_mape_for_every_model_and_baseline(china_backtest):
    out, output = china_backtest
    table = [line.split() for line in output.splitlines() if line.startswith(("kindergarten ", "primary "))]
    for level in ("kindergarten", "primary"):
        models = {row[1] for row in table if row[0] == level}
        assert set(ALL) | {"auto"} <= models, level
    assert "(baseline)" in output and "MAPE (%) by years ahead" in output


def test_backtest_files_match_what_was_observed(china_backtest):
    out, _ = china_backtest
    bt = pd.read_csv(out / "backtest.csv")
    acc = pd.read_csv(out / "accuracy.csv")
    assert list(bt.columns) == COLUMNS and list(acc.columns) == ACCURACY
    assert sorted(bt["origin"].unique()) == list(range(2010, 2025))
    assert bt["horizon"].between(1, 5).all() and (bt["year"] <= 2025).all()
    # actuals are the published totals: primary 2016 = 99,130,100 (MoE/NBS)
    assert (bt[(bt.level == "primary") & (bt.year == 2016)]["actual"] == 99130100).all()
    row = bt.iloc[0]
    assert row["error"] == pytest.approx(row["forecast"] - row["actual"], abs=0.01)
    # MAPE in accuracy.csv is the mean APE of its backtest rows
    cell = bt[(bt.model == "last_value") & (bt.level == "primary") & (bt.horizon == 3)]
    mape = acc[(acc.model == "last_value") & (acc.level == "primary") & (acc.horizon == 3)]["mape"]
    assert mape.iloc[0] == pytest.approx(cell["ape"].mean(), abs=1e-3)
    assert (acc["n"] > 0).all() and acc["coverage_80"].dropna().between(0, 1).all()


def test_backtest_bad_origins_exit_1_without_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "forecast", "backtest", "--config", CHINA,
                             "--origins", "2030:2031", "--out", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "none is an observed year" in result.stderr and "Traceback" not in result.stderr
    result = CliRunner().invoke(cli, ["backtest", "--config", CHINA, "--models", "prophet"])
    assert result.exit_code == 1 and "unknown model(s) prophet" in result.output


def test_run_model_auto_records_models_weights_and_calibration(tmp_path):
    result = CliRunner().invoke(cli, ["run", "--config", CHINA, "--model", "auto", "--draws", "100",
                                      "--until", "2028", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert meta["projection_method"] == "auto"
    levels = meta["ensemble"]["levels"]
    for part in levels.values():
        assert sum(part["models"].values()) == pytest.approx(1.0, abs=1e-3)
        assert part["interval_factor"] > 0
    proj = pd.read_csv(tmp_path / "projections.csv", keep_default_na=False)
    combined = proj[(proj.grade == "") & proj.level.isin(levels)]
    assert (combined["model"] == "auto").all()
    assert (tmp_path / "accuracy.csv").is_file() and (tmp_path / "backtest.csv").is_file()
    assert "auto: weights from the backtest" in result.output


def test_backtest_reports_the_evidence_default_per_level(china_backtest):
    out, output = china_backtest
    lines = [line for line in output.splitlines() if "winner" in line]
    assert [line.split(":")[0] for line in lines] == ["kindergarten", "primary", "junior", "senior_general"]
    assert all("evidence (default)" in line and "cover80" in line for line in lines)
    acc = pd.read_csv(out / "accuracy.csv")
    ev = acc[acc.model == "evidence"]
    assert len(ev) == 20 and ev["width_80"].gt(0).all()
    # the Winkler score is at least the width (the width plus penalties for misses)
    assert (ev["winkler_80"] >= ev["width_80"] - 1e-3).all()  # both rounded to 3 decimals
    assert (out / "evidence_candidates.csv").is_file()


def test_default_run_records_the_evidence(tmp_path):
    result = CliRunner().invoke(cli, ["run", "--config", CHINA, "--draws", "100", "--no-report",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert meta["projection_method"] == "evidence" and meta["evidence"]["intervals"]["borrowed"] is False
    levels = meta["evidence"]["levels"]
    assert set(levels) == {"kindergarten", "primary", "junior", "senior_general"}
    for part in levels.values():
        assert set(part["choice_by_horizon"]) == {"1", "2", "3", "4", "5"}
        assert part["coverage_80_by_horizon"]
    proj = pd.read_csv(tmp_path / "projections.csv", keep_default_na=False)
    totals = proj[(proj.grade == "") & (proj.area == "china")]
    assert (totals["model"] == "evidence").all()
    assert ((totals["p10"] <= totals["mean"]) & (totals["mean"] <= totals["p90"])).all()
