"""A dataset's areas.geojson: read, checked, dissolved up the tree (forecast.data.boundaries)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import box

from forecast.cli import cli
from forecast.data.boundaries import Boundaries, school_problems
from forecast.data.dataset import inspect_dataset, load_dataset
from tests.conftest import DATA, square, write_map_dataset


def feature(area, coordinates, kind="Polygon", **props):
    props = {"area": area, **props} if area is not None else props
    return {"type": "Feature", "properties": props, "geometry": {"type": kind, "coordinates": coordinates}}


def refusal(folder) -> str:
    """`forecast validate` on ``folder``: exit 1 and no traceback; the printed problems."""
    result = CliRunner().invoke(cli, ["validate", str(folder), "--lang", "en"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output


def test_squares_are_the_map_units_and_the_district_is_their_union(tmp_path):
    dataset = load_dataset(write_map_dataset(tmp_path / "d"))
    b = dataset.boundaries
    assert b.units == ["north", "south"]
    assert b.inside == {"north": "north", "south": "south"}
    assert b.shapes["north"].equals(box(106.5, 29.5, 106.6, 29.6))
    # dissolved up the tree: the district is the two squares together, one 0.1 x 0.2 rectangle
    assert b.shapes["district"].equals(box(106.5, 29.4, 106.6, 29.6))
    assert "district" not in b.own
    assert "2 area shapes on the map; 1 parent shape dissolved" in dataset.summary()


def test_a_county_shape_draws_the_districts_below_it(tmp_path):
    """Only the parent has a shape: it is the map unit and its sub-areas are drawn inside it."""
    folder = write_map_dataset(tmp_path / "d", [feature("district", [[[106.5, 29.4], [106.7, 29.4],
                                                                      [106.7, 29.6], [106.5, 29.4]]])])
    b = load_dataset(folder).boundaries
    assert b.units == ["district"]
    assert b.inside == {"north": "district", "south": "district", "district": "district"}


def test_a_self_intersecting_polygon_is_refused_naming_file_and_feature(tmp_path):
    bow_tie = [[[106.5, 29.5], [106.6, 29.6], [106.6, 29.5], [106.5, 29.6], [106.5, 29.5]]]
    folder = write_map_dataset(tmp_path / "d", [feature("south", square(106.5, 29.4)),
                                                feature("north", bow_tie)])
    out = refusal(folder)
    assert "areas.geojson: feature 2 (features[1], area 'north'): is not a valid polygon: " \
           "self-intersection at lon 106.55, lat 29.55" in out
    zh = CliRunner().invoke(cli, ["validate", str(folder)]).output  # the dataset declares zh
    assert "areas.geojson：第 2 个要素（features[1]，区域 'north'）：不是有效的多边形：在经度 106.55、" \
           "纬度 29.55 处自相交" in zh and "（原文）" not in zh


def test_a_feature_without_an_area_is_refused(tmp_path):
    folder = write_map_dataset(tmp_path / "d", [feature("north", square(106.5, 29.5)),
                                                feature(None, square(106.5, 29.4), name="south")])
    out = refusal(folder)
    assert "areas.geojson: feature 2 (features[1]): has no `area` property" in out


def test_coordinates_in_metres_are_refused_as_a_projected_crs(tmp_path):
    """UTM zone 48N metres (what a shapefile exported without reprojection holds)."""
    metres = [[[583000, 3265000], [593000, 3265000], [593000, 3275000], [583000, 3275000], [583000, 3265000]]]
    folder = write_map_dataset(tmp_path / "d", [feature("north", metres), feature("south", square(106.5, 29.4))])
    out = refusal(folder)
    assert "areas.geojson: feature 1 (features[0], area 'north'): coordinate (583000, 3.265e+06) is not " \
           "longitude/latitude in degrees" in out
    assert "projected coordinate system in metres" in out and "ogr2ogr -t_srs EPSG:4326" in out
    zh = CliRunner().invoke(cli, ["validate", str(folder)]).output
    assert "坐标 (583000, 3.265e+06) 不是以度为单位的经纬度" in zh and "（原文）" not in zh


def test_a_projected_crs_member_is_refused(tmp_path):
    folder = write_map_dataset(tmp_path / "d")
    data = json.loads((folder / "areas.geojson").read_text(encoding="utf-8"))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}}
    (folder / "areas.geojson").write_text(json.dumps(data), encoding="utf-8")
    assert "declares the coordinate system urn:ogc:def:crs:EPSG::32648, not WGS84" in refusal(folder)
    data["crs"]["properties"]["name"] = "urn:ogc:def:crs:OGC:1.3:CRS84"  # WGS84 lon/lat: fine
    (folder / "areas.geojson").write_text(json.dumps(data), encoding="utf-8")
    assert load_dataset(folder).boundaries is not None


def test_swapped_longitude_and_latitude_are_named(tmp_path):
    swapped = [[[y, x] for x, y in square(106.5, 29.5)[0]]]
    folder = write_map_dataset(tmp_path / "d", [feature("north", swapped), feature("south", square(106.5, 29.4))])
    assert "longitude and latitude look swapped" in refusal(folder)


def test_shapes_must_name_declared_areas_and_be_polygons(tmp_path):
    folder = write_map_dataset(tmp_path / "d", [
        feature("north", square(106.5, 29.5)), feature("south", square(106.5, 29.4)),
        feature("east", square(106.6, 29.4)), feature("south", [106.55, 29.45], kind="Point")])
    out = refusal(folder)
    assert "feature 3 (features[2], area 'east'): is not an area declared in dataset.yaml" in out
    assert "feature 4 (features[3], area 'south'): has a Point: areas need a Polygon or MultiPolygon " \
           "(school points go in schools.csv as lat, lon)" in out


def test_not_json_and_not_a_collection_are_refused(tmp_path):
    folder = write_map_dataset(tmp_path / "d")
    (folder / "areas.geojson").write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    assert "areas.geojson: is not valid JSON" in refusal(folder)
    (folder / "areas.geojson").write_text('{"type": "Feature"}', encoding="utf-8")
    assert "must be a GeoJSON FeatureCollection (found 'Feature')" in refusal(folder)


def test_a_finest_area_with_pupils_needs_a_shape_or_to_be_listed_unmapped(tmp_path):
    folder = write_map_dataset(tmp_path / "d", [feature("north", square(106.5, 29.5))])
    assert "1 finest area(s) with pupils have no shape and no area above them is drawn in their place: " \
           "south" in refusal(folder)
    meta = folder / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "unmapped: [south]\n", encoding="utf-8")
    dataset = load_dataset(folder)
    assert dataset.boundaries.unmapped == ["south"]
    assert "district" in dataset.boundaries.partial  # never drawn as north alone
    assert "district" not in dataset.boundaries.shapes


def test_context_shapes_are_drawn_without_being_areas(tmp_path):
    folder = write_map_dataset(tmp_path / "d")
    data = json.loads((folder / "areas.geojson").read_text(encoding="utf-8"))
    data["features"].append(feature("48301", square(106.6, 29.4), name="Loving"))
    (folder / "areas.geojson").write_text(json.dumps(data), encoding="utf-8")
    assert "is not an area declared in dataset.yaml (nor under map_context)" in refusal(folder)
    meta = folder / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "map_context:\n  - {area: '48301', parent: district}\n",
                    encoding="utf-8")
    b = load_dataset(folder).boundaries
    assert b.context == ["48301"] and b.units == ["north", "south"]
    assert b.names["48301"] == "Loving"
    assert b.shapes["district"].area == pytest.approx(3 * 0.01)  # the context square is part of it


def test_school_coordinates_are_degrees_given_together_inside_their_area(tmp_path):
    folder = write_map_dataset(tmp_path / "d")
    schools = pd.read_csv(folder / "schools.csv")
    schools.loc[1, "lat"] = 3265000.0  # metres
    schools.to_csv(folder / "schools.csv", index=False)
    assert "schools.csv row 3, column lat: '3265000.0' is not a latitude in degrees (-90 to 90; WGS84, " \
           "not metres)" in refusal(folder)
    schools.loc[1, "lat"] = None
    schools.to_csv(folder / "schools.csv", index=False)
    assert "schools.csv row 3, column lat: give lat and lon together" in refusal(folder)
    schools.loc[1, ["lat", "lon"]] = [29.55, 106.55]  # in north's square
    schools.to_csv(folder / "schools.csv", index=False)
    _, problems = inspect_dataset(folder)
    warned = [str(p) for p in problems if p.severity == "warning" and "outside" in p.reason]
    assert warned == ["schools.csv row 3, column lat: the school at lat 29.55, lon 106.55 lies outside the "
                      "shape of area 'south'"]


def test_a_school_with_swapped_coordinates_is_told_so():
    """Where both orders are valid degrees (here a square around 29.4-29.6 E, 29.5-29.6 N)."""
    b = Boundaries(Path("areas.geojson"), {"a": box(29.4, 29.5, 29.6, 29.6)}, {"a": box(29.4, 29.5, 29.6, 29.6)})
    schools = pd.DataFrame({"area": ["a", "a"], "lat": [29.55, 29.45], "lon": [29.5, 29.55]})
    found = school_problems(schools, b)
    assert [str(p) for p in found] == ["schools.csv row 3, column lat: the school at lat 29.45, lon 29.55 lies "
                                       "outside the shape of area 'a'; lat and lon look swapped"]


def test_lists_without_a_geojson_are_warned_about(tmp_path):
    folder = write_map_dataset(tmp_path / "d")
    (folder / "areas.geojson").unlink()
    meta = folder / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "unmapped: [south]\n", encoding="utf-8")
    dataset, problems = inspect_dataset(folder)
    assert dataset.boundaries is None
    assert any("unmapped is given but the dataset has no areas.geojson" in str(p) for p in problems)


def test_texas_counties_cover_every_district():
    """data/texas/areas.geojson: 253 counties with districts (matched by TEA number) and
    Loving County, which has none, as context: 254 shapes, every district inside one."""
    dataset = load_dataset(DATA / "texas")
    b = dataset.boundaries
    assert len(b.units) == 253 and b.context == ["48301"]
    assert len(b.units) + len(b.context) == 254
    finest = set(dataset.leaf_areas)
    assert set(b.inside) >= finest and all(b.inside[a].startswith("county_") for a in finest)
    assert b.names["county_101"] == "Harris" and b.names["county_057"] == "Dallas"  # 48000 + 2n - 1
    assert shapely.is_valid(b.shapes["TX"]) and -107 < b.shapes["TX"].bounds[0] < -106


def test_without_shapely_the_file_is_refused_not_skipped(tmp_path, monkeypatch):
    import sys

    from forecast.data.boundaries import read_boundaries

    folder = write_map_dataset(tmp_path / "d")
    areas = load_dataset(folder).areas
    monkeypatch.setitem(sys.modules, "shapely", None)  # as if it were not installed
    found, problems = read_boundaries(folder, areas, {})
    assert found is None
    assert [str(p) for p in problems] == ["areas.geojson: checking the shapes needs shapely: pip install shapely"]
