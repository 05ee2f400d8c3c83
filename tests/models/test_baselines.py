"""Baselines against hand-computed forecasts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.models.baselines import LastValue, RatioMean, RatioSES
from forecast.models.series import Z80


def _history():
    return pd.DataFrame({"year": [2017, 2018, 2019, 2020], "students": [100.0, 110.0, 121.0, 121.0],
                         "cohort": [100.0, 100.0, 110.0, 121.0]})


FUTURE = pd.DataFrame({"year": [2021, 2022], "cohort": [200.0, 300.0]})


def test_last_value_holds_the_last_observation_with_a_widening_band():
    out = LastValue().forecast_series(_history(), FUTURE)
    assert out["mean"].tolist() == [121.0, 121.0]
    steps = np.diff(np.log([100.0, 110.0, 121.0, 121.0]))
    sd = np.std(steps, ddof=1)
    assert out["p90"].iloc[0] == pytest.approx(121 * np.exp(Z80 * sd))
    assert out["p90"].iloc[1] == pytest.approx(121 * np.exp(Z80 * sd * np.sqrt(2)))


def test_ratio_mean_uses_the_last_three_ratios():
    # ratios 1.0, 1.1, 1.1, 1.0 -> mean of the last three = 3.2 / 3
    out = RatioMean().forecast_series(_history(), FUTURE)
    assert out["mean"].tolist() == pytest.approx([200 * 3.2 / 3, 300 * 3.2 / 3])


def test_ratio_ses_with_alpha_0_4():
    level = 1.0
    for r in (1.1, 1.1, 1.0):
        level = 0.4 * r + 0.6 * level
    out = RatioSES().forecast_series(_history(), FUTURE)
    assert level == pytest.approx(1.0384)  # 1.0 -> 1.04 -> 1.064 -> 1.0384
    assert out["mean"].tolist() == pytest.approx([200 * level, 300 * level])
