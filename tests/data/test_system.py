"""School systems as data: presets, custom declarations and their refusals."""

from __future__ import annotations

import pytest

from forecast.data.system import PRESETS, SchoolSystemError, from_declaration


def test_china_5_4_moves_grade_six_into_junior():
    system = PRESETS["china_5_4"]
    assert system.grades("primary") == ("1", "2", "3", "4", "5")
    assert system.grades("junior") == ("6", "7", "8", "9")
    assert system.predecessor("junior", "6") == ("primary", "5")
    assert system.grade_age("junior", "6") == 11
    assert system.predecessor("senior_vocational", "10") == ("junior", "9")  # tracks share junior 9


def test_us_presets_enter_kindergarten_from_births_and_feed_upward():
    k5 = PRESETS["us_k5_6_8_9_12"]
    assert k5.entry_grades() == [("pre_k", "PK"), ("elementary", "K")]
    assert k5.predecessor("elementary", "1") == ("elementary", "K")
    assert k5.predecessor("middle", "6") == ("elementary", "5")
    assert k5.predecessor("high", "9") == ("middle", "8")
    k8 = PRESETS["us_k8_9_12"]
    assert k8.predecessor("high", "9") == ("elementary", "8")


def test_china_kindergarten_years_are_each_entered_from_births():
    system = PRESETS["china_6_3_3"]
    assert system.predecessor("kindergarten", "K2") is None
    assert system.predecessor("primary", "1") is None
    one_year = from_declaration({"preset": "china_6_3_3", "kindergarten_years": 1})
    assert one_year.grades("kindergarten") == ("K3",)
    assert one_year.ages("kindergarten") == range(5, 6)


def test_custom_levels_derive_transition_ages():
    system = from_declaration({"name": "k4", "levels": [
        {"level": "lower", "grades": ["K", 1, 2, 3, 4], "entry_age": 5},
        {"level": "upper", "grades": [5, 6, 7, 8], "intake": "transition"}]})
    assert system.grade_age("upper", "5") == 10
    assert system.predecessor("upper", "5") == ("lower", "4")


@pytest.mark.parametrize(("value", "key"), [
    ("china_7_2", "system"),
    ({"preset": "china_6_3_3", "kindergarten_years": 4}, "system.kindergarten_years"),
    ({"levels": [{"level": "a", "grades": [1], "entry_age": 6, "colour": "red"}]}, "system.levels[0].colour"),
    ({"levels": [{"level": "a", "grades": [1]}]}, "system.levels[0].entry_age"),
    ({"levels": [{"level": "a", "grades": [1], "entry_age": 6, "intake": "magic"}]}, "system.levels[0].intake"),
    (["primary"], "system"),
    # issue 21: these crashed (an unhashable preset) or were misread ('no' as true)
    ({"preset": ["china_6_3_3", "china_5_4"]}, "system"),
    ({"preset": {"name": "x"}}, "system"),
    ({"levels": [{"level": "a", "grades": [1, 2], "entry_age": 3, "every_grade_from_births": "no"}]},
     "system.levels[0].every_grade_from_births"),
    ({"levels": [{"level": ["a"], "grades": [1], "entry_age": 6}]}, "system.levels[0].level"),
    ({"levels": [{"level": "a", "grades": [[1], 2], "entry_age": 6}]}, "system.levels[0].grades"),
    ({"levels": [{"level": "a", "grades": [1, 1], "entry_age": 6}]}, "system.levels[0].grades"),
    ({"levels": [{"level": "a", "grades": [1], "entry_age": 6, "track": {"x": 1}}]},
     "system.levels[0].track"),
])
def test_bad_declarations_name_the_key(value, key):
    with pytest.raises(SchoolSystemError) as caught:
        from_declaration(value)
    assert f"key {key}:" in str(caught.value)
