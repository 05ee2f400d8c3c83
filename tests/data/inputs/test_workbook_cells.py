"""Workbook cell values (issue 21): dates as ISO text, dataset-sheet values as text."""

from __future__ import annotations

import datetime as dt

import pytest

from forecast.data.inputs.workbook_cells import date_text, formula_reasons, meta_value


def test_dates_become_iso_text_never_a_year():
    assert date_text(dt.datetime(1902, 11, 5)) == "1902-11-05"
    assert date_text(dt.datetime(2020, 1, 2, 8, 30)) == "2020-01-02T08:30:00"
    assert date_text(dt.date(2019, 9, 1)) == "2019-09-01"


@pytest.mark.parametrize(("key", "text", "value"), [
    ("base_year", "2020", 2020),
    ("title", "Plan: 2021-2025", "Plan: 2021-2025"),
    ("name", "@home", "@home"),
    ("notes", "*starred", "*starred"),
    ("units", "10k persons", "10k persons"),
    ("plan_period", "2021-2025", [2021, 2025]),
    ("title", "2021-2025", "2021-2025"),  # a period only where a period belongs
    ("system", "{preset: china_6_3_3, kindergarten_years: 1}",
     {"preset": "china_6_3_3", "kindergarten_years": 1}),
    ("sources", "- a\n- b", ["a", "b"]),
    ("language", "", None),
])
def test_meta_values(key, text, value):
    assert meta_value(key, text) == (value, None)


def test_broken_yaml_in_a_cell_is_a_reason_not_a_crash():
    value, reason = meta_value("system", "{preset: [a")
    assert value is None and reason.startswith("system: is not valid YAML")


def test_formula_reasons_list_twenty_and_count_the_rest():
    cells = [("enrolment", f"E{i}") for i in range(2, 32)]
    reasons = formula_reasons(cells)
    assert len(reasons) == 21 and reasons[0][0] == "enrolment!E2"
    assert reasons[-1] == ("enrolment", "and 10 more formula cells without a saved value")
