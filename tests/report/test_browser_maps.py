"""The shortfall map in a real headless browser (the system's Chromium, driven by Playwright):
it draws offline, the year slider and the level selector recolour it, the Chinese names are
set in the embedded font, and Texas draws all 254 counties.

Skips, saying why, without Playwright or a system Chromium (.ci/run installs it).
"""

from __future__ import annotations

import base64
import io
import re

import pandas as pd
import pytest

from tests.conftest import DATA, open_page

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[dev]')")

FILLS = ("[...document.querySelectorAll('#map g.trace.choropleth')].map(g=>[...g.querySelectorAll('path')]"
         ".map(p=>getComputedStyle(p).fill))")


def open_map(browser, path):
    """The page with its map drawn (see ``open_page``)."""
    return open_page(browser, path, "#map g.trace.choropleth path")


def test_the_map_draws_offline_and_the_year_slider_recolours_it(browser, map_run):
    page, errors = open_map(browser, map_run / "report.html")
    assert errors == []  # no tiles, no topojson fetched, no script error
    assert page.evaluate(FILLS) and len(page.evaluate(FILLS)) == 1  # no grey: both areas have data
    values = page.evaluate(FILLS)[0]
    assert len(values) == 2  # north and south
    sf = pd.read_csv(map_run / "shortfall.csv")
    north = sf[(sf["area"] == "north") & (sf["scenario"] == "baseline") & (sf["level"] == "primary")]
    north = north.set_index("year")["deficit_seats_p90"]
    assert north[2028] == 0 < north[2020]  # short in the base year, not once the 2024 school opens
    assert page.get_attribute("#map-figure", "data-state") == "baseline|primary|2028"
    last = page.evaluate(FILLS)[0]
    assert last[0] == last[1]  # neither area short in 2028: one colour
    page.locator("#map-year").fill("0")
    assert page.get_attribute("#map-figure", "data-state") == "baseline|primary|2020"
    assert page.text_content("#map-year-shown") == "2020"
    first = page.evaluate(FILLS)[0]
    assert first[0] != last[0] and first[1] == last[1]  # north recoloured, south not
    page.check("#map-peak")
    assert page.get_attribute("#map-figure", "data-state") == "baseline|primary|peak"
    assert page.is_disabled("#map-year")
    page.select_option("#scenario", "high_births")  # the page's scenario selector drives the map too
    assert page.get_attribute("#map-figure", "data-state") == "high_births|primary|peak"
    assert errors == []
    page.close()


def test_chinese_names_on_the_map_use_the_embedded_font(browser, map_run):
    from fontTools.ttLib import TTFont

    html = (map_run / "report.html").read_text(encoding="utf-8")
    cmap = TTFont(io.BytesIO(base64.b64decode(re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)",
                                                        html).group(1)))).getBestCmap()
    page, errors = open_map(browser, map_run / "report.html")
    labels = page.evaluate("[...document.querySelectorAll('#map g.trace.scattergeo text')]"
                           ".map(t=>[t.textContent, getComputedStyle(t).fontFamily])")
    assert [name for name, _ in labels] == ["北片区", "南片区"]
    assert all(family.startswith("ForecastCJK") for _, family in labels)
    assert all(ord(ch) in cmap for name, _ in labels for ch in name)  # no tofu
    assert page.evaluate("document.fonts.check('12px ForecastCJK', '北片区南片区')")
    assert page.evaluate("[...document.fonts].some(f => f.family.replace(/\"/g,'') === 'ForecastCJK' "
                         "&& f.status === 'loaded')")
    assert errors == []
    page.close()


def test_texas_draws_all_254_counties(browser, tmp_path):
    """The shipped county shapes with a made-up deficit per county (the drawing is tested, not
    the forecast): 252 counties coloured, one without rows grey (no data), Loving County (no
    school district) in the lighter context grey, and the map's share of the page stays small."""
    from forecast.data.dataset import load_dataset
    from forecast.report.inputs import ReportInputs
    from forecast.report.page import render

    dataset = load_dataset(DATA / "texas")
    counties = dataset.boundaries.units
    rows = [{"area": c, "level": "elementary", "year": y, "scenario": "baseline", "deficit_seats_p90": float(i % 7),
             "deficit_children_sum_p90": float(i % 7 * (y - 2022)), "demand_mean": 1.0, "seats": 1.0}
            for i, c in enumerate(counties[1:]) for y in (2023, 2024, 2025)]  # the first: no rows
    inputs = ReportInputs(tmp_path, {"dataset": "texas", "scenarios": ["baseline"]},
                          pd.DataFrame(columns=["area", "level", "grade", "year", "scenario", "model", "mean",
                                                "p10", "p50", "p90"]),
                          shortfall=pd.DataFrame(rows), parents={a: str(p) for a, p in
                                                                 zip(dataset.areas["area"], dataset.areas["parent"],
                                                                     strict=True) if isinstance(p, str)},
                          boundaries=dataset.boundaries)
    page_html = render(inputs, None, "en")
    map_json = re.search(r'id="map-data">(.*?)</script>', page_html, flags=re.S).group(1)
    assert len(map_json) < 600_000  # simplified shapes: the map adds well under 1 MB
    (tmp_path / "texas.html").write_text(page_html, encoding="utf-8")
    page, errors = open_map(browser, tmp_path / "texas.html")
    values, grey = page.evaluate(FILLS)
    assert len(values) + len(grey) == 254
    assert len(values) == 252  # the counties with rows coloured; Anderson (no rows) and Loving grey
    assert sorted(grey) == ["rgb(217, 217, 217)", "rgb(238, 238, 238)"]  # no data; context
    assert errors == []
    page.close()
