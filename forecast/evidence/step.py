"""The evidence step of ``forecast run`` (the default ``model.method: evidence``).

``prepare`` backtests the candidates on the run's dataset (at most ``LARGE_ORIGINS``
origins on panels of many series, to bound the cost); ``apply`` replaces each scenario's
level totals by the evidence-chosen forecast and its empirical interval:

- grades are rescaled to the chosen level total, and parents are the sum of their children
  in the mean (``forecast.evidence.ensemble.apply_to_projection``);
- the interval of an area x level is the empirical one (own errors, or the shipped library's
  where the dataset has too few), widened to the cohort flow's Monte Carlo band when that is
  wider, so a births scenario still widens (and, through the candidates' births, shifts) it;
- a parent's band is its children's Monte Carlo band summed draw-wise and rescaled, widened
  to the empirical band of the level's largest size class (errors fall with size, and a
  parent is at least as large as any child);
- ``p_shortfall`` is read from a log-normal through the new p10/p50/p90.

A scenario that sets migration, housing, transition rates, the general share or solves
migration for the plan's targets keeps the cohort flow (only it can apply them), and the
run says so: a shipped default never silently overrides a planner's setting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.common.errors import UserInputError
from forecast.data.config import RunConfig
from forecast.data.dataset import Dataset, areas_below
from forecast.evidence import cache
from forecast.evidence.backtest import parse_origins
from forecast.evidence.base import grade_levels
from forecast.evidence.ensemble import apply_to_projection, lognormal_exceedance
from forecast.evidence.library import load_library
from forecast.evidence.procedure import (
    LARGE_ORIGINS,
    MANY_SERIES,
    EvidenceBacktest,
    backtest_candidates,
    forecast_chosen,
)
from forecast.models.registry import own_series_totals


@dataclass
class Prepared:
    test: EvidenceBacktest | None
    notes: list[str]


def prepare(dataset: Dataset, config: RunConfig, seed: int) -> Prepared:
    """The candidates' backtest on the data (None, with a note, when none is possible)."""
    b = config.backtest
    notes: list[str] = []
    try:
        origins = parse_origins(b.origins, dataset)
    except UserInputError as exc:  # too short a history, or no usable origin: a note, not a bug
        notes.append(f"evidence: no backtest possible ({exc})")
        return Prepared(None, notes)
    series = len(dataset.level_totals()[["area", "level"]].drop_duplicates())
    warmup = None  # the backtest horizon's worth of evidence-only origins before the first
    if series > MANY_SERIES and grade_levels(dataset):  # the grade flow is fitted per origin
        warmup = 0
        if len(origins) > LARGE_ORIGINS:
            notes.append(f"evidence: {series} series with grades, so the last {LARGE_ORIGINS} of "
                         f"{len(origins)} origins are backtested, without warm-up origins (cost; "
                         "pooled over areas they are ample)")
            origins = origins[-LARGE_ORIGINS:]
    settings = {"model": config.model.model_dump(mode="json"), "origins": list(origins),
                "horizon": b.horizon, "warmup": warmup}
    name = cache.key(dataset, settings)
    test = cache.load(name)
    if test is not None:
        notes.append(f"evidence: backtest read from the cache ({cache.location()}; same data, "
                     "settings and code; FORECAST_CACHE_DIR=off turns it off)")
    else:
        test = backtest_candidates(dataset, origins, b.horizon, config.model, seed, warmup=warmup)
        cache.store(name, test)
    return Prepared(test, notes + [f"evidence: {n}" for n in test.notes])


