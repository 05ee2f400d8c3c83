"""The grade flow on school data of other shapes, every cell checked by hand: a middle school
fed from two elementary schools, a 5-4 system, a one-year kindergarten, no births at all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.data.dataset import load_dataset
from forecast.data.system import PRESETS
from forecast.models.projection import CohortFlow


def write(folder: Path, meta: dict, enrolment: list[tuple], births: list[tuple] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dataset.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    pd.DataFrame(enrolment, columns=["area", "year", "level", "grade", "students"]).to_csv(
        folder / "enrolment.csv", index=False)
    if births is not None:
        pd.DataFrame(births, columns=["area", "year", "births"]).to_csv(folder / "births.csv", index=False)
    return folder


def cell(frame: pd.DataFrame, area: str, level: str, grade: str, year: int) -> float:
    row = frame[(frame["area"] == area) & (frame["level"] == level) & (frame["grade"] == grade)
                & (frame["year"] == year)]
    assert len(row) == 1, (area, level, grade, year)
    return float(row["mean"].iloc[0])


ELEMENTARY = ("K", "1", "2", "3", "4", "5")
K5A = {2020: [50, 48, 47, 45, 44, 40], 2021: [52, 49, 47, 46, 44, 43], 2022: [55, 51, 48, 46, 45, 42]}
K5B = {2020: [30, 31, 29, 28, 30, 27], 2021: [29, 30, 31, 28, 27, 29], 2022: [28, 29, 30, 30, 28, 26]}
MIDDLE = {2020: [60, 62, 61], 2021: [65, 61, 63], 2022: [66, 66, 60]}


@pytest.fixture
def feeder(tmp_path: Path) -> Path:
    rows = []
    for area, table in (("k5a", K5A), ("k5b", K5B)):
        rows += [(area, y, "elementary", g, n) for y, ns in table.items() for g, n in zip(ELEMENTARY, ns, strict=True)]
    rows += [("ms", y, "middle", g, n) for y, ns in MIDDLE.items() for g, n in zip(("6", "7", "8"), ns, strict=True)]
    meta = {"name": "feeder", "base_year": 2022, "system": "us_k5_6_8_9_12",
            "areas": [{"area": "district", "parent": None}, {"area": "k5a", "parent": "district"},
                      {"area": "k5b", "parent": "district"}, {"area": "ms", "parent": "district"}]}
    return write(tmp_path / "feeder", meta, rows)


def test_middle_school_fed_from_two_elementary_schools(feeder):
    ds = load_dataset(feeder)
    fitted = CohortFlow().fit(ds)
    methods = fitted.entry_methods.set_index(["area", "grade"])["method"]
    assert methods[("ms", "6")] == "feeder pool"
    assert methods[("k5a", "K")] == "own history"
    proj = fitted.project(2024, draws=1)

    # grade 6 = share of the pool's grade 5 a year earlier; share = mean of 2021 and 2022 shares
    pool = {y: K5A[y][5] + K5B[y][5] for y in K5A}
    share = np.mean([MIDDLE[2021][0] / pool[2020], MIDDLE[2022][0] / pool[2021]])
    assert cell(proj, "ms", "middle", "6", 2023) == pytest.approx(share * pool[2022])
    # grade 5 moves up within each elementary school; 2024's pool is projected
    r5a = np.mean([K5A[2021][5] / K5A[2020][4], K5A[2022][5] / K5A[2021][4]])
    r5b = np.mean([K5B[2021][5] / K5B[2020][4], K5B[2022][5] / K5B[2021][4]])
    assert cell(proj, "k5a", "elementary", "5", 2023) == pytest.approx(r5a * K5A[2022][4])
    pool_2023 = r5a * K5A[2022][4] + r5b * K5B[2022][4]
    assert cell(proj, "ms", "middle", "6", 2024) == pytest.approx(share * pool_2023)
    # kindergarten without births: last value with half the mean yearly log change (damping 0.5)
    drift = np.mean(np.diff(np.log([K5A[y][0] for y in (2020, 2021, 2022)])))
    assert cell(proj, "k5a", "elementary", "K", 2023) == pytest.approx(K5A[2022][0] * np.exp(0.5 * drift))
    # parents add up their children; every grade taught is projected
    for level in ("elementary", "middle"):
        kids = proj[(proj["area"] != "district") & (proj["level"] == level) & (proj["grade"] == "")]
        parent = proj[(proj["area"] == "district") & (proj["level"] == level) & (proj["grade"] == "")]
        assert parent["mean"].to_numpy() == pytest.approx(kids.groupby("year")["mean"].sum().to_numpy())
        assert parent["complete"].all()
    assert proj["mean"].notna().all()


def test_parent_equals_sum_of_childrens_draws(feeder):
    proj = CohortFlow().fit(load_dataset(feeder)).project(2026, draws=200, seed=3)
    totals = proj[proj["grade"] == ""]
    kids = totals[totals["area"] != "district"].groupby(["level", "year"])["mean"].sum()
    parent = totals[totals["area"] == "district"].set_index(["level", "year"])["mean"]
    assert parent.to_numpy() == pytest.approx(kids.reindex(parent.index).to_numpy(), rel=1e-9)


def test_declared_feeders_take_their_shares(feeder):
    pd.DataFrame([("ms", "k5a", 0.8), ("ms", "k5b", 0.5)], columns=["school", "feeder_school", "share"]).to_csv(
        feeder / "feeders.csv", index=False)
    proj = CohortFlow().fit(load_dataset(feeder)).project(2023, draws=1)
    expected = 0.8 * K5A[2022][5] + 0.5 * K5B[2022][5]
    assert cell(proj, "ms", "middle", "6", 2023) == pytest.approx(expected)


def test_five_four_system_with_births(tmp_path):
    primary = {2020: [100, 98, 97, 96, 95], 2021: [104, 99, 97, 97, 95], 2022: [101, 103, 98, 96, 96]}
    junior = {2020: [90, 89, 88, 87], 2021: [92, 89, 88, 86], 2022: [91, 91, 88, 87]}
    rows = [("a", y, "primary", str(g + 1), n) for y, ns in primary.items() for g, n in enumerate(ns)]
    rows += [("a", y, "junior", str(g + 6), n) for y, ns in junior.items() for g, n in enumerate(ns)]
    births = [("a", y, 100 + (y - 2000)) for y in range(2000, 2023)]
    ds = load_dataset(write(tmp_path / "fivefour", {"name": "f", "base_year": 2022, "system": "china_5_4"},
                            rows, births))
    proj = CohortFlow().fit(ds).project(2023, draws=1)
    b = dict((y, v) for _, y, v in births)
    entry = np.mean([primary[y][0] / b[y - 6] for y in (2020, 2021, 2022)])
    assert cell(proj, "a", "primary", "1", 2023) == pytest.approx(entry * b[2017])
    transition = np.mean([junior[2021][0] / primary[2020][4], junior[2022][0] / primary[2021][4]])
    assert cell(proj, "a", "junior", "6", 2023) == pytest.approx(transition * primary[2022][4])
    total = sum(cell(proj, "a", "junior", g, 2023) for g in ("6", "7", "8", "9"))
    assert cell(proj, "a", "junior", "", 2023) == pytest.approx(total)


def test_one_year_kindergarten_needs_only_its_own_cohort(tmp_path):
    rows = [("a", y, "kindergarten", "K3", n) for y, n in ((2020, 300), (2021, 310), (2022, 305))]
    births = [("a", y, 320 + y - 2014) for y in range(2014, 2023)]  # age-5 cohorts 2015-2017 and later
    meta = {"name": "kg", "base_year": 2022, "system": {"preset": "china_6_3_3", "kindergarten_years": 1}}
    ds = load_dataset(write(tmp_path / "kg", meta, rows, births))
    proj = CohortFlow().fit(ds).project(2023, draws=1)
    b = dict((y, v) for _, y, v in births)
    ratio = np.mean([300 / b[2015], 310 / b[2016], 305 / b[2017]])
    assert cell(proj, "a", "kindergarten", "K3", 2023) == pytest.approx(ratio * b[2018])


def test_kindergarten_only_panel_without_births(tmp_path):
    rows = [("a", y, "kindergarten", "K3", n) for y, n in ((2020, 300), (2021, 330), (2022, 320))]
    ds = load_dataset(write(tmp_path / "kg", {"name": "kg", "base_year": 2022}, rows))
    proj = CohortFlow().fit(ds).project(2024, draws=1)
    drift = np.mean([np.log(330 / 300), np.log(320 / 330)])
    assert cell(proj, "a", "kindergarten", "K3", 2023) == pytest.approx(320 * np.exp(0.5 * drift))
    assert cell(proj, "a", "kindergarten", "K3", 2024) == pytest.approx(320 * np.exp(0.75 * drift))


def test_level_totals_without_any_births_follow_their_own_trend(tmp_path):
    rows = [("a", y, "primary", "", n) for y, n in ((2018, 1000), (2019, 1030), (2020, 1050))]
    ds = load_dataset(write(tmp_path / "nobirths", {"name": "n", "base_year": 2020}, rows))
    fitted = CohortFlow().fit(ds)
    assert set(fitted.entry_methods["method"]) == {"own history"}
    proj = fitted.project(2022, draws=1)
    slope = np.polyfit([2018, 2019, 2020], np.log([1000, 1030, 1050]), 1)[0]
    assert cell(proj, "a", "primary", "", 2021) == pytest.approx(1050 * np.exp(0.8 * slope))
    assert cell(proj, "a", "primary", "", 2022) == pytest.approx(1050 * np.exp((0.8 + 0.64) * slope))


def test_grades_without_pupils_are_not_taught(tmp_path):
    """A 9-12 school that reports 0 for grades K-8 takes grade 9 from its parent's pool."""
    rows = []
    for y in (2020, 2021, 2022):
        rows += [("hs", y, "middle", g, 0) for g in ("6", "7", "8")]
        rows += [("hs", y, "high", g, 50 + y - 2020) for g in ("9", "10", "11", "12")]
        rows += [("ms", y, "middle", g, 80) for g in ("6", "7", "8")]
    meta = {"name": "hs", "base_year": 2022, "system": "us_k5_6_8_9_12",
            "areas": [{"area": "d", "parent": None}, {"area": "hs", "parent": "d"}, {"area": "ms", "parent": "d"}]}
    fitted = CohortFlow().fit(load_dataset(write(tmp_path / "hs", meta, rows)))
    methods = fitted.entry_methods.set_index(["area", "grade"])["method"]
    assert methods[("hs", "9")] == "feeder pool"
    proj = fitted.project(2023, draws=1)
    assert cell(proj, "hs", "high", "9", 2023) == pytest.approx(np.mean([51 / 80, 52 / 80]) * 80)
    assert proj[(proj["area"] == "hs") & (proj["level"] == "middle")].empty


