"""The terminal's notes, coverage lines and ``forecast validate`` summary in the user's
language.

The pipeline and the dataset write their notes in English, with their numbers; in Chinese
the common ones are said again here with the same numbers (as ``assumptions_zh`` does for
the assumptions). A note without a translation is shown as written and marked as the
original, never silently dropped.
"""

from __future__ import annotations

import re

import pandas as pd

from forecast.report.labels import level, level_group

ORIGINAL = "（原文）"
METHODS_ZH = {"births": "按出生数", "own history": "按自身历史趋势", "feeder pool": "按生源池份额",
              "progression": "按升级比率"}


def _entry_parts(parts: str) -> str:
    """'junior: births (1 area); pre_k PK: own history (1091 areas)' in Chinese."""
    out = []
    for part in parts.split("; "):
        found = re.match(r"^(\S+)(?: (\S+))?: (.+?) \((\d+) areas?\)$", part)
        if not found:
            return ""
        lv, grade, method, n = found.groups()
        what = level(lv, "zh") + (f" {grade} 年级" if grade else "")
        out.append(f"{what}：{METHODS_ZH.get(method, method)}（{n} 个区域）")
    return "；".join(out)


def note_text(note: str, lang: str) -> str:
    """A run note in ``lang`` (English notes are shown as written)."""
    if lang != "zh":
        return note
    found = re.match(r"^entry grades projected by (.+) \(entry_methods\.csv\)$", note)
    if found and _entry_parts(found.group(1)):
        return f"各学段起始年级的预测方法：{_entry_parts(found.group(1))}（见 entry_methods.csv）"
    found = re.match(r"^(\d+) area x grade\(s\) taught in the base year could not be projected", note)
    if found:
        return (f"{found.group(1)} 个区域年级在基年有学生但无法预测，已略去，原因见 refusals.csv；"
                "其上级区域标记为不完整（complete = false）")
    found = re.match(r"^(\d+) area x grade ratio\(s\) borrowed from other areas or limited", note)
    if found:
        return f"{found.group(1)} 个区域年级的比率借用其他区域的数值或被限制在所有区域的范围内（见 refusals.csv 的 status 列）"
    found = re.match(r"^(\S+) has no enrolment\.csv: demand cannot be projected", note)
    if found:
        return ("数据集没有 enrolment.csv（在校生）：无法预测需求，因此不计算学位缺口；"
                "coverage.csv 列出规划学位相对于出生数变化的覆盖情况")
    if note.startswith("streamed run:"):
        return "流式运行：各行预测随算随写入磁盘，因此不应用回测证据选择；预测为队列流动模型"
    return f"{note}{ORIGINAL}"


def coverage_lines(coverage: pd.DataFrame, lang: str, names: dict[str, str] | None = None) -> list[str]:
    """What the planned seats cover (a dataset with births but no enrolment)."""
    names = names or {}
    if lang != "zh":
        lines = ["what the planned seats cover (no enrolment, births only):"]
        for row in coverage.itertuples():
            change = row.birth_driven_change_percent
            cohorts = "cohorts n/a" if change != change else f"cohorts {change:+.1f} %"  # NaN: no births
            lines.append(f"  {row.area} {row.level}: {row.planned_seats:,.0f} seats; {cohorts}; "
                         f"{row.reading}")
        return lines
    lines = ["规划学位的覆盖情况（无在校生数据，仅依出生数）："]
    for row in coverage.itertuples():
        lines.append(f"  {names.get(str(row.area), row.area)} {level_group(row.level, 'zh')}："
                     f"规划学位 {row.planned_seats:,.0f} 个；对应出生队列变化 "
                     f"{_change_zh(row.birth_driven_change_percent)}；{_reading_zh(row)}")
    return lines


def _change_zh(change: float) -> str:
    return "无法计算" if change != change else f"{change:+.1f} %"  # NaN: no births


def _reading_zh(row) -> str:
    reading = str(row.reading)
    if reading.startswith("no births"):
        return "该区域无出生数据，无法判断"
    found = re.match(r"^covers birth-driven growth if (\d+) enrolment was below ([\d,]+)", reading)
    if found:
        return f"若 {found.group(1)} 年在校生少于 {found.group(2)} 人且无空余学位，可覆盖出生数带来的增长（假设）"
    if reading.startswith("births alone need no new seats"):
        return "仅依出生数无需新增学位（队列缩小）；规划学位用于缓解拥挤、迁入或公办/普惠比例"
    return f"{reading}{ORIGINAL}"


