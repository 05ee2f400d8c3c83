"""Names never run as formulas (issue 21, item 2): report.xlsx writes every text cell as a
string; the CSVs meant for Excel give a text cell beginning with = + - @ (tab, CR) a leading
apostrophe, numbers untouched; scheduler.json and Parquet keep the ids byte for byte, and the
package reads its own CSVs back exactly."""

from __future__ import annotations

import csv
import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from forecast.cli import cli
from tests.security.conftest import write_named_dataset

NORTH = "=cmd|' /C calc'!A0"
SOUTH = "+south"
NAME = "@SUM(1+1)*cmd|' /C calc'!A0"
PROJECT = "-2+3 school"
SCENARIO = "=low"
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    data = write_named_dataset(root / "data", NORTH, SOUTH, north_name=NAME, project=PROJECT)
    (root / "c.yaml").write_text(
        f"dataset: {data}\nuntil: 2025\ndraws: 50\nseed: 1\ndefault_scenario: '{SCENARIO}'\nscenarios:\n"
        f"  '{SCENARIO}':\n    description: births lower\n    births: {{multiplier: 0.9}}\n",
        encoding="utf-8")
    out = root / "out"
    result = CliRunner().invoke(cli, ["run", "--config", str(root / "c.yaml"), "--model", "cohort",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    return root, out


def test_report_xlsx_has_no_formula_and_keeps_every_name_exactly(hostile_run):
    _, out = hostile_run
    book = load_workbook(out / "report.xlsx")  # not read-only: data_type as Excel will see it
    texts = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    for name in (NORTH, SOUTH, SCENARIO, f"{NORTH} survey"):  # ids, scenario, source
        assert name in texts, name  # byte-exact, no quote added
    assert any(NAME in t for t in texts)  # the display name (build plan)
    assert any(t.startswith(PROJECT) for t in texts)  # the planned project (build plan)


def _cells(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def test_csv_text_cells_cannot_start_a_formula_and_numbers_are_untouched(hostile_run):
    _, out = hostile_run
    for path in sorted(out.glob("*.csv")):
        for cell in _cells(path):
            if NUMBER.fullmatch(cell):
                continue
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, cell)
    projections = _cells(out / "projections.csv")
    assert "'" + NORTH in projections and "'" + SOUTH in projections and "'" + SCENARIO in projections
    summary = _cells(out / "shortfall_summary.csv")
    assert any(c.startswith("'" + PROJECT) or PROJECT in c for c in summary)


def test_scheduler_json_and_parquet_keep_ids_byte_exact(hostile_run):
    root, out = hostile_run
    doc = json.loads((out / "scheduler.json").read_text(encoding="utf-8"))
    areas = {r["area"] for r in doc["records"]}
    assert NORTH in areas and not any(a.startswith("'") for a in areas)
    assert SCENARIO in {r["scenario"] for r in doc["records"]}
    parquet = root / "parquet"
    result = CliRunner().invoke(cli, ["run", "--config", str(root / "c.yaml"), "--model", "cohort",
                                      "--format", "parquet", "--out", str(parquet)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(parquet / "projections.parquet")
    assert {NORTH, SOUTH} <= set(table["area"]) and set(table["scenario"]) == {SCENARIO}


def test_streamed_projections_are_neutralised_too(hostile_run):
    root, _ = hostile_run
    out = root / "streamed"
    result = CliRunner().invoke(cli, ["run", "--config", str(root / "c.yaml"), "--model", "cohort",
                                      "--stream", "--no-report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    cells = _cells(out / "projections.csv")
    assert "'" + NORTH in cells and NORTH not in cells


def test_the_package_reads_its_own_csvs_back_exactly(hostile_run):
    root, out = hostile_run
    result = CliRunner().invoke(cli, ["shortfall", "--config", str(root / "c.yaml"), "--out", str(out),
                                      "--scenario", SCENARIO, "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "reading run" in result.output  # the run's shortfall.csv, not a new run
    assert NORTH in result.output and "'" + NORTH not in result.output


def test_neutralise_and_restore_by_hand():
    from forecast.common.cells import neutralise, restore

    frame = pd.DataFrame({"area": ["=1+1", "-3", "north", "'quoted", "\tx", "@a", None],
                          "n": [-3.0, 1, 2, 3, 4, 5, 6]})
    safe = neutralise(frame)
    assert safe["area"].tolist()[:6] == ["'=1+1", "-3", "north", "''quoted", "'\tx", "'@a"]
    assert safe["n"].tolist() == frame["n"].tolist()  # numbers never touched
    assert frame["area"].iloc[0] == "=1+1"  # the caller's frame is not changed
    back = restore(safe.copy())
    assert back["area"].tolist()[:6] == frame["area"].tolist()[:6]
    plain = pd.DataFrame({"area": ["north", "south"], "n": [1, 2]})
    assert neutralise(plain) is plain  # nothing to do: no copy


def test_negative_numbers_stay_numbers_where_text_is_guarded(tmp_path):
    """A negative count (spare seats), or an id that is the text -3, is a number to a
    spreadsheet: written as it is; text that would be a formula gains the apostrophe."""
    import pandas as pd

    from forecast.common.files import atomic_write_csv

    frame = pd.DataFrame({"area": ["-3", "=1+1", "north"], "balance": [-3.0, 2.5, -0.4]})
    atomic_write_csv(tmp_path / "t.csv", frame, decimals=1)
    assert _cells(tmp_path / "t.csv") == ["area", "balance", "-3", "-3.0", "'=1+1", "2.5", "north", "-0.4"]