def scenario_choice(prepared: Prepared, dataset: Dataset, config: RunConfig, name: str, until: int,
                    seed: int, fitted=None):
    """(the evidence-chosen forecast of scenario ``name``, run.json's record); the forecast
    is None where the scenario sets what only the cohort flow can apply."""
    scenario = config.scenarios[name]
    overrides = _cohort_only_settings(scenario)
    if overrides:
        note = (f"scenario {name} sets {', '.join(overrides)}, which only the cohort flow can apply: "
                "its projection is the cohort flow (the evidence-chosen default is not applied)")
        return None, {"method": "evidence", "origins": [], "horizon": None, "candidates": [],
                      "intervals": {"borrowed": False, "source": "cohort flow Monte Carlo", "quantiles": []},
                      "levels": {}, "notes": prepared.notes + [note], "why": note}
    chosen = forecast_chosen(prepared.test, dataset, until, scenario.births, config.model, seed, load_library(),
                             fitted)
    # a borrowed band is never narrower than the errors the dataset's own backtest saw
    chosen.frame = at_least_own_errors(chosen.frame, own_errors(prepared.test))
    return chosen, record(chosen, prepared)


def apply(frame: pd.DataFrame, prepared: Prepared, dataset: Dataset, config: RunConfig, name: str,
          until: int, seed: int, seats: pd.Series | None, fitted=None) -> tuple[pd.DataFrame, dict]:
    """The scenario's projection with the evidence-chosen level totals and intervals, and
    the record of what was chosen (for run.json). ``fitted``: the run's cohort flow."""
    chosen, rec = scenario_choice(prepared, dataset, config, name, until, seed, fitted)
    if chosen is None:
        return frame, rec
    return adjust(frame, chosen, dataset, name, seats), rec


def adjust(frame: pd.DataFrame, chosen, dataset: Dataset, name: str, seats: pd.Series | None) -> pd.DataFrame:
    """``frame`` (the cohort flow's projection of scenario ``name``) with the chosen level
    totals and intervals (see the module docstring)."""
    own = chosen.frame
    mc = own_series_totals(frame, dataset)[["area", "level", "year", "mean", "p10", "p90"]]
    mc = own[["area", "level", "year"]].merge(mc, on=["area", "level", "year"], how="left")
    with np.errstate(invalid="ignore", divide="ignore"):
        low = own["mean"].to_numpy() * (mc["p10"] / mc["mean"]).to_numpy()
        high = own["mean"].to_numpy() * (mc["p90"] / mc["mean"]).to_numpy()
    own = own.assign(p10=np.fmin(own["p10"].to_numpy(), low), p90=np.fmax(own["p90"].to_numpy(), high))
    out = apply_to_projection(frame, own[["area", "level", "year", "mean", "p10", "p90"]], dataset, name,
                              seats, label="evidence")
    return _widen_parents(out, chosen, dataset, name, seats)


def own_errors(test: EvidenceBacktest | None) -> pd.DataFrame:
    """The dataset's own backtest errors of the chosen forecasts: level, horizon and the mean
    absolute error as a share of the outcome (``ape``), where outcomes were observed."""
    columns = ["level", "horizon", "ape"]
    if test is None or test.chosen.empty:
        return pd.DataFrame(columns=columns)
    c = test.chosen[test.chosen["actual"].notna() & (test.chosen["actual"] > 0)]
    ape = ((c["forecast"] - c["actual"]).abs() / c["actual"]).rename("ape")
    return ape.groupby([c["level"], c["horizon"]]).mean().reset_index()[columns]


