"""A font for Chinese labels in the charts (no tofu boxes).

Order: a CJK font the system already has (Noto Sans CJK, Source Han Sans, WenQuanYi,
SimHei, Microsoft YaHei, PingFang), else Noto Sans CJK SC shipped by the ``mplfonts``
package (a dependency; SIL Open Font License). Without either, charts fall back to English
labels and say so.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager

SYSTEM_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC")
SHIPPED = "NotoSansCJKsc-Regular.otf"


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of a font that covers Chinese, registered with matplotlib; None if
    there is none."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in SYSTEM_FONTS:
        if name in installed:
            return name
    spec = importlib.util.find_spec("mplfonts")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "fonts" / SHIPPED
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path)).get_name()
    return None


def cjk_font_path() -> Path | None:
    """The file of the CJK font the charts use (the shipped Noto Sans CJK SC first: its
    licence allows embedding a subset), None when there is none."""
    spec = importlib.util.find_spec("mplfonts")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "fonts" / SHIPPED
        if path.is_file():
            return path
    name = cjk_font()
    if name is None:
        return None
    found = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
    return Path(found) if found else None


def subset_woff(characters: str, path: Path | None = None) -> bytes | None:
    """A WOFF font holding only ``characters`` (fontTools subset of the CJK font): a page
    embeds it so Chinese renders on machines without any CJK font. None without a font."""
    from io import BytesIO

    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = path or cjk_font_path()
    if path is None:
        return None
    options = subset.Options()
    options.flavor = "woff"
    options.desubroutinize = True
    font = TTFont(str(path), lazy=True, recalcTimestamp=False)  # same page bytes for the same run
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(characters))))
    subsetter.subset(font)
    buffer = BytesIO()
    font.flavor = "woff"
    font.save(buffer)
    return buffer.getvalue()
