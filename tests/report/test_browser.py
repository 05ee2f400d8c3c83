"""report.html in a real headless browser (the system's Chromium, driven by Playwright):
it loads offline without console errors, the selectors switch the figures and the summary,
and every character of the Chinese page is in the embedded font.

The browser is a system package that `.ci/run` installs; when it is absent the tests skip
and say so (they never install anything themselves).
"""

from __future__ import annotations

import base64
import io
import re

import pandas as pd
import pytest

from tests.conftest import open_page

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[dev]')")


def test_the_error_check_catches_errors(browser, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><div id=fan><svg class=main-svg></svg></div>"
                   "<script>console.error('boom'); missing();</script></body></html>", encoding="utf-8")
    page, errors = open_page(browser, bad)
    assert any("boom" in e for e in errors) and any("missing is not defined" in e for e in errors)
    page.close()


def test_selecting_an_area_and_a_scenario_updates_the_figures(browser, three_area_run):
    page, errors = open_page(browser, three_area_run / "report.html")
    assert errors == []  # offline: no request left the page, no script failed
    proj = pd.read_csv(three_area_run / "projections.csv", keep_default_na=False)
    for area, scenario in (("north", "high_births"), ("south", "baseline"), ("district", "high_births")):
        page.select_option("#area", area)
        page.select_option("#scenario", scenario)
        assert page.text_content("#fan .gtitle") == f"{area} · {scenario}"
        panel = page.inner_text(".panel:not([hidden])")
        last = proj[(proj["area"] == area) & (proj["scenario"] == scenario) & (proj["grade"] == "")
                    & (proj["year"] == 2028)].iloc[0]
        row = next(line for line in panel.splitlines() if line.startswith("Primary"))
        cells = row.split("\t")
        assert cells[2] == f"{last['mean']:,.0f}" and cells[4] == f"{last['p90']:,.0f}"
        observed = {"north": "630", "south": "310", "district": "940"}[area]
        assert cells[1] == observed  # the district's base year is the sum of its sub-areas
    # the spells table follows the scenario: north is short from the base year
    page.select_option("#scenario", "baseline")
    rows = [r for r in page.locator("table.spells tbody tr").all() if r.is_visible()]
    texts = [r.inner_text() for r in rows]
    assert any(t.startswith("north") and "\t130\t2020\t2020\t" in t for t in texts)
    assert not any(t.startswith("south") for t in texts)  # never short: no row
    page.fill("#filter", "district")
    visible = [r.inner_text() for r in page.locator("table.spells tbody tr").all() if r.is_visible()]
    assert visible and all(v.startswith("district") for v in visible)
    # hovering a mean point shows its value
    page.close()


def test_chinese_page_has_no_tofu(browser, banan_report):
    """Every character the page shows is in the embedded font's cmap, so the page renders on a
    machine with no CJK font at all; the browser reports the embedded font as loaded."""
    from fontTools.ttLib import TTFont

    html = (banan_report / "report.html").read_text(encoding="utf-8")
    found = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", html)
    assert found, "no embedded font"
    cmap = TTFont(io.BytesIO(base64.b64decode(found.group(1)))).getBestCmap()
    page, errors = open_page(browser, banan_report / "report.html")
    shown = page.inner_text("body") + "".join(page.locator("#fan text").all_text_contents())
    cjk = {ch for ch in shown if ord(ch) > 0x2E80}
    assert len(cjk) > 100  # a Chinese page
    missing = {ch for ch in shown if not ch.isspace() and ord(ch) not in cmap}
    assert missing == set()
    assert page.evaluate("document.fonts.check('16px ForecastCJK', '学位缺口')")
    assert errors == []
    page.close()


@pytest.fixture(scope="module")
def bare_browser(chromium, tmp_path_factory):
    """Chromium that sees no CJK font at all: fontconfig limited to the DejaVu fonts (or none),
    as on a planner's machine without Chinese fonts."""
    p, path = chromium
    folder = tmp_path_factory.mktemp("fonts")
    dejavu = "/usr/share/fonts/truetype/dejavu"
    (folder / "fonts.conf").write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{dejavu}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>", encoding="utf-8")
    import os

    env = {**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf")}
    launched = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"], env=env)
    yield launched
    launched.close()


def test_hover_text_uses_the_embedded_font_without_any_cjk_font(bare_browser, banan_report):
    """Hover labels were drawn in Arial (Chinese as boxes on a machine without CJK fonts):
    every hover text now asks for the embedded font first, and that font holds its characters."""
    from fontTools.ttLib import TTFont

    html = (banan_report / "report.html").read_text(encoding="utf-8")
    found = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", html)
    cmap = TTFont(io.BytesIO(base64.b64decode(found.group(1)))).getBestCmap()
    page, errors = open_page(bare_browser, banan_report / "report.html")
    page.wait_for_selector("#heat .main-svg")
    labels = []
    page.locator("#heat").scroll_into_view_if_needed()
    box = page.locator("#heat .nsewdrag").first.bounding_box()  # a cell of the heatmap
    page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.3 * box["height"])
    page.wait_for_selector("#heat .hoverlayer text")
    labels += page.eval_on_selector_all(
        "#heat .hoverlayer text", "els => els.map(e => [e.textContent, getComputedStyle(e).fontFamily])")
    page.locator("#fan").scroll_into_view_if_needed()
    page.locator("#fan .scatterlayer .trace .points path").first.hover(force=True)  # an observed point
    page.wait_for_selector("#fan .hoverlayer text")
    labels += page.eval_on_selector_all(
        "#fan .hoverlayer text", "els => els.map(e => [e.textContent, getComputedStyle(e).fontFamily])")
    shown = "".join(t for t, _ in labels)
    assert {ch for ch in shown if ord(ch) > 0x2E80}, shown  # Chinese in the hover labels
    assert all(family.replace('"', "").startswith("ForecastCJK") for _, family in labels), labels
    assert {ch for ch in shown if not ch.isspace() and ord(ch) not in cmap} == set()
    assert page.evaluate("document.fonts.check('12px ForecastCJK', '学位缺口')")
    assert errors == []
    page.close()
