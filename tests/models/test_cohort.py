"""Cohort flow: hand-computed cases and properties that must hold for any input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast import load_dataset
from forecast.data.config import BirthsScenario, MigrationScenario, ModelSettings, Scenario
from forecast.models.cohort import GradeCohortFlow, LevelCohortFlow
from forecast.models.projection import CohortFlow


def write(folder: Path, births: dict, enrolment: list[tuple], yaml: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [(a, y, b) for a, by_year in births.items() for y, b in by_year.items()]
    pd.DataFrame(rows, columns=["area", "year", "births"]).to_csv(folder / "births.csv", index=False)
    pd.DataFrame(enrolment, columns=["area", "year", "level", "grade", "students"]).to_csv(
        folder / "enrolment.csv", index=False)
    if yaml:
        (folder / "dataset.yaml").write_text(yaml)
    return folder


def cell(frame, area, year, level="primary", grade=""):
    return frame.query("area == @area and year == @year and level == @level and grade == @grade")[
        "mean"].item()


# ---------------------------------------------------------------- level-total worked example

@pytest.fixture
def worked_example(tmp_path):
    births = {"town": {y: 1000 if y <= 2009 else 1100 if y <= 2014 else 1200 for y in range(2004, 2023)}}
    enrol = [("town", 2016, "primary", "", 6100), ("town", 2020, "primary", "", 7150)]
    return load_dataset(write(tmp_path / "w", births, enrol))


def test_level_total_worked_example_from_methods_doc(worked_example):
    fitted = LevelCohortFlow(migration_window=5, migration_damping=0.8).fit(worked_example)
    p = fitted.params.iloc[0]
    assert math.exp(p.log_ratio) == pytest.approx(7150 / 6500)
    assert p.drift == pytest.approx(math.log(1.1) / 4)
    out = CohortFlow(ModelSettings(migration_damping=0.8)).fit(worked_example).project(2022, draws=1)
    assert cell(out, "town", 2021) == pytest.approx(7511.8, abs=0.05)  # docs/methods.md
    assert cell(out, "town", 2022) == pytest.approx(7741.1, abs=0.05)


def test_level_total_no_migration_holds_the_ratio(worked_example):
    scenario = Scenario(migration=MigrationScenario(mode="none"))
    out = CohortFlow().fit(worked_example).project(2022, scenario, draws=1)
    assert cell(out, "town", 2021) == pytest.approx(1.1 * 6700)
    assert cell(out, "town", 2022) == pytest.approx(1.1 * 6800)


def test_plan_target_is_met_by_the_solved_migration(tmp_path):
    births = {"town": {y: 1000 for y in range(2000, 2026)}}
    enrol = [("town", 2016, "primary", "", 6000), ("town", 2020, "primary", "", 6600)]
    folder = write(tmp_path / "t", births, enrol)
    pd.DataFrame([("town", 2025, "primary", "enrolment", 8000)],
                 columns=["area", "year", "level", "indicator", "value"]).to_csv(folder / "targets.csv", index=False)
    fitted = CohortFlow().fit(load_dataset(folder))
    out = fitted.project(2025, Scenario(solve_migration_for_targets=True), draws=1)
    assert cell(out, "town", 2025) == pytest.approx(8000)
    implied = fitted.implied_migration.iloc[0]
    assert implied.implied_yearly_factor > implied.estimated_yearly_factor > 1


# ---------------------------------------------------------------- grade-level toy, by hand

@pytest.fixture
def grade_toy(tmp_path):
    """Two areas, grades 1-2, years 2018-2020, under one district."""
    births = {"a": {y: 100 + 10 * (y - 2010) for y in range(2008, 2021)},
              "b": {y: 200 for y in range(2008, 2021)}}
    a = {2018: (96, 80), 2019: (104, 86.4), 2020: (112, 93.6)}    # entry 0.8, progression 0.9
    b = {2018: (200, 150), 2019: (220, 210), 2020: (240, 242)}     # entry 1.0/1.1/1.2
    enrol = [(area, y, "primary", g, v) for area, table in (("a", a), ("b", b))
             for y, pair in table.items() for g, v in zip(("1", "2"), pair, strict=True)]
    yaml = "areas:\n  - {area: d, parent: null}\n  - {area: a, parent: d}\n  - {area: b, parent: d}\n"
    return load_dataset(write(tmp_path / "g", births, enrol, yaml))


def test_grade_toy_every_cell_by_hand(grade_toy):
    out = CohortFlow(ModelSettings(ratio_method="mean", window=3)).fit(grade_toy).project(2022, draws=1)
    # area a: entry 0.8 x births(t-6); grade 2 = 0.9 x grade 1 a year before
    assert cell(out, "a", 2021, grade="1") == pytest.approx(0.8 * 150)
    assert cell(out, "a", 2022, grade="1") == pytest.approx(0.8 * 160)
    assert cell(out, "a", 2021, grade="2") == pytest.approx(0.9 * 112)
    assert cell(out, "a", 2022, grade="2") == pytest.approx(0.9 * 0.8 * 150)
    # area b: entry mean(1.0, 1.1, 1.2) = 1.1; progression mean(210/200, 242/220) = 1.075
    assert cell(out, "b", 2021, grade="1") == pytest.approx(1.1 * 200)
    assert cell(out, "b", 2021, grade="2") == pytest.approx(1.075 * 240)
    assert cell(out, "b", 2022, grade="2") == pytest.approx(1.075 * 220)
    # level totals and the district are sums
    assert cell(out, "a", 2021) == pytest.approx(0.8 * 150 + 0.9 * 112)
    assert cell(out, "d", 2022) == pytest.approx(cell(out, "a", 2022) + cell(out, "b", 2022))
    assert set(out["model"]) == {"cohort_grade"}


def test_grade_toy_exponential_smoothing(grade_toy):
    out = CohortFlow(ModelSettings(ratio_method="ses", alpha=0.4)).fit(grade_toy).project(2021, draws=1)
    # entry ratios 1.0, 1.1, 1.2 (oldest -> latest): 0.4*1.2 + 0.24*1.1 + 0.36*1.0 = 1.104
    assert cell(out, "b", 2021, grade="1") == pytest.approx(1.104 * 200)


def test_general_share_and_transition_override(tmp_path):
    births = {"x": {y: 100 for y in range(1995, 2021)}}
    enrol = []
    for y in (2019, 2020):
        enrol += [("x", y, "junior", "9", 100), ("x", y, "senior_general", "10", 60),
                  ("x", y, "senior_vocational", "10", 30)]
    ds = load_dataset(write(tmp_path / "s", births, enrol))
    base = CohortFlow().fit(ds).project(2021, draws=1)
    assert cell(base, "x", 2021, "senior_general", "10") == pytest.approx(60)  # 0.9 x 100 x 2/3
    alt = CohortFlow().fit(ds).project(2021, Scenario(general_share=0.5, transition={"senior": 0.8}), draws=1)
    assert cell(alt, "x", 2021, "senior_general", "10") == pytest.approx(40)
    assert cell(alt, "x", 2021, "senior_vocational", "10") == pytest.approx(40)


# ---------------------------------------------------------------- properties

counts = st.integers(min_value=10, max_value=5000)


def _unit_panel(tmp_path, base_grades, births_value):
    """A panel where every ratio is exactly 1: each grade is last year's grade below it."""
    years = range(2017, 2021)
    grades = [str(g) for g in range(1, 7)]
    cohort = {}  # birth year -> size; grade g in year t is the cohort born t - 5 - g
    for i, g in enumerate(grades):
        cohort[2020 - 5 - int(g)] = base_grades[i]
    for by in range(2000, 2021):
        cohort.setdefault(by, births_value)
    enrol = [("x", t, "primary", g, cohort[t - 5 - int(g)]) for t in years for g in grades]
    births = {"x": {by: cohort[by] for by in range(2000, 2021)}}
    return load_dataset(write(tmp_path, births, enrol))


