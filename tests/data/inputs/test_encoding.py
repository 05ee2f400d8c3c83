"""Encodings a planner's tools produce are read, and stated; others are refused by name."""

from __future__ import annotations

import codecs

import pytest

from forecast.data.inputs.encoding import InputFileError, read_text

TEXT = "area,year,births,source\n巴南区,2020,12345,统计年鉴\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (TEXT.encode("utf-16"), "utf-16"),
    (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
    (TEXT.encode("gbk"), "gb18030"),
    (TEXT.encode("gb18030"), "gb18030"),
])
def test_accepted_encodings_give_the_same_text(tmp_path, data, encoding):
    path = tmp_path / "births.csv"
    path.write_bytes(data)
    assert read_text(path) == (TEXT, encoding)


@pytest.mark.parametrize(("data", "says"), [
    ("Größe,1\n".encode("latin-1"), "tried utf-8, utf-16 with BOM, gb18030"),
    ("Zürich,1\n".encode("latin-1"), "tried utf-8"),
    (TEXT.encode("utf-16-le"), "NUL bytes"),
    (TEXT.encode("utf-32"), "UTF-32"),
])
def test_other_encodings_are_refused_naming_the_file(tmp_path, data, says):
    path = tmp_path / "births.csv"
    path.write_bytes(data)
    with pytest.raises(InputFileError, match="births.csv") as info:
        read_text(path)
    assert says in str(info.value)


def test_folders_links_and_pipes_are_refused(tmp_path):
    (tmp_path / "dir.csv").mkdir()
    (tmp_path / "loop.csv").symlink_to("loop.csv")
    (tmp_path / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    import os

    os.mkfifo(tmp_path / "pipe.csv")
    for name, says in [("dir.csv", "is a folder"), ("loop.csv", "cannot be read"),
                       ("gone.csv", "pointing nowhere"), ("pipe.csv", "not a regular file")]:
        with pytest.raises(InputFileError, match=says):
            read_text(tmp_path / name)