def validate_lines(dataset, lang: str) -> list[str]:
    """``forecast validate``'s summary of a valid dataset (``Dataset.summary`` in English)."""
    if lang != "zh":
        return dataset.summary().splitlines()
    totals = dataset.level_totals()
    shown = ", ".join(str(a) for a in dataset.areas["area"][:8]) + ("，……" if len(dataset.areas) > 8 else "")
    from forecast.data.catalog import shown_path

    lines = [f"数据集 {dataset.name}（{shown_path(dataset.path)}）",
             f"  区域：{len(dataset.areas)} 个（{shown}）；基年 {dataset.base_year}",
             "  学制：" + "；".join(
                 f"{level(lv.name, 'zh')} {lv.grades[0]}-{lv.grades[-1]} 年级（{lv.entry_age} 岁入学，"
                 + ("按出生数" if lv.intake == "births" else f"来自{level(dataset.system.feeder(lv.name).name, 'zh')}")
                 + "）" for lv in dataset.system.levels)]
    if len(dataset.births):
        proxy = "（代理出生队列指数，见 dataset.yaml）" if dataset.meta.get("births_proxy") else ""
        lines.append(f"  出生数：{dataset.births.year.min()}-{dataset.births.year.max()}{proxy}")
    else:
        lines.append("  出生数：无")
    if len(totals):
        lines.append("  在校生（人）：")
        pivot = totals.pivot_table(index=["area", "level"], columns="year", values="students", aggfunc="sum")
        for (area, lv), row in pivot.head(12).iterrows():
            observed = row.dropna()
            cells = "，".join(f"{int(y)}：{v:,.0f}" for y, v in observed.items())
            lines.append(f"    {area}  {level(lv, 'zh')}  {cells}")
        if len(pivot) > 12:
            lines.append(f"    另有 {len(pivot) - 12:,} 个区域学段序列")
    else:
        lines.append("  在校生：无")
    for name, frame in dataset.tables.items():
        lines.append(f"  {name}.csv：{len(frame)} 行")
    return lines


def readiness_lines(dataset, lang: str) -> list[str]:
    """What the models can do with the dataset (``models.readiness``), in ``lang``."""
    from forecast.models.readiness import model_readiness

    lines = model_readiness(dataset)
    if lang != "zh":
        return lines
    out = []
    for line in lines:
        found = re.match(r"^(\S+): level cohort flow: (yes|on own history \(no births\)); grade cohort flow: "
                         r"(yes|no \(needs grades in two consecutive years\)); regression: (yes|no) \((\d+) years, "
                         r"needs (\d+)\); smoothing: (yes|no) \((\d+) consecutive, needs (\d+)\)$", line)
        if not found:
            out.append(f"{line}{ORIGINAL}")
            continue
        lv, cohort, grade, reg, years, need, smooth, run, need2 = found.groups()
        out.append(f"{level(lv, 'zh')}：学段队列流动 {'可用' if cohort == 'yes' else '按自身历史（无出生数）'}；"
                   f"分年级队列流动 {'可用' if grade == 'yes' else '不可用（需连续两年的分年级数据）'}；"
                   f"回归 {'可用' if reg == 'yes' else '不可用'}（{years} 年，需 {need} 年）；"
                   f"平滑 {'可用' if smooth == 'yes' else '不可用'}（连续 {run} 年，需 {need2} 年）")
    return out


def entry_text_lines(methods: pd.DataFrame, refusals: pd.DataFrame, lang: str) -> list[str]:
    """How each area's entry grades will be projected (``models.readiness.entry_lines``)."""
    from forecast.models.readiness import MAX_LISTED, entry_lines

    if lang != "zh":
        return entry_lines(methods, refusals)
    lines = []
    for (lv, grade, method), part in methods.groupby(["level", "grade", "method"], sort=False):
        names = "、".join(part["area"].astype(str).head(MAX_LISTED))
        more = f"……（共 {len(part)} 个区域）" if len(part) > MAX_LISTED else ""
        what = level(lv, "zh") + (f" {grade} 年级" if grade else "")
        lines.append(f"{what}：{METHODS_ZH.get(method, method)}，{names}{more}")
    refused = refusals[refusals["status"] == "refused"] if len(refusals) else refusals
    for row in refused.head(20).itertuples():
        lines.append(f"无法预测：{row.area} {level(row.level, 'zh')} {row.grade}：{row.reason}{ORIGINAL}")
    return lines
