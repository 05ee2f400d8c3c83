"""Empirical intervals: conformal ranks, pooling, extrapolation, application."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecast.evidence.intervals import apply, classify, conformal, error_quantiles, size_edges


def test_conformal_takes_the_rank_of_the_absolute_errors():
    errors = np.array([-0.05, -0.03, -0.01, 0.0, 0.01, 0.02, 0.03, 0.04, 0.06, 0.08])
    # ceil(11 x 0.8) = 9th smallest |e| of 0, .01, .01, .02, .03, .03, .04, .05, .06, .08
    assert conformal(errors) == pytest.approx((-0.06, 0.06))


def test_conformal_ranks_with_twenty_errors():
    errors = np.arange(1, 21) / 100 - 0.105  # -0.095 .. 0.095
    lo, hi = conformal(errors)
    # ceil(21 x 0.8) = 17th smallest of the absolute errors
    q = np.sort(np.abs(errors))[16]
    assert (lo, hi) == pytest.approx((-q, q))


def test_conformal_with_four_errors_spans_the_largest_and_holds_the_forecast():
    assert conformal(np.array([0.02, 0.03, 0.05, 0.07])) == pytest.approx((-0.07, 0.07))
    assert conformal(np.array([0.0, 0.0, 0.0, 0.0])) == (0.0, 0.0)


def test_thin_horizons_pool_as_random_walk_and_extrapolate_by_sqrt():
    rows = [("primary", 1, 0, e) for e in (-0.02, -0.01, 0.01, 0.02)]
    rows += [("primary", 2, 0, e) for e in (-0.04, 0.05)]  # too few at 2 years
    rows += [("primary", 3, 0, e) for e in (-0.06, -0.03, 0.03, 0.09)]
    errors = pd.DataFrame(rows, columns=["level", "horizon", "size_class", "e"])
    q = error_quantiles(errors, 5).set_index("horizon")
    assert (q.loc[1, "q_lo"], q.loc[1, "q_hi"]) == pytest.approx((-0.02, 0.02))
    walk = np.abs([-0.02, -0.01, 0.01, 0.02, -0.04 / math.sqrt(2), 0.05 / math.sqrt(2),
                   -0.06 / math.sqrt(3), -0.03 / math.sqrt(3), 0.03 / math.sqrt(3), 0.09 / math.sqrt(3)])
    # ten errors: ceil(11 x 0.8) = the 9th smallest absolute error, scaled back by sqrt(2)
    assert q.loc[2, "q_hi"] == pytest.approx(np.sort(walk)[8] * math.sqrt(2))
    assert q.loc[2, "q_lo"] == pytest.approx(-np.sort(walk)[8] * math.sqrt(2))
    assert "random walk" in q.loc[2, "basis"]
    assert (q.loc[3, "q_lo"], q.loc[3, "q_hi"]) == pytest.approx((-0.09, 0.09))
    # 5 years ahead: beyond the widest measured horizon (3), widened by sqrt(5 / 3)
    assert q.loc[5, "q_hi"] == pytest.approx(0.09 * math.sqrt(5 / 3)) and "extrapolated" in q.loc[5, "basis"]
    # the band never narrows further ahead
    assert (q["q_hi"].diff().dropna() >= 0).all() and (q["q_lo"].diff().dropna() <= 0).all()


def test_apply_scales_the_forecast_by_the_error_quantiles():
    q = pd.DataFrame({"level": ["primary"], "horizon": [1], "size_class": [0], "q_lo": [-0.1],
                      "q_hi": [0.2], "n": [5], "basis": ["x"]})
    frame = pd.DataFrame({"level": ["primary", "junior"], "horizon": [1, 1], "size_class": [0, 0],
                          "forecast": [100.0, 50.0]})
    out = apply(frame, q)
    assert out["p10"].iloc[0] == pytest.approx(100 * math.exp(-0.1))
    assert out["p90"].iloc[0] == pytest.approx(100 * math.exp(0.2))
    assert np.isnan(out["p10"].iloc[1])  # no quantiles for junior: no made-up interval


def test_size_classes_need_thirty_areas_each():
    small = pd.DataFrame({"level": "primary", "size": np.arange(50.0)})
    assert size_edges(small) == {"primary": []}
    big = pd.DataFrame({"level": "primary", "size": np.arange(90.0)})
    edges = size_edges(big)
    assert len(edges["primary"]) == 2
    assert list(classify(pd.DataFrame({"level": "primary", "size": [0.0, 45.0, 89.0]}), edges)) == [0, 1, 2]
