"""The HTML report: one self-contained file (charts embedded as PNG data, no script, no
external file) that a planner can e-mail or open offline.

Sections: the run, the level totals, the worst shortfalls, the plan check, accuracy from
the folder's last backtest (if any), the charts and the assumptions.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from forecast import __version__
from forecast.io import atomic_write_text
from forecast.labels import column, level, text
from forecast.report.inputs import ReportInputs
from forecast.shortfall import worst

STYLE = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",
"Helvetica Neue",Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right}
th{background:#f2f2f2}td.t,th.t{text-align:left}tr.deficit td{background:#ffc7ce}
td.over{background:#ffe699}figure{display:inline-block;margin:.5em}img{max-width:520px}
.note{color:#555;font-size:.9em}
"""

TEXT_COLUMNS = {"area", "level", "scenario", "model", "grade"}
DECIMALS = {"avg_class_size": 1, "class_size_limit": 0, "target_vs_mean_percent": 1,
            "p_shortfall": 2, "mase": 2, "relative_mae": 2, "coverage_80": 2, "bias_percent": 1}


def _table(frame: pd.DataFrame, lang: str, decimals: int = 0, row_class=None, cell_class=None) -> str:
    """An HTML table; numbers in persons to whole numbers, rates as DECIMALS says."""
    heads = "".join(f'<th class="{"t" if c in TEXT_COLUMNS else ""}">{html.escape(column(c, lang))}</th>'
                    for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for c in frame.columns:
            value = row[c]
            if c == "level":
                shown = level(str(value), lang)
            elif isinstance(value, float):
                places = DECIMALS.get(c, decimals)
                shown = "" if pd.isna(value) else f"{value:,.{places}f}"
            else:
                shown = str(value)
            klass = "t" if c in TEXT_COLUMNS else (cell_class(row, c) if cell_class else "")
            cells.append(f'<td class="{klass}">{html.escape(shown)}</td>')
        klass = row_class(row) if row_class else ""
        rows.append(f'<tr class="{klass}">{"".join(cells)}</tr>')
    return f"<table><thead><tr>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'
            "</figure>")


def _accuracy(inputs: ReportInputs, lang: str) -> str:
    acc = inputs.accuracy
    if acc.empty:
        return f'<p class="note">{html.escape(text("no_accuracy", lang))}</p>'
    wide = acc.pivot_table(index=["level", "model"], columns="horizon", values="mape").reset_index()
    wide.columns = [str(c) if not isinstance(c, str) else c for c in wide.columns]
    wide = wide.rename(columns={c: f"MAPE {c}" for c in wide.columns if c.isdigit()})
    return _table(wide, lang, decimals=1)


def render(inputs: ReportInputs, plots: list[Path], lang: str = "en") -> str:
    """The page as a string."""
    meta = inputs.meta
    t = lambda key, **kw: html.escape(text(key, lang, **kw))  # noqa: E731
    facts = [(text("dataset", lang), meta.get("dataset")), (column("base_year", lang), meta.get("base_year")),
             (column("scenario", lang), ", ".join(meta.get("scenarios") or [])),
             (text("method", lang), meta.get("projection_method", "cohort")),
             (text("run_id", lang), meta.get("run_id")), (text("generated", lang), __version__)]
    parts = [f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
             f"<title>{t('title')}</title><style>{STYLE}</style></head><body>",
             f"<h1>{t('title')}</h1><ul>"
             + "".join(f"<li>{html.escape(str(k))}: {html.escape(str(v))}</li>" for k, v in facts) + "</ul>"]
    totals = inputs.totals
    if len(totals):
        last = totals[(totals["year"] == totals["year"].max())]
        tops = [a for a in last["area"].unique() if a in inputs.top_areas] or list(last["area"].unique()[:1])
        last = last[last["area"].isin(tops)][["area", "level", "year", "scenario", "mean", "p10", "p90"]]
        parts.append(f"<h2>{t('summary')}</h2>" + _table(last, lang))
    parts.append(f"<h2>{t('worst')}</h2>")
    if len(inputs.shortfall):
        rows = worst(inputs.shortfall, n=15)
        rows = rows[["area", "level", "year", "scenario", "demand_mean", "demand_p90", "seats",
                     "deficit_seats", "deficit_seats_p90", "avg_class_size", "class_size_limit",
                     "p_shortfall"]]
        parts.append(_table(rows, lang, row_class=lambda r: "deficit" if r["deficit_seats"] > 0 else "",
                            cell_class=lambda r, c: "over" if c == "avg_class_size"
                            and r["avg_class_size"] > r["class_size_limit"] else ""))
    else:
        parts.append(f'<p class="note">{t("no_shortfall")}</p>')
    if len(inputs.plan_check):
        parts.append(f"<h2>{t('plan_check')}</h2>" + _table(inputs.plan_check, lang))
    parts.append(f"<h2>{t('accuracy')}</h2>" + _accuracy(inputs, lang))
    if plots:
        parts.append("<h2>Charts</h2>" if lang == "en" else "<h2>图表</h2>")
        parts.append("".join(_image(p) for p in plots))
    parts.append(f"<h2>{t('assumptions')}</h2><ul>"
                 + "".join(f"<li>{html.escape(a)}</li>" for a in meta.get("assumptions") or []) + "</ul>")
    parts.append(f"<h2>{t('sources')}</h2><ul>"
                 + "".join(f"<li>{html.escape(s)}</li>" for s in meta.get("sources") or []) + "</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_page(inputs: ReportInputs, plots: list[Path], path: Path, lang: str = "en") -> Path:
    atomic_write_text(path, render(inputs, plots, lang))
    return path
