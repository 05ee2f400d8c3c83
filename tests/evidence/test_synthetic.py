"""The evidence procedure on processes whose truth is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.data.dataset import load_dataset
from forecast.evidence.procedure import backtest_candidates
from tests.conftest import write_cohort_process

ORIGINS = list(range(2010, 2020))


def _mape(rows: pd.DataFrame) -> float:
    rows = rows[rows["actual"].notna()]
    return float((100 * (rows["forecast"] - rows["actual"]).abs() / rows["actual"]).mean())


@pytest.fixture(scope="module")
def stable(tmp_path_factory):
    areas = {f"s{i:02d}": 0.9 + 0.005 * i for i in range(40)}
    folder = write_cohort_process(tmp_path_factory.mktemp("stable"), areas, seed=3, ratio_noise=0.02)
    return backtest_candidates(load_dataset(folder), ORIGINS, 5)


COHORT_RATIO = ("cohort_entry", "global", "median3", "mean3", "trimmed_mean")


def test_stable_cohort_process_chooses_a_cohort_ratio_forecast(stable):
    """Enrolment = a stable ratio x cohort births (with noise): the choice is a forecast that
    follows the births, never the last value or its hedge. The global model (one regression
    over 40 areas of the same process, with the cohorts' births as a feature) passes the
    significance test by the later origins."""
    late = stable.chosen[stable.chosen["origin"] >= 2015]
    assert late["choice"].isin(COHORT_RATIO).all(), late["choice"].value_counts()
    top = stable.candidates[(stable.candidates["origin"] >= 2015) & stable.candidates["actual"].notna()]
    ape = (100 * (top["forecast"] - top["actual"]).abs() / top["actual"]).groupby(top["model"]).mean()
    # the best single forecasts are the ratio mean and the global model (both ~1.7 %); the
    # choice is within a tenth of the best, three times better than holding the last value
    assert ape.idxmin() in COHORT_RATIO + ("ratio_mean_w3",)
    assert _mape(late) < 1.1 * ape.min()
    # and the procedure beats holding the last value by far (births wander)
    last = stable.candidates[stable.candidates["model"] == "last_value"]
    assert _mape(stable.chosen) < 0.5 * _mape(last)


def test_stable_cohort_process_intervals_hold_70_to_90_percent(stable):
    """Honest (nested) coverage of the 80 % interval: every forecast has one (the warm-up
    origins give the first origins their errors), and 70-90 % of outcomes fall inside. The
    candidates admitted by the significance test here take their intervals from their own
    errors; the procedure's errors, which hold the era before they were admitted, gave 94 %."""
    rows = stable.chosen[stable.chosen["actual"].notna()]
    assert rows["p10"].notna().all() and len(rows) > 500
    inside = ((rows["p10"] <= rows["actual"]) & (rows["actual"] <= rows["p90"])).mean()
    assert 0.70 <= inside <= 0.90, inside


def write_regime_change(folder, n: int = 40, seed: int = 5):
    """Half the areas follow the cohort process; in the other half a policy froze enrolment
    (places capped) from 2004 on, so it no longer follows the births."""
    write_cohort_process(folder, {f"r{i:02d}": 0.95 for i in range(n)}, seed=seed, ratio_noise=0.01)
    enrol = pd.read_csv(folder / "enrolment.csv")
    rng = np.random.default_rng(seed)
    capped = enrol["area"].isin([f"r{i:02d}" for i in range(0, n, 2)])
    for _area, part in enrol[capped].groupby("area"):
        level = part.loc[part["year"] == 2004, "students"].iloc[0]
        later = part.index[part["year"] >= 2004]
        enrol.loc[later, "students"] = level * np.exp(rng.normal(0, 0.005, len(later)))
    enrol.to_csv(folder / "enrolment.csv", index=False)
    return folder


def test_regime_change_in_half_the_areas_pooled_choice_beats_every_candidate(tmp_path):
    test = backtest_candidates(load_dataset(write_regime_change(tmp_path / "regime")), ORIGINS, 5)
    late = test.chosen[test.chosen["origin"] >= 2013]
    cells = late[["area", "level", "origin", "year"]]
    best_single = np.inf
    for _model, rows in test.candidates.groupby("model"):
        rows = rows.merge(cells, on=["area", "level", "origin", "year"])
        if len(rows) == len(late):  # candidates that forecast every cell
            best_single = min(best_single, _mape(rows))
    assert np.isfinite(best_single)
    assert _mape(late) < best_single
