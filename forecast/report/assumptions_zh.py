"""The run's assumptions in Chinese for ``--lang zh``.

The assumptions are written by the pipeline and the capacity step in English, with their
numbers; the common ones are matched here and said in Chinese with the same numbers. Text a
dataset writes itself (e.g. its births proxy) has no translation and is shown as written,
marked as the original.
"""

from __future__ import annotations

import re

from forecast.report.labels import level

PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^births after the last observed year are held at that year's value, then the "
                r"scenario's multipliers apply; draws add a random walk with the past spread$"),
     "末个观测年之后的出生数保持该年水平，再乘以情景系数；模拟抽样在此基础上加入按历史波动幅度的随机游走"),
    (re.compile(r"^level-total drift estimated from the last (\d+) observed years, damped by ([\d.]+) "
                r"per further year \(see docs/methods.md\)$"),
     "学段总量的漂移按最近 {0} 个观测年估计，此后每年乘以 {1} 衰减（见 docs/methods.md）"),
    (re.compile(r"^births: (.*)$", re.S), "出生数：{W0}"),
    (re.compile(r"^scenario (\S+): births (.*)$"), "{S0}：出生数设定 {D1}"),
    (re.compile(r"^scenario (\S+): migration (.*)$"), "{S0}：迁移设定 {D1}"),
    (re.compile(r"^scenario (\S+): general share of senior entrants (.*)$"), "{S0}：高中阶段新生中普通高中占比 {1}"),
    (re.compile(r"^scenario (\S+): housing yields (\{.*\}) per dwelling \((.*)\)$"),
     "{S0}：每套新建住房带来的学生数 {D1}（{W2}）"),
    (re.compile(r"^existing seats: (.*) \(utilisation ([\d.]+); set capacity.existing in the config\)$"),
     "现有学位：{W0}（利用率 {1}；可在配置 capacity.existing 中修改）"),
    (re.compile(r"^(\w+): projects known only by floor area count one seat per ([\d.]+) m2 \(assumption; (.*)\)$"),
     "{L0}：仅知建筑面积的项目按每 {1} 平方米一个学位计算（假设；{W2}）"),
    (re.compile(r"^(\w+): projects known only by floor area count one seat per ([\d.]+) m2 \((.*)\)$"),
     "{L0}：仅知建筑面积的项目按每 {1} 平方米一个学位计算（{W2}）"),
    (re.compile(r"^mixed school (\S+) seats split (.*) \(config; set capacity.mixed_school_shares\)$"),
     "混合学段学校（{G0}）的学位按 {P1} 拆分（配置项 capacity.mixed_school_shares）"),
    (re.compile(r"^mixed school (\S+) seats split (.*) \(assumption: by number of grades; set "
                r"capacity.mixed_school_shares\)$"),
     "混合学段学校（{G0}）的学位按 {P1} 拆分（假设：按年级数；配置项 capacity.mixed_school_shares）"),
    (re.compile(r"^(\w+): no floor area per seat known, so its projects known only by floor area have no seats$"),
     "{L0}：无每学位建筑面积标准，仅知建筑面积的项目不计学位"),
]
ORIGINAL = "（原文）"

