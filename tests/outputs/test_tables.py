"""Tables read back: ids stay the text they were written as, in CSV (with or without the BOM
of a Chinese dataset) and Parquet."""

from __future__ import annotations

import pandas as pd

from forecast.common.files import atomic_write_csv
from forecast.outputs.tables import csv_encoding, read_table

IDS = ["007", "043912", "1e3", "NaN", "True", "0x1F"]


def test_odd_ids_survive_every_format(tmp_path):
    frame = pd.DataFrame({"area": IDS, "level": "primary", "grade": ["", "1", "", "K1", "", ""],
                          "deficit_seats": [0.0, 1.5, None, 3.0, 4.0, 5.0], "planned_projects": ""})
    atomic_write_csv(tmp_path / "plain.csv", frame)
    atomic_write_csv(tmp_path / "bom.csv", frame, encoding="utf-8-sig")
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    assert (tmp_path / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for name in ("plain.csv", "bom.csv", "t.parquet"):
        back = read_table(tmp_path / name)
        assert back["area"].tolist() == IDS, name  # never 43912, 1000.0, NaN, True or 31
        assert back["grade"].tolist() == ["", "1", "", "K1", "", ""]
        assert back["deficit_seats"].isna().tolist() == [False, False, True, False, False, False]
        assert back["planned_projects"].tolist() == [""] * 6


def test_a_chinese_dataset_writes_csvs_excel_reads_as_utf8():
    assert csv_encoding({"language": "zh-CN"}) == "utf-8-sig"
    assert csv_encoding({"language": "en"}) == csv_encoding({}) == "utf-8"


def test_an_absent_table_is_empty(tmp_path):
    assert read_table(tmp_path / "missing.csv").empty
