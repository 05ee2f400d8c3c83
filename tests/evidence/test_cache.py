"""The evidence backtest cache: the same result back, a new key for any change, off on request."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from forecast.data.dataset import load_dataset
from forecast.evidence import cache
from forecast.evidence.procedure import backtest_candidates
from tests.conftest import write_cohort_process


@pytest.fixture
def dataset(tmp_path):
    folder = write_cohort_process(tmp_path / "d", {"a": 0.95, "b": 0.9}, years=range(2005, 2016),
                                  seed=1, ratio_noise=0.02)
    return load_dataset(folder)


def test_a_stored_backtest_reads_back_the_same(dataset, tmp_path, monkeypatch):
    monkeypatch.setenv("FORECAST_CACHE_DIR", str(tmp_path / "cache"))
    test = backtest_candidates(dataset, [2011, 2012, 2013], 2)
    name = cache.key(dataset, {"origins": [2011, 2012, 2013]})
    assert cache.load(name) is None
    assert cache.store(name, test) == tmp_path / "cache" / name
    back = cache.load(name)
    assert back.origins == test.origins and back.names == test.names and back.warmup == test.warmup
    assert back.wide.models == test.wide.models
    assert np.array_equal(back.wide.forecast, test.wide.forecast, equal_nan=True)
    for frame in ("chosen", "parents", "chosen_base", "versions"):
        left, right = getattr(test, frame), getattr(back, frame)
        pd.testing.assert_frame_equal(left.reset_index(drop=True), right, check_dtype=False)
    assert not list((tmp_path / "cache").glob(".*"))  # no temporary folder left


def test_the_key_changes_with_the_data_the_settings_and_the_code(dataset, monkeypatch):
    name = cache.key(dataset, {"origins": [2011]})
    assert cache.key(dataset, {"origins": [2011]}) == name
    assert cache.key(dataset, {"origins": [2012]}) != name
    changed = dataclasses.replace(dataset, enrolment=dataset.enrolment.assign(
        students=dataset.enrolment["students"] + (dataset.enrolment.index == 3)))
    assert cache.key(changed, {"origins": [2011]}) != name
    monkeypatch.setattr(cache, "code_hash", lambda: "another version of the code")
    assert cache.key(dataset, {"origins": [2011]}) != name


def test_off_and_unreadable_entries_are_ignored(dataset, tmp_path, monkeypatch):
    monkeypatch.setenv("FORECAST_CACHE_DIR", "off")
    assert cache.location() is None and cache.store("x", None) is None and cache.load("x") is None
    monkeypatch.setenv("FORECAST_CACHE_DIR", str(tmp_path / "c"))
    (tmp_path / "c" / "x").mkdir(parents=True)
    (tmp_path / "c" / "x" / "meta.json").write_text("{not json", encoding="utf-8")
    assert cache.load("x") is None
    monkeypatch.delenv("FORECAST_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.location() == tmp_path / "xdg" / "forecast" / "evidence"
