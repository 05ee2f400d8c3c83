"""Driver regression (statsmodels OLS): exact on its own process, honest intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.models.regression import DriverRegression


def _series(rng, noise: float, years=range(2000, 2016), horizon=3):
    years = np.arange(years[0], years[-1] + 1 + horizon)
    cohort = 1000 * np.exp(np.cumsum(rng.normal(0, 0.05, len(years))))
    students = np.exp(0.2 + 0.9 * np.log(cohort) + 0.01 * (years - years[0])
                      + rng.normal(0, noise, len(years)))
    frame = pd.DataFrame({"year": years, "students": students, "cohort": cohort})
    return frame.iloc[:-horizon], frame.iloc[-horizon:]


def test_recovers_a_noise_free_driver_process():
    history, future = _series(np.random.default_rng(1), noise=0.0)
    out = DriverRegression().forecast_series(history, future.drop(columns="students"))
    assert out["mean"].to_numpy() == pytest.approx(future["students"].to_numpy(), rel=1e-8)


def test_80_percent_intervals_cover_70_to_90_percent_of_outcomes():
    rng = np.random.default_rng(7)
    inside = []
    for _ in range(300):
        history, future = _series(rng, noise=0.03, horizon=1)
        out = DriverRegression().forecast_series(history, future.drop(columns="students"))
        actual = future["students"].to_numpy()
        inside += list((out["p10"].to_numpy() <= actual) & (actual <= out["p90"].to_numpy()))
    assert 0.70 <= np.mean(inside) <= 0.90


def test_a_covariate_from_indicators_enters_the_regression():
    rng = np.random.default_rng(3)
    years = np.arange(2000, 2019)
    cohort = 1000 * np.exp(np.cumsum(rng.normal(0, 0.05, len(years))))
    urban = np.linspace(40, 60, len(years)) + rng.normal(0, 2, len(years))  # not a straight line
    students = np.exp(0.1 + np.log(cohort) + 0.02 * urban)
    indicators = pd.DataFrame({"area": "x", "year": years[:-3], "indicator": "urbanisation",
                               "value": urban[:-3]})
    history = pd.DataFrame({"year": years[:-3], "students": students[:-3], "cohort": cohort[:-3]})
    future = pd.DataFrame({"year": years[-3:], "cohort": cohort[-3:]})
    with_cov = DriverRegression(("urbanisation",), indicators).forecast_series(history, future)
    # after the origin the covariate is held at its last value: the truth with that value
    expected = np.exp(0.1 + np.log(cohort[-3:]) + 0.02 * urban[-4])
    assert with_cov["mean"].to_numpy() == pytest.approx(expected, rel=1e-8)
    with pytest.raises(ValueError, match="covariate 'housing' is not in indicators.csv"):
        DriverRegression(("housing",), indicators).forecast_series(history, future)
