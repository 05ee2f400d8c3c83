"""One run, end to end: load the dataset, fit the cohort model once, project each
scenario, compare with the plan's targets, and write the outputs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from forecast import __version__
from forecast.config import RunConfig
from forecast.dataset import Dataset, load_dataset
from forecast.io import atomic_write_csv, atomic_write_text
from forecast.levels import LEVELS, split_group
from forecast.projection import CohortFlow


@dataclass
class RunResult:
    dataset: Dataset
    projections: pd.DataFrame
    plan_check: pd.DataFrame
    implied_migration: pd.DataFrame
    assumptions: list[str] = field(default_factory=list)


def run(config: RunConfig, scenarios: list[str] | None = None, *, draws: int | None = None,
        seed: int | None = None, until: int | None = None, progress=None) -> RunResult:
    """Project every requested scenario of ``config`` (default: its default scenario)."""
    dataset = load_dataset(config.dataset_path())
    names = scenarios or [config.default_scenario]
    unknown = [n for n in names if n not in config.scenarios]
    if unknown:
        raise ValueError(f"unknown scenario(s) {', '.join(unknown)}; the config defines "
                         f"{', '.join(config.scenarios)}")
    fitted = CohortFlow(config.model).fit(dataset)
    frames, implied = [], []
    for name in names:
        frames.append(fitted.project(until or config.until, config.scenarios[name],
                                     draws or config.draws, config.seed if seed is None else seed,
                                     scenario_name=name))
        if len(fitted.implied_migration):
            implied.append(fitted.implied_migration)
            fitted.implied_migration = pd.DataFrame()
        if progress:
            progress(name)
    projections = pd.concat(frames, ignore_index=True)
    return RunResult(dataset, projections, plan_check(projections, dataset),
                     pd.concat(implied, ignore_index=True) if implied else pd.DataFrame(),
                     assumptions(dataset, config, names))


def plan_check(projections: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """The plan's enrolment targets beside the model's mean and p10-p90 interval.

    Level groups (e.g. compulsory = primary+junior) add their levels' means; their interval
    adds the levels' quantiles, i.e. assumes the levels move together (a wider, cautious band).
    """
    targets = dataset.table("targets")
    if targets.empty:
        return pd.DataFrame()
    targets = targets[targets["indicator"] == "enrolment"]
    totals = projections[projections["grade"] == ""]
    rows = []
    for target in targets.itertuples():
        levels = split_group(target.level)
        part = totals[(totals["area"] == target.area) & (totals["year"] == target.year)
                      & totals["level"].isin(levels)]
        for scenario, cells in part.groupby("scenario"):
            if set(cells["level"]) != set(levels):
                continue
            mean, p10, p90 = (cells[c].sum() for c in ("mean", "p10", "p90"))
            rows.append({
                "area": target.area, "level": target.level, "year": int(target.year),
                "scenario": scenario, "plan_target": target.value,
                "model_mean": mean, "model_p10": p10, "model_p90": p90,
                "target_inside_p10_p90": bool(p10 <= target.value <= p90),
                "target_vs_mean_percent": 100 * (target.value / mean - 1),
            })
    return pd.DataFrame(rows)


def assumptions(dataset: Dataset, config: RunConfig, scenarios: list[str]) -> list[str]:
    """Every assumption the run rests on, in words, for the outputs and the report."""
    out = []
    proxy = dataset.meta.get("births_proxy")
    if proxy:
        out.append("births: " + (proxy.get("assumption", "") if isinstance(proxy, dict) else str(proxy)))
    m = config.model
    out.append("births after the last observed year are held at that year's value, then the "
               "scenario's multipliers apply; draws add a random walk with the past spread")
    out.append(f"level-total drift estimated from the last {m.migration_window} observed years, "
               f"damped by {m.migration_damping} per further year (see docs/methods.md)")
    for name in scenarios:
        s = config.scenarios[name]
        if s.housing:
            out.append(f"scenario {name}: housing yields {s.housing.pupils_per_dwelling} per "
                       f"dwelling ({s.housing.assumption})")
        if s.births.multiplier != 1.0 or s.births.series or s.births.uplift_percent:
            out.append(f"scenario {name}: births {s.births.model_dump(exclude_defaults=True)}")
        if s.migration.mode != "estimated" or s.migration.net_movers:
            out.append(f"scenario {name}: migration {s.migration.model_dump(exclude_defaults=True)}")
        if s.general_share is not None:
            out.append(f"scenario {name}: general share of senior entrants {s.general_share}")
    return out


def write_outputs(result: RunResult, out: Path, config: RunConfig) -> list[Path]:
    """Write projections.csv (and plan_check.csv, implied_migration.csv, run.json)."""
    written = []
    path = out / "projections.csv"
    atomic_write_csv(path, result.projections)
    written.append(path)
    if len(result.plan_check):
        path = out / "plan_check.csv"
        atomic_write_csv(path, result.plan_check)
        written.append(path)
    if len(result.implied_migration):
        path = out / "implied_migration.csv"
        atomic_write_csv(path, result.implied_migration, decimals=4)
        written.append(path)
    meta = {"forecast_version": __version__, "dataset": str(result.dataset.name),
            "base_year": result.dataset.base_year, "config": config.model_dump(mode="json"),
            "assumptions": result.assumptions}
    path = out / "run.json"
    atomic_write_text(path, json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    written.append(path)
    return written


def summary_table(result: RunResult) -> str:
    """Level totals of the top area(s) in the base year and the last year, per scenario."""
    proj = result.projections[result.projections["grade"] == ""]
    tops = result.dataset.areas[result.dataset.areas["parent"].isna()]["area"]
    proj = proj[proj["area"].isin(tops)]
    last = proj["year"].max()
    base = result.dataset.level_totals()
    base = base[base["year"] == result.dataset.base_year].set_index(["area", "level"])["students"]
    lines = [f"{'area':10s} {'level':18s} {'scenario':16s} {result.dataset.base_year:>10d} "
             f"{last:>10d} {'p10':>10s} {'p90':>10s}"]
    order = {lv: i for i, lv in enumerate(LEVELS)}
    cells = proj[proj["year"] == last].sort_values(["area", "scenario"]).copy()
    cells = cells.assign(_o=cells["level"].map(order)).sort_values(["area", "_o", "scenario"])
    for row in cells.itertuples():
        observed = base.get((row.area, row.level), float("nan"))
        lines.append(f"{row.area:10s} {row.level:18s} {row.scenario:16s} {observed:>10,.0f} "
                     f"{row.mean:>10,.0f} {row.p10:>10,.0f} {row.p90:>10,.0f}")
    return "\n".join(lines)
