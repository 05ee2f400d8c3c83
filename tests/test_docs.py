"""The examples in docs/ run: the code a reader copies works as written."""

from __future__ import annotations

import re

import yaml
from click.testing import CliRunner

from forecast.cli import cli
from forecast.data.system import from_declaration
from tests.conftest import REPO, write_toy_dataset


def blocks(doc: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", (REPO / "docs" / doc).read_text(encoding="utf-8"), re.S)


def test_the_scheduler_export_example_validates_a_run(tmp_path, monkeypatch):
    data = write_toy_dataset(tmp_path / "toy")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", "--data", str(data), "--model", "cohort", "--draws", "50",
                                      "--no-report"])  # writes out/scheduler.json, as the example reads
    assert result.exit_code == 0, result.output
    (code,) = blocks("scheduler-export.md", "python")
    exec(compile(code, "docs/scheduler-export.md", "exec"), {})  # raises if the document is invalid


def test_the_school_system_declarations_of_the_data_contract_are_valid():
    first = blocks("data-contract.md", "yaml")[0]
    examples = [e for e in re.split(r"\n# or [^\n]*\n", first) if e.strip()]
    assert len(examples) == 3
    systems = [from_declaration(yaml.safe_load(e)["system"]) for e in examples]
    assert [len(s.levels) for s in systems] == [5, 5, 4]
    assert systems[2].level_names == ("lower", "upper", "academic", "technical")


def test_the_dataset_yaml_example_reads(tmp_path):
    from forecast.data.inputs.meta import read_meta

    example = blocks("data-contract.md", "yaml")[1].replace("[...]", "[]").replace('"..."', '"a proxy"')
    (tmp_path / "dataset.yaml").write_text(example, encoding="utf-8")
    meta, problems, _ = read_meta(tmp_path / "dataset.yaml")
    assert not [p for p in problems if p[2] == "error"] and meta["areas"][1]["area"] == "jieshi"


def test_the_readme_python_example_is_the_one_tested():
    from tests.test_readme import README

    assert 'out="out-banan"' in README  # run by tests/test_readme.py from an empty folder
