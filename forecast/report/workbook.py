"""The Excel workbook of a run (``report.xlsx``): what planners open first.

Sheets: summary, projections (level totals by area x level x year x scenario, mean and
interval), shortfall (deficit rows red, over-standard average class sizes amber, by
conditional formatting that Excel re-evaluates if a planner edits a cell), plan check,
assumptions, data sources and, when the folder holds a backtest, accuracy. Headings are
Chinese or English (``lang``); header rows are frozen and columns sized to their contents.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from forecast.common.cells import starts
from forecast.common.files import atomic_write_with
from forecast.common.version import __version__
from forecast.outputs.determinism import fix_zip
from forecast.report.assumptions_zh import assumptions_in
from forecast.report.banner import assumed_capacity_line, late_line, sub_class_line
from forecast.report.honesty import interval_note
from forecast.report.inputs import ReportInputs
from forecast.report.labels import (
    PROBABILITY_FORMAT,
    column,
    level_group,
    method_name,
    projects_text,
    scenario_name,
    text,
)
from forecast.report.sources import display

MAX_ROWS = 100_000  # projection rows in the sheet; projections.csv always has them all
RED = PatternFill(start_color="FFC7CE", end_color="FFC7CE", fill_type="solid")
AMBER = PatternFill(start_color="FFE699", end_color="FFE699", fill_type="solid")
HEADER = Font(bold=True)
PROJECTION_COLUMNS = ["area", "level", "year", "scenario", "model", "mean", "p10", "p50", "p90"]


WHOLE = {"mean", "p10", "p50", "p90", "demand_mean", "demand_p90", "seats", "deficit_seats",
         "deficit_seats_p90", "classes_needed", "classrooms", "classrooms_to_build",
         "deficit_children_sum", "deficit_children_sum_p90", "plan_target", "model_mean",
         "model_p10", "model_p90", "base_year_deficit", "peak_deficit_mean", "peak_deficit_p90",
         "peak_deficit_children_sum", "standard_schools_mean", "standard_schools_p90",
         "observed", "class_size_limit", "n", "existing_seats", "added_seats", "students"}
ONE_DECIMAL = {"avg_class_size", "target_vs_mean_percent", "mape", "median_ape", "bias_percent"}
TWO_DECIMALS = {"mase", "relative_mae", "coverage_80"}
PROBABILITIES = {"p_shortfall", "p_shortfall_first_year"}  # "> 99 %", never a false 1.00
YEARS = {"year", "base_year", "first_year_short_mean", "first_year_short_p90", "last_year_short_mean",
         "last_year_short_p90", "peak_year", "latest_start_year", "lead_time_years", "years_short_p90",
         "horizon", "earliest_opening_year"}
BUILD_PLAN = ["area", "area_name", "level", "scenario", "short_in_base_year", "base_year_deficit",
              "first_year_short_mean", "first_year_short_p90", "last_year_short_p90", "peak_year",
              "peak_deficit_mean", "peak_deficit_p90", "classrooms_to_build", "standard_schools_mean",
              "standard_schools_p90", "lead_time_years", "latest_start_year", "start_already_late",
              "earliest_opening_year", "classrooms_basis", "capacity_assumed", "planned_projects"]


def number_format(name: str) -> str | None:
    """Excel number format of a column by its CSV name: whole pupils and classes, one-decimal
    averages, two-decimal probabilities, plain years."""
    base = name.split("|")[-1]
    if base in YEARS:
        return "0"
    if base in WHOLE:
        return "#,##0"
    if base in ONE_DECIMAL:
        return "0.0"
    if base in TWO_DECIMALS:
        return "0.00"
    if base in PROBABILITIES:
        return PROBABILITY_FORMAT
    return None


def _localised(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Level names spelled out and yes/no in ``lang``; headings stay CSV names until writing."""
    out = frame.copy()
    if "level" in out:
        out["level"] = out["level"].map(lambda v: level_group(v, lang))
    if "scenario" in out:
        out["scenario"] = out["scenario"].map(lambda v: scenario_name(v, lang))
    if "model" in out and lang == "zh":
        out["model"] = out["model"].map(lambda v: method_name(v, lang) if isinstance(v, str) else v)
    if "classrooms_basis" in out:
        out["classrooms_basis"] = out["classrooms_basis"].map(
            lambda v: text("basis_" + ("seats" if "seat" in str(v) else "rooms"), lang) if isinstance(v, str) and v else "")
    flags = {True: True, False: False, "True": True, "False": False}
    for c in out.columns:
        values = set(out[c].dropna().unique()) if out[c].dtype in (bool, object) or str(out[c].dtype) == "boolean" else {0.5}
        if values and values <= set(flags):
            out[c] = out[c].map(lambda v: "" if pd.isna(v) else text("yes" if flags[v] else "no", lang))
    if "planned_projects" in out:
        out["planned_projects"] = out["planned_projects"].map(lambda v: projects_text(v, lang))
    for c in ("basis", "detail"):
        if c in out:
            out[c] = out[c].map(lambda v: text(v, lang) if v in ("observed", "projected", "finest", "aggregate") else v)
    return out


