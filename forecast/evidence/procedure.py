"""The evidence step end to end: backtest every candidate, choose by nested evidence, build
intervals from the chosen forecasts' own errors, and forecast with the same procedure.

``backtest_candidates`` is the honest record (what the procedure would have said at each
origin, and how far off it was); ``forecast_chosen`` applies the procedure at the base year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.data.config import BirthsScenario, ModelSettings
from forecast.data.dataset import Dataset
from forecast.evidence.backtest import COLUMNS, Backtest, cut
from forecast.evidence.candidates import candidate_names, forecast_all
from forecast.evidence.choice import TUNED, nested, static_combinations
from forecast.evidence.intervals import (
    apply,
    classify,
    error_quantiles,
    nested_intervals,
    own_model_intervals,
    size_edges,
)

CAND_COLUMNS = ["area", "level", "origin", "year", "horizon", "model", "forecast", "actual"]
MANY_SERIES = 200  # above this many area x level series the run uses at most LARGE_ORIGINS origins
LARGE_ORIGINS = 3


@dataclass
class EvidenceBacktest:
    """Candidate forecasts (with the nested combinations), the chosen ones with honest
    intervals (model ``evidence``), and what was left out."""

    candidates: pd.DataFrame  # CAND_COLUMNS (warm-up origins included: they are evidence)
    chosen: pd.DataFrame  # CAND_COLUMNS minus model, plus choice, score, size, size_class, p10, p90
    origins: list[int]
    horizon: int
    names: list[str]
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warmup: list[int] = field(default_factory=list)

    def as_backtest(self) -> Backtest:
        """Rows in the layout of ``forecast.evidence.backtest`` (candidates without
        intervals, ``evidence`` with its honest interval) for ``accuracy``: the asked
        origins only, so every model is scored on the same forecasts."""
        cand = self.candidates[self.candidates["actual"].notna() & self.candidates["origin"].isin(self.origins)]
        cand = cand.assign(p10=np.nan, p90=np.nan)
        chosen = self.chosen[self.chosen["actual"].notna()].assign(model="evidence")
        rows = pd.concat([cand, chosen[CAND_COLUMNS + ["p10", "p90"]]], ignore_index=True)
        rows = rows.assign(error=rows["forecast"] - rows["actual"])
        rows["ape"] = 100 * rows["error"].abs() / rows["actual"]
        return Backtest(rows[COLUMNS], self.origins, self.horizon, self.skipped)


def sizes_at(dataset: Dataset, years) -> pd.DataFrame:
    """The size of each area x level at each year (its observed total): area, level, year, size."""
    totals = dataset.level_totals()
    return totals[totals["year"].isin(list(years))].rename(columns={"students": "size"})[
        ["area", "level", "year", "size"]]


def with_size_class(frame: pd.DataFrame, dataset: Dataset) -> tuple[pd.DataFrame, dict]:
    """``frame`` (area, level, origin, ...) with the area's size at the origin and its size
    class among the areas at that origin; and the class edges at the last origin."""
    sizes = sizes_at(dataset, frame["origin"].unique()).rename(columns={"year": "origin"})
    frame = frame.merge(sizes, on=["area", "level", "origin"], how="left")
    frame["size_class"] = 0
    edges: dict = {}
    for origin, part in sizes.groupby("origin"):
        edges = size_edges(part)
        rows = (frame["origin"] == origin).to_numpy()
        frame.loc[rows, "size_class"] = classify(frame.loc[rows], edges)
    return frame, edges


def warmup_origins(dataset: Dataset, origins: list[int], count: int) -> list[int]:
    """Up to ``count`` origins before the first asked one, each leaving at least two years of
    data known (a year-on-year change): their forecasts are evidence only, so that the
    choice at the first asked origin already rests on errors known then."""
    years = sorted(dataset.level_totals()["year"].unique())
    if not origins or len(years) < 3:
        return []
    return [o for o in range(origins[0] - count, origins[0]) if o >= years[1]]


def backtest_candidates(dataset: Dataset, origins: list[int], horizon: int,
                        settings: ModelSettings | None = None, seed: int = 1,
                        progress: Callable[[int], None] | None = None,
                        warmup: int | None = None) -> EvidenceBacktest:
    """Fit every candidate at every origin on the data known then, form the combinations,
    run the nested choice and the nested intervals. ``warmup`` earlier origins (default:
    ``horizon``) are fitted as evidence only: the record covers ``origins``."""
    names, notes = candidate_names(dataset, settings)
    early = warmup_origins(dataset, list(origins), horizon if warmup is None else warmup)
    actual = dataset.level_totals()[["area", "level", "year", "students"]].rename(
        columns={"students": "actual"})
    # a level with no pupils that year has no percentage or log error: not evidence
    actual = actual[actual["actual"] > 0]
    frames, skipped = [], []
    for origin in early + list(origins):
        try:
            known = cut(dataset, origin)
        except ValueError:
            if origin in early:  # a warm-up origin the data cannot give: less evidence, no error
                continue
            raise
        frame, refused = forecast_all(names, known, origin + horizon, None, settings, seed)
        frames.append(frame.assign(origin=origin))
        if origin not in early:
            skipped += [f"origin {origin}: {m}" for m in refused]
            if progress:
                progress(origin)
    cand = pd.concat(frames, ignore_index=True).rename(columns={"mean": "forecast"})
    cand = cand.merge(actual, on=["area", "level", "year"], how="left")
    cand["horizon"] = cand["year"] - cand["origin"]
    cand = cand[CAND_COLUMNS]
    cand = pd.concat([cand, static_combinations(cand)[CAND_COLUMNS]], ignore_index=True)
    every = early + list(origins)
    cand, chosen = nested(cand, every)
    chosen, _ = with_size_class(chosen, dataset)
    tuned = candidate_errors(cand[cand["model"].isin(TUNED)], dataset)
    chosen = with_disagreement(nested_intervals(chosen, every, horizon, tuned))
    chosen = chosen[chosen["origin"].isin(origins)].reset_index(drop=True)
    if early:
        notes.append(f"origins {early[0]}-{early[-1]} were fitted as evidence only (warm-up): the "
                     f"choice and the interval at {origins[0]} rest on their errors")
    return EvidenceBacktest(cand, chosen, list(origins), horizon, names, notes, skipped, early)


def candidate_errors(cand: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """The candidates' forecasts with an outcome, their size class and log error ``e``."""
    rows = cand[cand["actual"].notna()]
    rows, _ = with_size_class(rows, dataset)
    return rows.assign(e=np.log(rows["actual"] / rows["forecast"]))


