"""The report's build-plan section, when ``forecast plan`` wrote one into the run folder:
a timeline of builds by opening year, the risk before and after for each area x level,
spending by year, and the plan beside the two simple rules (HTML page and workbook sheets)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from forecast.report.labels import level as level_label

WORDS = {
    "en": {"plan": "Build plan", "timeline": "Timeline of builds (by opening year)",
           "risk": "Risk before and after the plan (worst year where the target binds)",
           "costs": "Spending by year", "rules": "The plan beside two simple rules",
           "year": "open", "cyear": "year", "builds": "builds", "area": "area", "level": "level",
           "first": "target from", "before": "P(short) before", "after": "after",
           "fresh": "after, fresh draws", "gaps": "unavoidable gap years", "cost": "cost",
           "rule": "rule", "worst": "worst P(short)", "over": "years over target",
           "sheets": ("plan builds", "plan risk", "plan costs", "plan rules")},
    "zh": {"plan": "建设方案", "timeline": "建设时间表(按启用年份)",
           "risk": "方案前后的缺位风险(目标生效后最差年份)", "costs": "分年投资",
           "rules": "方案与两条简单规则对比", "year": "启用", "cyear": "年份", "builds": "项目", "area": "片区",
           "level": "学段", "first": "目标起始年", "before": "方案前缺位概率", "after": "方案后",
           "fresh": "方案后(新抽样)", "gaps": "无法避免的缺口年数", "cost": "投资",
           "rule": "规则", "worst": "最大缺位概率", "over": "超目标年数",
           "sheets": ("方案项目", "方案风险", "方案投资", "方案对比")},
}


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = Path(folder) / name
    return pd.read_csv(path, dtype={"area": str}, keep_default_na=False, na_values=[""]) \
        if path.is_file() else pd.DataFrame()


def sheets(folder: Path, lang: str) -> dict[str, pd.DataFrame]:
    """Workbook sheets of the plan (none when the folder has no plan)."""
    names = WORDS[lang if lang in WORDS else "en"]["sheets"]
    files = ("build_plan.csv", "plan_risk.csv", "plan_costs.csv", "plan_rules.csv")
    return {n: f for n, f in zip(names, (_read(folder, f) for f in files), strict=True) if len(f)}


def risk_by_cell(risk: pd.DataFrame) -> pd.DataFrame:
    """Per area x level: first binding year, worst P(short) before / after / fresh where the
    target binds, and the number of unavoidable gap years."""
    rows = []
    for (area, lv), part in risk.groupby(["area", "level"], sort=False):
        binds = part[part["target_binds"].astype(str).str.lower() == "true"]
        gaps = int((part["unavoidable"].astype(str).str.lower() == "true").sum())
        rows.append({"area": area, "level": lv,
                     "first": int(binds["year"].min()) if len(binds) else None,
                     "before": binds["p_shortfall_before"].max() if len(binds) else None,
                     "after": binds["p_shortfall_after"].max() if len(binds) else None,
                     "fresh": binds["p_shortfall_after_fresh"].max() if len(binds) else None,
                     "gaps": gaps})
    return pd.DataFrame(rows)


def html_section(folder: Path, lang: str, area_label=lambda a: a) -> str:
    """The page section ("" when the folder has no plan)."""
    builds = _read(folder, "build_plan.csv")
    if builds.empty and not (Path(folder) / "plan_risk.csv").is_file():
        return ""
    w = WORDS[lang if lang in WORDS else "en"]
    e = html.escape
    out = [f"<h2>{e(w['plan'])}</h2>"]
    if len(builds):
        out.append(f"<p>{e(str(builds['plan_status'].iloc[0]))}</p>")
        real = builds[builds["kind"] != "unmet_seats"].copy()
        real["name"] = real["candidate"].str.replace(r" #\d+$", "", regex=True)
        out.append(f"<h3>{e(w['timeline'])}</h3><table><thead><tr><th>{e(w['year'])}</th>"
                   f"<th class=\"t\">{e(w['builds'])}</th><th>{e(w['cost'])}</th></tr></thead><tbody>")
        for year, part in real.groupby("open_year", sort=True):
            counts = part.groupby(["name", "area", "level"], sort=False).size()
            text = "; ".join(f"{n} x {name} ({area_label(a)}, {level_label(lv, lang)})" if n > 1
                             else f"{name} ({area_label(a)}, {level_label(lv, lang)})"
                             for (name, a, lv), n in counts.items())
            out.append(f"<tr><td>{int(year)}</td><td class=\"t\">{e(text)}</td>"
                       f"<td>{part['cost'].sum():,.0f}</td></tr>")
        out.append("</tbody></table>")
    risk = _read(folder, "plan_risk.csv")
    if len(risk):
        cells = risk_by_cell(risk)
        head = "".join(f"<th>{e(w[k])}</th>" for k in ("area", "level", "first", "before", "after", "fresh", "gaps"))
        rows = "".join(
            f"<tr><td class=\"t\">{e(area_label(r.area))}</td><td class=\"t\">{e(level_label(r.level, lang))}</td>"
            f"<td>{'' if r.first is None or pd.isna(r.first) else int(r.first)}</td>"
            + "".join(f"<td>{'' if v is None or pd.isna(v) else f'{v:.2f}'}</td>" for v in (r.before, r.after, r.fresh))
            + f"<td>{r.gaps}</td></tr>" for r in cells.itertuples(index=False))
        out.append(f"<h3>{e(w['risk'])}</h3><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    costs = _read(folder, "plan_costs.csv")
    if len(costs):
        rows = "".join(f"<tr><td>{int(r.year)}</td><td>{r.cost:,.0f}</td></tr>" for r in costs.itertuples(index=False))
        out.append(f"<h3>{e(w['costs'])}</h3><table><thead><tr><th>{e(w['cyear'])}</th><th>{e(w['cost'])}</th>"
                   f"</tr></thead><tbody>{rows}</tbody></table>")
    rules = _read(folder, "plan_rules.csv")
    if len(rules):
        rows = "".join(
            f"<tr><td class=\"t\">{e(str(r.description))}</td>"
            f"<td>{'' if pd.isna(r.cost) else f'{r.cost:,.0f}'}</td>"
            f"<td>{'' if pd.isna(r.max_p_shortfall) else f'{r.max_p_shortfall:.3f}'}</td>"
            f"<td>{'' if pd.isna(r.max_p_shortfall_fresh) else f'{r.max_p_shortfall_fresh:.3f}'}</td>"
            f"<td>{int(r.cells_over_target)}</td></tr>" for r in rules.itertuples(index=False))
        out.append(f"<h3>{e(w['rules'])}</h3><table><thead><tr><th class=\"t\">{e(w['rule'])}</th>"
                   f"<th>{e(w['cost'])}</th><th>{e(w['worst'])}</th><th>{e(w['fresh'])}</th>"
                   f"<th>{e(w['over'])}</th></tr></thead><tbody>{rows}</tbody></table>")
    return "".join(out)
