"""The shortfall map: P90 seat deficit by area, in report.html and as PNGs for print.

Drawn only when the dataset has shapes (``areas.geojson``, forecast.data.boundaries).

* **What is coloured**: each map unit (an area with a shape and none below it). A finest
  area shows its own P90 seat deficit (``deficit_seats_p90`` of shortfall.csv); a unit with
  areas below it (a Texas county of districts) shows the sum of its finest areas' P90
  deficits (``deficit_children_sum_p90``), never its net balance, so one district's empty
  seats never hide another's shortage. "Peak" shows the summary's peak
  (``peak_deficit_p90``, or ``peak_deficit_children_sum`` for such a unit), the same numbers
  as shortfall_summary.csv. A unit without rows for the level is grey (no data), never 0.
* **In the page**: a Plotly choropleth with offline geo traces (no tiles, no base map:
  ``geo.visible`` false, ``fitbounds`` "locations"; plotly.js would fetch its world
  topojson, so an empty one is handed to it), a year slider, a level selector and the page's
  scenario selector; longitudes scaled by the cosine of the map's middle latitude, so
  shapes keep their proportions; area names in the embedded CJK font; schools with ``lat, lon`` as
  points sized by pupils and coloured by utilisation (pupils / seats).
* **For print**: ``plots/map_<level>.png`` (matplotlib), the peak of the first scenario.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.report.labels import level as level_name

FONT = "ForecastCJK"  # the page's embedded font (forecast.report.page.FONT)
MAX_LABELS = 60  # area names written on the map; more would cover it (hover shows every name)
COLOURS = [[0, "#fff5f0"], [0.2, "#fcbba1"], [0.45, "#fb6a4a"], [0.75, "#cb181d"], [1, "#67000d"]]
NO_DATA, CONTEXT, EDGE = "#d9d9d9", "#eeeeee", "#ffffff"
# schools: blue under-used, white full, purple over-full (apart from the deficit's reds)
USE_COLOURS = [[0, "#2166ac"], [0.35, "#92c5de"], [0.5, "#f7f7f7"], [0.65, "#c2a5cf"], [1, "#40004b"]]
USE_RANGE = (0.7, 1.3)  # utilisation at the ends of the colour scale (1.0 in the middle)
WORDS = {
    "map": ("Where places run short: map", "学位缺口地图"),
    "level": ("Level", "学段"), "year": ("Year", "年份"),
    "peak": ("Peak over the years (as shortfall_summary.csv)", "各年份峰值（同 shortfall_summary.csv）"),
    "value": ("Seat deficit at P90 (pupils)", "学位缺口（P90，人）"),
    "summed": ("sum of its {n} finest areas' P90 deficits, not netted",
               "其下 {n} 个最细区域 P90 缺口之和（不相互抵消）"),
    "no_data": ("no data", "无数据"), "context": ("no planning area (context only)", "非规划区域（仅作参照）"),
    "schools": ("Schools", "学校"), "utilisation": ("Utilisation (pupils / seats)", "学位使用率（在校生/学位）"),
    "pupils": ("pupils", "在校生"), "seats": ("seats", "学位"),
    "size_seats": ("points sized by seats (schools.csv has no pupils)", "点大小按学位数（schools.csv 无在校生数）"),
    "note": ("Colour: the P90 seat deficit of each area; an area with sub-areas but no shapes for them "
             "(e.g. a county of districts) shows the sum of its sub-areas' deficits, never netted. "
             "Grey: no data. Map data: shortfall_map.geojson; print: plots/map_*.png.",
             "颜色：各区域 P90 学位缺口；下级区域无边界的区域（如含多个学区的县）显示其下级区域缺口之和，"
             "不相互抵消。灰色：无数据。地图数据：shortfall_map.geojson；打印：plots/map_*.png。"),
    "png_title": ("{level}: peak P90 seat deficit {first}-{last} ({scenario})",
                  "{level}：{first}-{last} 年 P90 学位缺口峰值（{scenario}）"),
}
EMPTY_TOPOJSON = {"type": "Topology", "arcs": [], "objects": {
    k: {"type": "GeometryCollection", "geometries": []}
    for k in ("coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits")}}

GLUE = """
(function(){
const M=JSON.parse(document.getElementById('map-data').textContent);
window.PlotlyGeoAssets=window.PlotlyGeoAssets||{};
window.PlotlyGeoAssets.topojson=Object.assign({world_110m:M.topojson,world_50m:M.topojson},
  window.PlotlyGeoAssets.topojson||{});
const lv=document.getElementById('map-level'), yr=document.getElementById('map-year'),
  pk=document.getElementById('map-peak'), sc=document.getElementById('scenario'),
  shown=document.getElementById('map-year-shown');
function scenario(){return sc&&M.scenarios.includes(sc.value)?sc.value:M.scenarios[0];}
function draw(){
  if(!window.Plotly)return;  // plotly.js starts after the first paint: the page calls drawMap
  const s=scenario(), L=M.layers[s+'|'+lv.value]; if(!L){Plotly.purge('map');return;}
  const peak=pk.checked, i=Math.min(+yr.value,L.years.length-1);
  yr.disabled=peak; shown.textContent=peak?M.peak_label:String(L.years[i]);
  const z=peak?L.peak:L.values[i], loc=[], zz=[], txt=[], gl=[], gz=[], gt=[];
  z.forEach((v,k)=>{if(v!==null){loc.push(M.units[k]);zz.push(v);txt.push(M.hover[k]);}
    else{gl.push(M.units[k]);gz.push(1);gt.push(M.no_data[k]);}});
  M.context.forEach((c,k)=>{gl.push(c);gz.push(0);gt.push(M.context_text[k]);});
  const data=[{type:'choropleth',geojson:M.geojson,locations:loc,z:zz,text:txt,zmin:0,
    zmax:L.zmax,colorscale:M.colours,marker:{line:{color:'#fff',width:0.6}},
    colorbar:{title:{text:M.value_label,side:'right'},thickness:14},
    hovertemplate:'%{text}: %{z:,.0f}<extra></extra>'}];
  if(gl.length){data.push(Object.assign({},M.base,{geojson:M.geojson,locations:gl,z:gz,text:gt}));}
  if(M.labels){data.push(M.labels);}
  const pts=M.schools[lv.value]; if(pts){data.push(pts);}
  Plotly.react('map',data,M.layout,{displaylogo:false,responsive:true,scrollZoom:false});
  document.getElementById('map-figure').dataset.state=s+'|'+lv.value+'|'+(peak?'peak':L.years[i]);
}
function levels(){const L=M.layers[scenario()+'|'+lv.value];
  if(L){yr.max=L.years.length-1; if(+yr.value>L.years.length-1){yr.value=L.years.length-1;}} draw();}
lv.addEventListener('change',levels); yr.addEventListener('input',draw); pk.addEventListener('change',draw);
if(sc){sc.addEventListener('change',draw);}
window.drawMap=levels;
levels();
})();
"""


def _word(key: str, lang: str, **values: object) -> str:
    return WORDS[key][0 if lang == "en" else 1].format(**values)


def has_map(inputs) -> bool:
    return getattr(inputs, "boundaries", None) is not None and bool(inputs.boundaries.units) \
        and len(inputs.shortfall) > 0


def unit_label(inputs, area: str) -> str:
    """The name a map shows: the dataset's, else the shape's ``name`` property, else the id."""
    name = inputs.area_names.get(area)
    if name and name != area:
        return name
    return inputs.boundaries.names.get(area) or area


def _levels(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame["level"]))


def map_values(inputs) -> dict[tuple[str, str], dict]:
    """Per (scenario, level): ``years``, ``values`` (one list per year, aligned with the map
    units, None where a unit has no rows) and ``peak`` (the summary's numbers)."""
    b, sf = inputs.boundaries, inputs.shortfall
    units = b.units
    parents = set(inputs.parents.values())
    rows = sf[sf["area"].astype(str).isin(set(units))].copy()
    rows["area"] = rows["area"].astype(str)
    own = rows["deficit_seats_p90"]
    kids = rows["deficit_children_sum_p90"] if "deficit_children_sum_p90" in rows else own * np.nan
    rows["_v"] = np.where(rows["area"].isin(parents) & kids.notna(), kids, own)
    spells = inputs.spells if len(inputs.spells) else pd.DataFrame(columns=["scenario", "area", "level"])
    peaks = {}
    for r in spells.itertuples():
        value = r.peak_deficit_children_sum if getattr(r, "detail", "finest") == "aggregate" else r.peak_deficit_p90
        peaks[(r.scenario, str(r.area), r.level)] = float(value) if pd.notna(value) else 0.0
    out = {}
    for (scenario, lv), part in rows.groupby(["scenario", "level"], sort=False):
        grid = part.pivot_table(index="area", columns="year", values="_v", aggfunc="first")
        grid = grid.reindex(units)
        years = [int(y) for y in grid.columns]
        values = [[None if pd.isna(v) else float(v) for v in grid[y]] for y in grid.columns]
        present = set(part["area"])
        peak = [peaks.get((scenario, u, lv), 0.0) if u in present else None for u in units]
        top = max([v for col in values for v in col if v is not None] + [v for v in peak if v is not None] + [1.0])
        out[(scenario, lv)] = {"years": years, "values": values, "peak": peak, "zmax": top}
    return out


def _display_shapes(inputs) -> dict[str, Any]:
    """Units and context shapes, simplified together for the screen (shared edges stay
    shared) and wound clockwise as plotly.js' d3-geo wants."""
    import shapely

    b = inputs.boundaries
    ids = list(b.units) + [c for c in b.context if c in b.own]
    geoms = [b.own[a] for a in ids]
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    tolerance = math.hypot(x1 - x0, y1 - y0) / 2500
    try:
        simple = shapely.coverage_simplify(geoms, tolerance)
    except Exception:  # noqa: BLE001 - not a clean coverage (overlaps): simplify one by one
        simple = shapely.simplify(geoms, tolerance, preserve_topology=True)
    simple = [s if not s.is_empty else g for s, g in zip(simple, geoms, strict=True)]
    squeeze = _squeeze(y0, y1)
    simple = [shapely.transform(g, lambda xy: _screen(xy, (x0 + x1) / 2, squeeze)) for g in simple]
    simple = shapely.orient_polygons(simple, exterior_cw=True)
    return dict(zip(ids, simple, strict=True))


def _squeeze(y0: float, y1: float) -> float:
    return max(math.cos(math.radians((y0 + y1) / 2)), 0.1)


def _screen(xy: np.ndarray, middle: float, squeeze: float) -> np.ndarray:
    """Longitudes pulled towards the middle by cos(middle latitude): plotly.js draws lon, lat
    1:1 (equirectangular, the projection its fitbounds centres), this gives the area its
    true proportions at its own latitude (as the PNG's aspect does)."""
    out = np.array(xy, dtype=float)
    out[:, 0] = middle + (out[:, 0] - middle) * squeeze
    return out


def _frame(inputs) -> tuple[float, float]:
    """(middle longitude, squeeze) of the map's display transform."""
    import shapely

    b = inputs.boundaries
    x0, y0, x1, y1 = shapely.total_bounds([b.own[a] for a in list(b.units) + [c for c in b.context if c in b.own]])
    return (x0 + x1) / 2, _squeeze(y0, y1)


def _geojson(shapes: dict[str, Any]) -> dict:
    import shapely
    from shapely.geometry import mapping

    features = []
    for area, geom in shapes.items():
        rounded = shapely.transform(geom, lambda xy: np.round(xy, 4))
        features.append({"type": "Feature", "id": area, "properties": {},
                         "geometry": _plain(mapping(rounded))})
    return {"type": "FeatureCollection", "features": features}


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _schools(inputs, lang: str) -> dict[str, dict]:
    """Per level: a scattergeo trace of the schools with lat, lon."""
    from forecast.data.system import split_group

    schools = getattr(inputs, "schools", None)
    if schools is None or schools.empty or not {"lat", "lon"} <= set(schools.columns):
        return {}
    placed = schools[schools["lat"].notna() & schools["lon"].notna()]
    if placed.empty:
        return {}
    pupils = placed["students"] if "students" in placed else pd.Series(np.nan, index=placed.index)
    seats = placed["seats"] if "seats" in placed else pd.Series(np.nan, index=placed.index)
    by_pupils = pupils.notna().any()
    size_of = pupils if by_pupils else seats
    biggest = float(size_of.max()) if size_of.notna().any() else 1.0
    out = {}
    for lv in _levels(inputs.shortfall):
        mine = placed[[lv in split_group(str(v)) for v in placed["level"]]]
        if mine.empty:
            continue
        p, s = pupils.loc[mine.index], seats.loc[mine.index]
        use = (p / s.where(s > 0)).astype(float)
        sizes = (5 + 15 * np.sqrt(size_of.loc[mine.index].fillna(0).astype(float) / max(biggest, 1.0))).round(1)
        names = mine["school"] if "school" in mine else mine["area"]
        hover = [f"{_esc(str(n))}<br>{_num(a)} {_word('pupils', lang)} / {_num(b)} {_word('seats', lang)}"
                 + ("" if pd.isna(u) else f" ({u:.0%})") for n, a, b, u in zip(names, p, s, use, strict=True)]
        title = _word("utilisation", lang) + ("" if by_pupils else " · " + _word("size_seats", lang))
        middle, squeeze = _frame(inputs)
        xy = _screen(np.column_stack([mine["lon"].astype(float), mine["lat"].astype(float)]), middle, squeeze)
        out[lv] = {"type": "scattergeo", "lon": xy[:, 0].round(5).tolist(),
                   "lat": xy[:, 1].round(5).tolist(), "mode": "markers",
                   "name": _word("schools", lang), "text": hover, "hovertemplate": "%{text}<extra></extra>",
                   "marker": {"size": sizes.tolist(), "color": [None if pd.isna(u) else round(float(u), 3) for u in use],
                              "cmin": USE_RANGE[0], "cmax": USE_RANGE[1], "colorscale": USE_COLOURS,
                              "line": {"color": "#333", "width": 0.8}, "opacity": 0.95,
                              "colorbar": {"title": {"text": title}, "orientation": "h", "y": -0.08,
                                           "thickness": 10, "len": 0.6, "tickformat": ".0%"}},
                   "showlegend": False}
    return out


def _esc(value: str) -> str:
    """Text for plotly.js hover labels (its pseudo-HTML): <, > and & escaped, quotes kept."""
    return html.escape(value, quote=False)


def _num(value) -> str:
    return "?" if value is None or pd.isna(value) else f"{float(value):,.0f}"


def payload(inputs, lang: str) -> dict | None:
    """Everything the page's map needs, as JSON-ready data; None without shapes."""
    if not has_map(inputs):
        return None
    import shapely

    b = inputs.boundaries
    layers = map_values(inputs)
    if not layers:
        return None
    shapes = _display_shapes(inputs)
    units = list(b.units)
    parents = set(inputs.parents.values())
    finest_below = {}
    for area, unit in b.inside.items():
        if area != unit:
            finest_below[unit] = finest_below.get(unit, 0) + 1
    hover = []
    for u in units:
        label = _esc(f"{unit_label(inputs, u)} ({u})" if unit_label(inputs, u) != u else u)
        if u in parents and finest_below.get(u):
            label += "<br>" + _esc(_word("summed", lang, n=finest_below[u]))
        hover.append(label)
    context = [c for c in b.context if c in shapes]
    # grey: context shapes (0) and the units without rows for the level shown (1)
    base = {"type": "choropleth", "showscale": False, "hoverinfo": "text", "zmin": 0, "zmax": 1,
            "colorscale": [[0, CONTEXT], [1, NO_DATA]], "marker": {"line": {"color": EDGE, "width": 0.6}}}
    geojson = _geojson(shapes)  # once in the page: the glue hands it to both choropleths
    labels = None
    if len(units) <= MAX_LABELS:
        points = [shapely.get_coordinates(shapes[u].representative_point())[0] for u in units]
        labels = {"type": "scattergeo", "lon": [round(float(p[0]), 4) for p in points],
                  "lat": [round(float(p[1]), 4) for p in points], "mode": "text",
                  "text": [unit_label(inputs, u) for u in units], "hoverinfo": "skip", "showlegend": False,
                  "textfont": {"family": f"{FONT}, sans-serif", "size": 11, "color": "#222"}}
    levels = list(dict.fromkeys(lv for _, lv in layers))
    return {
        "units": units, "hover": hover, "geojson": geojson, "base": base, "labels": labels,
        "no_data": [_esc(unit_label(inputs, u)) + " · " + _word("no_data", lang) for u in units],
        "context": context, "context_text": [_esc(b.names.get(c, c)) + " · " + _word("context", lang) for c in context],
        "scenarios": list(dict.fromkeys(s for s, _ in layers)), "levels": levels,
        "layers": {f"{s}|{lv}": layer for (s, lv), layer in layers.items()},
        "schools": _schools(inputs, lang), "colours": COLOURS, "topojson": EMPTY_TOPOJSON,
        "value_label": _word("value", lang), "peak_label": _word("peak", lang).split(" (")[0].split("（")[0],
        "layout": {"height": 620, "margin": {"l": 0, "r": 0, "t": 10, "b": 40},
                   "font": {"family": f"{FONT}, sans-serif"}, "dragmode": False,
                   "geo": {"fitbounds": "locations", "visible": False, "resolution": 110,
                           "projection": {"type": "equirectangular"}, "bgcolor": "rgba(0,0,0,0)"}},
    }


def section(data: dict, lang: str) -> str:
    """The map's heading, controls and figure (the data goes in a script tag beside it)."""
    first = data["layers"][f"{data['scenarios'][0]}|{data['levels'][0]}"]
    options = "".join(f'<option value="{html.escape(lv)}">{html.escape(level_name(lv, lang))}</option>'
                      for lv in data["levels"])
    last = len(first["years"]) - 1
    return (f"<h2>{html.escape(_word('map', lang))}</h2><div class=\"controls map-controls\">"
            f"<label>{html.escape(_word('level', lang))} <select id=\"map-level\">{options}</select></label>"
            f"<label>{html.escape(_word('year', lang))} <input id=\"map-year\" type=\"range\" min=\"0\" "
            f"max=\"{last}\" value=\"{last}\" step=\"1\"></label> <b id=\"map-year-shown\"></b> "
            f"<label><input id=\"map-peak\" type=\"checkbox\"> {html.escape(_word('peak', lang))}</label></div>"
            f"<div id=\"map-figure\"><div id=\"map\"></div></div>"
            f"<p class=\"note\">{html.escape(_word('note', lang))}</p>")


def write_map_plots(inputs, folder: Path, lang: str = "en") -> list[Path]:
    """``plots/map_<level>.png``: the peak P90 deficit of the first scenario, for print."""
    if not has_map(inputs):
        return []
    from matplotlib.colors import LinearSegmentedColormap, Normalize
    from matplotlib.patheffects import withStroke

    from forecast.report.figures import new_axes, save_png

    layers = map_values(inputs)
    if not layers:
        return []
    b = inputs.boundaries
    scenario = next(iter(layers))[0]
    cmap = LinearSegmentedColormap.from_list("deficit", [(p, c) for p, c in COLOURS])
    out = []
    for (s, lv), layer in layers.items():
        if s != scenario:
            continue
        fig, ax = new_axes((8, 7))
        norm = Normalize(0, layer["zmax"])
        for c in b.context:
            if c in b.own:
                _draw(ax, b.own[c], CONTEXT)
        for unit, value in zip(b.units, layer["peak"], strict=True):
            _draw(ax, b.own[unit], NO_DATA if value is None else cmap(norm(value)))
        if len(b.units) <= MAX_LABELS:
            for unit in b.units:
                p = b.own[unit].representative_point()
                ax.text(p.x, p.y, unit_label(inputs, unit), ha="center", va="center", fontsize=6,
                        path_effects=[withStroke(linewidth=1.5, foreground="white")], zorder=6)
        _school_points(ax, inputs, lv, LinearSegmentedColormap.from_list("use", [(p, c) for p, c in USE_COLOURS]),
                       fig, lang)
        x0, y0, x1, y1 = _bounds(b)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect(1 / max(math.cos(math.radians((y0 + y1) / 2)), 0.1))
        ax.set_axis_off()
        from matplotlib.cm import ScalarMappable

        fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.7, label=_word("value", lang))
        years = layer["years"]
        ax.set_title(_word("png_title", lang, level=level_name(lv, lang), first=years[0], last=years[-1],
                           scenario=s))
        out.append(save_png(fig, folder / f"map_{lv}.png"))
    return out


