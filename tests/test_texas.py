"""The shipped Texas panel (US K-5/6-8/9-12, no births, 1,276 districts) runs end to end."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from forecast.cli import cli
from forecast.data.dataset import load_dataset


@pytest.fixture(scope="module")
def texas_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("texas")
    result = CliRunner().invoke(cli, ["run", "--config", "texas", "--draws", "20", "--until", "2025",
                                      "--no-report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_every_district_grade_taught_in_2023_is_projected_or_refused(texas_run):
    out, output = texas_run
    proj = pd.read_csv(out / "projections.csv", dtype={"area": str, "grade": str}, keep_default_na=False)
    assert proj["mean"].notna().all()
    refused = pd.read_csv(out / "refusals.csv", dtype={"area": str, "grade": str}, keep_default_na=False) \
        if (out / "refusals.csv").exists() else pd.DataFrame(columns=["area", "level", "grade", "status"])
    refused = refused[refused["status"] == "refused"]
    from forecast.data.catalog import resolve_dataset

    enrol = load_dataset(resolve_dataset("texas")).enrolment
    taught = enrol[(enrol["year"] == 2023) & (enrol["students"] > 0)]
    projected = set(zip(proj["area"], proj["level"], proj["grade"], strict=True))
    lost = set(zip(refused["area"], refused["level"], refused["grade"], strict=True))
    keys = set(zip(taught["area"], taught["level"], taught["grade"], strict=True))
    assert keys <= projected | lost
    # the state total is complete and equals the sum of its districts
    state = proj[(proj["area"] == "TX") & (proj["grade"] == "") & (proj["year"] == 2025)]
    districts = proj[proj["area"].str.fullmatch(r"\d{6}") & (proj["grade"] == "") & (proj["year"] == 2025)]
    assert state["complete"].all() == (len(lost) == 0)
    assert state["mean"].sum() == pytest.approx(districts["mean"].sum(), rel=1e-6)
    assert "nan" not in output.split("shortfall")[0]  # parents show their children's base year


def test_run_says_how_entry_grades_were_projected(texas_run):
    out, output = texas_run
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["school_system"].startswith("us_k5_6_8_9_12")
    methods = {(m["level"], m["grade"], m["method"]) for m in record["entry_methods"]}
    assert ("elementary", "K", "own history") in methods
    assert ("high", "9", "feeder pool") in methods
    assert "own history" in output
    table = pd.read_csv(out / "entry_methods.csv", dtype={"area": str, "grade": str})
    assert set(table["method"]) <= {"own history", "feeder pool", "births"}


def test_the_summary_goes_on_the_county_map(texas_run):
    """shortfall_map.geojson: every summary row; counties with their shapes, districts (drawn
    inside their county on the page) with none, the state as the union of its counties."""
    from shapely.geometry import shape

    out, _ = texas_run
    summary = pd.read_csv(out / "shortfall_summary.csv", dtype={"area": str})
    features = json.loads((out / "shortfall_map.geojson").read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["area"] for f in features] == summary["area"].tolist()
    drawn = {f["properties"]["area"] for f in features if f["geometry"] is not None}
    assert drawn and all(a.startswith("county_") or a == "TX" for a in drawn)
    assert all(f["geometry"] is None for f in features if f["properties"]["area"].isdigit())
    state = next(shape(f["geometry"]) for f in features if f["properties"]["area"] == "TX")
    assert state.area == pytest.approx(65.3, rel=0.01)  # square degrees: 254 counties, Loving included


def test_texas_backtest_runs(tmp_path):
    result = CliRunner().invoke(cli, ["backtest", "--config", "texas", "--origins", "2021,2022",
                                      "--horizon", "1", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    acc = pd.read_csv(tmp_path / "accuracy.csv")
    assert {"elementary", "middle", "high"} <= set(acc["level"])
    assert acc["mape"].notna().all()
