"""Rolling-origin backtests: no look-ahead, exact accuracy arithmetic, and the cohort model
beating the naive baseline on a process it describes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast import load_dataset
from forecast.evidence.backtest import Backtest, accuracy, cut, parse_origins, run_backtest
from tests.conftest import write_cohort_process


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return load_dataset(write_cohort_process(tmp_path_factory.mktemp("syn"), {"a": 0.95, "b": 1.02}))


def test_cut_keeps_only_what_was_known_at_the_origin(synthetic):
    known = cut(synthetic, 2012)
    assert known.base_year == 2012
    assert known.enrolment["year"].max() == 2012 and known.births["year"].max() == 2012
    assert synthetic.enrolment["year"].max() == 2020  # the input is not modified


def test_origins_parse_and_refuse_clearly(synthetic):
    assert parse_origins("2010:2013", synthetic) == [2010, 2011, 2012, 2013]
    assert parse_origins("2012,2010", synthetic) == [2010, 2012]
    assert parse_origins(None, synthetic) == list(range(2010, 2020))
    assert parse_origins("2018:2025", synthetic) == [2018, 2019]  # 2020 has nothing after it
    with pytest.raises(ValueError, match="first:last"):
        parse_origins("2010-2013", synthetic)
    with pytest.raises(ValueError, match="none is an observed year"):
        parse_origins("2030:2031", synthetic)


def test_cohort_model_is_exact_on_a_cohort_process_and_the_naive_baseline_is_not(synthetic):
    test = run_backtest(synthetic, [2012, 2014, 2015], 5, ["cohort", "last_value"], draws=50)
    table = accuracy(test, synthetic)
    mape = table.groupby("model")["mape"].mean()
    assert mape["cohort"] < 0.01
    assert mape["last_value"] > 1.0
    assert set(test.table["horizon"]) == {1, 2, 3, 4, 5}
    assert (test.table["year"] > test.table["origin"]).all()


def test_accuracy_arithmetic_by_hand(synthetic):
    rows = pd.DataFrame({
        "area": "a", "level": "primary", "origin": 2015, "year": [2016, 2016], "horizon": 1,
        "model": ["m", "last_value"], "forecast": [110.0, 95.0], "p10": [101.0, np.nan],
        "p90": [105.0, np.nan], "actual": [100.0, 100.0]})
    rows["error"] = rows["forecast"] - rows["actual"]
    rows["ape"] = 100 * rows["error"].abs() / rows["actual"]
    table = accuracy(Backtest(rows, [2015], 1), synthetic).set_index("model")
    totals = synthetic.level_totals()
    a = totals[(totals.area == "a") & (totals.year <= 2015)]["students"].to_numpy()
    scale = np.mean(np.abs(np.diff(a)))
    assert table.loc["m", "mape"] == pytest.approx(10.0)
    assert table.loc["m", "bias_percent"] == pytest.approx(10.0)
    assert table.loc["last_value", "bias_percent"] == pytest.approx(-5.0)
    assert table.loc["m", "mase"] == pytest.approx(10.0 / scale)
    assert table.loc["m", "relative_mae"] == pytest.approx(2.0)
    assert table.loc["m", "coverage_80"] == 0.0  # 100 lies below the interval 101-105
    assert np.isnan(table.loc["last_value", "coverage_80"])  # no interval, no coverage
