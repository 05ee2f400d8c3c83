"""The evidence step end to end: forecast every node of the area tree with every candidate,
choose by nested evidence, reconcile across the tree, build intervals from the final
forecasts' own errors, and forecast with the same procedure.

``backtest_candidates`` is the honest record (what the procedure would have said at each
origin, and how far off it was); ``forecast_chosen`` applies the procedure at the base year.

1. **Nodes** (``forecast.evidence.hierarchy``): the leaves each level is projected for,
   and every parent above them as a series of its own (the sum of its leaves).
2. **Single forecasts** at every origin (``forecast.evidence.base``): the cohort flow (and
   its entry-grade variants), the last value, the ratio mean, the global model.
3. **Combinations and the nested choice** (``forecast.evidence.choice``), per tier.
4. **Reconciliation** (``forecast.evidence.reconcile``): MinT with shrinkage from the
   chosen forecasts' nested errors, or bottom-up; per level the one whose errors known at
   the origin were smaller (MinT while neither has errors).
5. **Intervals** (``forecast.evidence.intervals``): split-conformal on the final
   forecasts' own nested errors, by tier x level x horizon x size class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.data.config import BirthsScenario, ModelSettings
from forecast.data.dataset import Dataset
from forecast.evidence.backtest import COLUMNS, Backtest
from forecast.evidence.base import BaseForecasts, backtest_base, forecast_base
from forecast.evidence.choice import (
    CHOSEN_COLUMNS,
    EXTRA,
    Wide,
    combinations,
    concat,
    nested_wide,
    widen,
)
from forecast.evidence.hierarchy import Nodes, leaf_dataset, nodes, parent_dataset
from forecast.evidence.intervals import (
    apply,
    classify,
    error_quantiles,
    nested_intervals,
    own_model_intervals,
    size_edges,
)
from forecast.evidence.reconcile import bottom_up, reconcile

CAND_COLUMNS = ["area", "level", "origin", "year", "horizon", "model", "forecast", "actual"]
MANY_SERIES = 200  # grade panels above this many series: at most LARGE_ORIGINS origins (cost)
LARGE_ORIGINS = 3
TIERS = ("leaf", "parent")


@dataclass
class EvidenceBacktest:
    """Candidate forecasts side by side (``wide``, with the combinations, both tiers), the
    chosen leaf forecasts with honest intervals (model ``evidence``), the parents', and
    what was left out."""

    wide: Wide
    chosen: pd.DataFrame  # leaves: CHOSEN_COLUMNS + p10, p90, reconciled
    origins: list[int]
    horizon: int
    names: list[str]
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warmup: list[int] = field(default_factory=list)
    parents: pd.DataFrame = field(default_factory=pd.DataFrame)  # parents, as ``chosen``
    chosen_base: pd.DataFrame = field(default_factory=pd.DataFrame)  # both tiers, before reconciling
    versions: pd.DataFrame = field(default_factory=pd.DataFrame)  # both tiers: mint and bottom_up forecasts
    entry: pd.DataFrame = field(default_factory=pd.DataFrame)  # entrant forecasts (entry choice)

    @property
    def candidates(self) -> pd.DataFrame:
        """Leaf candidates in long rows (CAND_COLUMNS; warm-up origins included)."""
        leaf = self.wide.cells["tier"].to_numpy() == "leaf"
        part = Wide(self.wide.cells[leaf].reset_index(drop=True), self.wide.models, self.wide.forecast[leaf])
        long = part.long()
        return long[CAND_COLUMNS] if len(long) else pd.DataFrame(columns=CAND_COLUMNS)

    def as_backtest(self) -> Backtest:
        """Rows in the layout of ``forecast.evidence.backtest`` (candidates without
        intervals, ``evidence`` with its honest interval) for ``accuracy``: the asked
        origins only, so every model is scored on the same forecasts."""
        cand = self.candidates
        cand = cand[cand["actual"].notna() & cand["origin"].isin(self.origins)]
        cand = cand.assign(p10=np.nan, p90=np.nan)
        chosen = self.chosen[self.chosen["actual"].notna()].assign(model="evidence")
        rows = pd.concat([cand, chosen[CAND_COLUMNS + ["p10", "p90"]]], ignore_index=True)
        rows = rows.assign(error=rows["forecast"] - rows["actual"])
        rows["ape"] = 100 * rows["error"].abs() / rows["actual"]
        return Backtest(rows[COLUMNS], self.origins, self.horizon, self.skipped)


def warmup_origins(dataset: Dataset, origins: list[int], count: int) -> list[int]:
    """Up to ``count`` origins before the first asked one, each leaving at least two years of
    data known (a year-on-year change): their forecasts are evidence only, so that the
    choice at the first asked origin already rests on errors known then."""
    years = sorted(dataset.level_totals()["year"].unique())
    if not origins or len(years) < 3:
        return []
    return [o for o in range(origins[0] - count, origins[0]) if o >= years[1]]


def _cells(base: BaseForecasts, dataset: Dataset, tier: str, actual: bool = True) -> pd.DataFrame:
    """Base rows with the tier, the outcome, and the series' size and size class at its origin."""
    frame = base.frame.assign(tier=tier)
    totals = dataset.level_totals()
    observed = totals[totals["students"] > 0].rename(columns={"students": "actual"})
    if actual:
        frame = frame.merge(observed[["area", "level", "year", "actual"]], on=["area", "level", "year"], how="left")
    else:
        frame = frame.assign(actual=np.nan)
    sizes = totals[totals["year"].isin(frame["origin"].unique())].rename(
        columns={"year": "origin", "students": "size"})[["area", "level", "origin", "size"]]
    frame = frame.merge(sizes, on=["area", "level", "origin"], how="left")
    frame["size"] = frame["size"].fillna(0.0)
    frame["size_class"] = 0
    for origin, part in sizes.groupby("origin"):
        edges = size_edges(part)
        rows = (frame["origin"] == origin).to_numpy()
        frame.loc[rows, "size_class"] = classify(frame.loc[rows], edges)
    return frame


