"""A streamed run serves the evidence-chosen default: the same rows as in memory."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast import load_config
from forecast.pipeline import run
from tests.conftest import write_cohort_process


def _dataset_with_a_parent(folder):
    write_cohort_process(folder, {"north": 0.95, "south": 0.9, "east": 1.0}, years=range(2008, 2021),
                         seed=4, ratio_noise=0.03)
    meta = "name: three\nbase_year: 2020\nareas:\n  - {area: city, parent: null}\n"
    meta += "".join(f"  - {{area: {a}, parent: city}}\n" for a in ("north", "south", "east"))
    (folder / "dataset.yaml").write_text(meta, encoding="utf-8")
    config = folder / "run.yaml"
    config.write_text(f"dataset: {folder}\nuntil: 2025\ndraws: 50\nseed: 1\n"
                      "backtest:\n  origins: '2014:2019'\n", encoding="utf-8")
    return config


def test_streamed_run_applies_the_default_like_the_in_memory_run(tmp_path):
    config = load_config(_dataset_with_a_parent(tmp_path / "d"))
    memory = run(config)
    streamed = run(config, stream=True)
    assert streamed.ensemble["method"] == "evidence" and streamed.ensemble["levels"]
    rows = [r.to_pandas() if hasattr(r, "to_pandas") else r for r in streamed.spool.batches()]
    on_disk = pd.concat(rows, ignore_index=True)
    key = ["area", "level", "grade", "year", "scenario"]
    both = memory.projections.merge(on_disk, on=key, suffixes=("", "_s"))
    assert len(both) == len(memory.projections) == len(on_disk)
    assert (both["model"] == "evidence").all() and (both["model_s"] == "evidence").all()
    for column in ("mean", "p10", "p50", "p90"):
        assert np.allclose(both[column], both[f"{column}_s"], rtol=1e-9), column
    # the parent is the sum of its children in both
    city = on_disk[(on_disk["area"] == "city") & (on_disk["grade"] == "")].set_index("year")["mean"]
    kids = on_disk[(on_disk["area"] != "city") & (on_disk["grade"] == "")].groupby("year")["mean"].sum()
    assert np.allclose(city.sort_index(), kids.sort_index())
    short = memory.shortfall.merge(streamed.shortfall, on=["area", "level", "year", "scenario"], suffixes=("", "_s"))
    assert len(short) == len(memory.shortfall)
    assert np.allclose(short["demand_p90"], short["demand_p90_s"], rtol=1e-9)
