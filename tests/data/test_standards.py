"""Planning standards: the shipped limits and the config's overrides."""

from __future__ import annotations

from forecast.data.standards import (
    ASSUMED_CLASS_SIZE,
    class_size_assumptions,
    load_standards,
    with_overrides,
)


def test_shipped_limits():
    s = load_standards()
    assert s.limit("primary") == 45
    assert s.limit("junior") == s.limit("senior_general") == 50
    assert [s.limit("kindergarten", g) for g in ("K1", "K2", "K3")] == [25, 30, 35]
    assert s.limit("kindergarten") == 30  # mixed-age classes when age groups are unknown
    assert s.large["primary"] == 56 and s.super_large["junior"] == 66
    assert "kindergarten" not in s.large
    assert s.max_share_percent == {"large": 10, "super_large": 5}


def test_overrides_by_level_and_grade():
    s = with_overrides(load_standards(), class_size={"primary": 40, "kindergarten.K1": 20},
                       lead_time_years={"primary": 5})
    assert s.limit("primary") == 40 and s.limit("primary", "3") == 40
    assert s.limit("kindergarten", "K1") == 20 and s.limit("kindergarten", "K2") == 30
    assert s.lead_time_years["primary"] == 5
    # a level no standard covers (a dataset's own school system) gets the assumed size, and a
    # run says so among its assumptions (issue 21: the documented custom system crashed)
    assert s.limit("special_education") == ASSUMED_CLASS_SIZE == 30
    assert class_size_assumptions(s, ["primary", "special_education"]) == [
        "class size of special_education: 30 pupils per class (assumption: no class-size standard "
        "covers this level in data/standards/class_size.csv and the config sets none; set "
        "capacity.class_size.special_education in the config)"]
