"""How far to trust the P90s and the P(shortfall): the coverage the intervals reached in
backtests, in words a planner reads.

Read defensively, in this order:

1. the run record's own evidence (``run.json`` ``intervals`` or ``evidence``: coverage per
   level, and whether it was borrowed from a shipped error library);
2. a backtest's ``accuracy.csv`` in the run folder (``coverage_80`` by model, level, horizon);
3. neither: the intervals are model-based and were not backtested, and the page says so.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from forecast.report.labels import level as level_name

WORDS = {
    "en": {
        "run": "In backtests the P10-P90 band (meant to hold 80 % of outcomes) held {cover}{borrowed}.",
        "borrowed": " (borrowed from the shipped error library: this dataset's own history is too short)",
        "acc": "In this folder's backtest the P10-P90 band (meant to hold 80 % of outcomes) held {cover} "
               "for the {model} model: read P90 and P(shortfall) with that in mind.",
        "none": "The P10-P90 intervals are model-based and were not backtested: they show the spread "
                "the model assumes, not a tested 80 % range. Read P90 and P(shortfall) as indicative.",
        "level": "{pct} of outcomes for {level}", "sep": "; ",
        "library": "The P10-P90 band is borrowed from the shipped error library ({source}): plus or minus "
                   "the 80th percentile of the absolute errors those backtests made at each horizon, so "
                   "it held at least 80 % of their outcomes; this dataset's own history is too short to "
                   "test it here.",
    },
    "zh": {
        "run": "回测中 P10-P90 区间（设计上应覆盖 80% 的实际值）实际覆盖了{cover}{borrowed}。",
        "borrowed": "（借用随软件提供的误差库：本数据集自身历史太短）",
        "acc": "本目录回测中，{model}模型的 P10-P90 区间（设计上应覆盖 80% 的实际值）实际覆盖了{cover}；"
               "请据此理解 P90 与缺口概率。",
        "none": "P10-P90 区间仅依模型假设计算，未经回测检验：它反映模型假设的波动，并非经检验的 80% 区间。"
                "P90 与缺口概率仅供参考。",
        "level": "{level} {pct}", "sep": "，",
        "library": "P10-P90 区间借用随软件提供的误差库（{source}）：取这些回测在各预测年限上绝对误差的第 80 "
                   "百分位，上下对称，因此在这些回测中至少覆盖了 80% 的实际值；本数据集自身历史太短，无法在此检验。",
    },
}


def _percent(value: float) -> str:
    return f"{100 * value:.0f} %" if value <= 1.0 else f"{value:.0f} %"


def _coverage_by_level(section: Any) -> dict[str, float]:
    """level -> coverage from whatever shape the run record uses (number or dict per level)."""
    if not isinstance(section, dict):
        return {}
    for key in ("coverage", "levels", "by_level", "coverage_80"):
        if isinstance(section.get(key), dict):
            found = _coverage_by_level(section[key])
            if found:
                return found
    out = {}
    for name, value in section.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and name not in ("target", "nominal"):
            out[name] = float(value)
        elif isinstance(value, dict):
            for key in ("coverage_80", "coverage", "achieved", "coverage_after"):
                if isinstance(value.get(key), (int, float)):
                    out[name] = float(value[key])
                    break
    return out


def _evidence_note(evidence: dict, words: dict, lang: str) -> str:
    """Words for the evidence step's record (``forecast.evidence``): the honest backtest coverage
    per level where the run's own backtest measured it, else where the band was borrowed from."""
    cover = {}
    for level, part in evidence["levels"].items():
        values = [v for v in (part.get("coverage_80_by_horizon") or {}).values()
                  if isinstance(v, (int, float)) and v == v]
        if values:
            cover[level] = sum(values) / len(values)
    intervals = evidence.get("intervals") or {}
    borrowed = bool(intervals.get("borrowed"))
    if cover:
        text = words["sep"].join(words["level"].format(pct=_percent(v), level=level_name(lv, lang))
                                 for lv, v in cover.items())
        return words["run"].format(cover=text, borrowed=words["borrowed"] if borrowed else "")
    if borrowed:
        return words["library"].format(source=intervals.get("source", "error_library.csv"))
    return words["none"]


def _borrowed(section: Any) -> bool:
    if not isinstance(section, dict):
        return False
    text = " ".join(str(v) for k, v in section.items() if k in ("source", "origin", "from")).lower()
    return bool(section.get("borrowed")) or "library" in text


def interval_note(meta: dict, accuracy: pd.DataFrame, lang: str = "en") -> str:
    """One sentence on the backtested coverage of the run's intervals."""
    words = WORDS[lang]
    evidence = meta.get("evidence")
    if isinstance(evidence, dict) and isinstance(evidence.get("levels"), dict):
        return _evidence_note(evidence, words, lang)
    for key in ("intervals", "evidence"):
        section = meta.get(key)
        levels = _coverage_by_level(section)
        if levels:
            cover = words["sep"].join(words["level"].format(pct=_percent(v), level=level_name(lv, lang))
                                      for lv, v in levels.items())
            return words["run"].format(cover=cover, borrowed=words["borrowed"] if _borrowed(section) else "")
    if len(accuracy) and "coverage_80" in accuracy:
        model = meta.get("projection_method") or "cohort"
        part = accuracy[accuracy["model"] == model] if "model" in accuracy else accuracy
        part = part if len(part) else accuracy
        part = part.dropna(subset=["coverage_80"])
        if len(part):
            if "level" in part:
                by = part.groupby("level")["coverage_80"].mean()
                cover = words["sep"].join(words["level"].format(pct=_percent(v), level=level_name(lv, lang))
                                          for lv, v in by.items())
            else:
                cover = _percent(float(part["coverage_80"].mean()))
            return words["acc"].format(cover=cover, model=model)
    return words["none"]
