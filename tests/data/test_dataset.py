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


# ---- issue 21: rows after the base year, folders without tables, dataset content that slipped
def _starter(tmp_path: Path, base_year: int | None = None) -> Path:
    from forecast.data.starter import write_example

    folder = tmp_path / "starter"
    write_example(folder)
    if base_year is not None:
        meta = folder / "dataset.yaml"
        text = meta.read_text(encoding="utf-8")
        meta.write_text(text.replace("base_year: 2020", f"base_year: {base_year}"), encoding="utf-8")
    return folder


def test_enrolment_after_a_declared_base_year_is_refused_naming_the_row(tmp_path):
    from forecast.data.dataset import inspect_dataset

    folder = _starter(tmp_path, 2019)  # the starter's enrolment runs 2018-2020
    dataset, problems = inspect_dataset(folder)
    errors = [str(p) for p in problems if p.severity == "error"]
    first = pd.read_csv(folder / "enrolment.csv")["year"].tolist().index(2020) + 2
    later = int((pd.read_csv(folder / "enrolment.csv")["year"] == 2020).sum())
    assert dataset is None and len(errors) == 1
    assert errors[0].startswith(f"enrolment.csv row {first}, column year: year 2020 is after the "
                                "base year 2019 (dataset.yaml, key base_year)")
    assert f"{later} row(s) of 2020" in errors[0] and "forecast backtest" in errors[0]


def test_a_base_year_after_the_last_enrolment_year_is_a_warning(tmp_path):
    from forecast.data.dataset import inspect_dataset

    dataset, problems = inspect_dataset(_starter(tmp_path, 2022))
    assert dataset is not None and dataset.base_year == 2022
    warned = [str(p) for p in problems if p.severity == "warning" and p.column == "base_year"]
    assert warned == ["dataset.yaml, key base_year: base_year 2022 is after the last enrolment year "
                      "2020: 2021-2022 are projected, not observed, and the base-year figures are "
                      "missing; set base_year to 2020 unless that is meant"]


@pytest.mark.parametrize("make", [
    lambda folder: None,                                           # an empty folder
    lambda folder: (folder / "passwd").write_text("root:x:0:0\n"),  # /etc-like: no table
    lambda folder: (folder / "dataset.yaml").write_text("base_year: 2020\n"),  # meta only
])
def test_a_folder_without_tables_is_not_a_dataset(tmp_path, make):
    from forecast.data.dataset import inspect_dataset

    folder = tmp_path / "nothing"
    folder.mkdir()
    make(folder)
    dataset, problems = inspect_dataset(folder)
    assert dataset is None
    assert [str(p) for p in problems if p.severity == "error"] == [
        f"{folder}: holds no dataset tables (such as births.csv, population.csv, enrolment.csv): not "
        "a dataset folder; see docs/data-contract.md, or `forecast init FOLDER` for an example"]


def test_a_table_file_in_the_wrong_case_is_named_not_ignored(tmp_path):
    from forecast.data.dataset import inspect_dataset

    folder = _starter(tmp_path)
    (folder / "enrolment.csv").rename(folder / "Enrolment.csv")
    dataset, problems = inspect_dataset(folder)
    assert dataset is None
    assert "Enrolment.csv: is not read: table files are named in lower case; rename it to " \
           "enrolment.csv" in [str(p) for p in problems if p.severity == "error"]


def test_seat_additions_must_run_forwards_and_count_no_negative_schools(tmp_path):
    from forecast.data.dataset import inspect_dataset

    folder = _starter(tmp_path)
    (folder / "seat_additions.csv").write_text(
        "area,from_year,to_year,schools,seats\nnorth,2016,2020,2,900\nnorth,2020,2016,-3,450\n",
        encoding="utf-8")
    dataset, problems = inspect_dataset(folder)
    assert dataset is None
    assert sorted(str(p) for p in problems if p.severity == "error") == [
        "seat_additions.csv row 3, column schools: '-3.0' is negative",
        "seat_additions.csv row 3, column to_year: from_year 2020 is after to_year 2016; give the "
        "period first year first"]


def test_all_zero_births_are_warned_about(tmp_path):
    from forecast.data.dataset import inspect_dataset

    folder = _starter(tmp_path)
    births = pd.read_csv(folder / "births.csv")
    births.assign(births=0).to_csv(folder / "births.csv", index=False)
    dataset, problems = inspect_dataset(folder)
    assert dataset is not None
    assert [str(p) for p in problems if "births are 0" in p.reason] == [
        "births.csv, column births: births are 0 in every year for 2 area(s) (every area): north, "
        "south; check the file (a blank export?): entrants there follow their own history"]


def test_a_dataset_wide_unit_of_10k_over_counts_in_persons_is_warned_about(tmp_path):
    from forecast.data.dataset import inspect_dataset

    folder = _starter(tmp_path)
    meta = folder / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("units: persons", "units: 10k persons"),
                    encoding="utf-8")
    enrolment = pd.read_csv(folder / "enrolment.csv")["students"]
    dataset, problems = inspect_dataset(folder)
    warned = [str(p) for p in problems if p.file == "enrolment.csv" and "are they persons" in p.reason]
    assert warned == [f"enrolment.csv row 2, column students: {len(enrolment)} students value(s) in "
                      f"'10k persons' (dataset.yaml, key units) are all whole numbers with a median of "
                      f"{enrolment.median():,.0f}, i.e. {enrolment.median() * 10_000:,.0f} persons a "
                      "row: are they persons? Check the unit"]
    # the shipped datasets in 万 (decimals such as 6.27) are not flagged
    _, banan = inspect_dataset(DATA / "banan")
    assert not [p for p in banan if "are they persons" in p.reason]


def test_rows_are_counted_as_a_spreadsheet_shows_them(tmp_path):
    from forecast.data.dataset import inspect_dataset

    folder = _starter(tmp_path)
    lines = (folder / "enrolment.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[4], "abc")  # file row 4
    lines[5] = lines[5].replace(lines[5].split(",")[0], "nowhere", 1)  # file row 6
    lines = lines[:2] + ["", ",,,,,", ""] + lines[2:]  # three empty rows above them
    (folder / "enrolment.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, problems = inspect_dataset(folder)
    assert sorted((p.row, p.column) for p in problems if p.severity == "error") == [
        (7, "students"), (9, "area")]


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
