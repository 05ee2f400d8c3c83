"""Capacity: seats from schools, classrooms, floor area and base-year enrolment."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.data.config import CapacitySettings
from forecast.data.dataset import load_dataset
from forecast.data.standards import load_standards, with_overrides
from forecast.planning.capacity import build_capacity, level_shares
from tests.conftest import DATA, write_toy_dataset


def _dataset(tmp_path, schools=None, projects=None):
    folder = write_toy_dataset(tmp_path / "toy")
    if schools is not None:
        pd.DataFrame(schools).to_csv(folder / "schools.csv", index=False)
    if projects is not None:
        pd.DataFrame(projects).to_csv(folder / "projects.csv", index=False)
    return load_dataset(folder)


def _seats(capacity, area, level, year, frame="rolled"):
    table = getattr(capacity, frame)
    row = table[(table["area"] == area) & (table["level"] == level) & (table["year"] == year)]
    return float(row["seats"].iloc[0])


def test_classrooms_times_limit_and_project_opening_year(tmp_path):
    ds = _dataset(tmp_path, schools=[{"area": "north", "level": "primary", "classrooms": 20}])
    cap = build_capacity(ds, CapacitySettings(), load_standards(), 2025)
    assert _seats(cap, "north", "primary", 2021) == 20 * 45
    # p1 (450 seats, north) opens in 2022 and counts from then on
    assert _seats(cap, "north", "primary", 2022) == 900 + 450
    assert _seats(cap, "north", "primary", 2025) == 1350
    # the district has no seats of its own: it gets its sub-areas'
    assert _seats(cap, "district", "primary", 2022) == 1350


def test_existing_from_enrolment_is_an_assumption_and_uses_utilisation(tmp_path):
    ds = _dataset(tmp_path)
    settings = CapacitySettings.model_validate({"existing": {"source": "enrolment", "utilisation": 0.9}})
    cap = build_capacity(ds, settings, load_standards(), 2023)
    assert _seats(cap, "north", "primary", 2021) == pytest.approx(630 / 0.9)
    assert _seats(cap, "district", "primary", 2021) == pytest.approx((630 + 310) / 0.9)
    assert any("utilisation 0.9" in note for note in cap.assumptions)


def test_floor_area_conversion_is_reported_as_assumption(tmp_path):
    projects = [{"project": "big", "area": "south", "level": "primary", "open_year": 2023,
                 "floor_area_m2": 7900}]
    ds = _dataset(tmp_path, projects=projects)
    settings = CapacitySettings.model_validate({"existing": {"source": "none"}})
    standards = with_overrides(load_standards(), m2_per_seat={"primary": 7.9})
    cap = build_capacity(ds, settings, standards, 2024)
    assert _seats(cap, "south", "primary", 2023) == pytest.approx(1000)
    assert _seats(cap, "south", "primary", 2022) == 0
    item = cap.items[cap.items["item"] == "big"].iloc[0]
    assert "floor area" in item["method"] and "assumption" in item["method"]
    assert any("7.9 m2" in note and "assumption" in note for note in cap.assumptions)


def test_mixed_school_split_by_grades_or_config(tmp_path):
    projects = [{"project": "nine_year", "area": "north", "level": "primary+junior",
                 "open_year": 2022, "seats": 900}]
    ds = _dataset(tmp_path, projects=projects)
    none = {"existing": {"source": "none"}}
    cap = build_capacity(ds, CapacitySettings.model_validate(none), load_standards(), 2022)
    assert _seats(cap, "north", "primary", 2022) == pytest.approx(600)
    assert _seats(cap, "north", "junior", 2022) == pytest.approx(300)
    shares = {**none, "mixed_school_shares": {"primary+junior": {"primary": 0.5, "junior": 0.5}}}
    cap = build_capacity(ds, CapacitySettings.model_validate(shares), load_standards(), 2022)
    assert _seats(cap, "north", "junior", 2022) == pytest.approx(450)
    assert level_shares("senior_general", CapacitySettings()) == {"senior_general": 1.0}


def test_district_total_without_location_and_part_of_not_counted_twice():
    ds = load_dataset(DATA / "conghua")
    cap = build_capacity(ds, CapacitySettings(), load_standards(), 2025)
    added = cap.rolled[cap.rolled["year"] == 2025].set_index("level")["added_seats"]
    assert added["kindergarten"] == pytest.approx(3200)  # named kindergartens are part_of it
    assert added["primary"] + added["junior"] == pytest.approx(17600)
    assert added["senior_general"] == pytest.approx(2600)


def test_bad_mixed_shares_are_refused():
    with pytest.raises(ValueError, match="add up to 1"):
        CapacitySettings.model_validate(
            {"mixed_school_shares": {"primary+junior": {"primary": 0.5, "junior": 0.6}}})
    # level names depend on the dataset's school system: checked once the dataset is known
    from forecast.data.config import RunConfig, level_key_problems
    from forecast.data.system import PRESETS

    config = RunConfig.model_validate({"dataset": "x", "capacity": {"class_size": {"nursery": 20}}})
    problems = level_key_problems(config, PRESETS["china_6_3_3"])
    assert len(problems) == 1 and "capacity.class_size.nursery" in problems[0]
    assert level_key_problems(config.model_copy(update={"capacity": CapacitySettings.model_validate(
        {"class_size": {"elementary": 22}})}), PRESETS["us_k5_6_8_9_12"]) == []
