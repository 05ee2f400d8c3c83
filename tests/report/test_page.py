"""report.html: self-contained, with the sections a planner reads."""

from __future__ import annotations

import re

from click.testing import CliRunner

from forecast.cli import cli


def test_page_is_self_contained_with_every_section(banan_report):
    page = (banan_report / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<script" not in page
    for heading in ("概要", "最严重的学位缺口", "规划核对", "回测精度", "假设", "数据来源"):
        assert f"<h2>{heading}</h2>" in page
    assert page.count("<img") == len(list((banan_report / "plots").glob("*.png")))
    assert 'class="deficit"' in page  # deficits are marked


def test_report_command_adds_accuracy_from_a_backtest(banan_report, tmp_path):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(banan_report, out)
    (out / "accuracy.csv").write_text("model,level,horizon,n,mape\ncohort,primary,1,3,1.25\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "MAPE 1" in page and "1.2" in page and "No backtest" not in page


def test_report_without_a_run_exits_1(tmp_path):
    result = CliRunner().invoke(cli, ["report", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "no run outputs" in result.output
