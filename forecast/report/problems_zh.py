"""Dataset problems (``forecast validate`` and the run's refusals) in Chinese.

The data floor writes each problem in English with its file, row, column and values; here
the place is said in Chinese and the common reasons are said again with the same values
(as ``assumptions_zh`` does for assumptions). A reason without a translation is shown as
written and marked as the original (``ORIGINAL``), never dropped: the values in it are what
a user needs to find the cell.
"""

from __future__ import annotations

import re

from forecast.common.errors import printable
from forecast.report.labels import level

ORIGINAL = "（原文）"

# (pattern of the English reason, the Chinese with the pattern's groups in order)
PATTERNS: list[tuple[re.Pattern, str]] = [(re.compile(p), zh) for p, zh in [
    # tables and columns
    (r"^required column '(.+)' is missing$", "缺少必需的列 '{0}'"),
    (r"^unknown column '(.+)': did you mean '(.+)'\? Rename it \(as it stands its values are not read\)$",
     "未知列 '{0}'：是否应为 '{1}'？请改名（否则其数值不会被读取）"),
    (r"^unknown column '(.+)' is ignored \(closest known column: '(.+)'\); known columns: (.+)$",
     "未知列 '{0}' 已忽略（最接近的已知列：'{1}'）；已知列：{2}"),
    (r"^unknown column '(.+)' is ignored; known columns: (.+)$", "未知列 '{0}' 已忽略；已知列：{1}"),
    (r"^has a header but no data rows; fill it or delete the file$", "只有表头没有数据行；请填写数据或删除该文件"),
    (r"^has a header but no data rows; fill it or delete the file \(ignored\)$",
     "只有表头没有数据行；请填写数据或删除该文件（已忽略）"),
    (r"^is not a dataset folder \(no such directory\)$", "不是数据集文件夹（该目录不存在）"),
    (r"^not found: nothing can be projected without enrolment$", "未找到：没有在校生数据无法预测"),
    (r"^not found \(nor population\.csv\): entry grades and level totals are projected from their "
     r"own history$", "未找到（也没有 population.csv）：起始年级和学段合计按自身历史趋势预测"),
    # cells
    (r"^is empty$", "为空"),
    (r"^(.+) is not a whole number$", "{0} 不是整数"),
    (r"^(.+) is not a number$", "{0} 不是数字"),
    (r"^(.+) is not a finite number; give the value$", "{0} 不是有限数值；请填写数值"),
    (r"^(.+) has a % sign; give the count itself \(a share is not a count\)$",
     "{0} 带有百分号；请填写人数本身（比例不是人数）"),
    (r"^(.+) is a date, not a number \(a cell formatted as a date\?\).*$",
     "{0} 是日期而不是数字（单元格是否被设为日期格式？）"),
    (r"^(.+) is implausibly large \(beyond (.+?)(?: in one row)?\); check the value and its unit$",
     "{0} 大得不合理（超过 {1}）；请检查数值及其单位"),
    (r"^'(.*)' is negative$", "'{0}' 为负数"),
    (r"^is negative$", "为负数"),
    (r"^'(.*)' is not a plausible year$", "'{0}' 不是合理的年份"),
    (r"^'(.*)' is not an age from 0 to 30$", "'{0}' 不是 0 到 30 之间的年龄"),
    (r"^'(.*)' is not a level of the (\S+) school system \((.+)\)$", "'{0}' 不是 {1} 学制的学段（{2}）"),
    (r"^'(.*)' is not a level \((.+)\) or level group such as (\S+)$",
     "'{0}' 不是学段（{1}）或学段组合（如 {2}）"),
    (r"^'(.*)' is not a level \((.+)\), level group or special_education$",
     "'{0}' 不是学段（{1}）、学段组合或 special_education"),
    (r"^'(.*)' is not a level \((.+)\), level group or all$", "'{0}' 不是学段（{1}）、学段组合或 all"),
    (r"^'(.*)' is not entrants, graduates or leavers$", "'{0}' 不是 entrants、graduates 或 leavers"),
    (r"^duplicate of row (\d+) \(same (.+)\)$", "与第 {0} 行重复（{1} 相同）"),
    (r"^unit '(.*)' is not known \(use persons or 10k persons\)$", "单位 '{0}' 无法识别（请用 persons 或 10k persons）"),
    # areas, years and the tree
    (r"^area '(.+)' is not declared in dataset\.yaml$", "区域 '{0}' 未在 dataset.yaml 中声明"),
    (r"^area '(.+)' has parent '(.+)', which is not declared$", "区域 '{0}' 的上级区域 '{1}' 未声明"),
    (r"^area declared twice: (.+)$", "区域重复声明：{0}"),
    (r"^area '(.+)' is its own ancestor \(cycle in parents\)$", "区域 '{0}' 是自己的上级（上级关系成环）"),
    (r"^area '(\S+)' has gaps in its years: (.+) missing \(cohort models need every birth year\)$",
     "区域 '{0}' 的出生数年份不连续：缺少 {1}（队列模型需要每一年的出生数）"),
    (r"^no births for area '(.+)': its (\S+) entrants are projected from their own history instead$",
     "区域 '{0}' 没有出生数：其{1}新生按自身历史趋势预测"),
    (r"^area '(\S+)': births for (.+) are missing, so (\S+) enrolment of (.+) cannot be paired "
     r"with its cohorts; the cohort model uses the later years only$",
     "区域 {0}：缺少 {1} 年出生数，{2} 的 {3} 年在校生无法与其出生队列对应；队列模型只使用之后的年份"),
    (r"^(\S+) (\S+): years (.+) are not observed; models use the observed years only$",
     "{0} {1}：{2} 年无观测数据；模型只使用有观测的年份"),
    (r"^grades of (\S+) in (\S+) \((\d+)\) sum to ([\d,]+) but the level total says ([\d,]+)$",
     "{1} {0}（{2} 年）各年级合计 {3}，但学段合计为 {4}"),
    (r"^no base_year and no enrolment\.csv to take it from: set base_year \(the last year the data "
     r"describe\)$", "没有 base_year，也没有可推断基年的 enrolment.csv：请设置 base_year（数据描述的最后一年）"),
    # sizes
    (r"^no size: give seats, classrooms or classes$", "没有规模：请填写学位数（seats）、教室数（classrooms）或班数（classes）"),
    (r"^project '(.+)' has no size: give seats, classrooms or floor_area_m2 \(or part_of naming the "
     r"sized project it belongs to\)$",
     "项目 '{0}' 没有规模：请填写 seats、classrooms 或 floor_area_m2（或用 part_of 指向其所属的有规模项目）"),
    (r"^part_of '(.+)' is not a project in this file$", "part_of '{0}' 不是本文件中的项目"),
    (r"^from_year (\d+) is after to_year (\d+); give the period first year first$",
     "from_year {0} 晚于 to_year {1}；请先写起始年份"),
    # the base year
    (r"^year (\d+) is after the base year (\d+) \(dataset\.yaml, key base_year\): (\d+) row\(s\) of (.+) "
     r"would be neither inputs nor outcomes\. Set base_year to the last observed year \((\d+)\) or remove "
     r"those rows; to compare projections from an earlier year with what was observed, use "
     r"`forecast backtest`$",
     "{0} 年晚于基年 {1}（dataset.yaml 的 base_year 键）：{3} 年的 {2} 行既不是输入也不是结果。"
     "请把 base_year 设为最后一个观测年份（{4}）或删除这些行；如要把较早年份的预测与观测值比较，"
     "请用 `forecast backtest`"),
    (r"^base_year (\d+) is after the last enrolment year (\d+): (.+) are projected, not observed, and the "
     r"base-year figures are missing; set base_year to (\d+) unless that is meant$",
     "base_year {0} 晚于在校生数据的最后一年 {1}：{2} 年是预测而非观测，且缺少基年数据；"
     "除非确有此意，请把 base_year 设为 {3}"),
    # coordinates and shapes (areas.geojson, schools.csv)
    (r"^'(.*)' is not a latitude in degrees \((.+); WGS84, not metres\)$",
     "'{0}' 不是以度为单位的纬度（{1}；WGS84 坐标，不是米）"),
    (r"^'(.*)' is not a longitude in degrees \((.+); WGS84, not metres\)$",
     "'{0}' 不是以度为单位的经度（{1}；WGS84 坐标，不是米）"),
    (r"^is not valid JSON: (.+)$", "不是有效的 JSON：{0}"),
    (r"^has no `features` list$", "没有 `features` 列表"),
    (r"^must be a GeoJSON FeatureCollection \(found (.+)\)$", "必须是 GeoJSON FeatureCollection（实际为 {0}）"),
    (r"^has no `area` property: every shape must name an area of dataset\.yaml$",
     "没有 `area` 属性：每个图形都必须指明 dataset.yaml 中的一个区域"),
    (r"^is not a valid polygon: (?:ring )?self-intersection at lon (\S+), lat (\S+) \(QGIS: Vector > Geometry "
     r"Tools > Fix Geometries; or shapely\.make_valid\)$",
     "不是有效的多边形：在经度 {0}、纬度 {1} 处自相交（可在 QGIS 中用“矢量 > 几何工具 > 修复几何”修复，"
     "或用 shapely.make_valid）"),
    (r"^is not a valid polygon: (.+) \(QGIS: Vector > Geometry Tools > Fix Geometries; or shapely\.make_valid\)$",
     "不是有效的多边形：{0}（可在 QGIS 中用“矢量 > 几何工具 > 修复几何”修复，或用 shapely.make_valid）"),
    (r"^coordinate \((.+)\) is not longitude/latitude in degrees \(lon -180\.\.180, lat -90\.\.90\): a projected "
     r"coordinate system in metres\? reproject it to WGS84 longitude/latitude \(EPSG:4326\), e\.g\. (`.+`) "
     r"\(docs/maps\.md\)$",
     "坐标 ({0}) 不是以度为单位的经纬度（经度 -180..180，纬度 -90..90）：是否为以米为单位的投影坐标系？"
     "请转换为 WGS84 经纬度（EPSG:4326），例如 {1}（见 docs/maps.md）"),
    (r"^coordinate \((.+)\) is not longitude/latitude in degrees \(longitude and latitude look swapped: GeoJSON "
     r"is lon, lat\)$", "坐标 ({0}) 不是经纬度（经度和纬度似乎写反了：GeoJSON 的顺序是经度、纬度）"),
]]
# a shape's place in areas.geojson, before its reason: "feature 2 (features[1], area 'north'): ..."
FEATURE = re.compile(r"^feature (\d+) \(features\[(\d+)\](?:, area '(.*)')?\): (.+)$")


