"""``--area NAME``: an area and everything below it, found by code or by name."""

from __future__ import annotations

import pandas as pd

from forecast.common.errors import UserInputError
from forecast.data.dataset import areas_below


class AreaError(UserInputError):
    """The area asked for is not in the dataset; the message lists what is."""


def area_and_below(areas: pd.DataFrame, wanted: str) -> list[str]:
    """The area whose code (or name) is ``wanted`` and every area below it."""
    codes = areas["area"].astype(str).tolist()
    names = areas["name"].astype(str).tolist() if "name" in areas else [""] * len(codes)
    match = [c for c, n in zip(codes, names, strict=True) if wanted in (c, n)]
    if not match:
        shown = ", ".join(codes[:12]) + (", ..." if len(codes) > 12 else "")
        raise AreaError(f"--area {wanted}: no such area in the dataset (areas: {shown})")
    return [match[0], *areas_below(areas).get(match[0], [])]


def within(frame: pd.DataFrame, areas: pd.DataFrame, wanted: str | None) -> pd.DataFrame:
    """Rows of ``frame`` (with an ``area`` column) at ``wanted`` or below; all when None."""
    if not wanted or frame.empty:
        return frame
    return frame[frame["area"].isin(area_and_below(areas, wanted))]
