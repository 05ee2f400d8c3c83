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

from forecast import __version__
from forecast.io import atomic_write_with
from forecast.labels import column, level, text
from forecast.outputs.determinism import fix_zip
from forecast.report.inputs import ReportInputs

MAX_ROWS = 100_000  # projection rows in the sheet; projections.csv always has them all
RED = PatternFill(start_color="FFC7CE", end_color="FFC7CE", fill_type="solid")
AMBER = PatternFill(start_color="FFE699", end_color="FFE699", fill_type="solid")
HEADER = Font(bold=True)
PROJECTION_COLUMNS = ["area", "level", "year", "scenario", "model", "mean", "p10", "p50", "p90"]


def _labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Headings in ``lang`` and level names spelled out."""
    out = frame.copy()
    if "level" in out:
        out["level"] = out["level"].map(lambda v: level(v, lang))
    return out.rename(columns={c: column(c, lang) for c in out.columns})


def summary_frame(inputs: ReportInputs, lang: str) -> pd.DataFrame:
    """Key facts of the run, then each top area's level totals in the last year."""
    meta = inputs.meta
    rows = [(text("dataset", lang), meta.get("dataset")), (column("base_year", lang), meta.get("base_year")),
            (column("year", lang), meta.get("until")),
            (column("scenario", lang), ", ".join(meta.get("scenarios") or [])),
            (text("method", lang), meta.get("projection_method", "cohort")),
            (text("run_id", lang), meta.get("run_id")), (text("generated", lang), __version__)]
    last = inputs.totals[inputs.totals["year"] == inputs.totals["year"].max()]
    for r in last.itertuples():
        rows.append((f"{inputs.area_label(r.area)} {level(r.level, lang)} {r.year} ({r.scenario})",
                     f"{r.mean:,.0f} ({r.p10:,.0f}-{r.p90:,.0f})"))
    return pd.DataFrame(rows, columns=[column("item", lang), column("value", lang)])


def sheets(inputs: ReportInputs, lang: str) -> dict[str, pd.DataFrame]:
    """Sheet name -> table, in workbook order."""
    proj = inputs.totals[[c for c in PROJECTION_COLUMNS if c in inputs.totals]]
    out = {text("summary", lang): summary_frame(inputs, lang),
           text("projections", lang): _labelled(proj.head(MAX_ROWS), lang)}
    if len(inputs.shortfall):
        out[text("shortfall", lang)] = _labelled(inputs.shortfall, lang)
    if len(inputs.plan_check):
        out[text("plan_check", lang)] = _labelled(inputs.plan_check, lang)
    out[text("assumptions", lang)] = pd.DataFrame({column("assumption", lang): inputs.meta.get("assumptions") or []})
    out[text("sources", lang)] = pd.DataFrame({column("source", lang): inputs.meta.get("sources") or []})
    if len(inputs.accuracy):
        out[text("accuracy", lang)] = _labelled(inputs.accuracy, lang)
    if len(proj) > MAX_ROWS:
        note = text("truncated", lang, n=MAX_ROWS, total=len(proj))
        out[text("summary", lang)].loc[len(out[text("summary", lang)])] = [text("projections", lang), note]
    return out


def write_workbook(inputs: ReportInputs, path: Path, lang: str = "en") -> Path:
    """Write the workbook atomically; returns its path."""
    tables = sheets(inputs, lang)
    shortfall_sheet = text("shortfall", lang)

    def write(tmp: str) -> None:
        with open(tmp, "wb") as handle, pd.ExcelWriter(handle, engine="openpyxl") as writer:
            for name, frame in tables.items():
                frame.to_excel(writer, sheet_name=name, index=False)
                sheet = writer.sheets[name]
                sheet.freeze_panes = "A2"
                for cell in sheet[1]:
                    cell.font = HEADER
                _fit_widths(sheet, frame)
                if name == shortfall_sheet:
                    _flag_shortfalls(sheet, frame, lang)
        fix_zip(tmp)  # fixed timestamps: identical runs give identical bytes

    atomic_write_with(path, write)
    return path


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
