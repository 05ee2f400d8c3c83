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
    (re.compile(r"^scenario (\S+): births (.*)$"), "情景 {0}：出生数设定 {1}"),
    (re.compile(r"^scenario (\S+): migration (.*)$"), "情景 {0}：迁移设定 {1}"),
    (re.compile(r"^scenario (\S+): general share of senior entrants (.*)$"), "情景 {0}：高中阶段新生中普通高中占比 {1}"),
    (re.compile(r"^scenario (\S+): housing yields (\S+) per dwelling \((.*)\)$"), "情景 {0}：每套新建住房带来 {1} 名学生（{2}）"),
    (re.compile(r"^existing seats: (.*) \(utilisation ([\d.]+); set capacity.existing in the config\)$"),
     "现有学位：{0}（利用率 {1}；可在配置 capacity.existing 中修改）"),
    (re.compile(r"^(\w+): projects known only by floor area count one seat per ([\d.]+) m2 \((.*)\)$"),
     "{L0}：仅知建筑面积的项目按每 {1} 平方米一个学位计算（{2}）"),
    (re.compile(r"^mixed school (\S+) seats split (.*) \(config; set capacity.mixed_school_shares\)$"),
     "混合学段学校（{0}）的学位按 {1} 拆分（配置项 capacity.mixed_school_shares）"),
    (re.compile(r"^(\w+): no floor area per seat known, so its projects known only by floor area have no seats$"),
     "{L0}：无每学位建筑面积标准，仅知建筑面积的项目不计学位"),
]
ORIGINAL = "（原文）"


def in_chinese(assumption: str) -> str:
    """``assumption`` said in Chinese when it is one of the common ones, else as written."""
    for pattern, words in PATTERNS:
        found = pattern.match(assumption)
        if found:
            groups = found.groups()
            if "{L0}" in words:
                words = words.replace("{L0}", level(groups[0], "zh"))
            return words.format(*groups)
    return f"{assumption}{ORIGINAL}"
