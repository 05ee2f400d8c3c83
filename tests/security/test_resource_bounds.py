"""Small inputs that would expand into gigabytes are refused before they expand (issue 21,
item 5): a workbook declaring a cell at XFD1048576, a dataset.yaml whose grade list is a tree
of aliases, ``sweep --year 99999``. Each runs in a child process under a memory cap (a guard:
the unfixed code fails there instead of exhausting the machine)."""

from __future__ import annotations

import re
import tracemalloc

import pytest
from openpyxl import load_workbook

from forecast.data import excel_input
from forecast.data.dataset import inspect_dataset
from forecast.data.inputs import InputFileError, load_yaml
from forecast.data.starter import write_example
from tests.conftest import write_toy_dataset
from tests.security.conftest import edit_part, run_bounded


def _bomb(tmp_path):
    """The template with one more value, at XFD1048576 (the last cell a sheet can have)."""
    write_example(tmp_path / "demo")
    path = tmp_path / "demo" / "template.xlsx"
    book = load_workbook(path)
    book["enrolment"].cell(row=1_048_576, column=16_384, value=1)
    book.save(path)
    return path


def test_a_workbook_declaring_a_cell_at_xfd1048576_is_refused_before_expanding(tmp_path):
    path = _bomb(tmp_path)
    assert path.stat().st_size < 20_000  # a small file...
    done = run_bounded(["validate", str(path)], tmp_path)
    # ...whose enrolment sheet would be 17,179,869,184 cells once expanded
    assert done.returncode == 1, done.stderr[-2000:]
    assert ("template.xlsx: sheet enrolment spans A1:XFD1048576, 17,179,869,184 cells (at most "
            f"{excel_input.MAX_CELLS:,} in a workbook)") in done.stderr
    assert "Traceback" not in done.stderr


def test_without_a_dimension_the_cells_are_counted_as_read(tmp_path):
    """The declared extent can be removed from the sheet's XML: the rows are then read as
    wide as their own cells, 16,384 for the last row, and the stray value is named."""
    path = _bomb(tmp_path)
    edit_part(path, "xl/worksheets/sheet4.xml", lambda xml: re.sub(r"<dimension [^>]*/>", "", xml))
    assert load_workbook(path, read_only=True)["enrolment"].max_row is None  # no extent declared
    tracemalloc.start()
    try:
        dataset, problems = inspect_dataset(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20, peak  # megabytes, not the gigabytes an expanded sheet takes
    assert dataset is not None
    assert "template.xlsx: enrolment!XFD1048576: a value right of the table's last column heading " \
           "is ignored" in " ".join(map(str, problems))


def test_a_workbook_beyond_the_cell_bound_is_refused_naming_the_sheet(tmp_path, monkeypatch):
    write_example(tmp_path / "demo")
    monkeypatch.setattr(excel_input, "MAX_CELLS", 100)  # the template's tables hold more
    dataset, problems = inspect_dataset(tmp_path / "demo" / "template.xlsx")
    assert dataset is None
    assert re.fullmatch(r"template.xlsx: (sheet \w+ spans A1:\w+, [\d,]+ cells \(at most 100 in a "
                        r"workbook\)|holds more than 100 cells \(sheet \w+, row \d+\)).*",
                        str(problems[0])), str(problems[0])


def _alias_tree(depth: int = 9) -> str:
    """A grade list nesting ``depth`` levels of ten aliases: 10**depth grades once expanded."""
    items = ["&a0 [g1, g2, g3, g4, g5, g6, g7, g8, g9, g10]"]
    items += [f"&a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, depth + 1)]
    return ("name: bomb\nbase_year: 2020\nsystem:\n  name: laughs\n  levels:\n"
            "    - level: primary\n      entry_age: 6\n      grades: [" + ", ".join(items) + "]\n")


def test_a_dataset_yaml_whose_grade_list_is_an_alias_tree_is_refused(tmp_path):
    folder = write_toy_dataset(tmp_path / "toy")
    text = _alias_tree()
    assert len(text) < 1_600
    (folder / "dataset.yaml").write_text(text, encoding="utf-8")
    done = run_bounded(["validate", str(folder)], tmp_path)
    assert done.returncode == 1, done.stderr[-2000:]
    found = re.search(r"dataset.yaml: its aliases \(\*name\) would expand ([\d,]+) values written in "
                      r"the file to ([\d,]+); at most 100,000 may come from aliases", done.stderr)
    assert found, done.stderr[-2000:]
    written, expanded = (int(g.replace(",", "")) for g in found.groups())
    assert written < 200 and expanded > 10**9  # ten levels of ten: 1 + 11 + 111 + ... grades
    assert "Traceback" not in done.stderr


def test_aliases_that_add_little_are_read_and_a_loop_is_refused(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("base: &b {draws: 100, seed: 1}\nlow: *b\nhigh: *b\n", encoding="utf-8")
    assert load_yaml(path)[0] == {"base": {"draws": 100, "seed": 1}, "low": {"draws": 100, "seed": 1},
                                  "high": {"draws": 100, "seed": 1}}
    path.write_text("grades: &g [g1, *g]\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"c.yaml: is not accepted: line 1: an alias refers to a "
                                             r"node that contains it \(a loop\)"):
        load_yaml(path)


def test_sweep_year_99999_is_capped_like_run(tmp_path):
    folder = write_toy_dataset(tmp_path / "toy")
    done = run_bounded(["sweep", "--data", str(folder), "--grid", "births=1:1:1", "--year", "99999",
                        "--out", str(tmp_path / "out")], tmp_path)
    assert done.returncode == 1, done.stderr[-2000:]
    assert ("--year 99999: more than 30 years after the base year 2020; use 2021 to 2050, or raise "
            "the bound with --max-horizon") in done.stderr
    assert not (tmp_path / "out").exists()
    allowed = run_bounded(["sweep", "--data", str(folder), "--grid", "births=1:1:1", "--year", "2060",
                           "--max-horizon", "40", "--draws", "5", "--out", str(tmp_path / "out")], tmp_path)
    assert allowed.returncode == 0, allowed.stderr[-2000:]
