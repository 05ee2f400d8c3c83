"""The nested choice: combinations and shrinkage by hand, no look-ahead, the gate."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecast.evidence.choice import REFERENCE, K, combinations, nested, nested_wide, widen


def _row(model, area, origin, horizon, forecast, actual, level="primary", tier="leaf"):
    return {"tier": tier, "area": area, "level": level, "origin": origin, "year": origin + horizon,
            "horizon": horizon, "basis": "", "size": 100.0, "size_class": 0, "model": model,
            "forecast": forecast, "actual": actual}


def test_combinations_by_hand():
    base = [("cohort_entry", 100.0), ("last_value", 130.0), ("global", 90.0), ("ratio_mean_w3", 200.0)]
    wide = combinations(widen(pd.DataFrame([_row(m, "a", 2015, 1, f, np.nan) for m, f in base])))
    out = {m: wide.column(m)[0] for m in wide.models}
    assert out["cohort_last_mean"] == pytest.approx(115.0)
    assert out["median3"] == pytest.approx(100.0)  # of 100, 130, 90
    assert out["mean3"] == pytest.approx((100 + 130 + 90) / 3)
    assert out["trimmed_mean"] == pytest.approx((100 + 130) / 2)  # 90 and 200 trimmed


def test_combinations_take_the_ratio_mean_where_there_is_no_global_forecast():
    base = [("cohort_entry", 100.0), ("last_value", 130.0), ("ratio_mean_w3", 120.0)]
    wide = combinations(widen(pd.DataFrame([_row(m, "a", 2015, 1, f, np.nan) for m, f in base])))
    assert wide.column("median3")[0] == pytest.approx(120.0)
    assert np.isnan(wide.column("trimmed_mean")[0])  # three forecasts: nothing to trim


def test_relative_scores_shrink_an_area_toward_the_level_by_hand():
    """Two areas, one origin of evidence: area a's own relative score log(APE / APE of the
    reference) is shrunk with K pseudo-errors toward the level's (both areas' sums)."""
    rows = []
    for area, lv_f, c_f in (("a", 100.0, 130.0), ("b", 120.0, 100.0)):
        rows += [_row("last_value", area, 2010, 1, lv_f, 100.0), _row("cohort_entry", area, 2010, 1, c_f, 100.0)]
        rows += [_row("last_value", area, 2011, 1, lv_f, np.nan), _row("cohort_entry", area, 2011, 1, c_f, np.nan)]
    cand = pd.DataFrame(rows)
    # extra errors at the level so the evidence count (3) is met: same shape at origin 2009
    for area, lv_f, c_f in (("a", 100.0, 130.0), ("b", 120.0, 100.0)):
        cand = pd.concat([cand, pd.DataFrame([_row("last_value", area, 2009, 1, lv_f, 100.0),
                                              _row("cohort_entry", area, 2009, 1, c_f, 100.0)])])
    _, chosen = nested(cand, [2011], choices=("cohort_entry", "last_value", REFERENCE))
    at = chosen.set_index("area")
    # APE (fractions): a: last value 0, cohort 0.3, mean (115) 0.15; b: 0.2, 0, 0.1 (x 2 origins)
    level_lv = math.log((0 + 0.2 + 1e-9 / 2) / (0.15 + 0.1 + 1e-9 / 2))
    own_lv_a = math.log((0 + 1e-9) / (0.3 + 1e-9))
    expect_a = (2 * own_lv_a + K * level_lv) / (2 + K)
    assert at.loc["a", "choice"] == "last_value"
    assert at.loc["a", "score"] == pytest.approx(expect_a, rel=1e-6)
    assert at.loc["b", "choice"] == "cohort_entry"


def test_choice_at_an_origin_ignores_outcomes_after_it():
    rows = []
    for origin in range(2010, 2016):
        for h in (1, 2):
            year = origin + h
            actual = 100.0 if year <= 2014 else 200.0  # a break after 2014
            rows.append(_row("cohort_entry", "a", origin, h, 100.0, actual))
            rows.append(_row("last_value", "a", origin, h, 150.0 if year <= 2014 else 200.0, actual))
    _, chosen = nested(pd.DataFrame(rows), list(range(2010, 2016)))
    at = chosen.set_index(["origin", "horizon"])["choice"]
    # at 2014 only the years <= 2014 are known, when the cohort flow was exact
    assert at[(2014, 1)] == "cohort_entry"
    # the first origins have no evidence: the cohort flow (the fallback)
    assert at[(2010, 1)] == "cohort_entry"


def _gated_rows(errors: dict[int, float]) -> pd.DataFrame:
    """The cohort flow misses by 10 %, the last value by 12 %, ``global`` by the given % per
    origin, in two areas; origin 2016 is asked."""
    rows = []
    for origin, err in errors.items():
        for area in ("a", "b"):
            rows += [_row("cohort_entry", area, origin, 1, 110.0, 100.0),
                     _row("last_value", area, origin, 1, 112.0, 100.0),
                     _row("global", area, origin, 1, 100.0 + err, 100.0)]
    for area in ("a", "b"):
        rows += [_row(m, area, 2016, 1, f, np.nan) for m, f in
                 (("cohort_entry", 110.0), ("last_value", 112.0), ("global", 101.0))]
    return pd.DataFrame(rows)


def test_an_extra_candidate_is_chosen_only_where_significantly_better_than_the_hedge():
    # the hedge (mean of 110 and 112) misses by 11 %: global better by 6-8 points at each of
    # three origins: mean -7, sd 1, se 0.58 -> admitted
    wide = combinations(widen(_gated_rows({2012: 5.0, 2013: 3.0, 2014: 4.0, 2015: 4.0})))
    chosen = nested_wide(wide, [2016])
    assert (chosen["choice"] == "global").all()
    # better on average but not consistently (-10, +8, -9, +8): not admitted
    wide = combinations(widen(_gated_rows({2012: 1.0, 2013: 19.0, 2014: 2.0, 2015: 19.0})))
    chosen = nested_wide(wide, [2016])
    assert (chosen["choice"] != "global").all()
    # two origins of evidence only: not enough to depart from the core candidates
    wide = combinations(widen(_gated_rows({2014: 4.0, 2015: 4.0})))
    assert (nested_wide(wide, [2016])["choice"] != "global").all()
