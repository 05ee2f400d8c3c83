"""report.html: self-contained, explorable, with the sections a planner reads and honest
words on the intervals."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
from click.testing import CliRunner
from plotly.offline import get_plotlyjs

from forecast.cli import cli
from forecast.outputs.manifest import finalise
from forecast.report import read_outputs
from forecast.report.honesty import interval_note
from forecast.report.labels import column
from forecast.report.page import render


def _own_part(page: str) -> str:
    """The page without the embedded plotly.js library."""
    return page.replace(get_plotlyjs(), "")


def test_page_is_self_contained_with_every_section(banan_report):
    page = (banan_report / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    assert get_plotlyjs() in page  # the library is inline, nothing is fetched
    own = _own_part(page)
    links = re.findall(r'(?:src|href)="([^"]+)"', own)
    assert all(s.startswith("data:") for s in links)
    assert "@font-face" in own and "data:font/woff;base64," in own
    for heading in ("概要", "图表", "学位缺口时段与建设需求", "规划核对", "回测精度", "假设", "数据来源"):
        assert f"<h2>{heading}</h2>" in page
    # sources by title and issuing number, in Simplified characters; no internal path
    assert "《重庆市巴南区教育事业发展“十四五”规划》（巴南府发〔2021〕20号）" in page
    assert "seeds/000_" not in own


def page_data(page: str) -> dict:
    """The data the page's script draws its panel, charts and tables from."""
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page, re.S)
    return json.loads(found.group(1).replace("<\\/", "</"))


def test_three_area_page_shows_the_base_year_shortage_spell_and_build_plan(three_area_run):
    page = (three_area_run / "report.html").read_text(encoding="utf-8")
    tables = page_data(page)["tables"]
    heads = tables["spells"]["heads"]
    rows = [r[2:] for r in tables["spells"]["rows"] if r[1] == "baseline"]  # area id, scenario, cells
    north = next(r for r in rows if r[0] == "north")
    # area, level, scenario, base-year deficit, first (mean, P90), last (mean, P90), peak year, ...
    assert north[3] == "130" and north[4:8] == ["2020", "2020", "2023", "2023"]
    assert north[heads.index(column("classrooms_to_build", "en"))] == "5"
    assert north[heads.index(column("latest_start_year", "en"))] == "2017"
    assert north[heads.index(column("start_already_late", "en"))] == "yes"
    assert north[heads.index(column("earliest_opening_year", "en"))] == "2024"  # 2021 + 3 years
    assert "p1 (2024, 400 seats)" in north[-1]
    district = next(r[2:] for r in tables["parents"]["rows"] if r[0] == "district" and r[1] == "baseline")
    # sub-areas' P90 deficits, not netted: here north's alone (south is never short)
    summary = pd.read_csv(three_area_run / "shortfall_summary.csv")
    north_peak = summary.query("scenario == 'baseline' and area == 'north'")["peak_deficit_p90"].item()
    assert district[-1] == f"{north_peak:,.0f}"
    assert not any(r[0] == "south" for r in rows)
    assert "not backtested" in page  # no evidence in this folder: the page says so


def test_coverage_words_follow_the_evidence(three_area_run, tmp_path):
    inputs = read_outputs(three_area_run)
    assert "not backtested" in interval_note(inputs.meta, inputs.accuracy, "en")
    accuracy = inputs.accuracy.__class__({"model": ["cohort", "cohort"], "level": ["primary", "primary"],
                                          "horizon": [1, 2], "coverage_80": [0.5, 0.3]})
    assert "held 40 % of outcomes for Primary" in interval_note(inputs.meta, accuracy, "en")
    meta = {**inputs.meta, "intervals": {"source": "shipped error library",
                                         "levels": {"primary": {"coverage_80": 0.78}}}}
    words = interval_note(meta, accuracy, "en")  # the run's own record wins over accuracy.csv
    assert "78 % of outcomes for Primary" in words and "borrowed" in words
    assert "78%" in interval_note(meta, accuracy, "zh").replace(" ", "") and "误差库" in interval_note(meta, accuracy, "zh")
    out = tmp_path / "copy"
    shutil.copytree(three_area_run, out)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    record.pop("interval_statement")  # what the run said; a record of another shape says its own
    (out / "run.json").write_text(json.dumps({**record, "evidence": {"primary": 0.6}}), encoding="utf-8")
    assert "60 % of outcomes" in render(read_outputs(out), None, "en")


def test_report_command_adds_accuracy_from_a_backtest(banan_report, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(banan_report, out)
    (out / "accuracy.csv").write_text("model,level,horizon,n,mape,coverage_80\ncohort,primary,1,3,1.25,0.25\n",
                                      encoding="utf-8")
    finalise(out)  # listed in run.json, as `forecast backtest --out` leaves it
    result = CliRunner().invoke(cli, ["report", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "MAPE 1" in page and "1.2" in page and "No backtest" not in page
    assert "held 25 % of outcomes for Primary" in page


def test_report_without_a_run_exits_1(tmp_path):
    result = CliRunner().invoke(cli, ["report", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "no run outputs" in result.output