def summary_frame(inputs: ReportInputs, lang: str) -> pd.DataFrame:
    """Each top area's level totals: the base year (observed) and the last year's mean and
    interval, numbers in their own columns."""
    totals = inputs.totals
    if totals.empty:
        return pd.DataFrame(columns=["area", "level", "scenario", "base_year", "observed", "year",
                                     "mean", "p10", "p90"])
    last = totals[(totals["year"] == totals["year"].max()) & totals["area"].isin(inputs.top_areas or
                                                                                totals["area"].unique()[:1])]
    sf = inputs.shortfall
    base = sf[sf["basis"] == "observed"] if len(sf) and "basis" in sf else pd.DataFrame()
    seen = {(r.area, r.level, r.scenario): r.demand_mean for r in base.itertuples()} if len(base) else {}
    return pd.DataFrame({
        "area": last["area"].map(inputs.area_label), "level": last["level"], "scenario": last["scenario"],
        "base_year": inputs.base_year,
        "observed": [seen.get((a, lv, s)) for a, lv, s in zip(last["area"], last["level"], last["scenario"],
                                                              strict=True)],
        "year": last["year"], "mean": last["mean"], "p10": last["p10"], "p90": last["p90"]})


def run_facts(inputs: ReportInputs, lang: str) -> pd.DataFrame:
    meta = inputs.meta
    rows = [(text("dataset", lang), meta.get("dataset")), (column("base_year", lang), meta.get("base_year")),
            (column("year", lang), meta.get("until")),
            (column("scenario", lang), ("、" if lang == "zh" else ", ").join(
                scenario_name(s, lang) for s in meta.get("scenarios") or [])),
            (text("method", lang), method_name(meta.get("projection_method", "cohort"), lang)),
            (text("run_id", lang), meta.get("run_id")), (text("generated", lang), __version__),
            (text("coverage_note", lang), interval_note(meta, inputs.accuracy, lang))]
    for line in (assumed_capacity_line(meta, inputs.spells, lang), late_line(inputs.spells, inputs.base_year, lang),
                 sub_class_line(meta, lang)):
        if line:
            rows.append((text("read_first", lang), line))
    return pd.DataFrame(rows, columns=["item", "value"])


def sheets(inputs: ReportInputs, lang: str) -> dict[str, pd.DataFrame]:
    """Sheet name -> table with CSV column names, in workbook order."""
    proj = inputs.totals[[c for c in PROJECTION_COLUMNS if c in inputs.totals]]
    out = {text("summary", lang): summary_frame(inputs, lang)}
    if len(inputs.spells):
        plan = inputs.spells[[c for c in BUILD_PLAN if c in inputs.spells]]
        out[text("build_plan", lang)] = plan
    from forecast.report.plan_section import sheets as plan_sheets  # after `forecast plan`

    out.update(plan_sheets(inputs.folder, lang))
    out[text("projections", lang)] = proj.head(MAX_ROWS)
    if len(inputs.shortfall):
        out[text("shortfall", lang)] = inputs.shortfall
    if len(inputs.plan_check):
        out[text("plan_check", lang)] = inputs.plan_check
    facts = run_facts(inputs, lang)
    if len(proj) > MAX_ROWS:
        facts.loc[len(facts)] = [text("projections", lang), text("truncated", lang, n=MAX_ROWS, total=len(proj))]
    out[text("run", lang)] = facts
    said = assumptions_in(inputs.meta, lang)
    out[text("assumptions", lang)] = pd.DataFrame({"assumption": said})
    out[text("sources", lang)] = pd.DataFrame(
        {"source": [display(s, inputs.simplified, lang) for s in inputs.meta.get("sources") or []]})
    if len(inputs.accuracy):
        out[text("accuracy", lang)] = inputs.accuracy
    return {name: _localised(frame, lang) for name, frame in out.items()}


