"""CSV structure, number rules and plausibility warnings as `forecast validate` reports them."""

from __future__ import annotations

from click.testing import CliRunner

from forecast.cli import cli
from forecast.data.dataset import inspect_dataset
from forecast.testing.fuzz import write_base


def _lines(folder):
    dataset, problems = inspect_dataset(folder)
    return dataset, [f"{p.severity}: {p}" for p in problems]


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_decimal_comma_is_refused_not_read_as_thousands(tmp_path):
    folder = write_base(tmp_path / "d")
    _edit(folder / "births.csv", "north,1995,1000,", 'north,1995,"6,27",')
    dataset, lines = _lines(folder)
    assert dataset is None
    assert any(line.startswith("error: births.csv row 2, column births: '6,27' is not a number: a comma")
               for line in lines), lines


def test_duplicate_column_and_header_only_files_are_errors(tmp_path):
    folder = write_base(tmp_path / "d")
    text = (folder / "births.csv").read_text(encoding="utf-8").splitlines()
    (folder / "births.csv").write_text("\n".join(r + ",1" for r in text).replace(
        "source,1", "source,births", 1) + "\n", encoding="utf-8")
    (folder / "enrolment.csv").write_text("area,year,level,grade,students\n", encoding="utf-8")
    dataset, lines = _lines(folder)
    assert dataset is None
    assert "error: births.csv row 1, column births: column 'births' appears twice (columns 3 and 5); keep one" in lines
    assert "error: enrolment.csv: has a header but no data rows; fill it or delete the file" in lines


def test_near_miss_of_a_size_column_is_an_error_other_unknown_columns_warn(tmp_path):
    folder = write_base(tmp_path / "d")
    _edit(folder / "schools.csv", "classrooms", "classroom")
    _edit(folder / "births.csv", "source", "source,remarks")
    dataset, lines = _lines(folder)
    assert dataset is None
    assert any("error: schools.csv row 1, column classroom: unknown column 'classroom': did you mean "
               "'classrooms'?" in line for line in lines), lines
    assert any(line.startswith("warning: births.csv row 1, column remarks: unknown column 'remarks' "
                               "is ignored") for line in lines)


def test_a_row_in_the_wrong_unit_is_an_error_with_its_row(tmp_path):
    folder = write_base(tmp_path / "d")
    # north primary 2017 (row 6; 0.95 x births 2006-2011 = 6,239) labelled 10k persons while its
    # neighbours are persons: 10,000-fold off, which no projection can use (issue 21: it overflowed)
    _edit(folder / "enrolment.csv", "north,2017,primary,,6239,persons", "north,2017,primary,,6239,10k persons")
    dataset, lines = _lines(folder)
    assert dataset is None
    jump = [line for line in lines if "row 6, column students" in line and "x the 2016" in line]
    assert jump and jump[0].startswith("error: ")
    assert "62,390,000 in 2017 is 10,064.5x the 2016 value (6,199)" in jump[0]
    assert "this row's unit '10k persons' differs from the previous year's 'persons'" in jump[0]
    assert jump[0].endswith("fix the unit or the value (a change this size is not a real one)")


def test_a_smaller_jump_with_a_change_of_unit_stays_a_warning(tmp_path):
    folder = write_base(tmp_path / "d")
    # 0.6239 x 10,000 = 6,239: the same count correctly given in 10k persons is no jump at all;
    # 0.0624 (624 persons, a tenth) is a 10x jump with a change of unit: a warning only
    _edit(folder / "enrolment.csv", "north,2017,primary,,6239,persons", "north,2017,primary,,0.0624,10k persons")
    dataset, lines = _lines(folder)
    assert dataset is not None
    assert any(line.startswith("warning: enrolment.csv row 6, column students: students 624 in 2017 "
                               "is 0.1x the 2016 value") for line in lines), lines


def test_a_level_far_above_the_births_of_its_cohorts_is_a_warning(tmp_path):
    folder = write_base(tmp_path / "d")
    # south births 2006-2008: 777 + 784 + 791 = 2,352
    _edit(folder / "enrolment.csv", "south,2020,junior,,2117", "south,2020,junior,,21170")
    dataset, lines = _lines(folder)
    assert dataset is not None
    assert any("junior 2020 (south): 21,170 students is more than 3x the 2,352 births of its cohorts "
               "(2006-2008)" in line for line in lines), lines


def test_validate_states_the_encodings_read(tmp_path):
    folder = write_base(tmp_path / "d")
    path = folder / "births.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    result = CliRunner().invoke(cli, ["validate", str(folder)])
    assert result.exit_code == 0
    assert "encodings: births.csv gb18030, dataset.yaml utf-8, enrolment.csv utf-8" in result.output
