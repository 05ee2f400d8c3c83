"""The level panel's fits at many origins equal the per-origin models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.data.config import ModelSettings
from forecast.data.dataset import load_dataset
from forecast.evidence.backtest import cut
from forecast.evidence.candidates import CohortVariant, PanelBaseline
from forecast.models import level_panel as lp
from tests.conftest import write_cohort_process


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = write_cohort_process(tmp_path_factory.mktemp("panel") / "d", {"a": 0.95, "b": 0.9},
                                  years=range(2004, 2016), seed=2, ratio_noise=0.03)
    enrol = pd.read_csv(folder / "enrolment.csv")
    # a junior series with births only for its last cohorts (own history before) and a gap
    junior = enrol[enrol["area"] == "a"].assign(level="junior", students=lambda f: f["students"] * 0.4)
    junior = junior[junior["year"] != 2009]
    pd.concat([enrol, junior]).to_csv(folder / "enrolment.csv", index=False)
    return load_dataset(folder)


ORIGINS = [2006, 2009, 2011, 2014]


def _per_origin(model, dataset, origin):
    return model.forecast(cut(dataset, origin), origin + 4).frame


@pytest.mark.parametrize("window, damping", [(3, 0.8), (2, 1.0)])
def test_level_flow_at_every_origin_equals_the_cohort_flow(dataset, window, damping):
    panel = lp.build(dataset)
    fast = lp.to_frame(panel, lp.level_flow(panel, ORIGINS, 4, window, damping), "cohort")
    settings = ModelSettings(migration_window=window, migration_damping=damping)
    for origin in ORIGINS:
        slow = _per_origin(CohortVariant(settings), dataset, origin)
        both = fast[fast["origin"] == origin].merge(slow, on=["area", "level", "year"])
        assert len(both) == len(slow) > 0
        assert np.allclose(both["forecast"], both["mean"], rtol=1e-12)
    # junior (ages 12-14) in 2006 needs births of 1992, before the births file starts (1993)
    assert set(fast.loc[(fast["level"] == "junior") & (fast["origin"] == 2006), "basis"]) == {"own history"}
    assert set(fast.loc[(fast["level"] == "junior") & (fast["origin"] == 2014), "basis"]) == {"births"}


def test_last_value_and_ratio_mean_equal_the_baselines(dataset):
    panel = lp.build(dataset)
    for model, fast in ((PanelBaseline("last"), lp.last_value(panel, ORIGINS, 4)),
                        (PanelBaseline("mean", window=3), lp.ratio_mean(panel, ORIGINS, 4))):
        frame = lp.to_frame(panel, fast, "m")
        for origin in ORIGINS:
            slow = _per_origin(model, dataset, origin)
            both = frame[frame["origin"] == origin].merge(slow, on=["area", "level", "year"])
            assert len(both) == len(slow) > 0
            assert np.allclose(both["forecast"], both["mean"], rtol=1e-12)


def test_held_births_after_the_origin():
    births = np.array([[1.0, 2.0, np.nan, 4.0], [5.0, np.nan, np.nan, np.nan]])
    held = lp.held_births(births, np.array([2000, 2001, 2002, 2003]), 2002)
    # known then: 2000-2001 (2002 unknown for both; 2003 is after the origin); the years after
    # the last one known (2001) take each area's last known value, as BirthSchedule does;
    # a gap before it stays unknown
    assert held[0].tolist() == [1.0, 2.0, 2.0, 2.0]
    assert held[1, 0] == 5.0 and np.isnan(held[1, 1]) and held[1, 2] == held[1, 3] == 5.0