def at_least_own_errors(frame: pd.DataFrame, errors: pd.DataFrame) -> pd.DataFrame:
    """A borrowed band never narrower than the errors the dataset's own backtest saw: where
    the interval came from the shipped library (``basis``), P10 and P90 lie at least the
    dataset's own mean absolute error of that level below and above the mean, at each horizon
    where that error was measured and beyond (the largest measured at that horizon or
    before; errors grow with the horizon). Own-backtest bands are the own errors' quantiles."""
    if errors.empty or "basis" not in frame:
        return frame
    errors = errors.sort_values(["level", "horizon"])
    floor = errors.assign(ape=errors.groupby("level")["ape"].cummax())
    horizon = (frame["year"] - frame["year"].min() + 1) if "horizon" not in frame else frame["horizon"]
    keyed = pd.DataFrame({"level": frame["level"].to_numpy(), "horizon": horizon.to_numpy(dtype=int)})
    found = pd.merge_asof(keyed.reset_index().sort_values("horizon"),
                          floor.astype({"horizon": int}).sort_values("horizon"),
                          on="horizon", by="level", direction="backward").set_index("index")["ape"]
    share = found.reindex(range(len(frame))).to_numpy(dtype=float)
    borrowed = (frame["basis"] == "borrowed error library").to_numpy() & np.isfinite(share)
    if not borrowed.any():
        return frame
    out = frame.copy()
    mean = out["mean"].to_numpy(dtype=float)
    low = np.where(borrowed, mean * np.clip(1 - share, 0, None), np.inf)
    high = np.where(borrowed, mean * (1 + share), -np.inf)
    out["p10"] = np.fmin(out["p10"].to_numpy(dtype=float), low)
    out["p90"] = np.fmax(out["p90"].to_numpy(dtype=float), high)
    return out


def _cohort_only_settings(scenario) -> list[str]:
    """The scenario settings the candidates cannot follow (they project births only)."""
    out = []
    if scenario.solve_migration_for_targets:
        out.append("solve_migration_for_targets")
    if scenario.migration.mode != "estimated" or scenario.migration.net_movers:
        out.append("migration")
    if scenario.housing is not None:
        out.append("housing")
    if scenario.transition:
        out.append("transition")
    if scenario.general_share is not None:
        out.append("general_share")
    return out


def _widen_parents(proj: pd.DataFrame, chosen, dataset: Dataset, scenario: str,
                   seats: pd.Series | None) -> pd.DataFrame:
    """A parent's band: its children's Monte Carlo band summed draw-wise (rescaled), widened
    to its own empirical band (the conformal interval of the parents' reconciled forecasts)
    where the backtest gave one, else to the leaves' band of the level's largest size class."""
    parents = [p for p, c in areas_below(dataset.areas).items() if set(c) - {p}]
    q = chosen.intervals
    if not parents or q.empty or "size_class" not in q:
        return proj
    leaf_q = q[q["tier"] == "leaf"] if "tier" in q else q
    largest = leaf_q.sort_values("size_class").groupby(["level", "horizon"]).last()[["q_lo", "q_hi"]]
    rows = ((proj["scenario"] == scenario) & proj["area"].isin(parents) & (proj["grade"] == "")).to_numpy()
    part = proj.loc[rows]
    idx = pd.MultiIndex.from_arrays([part["level"], part["year"] - dataset.base_year])
    lo, hi = (largest[c].reindex(idx).to_numpy(dtype=float) for c in ("q_lo", "q_hi"))
    own = chosen.parents
    if len(own) and own["p10"].notna().any():
        own = own.set_index(["area", "level", "year"])
        cells = pd.MultiIndex.from_frame(part[["area", "level", "year"]])
        with np.errstate(divide="ignore", invalid="ignore"):
            o_lo = np.log(own["p10"] / own["mean"]).reindex(cells).to_numpy(dtype=float)
            o_hi = np.log(own["p90"] / own["mean"]).reindex(cells).to_numpy(dtype=float)
        lo = np.where(np.isfinite(o_lo), o_lo, lo)
        hi = np.where(np.isfinite(o_hi), o_hi, hi)
    mean = part["mean"].to_numpy(dtype=float)
    proj.loc[rows, "p10"] = np.where(np.isfinite(lo), np.fmin(part["p10"], mean * np.exp(lo)), part["p10"])
    proj.loc[rows, "p90"] = np.where(np.isfinite(hi), np.fmax(part["p90"], mean * np.exp(hi)), part["p90"])
    if seats is not None and "p_shortfall" in proj:
        limit = seats.reindex(pd.MultiIndex.from_frame(part[["area", "level", "year"]])).to_numpy(dtype=float)
        proj.loc[rows, "p_shortfall"] = lognormal_exceedance(
            *(proj.loc[rows, c].to_numpy() for c in ("p50", "p10", "p90")), limit)
    return proj


