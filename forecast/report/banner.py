"""What a planner must read before any number, said the same in the terminal's headline and
the report's banner: results resting on an assumed capacity, needs whose start is already
late (with the earliest year new places can open), and deficits too small to count."""

from __future__ import annotations

import pandas as pd

from forecast.report.assumptions_zh import in_chinese
from forecast.report.labels import text


def assumed_capacity_line(meta: dict, spells: pd.DataFrame, lang: str) -> str:
    """The warning a result resting on an assumed capacity carries (terminal headline, page
    banner): how many of the listed needs rest on seats that were assumed, and the assumption."""
    if spells.empty or "capacity_assumed" not in spells:
        return ""
    assumed = spells["capacity_assumed"].fillna(False).astype(bool)
    if not assumed.any():
        return ""
    why = next((a for a in meta.get("assumptions") or [] if a.startswith("existing seats:")), "")
    why = in_chinese(why) if lang == "zh" and why else why
    return text("assumed_capacity", lang, n=int(assumed.sum()), total=len(spells),
                why=why or text("assumed_unknown", lang))


def late_line(spells: pd.DataFrame, base_year: int | None, lang: str) -> str:
    """How many needs can no longer be met in time, and the earliest year new places open."""
    if spells.empty or "start_already_late" not in spells:
        return ""
    late = spells[spells["start_already_late"].fillna(False).astype(bool) & (spells["detail"] == "finest")]
    if late.empty:
        return ""
    earliest = int(late["earliest_opening_year"].min()) if "earliest_opening_year" in late else ""
    return text("late_line", lang, n=len(late), total=int((spells["detail"] == "finest").sum()),
                first=(base_year or 0) + 1, earliest=earliest)


def sub_class_line(meta: dict, lang: str) -> str:
    """The area-levels short by less than one class, counted apart (run.json)."""
    counts = meta.get("sub_class_shortfalls") or {}
    n = sum(int(v.get("area_levels", 0)) for v in counts.values() if isinstance(v, dict))
    if not n:
        return ""
    largest = max(float(v.get("largest_deficit_p90") or 0) for v in counts.values() if isinstance(v, dict))
    return text("sub_class_line", lang, n=n, largest=f"{largest:,.0f}")
