"""Shortfall: hand-computed cases and monotonicity properties."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.data.config import CapacitySettings
from forecast.data.dataset import load_dataset
from forecast.data.standards import load_standards
from forecast.planning.capacity import Capacity, build_capacity
from forecast.planning.shortfall import class_size_check, compare, worst
from tests.conftest import write_toy_dataset

YEARS = range(2021, 2026)


def _projection(demand: float, area: str = "north", p90: float | None = None) -> pd.DataFrame:
    return pd.DataFrame([{"area": area, "level": "primary", "grade": "", "year": y,
                          "scenario": "s", "model": "m", "mean": demand, "p10": demand,
                          "p50": demand, "p90": p90 if p90 is not None else demand} for y in YEARS])


def _capacity(tmp_path, classrooms: float, project_seats: float | None = 45 * 2, open_year: int = 2023):
    folder = write_toy_dataset(tmp_path / "toy")
    pd.DataFrame([{"area": "north", "level": "primary", "classrooms": classrooms}]).to_csv(
        folder / "schools.csv", index=False)
    projects = [] if project_seats is None else [
        {"project": "new", "area": "north", "level": "primary", "open_year": open_year,
         "seats": project_seats}]
    pd.DataFrame(projects, columns=["project", "area", "level", "open_year", "seats"]).to_csv(
        folder / "projects.csv", index=False)
    return build_capacity(load_dataset(folder), CapacitySettings(), load_standards(), 2025)


def test_hand_computed_case(tmp_path):
    """1,000 pupils, 20 classrooms at 45: 900 seats, 100 short, 23 classes, 50 a class;
    a 100-seat project opening in 2023 removes the deficit from 2023 on."""
    cap = _capacity(tmp_path, classrooms=20, project_seats=100, open_year=2023)
    table = compare(_projection(1000), cap, load_standards()).set_index("year")
    row = table.loc[2021]
    assert row["seats"] == 900
    assert row["deficit_seats"] == 100
    assert row["classes_needed"] == 23
    assert row["avg_class_size"] == 50.0
    assert bool(row["over_standard_class_size"]) and bool(row["seat_shortfall"])
    assert not bool(row["large_class_risk"]) and not bool(row["super_large_class_risk"])
    assert row["classrooms_to_build"] == 3
    assert table.loc[2022, "deficit_seats"] == 100
    assert (table.loc[2023:, "deficit_seats"] == 0).all()
    assert not table.loc[2023:, "seat_shortfall"].any()


def test_large_and_super_large_flags(tmp_path):
    cap = _capacity(tmp_path, classrooms=10, project_seats=None)
    std = load_standards()
    assert bool(compare(_projection(560), cap, std)["large_class_risk"].iloc[0])
    assert not bool(compare(_projection(559), cap, std)["large_class_risk"].iloc[0])
    assert bool(compare(_projection(660), cap, std)["super_large_class_risk"].iloc[0])


def test_classes_needed_grade_by_grade(tmp_path):
    cap = _capacity(tmp_path, classrooms=20, project_seats=None)
    grades = pd.DataFrame([{"area": "north", "level": "primary", "grade": g, "year": y,
                            "scenario": "s", "model": "m", "mean": 46.0, "p10": 46.0,
                            "p50": 46.0, "p90": 46.0} for g in "123456" for y in YEARS])
    frame = pd.concat([_projection(276), grades])
    table = compare(frame, cap, load_standards())
    # 6 grades of 46 need 2 classes each (12); the level total alone would say ceil(276/45) = 7
    assert (table["classes_needed"] == 12).all()


def _rooms(rooms: int) -> Capacity:
    """A capacity of ``rooms`` primary classrooms at 45 in the area north, every year."""
    rolled = pd.DataFrame({"area": "north", "level": "primary", "year": list(YEARS),
                           "existing_seats": 45.0 * rooms, "added_seats": 0.0,
                           "seats": 45.0 * rooms, "classrooms": float(rooms)})
    return Capacity(pd.DataFrame(), rolled, rolled)


STANDARDS = load_standards()


@settings(max_examples=60, deadline=None)
@given(demand=st.floats(0, 5000), rooms=st.integers(0, 100), extra_rooms=st.integers(0, 50),
       extra_demand=st.floats(0, 2000))
def test_more_seats_never_raise_and_more_demand_never_lower_the_deficit(
        demand, rooms, extra_rooms, extra_demand):
    std = STANDARDS
    base = compare(_projection(demand), _rooms(rooms), std)
    more_seats = compare(_projection(demand), _rooms(rooms + extra_rooms), std)
    more_demand = compare(_projection(demand + extra_demand), _rooms(rooms), std)
    assert (more_seats["deficit_seats"] <= base["deficit_seats"] + 1e-9).all()
    assert (more_demand["deficit_seats"] >= base["deficit_seats"] - 1e-9).all()
    assert (more_demand["classes_needed"] >= base["classes_needed"]).all()


def test_worst_first_one_row_per_area_level(tmp_path):
    cap = _capacity(tmp_path, classrooms=20, project_seats=None)
    frame = pd.concat([_projection(1000), _projection(950, area="south")])
    table = compare(frame, cap, load_standards())
    top = worst(table, n=5)
    assert list(top["area"]) == ["south", "north"]  # south has no seats at all: 950 short
    assert math.isclose(top["deficit_seats"].iloc[0], 950)


def test_class_size_check_against_the_ceilings(tmp_path):
    folder = write_toy_dataset(tmp_path / "toy")
    schools = [
        {"school": "a", "area": "north", "level": "primary", "classes": 10, "students": 600},  # avg 60
        {"school": "b", "area": "north", "level": "primary", "classes": 30, "students": 1200},  # avg 40
        {"school": "c", "area": "south", "level": "primary", "classes": 20, "students": 900,
         "large_classes": 1, "super_large_classes": 0},
    ]
    pd.DataFrame(schools).to_csv(folder / "schools.csv", index=False)
    check = class_size_check(load_dataset(folder), load_standards()).set_index("area")
    assert check.loc["north", "large_share_percent"] == 25.0  # 10 of 40 classes
    assert not check.loc["north", "large_within_ceiling"]
    assert check.loc["north", "super_large_share_percent"] == 0.0
    assert check.loc["south", "large_share_percent"] == 5.0  # counted: 1 of 20
    assert check.loc["south", "large_within_ceiling"]


def test_rooms_are_whole_and_follow_the_seat_deficit_unless_classrooms_are_given():
    """Seats only: no rooms are invented, rooms to build = the seat deficit in classes; where
    whole classrooms are given, a room shortage without a seat deficit is built and says why."""
    from forecast.planning.shortfall import FOR_ROOMS, FOR_SEATS, rooms_to_build

    deficit = pd.Series([0.0, 0.0, 46.0, 100.0])
    limit = pd.Series([45.0] * 4)
    classes = pd.Series([23.0, 23.0, 24.0, 25.0])
    rooms = pd.Series([float("nan"), 20.0, 23.0, float("nan")])  # not given, 20 given, 23 given, not given
    built, why = rooms_to_build(deficit, limit, classes, rooms)
    assert built.tolist() == [0, 3, 2, 3]  # 0: no rooms invented; 23 - 20; ceil(46/45) = 2 > 24 - 23; ceil(100/45)
    assert why.tolist() == ["", FOR_ROOMS, FOR_SEATS, FOR_SEATS]


def test_a_deficit_smaller_than_one_class_is_not_a_short_year():
    from forecast.planning.shortfall import short_year

    assert short_year([0.3, 44.9, 45.0, 46.0], [45.0] * 4).tolist() == [False, False, True, True]


def test_seats_only_capacity_has_no_classrooms(tmp_path):
    """A project known by seats gives seats, never seats / limit rooms."""
    cap = _capacity(tmp_path, classrooms=20, project_seats=90, open_year=2023)
    rolled = cap.rolled[cap.rolled["area"] == "north"].set_index("year")
    assert rolled.loc[2022, "classrooms"] == 20  # the school's whole rooms
    assert pd.isna(rolled.loc[2023, "classrooms"])  # the project gives seats only: rooms unknown
    table = compare(_projection(1000), cap, load_standards()).set_index("year")
    assert pd.isna(table.loc[2023, "avg_class_size"]) and pd.isna(table.loc[2023, "over_standard_class_size"])
