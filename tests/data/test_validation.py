"""Broken input: every problem is reported at once, each naming file, row and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecast import DatasetError, inspect_dataset, load_dataset
from forecast.cli import cli


def edit_csv(folder: Path, name: str, change) -> None:
    path = folder / name
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    result = change(frame)
    (result if isinstance(result, pd.DataFrame) else frame).to_csv(path, index=False)


def set_cell(row: int, column: str, value: str):
    def change(frame):
        frame.loc[row, column] = value
    return change


# Each case: how to break the toy dataset, and the line that must name the problem.
BROKEN = {
    "negative_count": (
        lambda d: edit_csv(d, "enrolment.csv", set_cell(1, "students", "-5")),
        "enrolment.csv row 3, column students: '-5.0' is negative"),
    "unknown_level": (
        lambda d: edit_csv(d, "enrolment.csv", set_cell(0, "level", "college")),
        "enrolment.csv row 2, column level: 'college' is not a level of the china_6_3_3 school system"),
    "grade_not_in_level": (
        lambda d: edit_csv(d, "enrolment.csv", set_cell(0, "grade", "8")),
        "enrolment.csv row 2, column grade: grade '8' does not belong to level primary"),
    "not_a_number": (
        lambda d: edit_csv(d, "enrolment.csv", set_cell(2, "students", "lots")),
        "enrolment.csv row 4, column students: 'lots' is not a number"),
    "duplicate_key": (
        lambda d: edit_csv(d, "enrolment.csv", set_cell(1, "year", "2019")),
        "enrolment.csv row 3: duplicate of row 2 (same area, year, level, grade)"),
    "area_not_declared": (
        lambda d: edit_csv(d, "enrolment.csv", set_cell(3, "area", "east")),
        "enrolment.csv row 5, column area: area 'east' is not declared in dataset.yaml"),
    "project_without_size": (
        lambda d: edit_csv(d, "projects.csv", set_cell(0, "seats", "")),
        "projects.csv row 2, column seats: project 'p1' has no size"),
    "school_without_size": (
        lambda d: (d / "schools.csv").write_text("area,level,seats,classrooms\nnorth,primary,900,\nsouth,primary,,\n"),
        "schools.csv row 3, column seats: no size: give seats, classrooms or classes"),
    "school_negative_classes": (
        lambda d: (d / "schools.csv").write_text("area,level,classes,students\nnorth,primary,-2,90\n"),
        "schools.csv row 2, column classes: '-2.0' is negative"),
    "births_year_gap": (
        lambda d: edit_csv(d, "births.csv", lambda f: f.drop(index=4)),
        "births.csv, column year: area 'north' has gaps in its years: 2012 missing"),
    "missing_column": (
        lambda d: edit_csv(d, "births.csv", lambda f: f.pop("births")),
        "births.csv, column births: required column 'births' is missing"),
    "unknown_unit": (
        lambda d: edit_csv(d, "enrolment.csv", lambda f: f.insert(4, "unit", ["persons", "dozens", "", ""])),
        "enrolment.csv row 3, column unit: unit 'dozens' is not known"),
    "fractional_year": (
        lambda d: edit_csv(d, "projects.csv", set_cell(0, "open_year", "2022.5")),
        "projects.csv row 2, column open_year: 2022.5 is not a whole number"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_broken_input_is_named(toy_dataset, case):
    breaker, expected = BROKEN[case]
    breaker(toy_dataset)
    with pytest.raises(DatasetError) as info:
        load_dataset(toy_dataset)
    lines = [str(p) for p in info.value.problems if p.severity == "error"]
    assert any(line.startswith(expected) for line in lines), lines


def test_all_problems_reported_at_once_by_the_cli(toy_dataset):
    """One folder broken in many ways: exit 1, one line per problem, no traceback."""
    for case in ("negative_count", "unknown_level", "not_a_number", "area_not_declared",
                 "project_without_size", "fractional_year"):
        BROKEN[case][0](toy_dataset)
    result = CliRunner().invoke(cli, ["validate", str(toy_dataset)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for case in ("negative_count", "unknown_level", "not_a_number", "area_not_declared",
                 "project_without_size", "fractional_year"):
        assert BROKEN[case][1] in result.output, case
    problem_lines = [ln for ln in result.output.splitlines() if ln.startswith("  ") and ".csv" in ln]
    assert len(problem_lines) == 6


def test_grades_must_add_up_to_a_stated_total(toy_dataset):
    extra = pd.DataFrame({"area": "north", "year": 2020, "level": "primary",
                          "grade": [str(g) for g in range(1, 7)], "students": 50})
    enrol = pd.read_csv(toy_dataset / "enrolment.csv", dtype=str, keep_default_na=False)
    pd.concat([enrol, extra.astype(str)]).to_csv(toy_dataset / "enrolment.csv", index=False)
    _, problems = inspect_dataset(toy_dataset)
    assert any("grades of primary in 2020 (north) sum to 300 but the level total says 630"
               in str(p) for p in problems)


def test_parent_must_be_declared(toy_dataset):
    (toy_dataset / "dataset.yaml").write_text(
        "areas:\n  - {area: north, parent: nowhere}\n  - {area: south, parent: null}\n")
    _, problems = inspect_dataset(toy_dataset)
    assert any("area 'north' has parent 'nowhere', which is not declared" in str(p) for p in problems)


def test_bad_yaml_and_missing_folder_are_clean_errors(toy_dataset, tmp_path):
    (toy_dataset / "dataset.yaml").write_text("areas: [unclosed\n")
    result = CliRunner().invoke(cli, ["validate", str(toy_dataset)])
    assert result.exit_code == 1 and "dataset.yaml: is not valid YAML" in result.output
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "no such dataset folder" in result.output


def test_births_missing_for_base_year_cohorts_fall_back_to_own_history(toy_dataset):
    """Not a crash in run and not a silent pass in validate: validate warns that the area is
    projected from its own history, and run projects it that way."""
    edit_csv(toy_dataset, "births.csv", lambda f: f.drop(index=range(0, 3)))
    result = CliRunner().invoke(cli, ["validate", str(toy_dataset)])
    assert result.exit_code == 0, result.output
    assert ("births.csv, column births: area 'north' has no births for 2009-2010, the cohorts of "
            "its primary enrolment in the base year 2020: it is projected from its own history") in result.output
    assert "primary: own history in north" in result.output
    from forecast.models.projection import CohortFlow

    proj = CohortFlow().fit(load_dataset(toy_dataset)).project(2023, draws=20)
    north = proj[(proj["area"] == "north") & (proj["grade"] == "")]
    assert len(north) == 3 and north["mean"].notna().all()
    parent = proj[(proj["area"] == "district") & (proj["grade"] == "")]
    south = proj[(proj["area"] == "south") & (proj["grade"] == "")]
    assert parent["mean"].to_numpy() == pytest.approx(north["mean"].to_numpy() + south["mean"].to_numpy())


# ---- issue 21: counts that overflowed, cells that forged lines, dates read as years
@pytest.mark.parametrize(("cells", "expected"), [
    ({"students": "9e11"}, "enrolment.csv row 2, column students: 9e+11 is implausibly large (beyond "
                           "1e+09 in one row); check the value and its unit"),
    ({"students": "9e5", "unit": "10k persons"},
     "enrolment.csv row 2, column students: 9e+09 persons (given in 10k persons) is implausibly large "
     "(beyond 1e+09 in one row); check the value and its unit"),
])
def test_counts_beyond_any_country_are_refused_after_the_unit_conversion(toy_dataset, cells, expected):
    def change(frame):
        frame["unit"] = ""
        for column, value in cells.items():
            frame.loc[0, column] = value
    edit_csv(toy_dataset, "enrolment.csv", change)
    with pytest.raises(DatasetError) as info:
        load_dataset(toy_dataset)
    assert [str(p) for p in info.value.problems if p.severity == "error"] == [expected]


def test_a_line_break_inside_a_cell_cannot_forge_a_problem_line(toy_dataset):
    forged = "x\nenrolment.csv row 99: all is well"
    edit_csv(toy_dataset, "enrolment.csv", set_cell(0, "students", forged))
    with pytest.raises(DatasetError) as info:
        load_dataset(toy_dataset)
    message = str(info.value)
    assert message.splitlines() == [
        "1 problem(s) in the dataset:",
        "enrolment.csv row 2, column students: 'x\\nenrolment.csv row 99: all is well' is not a number"]


def test_a_date_in_a_count_cell_is_refused_as_a_date(toy_dataset):
    edit_csv(toy_dataset, "enrolment.csv", set_cell(0, "students", "1902-11-05"))
    with pytest.raises(DatasetError) as info:
        load_dataset(toy_dataset)
    assert [str(p) for p in info.value.problems if p.severity == "error"] == [
        "enrolment.csv row 2, column students: '1902-11-05' is a date, not a number (a cell "
        "formatted as a date?); give the value as a plain number"]
