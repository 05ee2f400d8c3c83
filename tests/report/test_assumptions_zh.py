"""Assumptions in Chinese: the common ones translated with their numbers, the rest marked."""

from __future__ import annotations

from forecast.report.assumptions_zh import ORIGINAL, in_chinese


def test_common_assumptions_keep_their_numbers():
    said = in_chinese("level-total drift estimated from the last 3 observed years, damped by 0.8 per "
                      "further year (see docs/methods.md)")
    assert said == "学段总量的漂移按最近 3 个观测年估计，此后每年乘以 0.8 衰减（见 docs/methods.md）"
    said = in_chinese("junior: projects known only by floor area count one seat per 9.8 m2 (建标102-2002)")
    assert said.startswith("初中：") and "9.8 平方米" in said and said.endswith("（建标102-2002）")


def test_unknown_text_is_shown_as_written_and_marked():
    assert in_chinese("births: the plan gives no births") == "births: the plan gives no births" + ORIGINAL


def test_banan_page_says_its_assumptions_in_chinese(banan_report):
    page = (banan_report / "report.html").read_text(encoding="utf-8")
    assert "学段总量的漂移按最近" in page and "level-total drift" not in page
