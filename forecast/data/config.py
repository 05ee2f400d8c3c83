"""Run configurations and scenarios, read from YAML and checked by pydantic.

A scenario is a set of overrides on the baseline schedule (births, migration, transition
and general/vocational share, housing); anything it does not mention keeps the values the
model estimated from the data. Every yield or multiplier a planner types is an assumption
and is reported as one in the run's outputs.

Every number has a finite range (``BOUNDS`` below, listed in docs/methods.md): NaN and
infinity are refused everywhere (``allow_inf_nan=False``), and each value is held to what a
plan can mean (a births multiplier up to 10, a class of 1 to 200 pupils, ...), so no typo
such as ``.inf`` or ``1e-300`` reaches the arithmetic as an overflow, an ``Infinity`` in
scheduler.json or an area silently dropped from the projections.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from forecast.common.errors import UserInputError
from forecast.data.system import SchoolSystem

# The finite range of every number a config may hold (docs/methods.md, "Config bounds"):
# wide enough for any plan, narrow enough that the arithmetic stays far from overflow.
BOUNDS: dict[str, tuple[float, float]] = {
    "births.multiplier": (0, 10),
    "births.series": (0, 1e9),  # persons per year
    "births.uplift_percent": (-100, 1000),
    "migration.scale": (-10, 10),
    "migration.net_movers": (-1e7, 1e7),  # persons per year
    "transition": (0, 5),
    "housing.dwellings": (0, 1e7),  # per area and year
    "housing.pupils_per_dwelling": (0, 10),
    "capacity.existing.utilisation": (0.1, 5),
    "capacity.class_size": (1, 200),  # pupils per class
    "capacity.m2_per_seat": (0.5, 200),
    "capacity.school_classes": (1, 500),
    "capacity.lead_time_years": (1, 50),
    "model windows": (1, 100),  # years
    "backtest.horizon": (1, 100),  # years
    "seed": (0, 2**63 - 1),
}


def _within(name: str, default=None, **extra) -> Field:
    lo, hi = BOUNDS[name]
    return Field(ge=lo, le=hi, **extra) if default is None else Field(default=default, ge=lo, le=hi, **extra)


Multiplier = Annotated[float, _within("births.multiplier")]
Persons = Annotated[float, _within("births.series")]
Movers = Annotated[float, _within("migration.net_movers")]
Rate = Annotated[float, _within("transition")]
Dwellings = Annotated[float, _within("housing.dwellings")]
Yield = Annotated[float, _within("housing.pupils_per_dwelling")]
ClassSize = Annotated[float, _within("capacity.class_size")]
FloorArea = Annotated[float, _within("capacity.m2_per_seat")]
SchoolClasses = Annotated[int, _within("capacity.school_classes")]
LeadTime = Annotated[int, _within("capacity.lead_time_years")]
Share = Annotated[float, Field(ge=0, le=1)]


class Strict(BaseModel):
    """Unknown keys refused; no lax coercion (``seed: yes`` or ``until: "2025"`` are errors,
    not 1 and 2025); whole numbers are accepted where a decimal is expected; NaN and infinity
    are refused (``.nan`` would make an area vanish, ``.inf`` overflow)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class BirthsScenario(Strict):
    """Births after the last observed year (and optionally overriding observed ones).

    ``multiplier``: one factor, or a factor per year, applied to projected births (from
    ``from_year`` if given, which may reach back into observed or proxy years).
    ``series``: explicit births per year for the whole dataset, shared among areas in
    proportion to their last observed births. ``uplift_percent`` from ``uplift_from``: a
    policy effect (e.g. the three-child policy) on top of the rest.
    """

    multiplier: Multiplier | dict[int, Multiplier] = 1.0
    from_year: int | None = Field(default=None, ge=1900, le=2200)
    series: dict[int, Persons] | None = None
    uplift_percent: float = _within("births.uplift_percent", 0.0)
    uplift_from: int | None = Field(default=None, ge=1900, le=2200)


class MigrationScenario(Strict):
    """Net migration: ``estimated`` keeps the drift the data imply, ``scaled`` multiplies it
    by ``scale``, ``none`` sets it to zero; ``net_movers`` adds persons per year (area ->
    level -> persons, cumulated from the first projected year)."""

    mode: Literal["estimated", "scaled", "none"] = "estimated"
    scale: float = _within("migration.scale", 1.0)
    net_movers: dict[str, dict[str, Movers]] = Field(default_factory=dict)


class HousingScenario(Strict):
    """New dwellings per area and year times pupils per dwelling by level (assumptions)."""

    dwellings: dict[str, dict[int, Dwellings]] = Field(default_factory=dict)
    pupils_per_dwelling: dict[str, Yield] = Field(default_factory=dict)
    assumption: str = "pupil yields per dwelling are planner assumptions"


