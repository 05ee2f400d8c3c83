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
