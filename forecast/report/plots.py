"""The run's charts (``DIR/plots/*.png``), drawn with matplotlib.

* ``fan_<area>_<level>.png``: observed enrolment, the projected mean of each scenario, the
  P10-P90 band of the first scenario and the plan's targets, for each top-level area.
* ``seats_<area>_<level>.png``: demand (mean and P90) against seats by year, for the
  top-level areas and the area-levels with the largest deficits.
* ``shortfall_heatmap.png``: the P90 seat deficit by area-level (rows) and year (columns).
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

from forecast.data.levels import LEVELS
from forecast.report.figures import new_axes, save_png
from forecast.report.fonts import cjk_font
from forecast.report.inputs import ReportInputs
from forecast.report.labels import column, scenario_name, text
from forecast.report.labels import level as level_name

BAND = "#9ecae1"  # the P10-P90 band; tests look for it in screenshots
MEAN = "#08519c"
SEATS = "#31a354"
MAX_SEAT_CHARTS = 12
MAX_HEATMAP_ROWS = 40
DPI = 200  # for print


def write_plots(inputs: ReportInputs, folder: Path, lang: str = "en") -> tuple[list[Path], list[str]]:
    """Draw every chart into ``folder``; returns the files and notes (e.g. no CJK font)."""
    notes = []
    font = cjk_font()
    if font is None and lang == "zh":
        notes.append("no font covering Chinese was found: charts use English labels")
        lang = "en"
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    written = []
    # text.parse_math off: names are data, and '$' in an area or scenario name would be read
    # as math text (a crash on an odd number of '$' or on '$^$')
    with matplotlib.rc_context({"font.family": families, "axes.unicode_minus": False, "figure.dpi": 100,
                                "text.parse_math": False,
                                "savefig.dpi": DPI}):
        written += _fan_charts(inputs, folder, lang)
        written += _seat_charts(inputs, folder, lang)
        heat = _heatmap(inputs, folder, lang)
        if heat:
            written.append(heat)
        if getattr(inputs, "boundaries", None) is not None:  # areas.geojson: the map for print
            from forecast.report.maps import write_map_plots

            written += write_map_plots(inputs, folder, lang)
    return written, notes


def _style(ax, title: str) -> None:
    ax.set_title(title)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)


def _slug(value: str) -> str:
    return re.sub(r"[^\w.-]+", "_", value).strip("_") or "area"


MAX_FAN_AREAS = 12  # PNG fan charts: the largest top-level areas (report.html has every area)


def _roots(inputs: ReportInputs) -> list[str]:
    """Top-level areas that were projected (the district, the city), the largest first and at
    most MAX_FAN_AREAS of them (a state of 1,000 districts gets its 12 largest); else the
    first area."""
    totals = inputs.totals
    areas = list(dict.fromkeys(totals["area"]))
    tops = [a for a in areas if a in set(inputs.top_areas)]
    if len(tops) > MAX_FAN_AREAS:
        size = totals[totals["area"].isin(tops)].groupby("area")["mean"].max()
        tops = size.sort_values(ascending=False).index[:MAX_FAN_AREAS].tolist()
    return tops or areas[:1]


def _levels(frame: pd.DataFrame) -> list[str]:
    present = set(frame["level"])  # the default system's order first, other systems' levels after
    return [lv for lv in LEVELS if lv in present] + sorted(present - set(LEVELS))


def _fan_charts(inputs: ReportInputs, folder: Path, lang: str) -> list[Path]:
    totals = inputs.totals
    if totals.empty:
        return []
    scenarios = list(dict.fromkeys(totals["scenario"]))
    out = []
    for area in _roots(inputs):
        for lv in _levels(totals[totals["area"] == area]):
            fig, ax = new_axes((7, 4))
            past = inputs.history[(inputs.history["area"] == area) & (inputs.history["level"] == lv)] \
                if len(inputs.history) else pd.DataFrame()
            if len(past):
                _observed(ax, past, text("history", lang))
            for i, scenario in enumerate(scenarios):
                part = totals[(totals["area"] == area) & (totals["level"] == lv)
                              & (totals["scenario"] == scenario)].sort_values("year")
                if part.empty:
                    continue
                if i == 0:
                    ax.fill_between(part["year"], part["p10"], part["p90"], color=BAND,
                                    label=f"{text('interval', lang)} ({scenario_name(scenario, lang)})")
                ax.plot(part["year"], part["mean"], "-", color=MEAN if i == 0 else None,
                        lw=2 if i == 0 else 1.2, label=scenario_name(scenario, lang))
            plan = inputs.plan_check
            if len(plan):
                targets = plan[(plan["area"] == area) & (plan["level"] == lv)].drop_duplicates("year")
                if len(targets):
                    ax.scatter(targets["year"], targets["plan_target"], marker="*", s=160, color="#d62728",
                               zorder=5, label=text("plan_target", lang))
            ax.set_ylabel(text("pupils_unit", lang))
            _style(ax, text("fan_title", lang, area=inputs.area_label(area), level=level_name(lv, lang)))
            out.append(save_png(fig, folder / f"fan_{_slug(area)}_{lv}.png"))
    return out


def _observed(ax, past: pd.DataFrame, label: str) -> None:
    """Observed points only where observed: solid between consecutive years, dashed across
    years with no observation (never a line that looks like data)."""
    past = past.sort_values("year")
    years, values = past["year"].to_numpy(), past["students"].to_numpy()
    ax.plot(years, values, "o", color="black", label=label, zorder=4)
    for i in range(len(years) - 1):
        style = "-" if years[i + 1] - years[i] == 1 else "--"
        ax.plot(years[i:i + 2], values[i:i + 2], style, color="black", lw=1, zorder=3)


def _seat_charts(inputs: ReportInputs, folder: Path, lang: str) -> list[Path]:
    table = inputs.shortfall
    if table.empty:
        return []
    first = table["scenario"].iloc[0]
    table = table[table["scenario"] == first]
    worst = (table.groupby(["area", "level"])["deficit_seats_p90"].max().sort_values(ascending=False))
    roots = set(_roots(inputs))  # once, not once per area-level
    chosen = [k for k in worst.index if k[0] in roots]
    chosen += [k for k in worst.index if k not in chosen][: max(0, MAX_SEAT_CHARTS - len(chosen))]
    out = []
    for area, lv in chosen:
        part = table[(table["area"] == area) & (table["level"] == lv)].sort_values("year")
        fig, ax = new_axes((7, 4))
        ax.plot(part["year"], part["demand_mean"], "-o", color=MEAN, label=f"{text('students', lang)} ({column('mean', lang)})")
        ax.plot(part["year"], part["demand_p90"], "--", color=MEAN, label=f"{text('students', lang)} (P90)")
        ax.plot(part["year"], part["seats"], "-s", color=SEATS, lw=2, drawstyle="steps-post",
                label=column("seats", lang))
        short = (part["demand_p90"] > part["seats"]).to_numpy()
        ax.fill_between(part["year"], part["seats"], part["demand_p90"], where=short, interpolate=True,
                        color="#fcbba1", alpha=0.8)  # the P90 gap
        ax.set_ylim(bottom=0)  # from zero: a wobble of ten pupils must not fill the chart
        ax.set_ylabel(text("pupils_seats", lang))
        _style(ax, text("seats_title", lang, area=inputs.area_label(area), level=level_name(lv, lang)))
        out.append(save_png(fig, folder / f"seats_{_slug(area)}_{lv}.png"))
    return out


def _heatmap(inputs: ReportInputs, folder: Path, lang: str) -> Path | None:
    table = inputs.shortfall
    if table.empty:
        return None
    scenario = table["scenario"].iloc[0]
    table = table[table["scenario"] == scenario]
    spells = inputs.spells
    if spells.empty:
        return None
    # the finest area-levels short by at least one class: the finest rows of
    # shortfall_summary.csv (dataset.finest_with_demand), as in report.html
    rows = spells[(spells["scenario"] == scenario) & (spells["detail"] == "finest")]
    table = table[pd.MultiIndex.from_frame(table[["area", "level"]]).isin(
        pd.MultiIndex.from_frame(rows[["area", "level"]]))]
    grid = table.pivot_table(index=["area", "level"], columns="year", values="deficit_seats_p90", aggfunc="max")
    if grid.empty:
        return None
    total = len(grid)
    top = grid.max(axis=1).sort_values(ascending=False).index[:MAX_HEATMAP_ROWS]
    # the largest needs, grouped by parent area (neighbours together), largest first within each
    peak = grid.max(axis=1)
    group_peak = {}
    for a, lv in top:
        key = inputs.parents.get(a, a)
        group_peak[key] = max(group_peak.get(key, 0), peak[(a, lv)])
    order = sorted(top, key=lambda k: (-group_peak[inputs.parents.get(k[0], k[0])],
                                       inputs.parents.get(k[0], k[0]), -peak[k]))
    grid = grid.loc[order]
    fig, ax = new_axes((max(6, 0.8 * grid.shape[1] + 3), max(2.5, 0.35 * len(grid) + 1.5)))
    image = ax.imshow(grid.to_numpy(dtype=float), cmap="Reds", aspect="auto", vmin=0)
    ax.set_xticks(range(grid.shape[1]), [str(y) for y in grid.columns])
    ax.set_yticks(range(len(grid)), [f"{inputs.area_label(a)} · {level_name(lv, lang)}" for a, lv in grid.index])
    values = grid.to_numpy(dtype=float)
    top = np.nanmax(values) if np.isfinite(values).any() else 0
    for (i, j), value in np.ndenumerate(values):
        if value > 0:  # white on the dark cells
            ax.text(j, i, f"{value:,.0f}", ha="center", va="center", fontsize=7,
                    color="white" if value > 0.6 * top else "black")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title(text("heatmap_title", lang)
                 + (text("heatmap_top", lang, n=len(grid), total=total) if total > len(grid) else ""))
    return save_png(fig, folder / "shortfall_heatmap.png")
