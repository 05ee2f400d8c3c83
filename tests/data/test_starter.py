"""forecast init: the example dataset and its Excel template validate and run."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner
from openpyxl import load_workbook

from forecast.cli import cli
from forecast.data.starter import example_tables


def test_init_then_run_and_the_template_runs_too(tmp_path):
    runner = CliRunner()
    demo = tmp_path / "demo"
    result = runner.invoke(cli, ["init", str(demo)])
    assert result.exit_code == 0, result.output
    assert "#" in (demo / "dataset.yaml").read_text(encoding="utf-8")  # commented
    assert (demo / "README.md").is_file()
    book = load_workbook(demo / "template.xlsx")
    assert book.sheetnames == ["dataset", "areas", "births", "enrolment", "schools", "projects"]
    assert runner.invoke(cli, ["validate", str(demo)]).exit_code == 0
    assert runner.invoke(cli, ["validate", str(demo / "template.xlsx")]).exit_code == 0
    outs = {}
    for name, data in (("csv", demo), ("xlsx", demo / "template.xlsx")):
        out = tmp_path / name
        result = runner.invoke(cli, ["run", "--data", str(data), "--out", str(out), "--draws", "100",
                                     "--no-report"])
        assert result.exit_code == 0, result.output
        outs[name] = pd.read_csv(out / "shortfall_summary.csv")
    pd.testing.assert_frame_equal(outs["csv"], outs["xlsx"])  # the same data, the same answer
    # north primary: 1,110 pupils in 2020 against 1,000 seats, short from the base year
    north = outs["csv"][(outs["csv"]["area"] == "north") & (outs["csv"]["level"] == "primary")].iloc[0]
    assert north["base_year_deficit"] == 1110 - 1000 and north["first_year_short_p90"] == 2020


def test_init_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "x.txt").write_text("keep me", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1 and "not empty" in result.output


def test_example_rows_all_cite_a_source():
    for frame in example_tables().values():
        assert frame["source"].str.startswith("assumption:").all()
