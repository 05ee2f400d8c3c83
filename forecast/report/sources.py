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


def display(source: str, simplified: bool = False) -> str:
    """``source`` with every seed file replaced by 《title》 (number)."""

    def swap(match: re.Match) -> str:
        title, number = DOCUMENTS.get(match.group(1), (match.group(1), ""))
        given = match.group(2) or ""
        number = number or (given if re.search("[〔号號]", given) else "")
        if simplified:
            title, number = to_simplified(title), to_simplified(number)
        return f"《{title}》" + (f"（{number}）" if number else "")

    return SEED.sub(swap, source)
