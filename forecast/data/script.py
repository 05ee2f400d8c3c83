"""Names in Simplified characters for mainland datasets (OpenCC, Traditional -> Simplified).

Banan's plan was copied in Traditional characters while Chongqing writes Simplified; project
and area names are shown converted. Row ``source`` quotes are never converted: they stay
verbatim as evidence.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=4096)
def to_simplified(value: str) -> str:
    """``value`` in Simplified characters (unchanged when it has none to convert)."""
    if not value or all(ord(ch) < 0x2E80 for ch in value):
        return value
    return _converter().convert(value)
