"""Rolling-origin backtests: how far off would each model have been, years ahead?

For every origin year the dataset is cut to what was known then (enrolment, births and
indicators up to the origin; later births are held at the origin's value, as in a real
run), every model is fitted to the cut data and projects 1..horizon years, and each
forecast is set beside the enrolment later observed. ``accuracy`` summarises the errors by
model x level x horizon. See docs/accuracy.md for how to read the table.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.data.config import ModelSettings
from forecast.data.dataset import Dataset
from forecast.data.levels import LEVELS
from forecast.models.registry import ALL, BASELINES, build, run_model

COLUMNS = ["area", "level", "origin", "year", "horizon", "model", "forecast", "p10", "p90",
           "actual", "error", "ape"]
ACCURACY = ["model", "level", "horizon", "n", "mape", "median_ape", "bias_percent", "mase",
            "relative_mae", "coverage_80", "width_80", "winkler_80"]
DEFAULT_ORIGINS = 10


@dataclass
class Backtest:
    table: pd.DataFrame  # COLUMNS
    origins: list[int]
    horizon: int
    skipped: list[str] = field(default_factory=list)  # refusals, one per model x series x origin


def cut(dataset: Dataset, origin: int) -> Dataset:
    """The dataset as known at the end of ``origin``: nothing observed later."""
    tables = {name: (t[t["year"] <= origin] if name in ("indicators", "flows") and "year" in t else t)
              for name, t in dataset.tables.items()}
    return dataclasses.replace(dataset, base_year=origin, tables=tables,
                               enrolment=dataset.enrolment[dataset.enrolment["year"] <= origin],
                               births=dataset.births[dataset.births["year"] <= origin])


def parse_origins(spec: str | Sequence[int] | None, dataset: Dataset) -> list[int]:
    """``2010:2019``, ``2010,2012,2014`` or a list of years; None: the last ten observed
    years that have a later observation to compare with. ValueError when none is usable."""
    observed = sorted(int(y) for y in dataset.level_totals()["year"].unique())
    if len(observed) < 2:
        from forecast.common.errors import DataLimitError

        raise DataLimitError(f"{dataset.name}: a backtest needs enrolment in at least two years; "
                             f"it has {len(observed)}")
    if spec is None:
        return observed[:-1][-DEFAULT_ORIGINS:]
    if isinstance(spec, str):
        text = spec.replace(" ", "")
        if re.fullmatch(r"\d{4}:\d{4}", text):
            first, last = map(int, text.split(":"))
            years = list(range(first, last + 1))
        elif re.fullmatch(r"\d{4}(,\d{4})*", text):
            years = [int(y) for y in text.split(",")]
        else:
            from forecast.common.errors import OptionError

            raise OptionError(f"origins '{spec}': write first:last (e.g. 2010:2019) or a comma list")
    else:
        years = [int(y) for y in spec]
    usable = [y for y in years if y in observed and y < observed[-1]]
    if not usable:
        from forecast.common.errors import OptionError

        raise OptionError(f"origins {spec}: none is an observed year with a later observation "
                          f"({observed[0]}-{observed[-1]} observed)")
    return sorted(set(usable))


def run_backtest(dataset: Dataset, origins: Sequence[int], horizon: int = 5,
                 models: Sequence[str] | None = None, settings: ModelSettings | None = None,
                 seed: int = 1, draws: int = 200,
                 progress: Callable[[int], None] | None = None) -> Backtest:
    """Fit every model at every origin on the data known then; compare with what followed."""
    names = list(models or ALL)
    actual = dataset.level_totals()[["area", "level", "year", "students"]].rename(
        columns={"students": "actual"})
    rows, skipped = [], []
    for origin in origins:
        known = cut(dataset, origin)
        for name in names:
            result = run_model(build(name, known, settings, seed, draws), known, origin + horizon)
            skipped += [f"origin {origin}: {message}" for message in result.skipped]
            rows.append(result.frame.assign(origin=origin))
        if progress:
            progress(origin)
    table = pd.concat(rows, ignore_index=True).merge(actual, on=["area", "level", "year"])
    table = table[table["actual"] > 0]  # a percentage error needs pupils to compare with
    table = table.rename(columns={"mean": "forecast"})
    table["horizon"] = table["year"] - table["origin"]
    table["error"] = table["forecast"] - table["actual"]
    table["ape"] = 100 * table["error"].abs() / table["actual"]
    order = {lv: i for i, lv in enumerate(LEVELS)}
    table = table.assign(_l=table["level"].map(order)).sort_values(
        ["area", "_l", "model", "origin", "year"]).drop(columns="_l")
    return Backtest(table[COLUMNS].reset_index(drop=True), list(origins), horizon, skipped)


def naive_scale(dataset: Dataset, origins: Sequence[int]) -> pd.DataFrame:
    """MASE scale per area x level x origin: the mean absolute one-year change up to the
    origin (the in-sample error of the last-value forecast one year ahead)."""
    totals = dataset.level_totals().sort_values(["area", "level", "year"])
    step = totals.groupby(["area", "level"])["students"].diff().abs()
    yearly = totals.assign(step=step.where(totals.groupby(["area", "level"])["year"].diff() == 1))
    rows = [yearly[yearly["year"] <= o].groupby(["area", "level"])["step"].mean().rename("scale")
            .reset_index().assign(origin=o) for o in origins]
    return pd.concat(rows, ignore_index=True)


def accuracy(backtest: Backtest, dataset: Dataset) -> pd.DataFrame:
    """Errors by model x level x horizon: MAPE, median APE, mean signed percentage error
    (bias; positive = too high), MASE (errors scaled by the last-value in-sample error),
    MAE relative to the last-value forecast on the same cells, and the share of outcomes
    inside the 80 % interval, its mean width and its Winkler score (both in % of the outcome)."""
    table = backtest.table
    if table.empty:
        return pd.DataFrame(columns=ACCURACY)
    keys = ["area", "level", "origin", "year"]
    naive = table[table["model"] == "last_value"].set_index(keys)["error"].abs()
    table = table.merge(naive_scale(dataset, backtest.origins), on=["area", "level", "origin"], how="left")
    table = table.assign(
        abs_error=table["error"].abs(),
        naive_error=naive.reindex(pd.MultiIndex.from_frame(table[keys])).to_numpy(),
        signed=100 * table["error"] / table["actual"],
        scaled=table["error"].abs() / table["scale"].where(table["scale"] > 0),
        inside=((table["p10"].fillna(np.inf) <= table["actual"])
                & (table["actual"] <= table["p90"].fillna(-np.inf)))
        .astype(float).where(table["p10"].notna() & table["p90"].notna()))
    table = table.assign(width=100 * (table["p90"] - table["p10"]) / table["actual"],
                         winkler=100 * winkler(table["p10"], table["p90"], table["actual"]) / table["actual"])
    grouped = table.groupby(["model", "level", "horizon"])
    out = grouped.agg(n=("ape", "size"), mape=("ape", "mean"), median_ape=("ape", "median"),
                      bias_percent=("signed", "mean"), mase=("scaled", "mean"),
                      coverage_80=("inside", "mean"), width_80=("width", "mean"),
                      winkler_80=("winkler", "mean"))
    paired = table[table["naive_error"].notna()].groupby(["model", "level", "horizon"])
    out["relative_mae"] = paired["abs_error"].sum() / paired["naive_error"].sum().replace(0, np.nan)
    order = {lv: i for i, lv in enumerate(LEVELS)}
    out = out.reset_index()
    out = out.assign(_l=out["level"].map(order)).sort_values(["_l", "model", "horizon"]).drop(columns="_l")
    return out[ACCURACY].reset_index(drop=True)


def winkler(low, high, actual, alpha: float = 0.2):
    """Interval (Winkler) score of a (1 - alpha) interval: its width plus 2/alpha times how far
    the outcome falls outside it. Lower is better; it rewards narrow intervals only while they
    hold the outcomes. NaN where the interval is missing."""
    low, high, actual = (np.asarray(x, dtype=float) for x in (low, high, actual))
    return (high - low) + (2 / alpha) * (np.maximum(low - actual, 0) + np.maximum(actual - high, 0))


def format_accuracy(table: pd.DataFrame, metric: str = "mape", models: Sequence[str] = ()) -> str:
    """MAPE (or another metric) by level and model (rows) and horizon (columns), models in
    order of their mean over horizons; baselines are marked. Each of ``models`` missing at a
    level gets a line saying it was refused there."""
    if table.empty:
        return "no forecast could be compared with an observation"
    wide = table.pivot_table(index=["level", "model"], columns="horizon", values=metric)
    cover = table.groupby(["level", "model"])["coverage_80"].mean()
    horizons = list(wide.columns)
    lines = [f"{metric.upper()} (%) by years ahead; cover80 = share of outcomes inside the 80 % interval",
             f"{'level':16s} {'model':20s} " + " ".join(f"{h:>6d}" for h in horizons) + f" {'cover80':>8s}"]
    order = {lv: i for i, lv in enumerate(LEVELS)}
    for level in sorted(wide.index.get_level_values(0).unique(), key=lambda lv: (order.get(lv, len(order)), lv)):
        part = wide.loc[level]
        for model in part.mean(axis=1).sort_values().index:
            label = model + (" (baseline)" if model in BASELINES else "")
            cells = " ".join(f"{v:6.1f}" if np.isfinite(v) else f"{'':>6s}" for v in part.loc[model])
            c = cover.get((level, model), np.nan)
            lines.append(f"{level:16s} {label:20s} {cells} {c:8.2f}" if np.isfinite(c)
                         else f"{level:16s} {label:20s} {cells} {'':>8s}")
        for model in [m for m in models if m not in part.index]:
            lines.append(f"{level:16s} {model:20s} refused at every origin: history too short")
    return "\n".join(lines)
