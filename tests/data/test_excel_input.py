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


# ---- issue 21: dates read as years, formulas without a value, rows after empty rows, the
# dataset sheet parsed as YAML cell by cell
def _template(tmp_path):
    write_example(tmp_path / "demo")
    path = tmp_path / "demo" / "template.xlsx"
    return path, load_workbook(path)


def _errors(path):
    dataset, problems = inspect_dataset(path)
    return dataset, [str(p) for p in problems if p.severity == "error"]


def test_a_date_in_a_count_cell_is_refused_not_read_as_its_year(tmp_path):
    import datetime as dt

    path, book = _template(tmp_path)
    book["enrolment"]["E2"] = dt.datetime(1902, 11, 5)
    book.save(path)
    dataset, errors = _errors(path)
    assert dataset is None
    assert errors == ["template.xlsx: enrolment!E2: '1902-11-05' is a date, not a number (a cell "
                      "formatted as a date?); give the value as a plain number"]


def test_a_formula_without_a_saved_value_is_named_as_a_formula(tmp_path):
    path, book = _template(tmp_path)
    book["enrolment"]["E3"] = "=E2*2"  # openpyxl saves formulas without computing them
    book.save(path)
    dataset, errors = _errors(path)
    assert dataset is None
    assert errors == ["template.xlsx: enrolment!E3: is a formula without a saved value (the workbook "
                      "was written by a program that does not calculate); open it in Excel or "
                      "LibreOffice and save it, or enter the values"]


def test_cells_after_empty_rows_keep_their_sheet_row(tmp_path):
    path, book = _template(tmp_path)
    sheet = book["enrolment"]
    sheet.insert_rows(3, 2)  # two empty rows: the third record moves from row 3 to row 5
    sheet["E6"] = "many"
    book.save(path)
    assert _errors(path)[1] == ["template.xlsx: enrolment!E6: 'many' is not a number"]


def test_dataset_sheet_values_are_text_not_yaml(tmp_path):
    path, book = _template(tmp_path)
    sheet = book["dataset"]
    rows = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    rows["title"].value = "Plan: 2021-2025"  # a mapping as YAML: refused before
    rows["name"].value = "@home"  # '@' cannot start YAML: crashed before
    sheet.append(["notes", "*see the plan, p. 3"])  # '*' is a YAML alias: crashed before
    sheet.append(["plan_period", "2021-2025"])
    book.save(path)
    dataset = load_dataset(path)
    assert dataset.meta["title"] == "Plan: 2021-2025" and dataset.name == "@home"
    assert dataset.meta["notes"] == ["*see the plan, p. 3"]
    assert dataset.meta["plan_period"] == [2021, 2025] and dataset.base_year == 2020


def test_a_dataset_sheet_value_that_is_broken_yaml_is_named_by_cell(tmp_path):
    path, book = _template(tmp_path)
    book["dataset"].append(["system", "{preset: china_5_4"])
    book.save(path)
    row = book["dataset"].max_row
    dataset, errors = _errors(path)
    assert dataset is None and len(errors) == 1
    assert errors[0].startswith(f"template.xlsx: dataset!B{row}: system: is not valid YAML")


def _chinese_workbook(path):
    """The template with Chinese sheet names, headers and level names, as a planner types them."""
    book = load_workbook(path)
    book["enrolment"].title = "在校生"
    sheet = book["在校生"]
    for cell in sheet[1]:
        cell.value = {"area": "区域", "year": "年份", "level": "学段", "grade": "年级",
                      "students": "在校生"}.get(cell.value, cell.value)
    levels = {"kindergarten": "幼儿园", "primary": "小学", "junior": "初中", "senior_general": "普通高中",
              "senior_vocational": "中职"}
    for (cell,) in sheet.iter_rows(min_row=2, min_col=3, max_col=3):
        cell.value = levels.get(cell.value, cell.value)
    book["schools"]["B1"].value = "学段"
    for (cell,) in book["schools"].iter_rows(min_row=2, min_col=2, max_col=2):
        cell.value = levels.get(cell.value, cell.value)
    book.save(path)
    return book


def test_chinese_headers_and_level_names_are_aliases(tmp_path):
    write_example(tmp_path / "demo")
    path = tmp_path / "demo" / "template.xlsx"
    _chinese_workbook(path)
    folder = load_dataset(tmp_path / "demo")
    book = load_dataset(path)
    assert book.enrolment.equals(folder.enrolment)  # the same numbers, the contract's names
    assert set(book.tables["schools"]["level"]) == set(folder.tables["schools"]["level"])
    # a problem names the sheet as the planner named it
    sheet = load_workbook(path)
    sheet["在校生"]["E6"].value = "many"
    sheet.save(path)
    shown = [str(p) for p in inspect_dataset(path)[1] if p.severity == "error"]
    assert shown == ["template.xlsx: 在校生!E6: 'many' is not a number"]


def test_workbook_errors_name_sheet_and_cell_never_csv_or_yaml(tmp_path):
    write_example(tmp_path / "demo")
    path = tmp_path / "demo" / "template.xlsx"
    book = load_workbook(path)
    book["areas"]["B4"].value = "nowhere"  # south's parent is not declared
    book["enrolment"]["A7"].value = "east"  # an area the areas sheet does not declare
    book.save(path)
    shown = [str(p) for p in inspect_dataset(path)[1] if p.severity == "error"]
    assert any(s.startswith("template.xlsx: areas!B4: area 'south' has parent 'nowhere'") for s in shown)
    assert any(s.startswith("template.xlsx: enrolment!A7: area 'east' is not declared in the areas sheet")
               for s in shown)
    assert not any(".csv" in s or "dataset.yaml" in s for s in shown), shown
