"""Chunked, threaded projection: the same numbers whatever the chunking and the workers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.data.dataset import load_dataset
from forecast.models.projection import CohortFlow, project_bounded


def _run(ds, workers, chunk, seats=None):
    model, levels = CohortFlow().fit(ds).fitted[0]
    frames = project_bounded(model, levels, ds.areas, 2026, None, 300, 3, "s", seats=seats,
                             workers=workers, chunk=chunk)
    return pd.concat(frames, ignore_index=True).sort_values(["area", "level", "year"]).reset_index(drop=True)


def test_workers_do_not_change_the_numbers(toy_dataset):
    ds = load_dataset(toy_dataset)
    one = _run(ds, workers=1, chunk=1)
    two = _run(ds, workers=2, chunk=1)
    pd.testing.assert_frame_equal(one, two)
    district = one[one["area"] == "district"].set_index("year")["mean"]
    leaves = one[one["area"] != "district"].groupby("year")["mean"].sum()
    np.testing.assert_allclose(district, leaves)


def test_shortfall_probability_is_the_share_of_draws_above_the_seats(toy_dataset):
    ds = load_dataset(toy_dataset)
    plain = _run(ds, workers=1, chunk=1)
    row = plain[(plain["area"] == "north") & (plain["year"] == 2026)].iloc[0]
    seats = pd.Series({("north", "primary", 2026): row["p50"], ("south", "primary", 2026): 0.0})
    with_p = _run(ds, workers=2, chunk=1, seats=seats).set_index(["area", "year"])["p_shortfall"]
    assert with_p[("north", 2026)] == pytest.approx(0.5, abs=0.01)  # half the draws above the median
    assert with_p[("south", 2026)] == 1.0
    assert np.isnan(with_p[("north", 2025)])  # no seats known that year


def test_an_error_in_a_worker_is_raised_not_hung(toy_dataset):
    ds = load_dataset(toy_dataset)
    model, levels = CohortFlow().fit(ds).fitted[0]

    class Broken:
        settings = model.settings
        expected = model.expected
        groups = model.groups
        chunk_bounds = model.chunk_bounds

        def iter_chunks(self, *args, **options):
            # the layout, then one chunk, then a failure (a worker may get no chunk at all:
            # workers take the next chunk nobody has taken)
            for i, item in enumerate(model.iter_chunks(*args, **options)):
                yield item
                if i == 1:
                    raise RuntimeError("chunk failed")

    with pytest.raises(RuntimeError, match="chunk failed"):
        project_bounded(Broken(), levels, ds.areas, 2026, None, 50, 1, "s", workers=2, chunk=1)
