"""Charts: the files a run writes, and Chinese labels drawn with a real CJK font."""

from __future__ import annotations

from matplotlib import font_manager
from matplotlib.font_manager import FontProperties
from matplotlib.image import imread

from forecast.levels import LEVELS
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
