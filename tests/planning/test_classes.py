"""classes.csv: classes needed by grade in the base year and every projected year."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.data.config import CapacitySettings
from forecast.data.dataset import load_dataset
from forecast.data.standards import load_standards, with_overrides
from forecast.models.projection import CohortFlow
from forecast.planning.classes import classes_table


@pytest.fixture
def kindergarten(tmp_path):
    folder = tmp_path / "kg"
    folder.mkdir()
    (folder / "dataset.yaml").write_text("name: kg\nbase_year: 2021\n", encoding="utf-8")
    rows = [("a", y, "kindergarten", g, n + 10 * (y - 2020))
            for y in (2020, 2021) for g, n in (("K1", 61), ("K2", 75), ("K3", 106))]
    rows += [("a", y, "primary", g, 90 + k) for y in (2020, 2021) for k, g in enumerate("123456")]
    pd.DataFrame(rows, columns=["area", "year", "level", "grade", "students"]).to_csv(
        folder / "enrolment.csv", index=False)
    pd.DataFrame([("a", y, 100) for y in range(2005, 2022)], columns=["area", "year", "births"]).to_csv(
        folder / "births.csv", index=False)
    pd.DataFrame([("a", 2021, "kindergarten", "K1", 3), ("a", 2021, "primary", "", 12)],
                 columns=["area", "year", "level", "grade", "classes"]).to_csv(folder / "classes.csv", index=False)
    return load_dataset(folder)


def test_base_year_classes_are_ceil_of_pupils_over_the_grade_limit(kindergarten):
    proj = CohortFlow().fit(kindergarten).project(2023, draws=1)
    table = classes_table(proj, kindergarten, load_standards())
    base = table[table["year"] == 2021].set_index(["level", "grade"])
    # shipped limits: K1 25, K2 30, K3 35; primary 45
    assert base.loc[("kindergarten", "K1"), "classes_needed"] == np.ceil(71 / 25) == 3
    assert base.loc[("kindergarten", "K2"), "classes_needed"] == np.ceil(85 / 30) == 3
    assert base.loc[("kindergarten", "K3"), "classes_needed"] == np.ceil(116 / 35) == 4
    assert base.loc[("primary", "1"), "classes_needed"] == np.ceil(90 / 45) == 2
    assert base.loc[("kindergarten", "K1"), "actual_classes"] == 3
    assert base.loc[("kindergarten", "K1"), "actual_avg_class_size"] == pytest.approx(71 / 3)
    later = table[(table["year"] == 2023) & (table["grade"] == "K3")]
    assert later["classes_needed"].iloc[0] == np.ceil(later["students"].iloc[0] / 35 - 1e-9)


def test_level_wide_override_applies_to_every_grade(kindergarten):
    settings = CapacitySettings.model_validate({"class_size": {"kindergarten": 25}})
    standards = with_overrides(load_standards(), settings.class_size)
    proj = CohortFlow().fit(kindergarten).project(2022, draws=1)
    table = classes_table(proj, kindergarten, standards)
    kg = table[table["level"] == "kindergarten"]
    assert (kg["class_size_limit"] == 25).all()
    base = kg[kg["year"] == 2021].set_index("grade")["classes_needed"]
    assert base.to_dict() == {"K1": 3, "K2": 4, "K3": 5}  # 71, 85, 116 pupils at 25 a class
    # a grade the user sets still beats the level-wide value
    both = with_overrides(load_standards(), {"kindergarten": 25, "kindergarten.K3": 40})
    assert both.limit("kindergarten", "K3") == 40 and both.limit("kindergarten", "K1") == 25
