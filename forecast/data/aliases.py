"""Chinese names a planner's workbook may use for the sheets, columns and levels of the data
contract: ``学段`` for level, ``年级`` for grade, ``在校生`` for students, ``幼儿园`` for
kindergarten, ``小学``, ``初中``, ``普通高中``, ``中职`` and so on.

``rows_with_aliases`` renames them in the rows read from a workbook's sheet (headers, level
and grade cells; sheet names are matched through ``SHEETS``), before any check, so a Chinese workbook goes through exactly the checks an
English one does; columns keep their position, so a problem still names the cell the planner
typed. A CSV folder uses the contract's own names (docs/data-contract.md).
"""

from __future__ import annotations

import re

SHEETS = {"数据集": "dataset", "区域": "areas", "出生": "births", "出生数": "births", "人口": "population",
          "在校生": "enrolment", "在校生数": "enrolment", "学校": "schools", "项目": "projects",
          "建设项目": "projects", "规划目标": "targets", "目标": "targets", "指标": "indicators",
          "班级": "classes", "班级数": "classes"}
HEADERS = {"区域": "area", "地区": "area", "区县": "area", "上级区域": "parent", "名称": "name",
           "区域名称": "name", "年份": "year", "年度": "year", "学段": "level", "年级": "grade",
           "在校生": "students", "在校生数": "students", "学生数": "students", "人数": "students",
           "出生数": "births", "出生人数": "births", "年龄": "age", "人口": "persons", "人口数": "persons",
           "学位": "seats", "学位数": "seats", "教室": "classrooms", "教室数": "classrooms",
           "班级数": "classes", "班数": "classes", "学校": "school", "学校名称": "school",
           "项目": "project", "项目名称": "project", "投用年份": "open_year", "开办年份": "open_year",
           "建筑面积": "floor_area_m2", "占地面积": "site_area_m2", "指标": "indicator", "数值": "value",
           "单位": "unit", "来源": "source", "备注": "note", "键": "key", "值": "value"}
LEVELS = {"幼儿园": "kindergarten", "学前": "kindergarten", "学前教育": "kindergarten", "小学": "primary",
          "初中": "junior", "初级中学": "junior", "普通高中": "senior_general", "普高": "senior_general",
          "中职": "senior_vocational", "中等职业教育": "senior_vocational", "职业高中": "senior_vocational"}
GRADES = {"小班": "K1", "中班": "K2", "大班": "K3", "一年级": "1", "二年级": "2", "三年级": "3",
          "四年级": "4", "五年级": "5", "六年级": "6", "七年级": "7", "八年级": "8", "九年级": "9",
          "初一": "7", "初二": "8", "初三": "9", "高一": "10", "高二": "11", "高三": "12"}
_GROUP = re.compile(r"\s*[+＋]\s*")


def level_name(value: str) -> str:
    """A level or a level group in the contract's names (``小学+初中`` -> ``primary+junior``);
    anything else unchanged (the checks then say what is wrong with it)."""
    parts = _GROUP.split(str(value).strip())
    if not all(p in LEVELS for p in parts):
        return value
    return "+".join(LEVELS[p] for p in parts)


def rows_with_aliases(rows: list[list[str]]) -> list[list[str]]:
    """A sheet's rows (the header first) with Chinese headers, level and grade names in the
    contract's names; a column already named in English wins over an alias (never two
    columns of one name). Columns keep their position, so problems name the typed cell."""
    if not rows:
        return rows
    header = [str(c).strip() for c in rows[0]]
    named = set(header)
    renamed = [HEADERS[c] if c in HEADERS and HEADERS[c] not in named else c for c in header]
    columns = {name: i for i, name in enumerate(renamed)}
    level, grade = columns.get("level"), columns.get("grade")
    if level is None and grade is None and renamed == header:
        return rows
    out = [renamed]
    for row in rows[1:]:
        row = list(row)
        if level is not None and level < len(row):
            row[level] = level_name(row[level])
        if grade is not None and grade < len(row):
            row[grade] = GRADES.get(row[grade].strip(), row[grade])
        out.append(row)
    return out
