"""The HTML report: one self-contained, explorable file a planner can e-mail or open offline.

The page is built section by section (one function each: ``SECTIONS``; a new section is one
more function and one more entry), in the order a planner reads:

* the run's facts, then a banner: where the intervals come from and how well such
  intervals held (the same statement as the terminal, report.xlsx and run.json), and, where
  a result rests on an assumed capacity, a warning that says so;
* an area selector that lists every area with a need, most urgent first, and can be
  searched (type a name or an id), and a scenario selector;
* the chosen area's summary and spells, its chart (one panel per level: observed points,
  the P10-P90 band, the mean, the seats from zero, the plan's targets), then the heatmap
  of the P90 deficit of the finest areas (``dataset.finest_with_demand``: exactly the
  finest rows of shortfall_summary.csv), before the tables;
* the tables (spells of the finest areas; parent areas separately; the plan check), paged,
  sorted by a click on a heading and filtered by a search box;
* accuracy, assumptions, sources.

Large datasets stay quick to open: the charts and tables are drawn in the browser from
compact data (one series per area and level, the tables' cells as text), a page of rows at
a time, and plotly.js (embedded once, inline, no network) is started after the page has
been shown. The full plotly.js bundle is embedded: the partial bundles that would be smaller
lack either the heatmap (cartesian) or the map traces (geo) the report uses.

Every text of the page, the charts' hover labels included, uses the embedded subset of the
CJK font (base64 WOFF holding only the page's characters), so Chinese renders on machines
without any CJK font. The static PNGs (``plots/``, 200 dpi) are for print.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from plotly.offline import get_plotlyjs

from forecast.common.files import atomic_write_text
from forecast.common.version import __version__
from forecast.report import maps
from forecast.report.assumptions_zh import in_chinese
from forecast.report.banner import assumed_capacity_line, late_line, sub_class_line
from forecast.report.fonts import subset_woff
from forecast.report.honesty import interval_note
from forecast.report.inputs import ReportInputs
from forecast.report.labels import (
    column,
    level,
    level_group,
    method_name,
    probability,
    projects_text,
    scenario_name,
    template,
    text,
)
from forecast.report.plan_section import html_section
from forecast.report.sources import display

FONT = "ForecastCJK"  # the embedded subset's family name
FONT_STACK = f'{FONT}, "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif'
MAX_QUIET_AREAS = 200  # areas without a need listed in the selector (every area with a need is)
PAGE_ROWS = 25  # table rows per page
BAND, MEAN, SEATS, TARGET = "#9ecae1", "#08519c", "#31a354", "#d62728"
HEAT_ROWS = 40

STYLE = """
body{font-family:FONTS;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right}
th{background:#f2f2f2;cursor:pointer}td.t,th.t{text-align:left}tr.deficit td{background:#ffc7ce}
.note{color:#555;font-size:.9em}.honest{background:#fff8e1;border-left:4px solid #f0b400;padding:.5em}
.warn{background:#fdecea;border-left:4px solid #d62728;padding:.5em}
.controls{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #eee;z-index:5}
select,input,button{font:inherit;margin-right:1em}.pager{font-size:.85em;color:#555}
.pager button{margin:0 .3em}
""".replace("FONTS", FONT_STACK.replace(FONT, f'"{FONT}"', 1))

GLUE = r"""
const D=JSON.parse(document.getElementById('page-data').textContent);
const HEAT=JSON.parse(document.getElementById('heat-data').textContent);
const T=D.text, CFG={displaylogo:false,responsive:true};
const $=id=>document.getElementById(id);
const esc=s=>String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const fmt=v=>v===null||v===undefined?'':Math.round(v).toLocaleString('en-US');
function sortKey(s){if(s===''||s==='-')return -Infinity;if(s.startsWith('>'))return 99.6;
  if(s.startsWith('<'))return 0.4;const n=parseFloat(s.replace(/,/g,''));return isNaN(n)?s:n;}
function panel(a,s){
  const A=D.series[a]||{}, rows=[];
  for(const lv of Object.keys(A)){const L=A[lv], P=(L.s||{})[s]; if(!P)continue; const i=P[0].length-1;
    rows.push('<tr><td class="t">'+esc(D.levels[lv]||lv)+'</td><td>'+fmt(L.b)+'</td><td>'+fmt(P[0][i])+
      '</td><td>'+fmt(P[1][i])+'</td><td>'+fmt(P[2][i])+'</td></tr>');}
  let out='<h3>'+esc(D.labels[a]||a)+' · '+esc(D.scenarios[s]||s)+'</h3>';
  if(rows.length)out+='<table><thead><tr><th class="t">'+esc(T.level)+'</th><th>'+esc(T.base)+'</th><th>'+
    esc(T.last_mean)+'</th><th>'+esc(T.last_p10)+'</th><th>'+esc(T.last_p90)+'</th></tr></thead><tbody>'+
    rows.join('')+'</tbody></table>';
  const t=D.tables.spells, mine=t?t.rows.filter(r=>r[0]===a&&r[1]===s):[];
  const p=D.tables.parents, up=p?p.rows.filter(r=>r[0]===a&&r[1]===s):[];
  const both=mine.length?[t,mine]:up.length?[p,up]:null;
  out+=both?table(both[0],both[1],'',0):'<p class="note">'+esc(T.area_not_short)+'</p>';
  $('panel').innerHTML=out;
}
function table(t,rows,klass,start){
  const head=t.heads.map((h,i)=>'<th class="'+(t.text[i]?'t':'')+'" data-i="'+i+'">'+esc(h)+
    (t.flag[i]?'<sup>†</sup>':'')+'</th>').join('');
  const body=rows.slice(start,start+D.page).map(r=>'<tr'+(r[1]?' data-scenario="'+esc(r[1])+'"':'')+'>'+
    r.slice(2).map((c,i)=>'<td class="'+(t.text[i]?'t':'')+'">'+esc(c)+'</td>').join('')+'</tr>').join('');
  return '<table class="'+klass+'"><thead><tr>'+head+'</tr></thead><tbody>'+body+'</tbody></table>';
}
const VIEW={};
function drawTable(name){
  const t=D.tables[name], v=VIEW[name], box=$('table-'+name);
  const q=$('filter').value.toLowerCase(), s=$('scenario').value;
  let rows=t.rows.filter(r=>(!r[1]||r[1]===s)&&(!q||r.slice(2).join(' ').toLowerCase().includes(q)||
    String(r[0]).toLowerCase().includes(q)));
  if(v.col!==null){const i=v.col+2;rows=rows.slice().sort((x,y)=>{const a=sortKey(x[i]),b=sortKey(y[i]);
    return (a>b?1:a<b?-1:0)*v.dir;});}
  const pages=Math.max(1,Math.ceil(rows.length/D.page)); v.page=Math.min(v.page,pages-1);
  const start=v.page*D.page;
  box.innerHTML=table(t,rows,'spells sortable',start)+'<div class="pager"><button data-go="-1"'+
    (v.page?'':' disabled')+'>'+esc(T.prev)+'</button>'+esc(T.rows.replace('{a}',rows.length?start+1:0)
    .replace('{b}',Math.min(rows.length,start+D.page)).replace('{n}',rows.length.toLocaleString('en-US')))+
    '<button data-go="1"'+(v.page<pages-1?'':' disabled')+'>'+esc(T.next)+'</button></div>';
  box.querySelectorAll('th').forEach(th=>th.addEventListener('click',()=>{const i=+th.dataset.i;
    v.dir=v.col===i?-v.dir:1; v.col=i; drawTable(name);}));
  box.querySelectorAll('button').forEach(b=>b.addEventListener('click',()=>{v.page+=+b.dataset.go;drawTable(name);}));
}
function tables(){for(const name of Object.keys(VIEW)){VIEW[name].page=0;drawTable(name);}}
function figure(a,s){
  const A=D.series[a]||{}, lvs=Object.keys(A), n=lvs.length, cols=n>1?2:1, rows=Math.ceil(n/cols);
  const data=[], lay={title:{text:(D.labels[a]||a)+' · '+(D.scenarios[s]||s)},height:300*rows+90,
    margin:{t:70,l:70,r:20,b:40},font:{family:D.font},hoverlabel:{font:{family:D.font}},
    hovermode:'closest',plot_bgcolor:'white',annotations:[]};
  lvs.forEach((lv,i)=>{const r=Math.floor(i/cols), c=i%cols, k=i?String(i+1):'', first=i===0;
    const ax={xaxis:'x'+k,yaxis:'y'+k}, x0=c/cols+0.06, x1=(c+1)/cols-0.02, y1=1-r/rows-0.06, y0=1-(r+1)/rows+0.04;
    const grid={gridcolor:'#eee',linecolor:'#999',zeroline:false};
    lay['xaxis'+k]=Object.assign({domain:[x0,x1],anchor:'y'+k,dtick:1},grid);
    lay['yaxis'+k]=Object.assign({domain:[y0,y1],anchor:'x'+k,rangemode:'tozero',tickformat:',.0f',
      title:{text:T.pupils_unit}},grid);
    lay.annotations.push({text:D.levels[lv]||lv,x:(x0+x1)/2,y:y1,xref:'paper',yref:'paper',showarrow:false,
      xanchor:'center',yanchor:'bottom'});
    const L=A[lv];
    if(L.h){const ys=[], vs=[]; L.h.slice(1).forEach((v,j)=>{if(v!==null){ys.push(L.h[0]+j);vs.push(v);}});
      data.push(Object.assign({type:'scatter',x:ys,y:vs,mode:'markers',name:T.history,marker:{color:'black',size:7},
        legendgroup:'obs',showlegend:first,hovertemplate:'%{x}: %{y:,.0f}<extra>'+T.history+'</extra>'},ax));
      for(const [dash,want] of [['solid',true],['dash',false]]){const x=[],y=[];
        for(let j=0;j+1<ys.length;j++){if((ys[j+1]-ys[j]===1)===want){x.push(ys[j],ys[j+1],null);y.push(vs[j],vs[j+1],null);}}
        if(x.length)data.push(Object.assign({type:'scatter',x:x,y:y,mode:'lines',hoverinfo:'skip',
          line:{color:'black',dash:dash,width:1},showlegend:false,legendgroup:'obs'},ax));}}
    const P=(L.s||{})[s], X=D.years.proj;
    if(P){data.push(Object.assign({type:'scatter',x:X.concat(X.slice().reverse()),
        y:P[2].concat(P[1].slice().reverse()),fill:'toself',fillcolor:D.colors.band,line:{width:0},mode:'lines',
        hoverinfo:'skip',name:T.interval,legendgroup:'band',showlegend:first},ax));
      data.push(Object.assign({type:'scatter',x:X,y:P[0],mode:'lines',line:{color:D.colors.mean,width:2},
        name:T.mean,legendgroup:'mean',showlegend:first,customdata:P[1].map((v,j)=>[v,P[2][j]]),
        hovertemplate:'%{x}: %{y:,.0f} (P10 %{customdata[0]:,.0f}, P90 %{customdata[1]:,.0f})<extra></extra>'},ax));}
    const S=(L.seats||{})[s];
    if(S)data.push(Object.assign({type:'scatter',x:D.years.seats,y:S,mode:'lines+markers',
      line:{color:D.colors.seats,width:2,shape:'hv'},name:T.seats,legendgroup:'seats',showlegend:first,
      hovertemplate:'%{x}: %{y:,.0f}<extra>'+T.seats+'</extra>'},ax));
    if(L.t)data.push(Object.assign({type:'scatter',x:L.t[0],y:L.t[1],mode:'markers',
      marker:{symbol:'star',size:13,color:D.colors.target},name:T.plan_target,legendgroup:'target',
      showlegend:first,hovertemplate:'%{x}: %{y:,.0f}<extra>'+T.plan_target+'</extra>'},ax));});
  return {data:data,layout:lay};
}
function charts(){
  if(!window.Plotly)return;
  if(D.locale&&!CFG.locale){Plotly.register({moduleType:'locale',name:'zh-CN',dictionary:D.locale});
    CFG.locale='zh-CN';}
  const a=$('area').value, s=$('scenario').value;
  if(a){const f=figure(a,s); Plotly.react('fan',f.data,f.layout,CFG);}
  const h=HEAT[s]; if(h){Plotly.react('heat',h.data,h.layout,CFG);}
  if(window.drawMap)window.drawMap();
}
function show(){const a=$('area').value, s=$('scenario').value; if(a)panel(a,s); tables(); charts();}
function find(){
  const q=$('area-find').value.trim().toLowerCase(); if(!q)return;
  const hit=D.order.find(a=>a.toLowerCase()===q||(D.labels[a]||'').toLowerCase()===q)||
    D.order.find(a=>(D.labels[a]||a).toLowerCase().includes(q));
  if(hit){$('area').value=hit; show();}
}
for(const name of Object.keys(D.tables))if($('table-'+name))VIEW[name]={page:0,col:null,dir:1};
$('area').addEventListener('change',show);
$('scenario').addEventListener('change',show);
$('filter').addEventListener('input',tables);
$('area-find').addEventListener('change',find);
$('area-find').addEventListener('keydown',e=>{if(e.key==='Enter')find();});
show();
function startPlotly(){
  const src=$('plotly-js'); if(!src||window.Plotly){charts();return;}
  const s=document.createElement('script'); s.textContent=src.textContent;
  document.head.appendChild(s); charts();
}
requestAnimationFrame(()=>setTimeout(startPlotly,0));
"""

# plotly.js's own words (the chart toolbar's tips, its notes) in Chinese: a locale registered
# by the page's script, since the locale files are not part of the embedded bundle
PLOTLY_ZH = {
    "Autoscale": "自动缩放", "Box Select": "矩形选择", "Click to enter Colorscale title": "点击输入色标标题",
    "Click to enter Plot title": "点击输入图标题", "Click to enter X axis title": "点击输入 X 轴标题",
    "Click to enter Y axis title": "点击输入 Y 轴标题", "Compare data on hover": "悬停时比较数据",
    "Double-click on legend to isolate one trace": "双击图例只显示该项",
    "Double-click to zoom back out": "双击还原", "Download plot as a png": "下载为 PNG 图片",
    "Download plot": "下载图片", "Lasso Select": "套索选择", "Orbital rotation": "轨道旋转",
    "Pan": "平移", "Produced with Plotly.js": "由 Plotly.js 生成", "Reset": "重置", "Reset axes": "重置坐标轴",
    "Reset camera to default": "重置视角", "Reset camera to last save": "恢复上次视角", "Reset view": "重置视图",
    "Reset views": "重置视图", "Show closest data on hover": "悬停时显示最近的数据",
    "Snapshot succeeded": "截图成功", "Sorry, there was a problem downloading your snapshot!": "抱歉，下载截图时出错！",
    "Taking snapshot - this may take a few seconds": "正在截图，请稍候", "Toggle Spike Lines": "切换辅助线",
    "Toggle show closest data on hover": "切换悬停显示最近数据", "Turntable rotation": "转盘旋转",
    "Zoom": "缩放", "Zoom in": "放大", "Zoom out": "缩小", "Draw line": "画线", "Draw circle": "画圆",
    "Draw rectangle": "画矩形", "Erase active shape": "删除所选形状", "Draw closed freeform": "画封闭图形",
    "Draw open freeform": "画开放图形",
}

SPELL_COLUMNS = ["area", "level", "scenario", "base_year_deficit", "first_year_short_mean",
                 "first_year_short_p90", "last_year_short_mean", "last_year_short_p90",
                 "peak_year", "peak_deficit_mean", "peak_deficit_p90", "classrooms_to_build",
                 "classrooms_basis", "standard_schools_mean", "standard_schools_p90",
                 "latest_start_year", "start_already_late", "earliest_opening_year",
                 "p_shortfall_first_year", "planned_projects"]
PARENT_COLUMNS = ["area", "level", "scenario", "base_year_deficit", "first_year_short_p90",
                  "peak_year", "peak_deficit_p90", "peak_deficit_children_sum"]
TEXT_COLUMNS = {"area", "level", "scenario", "model", "grade", "planned_projects", "classrooms_basis",
                "start_already_late"}
FLAGGED = ("p90", "p_shortfall")  # headings that carry the coverage mark


def _fmt(value, name: str, lang: str = "en") -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return text("yes" if value else "no", lang)
    if isinstance(value, float):
        if name.startswith("p_shortfall"):
            return probability(value, lang)
        if name in ("coverage_80", "mase", "relative_mae"):
            return f"{value:.2f}"
        if "year" in name or name == "horizon":
            return f"{value:.0f}"
        if name in ("avg_class_size", "target_vs_mean_percent", "bias_percent", "mape"):
            return f"{value:,.1f}"
        return f"{value:,.0f}"
    return str(value)


def _cell(value, name: str, inputs: ReportInputs, lang: str) -> str:
    """A table cell as the page shows it: names for ids, levels and scenarios in ``lang``."""
    if name == "level":
        return level_group(str(value), lang)
    if name == "area":
        return _area(str(value), inputs.area_names)
    if name == "scenario":
        return scenario_name(str(value), lang)
    if name == "planned_projects":
        return projects_text(_fmt(value, name, lang), lang)
    if name == "classrooms_basis":
        return text("basis_" + ("seats" if "seat" in str(value) else "rooms"), lang) if value else ""
    return _fmt(value, name, lang)


def _heading(name: str, lang: str) -> str:
    label = html.escape(column(name, lang))
    if any(f in name.lower() for f in FLAGGED):
        label += '<sup title="coverage: see the note">†</sup>'
    return label


def _table(frame: pd.DataFrame, lang: str, inputs: ReportInputs, klass: str = "") -> str:
    """A small static HTML table (plan check, accuracy)."""
    heads = "".join(f'<th class="{"t" if c in TEXT_COLUMNS else ""}">{_heading(c, lang)}</th>'
                    for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False):
        cells = "".join(f'<td class="{"t" if c in TEXT_COLUMNS else ""}">'
                        f"{html.escape(_cell(v, c, inputs, lang))}</td>"
                        for c, v in zip(frame.columns, row, strict=True))
        rows.append(f"<tr>{cells}</tr>")
    return (f'<table class="{klass}"><thead><tr>{heads}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _table_data(frame: pd.DataFrame, columns: list[str], inputs: ReportInputs, lang: str) -> dict:
    """A table for the browser to page, sort and filter: headings, and per row the area id,
    the scenario and every cell as the page shows it."""
    shown = [c for c in columns if c in frame]
    part = frame[shown]
    cells = [[_cell(v, c, inputs, lang) for c, v in zip(shown, row, strict=True)]
             for row in part.itertuples(index=False)]
    scenarios = frame["scenario"].astype(str).tolist() if "scenario" in frame else [""] * len(frame)
    areas = frame["area"].astype(str).tolist() if "area" in frame else [""] * len(frame)
    return {"heads": [column(c, lang) for c in shown], "text": [c in TEXT_COLUMNS for c in shown],
            "flag": [any(f in c.lower() for f in FLAGGED) for c in shown],
            "rows": [[a, s, *r] for a, s, r in zip(areas, scenarios, cells, strict=True)]}


def _area(code: str, names: dict[str, str]) -> str:
    name = names.get(code)
    return f"{name} ({code})" if name and name != code else code


def _selector_areas(inputs: ReportInputs) -> list[str]:
    """The selector's areas: the top areas, every area with a need (most urgent first, as in
    shortfall_summary.csv), then up to MAX_QUIET_AREAS areas without one."""
    areas = list(dict.fromkeys(inputs.totals["area"]))
    tops = [a for a in areas if a in set(inputs.top_areas)]
    spells = inputs.spells
    needy = [a for a in dict.fromkeys(spells["area"]) if a in set(areas)] if len(spells) else []
    chosen = list(dict.fromkeys(tops + needy))
    quiet = [a for a in areas if a not in set(chosen)][:MAX_QUIET_AREAS]
    return chosen + quiet


def _whole(values) -> list:
    """Persons as whole numbers (the page shows no decimals), a gap as null."""
    return [None if v != v else int(round(float(v))) for v in values]


def _grid(frame: pd.DataFrame, keys: list[str], column: str, years: list[int]) -> tuple[list, list]:
    """``frame``'s ``column`` by ``keys`` (rows) and year (columns, on ``years``): the keys and
    the rows of whole numbers (null where missing), built in one pivot, not group by group."""
    if frame.empty:
        return [], []
    wide = frame.pivot_table(index=keys, columns="year", values=column, aggfunc="first").reindex(columns=years)
    values = wide.to_numpy(dtype=float)
    rows = [[None if v != v else int(round(v)) for v in row] for row in values.tolist()]
    return list(wide.index), rows


def _series(inputs: ReportInputs, areas: list[str]) -> tuple[dict, dict]:
    """Per area and level, on the shared year axes (``years``: projected years and, for
    seats, the base year before them): observed history (``h``: first year, then one value a
    year, null where not observed), the base year as observed (``b``), per scenario mean,
    P10 and P90 (``s``) and seats (``seats``), the plan's targets (``t``: years, values)."""
    wanted = set(areas)
    out: dict[str, dict] = {a: {} for a in areas}
    totals = inputs.totals[inputs.totals["area"].isin(wanted)]
    years = sorted(int(y) for y in set(totals["year"]))
    axes = {"proj": years, "seats": ([inputs.base_year] if inputs.base_year else []) + years}
    keys = ["area", "level", "scenario"]
    found = [_grid(totals, keys, c, years) for c in ("mean", "p10", "p90")]
    for i, (a, lv, s) in enumerate(found[0][0]):
        out[a].setdefault(lv, {}).setdefault("s", {})[s] = [found[0][1][i], found[1][1][i], found[2][1][i]]
    history = inputs.history
    if len(history):
        history = history[history["area"].isin(wanted)]
        span = list(range(int(history["year"].min()), int(history["year"].max()) + 1)) if len(history) else []
        index, rows = _grid(history, ["area", "level"], "students", span)
        for (a, lv), row in zip(index, rows, strict=True):
            if lv in out[a]:
                seen = [j for j, v in enumerate(row) if v is not None]
                if seen:
                    out[a][lv]["h"] = [span[seen[0]]] + row[seen[0]:seen[-1] + 1]
    sf = inputs.shortfall
    if len(sf):
        sf = sf[sf["area"].isin(wanted)]
        index, rows = _grid(sf, keys, "seats", axes["seats"])
        for (a, lv, s), row in zip(index, rows, strict=True):
            if lv in out[a]:
                out[a][lv].setdefault("seats", {})[s] = row
        if "basis" in sf:
            seen = sf[sf["basis"] == "observed"].drop_duplicates(["area", "level"])
            for a, lv, v in zip(seen["area"], seen["level"], seen["demand_mean"], strict=True):
                if lv in out[a] and v == v:
                    out[a][lv]["b"] = int(round(float(v)))
    plan = inputs.plan_check
    if len(plan):
        plan = plan[plan["area"].astype(str).isin(wanted)].drop_duplicates(["area", "level", "year"])
        for (a, lv), part in plan.groupby(["area", "level"], sort=False):
            if lv in out.get(a, {}):
                out[a][lv]["t"] = [part["year"].tolist(), _whole(part["plan_target"])]
    base = inputs.base_year
    for levels in out.values():  # a parent observed only as its sub-areas' sum: that sum
        for entry in levels.values():
            h = entry.get("h")
            known = h and base is not None and 0 <= base - h[0] < len(h) - 1
            if "b" not in entry and known and h[1 + base - h[0]] is not None:
                entry["b"] = h[1 + base - h[0]]
    order = list(dict.fromkeys(inputs.totals["level"]))  # the school system's order, not the alphabet's
    return {a: {lv: levels[lv] for lv in order if lv in levels} for a, levels in out.items()}, axes


def _heat_figure(inputs: ReportInputs, scenario: str, lang: str) -> dict | None:
    """The P90 deficit by year of the finest area-levels short by at least one class (the
    finest rows of shortfall_summary.csv: the same areas every output calls finest), the
    HEAT_ROWS largest."""
    sf, spells = inputs.shortfall, inputs.spells
    if sf.empty or spells.empty:
        return None
    rows = spells[(spells["scenario"] == scenario) & (spells["detail"] == "finest")]
    if rows.empty:
        return None
    keys = pd.MultiIndex.from_frame(rows[["area", "level"]])
    part = sf[sf["scenario"] == scenario]
    part = part[pd.MultiIndex.from_frame(part[["area", "level"]]).isin(keys)]
    grid = part.pivot_table(index=["area", "level"], columns="year", values="deficit_seats_p90", aggfunc="max")
    total = len(grid)
    grid = grid.loc[grid.max(axis=1).sort_values(ascending=False, kind="stable").index[:HEAT_ROWS]]
    labels = [f"{_area(a, inputs.area_names)} · {level(lv, lang)}" for a, lv in grid.index]
    shown = f" ({len(grid)} / {total})" if total > len(grid) else ""
    z = [[None if pd.isna(v) else float(v) for v in row] for row in grid.to_numpy()]
    return {"data": [{"type": "heatmap", "z": z, "x": [str(y) for y in grid.columns], "y": labels,
                      "colorscale": "Reds", "zmin": 0,
                      "colorbar": {"title": {"text": column("deficit_seats_p90", lang)}},
                      "hovertemplate": "%{y} %{x}: %{z:,.0f}<extra></extra>"}],
            "layout": {"height": max(300, 22 * len(grid) + 140), "title": {"text": text("heatmap_title", lang) + shown},
                       "yaxis": {"autorange": "reversed", "automargin": True},
                       "font": {"family": FONT_STACK}, "hoverlabel": {"font": {"family": FONT_STACK}},
                       "margin": {"l": 220, "t": 60}, "plot_bgcolor": "white"}}


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


class Page:
    """What the sections share: the run's tables, the language and the areas and scenarios
    shown."""

    def __init__(self, inputs: ReportInputs, lang: str):
        self.inputs, self.lang, self.meta = inputs, lang, inputs.meta
        self.shortfall_map = maps.payload(inputs, lang)  # None without areas.geojson
        self.scenarios = list(dict.fromkeys(inputs.totals["scenario"])) or list(self.meta.get("scenarios") or [])
        self.areas = _selector_areas(inputs) if len(inputs.totals) else []
        self.note = html.escape(interval_note(self.meta, inputs.accuracy, lang))

    def t(self, key: str, **values) -> str:
        return html.escape(text(key, self.lang, **values))

    @property
    def honest(self) -> str:
        return f'<p class="honest">† {self.note}</p>'


def _facts(page: Page) -> str:
    meta, lang = page.meta, page.lang
    facts = [(text("dataset", lang), meta.get("dataset")), (column("base_year", lang), meta.get("base_year")),
             (column("scenario", lang), "、".join(scenario_name(s, lang) for s in page.scenarios)
              if lang == "zh" else ", ".join(page.scenarios)),
             (text("method", lang), method_name(meta.get("projection_method", "cohort"), lang)),
             (text("run_id", lang), meta.get("run_id")), (text("generated", lang), __version__)]
    return (f"<h1>{page.t('title')}</h1><ul>"
            + "".join(f"<li>{html.escape(str(k))}: {html.escape(str(v))}</li>" for k, v in facts) + "</ul>")


def _banner(page: Page) -> str:
    """What a planner must know before reading a number: assumed seats, needs whose start is
    already late, deficits too small to count, and where the intervals come from."""
    inputs, lang = page.inputs, page.lang
    out = []
    assumed = assumed_capacity_line(inputs.meta, inputs.spells, lang)
    if assumed:
        out.append(f'<p class="warn">{html.escape(assumed)}</p>')
    late = late_line(inputs.spells, inputs.base_year, lang)
    if late:
        out.append(f'<p class="warn">{html.escape(late)}</p>')
    small = sub_class_line(inputs.meta, lang)
    if small:
        out.append(f'<p class="note">{html.escape(small)}</p>')
    return "".join(out) + page.honest


def _controls(page: Page) -> str:
    names, lang = page.inputs.area_names, page.lang
    options = "".join(f'<option value="{html.escape(a)}">{html.escape(_area(a, names))}</option>'
                      for a in page.areas)
    found = "".join(f'<option value="{html.escape(_area(a, names))}"></option>' for a in page.areas)
    scenarios = "".join(f'<option value="{html.escape(s)}">{html.escape(scenario_name(s, lang))}</option>'
                        for s in page.scenarios)
    return ('<div class="controls">'
            f'<label>{html.escape(column("area", lang))} <select id="area">{options}</select></label>'
            f'<label>{page.t("find_area")} <input id="area-find" type="search" list="area-list" '
            f'placeholder="{page.t("find_hint")}"><datalist id="area-list">{found}</datalist></label>'
            f'<label>{html.escape(column("scenario", lang))} <select id="scenario">{scenarios}</select></label>'
            f'<label>{page.t("filter")} <input id="filter" type="search"></label></div>')


def _map(page: Page) -> str:
    """The shortfall map (forecast.report.maps), where the dataset has areas.geojson."""
    return maps.section(page.shortfall_map, page.lang) if page.shortfall_map else ""


def _plan(page: Page) -> str:
    """The build plan's section, present after `forecast plan` (forecast.report.plan_section)."""
    return html_section(page.inputs.folder, page.lang, lambda a: _area(a, page.inputs.area_names))


def _summary(page: Page) -> str:
    if page.inputs.totals.empty:
        return f"<h2>{page.t('summary')}</h2><p class=\"note\">{page.t('no_demand')}</p>"
    return f'<h2>{page.t("summary")}</h2><div class="panel" id="panel"></div>'


def _charts(page: Page) -> str:
    return f"<h2>{page.t('charts')}</h2><div id=\"fan\"></div>"


def _heatmap(page: Page) -> str:
    heat = any(_heat_figure(page.inputs, s, page.lang) is not None for s in page.scenarios)
    return (f"<h2>{page.t('heatmap')}</h2><div id=\"heat\"></div>"
            + ("" if heat else f'<p class="note">{page.t("none_short")}</p>'))


def _spells(page: Page) -> str:
    inputs = page.inputs
    spells = inputs.spells
    head = f"<h2>{page.t('spells')}</h2>"
    if inputs.shortfall.empty:
        return head + f'<p class="note">{page.t("no_demand")}</p>'
    if spells.empty:
        return head + f'<p class="note">{page.t("none_short")}</p>' + page.honest
    out = head
    finest = spells[spells["detail"] == "finest"]
    parents = spells[spells["detail"] == "aggregate"]
    if len(finest):
        out += (f"<h3>{page.t('spells_heading', base=inputs.base_year, n=len(finest))}</h3>"
                '<div class="paged" id="table-spells"></div>')
    if len(parents):
        out += (f"<h3>{page.t('parents_heading', n=len(parents))}</h3>"
                '<div class="paged" id="table-parents"></div>')
    return out + page.honest


def _plan_check(page: Page) -> str:
    plan = page.inputs.plan_check
    if plan.empty:
        return ""
    return f"<h2>{page.t('plan_check')}</h2>" + _table(plan, page.lang, page.inputs) + page.honest


def _accuracy(page: Page) -> str:
    """The backtest in this folder (accuracy.csv), else the run's own backtest as run.json
    records it, else words saying there was none (never beside a note quoting coverage)."""
    inputs, lang = page.inputs, page.lang
    acc = inputs.accuracy
    head = f"<h2>{page.t('accuracy')}</h2>"
    if len(acc):
        wide = acc.pivot_table(index=["level", "model"], columns="horizon", values="mape").reset_index()
        wide.columns = [str(c) if not isinstance(c, str) else c for c in wide.columns]
        wide = wide.rename(columns={c: f"MAPE {c}" for c in wide.columns if c.isdigit()})
        return head + _table(wide, lang, inputs)
    own = own_backtest(inputs.meta)
    if len(own):
        return head + f'<p class="note">{page.t("own_backtest")}</p>' + _table(own, lang, inputs) + page.honest
    return head + f'<p class="note">{page.t("no_accuracy")}</p>' + page.honest


def _assumptions(page: Page) -> str:
    said = [in_chinese(a) if page.lang == "zh" else a for a in page.meta.get("assumptions") or []]
    return (f"<h2>{page.t('assumptions')}</h2><ul>"
            + "".join(f"<li>{html.escape(a)}</li>" for a in said) + "</ul>")


def _sources(page: Page) -> str:
    simplified = page.inputs.simplified
    return (f"<h2>{page.t('sources')}</h2><ul>"
            + "".join(f"<li>{html.escape(display(s, simplified, page.lang))}</li>"
                    for s in page.meta.get("sources") or [])
            + "</ul>" + f'<p class="note">{page.t("print_note")}</p>')


# The page's sections in reading order: one function each, returning HTML.
SECTIONS: list[Callable[[Page], str]] = [_facts, _banner, _controls, _map, _summary, _charts,
                                         _heatmap, _spells, _plan, _plan_check, _accuracy,
                                         _assumptions, _sources]


def page_data(page: Page) -> dict:
    """The compact data the browser draws the panel, charts and tables from."""
    inputs, lang = page.inputs, page.lang
    spells = inputs.spells
    tables = {}
    if len(spells):
        finest = spells[spells["detail"] == "finest"]
        parents = spells[spells["detail"] == "aggregate"]
        if len(finest):
            tables["spells"] = _table_data(finest, SPELL_COLUMNS, inputs, lang)
        if len(parents):
            tables["parents"] = _table_data(parents, PARENT_COLUMNS, inputs, lang)
    last = int(inputs.totals["year"].max()) if len(inputs.totals) else ""
    words = {"level": column("level", lang), "base": f"{inputs.base_year} {column('observed', lang)}",
             "last_mean": f"{last} {column('mean', lang)}", "last_p10": f"{last} {column('p10', lang)}",
             "last_p90": f"{last} {column('p90', lang)}", "history": text("history", lang),
             "interval": text("interval", lang), "mean": column("mean", lang), "seats": column("seats", lang),
             "plan_target": text("plan_target", lang), "pupils_unit": text("pupils_unit", lang),
             "area_not_short": text("area_not_short", lang), "prev": text("prev", lang),
             "next": text("next", lang), "rows": template("rows_of", lang)}
    levels = sorted(set(inputs.totals["level"])) if len(inputs.totals) else []
    series, axes = _series(inputs, page.areas)
    return {"order": page.areas, "labels": {a: _area(a, inputs.area_names) for a in page.areas},
            "levels": {lv: level(lv, lang) for lv in levels},
            "scenarios": {s: scenario_name(s, lang) for s in page.scenarios},
            "series": series, "years": axes, "tables": tables, "page": PAGE_ROWS,
            "text": words, "font": FONT_STACK,
            "colors": {"band": BAND, "mean": MEAN, "seats": SEATS, "target": TARGET},
            **({"locale": PLOTLY_ZH} if lang == "zh" else {})}


def render(inputs: ReportInputs, plots: list[Path] | None = None, lang: str = "en") -> str:
    """The page as a string."""
    page = Page(inputs, lang)
    body = "".join(section(page) for section in SECTIONS)
    shortfall_map = page.shortfall_map
    heat = {s: f for s in page.scenarios if (f := _heat_figure(inputs, s, lang)) is not None}
    data = (f'<script type="application/json" id="page-data">{_json(_dumps(page_data(page)))}</script>'
            f'<script type="application/json" id="heat-data">{_json(_dumps(heat))}</script>')
    if shortfall_map:
        data += f'<script type="application/json" id="map-data">{_json(_dumps(shortfall_map))}</script>'
    glue = GLUE + (maps.GLUE if shortfall_map else "")
    head = (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f"<title>{page.t('title')}</title>")
    visible = head + body + data
    font = subset_woff(html.unescape(visible) + "0123456789,.-−%·()†<>")
    face = ("" if font is None else
            f'@font-face{{font-family:"{FONT}";src:url(data:font/woff;base64,'
            f'{base64.b64encode(font).decode("ascii")}) format("woff");}}')
    # plotly.js is data until the page is shown: the browser starts it after the first paint
    library = f'<script type="text/plain" id="plotly-js">{get_plotlyjs()}</script>'
    return (f"{head}<style>{face}{STYLE}</style></head><body>"
            + body + data + library + f"<script>{glue}</script></body></html>\n")


def own_backtest(meta: dict) -> pd.DataFrame:
    """The run's own backtest as run.json's evidence record gives it: level, years ahead,
    MAPE and 80 % interval coverage."""
    evidence = meta.get("evidence")
    if not isinstance(evidence, dict) or not isinstance(evidence.get("levels"), dict):
        return pd.DataFrame()
    rows = []
    for lv, part in evidence["levels"].items():
        mape = part.get("backtest_mape_by_horizon") or {}
        cover = part.get("coverage_80_by_horizon") or {}
        for h in sorted(set(mape) | set(cover), key=lambda k: int(k)):
            rows.append({"level": lv, "horizon": int(h), "mape": mape.get(h),
                         "coverage_80": cover.get(h)})
    frame = pd.DataFrame(rows)
    return frame.astype({"mape": float, "coverage_80": float}) if len(frame) else frame


def write_page(inputs: ReportInputs, plots: list[Path] | None, path: Path, lang: str = "en") -> Path:
    atomic_write_text(path, render(inputs, plots, lang))
    return path
