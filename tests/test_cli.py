"""The CLI on the shipped data: summaries that match the sources, clean exits."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
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
    result = CliRunner().invoke(cli, ["validate", str(config), "--lang", "en"])
    assert result.exit_code == 1
    assert f"{config}, key capacity.class_size.middle: 'middle' is not a level" in result.output


# ---- issue 21: internal errors tell themselves apart, empty paths, and messages that blamed
# the wrong thing or printed nan
def test_an_internal_error_says_so_and_where_the_traceback_is(tmp_path, monkeypatch):
    import forecast.pipeline

    def broken(*args, **kwargs):
        raise ValueError("cannot handle a non-unique multi-index!")  # a bug, not the user's input

    monkeypatch.setattr(forecast.pipeline, "run", broken)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = CliRunner().invoke(cli, ["run", "--data", "banan", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("internal error: ValueError: cannot handle a non-unique multi-index! (a bug "
                           "in forecast, not a problem with your input); please report it")
    written = sorted(tmp_path.glob("forecast-error-*.txt"))
    assert len(written) == 1 and str(written[0]) in line
    assert "Traceback" in written[0].read_text(encoding="utf-8") and "Traceback" not in result.output
    debug = CliRunner().invoke(cli, ["--debug", "run", "--data", "banan", "--out", str(tmp_path / "o")])
    assert debug.exit_code == 2 and "Traceback" in debug.output and "the traceback above" in debug.output


def test_a_user_error_is_still_one_line_and_exit_1(tmp_path):
    result = CliRunner().invoke(cli, ["run", "--data", "banan", "--until", "2020", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: --until 2020: must be after the base year 2020 (the "
                                     "dataset's base_year, else its last enrolment year); use 2021 "
                                     "to 2050")


def test_enrolment_after_the_base_year_is_refused_by_validate_and_run(tmp_path):
    import shutil

    from tests.conftest import DATA

    folder = tmp_path / "banan"
    shutil.copytree(DATA / "banan", folder)
    with open(folder / "enrolment.csv", "a", encoding="utf-8") as handle:
        handle.write("banan,2026,primary,,6.5,10k persons,made up\n")
    row = len((folder / "enrolment.csv").read_text(encoding="utf-8").splitlines())
    expected = (f"enrolment.csv row {row}, column year: year 2026 is after the base year 2020 "
                "(dataset.yaml, key base_year)")
    validate = CliRunner().invoke(cli, ["validate", str(folder), "--lang", "en"])
    assert validate.exit_code == 1 and expected in validate.output
    run = CliRunner().invoke(cli, ["run", "--data", str(folder), "--out", str(tmp_path / "o"), "--lang", "en"])
    assert run.exit_code == 1 and expected in run.output and "multi-index" not in run.output
    said = CliRunner().invoke(cli, ["validate", str(folder)]).output  # Banan declares zh-CN
    assert f"enrolment.csv 第 {row} 行，year 列：2026 年晚于基年 2020" in said and "（原文）" not in said


@pytest.mark.parametrize("args", [
    ["run", "--data", ""], ["run", "--out", ""], ["validate", ""], ["run", "--config", " "],
    ["sweep", "--grid", "births=1:1:1", "--out", ""],
])
def test_empty_paths_are_refused(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "is empty; give a path" in result.output
    assert list(tmp_path.iterdir()) == []  # nothing written into the current folder


def test_default_settings_run_on_china(tmp_path):
    import json

    result = CliRunner().invoke(cli, ["run", "--data", "china", "--model", "cohort", "--draws", "20",
                                      "--no-report", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert ("note: no --until given and the settings' until 2025 is not after the base year 2025: "
            "projecting to 2030") in result.output
    assert json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))["until"] == 2030


def test_a_config_until_is_blamed_as_the_config_key(tmp_path, toy_dataset):
    config = tmp_path / "c.yaml"
    config.write_text(f"dataset: {toy_dataset}\nuntil: 2010\n", encoding="utf-8")
    for args in (["validate", str(config)], ["run", "--config", str(config), "--out", str(tmp_path / "o")]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1
        assert f"{config}, key until: 2010: must be after the base year 2020" in result.output
        assert "--until" not in result.output


def test_coverage_without_births_for_a_level_says_n_a_not_nan(tmp_path, toy_dataset):
    (toy_dataset / "enrolment.csv").unlink()  # births 2008-2020: no cohort of a 2020 junior pupil
    (toy_dataset / "projects.csv").write_text("project,area,level,open_year,seats\n"
                                              "p1,north,junior,2022,450\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "--data", str(toy_dataset), "--out", str(tmp_path / "o"),
                                      "--no-report"])
    assert result.exit_code == 0, result.output
    assert "north junior: 450 seats; cohorts n/a; no births for this area: cannot say" in result.output
    assert "nan" not in result.output


def test_numpy_runtime_warnings_stay_off_the_terminal(tmp_path, monkeypatch):
    import warnings

    import numpy as np

    import forecast.pipeline

    original = forecast.pipeline.summary_table

    def noisy(*args, **kwargs):
        np.log(np.zeros(1))  # RuntimeWarning: divide by zero
        return original(*args, **kwargs)

    monkeypatch.setattr(forecast.pipeline, "summary_table", noisy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(cli, ["run", "--data", "banan", "--model", "cohort", "--draws", "20",
                                          "--no-report", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


def test_a_write_failure_names_the_file_not_a_file(tmp_path, monkeypatch):
    import errno

    import forecast.common.files
    import forecast.pipeline

    def full(path, frame, decimals=1, **kwargs):
        def fail(tmp):
            raise OSError(errno.ENOSPC, "No space left on device")  # a write names no file
        forecast.common.files.atomic_write_with(path, fail)

    monkeypatch.setattr(forecast.pipeline, "atomic_write_csv", full)
    result = CliRunner().invoke(cli, ["run", "--data", "banan", "--model", "cohort", "--draws", "20",
                                      "--no-report", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    line = result.output.strip().splitlines()[-1]
    assert "projections.csv: No space left on device; the disk is full" in line and "a file" not in line


def test_validate_refuses_what_run_refuses(tmp_path, toy_dataset):
    config = tmp_path / "c.yaml"
    config.write_text(f"dataset: {toy_dataset}\nscenarios:\n  baseline:\n    transition: "
                      "{primary: 0.9}\n    general_share: 0.5\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(config)])
    assert result.exit_code == 1
    assert (f"{config}, key scenarios.baseline.transition.primary: not a level entered by transition "
            "in the china_6_3_3 school system") in result.output
    run = CliRunner().invoke(cli, ["run", "--config", str(config), "--out", str(tmp_path / "o")])
    assert run.exit_code == 1 and "transition" in run.output


def test_the_custom_school_system_of_the_data_contract_runs(tmp_path):
    from forecast.data.starter import write_example

    folder = tmp_path / "k4"
    write_example(folder)
    meta = folder / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("# system: china_6_3_3", (
        "system:\n  name: k4_5_8\n  levels:\n"
        "    - {level: lower, grades: [K, 1, 2, 3, 4], entry_age: 5}\n"
        "    - {level: upper, grades: [5, 6, 7, 8], intake: transition}\n"
        "    - {level: academic, grades: [9, 10, 11, 12], intake: transition, track: upper_secondary}\n"
        "    - {level: technical, grades: [9, 10, 11, 12], intake: transition, track: upper_secondary}\n")),
        encoding="utf-8")
    for name in ("enrolment.csv", "schools.csv", "projects.csv"):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace(",primary,", ",lower,")
                        .replace(",junior,", ",upper,"), encoding="utf-8")
    validate = CliRunner().invoke(cli, ["validate", str(folder)])
    assert validate.exit_code == 0, validate.output
    assert "warning: class size of lower: 30 pupils per class (assumption" in validate.output
    result = CliRunner().invoke(cli, ["run", "--data", str(folder), "--model", "cohort", "--draws", "20",
                                      "--no-report", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    import json

    assumptions = json.loads((tmp_path / "o" / "run.json").read_text(encoding="utf-8"))["assumptions"]
    assert [a.split(":")[0] for a in assumptions if a.startswith("class size of")] == [
        "class size of lower", "class size of upper", "class size of academic",
        "class size of technical"]


def test_a_negative_seed_is_a_usage_error_not_an_internal_one(tmp_path, toy_dataset):
    result = CliRunner().invoke(cli, ["run", "--data", str(toy_dataset), "--seed", "-1", "--out",
                                      str(tmp_path / "o")])
    assert result.exit_code == 2 and "Invalid value for '--seed'" in result.output
    assert "internal error" not in result.output
