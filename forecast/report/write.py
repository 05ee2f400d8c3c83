"""Write the whole report of a run folder: report.xlsx, plots/ and report.html."""

from __future__ import annotations

from pathlib import Path

from forecast.report.inputs import ReportInputs
from forecast.report.labels import LANGUAGES
from forecast.report.page import write_page
from forecast.report.plots import write_plots
from forecast.report.workbook import write_workbook


def write_report(inputs: ReportInputs, lang: str = "en") -> tuple[list[Path], list[str]]:
    """Every report file in the run's folder; returns the paths and notes."""
    if lang not in LANGUAGES:
        from forecast.common.errors import OptionError

        raise OptionError(f"--lang {lang}: use one of {', '.join(LANGUAGES)}")
    folder = inputs.folder
    book = write_workbook(inputs, folder / "report.xlsx", lang)
    plots, notes = write_plots(inputs, folder / "plots", lang)
    page = write_page(inputs, plots, folder / "report.html", lang)
    return [book, *plots, page], notes
