"""The global model learns from every series at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.data.dataset import load_dataset
from forecast.models.global_level import GlobalLevel
from forecast.models.series import TooShortError


def _trends(folder, n=60, years=range(2005, 2021), seed=3):
    """Each series grows at its own steady rate g (log total = a + g t, no births): the log
    change over h years is g h = h x the last yearly change, the same law for every series,
    which one regression on all of them recovers."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    areas = [f"a{i:02d}" for i in range(n)]
    meta = "name: trends\nbase_year: 2015\nareas:\n" + "".join(f"  - {{area: {a}, parent: null}}\n" for a in areas)
    (folder / "dataset.yaml").write_text(meta, encoding="utf-8")
    rows, truth = [], {}
    for area in areas:
        a, g = rng.uniform(5, 8), rng.uniform(-0.05, 0.05)
        for t in years:
            value = float(np.exp(a + g * (t - 2005)))
            truth[(area, t)] = value
            if t <= 2015:
                rows.append((area, t, "primary", "", value))
    pd.DataFrame(rows, columns=["area", "year", "level", "grade", "students"]).to_csv(
        folder / "enrolment.csv", index=False)
    return folder, truth


def test_global_model_recovers_a_law_shared_by_every_series(tmp_path):
    folder, truth = _trends(tmp_path / "d")
    frame = GlobalLevel().forecast(load_dataset(folder), 2020).frame
    assert len(frame) == 60 * 5
    error = np.abs(frame["mean"] / [truth[(a, y)] for a, y in zip(frame["area"], frame["year"], strict=True)] - 1)
    assert error.max() < 0.01


def test_global_model_refuses_a_panel_too_short_to_learn_from(tmp_path):
    folder, _ = _trends(tmp_path / "d", n=3, years=range(2013, 2016))
    with pytest.raises(TooShortError, match="global needs at least 20 training pairs"):
        GlobalLevel().forecast(load_dataset(folder), 2018)