@settings(max_examples=25, deadline=None)
@given(st.lists(counts, min_size=6, max_size=6), counts)
def test_unit_ratios_move_cohorts_up_unchanged(tmp_path_factory, grades, births_value):
    ds = _unit_panel(tmp_path_factory.mktemp("u"), grades, births_value)
    out = GradeCohortFlow().fit(ds).project(2022, Scenario(migration=MigrationScenario(mode="none")), draws=1)
    slots = {s: i for i, s in enumerate(out.slots)}
    for g in range(1, 6):
        now = grades[g - 1]  # grade g in 2020
        assert out.draws[0, slots[("primary", str(g + 1))], 0, 0] == pytest.approx(now)
    assert out.draws[0, slots[("primary", "1")], 0, 0] == pytest.approx(births_value)


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=1.0, max_value=3.0), st.integers(min_value=0, max_value=1))
def test_more_births_never_fewer_entrants(tmp_path_factory, factor, use_level_model):
    folder = tmp_path_factory.mktemp("b")
    births = {"x": {y: 100 + (y % 7) * 10 for y in range(2000, 2021)}}
    if use_level_model:
        enrol = [("x", 2016, "primary", "", 600), ("x", 2020, "primary", "", 650)]
    else:
        enrol = [("x", y, "primary", "1", 90 + y - 2018) for y in (2018, 2019, 2020)]
    ds = load_dataset(write(folder, births, enrol))
    fitted = CohortFlow().fit(ds)
    base = fitted.project(2030, draws=1)
    more = fitted.project(2030, Scenario(births=BirthsScenario(multiplier=factor, from_year=2015)), draws=1)
    grade = "" if use_level_model else "1"
    b = base[base["grade"] == grade]["mean"].to_numpy()
    m = more[more["grade"] == grade]["mean"].to_numpy()
    assert len(b) == len(m) > 0
    assert np.all(m >= b - 1e-9)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(counts, counts), min_size=2, max_size=5))
def test_sub_areas_sum_to_parent(tmp_path_factory, sizes):
    folder = tmp_path_factory.mktemp("h")
    names = [f"a{i}" for i in range(len(sizes))]
    births = {n: {y: 50 + 3 * i + (y % 5) for y in range(2000, 2024)} for i, n in enumerate(names)}
    enrol = [(n, y, "primary", "", v) for n, pair in zip(names, sizes, strict=True)
             for y, v in zip((2016, 2020), pair, strict=True)]
    yaml = "areas:\n  - {area: top, parent: null}\n" + "".join(
        f"  - {{area: {n}, parent: top}}\n" for n in names)
    out = CohortFlow().fit(load_dataset(write(folder, births, enrol, yaml))).project(2025, draws=50, seed=3)
    totals = out.groupby(["area", "year"])["mean"].sum().unstack("area")
    assert np.allclose(totals["top"], totals[names].sum(axis=1))
