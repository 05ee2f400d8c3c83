"""A dataset as one Excel workbook: read as the CSVs would be, problems at sheet!cell."""

from __future__ import annotations

from click.testing import CliRunner
from openpyxl import load_workbook

from forecast.cli import cli
from forecast.data.dataset import inspect_dataset, load_dataset
from forecast.data.starter import write_example


def test_workbook_loads_like_the_folder(tmp_path):
    write_example(tmp_path / "demo")
    folder = load_dataset(tmp_path / "demo")
    book = load_dataset(tmp_path / "demo" / "template.xlsx")
    assert book.base_year == folder.base_year == 2020
    assert book.enrolment.equals(folder.enrolment)
    assert list(book.areas["area"]) == list(folder.areas["area"])
    assert book.tables["schools"]["seats"].sum() == folder.tables["schools"]["seats"].sum() == 2500


def test_a_bad_cell_is_named_by_sheet_and_cell(tmp_path):
    write_example(tmp_path / "demo")
    path = tmp_path / "demo" / "template.xlsx"
    book = load_workbook(path)
    sheet = book["enrolment"]
    heads = [c.value for c in sheet[1]]
    sheet.cell(row=14, column=heads.index("students") + 1, value="many")  # E14
    sheet.cell(row=3, column=heads.index("level") + 1, value="college")
    book.save(path)
    _, problems = inspect_dataset(path)
    shown = [str(p) for p in problems if p.severity == "error"]
    assert "template.xlsx: enrolment!E14: 'many' is not a number" in shown
    assert any(s.startswith("template.xlsx: enrolment!C3:") for s in shown)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1 and "enrolment!E14" in result.output and "Traceback" not in result.output
