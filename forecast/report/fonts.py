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
