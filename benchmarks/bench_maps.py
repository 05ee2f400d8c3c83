"""What the shortfall map costs on Texas (253 county shapes of 1,276 districts, Loving County
as context): the page's size and render time with and without the map, shortfall_map.geojson,
the print PNGs, and the load time of report.html in headless Chromium (the large-dataset
issue asks a 1,000+-area report to open within 2 s).

Run ``python benchmarks/bench_maps.py [draws]`` (needs Playwright and the system Chromium for
the browser part; prints seconds and megabytes, asserts nothing).
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from plotly.offline import get_plotlyjs

from forecast.data.config import load_config
from forecast.outputs.geojson import write_shortfall_map
from forecast.pipeline import run, write_outputs
from forecast.report import read_outputs
from forecast.report.maps import GLUE, payload, section, write_map_plots
from forecast.report.page import render


def timed(label: str, func):
    start = time.perf_counter()
    value = func()
    print(f"{label:46s} {time.perf_counter() - start:8.2f} s")
    return value


def browser_times(pages: dict[str, Path], repeat: int = 5) -> None:
    """Median seconds to the load event and until the map (else the fan chart) is drawn, the
    pages taken in turn (the machine is shared: interleaving keeps the comparison fair), and
    the map's own drawing: from scratch after Plotly.purge, and on a year-slider move."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("browser: playwright is not installed")
        return
    if not path:
        print("browser: no system Chromium")
        return
    loads = {label: [] for label in pages}
    drawn = {label: [] for label in pages}
    scratch, slider = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        for _ in range(repeat):
            for label, page_path in pages.items():
                page = browser.new_page(viewport={"width": 1200, "height": 1000})
                page.route(re.compile(r"^https?://"), lambda route: route.abort())
                start = time.perf_counter()
                page.goto(page_path.as_uri(), wait_until="load")
                loads[label].append(time.perf_counter() - start)
                has_map = page.locator("#map").count() > 0
                page.wait_for_selector("#map g.trace.choropleth path" if has_map else "#fan .main-svg")
                drawn[label].append(time.perf_counter() - start)
                if has_map:
                    scratch.append(page.evaluate("""() => {const t = performance.now(); Plotly.purge('map');
                        document.getElementById('map-level').dispatchEvent(new Event('change'));
                        return (performance.now() - t) / 1000;}"""))
                    slider.append(page.evaluate("""() => {const t = performance.now();
                        const y = document.getElementById('map-year'); y.value = 0;
                        y.dispatchEvent(new Event('input')); return (performance.now() - t) / 1000;}"""))
                page.close()
        browser.close()
    for label in pages:
        print(f"browser {label:38s} load {statistics.median(loads[label]):5.2f} s, drawn "
              f"{statistics.median(drawn[label]):5.2f} s (median of {repeat}; range "
              f"{min(loads[label]):.2f}-{max(loads[label]):.2f} s)")
    if scratch:
        print(f"browser the map alone: drawn from scratch {statistics.median(scratch):.2f} s, "
              f"a year-slider move {statistics.median(slider):.3f} s (medians)")


def main(draws: int = 20) -> None:
    config = load_config("texas")
    result = timed("run (projection, shortfall, spells)", lambda: run(config, draws=draws, until=2025))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        write_outputs(result, out, config)
        geo = timed("shortfall_map.geojson", lambda: write_shortfall_map(
            Path(tmp), result.spells, result.dataset.boundaries))
        print(f"  {geo.stat().st_size / 1e6:.1f} MB, {len(result.spells):,} summary rows")
        inputs = read_outputs(out, result.dataset)
        data = timed("map data for the page (payload)", lambda: payload(inputs, "en"))
        print(f"  {len(data['units'])} counties + {len(data['context'])} context")
        with_map = timed("report.html with the map (render)", lambda: render(inputs, None, "en"))
        boundaries, inputs.boundaries = inputs.boundaries, None
        without = timed("report.html without the map (render)", lambda: render(inputs, None, "en"))
        inputs.boundaries = boundaries
        part = re.search(r'id="map-data">(.*?)</script>', with_map, flags=re.S).group(1)
        print(f"  page {len(with_map.encode()) / 1e6:.2f} MB with the map, {len(without.encode()) / 1e6:.2f} MB "
              f"without; the map's data {len(part.encode()) / 1e6:.2f} MB")
        pngs = timed("plots/map_*.png (200 dpi)", lambda: write_map_plots(inputs, Path(tmp) / "plots", "en"))
        print(f"  {len(pngs)} maps")
        pages = {"report.html with the map": Path(tmp) / "with.html",
                 "report.html without the map": Path(tmp) / "without.html",
                 "plotly.js and the map alone": Path(tmp) / "alone.html",
                 "plotly.js alone (a scatter)": Path(tmp) / "plotly.html"}
        pages["report.html with the map"].write_text(with_map, encoding="utf-8")
        pages["report.html without the map"].write_text(without, encoding="utf-8")
        pages["plotly.js and the map alone"].write_text(
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><script>{get_plotlyjs()}</script></head><body>"
            + section(data, "en") + f'<script type="application/json" id="map-data">{part}</script>'
            + f"<script>{GLUE}</script></body></html>", encoding="utf-8")
        pages["plotly.js alone (a scatter)"].write_text(
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><script>{get_plotlyjs()}</script></head><body>"
            "<div id='fan'></div><script>Plotly.newPlot('fan',[{y:[1,2,3]}])</script></body></html>",
            encoding="utf-8")
        browser_times(pages)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