def record(chosen, prepared: Prepared) -> dict:
    """run.json's ``evidence`` section: per level the choice by horizon (the most frequent
    over areas), the honest coverage and MAPE by horizon, and where the intervals come from."""
    frame = chosen.frame
    test = prepared.test
    errors = own_errors(test)
    levels = {}
    for level, part in frame.groupby("level", sort=False):
        by_h = part.groupby("horizon")["choice"].agg(lambda s: s.value_counts().index[0])
        entry = {"choice_by_horizon": {int(h): c for h, c in by_h.items()},
                 "interval_basis": sorted(part["basis"].unique().tolist())}
        if test is not None:
            c = test.chosen[(test.chosen["level"] == level) & test.chosen["actual"].notna()]
            inside = ((c["p10"] <= c["actual"]) & (c["actual"] <= c["p90"])).where(c["p10"].notna())
            ape = 100 * (c["forecast"] - c["actual"]).abs() / c["actual"]
            entry["backtest_mape_by_horizon"] = {int(h): round(float(v), 3) for h, v in ape.groupby(c["horizon"]).mean().items()}
            entry["coverage_80_by_horizon"] = {int(h): (None if pd.isna(v) else round(float(v), 3))
                                               for h, v in inside.groupby(c["horizon"]).mean().items()}
        levels[level] = entry
    return {"method": "evidence", "origins": test.origins if test is not None else [],
            "horizon": test.horizon if test is not None else None,
            "candidates": test.names if test is not None else [],
            "intervals": {"borrowed": chosen.borrowed, "source": chosen.source,
                          "at_least_own_errors": bool(chosen.borrowed and len(errors)),
                          "own_errors_by_level": {lv: {int(h): round(float(v), 4) for h, v in
                                                       zip(part["horizon"], part["ape"], strict=True)}
                                                  for lv, part in errors.groupby("level", sort=False)},
                          "quantiles": chosen.intervals.replace({np.inf: None}).to_dict("records")},
            "levels": levels, "notes": prepared.notes + chosen.notes,
            "why": "per area x level x horizon, of the cohort flow (cohort_entry: entry grades without "
                   "births held or trended by their own errors), the last value and their mean, the "
                   "one whose backtest errors known at the base year were smallest relative to the "
                   "mean's (shrunk toward the level's and the dataset's); the global model and the "
                   "median, mean and trimmed mean of the candidates only where significantly better "
                   "than the mean; the cohort flow where none has evidence; then reconciled across "
                   "the area tree (MinT with shrinkage, or bottom-up where its errors were smaller); "
                   "see docs/accuracy.md"}


def describe(record: dict) -> str:
    """What the run's evidence step chose and how its intervals were made, for the console."""
    intervals = record["intervals"]
    head = (f"evidence: candidates backtested at origins {record['origins'][0]}-{record['origins'][-1]}"
            if record["origins"] else "evidence: no backtest possible on this dataset")
    lines = [head, "  intervals: " + ("BORROWED from " if intervals["borrowed"] else "from ")
             + intervals["source"]]
    for level, part in record["levels"].items():
        choice = ", ".join(f"{h}y {c}" for h, c in part["choice_by_horizon"].items() if h in (1, 3, 5)) \
            or ", ".join(f"{h}y {c}" for h, c in list(part["choice_by_horizon"].items())[:3])
        cover = part.get("coverage_80_by_horizon") or {}
        known = [v for v in cover.values() if v is not None]
        tail = f"; backtest 80 % coverage {np.mean(known):.2f}" if known else ""
        lines.append(f"  {level}: {choice}{tail}")
    return "\n".join(lines)
