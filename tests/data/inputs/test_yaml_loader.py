"""Strict YAML: duplicate keys refused with both lines; any accepted encoding read."""

from __future__ import annotations

import pytest

from forecast.data.inputs import InputFileError, load_yaml


def test_duplicate_key_is_refused_with_both_lines(tmp_path):
    path = tmp_path / "dataset.yaml"
    path.write_text("name: x\nbase_year: 2020\nunits: persons\nbase_year: 2019\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"dataset.yaml.*duplicate key 'base_year' \(first on line 2, "
                                             r"again on line 4\)"):
        load_yaml(path)


def test_nested_duplicate_key_is_refused(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("scenarios:\n  low: {}\n  low: {}\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="duplicate key 'low'"):
        load_yaml(path)


def test_gbk_yaml_reads_like_utf8(tmp_path):
    text = "name: 巴南\nareas:\n  - {area: banan, name: 巴南区}\n"
    (tmp_path / "a.yaml").write_bytes(text.encode("gbk"))
    (tmp_path / "b.yaml").write_bytes(text.encode("utf-8"))
    assert load_yaml(tmp_path / "a.yaml") == (load_yaml(tmp_path / "b.yaml")[0], "gb18030")
