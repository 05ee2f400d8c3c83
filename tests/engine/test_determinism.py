"""Draws keyed by area: 1 worker, 2 threads, two chunk sizes and a Dask LocalCluster give
byte-identical projections, parents included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.data.dataset import load_dataset
from forecast.engine.run import Engine
from forecast.engine.streams import AreaStreams, area_normals, stable_hash
from forecast.models.projection import CohortFlow, project_bounded


def write_tree(folder, n_counties: int = 3, towns: int = 4, seed: int = 0):
    """A province with counties of towns (grade panels, primary 1-6), births per town."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    meta = "name: tree\nbase_year: 2020\nareas:\n  - {area: province, parent: null}\n"
    births, enrol = [], []
    for c in range(n_counties):
        meta += f"  - {{area: county{c}, parent: province}}\n"
        for t in range(towns):
            town = f"town{c}_{t}"
            meta += f"  - {{area: {town}, parent: county{c}}}\n"
            size = rng.uniform(50, 300)
            births += [(town, y, size * rng.uniform(0.9, 1.1)) for y in range(2005, 2021)]
            for year in range(2016, 2021):
                for g in range(1, 7):
                    enrol.append((town, year, "primary", str(g), round(size * rng.uniform(0.9, 1.05))))
    (folder / "dataset.yaml").write_text(meta, encoding="utf-8")
    pd.DataFrame(births, columns=["area", "year", "births"]).to_csv(folder / "births.csv", index=False)
    pd.DataFrame(enrol, columns=["area", "year", "level", "grade", "students"]).to_csv(
        folder / "enrolment.csv", index=False)
    return folder


def _project(ds, engine: Engine) -> pd.DataFrame:
    model, levels = CohortFlow().fit(ds).fitted[0]
    frames = project_bounded(model, levels, ds.areas, 2027, None, 200, 11, "s", engine=engine)
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values(["area", "level", "grade", "year"]).reset_index(drop=True)


def test_any_chunking_any_engine_gives_the_same_bytes(tmp_path):
    ds = load_dataset(write_tree(tmp_path / "tree"))
    one = _project(ds, Engine(workers=1, chunk=1))
    assert {"province", "county0", "county2"} <= set(one["area"])  # parents are there
    runs = {"2 threads, chunk 1": _project(ds, Engine(workers=2, chunk=1)),
            "1 worker, chunk 5": _project(ds, Engine(workers=1, chunk=5)),
            "2 threads, one chunk": _project(ds, Engine(workers=2, chunk=1000))}
    pytest.importorskip("dask.distributed")
    runs["dask LocalCluster"] = _project(ds, Engine(kind="dask", chunk=5))
    for name, other in runs.items():
        pd.testing.assert_frame_equal(one, other, check_exact=True, obj=name)
    # parents are the draw-wise sums of their children: their means add up
    mean = one[one["grade"] == ""].set_index(["area", "year"])["mean"]
    towns = [f"town1_{t}" for t in range(4)]
    np.testing.assert_allclose(mean.loc["county1"], sum(mean.loc[t] for t in towns), rtol=1e-9)
    counties = sum(mean.loc[f"county{c}"] for c in range(3))
    np.testing.assert_allclose(mean.loc["province"], counties, rtol=1e-9)


def test_an_area_draws_the_same_whatever_its_neighbours():
    alone = area_normals(5, ["b"], (3, 4))
    among = area_normals(5, ["a", "b", "c"], (3, 4))
    np.testing.assert_array_equal(alone[0], among[1])
    assert not np.array_equal(among[0], among[1])
    other_seed = area_normals(6, ["b"], (3, 4))
    assert not np.array_equal(alone, other_seed)


def test_ragged_cells_come_from_their_own_area():
    streams = AreaStreams(2, ["a", "b"])
    cells = streams.ragged(np.array([0, 1, 1]), (4,))
    np.testing.assert_array_equal(cells[1:], area_normals(2, ["b"], (2, 4))[0])
    np.testing.assert_array_equal(cells[:1], area_normals(2, ["a"], (1, 4))[0])


def test_the_hash_is_stable_across_processes():
    # BLAKE2b of the UTF-8 id: a fixed number, unlike Python's salted hash()
    assert stable_hash("巴南区") == stable_hash("巴南区")
    assert stable_hash("a") == int.from_bytes(
        __import__("hashlib").blake2b(b"a", digest_size=16).digest(), "little")


def test_without_grade_quantiles_the_totals_and_grade_means_are_unchanged(tmp_path):
    ds = load_dataset(write_tree(tmp_path / "tree", n_counties=2, towns=2))
    model, levels = CohortFlow().fit(ds).fitted[0]

    def project(grades: bool) -> pd.DataFrame:
        frames = project_bounded(model, levels, ds.areas, 2025, None, 100, 3, "s", grades=grades)
        return pd.concat(frames).sort_values(["area", "level", "grade", "year"]).reset_index(drop=True)

    full, lean = project(True), project(False)
    totals = full["grade"] == ""
    pd.testing.assert_frame_equal(full[totals], lean[totals], check_exact=True)
    np.testing.assert_array_equal(full.loc[~totals, "mean"], lean.loc[~totals, "mean"])
    assert lean.loc[~totals, ["p10", "p50", "p90"]].isna().all().all()
    assert full.loc[~totals, ["p10", "p50", "p90"]].notna().all().all()


def test_cli_files_are_byte_identical_across_engines(tmp_path):
    from click.testing import CliRunner

    from forecast.cli import cli

    pytest.importorskip("dask.distributed")
    data = write_tree(tmp_path / "tree", n_counties=2, towns=3)
    runs = {"one": ["--workers", "1", "--chunk", "1"], "dask": ["--engine", "dask", "--chunk", "4"]}
    for name, extra in runs.items():
        done = CliRunner().invoke(cli, ["run", "--data", str(data), "--out", str(tmp_path / name),
                                        "--no-report", "--draws", "80", *extra])
        assert done.exit_code == 0, done.output
    for table in ("projections.csv", "shortfall.csv", "scheduler.json"):
        assert (tmp_path / "one" / table).read_bytes() == (tmp_path / "dask" / table).read_bytes(), table
