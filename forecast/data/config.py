"""Run configurations and scenarios, read from YAML and checked by pydantic.

A scenario is a set of overrides on the baseline schedule (births, migration, transition
and general/vocational share, housing); anything it does not mention keeps the values the
model estimated from the data. Every yield or multiplier a planner types is an assumption
and is reported as one in the run's outputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from forecast.data.system import SchoolSystem


class Strict(BaseModel):
    """Unknown keys refused; no lax coercion (``seed: yes`` or ``until: "2025"`` are errors,
    not 1 and 2025); whole numbers are accepted where a decimal is expected."""

    model_config = ConfigDict(extra="forbid", strict=True)


class BirthsScenario(Strict):
    """Births after the last observed year (and optionally overriding observed ones).

    ``multiplier``: one factor, or a factor per year, applied to projected births (from
    ``from_year`` if given, which may reach back into observed or proxy years).
    ``series``: explicit births per year for the whole dataset, shared among areas in
    proportion to their last observed births. ``uplift_percent`` from ``uplift_from``: a
    policy effect (e.g. the three-child policy) on top of the rest.
    """

    multiplier: float | dict[int, float] = 1.0
    from_year: int | None = None
    series: dict[int, float] | None = None
    uplift_percent: float = 0.0
    uplift_from: int | None = None

    @field_validator("multiplier")
    @classmethod
    def _positive(cls, value):
        values = value.values() if isinstance(value, dict) else [value]
        if any(v < 0 for v in values):
            raise ValueError("births multipliers must not be negative")
        return value


class MigrationScenario(Strict):
    """Net migration: ``estimated`` keeps the drift the data imply, ``scaled`` multiplies it
    by ``scale``, ``none`` sets it to zero; ``net_movers`` adds persons per year (area ->
    level -> persons, cumulated from the first projected year)."""

    mode: Literal["estimated", "scaled", "none"] = "estimated"
    scale: float = 1.0
    net_movers: dict[str, dict[str, float]] = Field(default_factory=dict)


class HousingScenario(Strict):
    """New dwellings per area and year times pupils per dwelling by level (assumptions)."""

    dwellings: dict[str, dict[int, float]] = Field(default_factory=dict)
    pupils_per_dwelling: dict[str, float] = Field(default_factory=dict)
    assumption: str = "pupil yields per dwelling are planner assumptions"

    @field_validator("pupils_per_dwelling")
    @classmethod
    def _non_negative(cls, value):
        if any(v < 0 for v in value.values()):
            raise ValueError("pupils per dwelling must not be negative")
        return value


class Scenario(Strict):
    description: str = ""
    births: BirthsScenario = Field(default_factory=BirthsScenario)
    migration: MigrationScenario = Field(default_factory=MigrationScenario)
    # transition rate by level (or track group such as senior) entered from the level below
    transition: dict[str, float] = Field(default_factory=dict)
    general_share: float | None = Field(default=None, ge=0, le=1)
    housing: HousingScenario | None = None
    solve_migration_for_targets: bool = False


class ModelSettings(Strict):
    """How ratios are estimated from history (see docs/methods.md), and which projection
    the run reports: ``method: evidence`` (default: the forecast a nested backtest on the
    dataset favours, with empirical intervals, see docs/accuracy.md), ``cohort`` (the plain
    cohort flow) or ``auto`` (the older backtest-weighted ensemble). ``covariates``: indicators.csv series added to the
    driver regression; ``pooled_features``: indicators given to the pooled ridge model."""

    ratio_method: Literal["mean", "ses"] = "mean"
    window: int = Field(default=3, ge=1)
    alpha: float = Field(default=0.4, gt=0, le=1)
    migration_window: int = Field(default=3, ge=2)
    migration_damping: float = Field(default=0.8, gt=0, le=1)
    entry_window: int = Field(default=3, ge=1)
    entry_damping: float = Field(default=0.5, ge=0, le=1)
    limit_ratios: bool = True  # bring outlying ratios to the 1st-99th percentile of all areas'
    shrink_ratios: bool = True  # pull noisy areas' ratios toward the dataset's (empirical Bayes)
    method: Literal["evidence", "cohort", "auto"] = "evidence"
    covariates: list[str] = Field(default_factory=list)
    pooled_features: list[str] = Field(default_factory=list)


class BacktestSettings(Strict):
    """Rolling-origin backtest: ``origins`` as ``first:last`` (or a list of years; default:
    the last ten years that have a later observation), ``horizon`` years ahead, ``models``
    to compare (default: every model and baseline), ``draws`` for the cohort intervals."""

    origins: str | list[int] | None = None
    horizon: int = Field(default=5, ge=1)
    models: list[str] | None = None
    draws: int = Field(default=200, ge=1)

    @field_validator("models")
    @classmethod
    def _known_models(cls, value, info: ValidationInfo):
        known = (info.context or {}).get("models")  # the model registry, handed in by the caller
        unknown = [m for m in value or [] if known is not None and m not in known]
        if unknown:
            raise ValueError(f"unknown model(s) {unknown}; use {list(known)}")
        return value


class ExistingSeats(Strict):
    """Where the seats of the base year come from.

    ``auto`` uses ``schools.csv`` when the dataset has one, else ``enrolment``: base-year
    enrolment divided by ``utilisation`` (1.0 = every pupil had a seat and no seat was
    empty). ``none`` counts planned projects only. Anything but ``schools`` is an
    assumption and is reported with ``assumption``.
    """

    source: Literal["auto", "schools", "enrolment", "none"] = "auto"
    utilisation: float = Field(default=1.0, gt=0)
    assumption: str = ("the plan gives no seat count, so base-year seats are taken as "
                       "base-year enrolment (no spare seats, no unseated pupils)")


class CapacitySettings(Strict):
    """Capacity and shortfall settings; defaults come from ``data/standards``.

    ``class_size``: pupils per class by ``level`` or ``level.grade`` (e.g. kindergarten.K1).
    ``m2_per_seat``: floor area per seat by level, used only for projects known by floor area.
    ``mixed_school_shares``: how a mixed school (e.g. ``primary+junior``, 九年一贯制) splits its
    seats; default in proportion to the levels' numbers of grades. ``school_classes``: classes
    in one standard school. ``lead_time_years``: from decision to opening.
    """

    existing: ExistingSeats = Field(default_factory=ExistingSeats)
    class_size: dict[str, float] = Field(default_factory=dict)
    m2_per_seat: dict[str, float] = Field(default_factory=dict)
    m2_per_seat_assumption: str = ""
    mixed_school_shares: dict[str, dict[str, float]] = Field(default_factory=dict)
    school_classes: dict[str, int] = Field(default_factory=dict)
    lead_time_years: dict[str, int] = Field(default_factory=dict)

    @field_validator("class_size", "m2_per_seat", "school_classes", "lead_time_years")
    @classmethod
    def _positive(cls, value):
        if any(v <= 0 for v in value.values()):
            raise ValueError("values must be positive")
        return value

    @field_validator("mixed_school_shares")
    @classmethod
    def _shares(cls, value):
        from forecast.data.system import split_group

        for group, shares in value.items():
            if set(shares) != set(split_group(group)):
                raise ValueError(f"{group}: give a share for each of {split_group(group)}")
            if abs(sum(shares.values()) - 1) > 1e-6 or min(shares.values()) < 0:
                raise ValueError(f"{group}: shares must be non-negative and add up to 1")
        return value


FINITE = {"allow_inf_nan": False}  # a plan figure must be a real number (no .inf, no .nan)


class TemporaryClassrooms(Strict):
    """Interim measure: rented or mobile classrooms, each seating one class (the level's
    class-size limit) for one year at ``cost_per_classroom_year``; at most
    ``max_per_year`` per area x level x year."""

    cost_per_classroom_year: float = Field(gt=0, le=1e12, **FINITE)
    max_per_year: int = Field(default=20, ge=1, le=10_000)
    assumption: str = Field(min_length=1)


class ClassSizeHeadroom(Strict):
    """Interim measure: classes above the class-size limit, up to ``max_class_size`` (the
    large-class threshold 56 by default, never beyond 65), at a penalty per extra pupil-year
    (a planning penalty, not spending: it is not counted against the budget)."""

    max_class_size: float = Field(default=56, gt=0, le=65, **FINITE)
    penalty_per_pupil_year: float = Field(gt=0, le=1e12, **FINITE)
    assumption: str = Field(min_length=1)


class Transfers(Strict):
    """Interim measure: pupils seated in a declared neighbour (the dataset's neighbours.csv:
    area, neighbour, max_share of the area's demand) at a cost per pupil-year. ``correlation``:
    the share of the demand uncertainty neighbours have in common (an assumption)."""

    cost_per_pupil_year: float = Field(ge=0, le=1e12, **FINITE)
    correlation: float = Field(default=0.5, ge=0, le=1, **FINITE)
    assumption: str = Field(min_length=1)


class PlanSettings(Strict):
    """``forecast plan`` (docs/planning.md): the cheapest set and timing of builds that keeps
    P(demand > seats) <= ``risk`` in every finest area x level x year. Not part of a run's
    fingerprint: a plan reads a finished run. ``budget``: a total, or an amount per year (of
    construction spending, a build's cost spread evenly over its lead time). ``cost_per_seat``
    (by level) and ``school_seats`` (seats of one generated standard school by level, default
    the standards' school size x class-size limit) serve candidates generated without a
    candidates.csv, and must say why in ``cost_assumption``."""

    risk: float = Field(default=0.10, gt=0, lt=1, **FINITE)
    horizon: int | Literal["until"] = "until"
    budget: float | dict[int, float] | None = None
    currency: str = ""
    first_start: int | None = Field(default=None, ge=1900, le=2200)
    cost_per_seat: dict[str, float] = Field(default_factory=dict)
    cost_assumption: str = ""
    school_seats: dict[str, int] = Field(default_factory=dict)
    school_seats_assumption: str = ""
    movable_projects: bool = False
    project_shift_years: int = Field(default=2, ge=0, le=10)
    draws: int = Field(default=4000, ge=100, le=100_000)
    saa_draws: int = Field(default=200, ge=20, le=2000)
    time_limit_seconds: float = Field(default=60, gt=0, le=3600, **FINITE)
    mip_gap: float = Field(default=1e-4, ge=0, le=0.5, **FINITE)
    temporary_classrooms: TemporaryClassrooms | None = None
    class_size_headroom: ClassSizeHeadroom | None = None
    transfers: Transfers | None = None

    @field_validator("horizon")
    @classmethod
    def _year(cls, value):
        if isinstance(value, int) and not 1900 <= value <= 2200:
            raise ValueError("a year from 1900 to 2200, or until")
        return value

    @field_validator("budget")
    @classmethod
    def _budget(cls, value):
        import math

        values = value.values() if isinstance(value, dict) else [] if value is None else [value]
        if any(not math.isfinite(v) or v < 0 or v > 1e15 for v in values):
            raise ValueError("a budget must be a finite amount from 0 to 1e15")
        if isinstance(value, dict) and any(not 1900 <= y <= 2200 for y in value):
            raise ValueError("budget years must be from 1900 to 2200")
        return value

    @field_validator("cost_per_seat", "school_seats")
    @classmethod
    def _positive(cls, value):
        import math

        if any(not math.isfinite(v) or v <= 0 or v > 1e12 for v in value.values()):
            raise ValueError("values must be positive finite numbers (at most 1e12)")
        return value


class RunConfig(Strict):
    dataset: str
    until: int = Field(default=2025, ge=1900, le=2200)
    max_horizon: int = Field(default=30, ge=1, le=200)  # until may be at most base year + this
    draws: int = Field(default=1000, ge=1, le=100_000)
    seed: int = 1
    model: ModelSettings = Field(default_factory=ModelSettings)
    capacity: CapacitySettings = Field(default_factory=CapacitySettings)
    backtest: BacktestSettings = Field(default_factory=BacktestSettings)
    scenarios: dict[str, Scenario] = Field(default_factory=lambda: {"baseline": Scenario()})
    default_scenario: str = "baseline"
    source: Path | None = Field(default=None, exclude=True, strict=False)
    # ``forecast plan`` only; excluded from the dump, so a run's fingerprint and run.json
    # stay as they were (a plan reads a finished run, it does not change it)
    plan: PlanSettings = Field(default_factory=PlanSettings, exclude=True)

    def dataset_path(self) -> Path:
        """The dataset folder, relative paths taken from the config file's folder first."""
        from forecast.data.catalog import resolve_dataset

        path = Path(self.dataset)
        if not path.is_absolute() and self.source is not None:
            beside = (self.source.parent / path)
            if beside.is_dir():
                return beside
        return resolve_dataset(path)


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the key."""


def load_config(path: str | Path, models: Iterable[str] | None = None) -> RunConfig:
    """Read and check a run configuration; raise ``ConfigError`` naming file and key.
    ``models``: the model names ``backtest.models`` may use (the models' registry, handed
    in by the caller so that configuration imports nothing of the models)."""
    from forecast.data.catalog import resolve_config
    from forecast.data.inputs import InputFileError, load_yaml

    try:
        file = resolve_config(path)
    except FileNotFoundError as exc:
        raise ConfigError(str(exc)) from exc
    if not (file.exists() or file.is_symlink()):
        raise ConfigError(f"{path}: config file not found")
    try:
        data, _encoding = load_yaml(file)
    except InputFileError as exc:
        raise ConfigError(str(exc)) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: must be a mapping of keys (dataset, until, scenarios, ...), "
                          f"not a {type(data).__name__}")
    try:
        config = RunConfig.model_validate(data, context={"models": list(models) if models is not None else None})
    except ValidationError as exc:
        lines = [f"{file}, key {'.'.join(map(str, e['loc']))}: {e['msg']}"
                 + (f" (got {e['input']!r})" if isinstance(e.get("input"), str | int | float) else "")
                 for e in exc.errors()]
        raise ConfigError("\n".join(lines)) from exc
    if config.default_scenario not in config.scenarios:
        raise ConfigError(f"{file}, key default_scenario: '{config.default_scenario}' is not "
                          f"one of the scenarios ({', '.join(config.scenarios)})")
    return config.model_copy(update={"source": file})


def level_key_problems(config: RunConfig, system: SchoolSystem) -> list[str]:
    """Config keys naming levels the dataset's school system does not have (checked once the
    dataset is known, since the config may serve datasets of other systems). Each line names
    the config file and the key."""
    where = str(config.source) if config.source else "config"
    known = set(system.level_names)
    problems = []
    c = config.capacity
    for block, keys in (("class_size", c.class_size), ("m2_per_seat", c.m2_per_seat),
                        ("school_classes", c.school_classes), ("lead_time_years", c.lead_time_years)):
        for key in keys:
            level, _, grade = key.partition(".")
            if level not in known:
                problems.append(f"{where}, key capacity.{block}.{key}: '{level}' is not a level of "
                                f"the {system.name} school system ({', '.join(system.level_names)})")
            elif grade and grade not in system.grades(level):
                problems.append(f"{where}, key capacity.{block}.{key}: grade '{grade}' is not a grade "
                                f"of {level} ({', '.join(system.grades(level))})")
    for name, scenario in config.scenarios.items():
        for area_levels in scenario.migration.net_movers.values():
            problems += [f"{where}, key scenarios.{name}.migration.net_movers: '{lv}' is not a level "
                         f"of the {system.name} school system" for lv in area_levels if lv not in known]
        if scenario.housing:
            problems += [f"{where}, key scenarios.{name}.housing.pupils_per_dwelling.{lv}: not a level "
                         f"of the {system.name} school system" for lv in scenario.housing.pupils_per_dwelling
                         if lv not in known]
    return problems