def with_disagreement(chosen: pd.DataFrame) -> pd.DataFrame:
    """Widen each interval to hold the forecasts of the three best-scored candidates of the
    cell (made at the cell's own origin): when the methods the evidence supports disagree,
    the outcome is that uncertain."""
    known = chosen["p10"].notna().to_numpy()
    low = chosen["top_low"].to_numpy(dtype=float)
    high = chosen["top_high"].to_numpy(dtype=float)
    return chosen.assign(p10=np.where(known, np.fmin(chosen["p10"].to_numpy(dtype=float), low), np.nan),
                         p90=np.where(known, np.fmax(chosen["p90"].to_numpy(dtype=float), high), np.nan))


@dataclass
class Chosen:
    """The procedure applied at the base year: level totals (area, level, year, horizon,
    mean, p10, p90, choice, size_class, basis) and what they rest on."""

    frame: pd.DataFrame
    intervals: pd.DataFrame  # INTERVAL_COLUMNS (+ source): the error quantiles used
    borrowed: bool
    source: str
    notes: list[str] = field(default_factory=list)


def forecast_chosen(test: EvidenceBacktest | None, dataset: Dataset, until: int,
                    births: BirthsScenario | None = None, settings: ModelSettings | None = None,
                    seed: int = 1, library=None) -> Chosen:
    """Every candidate fitted on the whole dataset, the choice from all the backtest's
    evidence (the cohort flow where there is none), intervals from the chosen forecasts'
    errors by level x horizon x size class, borrowed from ``library`` where those are too few."""
    base = dataset.base_year
    names = test.names if test is not None else candidate_names(dataset, settings)[0]
    frame, _ = forecast_all(names, dataset, until, births, settings, seed)
    frame = frame.rename(columns={"mean": "forecast"}).assign(origin=base, actual=np.nan)
    frame["horizon"] = frame["year"] - base
    frame = frame[CAND_COLUMNS]
    frame = pd.concat([frame, static_combinations(frame)[CAND_COLUMNS]], ignore_index=True)
    past = test.candidates if test is not None else frame.iloc[:0]
    _, chosen = nested(pd.concat([past, frame], ignore_index=True), [base])
    chosen, _ = with_size_class(chosen, dataset)
    chosen["size"] = chosen["size"].fillna(0.0)
    horizons = int(until - base)
    notes: list[str] = []
    own = pd.DataFrame(columns=["level", "horizon", "size_class", "q_lo", "q_hi", "n", "basis"])
    source = f"own backtest of {dataset.name}"
    result = apply(chosen, own)
    if test is not None and len(test.chosen):
        errors = test.chosen.assign(e=np.log(test.chosen["actual"] / test.chosen["forecast"]))
        own = error_quantiles(errors[errors["e"].notna()], horizons)
        source += f", origins {test.origins[0]}-{test.origins[-1]}"
        result = apply(chosen, own)
        tuned = candidate_errors(test.candidates[test.candidates["model"].isin(TUNED)], dataset)
        result = own_model_intervals(result, tuned, base + 1, horizons)
    result = with_disagreement(result)
    missing = result["p10"].isna().to_numpy()
    borrowed = bool(missing.any()) and library is not None
    used = own.assign(source=source)
    if borrowed:
        if library is None:
            notes.append("too few backtest errors for an interval at some level and horizon, and "
                         "no error library: those cells have no interval")
        else:
            lo, hi, lib_rows = library.lookup(result.loc[missing, ["level", "horizon", "size"]], dataset)
            result.loc[missing, "p10"] = result.loc[missing, "forecast"].to_numpy() * np.exp(lo)
            result.loc[missing, "p90"] = result.loc[missing, "forecast"].to_numpy() * np.exp(hi)
            used = pd.concat([used, lib_rows], ignore_index=True)
            levels = sorted(result.loc[missing, "level"].unique())
            notes.append(f"intervals borrowed from the shipped error library ({library.source}) for "
                         f"{', '.join(levels)}: {dataset.name} has too few backtest errors of its own")
    result = result.rename(columns={"forecast": "mean"})
    result["basis"] = np.where(~missing, "own backtest errors",
                               "borrowed error library" if borrowed else "none (Monte Carlo band only)")
    return Chosen(result, used, borrowed, library.source if borrowed and library is not None else source, notes)


