"""Chinese and English labels for the report: sheet names, column headings, level names.

One table so the workbook, the charts and the HTML page say the same thing. Columns
without a label keep their file name (the CSV heading), so nothing is ever unlabelled.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")

LEVEL_NAMES = {
    "en": {"kindergarten": "Kindergarten", "primary": "Primary", "junior": "Junior secondary",
           "senior_general": "Senior general", "senior_vocational": "Senior vocational",
           "pre_k": "Pre-K", "elementary": "Elementary", "middle": "Middle school", "high": "High school",
           "special_education": "Special education"},
    "zh": {"kindergarten": "学前教育", "primary": "小学", "junior": "初中",
           "senior_general": "普通高中", "senior_vocational": "中等职业教育",
           "pre_k": "学前班", "elementary": "小学（美国）", "middle": "初中（美国）", "high": "高中（美国）",
           "special_education": "特殊教育"},
}

COLUMNS = {
    "area": ("Area", "区域"), "level": ("Level", "学段"), "grade": ("Grade", "年级"),
    "year": ("Year", "年份"), "scenario": ("Scenario", "情景"), "model": ("Model", "模型"),
    "mean": ("Mean", "均值"), "p10": ("P10", "P10 下限"), "p50": ("Median", "中位数"),
    "p90": ("P90", "P90 上限"),
    "demand_mean": ("Demand (mean)", "学位需求（均值）"),
    "demand_p90": ("Demand (P90)", "学位需求（P90）"), "seats": ("Seats", "学位数"),
    "deficit_seats": ("Seat deficit (mean)", "学位缺口（均值）"), "classes_needed": ("Classes needed (mean)", "所需班数（均值）"),
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
    "area_name": ("Area name", "区域名称"), "detail": ("Detail", "层级"),
    "basis": ("Basis", "依据"),
    "deficit_children_sum": ("Sub-areas' deficits (mean, not netted)", "下级区域缺口合计（均值，不相互抵消）"),
    "deficit_children_sum_p90": ("Sub-areas' deficits (P90, not netted)", "下级区域缺口合计（P90，不相互抵消）"),
    "short_in_base_year": ("Short in base year", "基年已缺"),
    "base_year_deficit": ("Base-year deficit (observed)", "基年缺口（实际）"),
    "first_year_short_mean": ("First year short (mean)", "首个缺口年份（均值）"),
    "first_year_short_p90": ("First year short (P90)", "首个缺口年份（P90）"),
    "last_year_short_mean": ("Last year short (mean)", "最后缺口年份（均值）"),
    "last_year_short_p90": ("Last year short (P90)", "最后缺口年份（P90）"),
    "years_short_p90": ("Years short (P90)", "缺口年数（P90）"),
    "peak_year": ("Peak year (P90)", "缺口峰值年份（P90）"),
    "peak_deficit_mean": ("Peak deficit (mean)", "峰值缺口（均值）"),
    "peak_deficit_p90": ("Peak deficit (P90)", "峰值缺口（P90）"),
    "peak_deficit_children_sum": ("Peak of sub-areas' deficits (P90)", "下级区域缺口合计峰值（P90）"),
    "standard_schools_mean": ("Standard schools (mean)", "标准规模学校数（均值）"),
    "standard_schools_p90": ("Standard schools (P90)", "标准规模学校数（P90）"),
    "lead_time_years": ("Lead time (years)", "建设周期（年）"),
    "latest_start_year": ("Latest start year", "最迟开工年份"),
    "start_already_late": ("Start already late", "开工已滞后"),
    "p_shortfall_first_year": ("P(shortfall) in first year", "首年缺口概率"),
    "planned_projects": ("Planned projects that help", "已规划项目"),
    "classrooms_basis": ("Why these classrooms", "教室数依据"),
    "earliest_opening_year": ("Earliest opening year", "最早投用年份"),
    "capacity_assumed": ("Seats assumed", "学位数为假设"),
    "mean_p10": ("P10", "P10 下限"), "mean_p90": ("P90", "P90 上限"),
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
    "spells_heading": ("Short at P90 in some year, base year {base} included: finest areas, most urgent first ({n})",
                       "含基年 {base} 在内某年 P90 需求超过学位数的区域学段：最细区域，最紧迫在前（{n} 个）"),
    "parents_heading": ("Parent areas: own net balance, and their sub-areas' deficits not netted ({n})",
                        "上级区域：自身净缺口，及下级区域缺口合计（不相互抵消）（{n} 个）"),
    "none_short": ("No area-level is short at P90 in any year, the base year included.",
                   "含基年在内，各区域学段各年份 P90 需求均未超过学位数。"),
    "no_demand": ("No enrolment to project: no seat deficit can be computed (see coverage.csv).",
                  "无在校生数据，无法预测需求，因而无法计算学位缺口（见 coverage.csv）。"),
    "wrote": ("wrote {path}", "已写入 {path}"), "lang_en": ("English", "英文"), "lang_zh": ("Chinese", "中文"), "warning": ("warning", "警告"),
    "valid": ("ok: the dataset is valid", "通过：数据集有效"), "note": ("note", "说明"),
    "yes": ("yes", "是"), "no": ("no", "否"), "finest": ("finest", "最细区域"),
    "aggregate": ("aggregate", "上级区域"), "observed": ("observed", "实际"),
    "projected": ("projected", "预测"),
    "plan_line": ("plan check: {inside} of {n} plan targets lie inside the model's P10-P90 interval",
                  "规划核对：{n} 项规划目标中有 {inside} 项落在模型 P10-P90 区间内"),
    "build_plan": ("Build plan", "建设计划"),
    "filter": ("Filter tables", "筛选表格"),
    "pupils_unit": ("Pupils (persons)", "在校生（人）"), "pupils_seats": ("Pupils and seats (persons)", "在校生与学位（人）"),
    "heatmap_top": (": the {n} largest of {total} area-levels, grouped by parent area; all in shortfall_summary.csv",
                    "：{total} 个区域学段中缺口最大的 {n} 个，按上级区域分组；全部见 shortfall_summary.csv"), "run": ("Run", "运行信息"),
    "coverage_note": ("How far to trust P90 and P(shortfall)", "P90 与缺口概率的可信程度"), "charts": ("Charts", "图表"),
    "spells": ("Shortfall spells and what to build", "学位缺口时段与建设需求"),
    "heatmap": ("Where and when (P90 deficit)", "缺口分布（P90）"),
    "area_not_short": ("Not short at P90 in any year (base year included).", "含基年在内各年份 P90 需求均未超过学位数。"),
    "print_note": ("For print: plots/*.png (200 dpi) beside this file.", "打印用图：本文件旁的 plots/*.png（200 dpi）。"),
    "yearly_heading": ("Area-level-years with a P90 deficit, worst first ({n} rows)",
                       "P90 学位缺口的区域学段年份，最严重在前（{n} 行）"),
    "records_line": ("{n} record(s) with a seat need", "{n} 条学位需求记录"),
    "plan_not_carried": ("the build plan was left out of this export (another run, or cut to some areas or "
                         "scenarios); run forecast plan to write it again",
                         "本次导出未包含建设方案（方案来自另一次运行，或导出仅含部分区域或情景）；请重新运行 forecast plan"),
    "no_accuracy": ("Not backtested: this run's intervals were not tested against past outcomes; "
                    "`forecast backtest --out DIR` tests every model on this dataset.",
                    "未经回测：本次运行的区间未以历史实际值检验；运行 forecast backtest --out DIR 可检验各模型。"),
    "own_backtest": ("The run's own backtest (run.json): mean absolute error (%) of the chosen forecast "
                     "and the share of outcomes inside its P10-P90 range, by years ahead.",
                     "本次运行自身的回测（run.json）：所选预测的平均绝对百分比误差（%）及实际值落在 P10-P90 区间内的比例，按预测年数列出。"),
    "choice_line": ("Forecast used (the one tests on past years favour): {said}; details in run.json.",
                    "所用预测（按历史回测表现选定）：{said}；详见 run.json。"),
    "choice_part": ("{levels}: {what}", "{levels}：{what}"), "sep": ("; ", "；"),
    "input_warnings": ("{n} input warning(s), listed by `forecast validate` and in run.json (`input_warnings`)",
                       "输入数据有 {n} 条警告，见 `forecast validate` 的输出及 run.json（`input_warnings`）"),
    "encodings": ("encodings", "文件编码"), "models": ("models", "可用模型"),
    "entry_heading": ("entry grades (how each area's youngest grades are projected)",
                      "起始年级（各区域最低年级的预测方法）"),
    "read_first": ("Read first", "请先阅读"),
    "reading_run": ("reading run {run} in {out} (same config, data, scenarios and horizon {until})",
                    "读取 {out} 中的运行 {run}（配置、数据、情景和预测期 {until} 均相同）"),
    "running_it": ("no run in {out} matches this config, data, scenarios and horizon: running it",
                   "{out} 中没有配置、数据、情景和预测期都相同的运行：现在运行"),
    "find_area": ("Find", "查找"), "find_hint": ("name or id", "名称或编号"),
    "prev": ("previous", "上一页"), "next": ("next", "下一页"),
    "rows_of": ("rows {a}-{b} of {n}", "第 {a}-{b} 行，共 {n} 行"),
    "basis_seats": ("seat deficit / class-size limit", "学位缺口 ÷ 班额标准"),
    "basis_rooms": ("classes by grade exceed the classrooms given", "分年级所需班数超过现有教室"),
    "assumed_capacity": ("Assumed capacity: {n} of the {total} shortfalls listed rest on seats that were not "
                         "counted but assumed ({why}). Read them as growth above that assumption, not as "
                         "seats known to be missing.",
                         "学位数为假设值：所列 {total} 项缺口中有 {n} 项依据的学位数并非实际统计，而是假设（{why}）。"
                         "请将其理解为超出该假设的增长，而非已知的学位缺额。"),
    "assumed_unknown": ("see the assumptions", "见假设"),
    "late_line": ("Start already late: {n} of {total} needs would have to start building before {first}, the "
                  "first projected year; the earliest new places can open is {earliest} (earliest_opening_year).",
                  "开工已滞后：{total} 项需求中有 {n} 项须在首个预测年 {first} 年之前开工；新学位最早可于 {earliest} 年投入使用"
                  "（见最早投用年份）。"),
    "sub_class_line": ("{n} more area-level(s) are short at P90 by less than one class (at most {largest} "
                       "pupils): not counted as short years, not listed; see shortfall.csv.",
                       "另有 {n} 个区域学段的 P90 缺口不足一个班（最多 {largest} 人）：不计为缺口年份，未列出；见 shortfall.csv。"),
    "not_shown": ("{n} more row(s) not shown: all are in shortfall_summary.csv, report.xlsx ({sheet}) and "
                  "report.html.",
                  "另有 {n} 行未显示：全部见 shortfall_summary.csv、report.xlsx（{sheet}）和 report.html。"),
}


def _index(lang: str) -> int:
    if lang not in LANGUAGES:
        from forecast.common.errors import OptionError

        raise OptionError(f"language '{lang}': use one of {', '.join(LANGUAGES)}")
    return LANGUAGES.index(lang)


def column(name: str, lang: str) -> str:
    """The heading of a column (its CSV name when it has no label)."""
    return COLUMNS[name][_index(lang)] if name in COLUMNS else name


def text(key: str, lang: str, **values: object) -> str:
    return TEXT[key][_index(lang)].format(**values)


def template(key: str, lang: str) -> str:
    """A text with its ``{placeholders}`` left in (filled in by the page's script)."""
    return TEXT[key][_index(lang)]


def level(name: str, lang: str) -> str:
    _index(lang)
    return LEVEL_NAMES[lang].get(name, name)


def language_of(meta: dict | None) -> str:
    """The language a dataset declares (dataset.yaml ``language:``; ``zh-CN``, ``zh-Hans`` and
    the like count as ``zh``), else English."""
    declared = str((meta or {}).get("language") or "en").lower()
    return "zh" if declared.startswith("zh") else "en"


def wants_simplified(meta: dict | None) -> bool:
    """Mainland datasets (``language: zh``/``zh-CN``/``zh-Hans``) show names in Simplified
    characters; ``zh-TW``, ``zh-HK`` and ``zh-Hant`` keep theirs."""
    declared = str((meta or {}).get("language") or "").lower()
    return declared.startswith("zh") and not any(t in declared for t in ("tw", "hk", "mo", "hant"))


def pad(value: str, size: int, right: bool = False) -> str:
    """``value`` padded to ``size`` terminal columns (CJK characters take two)."""
    gap = " " * max(0, size - sum(2 if ord(ch) > 0x2E80 else 1 for ch in value))
    return gap + value if right else value + gap


METHODS = {"cohort": ("cohort flow", "队列流动模型"), "auto": ("backtest-weighted ensemble", "回测加权组合模型"),
           "observed": ("observed", "实际"),
           "evidence": ("the forecast past tests favour, with ranges from its errors",
                        "依回测证据选定的预测（区间取自其误差）")}
# the forecasts the evidence step may choose, in a planner's words
CANDIDATES = {
    "cohort": ("the cohort flow (pupils moving up the grades, new entrants from births or their trend)",
               "队列流动（学生逐年升级，新生来自出生数或其趋势）"),
    "last_value": ("the last observed value carried forward", "沿用最近一年的实际值"),
    "cohort_entry": ("the cohort flow, with entry grades without births held or trended as their "
                     "own past errors favour",
                     "队列流动（无出生数的起始年级按其以往误差择优保持或趋势外推）"),
    "cohort_last_mean": ("the mean of the cohort flow and the last observed value",
                         "队列流动与最近一年实际值的平均"),
    "global": ("a model learnt from every area at once (ridge regression on cohort ratios)",
               "基于全部区域共同拟合的模型（队列比率岭回归）"),
    "ratio_mean_w3": ("the cohort ratios' mean of the last three years", "近三年队列比率均值"),
    "median3": ("the median of the cohort flow, the last value and the all-area model (else the 3-year ratio mean)",
                "队列流动、最近一年实际值与全区域模型三者的中位数"),
    "mean3": ("the mean of the cohort flow, the last value and the all-area model (else the 3-year ratio mean)",
              "队列流动、最近一年实际值与全区域模型三者的平均"),
    "trimmed_mean": ("the mean of the forecasts without the highest and the lowest",
                     "去掉最高和最低后的预测平均"),
}
# the shipped configs' scenario names (a planner's own scenarios keep their names: they are ids)
SCENARIOS = {
    "baseline": ("baseline", "基准情景"), "low_births": ("low births", "低出生情景"),
    "high_births": ("high births", "高出生情景"), "high_migration": ("high migration", "高迁入情景"),
    "no_migration": ("no migration", "无迁移情景"), "plan_targets": ("plan targets", "规划目标情景"),
    "general_half": ("general half", "普职各半情景"), "housing_growth": ("housing growth", "住房增长情景"),
    "low_entry": ("low entry", "低入学情景"),
}


def scenario_name(name: str, lang: str) -> str:
    """A scenario as a planner reads it: the shipped scenarios by name in ``lang``; a
    planner's own scenario name (an id of their config) as written."""
    if lang == "en":
        return str(name)
    return SCENARIOS[name][_index(lang)] if name in SCENARIOS else str(name)


def candidate_name(name: str, lang: str) -> str:
    """A forecast the evidence step chose, in words (its code name when it has none)."""
    return CANDIDATES[name][_index(lang)] if name in CANDIDATES else str(name)


def level_group(name: str, lang: str) -> str:
    """A level or a level group (``primary+junior``) in ``lang``: 小学+初中."""
    return "+".join(level(part.strip(), lang) for part in str(name).split("+"))


def probability(value: float | None, lang: str = "en") -> str:
    """A probability as a planner reads it: whole percent, never a false certainty: 0.998 is
    "> 99 %", 0.003 is "< 1 %" (draws are finite; 1.00 would claim a certainty they cannot)."""
    if value is None or value != value:
        return "-"
    if value >= 0.995:
        return "> 99 %"
    if value <= 0.005:
        return "< 1 %"
    return f"{100 * value:.0f} %"


# Excel shows the same words and keeps the number (``%`` scales by 100)
PROBABILITY_FORMAT = '[>=0.995]"> 99 %";[<=0.005]"< 1 %";0" "%'


def method_name(name: str, lang: str) -> str:
    """A projection method in words."""
    return METHODS[name][_index(lang)] if name in METHODS else name


def projects_text(value: str, lang: str) -> str:
    """The planned-projects list ("name (2024, 1,266 seats); ...") in ``lang``."""
    import re

    if lang != "zh" or not isinstance(value, str):
        return value
    return re.sub(r" \((\d{4}), ([\d,.]+) seats\)", r"（\1年，\2个学位）", value).replace("; ", "；")
