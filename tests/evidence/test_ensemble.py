"""The auto ensemble: who gets weight, calibrated intervals, and consistent projections."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast import load_dataset
from forecast.evidence.backtest import Backtest
from forecast.evidence.ensemble import (
    apply_to_projection,
    build_ensemble,
    honest_auto,
    lognormal_exceedance,
)
from tests.conftest import write_toy_dataset


def _table(errors: dict[str, float], cells: int = 12, width: float = 0.05) -> pd.DataFrame:
    """Backtest rows where model m is off by errors[m] percent, alternating sign, with an
    interval of +-width around its forecast."""
    rows = []
    for i in range(cells):
        origin, year = 2000 + i // 3, 2001 + i // 3 + i % 3
        actual = 1000.0 + 10 * i
        for model, e in errors.items():
            f = actual * (1 + (e if i % 2 else -e) / 100)
            rows.append({"area": "x", "level": "primary", "origin": origin, "year": year,
                         "horizon": year - origin, "model": model, "forecast": f,
                         "p10": f * (1 - width), "p90": f * (1 + width), "actual": actual})
    table = pd.DataFrame(rows)
    table["error"] = table["forecast"] - table["actual"]
    table["ape"] = 100 * table["error"].abs() / table["actual"]
    return table


def test_inverse_mape_weights_over_models_that_beat_every_baseline():
    table = _table({"cohort": 1.0, "ols_births_trend": 3.0, "pooled_ridge": 9.0,
                    "last_value": 5.0, "ratio_mean": 6.0, "ratio_ses": 7.0})
    ens = build_ensemble(Backtest(table, sorted(table.origin.unique()), 3))
    weights = ens.weights.set_index("model")["weight"]
    assert set(weights.index) == {"cohort", "ols_births_trend"}  # pooled loses to the baselines
    assert weights["cohort"] == pytest.approx(0.75) and weights["ols_births_trend"] == pytest.approx(0.25)


def test_best_baseline_alone_when_no_model_beats_them_and_cohort_without_evidence():
    table = _table({"cohort": 8.0, "last_value": 2.0, "ratio_mean": 6.0, "ratio_ses": 7.0})
    ens = build_ensemble(Backtest(table, [2000], 3))
    assert ens.weights[["model", "weight"]].values.tolist() == [["last_value", 1.0]]
    thin = _table({"cohort": 1.0, "last_value": 2.0}, cells=4)
    assert build_ensemble(Backtest(thin, [2000], 3)).weights.empty
    assert "cohort flow is kept" in build_ensemble(Backtest(thin, [2000], 3)).notes[0]


def test_calibration_widens_too_narrow_intervals_to_80_percent_coverage():
    # errors of +-2 % with intervals of +-1 %: nothing inside before calibration
    table = _table({"cohort": 2.0, "last_value": 5.0, "ratio_mean": 6.0, "ratio_ses": 7.0},
                   cells=20, width=0.01)
    cal = build_ensemble(Backtest(table, [2000], 3)).calibration.iloc[0]
    assert cal["coverage_before"] == 0.0
    assert cal["factor"] > 1.9 and abs(cal["coverage_after"] - 0.8) <= 0.2


def test_honest_auto_uses_only_outcomes_known_at_each_origin():
    table = _table({"cohort": 1.0, "ols_births_trend": 3.0, "last_value": 5.0})
    rows = honest_auto(Backtest(table, sorted(table.origin.unique()), 3))
    first = rows[rows["origin"] == 2000]  # nothing was known yet: the cohort flow
    cohort = table[(table.model == "cohort") & (table.origin == 2000)]
    assert first["forecast"].tolist() == cohort["forecast"].tolist()
    assert set(rows["model"]) == {"auto"}


def test_applied_ensemble_keeps_parents_equal_to_the_sum_of_children(tmp_path):
    ds = load_dataset(write_toy_dataset(tmp_path / "toy"))
    proj = pd.DataFrame([
        {"area": a, "level": "primary", "grade": g, "year": 2021, "scenario": "s", "model": "m",
         "mean": v, "p10": v * 0.9, "p50": v, "p90": v * 1.1}
        for a, g, v in [("north", "", 600.0), ("north", "1", 100.0), ("south", "", 300.0),
                        ("district", "", 900.0)]])
    combined = pd.DataFrame([{"area": "north", "level": "primary", "year": 2021, "mean": 660.0,
                              "p10": 600.0, "p90": 700.0}])
    out = apply_to_projection(proj, combined, ds, "s").set_index(["area", "grade"])
    assert out.loc[("north", ""), "mean"] == 660.0 and out.loc[("north", ""), "p10"] == 600.0
    assert out.loc[("north", "1"), "mean"] == pytest.approx(110.0)  # grades follow their level
    assert out.loc[("south", ""), "mean"] == 300.0  # no combination: unchanged
    assert out.loc[("district", ""), "mean"] == pytest.approx(960.0)
    assert out.loc[("north", ""), "model"] == "auto" and out.loc[("south", ""), "model"] == "m"


def test_lognormal_exceedance():
    p = lognormal_exceedance(np.array([100.0, 100.0, 100.0]), np.full(3, 100 / 1.1),
                             np.array([110.0, 110.0, 110.0]), np.array([100.0, 110.0, np.nan]))
    assert p[0] == pytest.approx(0.5)
    assert p[1] == pytest.approx(0.1)  # p90 exceeded by 10 %
    assert np.isnan(p[2])
