"""The CLI on the shipped data: summaries that match the sources, clean exits."""

from __future__ import annotations

import re
import subprocess
import sys

from click.testing import CliRunner

from forecast.cli import cli


def test_validate_banan_summary_matches_source():
    result = CliRunner().invoke(cli, ["validate", "banan", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "primary            2016: 51,500, 2020: 62,700" in result.output
    assert "kindergarten       2016: 27,600, 2020: 36,381" in result.output
    assert "ok: the dataset is valid" in result.output


def test_validate_dataset_without_enrolment_says_what_is_missing():
    result = CliRunner().invoke(cli, ["validate", "xingqing"])
    assert result.exit_code == 0
    assert "no enrolment: nothing can be projected" in result.output


def test_data_list_names_shipped_datasets():
    result = CliRunner().invoke(cli, ["data", "list"])
    assert result.exit_code == 0
    names = {line.split()[0] for line in result.output.splitlines()}
    assert {"banan", "china", "conghua", "xingqing"} <= names


def test_console_script_exits_nonzero_without_traceback(tmp_path):
    """The installed entry point, not just the click group: exit 1, no Python traceback."""
    proc = subprocess.run([sys.executable, "-c", "from forecast.cli import main; main()",
                           "validate", str(tmp_path / "missing")], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "no such dataset folder" in proc.stderr


def test_validate_a_config_checks_its_dataset(tmp_path):
    from tests.conftest import REPO

    result = CliRunner().invoke(cli, ["validate", str(REPO / "configs" / "banan.yaml")])
    assert result.exit_code == 0 and "数据集 banan" in result.output  # Banan declares zh-CN
    result = CliRunner().invoke(cli, ["validate", str(REPO / "configs" / "banan.yaml"), "--lang", "en"])
    assert result.exit_code == 0 and "dataset banan" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("dataset: banan\nuntil: soon\n")
    result = CliRunner().invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 1 and "bad.yaml, key until" in result.output


def test_run_writes_shortfall_and_export_then_shortfall_reads_them(tmp_path):
    from tests.conftest import REPO

    config = str(REPO / "configs" / "banan.yaml")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", "--config", config, "--draws", "100", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "含基年 2020 在内" in result.output  # Banan declares Chinese: the default language
    assert not re.search(r"\bnan\b", result.output)
    for name in ("shortfall.csv", "capacity.csv", "capacity_items.csv", "scheduler.json"):
        assert (out / name).is_file(), name
    before = (out / "shortfall.csv").stat().st_mtime_ns
    result = CliRunner().invoke(cli, ["shortfall", "--config", config, "--out", str(out),
                                      "--level", "junior", "--year", "2021", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "reading" in result.output and "Junior secondary" in result.output
    assert (out / "shortfall.csv").stat().st_mtime_ns == before  # read, not re-run
    lines = [ln for ln in result.output.splitlines() if ln.startswith("banan")]
    assert lines and all(" Junior secondary " in ln and " 2021 " in ln for ln in lines)


def test_export_formats_and_bad_level(tmp_path):
    from tests.conftest import REPO

    config = str(REPO / "configs" / "banan.yaml")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["export", "--config", config, "--out", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert (out / "scheduler.csv").is_file() and (out / "shortfall.csv").is_file()
    result = CliRunner().invoke(cli, ["shortfall", "--config", config, "--out", str(out), "--level", "nursery"])
    assert result.exit_code == 1 and "not a level" in result.output


def test_run_without_enrolment_reports_coverage(tmp_path):
    result = CliRunner().invoke(cli, ["run", "--config", "conghua", "--out", str(tmp_path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "no enrolment.csv" in result.output
    assert (tmp_path / "coverage.csv").is_file() and (tmp_path / "scheduler.json").is_file()
    import json

    import jsonschema

    from forecast.planning.scheduler_export import SCHEMA_PATH

    doc = json.loads((tmp_path / "scheduler.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    assert doc["records"] == []  # no enrolment, so no deficit can be claimed


def test_validate_config_finds_what_run_would_refuse(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("dataset: banan\ncapacity:\n  class_size: {middle: 40}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(config)])
    assert result.exit_code == 1
    assert f"{config}, key capacity.class_size.middle: 'middle' is not a level" in result.output
