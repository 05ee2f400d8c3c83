"""report.html in a real headless browser (Debian's chromium): it loads without console
errors and the screenshot shows the charts.

The browser is installed with apt-get when absent (root only); where it truly cannot be
installed the test is skipped and says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.image import imread

from forecast.report.plots import BAND

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.skip("chromium is not installed and cannot be installed here (needs root and apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=900)
    done = subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env,
                          capture_output=True, text=True, timeout=1800)
    found = shutil.which("chromium")
    if not found:
        pytest.skip(f"apt-get could not install chromium: {done.stderr.strip()[-300:]}")
    return found


def load(browser: str, page, shot, tmp_path, size="1200,5000") -> list[str]:
    """Open ``page``, save a screenshot; return the console messages the page produced."""
    proc = subprocess.run([browser, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                           f"--screenshot={shot}", f"--window-size={size}", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.is_file(), proc.stderr[-2000:]
    return [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]


def test_the_console_check_catches_errors(chromium, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><script>console.error('boom'); missing();</script>"
                   "</body></html>", encoding="utf-8")
    messages = load(chromium, bad, tmp_path / "bad.png", tmp_path, "400,300")
    assert any("boom" in m for m in messages) and any("missing is not defined" in m for m in messages)


def test_report_loads_without_console_errors_and_shows_the_charts(chromium, banan_report, tmp_path):
    shot = tmp_path / "report.png"
    assert load(chromium, banan_report / "report.html", shot, tmp_path) == []
    pixels = imread(shot)[..., :3]
    band = np.all(np.abs(pixels - np.array(to_rgb(BAND))) < 0.02, axis=-1)
    assert band.sum() > 2000  # the fan charts' P10-P90 bands are on screen
    assert (pixels.mean(axis=-1) < 0.9).mean() > 0.05  # and much more than an empty page
