"""Charts: the files a run writes, and Chinese labels drawn with a real CJK font."""

from __future__ import annotations

import pandas as pd
from matplotlib import font_manager
from matplotlib.font_manager import FontProperties
from matplotlib.image import imread

from forecast.data.levels import LEVELS
from forecast.report.fonts import cjk_font


def test_every_chart_is_written(banan_report):
    plots = banan_report / "plots"
    names = {p.name for p in plots.glob("*.png")}
    assert {f"fan_banan_{lv}.png" for lv in LEVELS} <= names
    assert {f"seats_banan_{lv}.png" for lv in LEVELS} <= names
    assert "shortfall_heatmap.png" in names
    image = imread(plots / "fan_banan_primary.png")
    assert image.shape[0] > 200 and image.shape[1] > 400


def test_a_font_that_covers_the_chinese_labels_is_used():
    name = cjk_font()
    assert name is not None
    path = font_manager.findfont(FontProperties(family=name), fallback_to_default=False)
    from matplotlib.ft2font import FT2Font

    font = FT2Font(path)
    for ch in "巴南区学前教育在校生规划目标学位缺口":
        assert font.get_char_index(ord(ch)) != 0, ch  # 0 = the missing-glyph box (tofu)


def test_charts_print_at_200_dpi_and_seat_charts_start_at_zero(three_area_run):
    from PIL import Image

    for path in (three_area_run / "plots").glob("*.png"):
        assert round(Image.open(path).info["dpi"][0]) == 200
    assert (three_area_run / "plots" / "seats_north_primary.png").is_file()


def test_observed_points_are_dashed_across_missing_years():
    import pandas as pd
    from matplotlib.figure import Figure

    from forecast.report.plots import _observed

    ax = Figure().subplots()
    _observed(ax, pd.DataFrame({"year": [2015, 2016, 2020], "students": [10, 11, 15]}), "observed")
    segments = [(tuple(line.get_xdata()), line.get_linestyle()) for line in ax.lines[1:]]
    assert segments == [((2015, 2016), "-"), ((2016, 2020), "--")]
    assert list(ax.lines[0].get_xdata()) == [2015, 2016, 2020] and ax.lines[0].get_linestyle() == "None"


def test_heatmap_stays_legible_with_a_thousand_areas(tmp_path):
    import numpy as np
    import pandas as pd
    from PIL import Image

    from forecast.report.inputs import ReportInputs
    from forecast.report.plots import MAX_HEATMAP_ROWS, _heatmap

    rng = np.random.default_rng(0)
    rows = [{"area": f"a{i:04d}", "level": "primary", "year": y, "scenario": "s",
             "deficit_seats_p90": float(rng.integers(0, 500))} for i in range(1000) for y in range(2021, 2026)]
    spells = pd.DataFrame({"area": [f"a{i:04d}" for i in range(1000)], "level": "primary", "scenario": "s",
                           "detail": "finest"})  # the rows shortfall_summary.csv lists
    inputs = ReportInputs(tmp_path, {}, pd.DataFrame(columns=["grade"]), shortfall=pd.DataFrame(rows),
                          parents={f"a{i:04d}": f"p{i % 7}" for i in range(1000)}, spells=spells)
    path = _heatmap(inputs, tmp_path, "en")
    width, height = Image.open(path).size
    assert height < 40 * 100  # at most MAX_HEATMAP_ROWS rows, not 1,000
    peaks = pd.DataFrame(rows).groupby("area")["deficit_seats_p90"].max()
    assert MAX_HEATMAP_ROWS == 40 and peaks.nlargest(40).min() > 0


def test_names_with_dollar_signs_are_drawn_as_text(tmp_path):
    """Issue 21: '$...$' in a name was read as math text, and '$^$' crashed the whole run."""
    from click.testing import CliRunner

    from forecast.cli import cli
    from tests.conftest import write_toy_dataset

    folder = write_toy_dataset(tmp_path / "d")
    meta = folder / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8")
                    .replace("{area: district, parent: null}", "{area: district, parent: null, name: 'p$^$q'}")
                    .replace("area: north,", "area: 'a$b$c',"), encoding="utf-8")
    for name in ("births.csv", "enrolment.csv", "projects.csv"):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace("north,", "a$b$c,"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "--data", str(folder), "--model", "cohort", "--draws", "20",
                                      "--lang", "en", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    names = {p.name for p in (tmp_path / "o" / "plots").glob("*.png")}
    assert {"fan_district_primary.png", "seats_a_b_c_primary.png"} <= names
    summary = pd.read_csv(tmp_path / "o" / "shortfall_summary.csv")
    short = len(summary[summary["detail"] == "finest"]) > 0 if len(summary) else False
    assert ("shortfall_heatmap.png" in names) == short  # the heatmap too, where anything is short
