"""The level panel models read, and the promised refusal of too short a series."""

from __future__ import annotations

import pytest

from forecast import load_dataset
from forecast.models.pooled import PooledRidge
from forecast.models.regression import DriverRegression
from forecast.models.series import TooShortError, level_panel
from forecast.models.smoothing import DampedETS
from tests.conftest import DATA


def test_panel_cohorts_are_the_births_of_the_levels_ages(toy_dataset):
    ds = load_dataset(toy_dataset)
    history, future = level_panel(ds, 2022)
    row = history[(history.area == "north") & (history.year == 2020)].iloc[0]
    # primary in 2020 serves the births of 2009-2014: 101 + ... + 106
    assert row["cohort"] == sum(100 + (y - 2008) for y in range(2009, 2015))
    later = future[(future.area == "north") & (future.year == 2022)].iloc[0]
    assert later["cohort"] == sum(100 + (y - 2008) for y in range(2011, 2017))
    assert set(history["area"]) == {"north", "south"}  # the district has no own series


@pytest.mark.parametrize("model, needs, has", [
    (DampedETS("total"), "10 consecutive observed years", "it has 1 (2020)"),  # latest run only
    (DriverRegression(), "6 observed years", "it has 2 (2016, 2020)")])
def test_too_short_series_is_refused_with_what_is_needed(model, needs, has):
    banan = load_dataset(DATA / "banan")  # two observed years: 2016 and 2020
    result = model.forecast(banan, 2025)
    assert result.frame.empty
    message = next(m for m in result.skipped if " primary in banan" in m)
    assert needs in message and has in message
    with pytest.raises(TooShortError, match="needs at least"):
        history, _ = level_panel(banan, 2025)
        model.usable_history(history[history.level == "primary"], "banan", "primary")


def test_pooled_model_refuses_a_panel_with_too_few_pairs():
    banan = load_dataset(DATA / "banan")
    with pytest.raises(TooShortError, match=r"pooled_ridge needs at least 20 training pairs.*gives 0"):
        PooledRidge().forecast(banan, 2025)