def write_workbook(inputs: ReportInputs, path: Path, lang: str = "en") -> Path:
    """Write the workbook atomically; returns its path."""
    tables = sheets(inputs, lang)
    shortfall_sheet = text("shortfall", lang)

    def write(tmp: str) -> None:
        with open(tmp, "wb") as handle, pd.ExcelWriter(handle, engine="openpyxl") as writer:
            for name, frame in tables.items():
                labelled = frame.rename(columns={c: column(c, lang) for c in frame.columns})
                labelled.to_excel(writer, sheet_name=name, index=False)
                sheet = writer.sheets[name]
                _as_text(sheet, labelled)
                sheet.freeze_panes = "A2"
                for cell in sheet[1]:
                    cell.font = HEADER
                last_col = get_column_letter(max(1, len(frame.columns)))
                sheet.auto_filter.ref = f"A1:{last_col}{len(frame) + 1}"
                for i, c in enumerate(frame.columns, start=1):
                    fmt = number_format(c)
                    if fmt:
                        for (cell,) in sheet.iter_rows(min_row=2, max_row=len(frame) + 1, min_col=i, max_col=i):
                            cell.number_format = fmt
                _fit_widths(sheet, labelled)
                if name == shortfall_sheet:
                    _flag_shortfalls(sheet, labelled, lang)
        fix_zip(tmp)  # fixed timestamps: identical runs give identical bytes

    atomic_write_with(path, write)
    return path


def _as_text(sheet, frame: pd.DataFrame) -> None:
    """Every text cell stays text: openpyxl stores a string beginning with ``=`` as a formula,
    so an area, scenario, project or source named ``=cmd|' /C calc'!A0`` would run in Excel.
    Such cells (headings included) are set back to plain strings (docs/security.md)."""
    for cell in sheet[1]:
        if cell.data_type == "f":
            cell.data_type = "s"
    for i, name in enumerate(frame.columns, start=1):
        values = frame[name]
        if not (values.dtype == object or isinstance(values.dtype, pd.StringDtype)):
            continue
        risky = starts(values, ("=",)).to_numpy(dtype=bool)
        for row in risky.nonzero()[0]:
            sheet.cell(row=int(row) + 2, column=i).data_type = "s"


def _fit_widths(sheet, frame: pd.DataFrame) -> None:
    for i, name in enumerate(frame.columns, start=1):
        sample = frame[name].head(200).map(str)
        longest = max([_display_width(str(name))] + [_display_width(v) for v in sample])
        sheet.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest + 2))


def _display_width(value: str) -> int:
    """Characters, counting CJK characters twice (they are twice as wide)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)


def _flag_shortfalls(sheet, frame: pd.DataFrame, lang: str) -> None:
    """Red rows where the mean demand exceeds the seats; amber average class size where it
    exceeds the class-size limit."""
    names = list(frame.columns)
    last_row, last_col = len(frame) + 1, get_column_letter(len(names))
    if last_row < 2:
        return
    avg, limit = column("avg_class_size", lang), column("class_size_limit", lang)
    if avg in names and limit in names:  # added first: it wins on the cell where both apply
        a = get_column_letter(names.index(avg) + 1)
        lim = get_column_letter(names.index(limit) + 1)
        sheet.conditional_formatting.add(f"{a}2:{a}{last_row}",
                                         FormulaRule(formula=[f"${a}2>${lim}2"], fill=AMBER))
    deficit = get_column_letter(names.index(column("deficit_seats", lang)) + 1)
    sheet.conditional_formatting.add(f"A2:{last_col}{last_row}",
                                     FormulaRule(formula=[f"${deficit}2>0"], fill=RED))
