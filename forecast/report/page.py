"""The HTML report: one self-contained, explorable file a planner can e-mail or open offline.

* charts are Plotly figures (plotly.js embedded inline, no network; figures as plotly.js
  JSON): hover shows the values;
  one figure per area x scenario with a panel per level (observed points, the P10-P90 band,
  the mean, the P90 and the seats from zero), and a heatmap of the P90 deficit;
* an area selector and a scenario selector (a few lines of glue JS) switch the figures, the
  area's summary and its shortfall spells;
* the shortfall tables (finest areas; parent areas separately) sort by a click on a heading
  and filter by a search box;
* a subset of the CJK font is embedded (base64 WOFF @font-face holding only the page's
  characters), so Chinese renders on machines without any CJK font;
* beside every P90 and P(shortfall): the coverage the intervals reached in backtests.

The static PNGs (``plots/``, 200 dpi) are for print.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import pandas as pd
from plotly.offline import get_plotlyjs

from forecast.common.files import atomic_write_text
from forecast.common.version import __version__
from forecast.report.assumptions_zh import in_chinese
from forecast.report.fonts import subset_woff
from forecast.report.honesty import interval_note
from forecast.report.inputs import ReportInputs
from forecast.report.labels import column, level, method_name, projects_text, text
from forecast.report.sources import display

FONT = "ForecastCJK"  # the embedded subset's family name
MAX_AREAS = 80  # areas with figures and panels; every area stays in the tables and CSVs
BAND, MEAN, SEATS, TARGET = "#9ecae1", "#08519c", "#31a354", "#d62728"
HEAT_ROWS = 40

STYLE = """
body{font-family:"FONT","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",
"Helvetica Neue",Arial,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right}
th{background:#f2f2f2;cursor:pointer}td.t,th.t{text-align:left}tr.deficit td{background:#ffc7ce}
.note{color:#555;font-size:.9em}.honest{background:#fff8e1;border-left:4px solid #f0b400;padding:.5em}
.controls{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #eee;z-index:5}
select,input{font:inherit;margin-right:1em}
""".replace("FONT", FONT)

GLUE = """
const FIGS=JSON.parse(document.getElementById('figs').textContent);
const HEAT=JSON.parse(document.getElementById('heat-data').textContent);
const CFG={displaylogo:false,responsive:true};
function show(){
  const a=document.getElementById('area').value, s=document.getElementById('scenario').value;
  const f=FIGS[a+'|'+s]; if(f){Plotly.react('fan',f.data,f.layout,CFG);}
  const h=HEAT[s]; if(h){Plotly.react('heat',h.data,h.layout,CFG);}
  document.querySelectorAll('.panel').forEach(el=>{el.hidden=!(el.dataset.area===a&&el.dataset.scenario===s);});
  filter();
}
function filter(){
  const q=document.getElementById('filter').value.toLowerCase(), s=document.getElementById('scenario').value;
  document.querySelectorAll('table.spells tbody tr').forEach(tr=>{
    tr.hidden=!(tr.dataset.scenario===s&&tr.textContent.toLowerCase().includes(q));});
}
function sortBy(th){
  const table=th.closest('table'), i=[...th.parentNode.children].indexOf(th), body=table.tBodies[0];
  const dir=th.dataset.dir==='asc'?-1:1; th.dataset.dir=dir===1?'asc':'desc';
  const key=td=>{const v=td.dataset.v!==undefined?td.dataset.v:td.textContent;const n=parseFloat(v);
    return isNaN(n)?v:n;};
  [...body.rows].sort((r1,r2)=>{const x=key(r1.cells[i]),y=key(r2.cells[i]);
    return (x>y?1:x<y?-1:0)*dir;}).forEach(r=>body.appendChild(r));
}
document.querySelectorAll('table.sortable th').forEach(th=>th.addEventListener('click',()=>sortBy(th)));
document.getElementById('area').addEventListener('change',show);
document.getElementById('scenario').addEventListener('change',show);
document.getElementById('filter').addEventListener('input',filter);
show();
"""

SPELL_COLUMNS = ["area", "level", "scenario", "base_year_deficit", "first_year_short_mean",
                 "first_year_short_p90", "last_year_short_mean", "last_year_short_p90",
                 "peak_year", "peak_deficit_mean", "peak_deficit_p90", "classrooms_to_build",
                 "standard_schools_mean", "standard_schools_p90", "latest_start_year",
                 "p_shortfall_first_year", "planned_projects"]
PARENT_COLUMNS = ["area", "level", "scenario", "base_year_deficit", "first_year_short_p90",
                  "peak_year", "peak_deficit_p90", "peak_deficit_children_sum"]
TEXT_COLUMNS = {"area", "level", "scenario", "model", "grade", "planned_projects"}
FLAGGED = ("p90", "p_shortfall")  # headings that carry the coverage mark


def _fmt(value, name: str, lang: str = "en") -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return text("yes" if value else "no", lang)
    if isinstance(value, float):
        if name.startswith("p_shortfall") or name in ("coverage_80", "mase", "relative_mae"):
            return f"{value:.2f}"
        if "year" in name:
            return f"{value:.0f}"
        if name in ("avg_class_size", "target_vs_mean_percent", "bias_percent", "mape"):
            return f"{value:,.1f}"
        return f"{value:,.0f}"
    return str(value)


def _heading(name: str, lang: str) -> str:
    label = html.escape(column(name, lang))
    if any(f in name.lower() for f in FLAGGED):
        label += '<sup title="coverage: see the note">†</sup>'
    return label


def _table(frame: pd.DataFrame, lang: str, names: dict[str, str], klass: str = "",
           row_attrs=None) -> str:
    """An HTML table; sortable tables keep the raw number in ``data-v`` for sorting."""
    heads = "".join(f'<th class="{"t" if c in TEXT_COLUMNS else ""}">{_heading(c, lang)}</th>'
                    for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for c in frame.columns:
            value = row[c]
            if c == "level":
                shown = level(str(value), lang)
            elif c == "area":
                shown = _area(str(value), names)
            elif c == "planned_projects":
                shown = projects_text(_fmt(value, c, lang), lang)
            else:
                shown = _fmt(value, c, lang)
            raw = "" if not isinstance(value, (int, float)) or pd.isna(value) else f' data-v="{value}"'
            cells.append(f'<td class="{"t" if c in TEXT_COLUMNS else ""}"{raw}>{html.escape(shown)}</td>')
        attrs = row_attrs(row) if row_attrs else ""
        rows.append(f"<tr {attrs}>{''.join(cells)}</tr>")
    return (f'<table class="{klass}"><thead><tr>{heads}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _area(code: str, names: dict[str, str]) -> str:
    name = names.get(code)
    return f"{name} ({code})" if name and name != code else code


def _observed_traces(past: pd.DataFrame, label: str, show: bool, axes: dict) -> list[dict]:
    """Observed points; solid between consecutive years, dashed across years never observed
    (one trace each, segments separated by gaps)."""
    past = past.sort_values("year")
    years, values = past["year"].tolist(), [float(v) for v in past["students"]]
    traces = [{"type": "scatter", "x": years, "y": values, "mode": "markers", "name": label,
               "marker": {"color": "black", "size": 7}, "legendgroup": "obs", "showlegend": show,
               "hovertemplate": "%{x}: %{y:,.0f}<extra>" + label + "</extra>", **axes}]
    for dash, wanted in (("solid", True), ("dash", False)):
        x, y = [], []
        for (y0, v0), (y1, v1) in zip(zip(years, values, strict=True), zip(years[1:], values[1:], strict=True),
                                      strict=False):
            if (y1 - y0 == 1) == wanted:
                x += [y0, y1, None]
                y += [v0, v1, None]
        if x:
            traces.append({"type": "scatter", "x": x, "y": y, "mode": "lines", "hoverinfo": "skip",
                           "line": {"color": "black", "dash": dash, "width": 1}, "showlegend": False,
                           "legendgroup": "obs", **axes})
    return traces


def _grid(n: int) -> tuple[int, int]:
    cols = 2 if n > 1 else 1
    return (n + cols - 1) // cols, cols


def _area_figure(inputs: ReportInputs, area: str, scenario: str, levels: list[str], lang: str) -> dict:
    """One panel per level: observed, P10-P90 band, mean, seats (y from zero), targets.

    Built as plain plotly.js JSON (data and layout): the same figure as plotly's Python
    objects, without their validation cost, which matters with dozens of areas."""
    totals, sf, plan = inputs.totals, inputs.shortfall, inputs.plan_check
    rows, cols = _grid(len(levels))
    data: list[dict] = []
    layout: dict = {"title": {"text": f"{_area(area, inputs.area_names)} · {scenario}"},
                    "height": 300 * rows + 90, "margin": {"t": 70, "l": 70, "r": 20, "b": 40},
                    "font": {"family": f"{FONT}, sans-serif"}, "hovermode": "closest",
                    "plot_bgcolor": "white", "annotations": []}
    for i, lv in enumerate(levels):
        r, c, first = i // cols, i % cols, i == 0
        n = "" if i == 0 else str(i + 1)
        axes = {"xaxis": f"x{n}", "yaxis": f"y{n}"}
        x0, x1 = c / cols + 0.06, (c + 1) / cols - 0.02
        y1, y0 = 1 - r / rows - 0.06, 1 - (r + 1) / rows + 0.04
        grid = {"gridcolor": "#eee", "linecolor": "#999", "zeroline": False}
        layout[f"xaxis{n}"] = {"domain": [x0, x1], "anchor": f"y{n}", "dtick": 1, **grid}
        layout[f"yaxis{n}"] = {"domain": [y0, y1], "anchor": f"x{n}", "rangemode": "tozero", "tickformat": ",.0f",
                               "title": {"text": text("pupils_unit", lang)}, **grid}
        layout["annotations"].append({"text": level(lv, lang), "x": (x0 + x1) / 2, "y": y1, "xref": "paper",
                                      "yref": "paper", "showarrow": False, "xanchor": "center",
                                      "yanchor": "bottom"})
        part = totals[(totals["area"] == area) & (totals["level"] == lv)
                      & (totals["scenario"] == scenario)].sort_values("year")
        past = inputs.history[(inputs.history["area"] == area) & (inputs.history["level"] == lv)] \
            if len(inputs.history) else pd.DataFrame()
        if len(past):
            data += _observed_traces(past, text("history", lang), first, axes)
        if len(part):
            x = part["year"].tolist()
            data.append({"type": "scatter", "x": x + x[::-1], "y": part["p90"].tolist() + part["p10"].tolist()[::-1],
                         "fill": "toself", "fillcolor": BAND, "line": {"width": 0}, "mode": "lines",
                         "hoverinfo": "skip", "name": text("interval", lang), "legendgroup": "band",
                         "showlegend": first, **axes})
            data.append({"type": "scatter", "x": x, "y": part["mean"].tolist(), "mode": "lines",
                         "line": {"color": MEAN, "width": 2}, "name": column("mean", lang), "legendgroup": "mean",
                         "showlegend": first, "customdata": part[["p10", "p90"]].to_numpy().tolist(),
                         "hovertemplate": "%{x}: %{y:,.0f} (P10 %{customdata[0]:,.0f}, "
                                          "P90 %{customdata[1]:,.0f})<extra></extra>", **axes})
        seats = sf[(sf["area"] == area) & (sf["level"] == lv) & (sf["scenario"] == scenario)] \
            .sort_values("year") if len(sf) else pd.DataFrame()
        if len(seats):
            data.append({"type": "scatter", "x": seats["year"].tolist(), "y": seats["seats"].tolist(),
                         "mode": "lines+markers", "line": {"color": SEATS, "width": 2, "shape": "hv"},
                         "name": column("seats", lang), "legendgroup": "seats", "showlegend": first, **axes})
        targets = plan[(plan["area"] == area) & (plan["level"] == lv)].drop_duplicates("year") \
            if len(plan) else pd.DataFrame()
        if len(targets):
            data.append({"type": "scatter", "x": targets["year"].tolist(), "y": targets["plan_target"].tolist(),
                         "mode": "markers", "marker": {"symbol": "star", "size": 13, "color": TARGET},
                         "name": text("plan_target", lang), "legendgroup": "target", "showlegend": first,
                         **axes})
    return {"data": data, "layout": layout}


def _heat_figure(inputs: ReportInputs, scenario: str, lang: str) -> dict | None:
    """P90 deficit by finest area-level (rows, the HEAT_ROWS largest) and year."""
    sf = inputs.shortfall
    if sf.empty:
        return None
    parents = set(inputs.parents.values())
    part = sf[(sf["scenario"] == scenario) & ~sf["area"].isin(parents)]
    grid = part.pivot_table(index=["area", "level"], columns="year", values="deficit_seats_p90", aggfunc="max")
    grid = grid[grid.max(axis=1) > 0]
    if grid.empty:
        return None
    total = len(grid)
    grid = grid.loc[grid.max(axis=1).sort_values(ascending=False).index[:HEAT_ROWS]]
    labels = [f"{_area(a, inputs.area_names)} · {level(lv, lang)}" for a, lv in grid.index]
    shown = f" ({len(grid)} / {total})" if total > len(grid) else ""
    z = [[None if pd.isna(v) else float(v) for v in row] for row in grid.to_numpy()]
    return {"data": [{"type": "heatmap", "z": z, "x": [str(y) for y in grid.columns], "y": labels,
                      "colorscale": "Reds", "zmin": 0,
                      "colorbar": {"title": {"text": column("deficit_seats_p90", lang)}},
                      "hovertemplate": "%{y} %{x}: %{z:,.0f}<extra></extra>"}],
            "layout": {"height": max(300, 22 * len(grid) + 140), "title": {"text": text("heatmap_title", lang) + shown},
                       "yaxis": {"autorange": "reversed", "automargin": True}, "font": {"family": f"{FONT}, sans-serif"},
                       "margin": {"l": 220, "t": 60}, "plot_bgcolor": "white"}}


def _chosen_areas(inputs: ReportInputs) -> list[str]:
    """Areas with figures: the roots, the areas with a need (most urgent first), the rest."""
    areas = list(dict.fromkeys(inputs.totals["area"]))
    first = [a for a in areas if a in set(inputs.top_areas)]
    needy = list(dict.fromkeys(inputs.spells["area"])) if len(inputs.spells) else []
    ordered = list(dict.fromkeys(first + [a for a in needy if a in areas] + areas))
    return ordered[:MAX_AREAS]


def _dumps(value) -> str:
    """JSON for the page: NaN as null (JSON has no NaN), numbers as numpy gives them."""
    return json.dumps(_clean(value), ensure_ascii=False, allow_nan=False, default=_plain)


def _clean(value):
    """NaN (a missing number) becomes null, recursively."""
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _plain(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value)}")


_SCRIPT_BREAKERS = re.compile(r"<(?=!--|/script|script)", re.IGNORECASE)


def _json(value) -> str:
    """JSON safe inside a ``<script>`` block: ``<!--``, ``<script`` and ``</script`` (any
    case) would end the block early or swallow its closing tag (an area named
    ``<!--<script>`` broke every chart), so their ``<`` is written ``\\u003c``, which
    JSON.parse reads back as ``<``; any other ``</`` as ``<\\/``."""
    return _SCRIPT_BREAKERS.sub(r"\\u003c", value).replace("</", "<\\/")


def render(inputs: ReportInputs, plots: list[Path] | None = None, lang: str = "en") -> str:
    """The page as a string."""
    meta = inputs.meta
    t = lambda key, **kw: html.escape(text(key, lang, **kw))  # noqa: E731
    names = inputs.area_names
    note = html.escape(interval_note(meta, inputs.accuracy, lang))
    honest = f'<p class="honest">† {note}</p>'
    scenarios = list(dict.fromkeys(inputs.totals["scenario"])) or list(meta.get("scenarios") or [])
    areas = _chosen_areas(inputs) if len(inputs.totals) else []
    levels_of = {a: [lv for lv in dict.fromkeys(inputs.totals.loc[inputs.totals["area"] == a, "level"])]
                 for a in areas}
    figs = {f"{a}|{s}": _area_figure(inputs, a, s, levels_of[a], lang) for a in areas for s in scenarios}
    heat = {s: f for s in scenarios if (f := _heat_figure(inputs, s, lang)) is not None}
    from forecast.report import maps

    shortfall_map = maps.payload(inputs, lang)  # None without areas.geojson

    facts = [(text("dataset", lang), meta.get("dataset")), (column("base_year", lang), meta.get("base_year")),
             (column("scenario", lang), ", ".join(scenarios)),
             (text("method", lang), method_name(meta.get("projection_method", "cohort"), lang)),
             (text("run_id", lang), meta.get("run_id")), (text("generated", lang), __version__)]
    body = [f"<h1>{t('title')}</h1><ul>"
            + "".join(f"<li>{html.escape(str(k))}: {html.escape(str(v))}</li>" for k, v in facts) + "</ul>",
            honest]
    body.append('<div class="controls">'
                f'<label>{html.escape(column("area", lang))} <select id="area">'
                + "".join(f'<option value="{html.escape(a)}">{html.escape(_area(a, names))}</option>' for a in areas)
                + f'</select></label><label>{html.escape(column("scenario", lang))} <select id="scenario">'
                + "".join(f'<option value="{html.escape(s)}">{html.escape(s)}</option>' for s in scenarios)
                + f'</select></label><label>{t("filter")} <input id="filter" type="search"></label></div>')
    if shortfall_map:
        body.append(maps.section(shortfall_map, lang))
    body.append(f"<h2>{t('summary')}</h2>" + _panels(inputs, areas, scenarios, lang))
    body.append(f"<h2>{t('charts')}</h2><div id=\"fan\"></div>")
    body.append(f"<h2>{t('spells')}</h2>" + _spells(inputs, lang) + honest)
    from forecast.report.plan_section import html_section  # present after `forecast plan`

    body.append(html_section(inputs.folder, lang, lambda a: _area(a, names)))
    body.append(f"<h2>{t('heatmap')}</h2><div id=\"heat\"></div>"
                + ("" if heat else f'<p class="note">{t("none_short")}</p>'))
    if len(inputs.plan_check):
        body.append(f"<h2>{t('plan_check')}</h2>" + _table(inputs.plan_check, lang, names) + honest)
    body.append(f"<h2>{t('accuracy')}</h2>" + _accuracy(inputs, lang, names))
    body.append(f"<h2>{t('assumptions')}</h2><ul>"
                + "".join(f"<li>{html.escape(in_chinese(a) if lang == 'zh' else a)}</li>"
                          for a in meta.get("assumptions") or []) + "</ul>")
    simplified = inputs.simplified
    body.append(f"<h2>{t('sources')}</h2><ul>"
                + "".join(f"<li>{html.escape(display(s, simplified))}</li>" for s in meta.get("sources") or [])
                + "</ul>")
    body.append(f'<p class="note">{t("print_note")}</p>')
    data = (f'<script type="application/json" id="figs">{_json(_dumps(figs))}</script>'
            f'<script type="application/json" id="heat-data">{_json(_dumps(heat))}</script>')
    if shortfall_map:
        data += f'<script type="application/json" id="map-data">{_json(_dumps(shortfall_map))}</script>'
    glue = GLUE + (maps.GLUE if shortfall_map else "")
    head = (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f"<title>{t('title')}</title>")
    visible = head + "".join(body) + data
    font = subset_woff(html.unescape(visible) + "0123456789,.-−%·()†")
    face = ("" if font is None else
            f'@font-face{{font-family:"{FONT}";src:url(data:font/woff;base64,'
            f'{base64.b64encode(font).decode("ascii")}) format("woff");}}')
    return (f"{head}<style>{face}{STYLE}</style><script>{get_plotlyjs()}</script></head><body>"
            + "".join(body) + data + f"<script>{glue}</script></body></html>\n")


def _panels(inputs: ReportInputs, areas: list[str], scenarios: list[str], lang: str) -> str:
    """Per area x scenario: the level totals (base year observed, last year with interval) and
    the area's spells; the selectors show one."""
    totals, out = inputs.totals, []
    if totals.empty:
        return f'<p class="note">{html.escape(text("no_demand", lang))}</p>'
    last = int(totals["year"].max())
    base_year = inputs.base_year
    base = (inputs.shortfall[inputs.shortfall.get("basis", pd.Series(dtype=str)) == "observed"]
            if len(inputs.shortfall) and "basis" in inputs.shortfall else pd.DataFrame())
    for a in areas:
        for s in scenarios:
            part = totals[(totals["area"] == a) & (totals["scenario"] == s) & (totals["year"] == last)]
            rows = []
            for r in part.itertuples():
                seen = base[(base["area"] == a) & (base["level"] == r.level) & (base["scenario"] == s)] \
                    if len(base) else pd.DataFrame()
                rows.append({"level": r.level,
                             f"{base_year} {column('observed', lang)}": float(seen["demand_mean"].iloc[0])
                             if len(seen) else None,
                             f"{last} {column('mean', lang)}": r.mean, f"{last} {column('p10', lang)}": r.p10,
                             f"{last} {column('p90', lang)}": r.p90})
            table = _table(pd.DataFrame(rows), lang, inputs.area_names) if rows else ""
            spells = inputs.spells
            mine = spells[(spells["area"] == a) & (spells["scenario"] == s)] if len(spells) else pd.DataFrame()
            needs = (_table(mine[[c for c in SPELL_COLUMNS if c in mine]], lang, inputs.area_names)
                     if len(mine) else f'<p class="note">{html.escape(text("area_not_short", lang))}</p>')
            out.append(f'<div class="panel" data-area="{html.escape(a)}" data-scenario="{html.escape(s)}" hidden>'
                       f"<h3>{html.escape(_area(a, inputs.area_names))} · {html.escape(s)}</h3>{table}{needs}</div>")
    return "".join(out)


def _spells(inputs: ReportInputs, lang: str) -> str:
    spells = inputs.spells
    if inputs.shortfall.empty:
        return f'<p class="note">{html.escape(text("no_demand", lang))}</p>'
    if spells.empty:
        return f'<p class="note">{html.escape(text("none_short", lang))}</p>'
    attrs = lambda r: f'data-scenario="{html.escape(str(r["scenario"]))}"'  # noqa: E731
    finest = spells[spells["detail"] == "finest"]
    parents = spells[spells["detail"] == "aggregate"]
    out = ""
    if len(finest):
        out += (f"<h3>{html.escape(text('spells_heading', lang, base=inputs.base_year, n=len(finest)))}</h3>"
                + _table(finest[[c for c in SPELL_COLUMNS if c in finest]], lang, inputs.area_names,
                         "spells sortable", attrs))
    if len(parents):
        out += (f"<h3>{html.escape(text('parents_heading', lang, n=len(parents)))}</h3>"
                + _table(parents[[c for c in PARENT_COLUMNS if c in parents]], lang, inputs.area_names,
                         "spells sortable", attrs))
    return out


def _accuracy(inputs: ReportInputs, lang: str, names: dict[str, str]) -> str:
    acc = inputs.accuracy
    if acc.empty:
        return f'<p class="note">{html.escape(text("no_accuracy", lang))}</p>'
    wide = acc.pivot_table(index=["level", "model"], columns="horizon", values="mape").reset_index()
    wide.columns = [str(c) if not isinstance(c, str) else c for c in wide.columns]
    wide = wide.rename(columns={c: f"MAPE {c}" for c in wide.columns if c.isdigit()})
    return _table(wide, lang, names)


def write_page(inputs: ReportInputs, plots: list[Path] | None, path: Path, lang: str = "en") -> Path:
    atomic_write_text(path, render(inputs, plots, lang))
    return path
