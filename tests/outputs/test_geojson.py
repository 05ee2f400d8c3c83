"""shortfall_map.geojson: the shortfall summary on the areas' shapes, read back by GIS tools."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import shapely
from click.testing import CliRunner
from shapely.geometry import box, shape

from forecast.cli import cli


def read_back(path):
    """Plain json + shapely, as a GIS-minded planner would."""
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data  # RFC 7946: WGS84 implied
    rows = pd.DataFrame([f["properties"] for f in data["features"]])
    geoms = [None if f["geometry"] is None else shape(f["geometry"]) for f in data["features"]]
    return rows, geoms


def test_the_map_file_has_the_summarys_rows_and_the_areas_shapes(map_run):
    summary = pd.read_csv(map_run / "shortfall_summary.csv", keep_default_na=False, na_values=[""])
    rows, geoms = read_back(map_run / "shortfall_map.geojson")
    assert list(rows.columns) == list(summary.columns)
    assert len(rows) == len(summary) >= 4  # north and the district, in two scenarios
    same = lambda f: f.astype(object).where(f.notna(), None).replace("", None)  # noqa: E731 (CSV: "" is empty)
    pd.testing.assert_frame_equal(same(rows), same(summary), check_dtype=False)
    for area, geom in zip(rows["area"], geoms, strict=True):
        expected = {"north": box(106.5, 29.5, 106.6, 29.6), "district": box(106.5, 29.4, 106.6, 29.6)}[area]
        assert geom.equals(expected)  # the district: north and south dissolved
        assert shapely.is_ccw(geom.exterior)  # RFC 7946: exterior rings counter-clockwise


def test_export_writes_the_same_map(map_run, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(map_run, out)
    config = map_run.parent / "map.yaml"
    (out / "shortfall_map.geojson").unlink()
    result = CliRunner().invoke(cli, ["export", "--config", str(config), "--out", str(out),
                                      "--format", "geojson", "--scenario", "baseline", "--scenario", "high_births"])
    assert result.exit_code == 0, result.output
    assert (out / "shortfall_map.geojson").read_bytes() == (map_run / "shortfall_map.geojson").read_bytes()
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert "shortfall_map.geojson" in record["files"]  # part of the run's manifest


def test_export_without_shapes_is_refused(three_area_run, tmp_path):
    config = tmp_path / "c.yaml"
    data = json.loads((three_area_run / "run.json").read_text(encoding="utf-8"))["config"]["dataset"]
    config.write_text(f"dataset: {data}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", "--config", str(config), "--out", str(tmp_path / "o"),
                                      "--format", "geojson"])
    assert result.exit_code == 1 and "no areas.geojson, so there is no map to export" in result.output


def test_runs_without_shapes_write_no_map(three_area_run):
    assert not (three_area_run / "shortfall_map.geojson").exists()
    assert not list((three_area_run / "plots").glob("map_*.png"))
    assert 'id="map-data"' not in (three_area_run / "report.html").read_text(encoding="utf-8")
