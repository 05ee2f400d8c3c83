"""The thread engine: workers take the next free chunk, the sums and the sink still see the
chunks in order, and any number of workers gives the same bytes."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from click.testing import CliRunner

from forecast.cli import cli
from forecast.data.dataset import load_dataset
from forecast.engine.run import Engine, cores
from forecast.models.projection import CohortFlow, project_bounded
from forecast.outputs.manifest import files_of
from tests.engine.test_determinism import write_tree


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return load_dataset(write_tree(tmp_path_factory.mktemp("tree") / "tree", n_counties=5, towns=3))


def test_any_number_of_workers_gives_the_same_rows_in_the_same_order(tree):
    fitted = CohortFlow().fit(tree)
    one = fitted.project(2026, draws=100, seed=3, engine=Engine(workers=1, chunk=1))
    for workers in (2, 3, 8):
        other = fitted.project(2026, draws=100, seed=3, engine=Engine(workers=workers, chunk=1))
        pd.testing.assert_frame_equal(one, other, check_exact=True, obj=f"{workers} workers")


def test_the_sink_sees_the_chunks_in_order_whatever_finishes_first(tree):
    model, levels = CohortFlow().fit(tree).fitted[0]
    bounds = model.chunk_bounds(1)
    assert len(bounds) == 5  # one county a chunk

    class SlowFirst:  # chunk 0 is the slowest: the others are summarised before it
        settings, expected, groups, chunk_bounds = (model.settings, model.expected, model.groups,
                                                    model.chunk_bounds)

        def iter_chunks(self, *args, **options):
            for item in model.iter_chunks(*args, **options):
                if len(item) == 3 and item[0] == 0:
                    time.sleep(0.3)
                yield item

    seen = []

    def sink(frame: pd.DataFrame) -> pd.DataFrame:
        seen.append(sorted(set(frame["area"]) - {"province"})[0])
        return frame

    project_bounded(SlowFirst(), levels, tree.areas, 2026, None, 20, 1, "s",
                    engine=Engine(workers=3, chunk=1), sink=sink)
    assert seen == ["county0", "county1", "county2", "county3", "county4"]


def test_workers_default_to_every_core():
    assert Engine().workers == cores() >= 1


def test_cli_outputs_are_byte_identical_for_1_and_3_workers(tmp_path):
    data = write_tree(tmp_path / "tree", n_counties=4, towns=3)
    files = {}
    for workers in ("1", "3"):
        out = tmp_path / f"w{workers}"
        result = CliRunner().invoke(cli, ["run", "--data", str(data), "--model", "cohort", "--draws", "100",
                                          "--no-report", "--chunk", "1", "--workers", workers,
                                          "--out", str(out)])
        assert result.exit_code == 0, result.output
        files[workers] = files_of(out)
    assert {"projections.csv", "shortfall.csv", "classes.csv"} <= set(files["1"])
    assert files["1"] == files["3"]  # sha256 of every table
    swept = CliRunner().invoke(cli, ["sweep", "--data", str(data), "--grid", "births=0.9:1.1:0.1",
                                     "--draws", "50", "--workers", "2", "--out", str(tmp_path / "s")])
    assert swept.exit_code == 0, swept.output
    assert (tmp_path / "s" / "sweep.csv").stat().st_size > 0
