"""How long report.html takes to open in headless Chromium (issue 22: a report of 1,000+
areas opens in at most 2 s). Loads a run folder's report.html several times with Playwright
on the system Chromium and prints, per load, the seconds until the `load` event and until
the first figure is drawn (``#fan .main-svg``), and the page's size.

    python benchmarks/bench_page_load.py OUT_DIR [repeats]

e.g. after ``forecast run --config configs/texas.yaml --out out-texas``:
``python benchmarks/bench_page_load.py out-texas``. Timing lives here, not in the tests."""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from pathlib import Path


def measure(page_path: Path, repeats: int = 5) -> list[tuple[float, float]]:
    from playwright.sync_api import sync_playwright

    browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser_path:
        raise SystemExit("no system Chromium (apt-get install chromium)")
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox", "--disable-gpu"])
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            start = time.perf_counter()
            page.goto(page_path.as_uri(), wait_until="load")
            loaded = time.perf_counter() - start
            page.wait_for_selector("#fan .main-svg", timeout=60_000)
            drawn = time.perf_counter() - start
            times.append((loaded, drawn))
            page.close()
        browser.close()
    return times


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "out")
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    page = folder / "report.html"
    print(f"{page}: {page.stat().st_size / 1e6:.2f} MB")
    times = measure(page.resolve(), repeats)
    for loaded, drawn in times:
        print(f"  load event {loaded:6.2f} s   first figure drawn {drawn:6.2f} s")
    print(f"median: load {statistics.median(t[0] for t in times):.2f} s, "
          f"drawn {statistics.median(t[1] for t in times):.2f} s")


if __name__ == "__main__":
    main()
