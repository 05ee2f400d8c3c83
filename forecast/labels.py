"""Chinese and English labels for the report: sheet names, column headings, level names.

One table so the workbook, the charts and the HTML page say the same thing. Columns
without a label keep their file name (the CSV heading), so nothing is ever unlabelled.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")

LEVEL_NAMES = {
    "en": {"kindergarten": "Kindergarten", "primary": "Primary", "junior": "Junior secondary",
           "senior_general": "Senior general", "senior_vocational": "Senior vocational"},
    "zh": {"kindergarten": "学前教育", "primary": "小学", "junior": "初中",
           "senior_general": "普通高中", "senior_vocational": "中等职业教育"},
}

COLUMNS = {
    "area": ("Area", "区域"), "level": ("Level", "学段"), "grade": ("Grade", "年级"),
    "year": ("Year", "年份"), "scenario": ("Scenario", "情景"), "model": ("Model", "模型"),
    "mean": ("Mean", "均值"), "p10": ("P10", "P10 下限"), "p50": ("Median", "中位数"),
    "p90": ("P90", "P90 上限"),
    "demand_mean": ("Demand (mean)", "学位需求（均值）"),
    "demand_p90": ("Demand (P90)", "学位需求（P90）"), "seats": ("Seats", "学位数"),
    "deficit_seats": ("Seat deficit", "学位缺口"), "classes_needed": ("Classes needed", "所需班数"),
    "classrooms": ("Classrooms", "教室数"), "avg_class_size": ("Average class size", "平均班额"),
    "seat_shortfall": ("Seat shortfall", "学位不足"),
    "over_standard_class_size": ("Over class-size standard", "超标准班额"),
    "large_class_risk": ("Large classes (56+)", "大班额风险（56人以上）"),
    "super_large_class_risk": ("Super-large classes (66+)", "超大班额风险（66人以上）"),
    "p_shortfall": ("P(shortfall)", "缺口概率"), "class_size_limit": ("Class-size limit", "班额标准"),
    "deficit_seats_p90": ("Seat deficit (P90)", "学位缺口（P90）"),
    "classrooms_to_build": ("Classrooms to build", "需新建教室"),
    "plan_target": ("Plan target", "规划目标"), "model_mean": ("Model mean", "模型均值"),
    "model_p10": ("Model P10", "模型 P10"), "model_p90": ("Model P90", "模型 P90"),
    "target_inside_p10_p90": ("Target inside P10-P90", "目标在区间内"),
    "target_vs_mean_percent": ("Target vs mean (%)", "目标较均值（%）"),
    "base_year": ("Base year", "基年"), "observed": ("Observed", "实际"),
    "assumption": ("Assumption", "假设"), "source": ("Source", "来源"), "n": ("n", "样本数"),
    "horizon": ("Years ahead", "预测年数"), "mape": ("MAPE (%)", "平均绝对百分比误差（%）"),
    "median_ape": ("Median APE (%)", "绝对百分比误差中位数（%）"),
    "bias_percent": ("Bias (%)", "偏差（%）"), "mase": ("MASE", "MASE"),
    "relative_mae": ("MAE vs last value", "相对末值误差"),
    "coverage_80": ("80 % interval coverage", "80%区间覆盖率"),
    "item": ("Item", "项目"), "value": ("Value", "数值"),
}

TEXT = {
    "summary": ("Summary", "概要"), "projections": ("Projections", "预测"),
    "shortfall": ("Shortfall", "学位缺口"), "plan_check": ("Plan check", "规划核对"),
    "assumptions": ("Assumptions", "假设"), "sources": ("Data sources", "数据来源"),
    "accuracy": ("Accuracy", "回测精度"),
    "title": ("School places: demand and shortfall", "学位需求与缺口预测报告"),
    "fan_title": ("{area}: {level} enrolment", "{area}：{level}在校生"),
    "history": ("Observed", "实际"), "interval": ("P10-P90", "P10-P90 区间"),
    "plan_target": ("Plan target", "规划目标"), "students": ("Pupils", "在校生人数"),
    "seats_title": ("{area}: {level} demand and seats", "{area}：{level}学位需求与学位数"),
    "heatmap_title": ("Seat deficit at P90 (pupils)", "学位缺口（P90，人）"),
    "worst": ("Worst shortfalls", "最严重的学位缺口"),
    "no_shortfall": ("No seat deficit at P90 in any year.", "各年份P90需求均未超过学位数。"),
    "dataset": ("Dataset", "数据集"), "run_id": ("Run id", "运行编号"),
    "method": ("Projection method", "预测方法"), "generated": ("forecast version", "forecast 版本"),
    "truncated": ("First {n} rows of {total}; projections.csv has them all.",
                  "仅列出 {total} 行中的前 {n} 行；完整数据见 projections.csv。"),
    "no_accuracy": ("No backtest in this folder: run `forecast backtest --out DIR`.",
                    "本目录无回测结果：请运行 forecast backtest --out DIR。"),
}


def _index(lang: str) -> int:
    if lang not in LANGUAGES:
        raise ValueError(f"language '{lang}': use one of {', '.join(LANGUAGES)}")
    return LANGUAGES.index(lang)


def column(name: str, lang: str) -> str:
    """The heading of a column (its CSV name when it has no label)."""
    return COLUMNS[name][_index(lang)] if name in COLUMNS else name


def text(key: str, lang: str, **values: object) -> str:
    return TEXT[key][_index(lang)].format(**values)


def level(name: str, lang: str) -> str:
    _index(lang)
    return LEVEL_NAMES[lang].get(name, name)
