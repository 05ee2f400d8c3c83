"""What each model can do with a dataset: asked by ``forecast validate``.

Data modules know nothing of models; the models say here how much history they need and
how each area's entry grades will be projected (births, own history, feeder pool).
"""

from __future__ import annotations

import pandas as pd

from forecast.data.dataset import Dataset
from forecast.models.regression import DriverRegression
from forecast.models.smoothing import DampedETS

MAX_LISTED = 5


def model_readiness(dataset: Dataset) -> list[str]:
    """One line per level: which projection models can run and what is missing for the rest."""
    totals = dataset.level_totals()
    if totals.empty:
        return ["no enrolment: nothing can be projected (add enrolment.csv)"]
    out = []
    for level in [lv for lv in dataset.system.level_names if lv in set(totals.level)]:
        years = sorted(totals[totals.level == level].year.unique())
        grades = ("grade cohort flow: yes" if dataset.has_grades(level)
                  else "grade cohort flow: no (needs grades in two consecutive years)")
        cohort = ("level cohort flow: yes" if len(dataset.births)
                  else "level cohort flow: on own history (no births)")
        out.append(f"{level}: {cohort}; {grades}; {_series_readiness(years)}")
    return out


def _series_readiness(years: list[int]) -> str:
    """Which regression / time-series models a series of these observed years allows."""
    run = 1
    for prev, cur in zip(years, years[1:], strict=False):
        run = run + 1 if cur == prev + 1 else 1
    return (f"regression: {'yes' if len(years) >= DriverRegression.min_history else 'no'} "
            f"({len(years)} years, needs {DriverRegression.min_history}); "
            f"smoothing: {'yes' if run >= DampedETS.min_history else 'no'} "
            f"({run} consecutive, needs {DampedETS.min_history})")


def entry_plan(dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How every entry grade (or level total) will be projected, area by area, and the area x
    grades that will be refused or borrow their ratio: what ``forecast run`` writes to
    entry_methods.csv and refusals.csv."""
    from forecast.data.config import ModelSettings
    from forecast.models.projection import CohortFlow

    fitted = CohortFlow(ModelSettings()).fit(dataset)
    return fitted.entry_methods, fitted.refusals


def entry_lines(methods: pd.DataFrame, refusals: pd.DataFrame) -> list[str]:
    """Counts of areas per level, grade and method, with a few area names each."""
    lines = []
    for (level, grade, method), part in methods.groupby(["level", "grade", "method"], sort=False):
        names = ", ".join(part["area"].astype(str).head(MAX_LISTED))
        more = f", ... ({len(part)} areas)" if len(part) > MAX_LISTED else ""
        what = f"{level} {grade}".strip()
        lines.append(f"{what}: {method} in {names}{more}")
    refused = refusals[refusals["status"] == "refused"] if len(refusals) else refusals
    for row in refused.head(20).itertuples():
        lines.append(f"refused: {row.area} {row.level} {row.grade}: {row.reason}")
    if len(refused) > 20:
        lines.append(f"refused: ... {len(refused) - 20} more (see refusals.csv after a run)")
    return lines