def place(problem) -> str:
    """Where a problem is: file, row, column (or YAML key), in Chinese."""
    where = problem.file
    if problem.row is not None:
        where += f" 第 {problem.row} 行"
    if problem.column:
        kind = "键" if problem.file.endswith((".yaml", ".yml")) else "列"
        where += f"，{problem.column} {kind}"
    return where


def reason_zh(reason: str) -> str:
    """The reason in Chinese where a pattern knows it, else as written and marked."""
    feature = FEATURE.match(reason)
    if feature:
        number, index, area, rest = feature.groups()
        which = f"第 {number} 个要素（features[{index}]" + (f"，区域 '{area}'" if area is not None else "") + "）"
        return f"{which}：{reason_zh(rest)}"
    for pattern, words in PATTERNS:
        found = pattern.match(reason)
        if found:
            groups = [level(g, "zh") for g in found.groups()]  # a level's id in Chinese, the rest as is
            return words.format(*groups)
    return f"{reason}{ORIGINAL}"


def problem_text(problem, lang: str) -> str:
    """A dataset problem (a ``Problem``) in ``lang``: where it is, then why."""
    if lang != "zh":
        return str(problem)
    return printable(f"{place(problem)}：{reason_zh(problem.reason)}")


def count_line(folder, n: int, lang: str) -> str:
    """The first line of a refusal: how many problems the dataset has."""
    return f"{folder}：{n} 个问题" if lang == "zh" else f"{folder}: {n} problem(s)"


def refusal_text(problems, lang: str) -> str:
    """Why a run refuses a dataset (``DatasetError.problems``), one problem a line."""
    errors = [p for p in problems if p.severity == "error"]
    if lang != "zh":
        return f"{len(errors)} problem(s) in the dataset:\n" + "\n".join(map(str, errors))
    return f"数据集有 {len(errors)} 个问题：\n" + "\n".join(problem_text(p, lang) for p in errors)