@st.composite
def panels(draw):
    system = draw(st.sampled_from(["china_6_3_3", "china_5_4", "us_k5_6_8_9_12", "us_k8_9_12"]))
    spec = PRESETS[system]
    slots = spec.slots()
    n_areas = draw(st.integers(1, 3))
    years = list(range(2019, 2019 + draw(st.integers(2, 4))))
    rows = []
    for a in range(n_areas):
        first = draw(st.integers(0, len(slots) - 1))
        last = draw(st.integers(first, len(slots) - 1))
        for level, grade in slots[first:last + 1]:
            for y in years:
                rows.append((f"a{a}", y, level, grade, draw(st.integers(0, 400))))
    with_births = draw(st.booleans())
    births = [(f"a{a}", y, draw(st.integers(50, 500))) for a in range(n_areas)
              for y in range(years[0] - 19, years[-1] + 1)] if with_births else None
    return system, n_areas, years, rows, births


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(panel=panels())
def test_no_nan_and_levels_add_up_for_any_panel(tmp_path_factory, panel):
    system, n_areas, years, rows, births = panel
    meta = {"name": "p", "base_year": years[-1], "system": system,
            "areas": [{"area": "top", "parent": None}] + [{"area": f"a{a}", "parent": "top"} for a in range(n_areas)]}
    folder = write(tmp_path_factory.mktemp("panel"), meta, rows, births)
    ds = load_dataset(folder)
    frame = pd.DataFrame(rows, columns=["area", "year", "level", "grade", "students"])
    taught = frame[(frame["year"] == years[-1]) & (frame["students"] > 0)]
    if taught.empty:
        return
    fitted = CohortFlow().fit(ds)
    proj = fitted.project(years[-1] + 3, draws=20, seed=1)
    refused = fitted.refusals[fitted.refusals["status"] == "refused"]
    # every grade taught in the base year is projected or refused with a reason
    got = set(zip(proj["area"], proj["level"], proj["grade"], strict=True))
    for row in taught.itertuples():
        reason = refused[(refused["area"] == row.area) & (refused["grade"] == row.grade)
                         & (refused["level"] == row.level)]
        assert (row.area, row.level, row.grade) in got or len(reason) == 1
    assert proj["mean"].notna().all()
    grades = proj[proj["grade"] != ""].groupby(["area", "level", "year"])["mean"].sum()
    levels = proj[proj["grade"] == ""].set_index(["area", "level", "year"])["mean"]
    leaf = levels[levels.index.get_level_values(0) != "top"]
    assert leaf.to_numpy() == pytest.approx(grades.reindex(leaf.index).to_numpy(), rel=1e-6)
    parents = proj[(proj["grade"] == "") & (proj["area"] == "top")].set_index(["level", "year"])
    kids = leaf.groupby(level=["level", "year"]).sum()
    whole = parents[parents["complete"]]
    assert whole["mean"].to_numpy() == pytest.approx(kids.reindex(whole.index).fillna(0).to_numpy(), rel=1e-6)
    # a parent missing a child says so, and the child's refusal says why
    partial = parents[~parents["complete"]]
    assert (partial["missing_parts"] > 0).all()
    assert len(partial) == 0 or set(partial.index.get_level_values(0)) <= set(refused["level"])
