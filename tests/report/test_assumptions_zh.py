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
    # the frame is said in Chinese; a dataset's own English words are shown as written, marked
    assert in_chinese("births: the plan gives no births") == "出生数：the plan gives no births" + ORIGINAL
    assert in_chinese("something new") == "something new" + ORIGINAL


def test_shipped_texts_and_scenario_settings_are_said_in_chinese():
    said = in_chinese("scenario low_births: births {'multiplier': 0.9, 'from_year': 2021}")
    assert said == "低出生情景：出生数设定 系数 0.9，起始年份 2021"
    said = in_chinese("existing seats: the panel has no seat or classroom counts, so base-year seats are taken "
                      "as base-year enrolment (every pupil seated, no spare seats) (utilisation 1.0; set "
                      "capacity.existing in the config)")
    assert said.startswith("现有学位：数据没有学位数或教室数") and ORIGINAL not in said
    said = in_chinese("mixed school primary+junior seats split primary 0.667, junior 0.333 (config; set "
                      "capacity.mixed_school_shares)")
    assert said.startswith("混合学段学校（小学+初中）的学位按 小学 0.667，初中 0.333 拆分")


def test_banan_page_says_its_assumptions_in_chinese(banan_report):
    page = (banan_report / "report.html").read_text(encoding="utf-8")
    assert "学段总量的漂移按最近" in page and "level-total drift" not in page
