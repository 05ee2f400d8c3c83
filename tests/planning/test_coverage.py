"""Coverage of planned seats when a dataset has births and projects but no enrolment."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.data.config import CapacitySettings
from forecast.data.dataset import load_dataset
from forecast.data.standards import load_standards
from forecast.planning.capacity import build_capacity
from forecast.planning.coverage import birth_driven_coverage
from tests.conftest import DATA


def test_break_even_by_hand(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "dataset.yaml").write_text("name: d\nbase_year: 2020\nareas:\n  - {area: d, parent: null}\n")
    # primary in 2020 serves births 2009-2014 (6 x 100 = 600); in 2025 births 2014-2019
    # (100 + 5 x 120 = 700): cohorts grow by 1/6
    births = [("d", y, 100 if y <= 2014 else 120) for y in range(2005, 2020)]
    pd.DataFrame(births, columns=["area", "year", "births"]).to_csv(folder / "births.csv", index=False)
    pd.DataFrame([{"project": "p", "area": "d", "level": "primary", "open_year": 2024, "seats": 1000}]).to_csv(
        folder / "projects.csv", index=False)
    ds = load_dataset(folder)
    cap = build_capacity(ds, CapacitySettings(), load_standards(), 2025)
    row = birth_driven_coverage(ds, cap, 2025).iloc[0]
    assert row["cohort_births_base"] == 600 and row["cohort_births_until"] == 700
    assert row["birth_driven_change_percent"] == pytest.approx(100 / 6)
    assert row["break_even_base_enrolment"] == pytest.approx(6000)  # 1000 / (1/6)


def test_shrinking_cohorts_need_no_seats_for_births():
    ds = load_dataset(DATA / "xingqing")
    cap = build_capacity(ds, CapacitySettings(), load_standards(), 2025)
    table = birth_driven_coverage(ds, cap, 2025).set_index("level")
    assert table.loc["kindergarten", "birth_driven_change_percent"] < 0
    assert pd.isna(table.loc["kindergarten", "break_even_base_enrolment"])
    assert table.loc["kindergarten", "planned_seats"] == pytest.approx(7500)