def _bounds(b) -> tuple[float, float, float, float]:
    import shapely

    geoms = [b.own[a] for a in list(b.units) + [c for c in b.context if c in b.own]]
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    pad = 0.02 * max(x1 - x0, y1 - y0, 1e-6)
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def _draw(ax, geom, colour) -> None:
    """A (multi)polygon with its holes as one patch."""
    import shapely
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    for polygon in shapely.get_parts(geom):
        rings = [np.asarray(polygon.exterior.coords)] + [np.asarray(r.coords) for r in polygon.interiors]
        path = MplPath.make_compound_path(*[MplPath(r, closed=True) for r in rings])
        ax.add_patch(PathPatch(path, facecolor=colour, edgecolor="white", linewidth=0.4))


def _school_points(ax, inputs, lv: str, cmap, fig, lang: str) -> None:
    from forecast.data.system import split_group

    schools = getattr(inputs, "schools", None)
    if schools is None or schools.empty or not {"lat", "lon"} <= set(schools.columns):
        return
    mine = schools[schools["lat"].notna() & schools["lon"].notna()]
    mine = mine[[lv in split_group(str(v)) for v in mine["level"]]]
    if mine.empty:
        return
    pupils = mine["students"] if "students" in mine else mine.get("seats")
    if pupils is None:
        return
    seats = mine["seats"] if "seats" in mine else pd.Series(np.nan, index=mine.index)
    use = (pupils / seats.where(seats > 0)).astype(float).fillna(1.0)
    size = 8 + 80 * np.sqrt(pupils.fillna(0).astype(float) / max(float(pupils.max()), 1.0))
    points = ax.scatter(mine["lon"], mine["lat"], s=size, c=use, cmap=cmap, vmin=USE_RANGE[0],
                        vmax=USE_RANGE[1], edgecolors="#333", linewidths=0.5, zorder=5)
    bar = fig.colorbar(points, ax=ax, orientation="horizontal", shrink=0.5, pad=0.02,
                       label=_word("utilisation", lang))
    bar.ax.xaxis.set_major_formatter("{x:.0%}")
