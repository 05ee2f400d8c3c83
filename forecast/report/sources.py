"""Sources as a reader knows them: the document's title and issuing number, not the
internal file name of the seed text it was transcribed from (``seeds/000_...txt``)."""

from __future__ import annotations

import re

from forecast.data.script import to_simplified

# The shipped datasets' source documents (see the seeds' README of the project).
DOCUMENTS = {
    "000_8ce397d9036d1a9f": ("重慶市巴南區教育事業發展“十四五”規劃", "巴南府發〔2021〕20號"),
    "001_28ccd3fc7e13c10d": ("铁西区、温州市、湘西州教育规划（合订文本）", ""),
    "002_91315fba955ef256": ("兴庆区基础教育质量提升行动实施方案", ""),
    "003_cbc8a20fda9de22d": ("从化区教育发展“十四五”规划", ""),
    "004_aa22a39a967a11e2": ("重庆市基础教育工作会议（2017）", ""),
}
SEED = re.compile(r"seeds/(\d{3}_[0-9a-f]{16})\.txt(?:\s*\(([^)]*)\))?")


# The package's and the shipped datasets' own words around the sources, in Chinese (quotes of
# a document stay as written: they are evidence).
ZH = {
    ", tables 1-3 and section 一(一)": "，表 1-3 及第一（一）节",
    "data/provinces (NBS provincial annual data) and data/china (national births)":
        "data/provinces（国家统计局分省年度数据）和 data/china（全国出生数）",
    "data/standards: class_size.csv, large_class_targets.csv, school_sizes.csv, floor_area_per_seat.csv, "
    "lead_times.csv (each row cites its source)":
        "data/standards：class_size.csv、large_class_targets.csv、school_sizes.csv、floor_area_per_seat.csv、"
        "lead_times.csv（每行注明来源）",
}


def display(source: str, simplified: bool = False, lang: str = "en") -> str:
    """``source`` with every seed file replaced by 《title》 (number); in Chinese, the
    package's own words around it too."""
    if lang == "zh":
        for words, said in ZH.items():
            source = source.replace(words, said)

    def swap(match: re.Match) -> str:
        title, number = DOCUMENTS.get(match.group(1), (match.group(1), ""))
        given = match.group(2) or ""
        number = number or (given if re.search("[〔号號]", given) else "")
        if simplified:
            title, number = to_simplified(title), to_simplified(number)
        return f"《{title}》" + (f"（{number}）" if number else "")

    return SEED.sub(swap, source)