def backtest_candidates(dataset: Dataset, origins: list[int], horizon: int,
                        settings: ModelSettings | None = None, seed: int = 1,
                        progress: Callable[[int], None] | None = None,
                        warmup: int | None = None) -> EvidenceBacktest:
    """Forecast every node with every candidate at every origin on the data known then, run
    the nested choice, reconciliation and intervals. ``warmup`` earlier origins (default:
    ``horizon``) are fitted as evidence only: the record covers ``origins``. ``seed`` is
    kept for the callers' signature: the candidates are deterministic."""
    early = warmup_origins(dataset, list(origins), horizon if warmup is None else warmup)
    every = early + list(origins)
    tree = nodes(dataset)
    leaves = leaf_dataset(dataset, tree)
    parents = parent_dataset(dataset, tree)
    asked = set(origins)
    base = backtest_base(leaves, every, horizon, settings,
                         progress=(lambda o: progress(o) if progress and o in asked else None))
    frames = [_cells(base, leaves, "leaf")]
    notes, skipped = [], list(base.refused)
    if parents is not None:
        upper = backtest_base(parents, every, horizon, settings)
        frames.append(_cells(upper, parents, "parent"))
        notes.append(f"{len(tree.parents)} parent area x level series forecast as series of their own "
                     "and reconciled with their leaves (MinT with shrinkage)")
    wide = combinations(widen(pd.concat(frames, ignore_index=True)))
    chosen = nested_wide(wide, every)
    test = _finish(chosen, tree, every, horizon, wide)
    if early:
        notes.append(f"origins {early[0]}-{early[-1]} were fitted as evidence only (warm-up): the "
                     f"choice and the interval at {origins[0]} rest on their errors")
    final, versions = test
    leaf = final[(final["tier"] == "leaf") & final["origin"].isin(origins)].reset_index(drop=True)
    upper_rows = final[(final["tier"] == "parent") & final["origin"].isin(origins)].reset_index(drop=True)
    return EvidenceBacktest(wide, leaf, list(origins), horizon, base.names, notes, skipped, early,
                            upper_rows, chosen, versions, base.entry)


