"""The two CSV readers give the same cells; faults always go to the careful one."""

from __future__ import annotations

import pytest

import forecast.data.inputs.csv_reader as reader

CLEAN = ("area,year,level,grade,students\n"
         "a1,2020,primary,1, 101\n"
         "\n"
         ",,,,\n"
         "a2,2020,primary,1,99.5\n"
         "a3,2020,primary,,\n")


def _both(tmp_path, text: str | bytes):
    path = tmp_path / "enrolment.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    fast = reader.read_csv(path)
    original, reader._fast_table = reader._fast_table, lambda path: None
    try:
        careful = reader.read_csv(path)
    finally:
        reader._fast_table = original
    return fast, careful, original(path)


def test_fast_and_careful_readers_give_identical_cells(tmp_path):
    fast, careful, direct = _both(tmp_path, CLEAN)
    assert direct is not None  # the clean file takes the fast way
    assert fast.frame.equals(careful.frame) and not fast.faults and fast.encoding == careful.encoding
    # blank and all-empty rows are skipped, cells stripped, a short row padded with ""
    assert fast.frame["area"].tolist() == ["a1", "a2", "a3"]
    assert fast.frame["students"].tolist() == ["101", "99.5", ""]


@pytest.mark.parametrize("text", [
    'area,year,students\na1,2020,"1,234"\n',          # quotes: the careful reader decides
    "area,year,students\na1,2020,5,7\n",              # a row wider than the header
    "area,year,area\na1,2020,5\n",                    # a repeated column
    "area,,students\na1,2020,5\n",                    # an unnamed column with values
    "area;year;students\na1;2020;5\n",                # another delimiter
    "area,year,students\ra1,2020,5\r",                # lone carriage returns
    "\narea,year,students\na1,2020,5\n",              # a blank first line
    "area,year,students\na1,2020\n",                 # a row narrower than the header
    "地区,year,students\n巴南,2020,5\n".encode("gb18030"),  # not UTF-8: decoded carefully
])
def test_anything_unusual_goes_to_the_careful_reader(tmp_path, text):
    fast, careful, direct = _both(tmp_path, text)
    assert direct is None
    assert fast.faults == careful.faults
    assert fast.frame.equals(careful.frame)


def test_a_byte_order_mark_is_read_the_same_both_ways(tmp_path):
    fast, careful, direct = _both(tmp_path, "\ufeff" + CLEAN)
    assert direct is not None and fast.encoding == careful.encoding == "utf-8-sig"
    assert fast.frame.equals(careful.frame) and list(fast.frame.columns)[0] == "area"


def test_blank_lines_keep_the_row_numbers_a_spreadsheet_shows(tmp_path):
    fast, careful, direct = _both(tmp_path, CLEAN)
    assert direct is not None  # still the fast way
    # CLEAN: header row 1, a1 row 2, a blank row 3, an all-empty row 4, a2 row 5, a3 row 6
    assert list(fast.rows) == list(careful.rows) == [2, 5, 6]
    assert [fast.physical_row(r) for r in (1, 2, 3, 4)] == [1, 2, 5, 6]
    text = "\n\narea,year,students\na1,2020,5\n\na2,2020,6\n"  # blank lines above the header
    fast, careful, direct = _both(tmp_path, text)
    assert direct is None and careful.header_row == 3 and list(careful.rows) == [4, 6]


def test_a_structural_fault_names_its_row(tmp_path):
    text = 'area,year,births\nnorth,2003,5\n\n"north,2004,6\nnorth,2005,7\n'  # a quote never closed
    raw = reader.read_csv(_written(tmp_path, text))
    assert raw.faults == [("cannot be read as CSV from this row on: a quote opened here is never "
                           'closed (a value with a stray " ?)', 4, None)]


def _written(tmp_path, text: str):
    path = tmp_path / "births.csv"
    path.write_text(text, encoding="utf-8")
    return path
