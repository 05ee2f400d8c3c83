"""`forecast validate` refuses a broken Chinese dataset in Chinese: the count, the place
(file, row, column) and the common reasons, with the values that locate the cell; a reason
without a translation stays as written and is marked as the original."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from forecast.cli import cli
from forecast.data.dataset import inspect_dataset
from forecast.data.problems import Problem
from forecast.report.problems_zh import ORIGINAL, PATTERNS, problem_text, reason_zh

BANAN = Path(__file__).resolve().parents[2] / "data" / "banan"
COLUMNS = {"area", "year", "level", "grade", "students", "unit", "pupils"}  # named as in the file


@pytest.fixture()
def broken(tmp_path):
    """Banan (declares zh-CN) with a bad number, a negative count, an undeclared area, a
    duplicate row, a wrong level and a misspelt column."""
    folder = tmp_path / "banan"
    shutil.copytree(BANAN, folder)
    path = folder / "enrolment.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    rows[0] = rows[0].replace(",2.76,", ",abc,")
    rows[1] = rows[1].replace(",36381,", ",-5,")
    rows.append(rows[2].replace("banan,", "nowhere,", 1))
    rows.append(rows[3])
    area, year, _, rest = rows[4].split(",", 3)
    rows.append(f"{area},{int(year) + 1},nursery,{rest}")
    path.write_text("\n".join([header + ",pupils", *[r + "," for r in rows]]) + "\n", encoding="utf-8")
    return folder


def test_validate_refuses_a_chinese_dataset_in_chinese(broken):
    result = CliRunner().invoke(cli, ["validate", str(broken)])
    assert result.exit_code == 1
    out = result.output
    assert re.search(r"：\d+ 个问题", out) and "problem(s)" not in out
    assert "enrolment.csv 第 2 行，students 列：'abc' 不是数字" in out or "'abc' 不是数字" in out
    assert "为负数" in out and "未在 dataset.yaml 中声明" in out and "重复" in out
    assert "'nursery' 不是 china_6_3_3 学制的学段" in out
    assert "未知列 'pupils'" in out and ORIGINAL not in out, out
    # what is left once values ('...'), listed names (after ：) and file names are taken out
    # is Chinese, apart from column names
    for line in out.splitlines()[1:]:
        line = re.sub(r"'[^']*'", "", line.split("已知列")[0].split("学段（")[0])
        line = re.sub(r"[\w.-]+\.(csv|yaml)|\S+ (?=学制)", "", line.replace(str(broken), ""))
        words = set(re.findall(r"[A-Za-z_]+", line))
        assert words <= COLUMNS, (line, words - COLUMNS)


def test_run_refuses_it_in_chinese_too(broken, tmp_path):
    result = CliRunner().invoke(cli, ["run", "--data", str(broken), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "数据集有 5 个问题" in result.output and "'abc' 不是数字" in result.output
    assert ORIGINAL not in result.output and not (tmp_path / "o").exists()
    english = CliRunner().invoke(cli, ["run", "--data", str(broken), "--out", str(tmp_path / "o"),
                                       "--lang", "en"])
    assert english.exit_code == 1 and "5 problem(s) in the dataset" in english.output


def test_the_same_dataset_in_english_keeps_english(broken):
    out = CliRunner().invoke(cli, ["validate", str(broken), "--lang", "en"]).output
    assert "problem(s)" in out and "is not declared in dataset.yaml" in out and "个问题" not in out


def test_every_problem_the_broken_dataset_has_is_translated(broken):
    _, problems = inspect_dataset(broken)
    assert problems
    for problem in problems:
        said = problem_text(problem, "zh")
        assert ORIGINAL not in said, problem.reason
        if problem.row is not None:
            assert f"第 {problem.row} 行" in said


def test_an_unknown_reason_is_kept_and_marked_and_patterns_fit_their_templates():
    assert reason_zh("a reason nobody wrote yet") == "a reason nobody wrote yet" + ORIGINAL
    said = problem_text(Problem("x.csv", "a\nforged line", 3, "c"), "zh")
    assert "\n" not in said and said.startswith("x.csv 第 3 行，c 列：")
    for pattern, words in PATTERNS:
        holes = {int(n) for n in re.findall(r"\{(\d+)\}", words)}
        assert holes == set(range(pattern.groups)), pattern.pattern