def _finish(chosen: pd.DataFrame, tree: Nodes, every: list[int], horizon: int,
            wide: Wide | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reconciled (or bottom-up) chosen forecasts with nested intervals, and both versions."""
    versions = _versions(chosen, tree, every)
    final = _pick_version(versions, every)
    out = []
    for tier in TIERS:
        part = final[final["tier"] == tier]
        if len(part):
            chosen_extras = sorted(set(part["choice"]) & set(EXTRA))
            out.append(nested_intervals(part, every, horizon, extra_errors(wide, tier, chosen_extras)))
    final = pd.concat(out, ignore_index=True) if out else final.assign(p10=np.nan, p90=np.nan)
    return final, versions


def extra_errors(wide: Wide | None, tier: str, models=EXTRA) -> pd.DataFrame:
    """The log errors (``e``) of the candidates chosen only after the significance test
    (``models``, by default all of them), in ``tier``: where one is chosen its interval
    comes from its own errors."""
    models = [m for m in models if wide is not None and m in wide.models]
    if not models:
        return pd.DataFrame()
    rows = (wide.cells["tier"] == tier).to_numpy() & wide.cells["actual"].notna().to_numpy()
    part = Wide(wide.cells[rows].reset_index(drop=True), wide.models, wide.forecast[rows])
    long = part.long(models)
    if long.empty:
        return long
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.log(long["actual"].to_numpy(dtype=float) / long["forecast"].to_numpy(dtype=float))
    return long.assign(e=np.where(np.isfinite(e), e, np.nan))


def _versions(chosen: pd.DataFrame, tree: Nodes, origins: list[int]) -> pd.DataFrame:
    """Both tiers' chosen forecasts reconciled by MinT (``mint``) and bottom-up (``bottom_up``)."""
    if tree.links.empty or not (chosen["tier"] == "parent").any():
        return chosen.assign(mint=chosen["forecast"], bottom_up=chosen["forecast"], lam=np.nan)
    key = ["tier", "area", "level", "origin", "year"]
    rec = reconcile(chosen, tree, origins).set_index(key)
    bu = pd.concat([bottom_up(part, tree, level) for level, part in chosen.groupby("level", sort=False)],
                   ignore_index=True).set_index(key)
    idx = pd.MultiIndex.from_frame(chosen[key])
    return chosen.assign(mint=rec["forecast"].reindex(idx).to_numpy(),
                         bottom_up=bu["forecast"].reindex(idx).to_numpy(),
                         lam=rec["lam"].reindex(idx).to_numpy())


def _pick_version(versions: pd.DataFrame, origins: list[int]) -> pd.DataFrame:
    """Per origin and level, MinT or bottom-up: the one whose errors known at the origin had
    the smaller mean over the tiers of their MAPE (MinT while neither has errors)."""
    out = versions.assign(reconciled="mint")
    origin = versions["origin"].to_numpy()
    year = versions["year"].to_numpy()
    actual = versions["actual"].to_numpy(dtype=float)
    forecast = versions["mint"].to_numpy(dtype=float).copy()
    label = np.full(len(versions), "mint", dtype=object)
    for o in sorted(origins):
        known = versions[(origin < o) & (year <= o) & (actual > 0)]
        for level in versions.loc[origin == o, "level"].unique():
            rows = (origin == o) & (versions["level"].to_numpy() == level)
            if _bottom_up_better(known[known["level"] == level]):
                forecast[rows] = versions["bottom_up"].to_numpy(dtype=float)[rows]
                label[rows] = "bottom_up"
    out["forecast"] = np.where(np.isfinite(forecast), forecast, versions["forecast"].to_numpy(dtype=float))
    out["reconciled"] = label
    return out


def _bottom_up_better(known: pd.DataFrame) -> bool:
    if known.empty:
        return False
    ape = {v: (known[v] - known["actual"]).abs() / known["actual"] for v in ("mint", "bottom_up")}
    tiers = {v: ape[v].groupby(known["tier"]).mean().mean() for v in ape}
    return bool(tiers["bottom_up"] < tiers["mint"])


@dataclass
class Chosen:
    """The procedure applied at the base year: leaf level totals (area, level, year, horizon,
    mean, p10, p90, choice, size_class, basis), the parents' (same columns) and what they
    rest on."""

    frame: pd.DataFrame
    intervals: pd.DataFrame  # INTERVAL_COLUMNS (+ source): the error quantiles used
    borrowed: bool
    source: str
    notes: list[str] = field(default_factory=list)
    parents: pd.DataFrame = field(default_factory=pd.DataFrame)


def forecast_chosen(test: EvidenceBacktest | None, dataset: Dataset, until: int,
                    births: BirthsScenario | None = None, settings: ModelSettings | None = None,
                    seed: int = 1, library=None, fitted=None) -> Chosen:
    """Every candidate fitted on the whole dataset, the choice from all the backtest's
    evidence (the cohort flow where there is none), reconciled across the tree, intervals
    from the final forecasts' errors by tier x level x horizon x size class, borrowed from
    ``library`` for the leaves where those are too few. ``fitted``: the run's cohort flow,
    fitted on ``dataset`` with ``settings`` (used where the leaves are the dataset's series)."""
    base_year = dataset.base_year
    tree = nodes(dataset)
    leaves = leaf_dataset(dataset, tree)
    parents = parent_dataset(dataset, tree)
    history = test.entry if test is not None else None
    reuse = fitted if leaves is dataset else None  # the run's fit is of these very series
    frames = [_cells(forecast_base(leaves, until, births, settings, history, reuse), leaves, "leaf", actual=False)]
    if parents is not None:
        frames.append(_cells(forecast_base(parents, until, births, settings), parents, "parent", actual=False))
    now = combinations(widen(pd.concat(frames, ignore_index=True)))
    wide = concat(test.wide, now) if test is not None else now
    chosen = nested_wide(wide, [base_year])
    past = test.chosen_base if test is not None else chosen.iloc[:0]
    versions = _versions(pd.concat([past, chosen], ignore_index=True), tree, [base_year])
    versions = versions[versions["origin"] == base_year]
    if test is not None and len(test.versions):
        versions = pd.concat([test.versions, versions], ignore_index=True)
    final = _pick_version(versions, [base_year])
    final = final[final["origin"] == base_year].reset_index(drop=True)
    horizons = int(until - base_year)
    notes: list[str] = []
    source = f"own backtest of {dataset.name}"
    results, used = {}, []
    for tier in TIERS:
        part = final[final["tier"] == tier]
        if part.empty:
            continue
        own = pd.DataFrame(columns=["level", "horizon", "size_class", "q_lo", "q_hi", "n", "basis"])
        past_final = _past(test, tier)
        if len(past_final):
            errors = past_final.assign(e=np.log(past_final["actual"] / past_final["forecast"]))
            own = error_quantiles(errors[np.isfinite(errors["e"])], horizons)
        result_tier = apply(part, own)
        if test is not None:
            extras = sorted(set(part["choice"]) & set(EXTRA))
            result_tier = own_model_intervals(result_tier, extra_errors(test.wide, tier, extras),
                                              base_year + 1, horizons)
        results[tier] = result_tier
        used.append(own.assign(source=source + (f", origins {test.origins[0]}-{test.origins[-1]}"
                                                if test is not None else ""), tier=tier))
    result = results.get("leaf", final.iloc[:0].assign(p10=np.nan, p90=np.nan))
    missing = result["p10"].isna().to_numpy()
    borrowed = bool(missing.any()) and library is not None
    intervals = pd.concat(used, ignore_index=True) if used else pd.DataFrame()
    if missing.any() and library is None:
        notes.append("too few backtest errors for an interval at some level and horizon, and "
                     "no error library: those cells have no interval")
    if borrowed:
        lo, hi, lib_rows = library.lookup(result.loc[missing, ["level", "horizon", "size"]], dataset)
        result.loc[missing, "p10"] = result.loc[missing, "forecast"].to_numpy() * np.exp(lo)
        result.loc[missing, "p90"] = result.loc[missing, "forecast"].to_numpy() * np.exp(hi)
        intervals = pd.concat([intervals, lib_rows], ignore_index=True)
        levels = sorted(result.loc[missing, "level"].unique())
        notes.append(f"intervals borrowed from the shipped error library ({library.source}) for "
                     f"{', '.join(levels)}: {dataset.name} has too few backtest errors of its own")
    result = result.rename(columns={"forecast": "mean"})
    result["basis"] = np.where(~missing, "own backtest errors",
                               "borrowed error library" if borrowed else "none (Monte Carlo band only)")
    upper = results.get("parent", pd.DataFrame()).rename(columns={"forecast": "mean"})
    return Chosen(result, intervals, borrowed, library.source if borrowed and library is not None else source,
                  notes, upper)


def _past(test: EvidenceBacktest | None, tier: str) -> pd.DataFrame:
    """The final (reconciled) forecasts of a tier with an outcome, every origin."""
    if test is None:
        return pd.DataFrame()
    rows = test.chosen if tier == "leaf" else test.parents
    return rows[rows["actual"].notna()] if len(rows) else rows


REPORTED = ("evidence", "cohort_last_mean", "median3", "mean3", "trimmed_mean", "global",
            "cohort_entry", "cohort_held")


def reported_rows(test: EvidenceBacktest) -> pd.DataFrame:
    """The rows ``forecast backtest`` adds to the registry models' table: the honest
    ``evidence`` procedure, the combinations and the candidates the registry lacks (the
    single candidates are all in ``evidence_candidates.csv``)."""
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


CHOSEN = CHOSEN_COLUMNS  # re-exported for callers that describe the chosen rows
