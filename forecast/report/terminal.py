"""What the terminal prints about shortfalls, in English or Chinese: the spells (one line
per area x level x scenario short at P90 in some year), finest areas first, then the parent
areas with their own net balance beside their sub-areas' unnetted deficits."""

from __future__ import annotations

import pandas as pd

from forecast.report.banner import assumed_capacity_line, late_line, sub_class_line
from forecast.report.labels import (
    candidate_name,
    column,
    level,
    level_group,
    probability,
    scenario_name,
    text,
)

FINEST = ["area", "level", "scenario", "base_year_deficit", "first_year_short_mean",
          "first_year_short_p90", "last_year_short_p90", "peak_year", "peak_deficit_mean",
          "peak_deficit_p90", "classrooms_to_build", "standard_schools_p90", "latest_start_year",
          "earliest_opening_year"]
PARENTS = ["area", "level", "scenario", "base_year_deficit", "first_year_short_p90",
           "peak_deficit_p90", "peak_deficit_children_sum"]
SHORT = {  # compact headings for a terminal line
    "en": {"area": "area", "level": "level", "scenario": "scenario", "base_year_deficit": "base yr",
           "first_year_short_mean": "1st mean", "first_year_short_p90": "1st P90",
           "last_year_short_p90": "last P90", "peak_year": "peak yr", "peak_deficit_mean": "peak mean",
           "peak_deficit_p90": "peak P90", "classrooms_to_build": "rooms", "standard_schools_p90": "schools P90",
           "latest_start_year": "start by", "peak_deficit_children_sum": "sub-areas P90",
           "earliest_opening_year": "open by",
           "year": "year", "demand_mean": "demand mean", "demand_p90": "demand P90", "seats": "seats",
           "deficit_seats": "deficit mean", "deficit_seats_p90": "deficit P90", "p_shortfall": "P(short)"},
    "zh": {"area": "区域", "level": "学段", "scenario": "情景", "base_year_deficit": "基年缺口",
           "first_year_short_mean": "首缺年均值", "first_year_short_p90": "首缺年P90",
           "last_year_short_p90": "末缺年P90", "peak_year": "峰值年", "peak_deficit_mean": "峰值均值",
           "peak_deficit_p90": "峰值P90", "classrooms_to_build": "需建教室", "standard_schools_p90": "标准校P90",
           "latest_start_year": "最迟开工", "peak_deficit_children_sum": "下级合计P90",
           "earliest_opening_year": "最早投用",
           "year": "年份", "demand_mean": "需求均值", "demand_p90": "需求P90", "seats": "学位数",
           "deficit_seats": "缺口均值", "deficit_seats_p90": "缺口P90", "p_shortfall": "缺口概率"},
}


def width(value: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)


def _pad(value: str, size: int, right: bool) -> str:
    gap = " " * max(0, size - width(value))
    return gap + value if right else value + gap


def _cell(value, name: str, lang: str, names: dict[str, str] | None = None) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "-"
    if name == "level":
        return level_group(str(value), lang)
    if name == "scenario":
        return scenario_name(str(value), lang)
    if name == "area" and names and lang == "zh" and names.get(str(value)):
        return names[str(value)]  # 巴南区, not banan (the id is in every CSV)
    if isinstance(value, bool):
        return text("yes" if value else "no", lang)
    if name.startswith("p_shortfall"):
        return probability(float(value), lang)
    if isinstance(value, float):
        return f"{value:,.0f}"
    if isinstance(value, int) and "year" not in name:
        return f"{value:,}"
    return str(value)


def table(rows: pd.DataFrame, columns: list[str], lang: str, names: dict[str, str] | None = None) -> str:
    """A fixed-width table; text columns left, numbers right. ``names``: area id -> name,
    shown in Chinese output instead of the id."""
    columns = [c for c in columns if c in rows]
    heads = [SHORT[lang].get(c, column(c, lang)) for c in columns]
    cells = [[_cell(v, c, lang, names) for c, v in zip(columns, r, strict=True)]
             for r in rows[columns].itertuples(index=False)]
    sizes = [max([width(h)] + [width(row[i]) for row in cells]) for i, h in enumerate(heads)]
    left = {"area", "level", "scenario"}
    lines = ["  ".join(_pad(h, s, c not in left) for h, s, c in zip(heads, sizes, columns, strict=True))]
    lines += ["  ".join(_pad(v, s, c not in left) for v, s, c in zip(row, sizes, columns, strict=True))
              for row in cells]
    return "\n".join(lines)


def format_spells(summary: pd.DataFrame, base_year: int, lang: str = "en", top: int = 20,
                  names: dict[str, str] | None = None) -> str:
    """The spells for the terminal: finest areas (top ``top``), then parents separately, each
    saying how many rows it did not show and where they all are."""
    if summary.empty:
        return text("none_short", lang)
    finest = summary[summary["detail"] == "finest"]
    parents = summary[summary["detail"] == "aggregate"]
    parts = []
    sheet = text("build_plan", lang)
    if len(finest):
        parts += [text("spells_heading", lang, base=base_year, n=len(finest)),
                  table(finest.head(top), FINEST, lang, names)]
        if len(finest) > top:
            parts.append(text("not_shown", lang, n=f"{len(finest) - top:,}", sheet=sheet))
    if len(parents):
        parts += ["", text("parents_heading", lang, n=len(parents)),
                  table(parents.head(top), PARENTS, lang, names)]
        if len(parents) > top:
            parts.append(text("not_shown", lang, n=f"{len(parents) - top:,}", sheet=sheet))
    return "\n".join(parts)


def headline(spells: pd.DataFrame, meta: dict, base_year: int | None, lang: str) -> list[str]:
    """What the terminal says first, as the report's banner does: results resting on an
    assumed capacity, needs already late to start, deficits too small to count."""
    lines = [assumed_capacity_line(meta, spells, lang), late_line(spells, base_year, lang),
             sub_class_line(meta, lang)]
    return [f"! {line}" if i < 2 else line for i, line in enumerate(lines) if line]


def choice_line(record: dict, lang: str) -> str:
    """Which forecast the evidence step used, level by level, in a planner's words (the code
    names and horizons are in run.json)."""
    levels = record.get("levels") or {}
    if record.get("method") != "evidence" or not levels:
        return ""
    by_choice: dict[str, list[str]] = {}
    for lv, part in levels.items():
        choices = list((part.get("choice_by_horizon") or {}).values())
        main = max(set(choices), key=choices.count) if choices else "cohort"
        by_choice.setdefault(main, []).append(level(lv, lang))
    said = text("sep", lang).join(text("choice_part", lang, levels="、".join(lvs) if lang == "zh" else ", ".join(lvs),
                                        what=candidate_name(c, lang)) for c, lvs in by_choice.items())
    return text("choice_line", lang, said=said)


YEARLY = ["area", "level", "year", "scenario", "demand_mean", "demand_p90", "seats", "deficit_seats",
          "deficit_seats_p90", "p_shortfall"]
