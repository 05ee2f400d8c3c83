"""dataset.yaml type checks: what the issue found silently accepted is now refused."""

from __future__ import annotations

from click.testing import CliRunner

from forecast.cli import cli
from tests.conftest import write_toy_dataset


def _validate(folder, old, new):
    path = folder / "dataset.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return CliRunner().invoke(cli, ["validate", str(folder)])


def test_base_year_yes_is_refused(tmp_path):
    result = _validate(write_toy_dataset(tmp_path / "d"), "base_year: 2020", "base_year: yes")
    assert result.exit_code == 1
    assert "dataset.yaml, key base_year: must be a whole number such as 2020 (got True)" in result.output


def test_areas_as_a_string_is_refused(tmp_path):
    result = _validate(write_toy_dataset(tmp_path / "d"), "areas:\n", "areas: banan\nold:\n")
    assert result.exit_code == 1 and "dataset.yaml, key areas: must be a list" in result.output


def test_unknown_key_is_a_warning_with_the_closest_key(tmp_path):
    result = _validate(write_toy_dataset(tmp_path / "d"), "name: toy", "name: toy\nbase_yaer: 2019")
    assert result.exit_code == 0
    assert "unknown key 'base_yaer' is ignored; did you mean 'base_year'?" in result.output


def test_system_key_accepts_a_name_or_mapping(tmp_path):
    result = _validate(write_toy_dataset(tmp_path / "d"), "name: toy", "name: toy\nsystem: china_6_3_3")
    assert result.exit_code == 0, result.output


def test_a_births_proxy_assumption_must_be_text(tmp_path):
    # issue 21: validate passed it and run crashed joining the number into its assumptions
    result = _validate(write_toy_dataset(tmp_path / "d"), "name: toy", "name: toy\nbirths_proxy: {assumption: 5}")
    assert result.exit_code == 1
    assert "dataset.yaml, key births_proxy.assumption: Input should be a valid string (got 5)" in result.output
    assert "BirthsProxy" not in result.output and result.output.count("key births_proxy") == 1


def test_a_school_system_preset_given_as_a_list_is_refused_cleanly(tmp_path):
    result = _validate(write_toy_dataset(tmp_path / "d"), "name: toy", "name: toy\nsystem: {preset: [a, b]}")
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "dataset.yaml, key system: '['a', 'b']' is not a known school system" in result.output
