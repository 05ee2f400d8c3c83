"""Stress table: a grid of births multipliers x migration scales, and where each area runs short.

``forecast sweep --grid births=0.8:1.2:0.05 --grid migration=0.5:1.5:0.25`` projects the
config's default scenario at every grid point (births multiplied by ``births`` from the
first projected birth year, the estimated migration drift scaled by ``migration``; draws keyed
by area, so every point uses the same random draws and only the multipliers differ) and
writes, per area, level and grid point in the target year (default: the config's ``until``):

* ``sweep.csv``: P90 demand, seats, P(shortfall) (share of draws above the seats) and whether
  the P90 demand exceeds the seats;
* ``thresholds.csv``: for each value of one multiplier, the smallest value of the other at
  which the P90 demand first exceeds the seats (empty, with the reason, when it never does
  within the grid or already does at the grid's lowest value).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.common.errors import DataLimitError, OptionError
from forecast.data.config import RunConfig, Scenario
from forecast.data.dataset import Dataset, load_dataset
from forecast.data.inputs.bounds import check_projection, check_run_size, resolve_until
from forecast.data.standards import standards_for
from forecast.engine.run import Engine
from forecast.models.projection import CohortFlow
from forecast.planning.capacity import build_capacity
from forecast.planning.shortfall import compare

AXES = ("births", "migration")
MAX_FACTOR = 10.0  # as forecast.data.config.BOUNDS: births.multiplier and migration.scale
SWEEP_COLUMNS = ["area", "level", "year", "births", "migration", "demand_p90", "seats",
                 "p_shortfall", "p90_exceeds_seats"]
THRESHOLD_COLUMNS = ["area", "level", "year", "vary", "births", "migration", "threshold", "reading"]


def parse_grid(spec: str) -> tuple[str, np.ndarray]:
    """``births=0.8:1.2:0.05`` -> ("births", [0.8, 0.85, ..., 1.2]) (both ends included)."""
    name, _, values = spec.partition("=")
    name = name.strip()
    if name not in AXES:
        raise OptionError(f"--grid {spec!r}: the axis must be one of {', '.join(AXES)}")
    try:
        lo, hi, step = (float(x) for x in values.split(":"))
    except ValueError:
        raise OptionError(f"--grid {spec!r}: write NAME=START:STOP:STEP, e.g. births=0.8:1.2:0.05") from None
    if not all(np.isfinite([lo, hi, step])) or hi > MAX_FACTOR:
        raise OptionError(f"--grid {spec!r}: START, STOP and STEP must be finite and STOP at most "
                          f"{MAX_FACTOR:g} (the config's bound on a births multiplier or migration scale)")
    if step <= 0 or hi < lo or lo < 0:
        raise OptionError(f"--grid {spec!r}: need 0 <= START <= STOP and STEP > 0")
    count = (hi - lo) / step + 1
    if count > 201:
        raise OptionError(f"--grid {spec!r}: {count:,.0f} points; at most 200 per axis")
    count = int(np.floor((hi - lo) / step + 1e-9)) + 1
    if count > 200:
        raise OptionError(f"--grid {spec!r}: {count} points; at most 200 per axis")
    return name, np.round(lo + step * np.arange(count), 10)


def scenario_at(base: Scenario, births: float, migration: float) -> Scenario:
    """The base scenario with births multiplied by ``births`` and the migration drift scaled
    by ``migration`` (on top of the base scenario's own multiplier and scale)."""
    b = base.births
    multiplier = ({y: m * births for y, m in b.multiplier.items()} if isinstance(b.multiplier, dict)
                  else b.multiplier * births)
    m = base.migration
    if m.mode == "none":
        raise OptionError("the default scenario sets migration to none; a migration scale has "
                          "nothing to scale (choose a scenario with estimated migration)")
    scale = (m.scale if m.mode == "scaled" else 1.0) * migration
    return base.model_copy(update={
        "births": b.model_copy(update={"multiplier": multiplier}),
        "migration": m.model_copy(update={"mode": "scaled", "scale": scale})})


@dataclass
class SweepResult:
    sweep: pd.DataFrame
    thresholds: pd.DataFrame


def run_sweep(config: RunConfig, grid: dict[str, np.ndarray], *, year: int | None = None,
              draws: int | None = None, seed: int | None = None,
              engine: Engine | None = None, dataset: Dataset | None = None) -> SweepResult:
    """Project every grid point and tabulate the shortfall in ``year``."""
    dataset = dataset or load_dataset(config.dataset_path())
    year, given, _ = resolve_until(config, dataset.base_year, year)
    if year <= dataset.base_year:
        raise OptionError(f"{given.replace('--until', '--year')}: the target year must be after "
                          f"the base year {dataset.base_year}")
    if dataset.enrolment.empty:
        raise DataLimitError(f"{dataset.name} has no enrolment: there is no demand to sweep")
    draws = draws or config.draws
    seed = config.seed if seed is None else seed
    births = grid.get("births", np.array([1.0]))
    migration = grid.get("migration", np.array([1.0]))
    try:  # the bounds of `run`: horizon (max_horizon), draws and memory, one point at a time
        check_run_size(dataset, config, year, draws, 1, given)
    except (OptionError, DataLimitError) as exc:
        raise type(exc)(str(exc).replace("--until", "--year")) from None
    standards = standards_for(config)
    capacity = build_capacity(dataset, config.capacity, standards, year)
    seats = capacity.seats_lookup() if len(capacity.rolled) else None
    fitted = CohortFlow(config.model).fit(dataset)
    base = config.scenarios[config.default_scenario]
    rows = []
    for b in births:
        for m in migration:
            frame = fitted.project(year, scenario_at(base, float(b), float(m)), draws, seed,
                                   scenario_name="sweep", seats=seats, engine=engine)
            check_projection(frame)
            short = compare(frame, capacity, standards, dataset.system)
            short = short[short["year"] == year]
            rows.append(pd.DataFrame({
                "area": short["area"], "level": short["level"], "year": year,
                "births": float(b), "migration": float(m), "demand_p90": short["demand_p90"],
                "seats": short["seats"], "p_shortfall": short["p_shortfall"],
                "p90_exceeds_seats": short["demand_p90"] > short["seats"]}))
    sweep = pd.concat(rows, ignore_index=True)[SWEEP_COLUMNS]
    return SweepResult(sweep, thresholds(sweep))


def thresholds(sweep: pd.DataFrame) -> pd.DataFrame:
    """For each area, level and value of one axis, the smallest value of the other axis at
    which the P90 demand exceeds the seats."""
    out = []
    for vary, held in (("births", "migration"), ("migration", "births")):
        for (area, level, year, at), part in sweep.groupby(["area", "level", "year", held], sort=True):
            part = part.sort_values(vary)
            short = part["p90_exceeds_seats"].to_numpy()
            values = part[vary].to_numpy()
            if not short.any():
                value, reading = np.nan, f"P90 demand stays within the seats up to {vary} {values[-1]:g}"
            elif short[0]:
                value, reading = np.nan, f"P90 demand already exceeds the seats at {vary} {values[0]:g}"
            else:
                first = int(np.argmax(short))
                value = values[first]
                reading = (f"P90 demand exceeds the seats from {vary} {value:g} "
                           f"(within the seats at {values[first - 1]:g})")
                if not short[first:].all():
                    reading += "; not at every larger value"
            row = {"area": area, "level": level, "year": year, "vary": vary,
                   "births": np.nan, "migration": np.nan, "threshold": value, "reading": reading}
            row[held] = at
            out.append(row)
    return pd.DataFrame(out, columns=THRESHOLD_COLUMNS)