# The shipped datasets' and configs' own words (births proxies, capacity assumptions), said in
# Chinese; a planner's own text is shown as written, marked as the original.
TEXTS = {
    "The plan gives no births. Banan's cohorts are taken proportional to the births of Chongqing "
    "municipality (data/provinces/births.csv: birth rate x mean population, NBS provincial data "
    "2000-2019; 2020-2025 scaled by national births). Only relative cohort sizes enter the "
    "level-total model, which calibrates its scale to Banan's 2016 and 2020 enrolment; the implied net "
    "migration absorbs any difference between Banan's and Chongqing's birth trends. Replace births.csv "
    "with district births when available.":
        "规划未给出出生数。巴南区的出生队列按重庆市出生数的比例推算（data/provinces/births.csv：出生率 × 平均人口，"
        "国家统计局 2000-2019 年分省数据；2020-2025 年按全国出生数缩放）。学段总量模型只使用队列的相对大小，"
        "并以巴南区 2016 年和 2020 年在校生校准规模；隐含的净迁移吸收巴南区与重庆市出生趋势的差异。"
        "有区县出生数时请替换 births.csv。",
    "The plan gives no births. births.csv holds Ningxia's births (NBS provincial data, birth rate x mean "
    "population; 2020-2025 scaled by national births) as a proxy cohort index. It becomes usable once "
    "district enrolment is added: the level-total model uses only relative cohort sizes and calibrates "
    "its scale to the district's enrolment.":
        "规划未给出出生数。births.csv 为宁夏出生数（国家统计局分省数据，出生率 × 平均人口；2020-2025 年按全国出生数缩放），"
        "作为代理出生队列指数。补充区县在校生后即可使用：学段总量模型只使用队列的相对大小，并以区县在校生校准规模。",
    "The plan gives no births. births.csv holds Guangdong's births (NBS provincial data, birth rate x mean "
    "population; 2020-2025 scaled by national births) as a proxy cohort index, usable once district "
    "enrolment is added (the model calibrates its scale).":
        "规划未给出出生数。births.csv 为广东出生数（国家统计局分省数据，出生率 × 平均人口；2020-2025 年按全国出生数缩放），"
        "作为代理出生队列指数，补充区县在校生后即可使用（模型会校准其规模）。",
    "the plan states no seat count for 2020, so 2020 seats are taken as 2020 enrolment (every pupil "
    "seated, no spare seats); a utilisation below 1 adds spare seats":
        "规划未给出 2020 年学位数，因此以 2020 年在校生数作为 2020 年学位数（每名学生都有学位，无空余学位）；"
        "利用率低于 1 时增加空余学位",
    "the plan gives no seat count, so base-year seats are taken as base-year enrolment (no spare seats, "
    "no unseated pupils)": "规划未给出学位数，因此以基年在校生数作为基年学位数（无空余学位，也无无学位学生）",
    "the panel has no seat or classroom counts, so base-year seats are taken as base-year enrolment "
    "(every pupil seated, no spare seats)":
        "数据没有学位数或教室数，因此以基年在校生数作为基年学位数（每名学生都有学位，无空余学位）",
    "illustrative yields per dwelling; no published 千人指标 were found (see data README)":
        "每套住房带来学生数为示意值；未找到公开的千人指标（见数据 README）",
    "建标102-2002 table 4-1(2) floor area per pupil of a 24-class school (primary 7.9, junior 9.8, senior "
    "10.0 m2); Banan's buildings may include dormitories or sports halls, which would make the true seat "
    "counts smaller (data/standards/floor_area_per_seat.csv)":
        "建标102-2002 表 4-1(2) 24 班学校生均建筑面积（小学 7.9、初中 9.8、高中 10.0 m2）；巴南区项目的建筑面积可能含宿舍或体育馆，"
        "实际学位会更少（data/standards/floor_area_per_seat.csv）",
    "data/standards/floor_area_per_seat.csv": "data/standards/floor_area_per_seat.csv",
}
KEYS = {"multiplier": "系数", "from_year": "起始年份", "uplift_percent": "上调百分比", "uplift_from": "上调起始年份",
        "series": "指定序列", "mode": "方式", "scale": "倍数", "net_movers": "净迁入人数", "scaled": "按倍数放大",
        "none": "不计迁移", "estimated": "按估计值"}


def _words(text: str) -> str:
    """A shipped text in Chinese, else as written."""
    return TEXTS.get(text.strip(), text)


def _settings(text: str) -> str:
    """A scenario's settings ``{'multiplier': 0.9, 'from_year': 2021}`` in Chinese words."""
    import ast

    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    if not isinstance(value, dict):
        return text
    parts = []
    for key, item in value.items():
        shown = KEYS.get(item, level(item, "zh")) if isinstance(item, str) else item
        parts.append(f"{KEYS.get(key, level(key, 'zh'))} {shown}")
    return "，".join(parts)


def in_chinese(assumption: str) -> str:
    """``assumption`` said in Chinese when it is one of the common ones, else as written."""
    from forecast.report.labels import level_group

    for pattern, words in PATTERNS:
        found = pattern.match(assumption)
        if found:
            groups = found.groups()
            for i, group in enumerate(groups):  # {L0} a level, {G0} a level group, {S0} a scenario,
                words = (words.replace(f"{{L{i}}}", level(group, "zh"))  # {D1} settings, {W0} words,
                         .replace(f"{{G{i}}}", level_group(group, "zh"))  # {P1} level shares
                         .replace(f"{{S{i}}}", _scenario(group))
                         .replace(f"{{D{i}}}", _settings(group)).replace(f"{{W{i}}}", _words(group))
                         .replace(f"{{P{i}}}", re.sub(r"(\w+) ([\d.]+)", lambda m: f"{level(m.group(1), 'zh')} {m.group(2)}",
                                                      group).replace(", ", "，")))
            said = words.format(*groups)
            free = [g for i, g in enumerate(groups) if f"{{W{i}}}" in PATTERN_WORDS[pattern]]
            untranslated = any(_words(g) == g and _latin(g) for g in free)
            return said + ORIGINAL if untranslated else said  # a planner's own words, as written
    return f"{assumption}{ORIGINAL}"


PATTERN_WORDS = dict(PATTERNS)


def _scenario(name: str) -> str:
    """情景 and the scenario's name (the shipped names already end in 情景)."""
    from forecast.report.labels import scenario_name

    shown = scenario_name(name, "zh")
    return shown if shown.endswith("情景") else f"情景 {shown}"


def _latin(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]{3,}", text))


def assumptions_in(meta: dict, lang: str) -> list[str]:
    """The run's assumptions as a planner reads them in ``lang``."""
    said = meta.get("assumptions") or []
    return [in_chinese(a) for a in said] if lang == "zh" else list(said)
