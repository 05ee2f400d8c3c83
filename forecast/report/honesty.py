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
from forecast.report.labels import method_name

WORDS = {
    "en": {
        "run": "In backtests the P10-P90 band (meant to hold 80 % of outcomes) held {cover}{borrowed}.",
        "borrowed": " (borrowed from the shipped error library: this dataset's own history is too short)",
        "acc": "Where the P10-P90 ranges come from: the {model} model's own simulations. How well such "
               "ranges held: in this folder's backtest the P10-P90 band (meant to hold 80 % of outcomes) "
               "held {cover} for the {model} model: read P90 and P(shortfall) with that in mind.",
        "none": "Where the P10-P90 ranges come from: the spread of the cohort model's own simulations "
                "(births and ratios drawn at random), not backtested against past outcomes. How well such "
                "ranges held: not tested, so they show the spread the model assumes, not a tested 80 % "
                "range; read P90 and P(shortfall) as indicative.",
        "own": "Where the P10-P90 ranges come from: the errors of this dataset's own forecasts made in "
               "{origins} and checked against what happened next (up to {horizon} years ahead). How well "
               "such ranges held: meant to hold 80 % of outcomes, they held {cover}.",
        "level": "{pct} of outcomes for {level}", "sep": "; ",
        "library": "Where the P10-P90 ranges come from: borrowed from the shipped error library ({source}), "
                   "the errors past forecasts of other datasets made at each horizon (plus or minus their "
                   "80th percentile), because this dataset's own history is too short to test a range{widened}. "
                   "How well such ranges held: at least 80 % of outcomes in those datasets; not testable here.",
        "widened": "; widened to at least this dataset's own forecast errors where those were larger "
                   "({errors})",
        "error": "{pct} for {level} {h} years ahead",
    },
    "zh": {
        "run": "回测中 P10-P90 区间（设计上应覆盖 80% 的实际值）实际覆盖了{cover}{borrowed}。",
        "borrowed": "（借用随软件提供的误差库：本数据集自身历史太短）",
        "acc": "P10-P90 区间的来源：{model}模型自身的随机模拟。可信程度：本目录回测中，{model}模型的 P10-P90 区间"
               "（设计上应覆盖 80% 的实际值）实际覆盖了{cover}；请据此理解 P90 与缺口概率。",
        "none": "P10-P90 区间的来源：队列模型自身随机模拟（出生数与比率随机抽样）的波动，未经回测检验。可信程度：未经检验，"
                "它反映模型假设的波动，并非经检验的 80% 区间；P90 与缺口概率仅供参考。",
        "own": "P10-P90 区间的来源：本数据集在 {origins} 年所作预测与其后实际值之间的误差（最长 {horizon} 年）。"
               "可信程度：设计上应覆盖 80% 的实际值，实际覆盖了{cover}。",
        "level": "{level} {pct}", "sep": "，",
        "library": "P10-P90 区间的来源：借用随软件提供的误差库（{source}），即其他数据集以往预测在各预测年限上的误差"
                   "（取绝对误差的第 80 百分位，上下对称），因为本数据集自身历史太短，无法检验区间{widened}。"
                   "可信程度：在这些数据集中至少覆盖了 80% 的实际值；在此无法检验。",
        "widened": "；本数据集自身预测误差更大之处，区间放宽至不小于该误差（{errors}）",
        "error": "{level}提前 {h} 年 {pct}",
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
    origins = evidence.get("origins") or []
    if cover and not borrowed and origins:
        text = words["sep"].join(words["level"].format(pct=_percent(v), level=level_name(lv, lang))
                                 for lv, v in cover.items())
        span = str(origins[0]) if origins[0] == origins[-1] else f"{origins[0]}-{origins[-1]}"
        return words["own"].format(origins=span, horizon=evidence.get("horizon") or "", cover=text)
    if cover:
        text = words["sep"].join(words["level"].format(pct=_percent(v), level=level_name(lv, lang))
                                 for lv, v in cover.items())
        return words["run"].format(cover=text, borrowed=words["borrowed"] if borrowed else "")
    if borrowed:
        own = intervals.get("own_errors_by_level") or {}
        errors = words["sep"].join(
            words["error"].format(pct=_percent(v), level=level_name(lv, lang), h=h)
            for lv, by_h in own.items() for h, v in by_h.items() if isinstance(v, (int, float)))
        widened = words["widened"].format(errors=errors) \
            if intervals.get("at_least_own_errors") and errors else ""
        source = str(intervals.get("source", "error_library.csv"))
        if lang == "zh":
            source = source.replace("backtests of ", "回测数据集 ")
        return words["library"].format(source=source, widened=widened)
    return words["none"]


def _borrowed(section: Any) -> bool:
    if not isinstance(section, dict):
        return False
    text = " ".join(str(v) for k, v in section.items() if k in ("source", "origin", "from")).lower()
    return bool(section.get("borrowed")) or "library" in text


def interval_note(meta: dict, accuracy: pd.DataFrame | None = None, lang: str = "en") -> str:
    """The one statement of where the run's intervals come from and how well such intervals
    held, in a planner's words: the terminal, report.html, report.xlsx and run.json
    (``interval_statement``) say the same. A backtest written into the folder later
    (``accuracy.csv``) is new evidence and is said instead."""
    accuracy = pd.DataFrame() if accuracy is None else accuracy
    stored = meta.get("interval_statement")
    if accuracy.empty and isinstance(stored, dict) and isinstance(stored.get(lang), str):
        return stored[lang]
    return _statement(meta, accuracy, lang)


def statement_record(meta: dict, accuracy: pd.DataFrame | None = None) -> dict:
    """run.json's ``interval_statement``: the statement in every language and the coverage
    it quotes (level -> share of outcomes inside P10-P90; empty when not tested).
    ``accuracy``: the run's own backtest table (``--model auto``), if any."""
    from forecast.report.labels import LANGUAGES

    accuracy = pd.DataFrame() if accuracy is None else accuracy
    return {**{lang: _statement(meta, accuracy, lang) for lang in LANGUAGES},
            "coverage_80": coverage(meta, accuracy)}


def coverage(meta: dict, accuracy: pd.DataFrame | None = None) -> dict[str, float]:
    """The coverage by level the statement quotes (empty when the intervals were not tested)."""
    accuracy = pd.DataFrame() if accuracy is None else accuracy
    evidence = meta.get("evidence")
    if isinstance(evidence, dict) and isinstance(evidence.get("levels"), dict):
        out = {}
        for level, part in evidence["levels"].items():
            values = [v for v in (part.get("coverage_80_by_horizon") or {}).values()
                      if isinstance(v, (int, float)) and v == v]
            if values:
                out[level] = round(sum(values) / len(values), 4)
        return out
    for key in ("intervals", "evidence"):
        levels = _coverage_by_level(meta.get(key))
        if levels:
            return levels
    if len(accuracy) and "coverage_80" in accuracy:
        model = meta.get("projection_method") or "cohort"
        part = accuracy[accuracy["model"] == model] if "model" in accuracy else accuracy
        part = (part if len(part) else accuracy).dropna(subset=["coverage_80"])
        if len(part) and "level" in part:
            return {lv: round(float(v), 4) for lv, v in part.groupby("level")["coverage_80"].mean().items()}
    return {}


def _statement(meta: dict, accuracy: pd.DataFrame, lang: str) -> str:
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
            return words["acc"].format(cover=cover, model=method_name(model, lang))
    return words["none"]
