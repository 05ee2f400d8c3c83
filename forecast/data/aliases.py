"""Chinese names a planner's workbook may use for the sheets, columns and levels of the data
contract: ``学段`` for level, ``年级`` for grade, ``在校生`` for students, ``幼儿园`` for
kindergarten, ``小学``, ``初中``, ``普通高中``, ``中职`` and so on.

``with_aliases`` renames them in the frames read from a workbook (headers and level cells,
sheet names), before any check, so a Chinese workbook goes through exactly the checks an
English one does; columns keep their position, so a problem still names the cell the planner
typed. A CSV folder uses the contract's own names (docs/data-contract.md).
"""

from __future__ import annotations

import re

import pandas as pd

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


def with_aliases(sheets: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The workbook's frames with Chinese sheet names, headers, level and grade names in the
    contract's names (a sheet or column already named in English wins over an alias), and
    each table's sheet as the workbook names it (for problems: ``在校生!E14``)."""
    out: dict[str, pd.DataFrame] = {}
    titles: dict[str, str] = {}
    for name, frame in sheets.items():
        key = SHEETS.get(name.strip(), name)
        if key in out or (key != name and key in sheets):
            key = name  # never two sheets for one table
        frame = frame.rename(columns={c: HEADERS[str(c).strip()] for c in frame.columns
                                      if str(c).strip() in HEADERS and HEADERS[str(c).strip()] not in frame.columns})
        if "level" in frame:
            frame = frame.assign(level=frame["level"].map(lambda v: level_name(v) if isinstance(v, str) else v))
        if "grade" in frame:
            frame = frame.assign(grade=frame["grade"].map(
                lambda v: GRADES.get(v.strip(), v) if isinstance(v, str) else v))
        out[key] = frame
        titles[key] = name
    return out, titles
