"""Loading: shipped datasets carry the figures of their source documents, in persons."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecast import load_dataset
from forecast.data.dataset import Dataset, births_from_population
from tests.conftest import DATA


@pytest.fixture(scope="module")
def banan():
    return load_dataset(DATA / "banan")


def students(ds, year, level):
    totals = ds.level_totals()
    return totals.query("year == @year and level == @level")["students"].sum()


@pytest.mark.parametrize(("year", "level", "persons"), [
    (2020, "primary", 62_700),          # Table 1: 普通小學 2020 6.27 (萬人)
    (2016, "primary", 51_500),          # Table 1: 2016 5.15
    (2016, "junior", 20_800),           # Table 1: 普通初中 2016 2.08
    (2020, "junior", 28_000),           # Table 1: 2020 2.80
    (2020, "senior_general", 12_700),   # Table 1: 普通高中教育 2020 1.27
    (2020, "senior_vocational", 31_400),  # Table 1: 中等職業教育 2020 3.14
    (2016, "kindergarten", 27_600),     # Table 1: 在園幼兒數 2016 2.76
    (2020, "kindergarten", 36_381),     # text: 在園幼兒36381人
])
def test_banan_enrolment_matches_plan(banan, year, level, persons):
    assert students(banan, year, level) == pytest.approx(persons)


def test_banan_targets_converted_from_wan(banan):
    targets = banan.table("targets").set_index(["level", "indicator"])
    assert targets.loc[("primary", "enrolment"), "value"] == pytest.approx(72_000)  # 7.20 萬
    assert targets.loc[("kindergarten", "enrolment"), "value"] == pytest.approx(48_500)
    assert targets.loc[("senior_vocational", "enrolment"), "value"] == pytest.approx(35_000)
    # rates keep their unit
    assert targets.loc[("kindergarten", "public_share"), "unit"] == "%"
    assert targets.loc[("kindergarten", "public_share"), "value"] == 55


def test_banan_compulsory_total_is_sum_of_levels(banan):
    """Table 1 gives compulsory 9.07 = primary 6.27 + junior 2.80: the transcription agrees."""
    ind = banan.table("indicators").set_index(["year", "level", "indicator"])
    assert ind.loc[(2020, "primary+junior", "enrolment"), "value"] == pytest.approx(
        students(banan, 2020, "primary") + students(banan, 2020, "junior"))


def test_banan_projects_from_table3(banan):
    projects = banan.table("projects").set_index("project")
    assert len(projects) == 20
    row = projects.loc["16 龍洲灣高級中學"]
    assert (row.level, row.open_year, row.floor_area_m2, row.site_area_m2) == (
        "senior_general", 2024, 60000, 57000)
    assert projects["level_inferred"].astype(str).eq("true").all()
    assert set(projects["area"]) <= set(banan.areas["area"])


def test_every_shipped_row_has_a_source():
    for csv in DATA.glob("*/*.csv"):
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        assert "source" in frame.columns, csv
        assert (frame["source"].str.len() > 10).all(), f"{csv}: a row without a source"


def test_derived_figures_say_assumption():
    births = pd.read_csv(DATA / "banan" / "births.csv")
    assert births["source"].str.startswith("assumption:").all()
    china = pd.read_csv(DATA / "china" / "births.csv").set_index("year")
    assert china.loc[2016, "births"] == 17_860_000  # published 1786万
    assert china.loc[2005, "source"].startswith("assumption:")  # estimated from the rate


def test_china_national_sample():
    ds = load_dataset(DATA / "china")
    assert students(ds, 2020, "primary") == pytest.approx(107_253_500)  # 10725.35万 bulletin
    assert students(ds, 2004, "primary") == pytest.approx(112_462_256)  # MoE table, persons
    grades = ds.enrolment.query("year == 2004 and grade != ''")
    assert grades["students"].sum() == pytest.approx(112_462_256)


def test_xingqing_and_conghua_planned_seats():
    xq = load_dataset(DATA / "xingqing").table("projects")
    assert sorted(xq["seats"]) == [7500, 23000]
    ch = load_dataset(DATA / "conghua").table("projects")
    assert ch["seats"].sum() == 23_400  # 3,200 + 17,600 + 2,600 = the 2.34万 indicator


def test_standards_class_sizes():
    limits = pd.read_csv(DATA / "standards" / "class_size.csv", dtype={"grade": str},
                         keep_default_na=False)
    get = limits.set_index(["level", "grade", "rule"])["limit"]
    assert get[("primary", "", "standard")] == 45
    assert get[("junior", "", "standard")] == 50
    assert [get[("kindergarten", g, "standard")] for g in ("K1", "K2", "K3")] == [25, 30, 35]
    assert sorted(limits.query("rule != 'standard'")["limit"]) == [56, 66]


def test_defaults_without_dataset_yaml(toy_dataset):
    (toy_dataset / "dataset.yaml").unlink()
    ds = load_dataset(toy_dataset)
    assert ds.base_year == 2020  # last enrolment year
    assert ds.areas["parent"].isna().all()  # flat
    assert set(ds.areas["area"]) == {"north", "south"}


def test_units_declared_in_yaml_are_converted(toy_dataset):
    text = (toy_dataset / "dataset.yaml").read_text()
    (toy_dataset / "dataset.yaml").write_text("units: 10k persons\n" + text)
    ds = load_dataset(toy_dataset)
    assert students(ds, 2020, "primary") == pytest.approx((630 + 310) * 10_000)


def test_population_instead_of_births():
    pop = pd.DataFrame({"area": "a", "year": [2020, 2020, 2021], "age": [0, 1, 1],
                        "persons": [90.0, 80.0, 88.0]})
    births = births_from_population(pop).set_index("year")["births"]
    # born 2020: seen at age 0 in 2020 (90); born 2019: age 1 in 2020 (80)
    assert births.to_dict() == {2019: 80.0, 2020: 90.0}


def test_inputs_are_not_modified(toy_dataset):
    before = {p.name: p.read_bytes() for p in toy_dataset.iterdir()}
    load_dataset(toy_dataset)
    assert {p.name: p.read_bytes() for p in toy_dataset.iterdir()} == before


def _tree(enrolment: list[tuple]) -> Dataset:
    areas = pd.DataFrame({"area": ["province", "county", "town_a", "town_b", "other"],
                          "parent": [None, "province", "county", "county", "province"],
                          "name": [""] * 5})
    frame = pd.DataFrame(enrolment, columns=["area", "year", "level", "grade", "students"])
    return Dataset("tree", Path("."), areas, 2020, pd.DataFrame(columns=["area", "year", "births"]), frame)


def test_totals_in_sums_each_pupil_once_up_the_tree():
    # the county states its own total (300) beside its towns' grades (100 + 150 + 40):
    # the province, without a figure, is the county's 300 plus the other county's 70, not 590
    ds = _tree([("county", 2020, "primary", "", 300.0),
                ("town_a", 2020, "primary", "1", 60.0), ("town_a", 2020, "primary", "2", 40.0),
                ("town_b", 2020, "primary", "1", 150.0), ("town_b", 2021, "primary", "1", 999.0),
                ("other", 2020, "primary", "1", 70.0), ("other", 2020, "junior", "7", 40.0)])
    totals = ds.totals_in(2020)
    assert totals[("province", "primary")] == 370.0
    assert totals[("province", "junior")] == 40.0
    assert totals[("county", "primary")] == 300.0 and totals[("town_a", "primary")] == 100.0
    assert ("county", "junior") not in totals.index


def test_totals_in_fills_a_parent_from_its_children_when_it_has_no_figure():
    ds = _tree([("town_a", 2020, "primary", "1", 60.0), ("town_b", 2020, "primary", "1", 150.0)])
    totals = ds.totals_in(2020)
    assert totals[("county", "primary")] == 210.0 and totals[("province", "primary")] == 210.0


def test_keeping_level_totals_only_keeps_every_total_and_drops_the_grades():
    ds = _tree([("town_a", 2020, "primary", "1", 60.0), ("town_a", 2020, "primary", "2", 40.0),
                ("town_b", 2020, "junior", "", 80.0), ("town_b", 2020, "junior", "7", 79.0)])
    before = ds.level_totals().copy()
    assert ds.level_totals() is ds.level_totals()  # computed once per enrolment frame
    ds.keep_level_totals_only()
    assert (ds.enrolment["grade"] == "").all() and len(ds.enrolment) == 2
    pd.testing.assert_frame_equal(ds.level_totals(), before)
    ds.enrolment = ds.enrolment.iloc[:1]  # a new frame: the totals follow it
    assert len(ds.level_totals()) == 1


def test_the_finest_area_is_the_lowest_with_demand():
    """One definition for every output: a district whose sub-areas hold only planned sites (no
    demand of their own) is the finest area for its levels; a parent whose sub-area has demand
    for a level is not, for that level only."""
    import pandas as pd

    from forecast.data.dataset import finest_with_demand

    areas = pd.DataFrame({"area": ["city", "district", "site_a", "site_b", "town"],
                          "parent": [None, "city", "district", "district", "city"]})
    pairs = pd.DataFrame({"area": ["city", "city", "district", "district", "town", "town"],
                          "level": ["primary", "junior", "primary", "junior", "primary", "primary"]})
    # city: district and town have primary demand (not finest); junior: district has it too
    assert finest_with_demand(areas, pairs).tolist() == [False, False, True, True, True, True]
    only_city = pairs[pairs["area"] == "city"]
    assert finest_with_demand(areas, only_city).tolist() == [True, True]  # sites only: city is finest
    parents = dict(zip(areas["area"], areas["parent"], strict=True))
    assert finest_with_demand(parents, pairs).tolist() == finest_with_demand(areas, pairs).tolist()
