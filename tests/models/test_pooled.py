"""Pooled ridge across areas: near exact when ratios are stable, unlike holding the last value."""

from __future__ import annotations

import numpy as np

from forecast import load_dataset
from forecast.evidence.backtest import cut
from forecast.models.baselines import LastValue
from forecast.models.pooled import PooledRidge
from tests.conftest import write_cohort_process


def test_pooled_model_learns_stable_ratios_across_areas(tmp_path):
    ds = load_dataset(write_cohort_process(tmp_path / "d", {f"a{i}": 0.9 + 0.02 * i for i in range(6)},
                                           years=range(2005, 2021)))
    known = cut(ds, 2016)
    actual = ds.level_totals().set_index(["area", "year"])["students"]
    for model, bound in ((PooledRidge(), (0, 0.5)), (LastValue(), (2, 100))):
        frame = model.forecast(known, 2020).frame
        ape = 100 * np.abs(frame["mean"].to_numpy() / actual.reindex(
            list(zip(frame["area"], frame["year"], strict=True))).to_numpy() - 1)
        assert bound[0] <= ape.mean() <= bound[1], model.name
