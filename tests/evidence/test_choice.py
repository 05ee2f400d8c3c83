"""The nested choice: shrinkage by hand, and no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.evidence.choice import SHRINK, nested, scores, static_combinations


def _rows(model, area, origin, horizon, forecast, actual):
    return {"area": area, "level": "primary", "origin": origin, "year": origin + horizon,
            "horizon": horizon, "model": model, "forecast": forecast, "actual": actual}


def test_scores_shrink_the_area_toward_the_dataset():
    known = pd.DataFrame([_rows("m", "a", 2010, 1, 110, 100), _rows("m", "b", 2010, 1, 102, 100)])
    area, horizon, level, counts = scores(known)
    # dataset: mean APE 6 at every horizon, so the horizon figure stays 6
    assert horizon[("m", "primary", 1)] == pytest.approx(6.0)
    assert area[("m", "a", "primary", 1)] == pytest.approx((10 + SHRINK * 6) / (1 + SHRINK))
    assert counts[("m", "primary")] == 2


def test_choice_at_an_origin_ignores_outcomes_after_it():
    rows = []
    for origin in range(2010, 2016):
        for h in (1, 2):
            year = origin + h
            actual = 100.0 if year <= 2014 else 200.0  # a break after 2014
            rows.append(_rows("cohort", "a", origin, h, 100.0, actual))
            rows.append(_rows("last_value", "a", origin, h, 150.0 if year <= 2014 else 200.0, actual))
    cand = pd.DataFrame(rows)
    _, chosen = nested(cand, list(range(2010, 2016)))
    at = chosen.set_index(["origin", "horizon"])["choice"]
    # at 2014 only the years <= 2014 are known, when the cohort flow was exact
    assert at[(2014, 1)] == "cohort"
    # the first origins have no evidence: the cohort flow (the fallback)
    assert at[(2010, 1)] == "cohort"


def test_static_combinations_by_hand():
    base = [("cohort", 100.0), ("last_value", 130.0), ("ratio_mean_w3", 110.0), ("x", 90.0), ("y", 200.0)]
    cand = pd.DataFrame([_rows(m, "a", 2015, 1, f, np.nan) for m, f in base])
    out = static_combinations(cand).set_index("model")["forecast"]
    assert out["mean3"] == pytest.approx((100 + 130 + 110) / 3)
    assert out["trimmed_mean"] == pytest.approx((100 + 130 + 110) / 3)  # 90 and 200 trimmed


def test_cohort_last_mean_is_the_mean_of_the_cohort_flow_and_the_last_value():
    cand = pd.DataFrame([_rows("cohort", "a", 2015, 1, 100.0, np.nan), _rows("last_value", "a", 2015, 1, 130.0, np.nan)])
    out = static_combinations(cand).set_index("model")["forecast"]
    assert out["cohort_last_mean"] == pytest.approx(115.0)
    assert "mean3" not in out  # no ratio mean: no mean of three


def _paired(tuned_errors: dict[int, float], areas=("a", "b")) -> pd.DataFrame:
    """cohort misses by 10 % everywhere; weighted_top3 by the given % per origin."""
    rows = []
    for origin, err in tuned_errors.items():
        for area in areas:
            rows.append(_rows("cohort", area, origin, 1, 110.0, 100.0))
            rows.append(_rows("weighted_top3", area, origin, 1, 100.0 + err, 100.0))
    return pd.DataFrame(rows)


def test_tuned_candidates_are_admitted_only_when_significantly_better():
    from forecast.evidence.choice import admitted

    # better by 5-7 points at each of three origins: mean -5.67, sd 1.15, se 0.67 -> admitted
    assert admitted(_paired({2010: 5.0, 2011: 3.0, 2012: 4.0})) == {("primary", 1)}
    # only two origins of evidence: not enough to depart from the core three
    assert admitted(_paired({2010: 5.0, 2011: 3.0})) == set()
    # better on average (mean APE 8.67 < 10) but not consistently: -9, +9, -8 -> not admitted
    assert admitted(_paired({2010: 1.0, 2011: 19.0, 2012: 2.0})) == set()


def test_a_tuned_candidate_is_chosen_only_where_admitted():
    rows = []
    for origin in range(2010, 2016):
        rows.append(_rows("cohort", "a", origin, 1, 110.0, 100.0))
        rows.append(_rows("last_value", "a", origin, 1, 112.0, 100.0))
        rows.append(_rows("trimmed_mean", "a", origin, 1, 108.0 if origin % 2 else 99.0, 100.0))
    _, chosen = nested(pd.DataFrame(rows), list(range(2010, 2016)))
    at = chosen.set_index("origin")["choice"]
    # trimmed_mean's errors (1, 8, 1, 8 ...) beat the cohort flow's 10 at every origin, but by
    # 2 or 9 points: at 2013 three origins (2010-2012) are known: -9, -2, -9 -> mean -6.7,
    # se 2.3, so -6.7 + 1.645 x 2.3 < 0: admitted from 2013 on, the cohort flow before
    assert (at[at.index < 2013] != "trimmed_mean").all()
    assert (at[at.index >= 2013] == "trimmed_mean").all()
