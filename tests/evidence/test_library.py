"""The shipped error library and the runs that borrow it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from forecast.cli import cli
from forecast.data.catalog import resolve_dataset
from forecast.data.dataset import load_dataset
from forecast.evidence.library import LIBRARY, LIBRARY_COLUMNS, ErrorLibrary, load_library, role
from tests.conftest import REPO


def test_levels_map_by_role_across_systems():
    assert role("kindergarten") == role("pre_k") == "pre_primary"
    assert role("elementary") == role("primary") == "primary"
    assert role("middle") == role("junior") == "lower_secondary"
    assert role("high") == role("senior_general") == "upper_secondary"
    assert role("level_c", ("level_a", "level_b", "level_c")) == "lower_secondary"


def test_shipped_library_has_provenance_and_sane_quantiles():
    table = pd.read_csv(LIBRARY)
    assert list(table.columns) == LIBRARY_COLUMNS and table["source"].str.contains("evidence backtest").all()
    assert set(table["source_dataset"]) >= {"china"}
    assert (table["q_lo"] <= 0).all() and (table["q_hi"] >= 0).all() and (table["n"] >= 4).all()
    assert table["built_by"].str.contains("build_error_library").all()


def test_lookup_takes_the_widest_source_and_extrapolates_by_sqrt():
    table = pd.DataFrame([
        ("primary", 1, 0, np.inf, -0.02, 0.03, 10, "x", "a", "primary", "2010-2019", "t", "s"),
        ("primary", 1, 0, np.inf, -0.05, 0.01, 10, "x", "b", "elementary", "2017-2021", "t", "s"),
    ], columns=LIBRARY_COLUMNS)
    lib = ErrorLibrary(table, LIBRARY)
    cells = pd.DataFrame({"level": ["primary", "primary"], "horizon": [1, 4], "size": [5e4, 5e4]})
    lo, hi, used = lib.lookup(cells, load_dataset(resolve_dataset("banan")))
    assert (lo[0], hi[0]) == pytest.approx((-0.05, 0.03))
    assert (lo[1], hi[1]) == pytest.approx((-0.10, 0.06))  # sqrt(4 / 1)
    assert len(used) >= 2


def test_banan_default_run_borrows_and_is_wider_than_the_cohort_band(tmp_path):
    runner = CliRunner()
    args = ["run", "--config", str(REPO / "configs" / "banan.yaml"), "--no-report", "--draws", "200",
            "--lang", "en"]
    default = runner.invoke(cli, args + ["--out", str(tmp_path / "d")])
    cohort = runner.invoke(cli, args + ["--model", "cohort", "--out", str(tmp_path / "c")])
    assert default.exit_code == 0 and cohort.exit_code == 0, default.output + cohort.output
    assert "borrowed from the shipped error library" in default.output
    meta = json.loads((tmp_path / "d" / "run.json").read_text(encoding="utf-8"))
    # never narrower than the errors the dataset's own backtest saw (2016 -> 2020, 4 years ahead)
    own = meta["evidence"]["intervals"]["own_errors_by_level"]
    assert meta["evidence"]["intervals"]["at_least_own_errors"] and set(own) == set(meta["evidence"]["levels"])
    proj = pd.read_csv(tmp_path / "d" / "projections.csv")
    for level, by_h in own.items():
        ape = by_h["4"]
        for year in (2024, 2025):  # 4 years ahead and beyond
            row = proj[(proj["level"] == level) & proj["grade"].isna() & (proj["year"] == year)].iloc[0]
            slack = 1e-3 * row["mean"]  # run.json rounds the error to 4 decimals
            assert row["p10"] <= row["mean"] * (1 - ape) + slack and row["p90"] >= row["mean"] * (1 + ape) - slack
    assert "widened to at least this dataset's own forecast errors" in default.output
    assert meta["projection_method"] == "evidence"
    assert meta["evidence"]["intervals"]["borrowed"] is True
    assert "error_library.csv" in meta["evidence"]["intervals"]["source"]

    def band(folder):
        p = pd.read_csv(tmp_path / folder / "projections.csv")
        row = p[(p["area"] == "banan") & (p["level"] == "primary") & (p["grade"].isna()) & (p["year"] == 2025)]
        return float(row["p90"].iloc[0] - row["p10"].iloc[0])

    assert band("d") > band("c")
    schema = lambda f: sorted(json.loads((tmp_path / f / "scheduler.json").read_text("utf-8"))["records"][0])  # noqa: E731
    assert schema("d") == schema("c")


def test_library_is_optional():
    assert load_library(REPO / "no_such_library.csv") is None
