"""--lang on every command, defaulting to the dataset's declared language."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from forecast.cli import cli
from forecast.report.labels import language_of, wants_simplified

COMMANDS = [["run"], ["shortfall"], ["export"], ["report"], ["validate"], ["backtest"], ["init"],
            ["data", "list"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_takes_lang(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "--lang [en|zh]" in result.output


def test_declared_language_and_script():
    assert language_of({"language": "zh-CN"}) == "zh" and language_of({}) == "en"
    assert wants_simplified({"language": "zh"}) and not wants_simplified({"language": "zh-TW"})
    assert not wants_simplified({"language": "en"})


def test_validate_speaks_the_declared_language_unless_told(tmp_path):
    runner = CliRunner()
    assert "通过：数据集有效" in runner.invoke(cli, ["validate", "banan"]).output  # zh-CN declared
    assert "ok: the dataset is valid" in runner.invoke(cli, ["validate", "banan", "--lang", "en"]).output
