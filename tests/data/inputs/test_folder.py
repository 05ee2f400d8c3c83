"""A dataset folder's files before any table is read (issue 21: misnamed tables were ignored
without a hint, and a folder with no table validated with base year 0)."""

from __future__ import annotations

from forecast.data.inputs.folder import folder_problems

TABLES = ("births", "population", "enrolment", "schools", "projects")


def _folder(tmp_path, *names):
    folder = tmp_path / "d"
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_text("area,year\n", encoding="utf-8")
    return folder


def test_names_that_stand_for_a_table_are_named_with_the_fix(tmp_path):
    folder = _folder(tmp_path, "Enrolment.csv", "births.csv", "Births.CSV", "enrollment.csv",
                     "schools.xlsx", "notes.csv", ".hidden.csv")
    assert folder_problems(folder, TABLES) == [
        ("Births.CSV", "is not read: table files are named in lower case; rename it to births.csv "
                       "(or delete it: births.csv is read)", "warning"),
        ("Enrolment.csv", "is not read: table files are named in lower case; rename it to "
                          "enrolment.csv", "error"),
        ("enrollment.csv", "is not read: 'enrollment' is not a table name; rename it to enrolment.csv",
         "error"),
        ("schools.xlsx", "is not read: tables in a folder are CSV files; save it as schools.csv (or "
                         "give a workbook itself, with one sheet per table, as the dataset)", "error"),
    ]


def test_a_folder_without_any_table_is_one_error(tmp_path):
    folder = _folder(tmp_path, "notes.csv", "passwd")
    assert folder_problems(folder, TABLES) == [
        (str(folder), "holds no dataset tables (such as births.csv, population.csv, enrolment.csv): "
                      "not a dataset folder; see docs/data-contract.md, or `forecast init FOLDER` "
                      "for an example", "error")]
    assert folder_problems(_folder(tmp_path / "x", "births.csv"), TABLES) == []
