"""export.records built column-wise, checked on a hand-made shortfall table."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from forecast.data.standards import load_standards
from forecast.planning import scheduler_export as export


def _shortfall(rows):
    columns = ["scenario", "area", "level", "year", "deficit_seats", "deficit_seats_p90",
               "p_shortfall", "class_size_limit", "classrooms_to_build"]
    return pd.DataFrame(rows, columns=columns)


def test_records_by_hand():
    areas = pd.DataFrame({"area": ["county", "town_a", "town_b"],
                          "parent": [None, "county", "county"], "name": ["County", "A", None]})
    dataset = SimpleNamespace(areas=areas, base_year=2020)
    items = pd.DataFrame({
        "area": ["town_b", "town_a", "county", "town_a"],
        "level": ["primary", "primary", "primary", "junior"],
        "item": ["school B", "school A", "existing stock", "junior A"],
        "method": ["project", "project", "existing: enrolment", "project"],
        "open_year": [2023, 2022, 2020, 2024], "seats": [900.0, 1200.0, 5000.0, 600.0]})
    capacity = SimpleNamespace(items=items)
    shortfall = _shortfall([
        # county: p90 deficit peaks twice (2022 and 2023 at 90): the first year is the peak
        ("base", "county", "primary", 2021, 0, 0, 0.1, 45, 0),
        ("base", "county", "primary", 2022, 0, 90, 0.4, 45, 1),
        ("base", "county", "primary", 2023, 46, 90, 0.6, 45, 2),
        # town_a: mean deficit of a whole class from 2021; rows out of year order
        ("base", "town_a", "primary", 2022, 50, 60, 0.9, 45, 2),
        ("base", "town_a", "primary", 2021, 45, 50, 0.7, 45, 1),
        # town_b: short by less than one class (44 < 45 pupils): not a short year, no record
        ("base", "town_b", "primary", 2021, 10, 44, 0.3, 45, 1),
    ])
    recs = {r["area"]: r for r in export.records(shortfall, capacity, load_standards(), dataset)}
    assert set(recs) == {"county", "town_a"}
    county, town = recs["county"], recs["town_a"]
    assert county["detail"] == "aggregate" and town["detail"] == "finest"
    assert county["first_deficit_year"] == 2023 and county["first_risk_year"] == 2022
    assert county["need_year"] == 2023 and county["peak_year"] == 2022
    assert county["p_shortfall_need_year"] == 0.6
    assert county["classes_needed_mean"] == 2 and county["classes_needed_p90"] == 2  # 46/45, 90/45
    assert county["priority"] == 54.0  # max(90 x 0.4, 90 x 0.6)
    # planned projects of the area and every area below it, in the capacity items' order,
    # never the existing stock, never another level
    assert county["planned_projects"] == ["school B (2023, 900 seats)", "school A (2022, 1,200 seats)"]
    assert town["planned_projects"] == ["school A (2022, 1,200 seats)"]
    assert town["first_deficit_year"] == 2021 and town["peak_year"] == 2022
    assert town["classrooms_to_build"] == 2 and town["classrooms_basis"] == "seat deficit / class-size limit"
    # base year 2020, lead time 3 (primary): need 2021 is already late; 2021 + 3 = 2024 earliest
    assert town["start_already_late"] and town["earliest_opening_year"] == 2024
    assert town["seats_basis"] == "project" and not town["capacity_assumed"]
    assert county["seats_basis"] == "existing: enrolment; project"  # its own and those below, sorted
    assert town["area_name"] == "A" and county["area_name"] == "County"
    # equal priority (60 x 0.9 = 54): the earlier need year (2021 before 2023) ranks first
    assert town["priority"] == 54.0 and town["rank"] == 1 and county["rank"] == 2
