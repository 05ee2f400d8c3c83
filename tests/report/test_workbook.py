"""report.xlsx: sheets, values that match projections.csv, labels, frozen headers, colours."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from forecast.labels import column, level, text
from forecast.report import read_outputs
from forecast.report.workbook import write_workbook


def test_sheets_and_cells_match_the_projections(banan_report):
    book = load_workbook(banan_report / "report.xlsx")
    assert book.sheetnames == ["概要", "预测", "学位缺口", "规划核对", "假设", "数据来源"]
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
        assert row[2] == expected["year"] and row[3] == expected["scenario"]
        assert row[heads.index("均值")] == pytest.approx(expected["mean"])
        assert row[heads.index("P90 上限")] == pytest.approx(expected["p90"])
    assert sheet.max_row == len(proj) + 1


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
    assert book["Accuracy"]["E2"].value == 1.5
