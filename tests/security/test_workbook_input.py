"""A workbook is data, never paths (issue 21, item 1): sheet names cannot write files, they are
matched to the fixed table names, and the sheets' rows are checked and located as before."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from forecast.cli import cli
from forecast.data.dataset import inspect_dataset
from forecast.data.starter import write_example
from tests.security.conftest import rename_sheets


def _template(tmp_path: Path) -> Path:
    write_example(tmp_path / "demo")
    return tmp_path / "demo" / "template.xlsx"


def _with_extra_sheets(path: Path, titles: list[str]) -> Path:
    """The template plus sheets holding a births-like table, named ``extraN`` (renamed later)."""
    book = load_workbook(path)
    for i, _ in enumerate(titles):
        sheet = book.create_sheet(f"extra{i}")
        sheet.append(["area", "year", "births"])
        sheet.append(["pwned", 2020, 1])
    out = path.with_name("evil.xlsx")
    book.save(out)
    return rename_sheets(out, {f"extra{i}": t for i, t in enumerate(titles)})


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and "out" not in p.relative_to(root).parts}


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    """A workbook with sheets named ``../../../x/PWNED`` and ``/abs/.../victim/enrolment``,
    the temporary folder three levels below ``tmp_path/t`` (where ``../../../x`` lands) and a
    victim file in place."""
    deep = tmp_path / "t" / "a" / "b"
    deep.mkdir(parents=True)
    (tmp_path / "t" / "x").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "enrolment.csv").write_text("precious\n", encoding="utf-8")
    book = _with_extra_sheets(_template(tmp_path), ["../../../x/PWNED", f"{victim}/enrolment"])
    return book, tmp_path


def test_traversal_sheet_names_write_nothing_through_validate(hostile):
    book, root = hostile
    before = _files(root)
    result = CliRunner().invoke(cli, ["validate", str(book)])
    assert not (root / "t" / "x" / "PWNED.csv").exists()
    assert _files(root) == before  # the victim untouched, nothing created anywhere
    assert result.exit_code == 0, result.output  # the real tables are a valid dataset
    assert "sheet '../../../x/PWNED': is not a table of the data contract and is ignored" in result.output
    assert f"sheet '{root}/victim/enrolment': is not a table" in result.output


def test_traversal_sheet_names_write_nothing_through_run(hostile):
    book, root = hostile
    before = _files(root)
    result = CliRunner().invoke(cli, ["run", "--data", str(book), "--model", "cohort", "--draws", "20",
                                      "--no-report", "--out", str(root / "out")])
    assert result.exit_code == 0, result.output
    assert not (root / "t" / "x" / "PWNED.csv").exists()
    assert _files(root) == before
    assert "pwned" not in (root / "out" / "projections.csv").read_text(encoding="utf-8")


def test_sheet_names_match_tables_whatever_their_case_and_spaces(tmp_path):
    book = rename_sheets(_template(tmp_path), {"enrolment": "Enrolment", "births": " BIRTHS ",
                                               "dataset": "Dataset"})
    dataset, problems = inspect_dataset(book)
    assert dataset is not None, [str(p) for p in problems]
    assert len(dataset.enrolment) == 12 and dataset.base_year == 2020
    assert not [p for p in problems if "sheet" in p.file and "ignored" in p.reason]


def test_two_sheets_for_one_table_are_an_error_naming_both(tmp_path):
    path = _template(tmp_path)
    book = load_workbook(path)
    book.copy_worksheet(book["enrolment"]).title = "copy"
    book.save(path)
    rename_sheets(path, {"copy": " enrolment"})
    dataset, problems = inspect_dataset(path)
    assert dataset is None
    assert "template.xlsx: sheet ' enrolment': holds the enrolment table, as does sheet enrolment; keep one" \
        in [str(p) for p in problems]


def test_an_unknown_sheet_gets_a_hint_and_is_ignored(tmp_path):
    path = _template(tmp_path)
    rename_sheets(path, {"schools": "enrollment"})
    dataset, problems = inspect_dataset(path)
    shown = [str(p) for p in problems if p.severity == "warning"]
    assert any(s.startswith("template.xlsx: sheet enrollment: is not a table of the data contract "
                            "and is ignored; did you mean enrolment?") for s in shown), shown
    assert dataset is not None and "schools" not in dataset.tables


def test_problems_keep_the_sheets_own_cells_after_blank_rows(tmp_path):
    path = _template(tmp_path)
    book = load_workbook(path)
    sheet = book["enrolment"]
    sheet.insert_rows(4, 2)  # two blank rows: the records below move down two rows
    heads = [c.value for c in sheet[1]]
    sheet.cell(row=10, column=heads.index("students") + 1, value="many")
    book.save(path)
    _, problems = inspect_dataset(path)
    assert "template.xlsx: enrolment!E10: 'many' is not a number" in [str(p) for p in problems]
