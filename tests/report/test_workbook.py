"""report.xlsx: sheets, values that match projections.csv, labels, number formats, filters,
colours and the build plan."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from forecast.report import read_outputs
from forecast.report.labels import column, level, scenario_name, text
from forecast.report.workbook import write_workbook


def test_sheets_and_cells_match_the_projections(banan_report):
    book = load_workbook(banan_report / "report.xlsx")
    assert book.sheetnames == ["概要", "建设计划", "预测", "学位缺口", "规划核对", "运行信息", "假设", "数据来源"]
    sheet = book["预测"]
    heads = [c.value for c in sheet[1]]
    assert heads[:3] == ["区域", "学段", "年份"] and "均值" in heads
    assert sheet.freeze_panes == "A2"
    proj = pd.read_csv(banan_report / "projections.csv", keep_default_na=False)
    proj = proj[proj["grade"] == ""].reset_index(drop=True)
    for i in (0, 7, len(proj) - 1):  # a few rows, cell by cell
        row = [c.value for c in sheet[i + 2]]
        expected = proj.iloc[i]
        assert row[0] == expected["area"] and row[1] == level(expected["level"], "zh")
        assert row[2] == expected["year"] and row[3] == scenario_name(expected["scenario"], "zh")
        assert row[heads.index("均值")] == pytest.approx(expected["mean"])
        assert row[heads.index("P90 上限")] == pytest.approx(expected["p90"])
    assert sheet.max_row == len(proj) + 1


def test_integer_formats_and_an_autofilter_on_every_table(banan_report):
    book = load_workbook(banan_report / "report.xlsx")
    for sheet in book:
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
    pupils = {column(c, "zh") for c in ("mean", "p10", "p90", "demand_mean", "demand_p90", "seats",
                                        "deficit_seats", "classes_needed", "classrooms_to_build")}
    checked = 0
    for name in ("预测", "学位缺口", "概要"):
        sheet = book[name]
        for i, head in enumerate(c.value for c in sheet[1]):
            if head in pupils:
                formats = {sheet.cell(r, i + 1).number_format for r in range(2, sheet.max_row + 1)}
                assert formats == {"#,##0"}, (name, head)
                checked += 1
            if head == column("avg_class_size", "zh"):
                assert sheet.cell(2, i + 1).number_format == "0.0"
    assert checked >= 10
    summary = book["概要"]  # numbers, with the interval in their own columns
    heads = [c.value for c in summary[1]]
    row = [c.value for c in summary[2]]
    # numbers, not text (a mean that rounds to a whole number is stored as an int)
    assert all(isinstance(row[heads.index(h)], int | float) for h in ("均值", "P90 上限"))
    assert row[heads.index("P10 下限")] <= row[heads.index("均值")] <= row[heads.index("P90 上限")]


def test_build_plan_sheet_follows_the_spells(three_area_run):
    book = load_workbook(three_area_run / "report.xlsx")
    sheet = book[text("build_plan", "en")]
    heads = [c.value for c in sheet[1]]
    rows = [dict(zip(heads, [c.value for c in r], strict=True)) for r in sheet.iter_rows(min_row=2)]
    north = next(r for r in rows if r["Area"] == "north" and r["Scenario"] == "baseline")
    assert north[column("base_year_deficit", "en")] == 130 and north[column("short_in_base_year", "en")] == "yes"
    assert north[column("first_year_short_p90", "en")] == 2020 and north[column("last_year_short_p90", "en")] == 2023
    assert north[column("latest_start_year", "en")] == 2017


def test_shortfall_sheet_colours_deficits_red_and_large_classes_amber(banan_report):
    sheet = load_workbook(banan_report / "report.xlsx")["学位缺口"]
    rules = {str(r.formula[0]): r.dxf.fill.fgColor.rgb for rng in sheet.conditional_formatting for r in rng.rules}
    heads = [c.value for c in sheet[1]]
    deficit = chr(ord("A") + heads.index(column("deficit_seats", "zh")))
    avg = chr(ord("A") + heads.index(column("avg_class_size", "zh")))
    assert rules[f"${deficit}2>0"].endswith("FFC7CE")  # red
    assert any(f.startswith(f"${avg}2>") and rgb.endswith("FFE699") for f, rgb in rules.items())  # amber
    # the red rule fires on real rows: Banan's junior is short in 2021
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    short = [v for v in values if v[heads.index(column("deficit_seats", "zh"))] > 0]
    assert any(v[1] == "初中" and v[2] == 2021 for v in short)


def test_english_labels_and_a_backtest_adds_the_accuracy_sheet(banan_report, tmp_path):
    inputs = read_outputs(banan_report)
    inputs.accuracy = pd.DataFrame({"model": ["cohort"], "level": ["primary"], "horizon": [1],
                                    "n": [3], "mape": [1.5]})
    write_workbook(inputs, tmp_path / "en.xlsx", "en")
    book = load_workbook(tmp_path / "en.xlsx")
    assert book.sheetnames[0] == "Summary" and text("accuracy", "en") in book.sheetnames
    assert [c.value for c in book["Projections"][1]][:3] == ["Area", "Level", "Year"]
    assert book["Accuracy"]["E2"].value == 1.5 and book["Accuracy"]["E2"].number_format == "0.0"
