"""Coverage words for the evidence step's run record."""

from __future__ import annotations

import pandas as pd

from forecast.report.honesty import interval_note


def test_evidence_record_with_its_own_coverage():
    meta = {"evidence": {"horizon": 5, "intervals": {"borrowed": False, "source": "own"},
                         "levels": {"primary": {"coverage_80_by_horizon": {"1": 0.7, "3": 0.9, "5": None}},
                                    "junior": {"coverage_80_by_horizon": {"1": None}}}}}
    words = interval_note(meta, pd.DataFrame(), "en")
    assert "80 % of outcomes for Primary" in words and "Junior" not in words and "horizon" not in words


def test_borrowed_band_says_where_it_comes_from():
    meta = {"evidence": {"horizon": 5, "intervals": {"borrowed": True, "source": "error_library.csv: china"},
                         "levels": {"primary": {"coverage_80_by_horizon": {"4": None}}}}}
    assert "borrowed from the shipped error library (error_library.csv: china)" in interval_note(meta, pd.DataFrame(), "en")
    assert "误差库" in interval_note(meta, pd.DataFrame(), "zh")