class Scenario(Strict):
    description: str = ""
    births: BirthsScenario = Field(default_factory=BirthsScenario)
    migration: MigrationScenario = Field(default_factory=MigrationScenario)
    # transition rate by level (or track group such as senior) entered from the level below
    transition: dict[str, Rate] = Field(default_factory=dict)
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
    window: int = _within("model windows", 3)
    alpha: float = Field(default=0.4, gt=0, le=1)
    migration_window: int = Field(default=3, ge=2, le=BOUNDS["model windows"][1])
    migration_damping: float = Field(default=0.8, gt=0, le=1)
    entry_window: int = _within("model windows", 3)
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
    horizon: int = _within("backtest.horizon", 5)
    models: list[str] | None = None
    draws: int = Field(default=200, ge=1, le=100_000)

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
    utilisation: float = _within("capacity.existing.utilisation", 1.0)
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
    class_size: dict[str, ClassSize] = Field(default_factory=dict)
    m2_per_seat: dict[str, FloorArea] = Field(default_factory=dict)
    m2_per_seat_assumption: str = ""
    mixed_school_shares: dict[str, dict[str, Share]] = Field(default_factory=dict)
    school_classes: dict[str, SchoolClasses] = Field(default_factory=dict)
    lead_time_years: dict[str, LeadTime] = Field(default_factory=dict)

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
    dataset: str = Field(pattern=r"\S")  # not empty: '' would resolve to the current folder
    until: int = Field(default=2025, ge=1900, le=2200)
    max_horizon: int = Field(default=30, ge=1, le=200)  # until may be at most base year + this
    draws: int = Field(default=1000, ge=1, le=100_000)
    seed: int = _within("seed", 1)
    model: ModelSettings = Field(default_factory=ModelSettings)
    capacity: CapacitySettings = Field(default_factory=CapacitySettings)
    backtest: BacktestSettings = Field(default_factory=BacktestSettings)
    scenarios: dict[str, Scenario] = Field(default_factory=lambda: {"baseline": Scenario()})
    default_scenario: str = "baseline"
    source: Path | None = Field(default=None, exclude=True, strict=False)
    # ``forecast plan`` only; excluded from the dump, so a run's fingerprint and run.json
    # stay as they were (a plan reads a finished run, it does not change it)
    plan: PlanSettings = Field(default_factory=PlanSettings, exclude=True)

    _follows_data: bool = PrivateAttr(default=False)

    @property
    def until_follows_data(self) -> bool:
        """True for the settings applied to another dataset (``--data``): their ``until`` was
        written for their own dataset (see ``forecast.data.inputs.bounds.resolve_until``)."""
        return self._follows_data

    def for_dataset(self, folder: Path) -> RunConfig:
        """These settings' baseline scenario (else the default one) on the dataset ``folder``."""
        baseline = self.scenarios.get("baseline", self.scenarios[self.default_scenario])
        copy = self.model_copy(update={"dataset": str(Path(folder).resolve()),
                                       "scenarios": {"baseline": baseline},
                                       "default_scenario": "baseline"})
        copy._follows_data = True
        return copy

    def dataset_path(self) -> Path:
        """The dataset folder, relative paths taken from the config file's folder first."""
        from forecast.data.catalog import resolve_dataset

        path = Path(self.dataset)
        if not path.is_absolute() and self.source is not None:
            beside = (self.source.parent / path)
            if beside.is_dir():
                return beside
        return resolve_dataset(path)


class ConfigError(UserInputError):
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
        raise ConfigError("\n".join(_error_lines(file, exc))) from exc
    if config.default_scenario not in config.scenarios:
        raise ConfigError(f"{file}, key default_scenario: '{config.default_scenario}' is not "
                          f"one of the scenarios ({', '.join(config.scenarios)})")
    return config.model_copy(update={"source": file})


_UNION_TAG = re.compile(r"^(constrained-\w+|float|int|str|bool|(dict|list|function-\w+)\[.*\])$")
_MESSAGES = {
    "finite_number": "must be a finite number (NaN and infinity are refused)",
    "string_pattern_mismatch": "is empty; give a dataset folder or a shipped dataset name",
}


def _error_lines(file: Path, exc: ValidationError) -> list[str]:
    """One line per config key at fault (a value a union refused on every branch, such as a
    multiplier that is neither a number nor a mapping, gives the first branch's reason)."""
    from forecast.common.errors import printable

    lines: dict[str, str] = {}
    for e in exc.errors():
        # union branches appear in the location as type names ("constrained-float", "dict[...]")
        key = ".".join(str(p) for p in e["loc"] if not (isinstance(p, str) and _UNION_TAG.match(p)))
        if key in lines:
            continue
        got = e.get("input")
        shown = f" (got {printable(repr(got))})" if isinstance(got, str | int | float) else ""
        lines[key] = f"{file}, key {key}: {_MESSAGES.get(e['type'], e['msg'])}{shown}"
    # a union's other branch failing at the parent key says less than the deeper one
    return [line for key, line in lines.items() if not any(k.startswith(f"{key}.") for k in lines)]


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
        # the checks the projection would make only once it runs (forecast.models.grades)
        entered = sorted({lv.name for lv in system.levels if lv.intake == "transition"}
                         | {lv.track for lv in system.levels if lv.track})
        problems += [f"{where}, key scenarios.{name}.transition.{key}: not a level entered by "
                     f"transition in the {system.name} school system (use one of "
                     f"{', '.join(entered) or 'none'})" for key in scenario.transition if key not in entered]
        if scenario.general_share is not None and not any(lv.track for lv in system.levels):
            problems.append(f"{where}, key scenarios.{name}.general_share: needs parallel tracks "
                            f"(e.g. senior general and vocational); the {system.name} school "
                            "system has none")
    return problems