REPORTED = ("evidence", "cohort_tuned", "weighted_top3", "mean3", "trimmed_mean")


def reported_rows(test: EvidenceBacktest) -> pd.DataFrame:
    """The rows ``forecast backtest`` adds to the registry models' table: the honest
    ``evidence`` procedure and the combinations (the grid's single candidates are in
    ``evidence_candidates.csv``)."""
    table = test.as_backtest().table
    return table[table["model"].isin(REPORTED)]


def winner_lines(accuracy: pd.DataFrame, horizons=(1, 3, 5)) -> list[str]:
    """One line per level: the lowest-MAPE model at 1, 3 and 5 years ahead with its 80 %
    coverage, then the evidence procedure's MAPE and coverage."""
    lines = []
    for level, part in accuracy.groupby("level", sort=False):
        cells = []
        for h in horizons:
            at = part[part["horizon"] == h].dropna(subset=["mape"])
            if at.empty:
                continue
            best = at.loc[at["mape"].idxmin()]
            cover = "" if pd.isna(best["coverage_80"]) else f", cover80 {best['coverage_80']:.2f}"
            cells.append(f"{h}y {best['model']} {best['mape']:.1f} %{cover}")
        ev = part[(part["model"] == "evidence") & part["horizon"].isin(horizons)]
        tail = ""
        if len(ev):
            mape = "/".join(f"{v:.1f}" for v in ev.sort_values("horizon")["mape"])
            cov = part.loc[part["model"] == "evidence", "coverage_80"].mean()
            tail = f"; evidence (default) {mape} %, cover80 {cov:.2f}" if pd.notna(cov) else \
                f"; evidence (default) {mape} %"
        lines.append(f"{level}: winner " + "; ".join(cells) + tail)
    return lines
