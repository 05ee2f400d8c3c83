"""One run, end to end: load the dataset, count the seats, fit the cohort model once,
project each scenario, compare with the plan's targets and with the seats, and write the
outputs (tables, scheduler export, run record)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from forecast.common.errors import OptionError, UserInputError
from forecast.common.files import atomic_write_csv, atomic_write_text, atomic_write_with
from forecast.common.jsonsafe import json_safe
from forecast.common.memory import give_back
from forecast.common.version import __version__
from forecast.data.config import ConfigError, RunConfig, level_key_problems
from forecast.data.dataset import Dataset, load_dataset
from forecast.data.inputs.bounds import check_projection, check_run_size, resolve_until
from forecast.data.standards import Standards, class_size_assumptions, standards_for
from forecast.data.system import split_group
from forecast.engine.run import Engine
from forecast.evidence import step as evidence_step
from forecast.evidence.backtest import Backtest, accuracy, parse_origins, run_backtest
from forecast.evidence.ensemble import Ensemble, apply_to_projection, build_ensemble
from forecast.evidence.stream import EvidenceSink
from forecast.models.projection import COLUMNS, CohortFlow
from forecast.models.registry import own_series_totals
from forecast.outputs.spool import ProjectionSpool
from forecast.outputs.tables import csv_encoding
from forecast.planning import scheduler_export as export
from forecast.planning.capacity import Capacity, build_capacity
from forecast.planning.classes import classes_table
from forecast.planning.coverage import birth_driven_coverage
from forecast.planning.shortfall import class_size_check
from forecast.planning.spells import shortfall_table, summarise

# Written as Parquet with ``--format parquet``: the tables that grow with areas x years x grades.
PARQUET_TABLES = ("projections.csv", "shortfall.csv", "classes.csv")


@dataclass
class RunResult:
    dataset: Dataset
    projections: pd.DataFrame
    plan_check: pd.DataFrame
    implied_migration: pd.DataFrame
    assumptions: list[str] = field(default_factory=list)
    capacity: Capacity | None = None
    shortfall: pd.DataFrame = field(default_factory=pd.DataFrame)
    class_sizes: pd.DataFrame = field(default_factory=pd.DataFrame)
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    ensemble: dict = field(default_factory=dict)
    backtest: Backtest | None = None
    accuracy: pd.DataFrame = field(default_factory=pd.DataFrame)
    scheduler: dict = field(default_factory=dict)
    run_id: str = ""
    inputs_id: str = ""
    notes: list[str] = field(default_factory=list)
    entry_methods: pd.DataFrame = field(default_factory=pd.DataFrame)
    refusals: pd.DataFrame = field(default_factory=pd.DataFrame)
    classes: pd.DataFrame = field(default_factory=pd.DataFrame)
    spells: pd.DataFrame = field(default_factory=pd.DataFrame)  # shortfall_summary.csv
    # With ``stream``: every projection row is on disk here; ``projections`` holds the totals.
    spool: ProjectionSpool | None = None


@dataclass(frozen=True)
class Asked:
    """What one run is asked for, the config's values filled in where the caller gave none."""

    scenarios: list[str]
    until: int
    draws: int
    seed: int
    method: str
    notes: list[str] = field(default_factory=list)  # what the run says about the asking


@dataclass
class Projected:
    """Every scenario's projection, with what the fit and the choice of forecast said."""

    frames: list[pd.DataFrame] = field(default_factory=list)
    implied: list[pd.DataFrame] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    entry_methods: pd.DataFrame = field(default_factory=pd.DataFrame)
    refusals: pd.DataFrame = field(default_factory=pd.DataFrame)
    choice: dict = field(default_factory=dict)  # run.json's ensemble / evidence record
    backtest: Backtest | None = None
    accuracy: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class Compared:
    """Demand against seats: the projections, the shortfall by year, classes and spells."""

    projections: pd.DataFrame
    shortfall: pd.DataFrame
    classes: pd.DataFrame


def run(config: RunConfig, scenarios: list[str] | None = None, *, draws: int | None = None,
        seed: int | None = None, until: int | None = None, method: str | None = None,
        progress=None, engine: Engine | None = None, grades: bool = True,
        stream: bool = False) -> RunResult:
    """Project every requested scenario of ``config`` (default: its default scenario) and
    compare the demand with the seats. ``method``: ``cohort`` or ``auto`` (the
    backtest-weighted ensemble) or ``evidence`` (the evidence-chosen forecast with empirical
    intervals, ``forecast.evidence.step``); default: the config's ``model.method``. ``engine``: where
    chunks are projected (forecast.engine.run; default: threads in this process).
    ``grades=False``: projections keep level totals only (grade means still feed the classes
    needed in the shortfall; grade quantiles are not computed). ``stream``: each chunk's rows
    go to disk as it is projected (forecast.outputs.spool); ``projections`` keeps the level
    totals, so memory is bounded by the chunk size.

    The story of a run: load -> seats -> fit and choose -> project -> compare -> plan; the
    caller writes (``write_outputs``)."""
    dataset = load(config)
    asked = ask(config, dataset, scenarios, until, draws, seed, method, stream)
    standards = standards_for(config)
    capacity = count_seats(dataset, config, standards, asked.until)
    spool = ProjectionSpool(standards, COLUMNS) if stream else None
    projected = fit_and_project(dataset, config, asked, capacity, engine, grades, spool, progress)
    compared = compare(projected, dataset, capacity, standards, spool, grades)
    all_assumptions = (assumptions(dataset, config, asked.scenarios) + capacity.assumptions
                       + class_size_assumptions(standards, dataset.system.level_names))
    inputs = inputs_id(config)
    run_id = export.fingerprint(json.dumps({"inputs": inputs, "scenarios": asked.scenarios,
                                            "draws": asked.draws, "seed": asked.seed,
                                            "until": asked.until}, sort_keys=True))
    records, scheduler = plan(compared, dataset, capacity, standards, asked, run_id, all_assumptions)
    demand = bool(projected.frames)
    return RunResult(
        dataset=dataset, projections=compared.projections,
        plan_check=plan_check(compared.projections, dataset),
        implied_migration=pd.concat(projected.implied, ignore_index=True) if projected.implied
        else pd.DataFrame(),
        assumptions=all_assumptions, capacity=capacity, shortfall=compared.shortfall,
        class_sizes=class_size_check(dataset, standards),
        coverage=pd.DataFrame() if demand else birth_driven_coverage(dataset, capacity, asked.until),
        ensemble=projected.choice, backtest=projected.backtest, accuracy=projected.accuracy,
        scheduler=scheduler, run_id=run_id, inputs_id=inputs, notes=projected.notes,
        entry_methods=projected.entry_methods, refusals=projected.refusals,
        classes=compared.classes,
        spells=summarise(compared.shortfall, dataset, capacity, standards, records) if demand
        else pd.DataFrame(),
        spool=spool)


def load(config: RunConfig) -> Dataset:
    """The config's dataset, validated, with the config's level keys checked against its
    school system (ConfigError naming each key)."""
    dataset = load_dataset(config.dataset_path())
    give_back()  # the reader's buffers (memory at scale: forecast.common.memory)
    problems = level_key_problems(config, dataset.system)
    if problems:
        raise ConfigError("\n".join(problems))
    return dataset


def ask(config: RunConfig, dataset: Dataset, scenarios: list[str] | None, until: int | None,
        draws: int | None, seed: int | None, method: str | None, stream: bool) -> Asked:
    """The run's scenarios, horizon, draws, seed and method; refused (ValueError) before any
    work when a scenario is unknown, the run too large or the method cannot stream."""
    names = scenarios or [config.default_scenario]
    unknown = [n for n in names if n not in config.scenarios]
    if unknown:
        raise OptionError(f"unknown scenario(s) {', '.join(unknown)}; the config defines "
                          f"{', '.join(config.scenarios)}")
    until, given, until_note = resolve_until(config, dataset.base_year, until)
    asked = Asked(scenarios=names, until=until,
                  draws=config.draws if draws is None else draws,
                  seed=config.seed if seed is None else seed,
                  method=method or config.model.method,
                  notes=[until_note] if until_note else [])
    check_run_size(dataset, config, asked.until, asked.draws, len(names), given)
    if stream and asked.method == "auto":
        raise OptionError("--stream works with the cohort model only (the auto ensemble re-weights "
                          "whole projections in memory); use --model cohort or drop --stream")
    return asked


def count_seats(dataset: Dataset, config: RunConfig, standards: Standards, until: int) -> Capacity:
    """Seats by area x level x year: the base year's plus the projects opened by each year."""
    return build_capacity(dataset, config.capacity, standards, until)


def fit_and_project(dataset: Dataset, config: RunConfig, asked: Asked, capacity: Capacity,
                    engine: Engine | None, grades: bool, spool: ProjectionSpool | None,
                    progress) -> Projected:
    """Fit the cohort flow once, prepare the chosen forecast (the evidence step, or the
    ``auto`` ensemble), and project every scenario with it."""
    seats = capacity.seats_lookup() if len(capacity.rolled) else None
    out = Projected(notes=list(asked.notes))
    has_demand = len(dataset.enrolment) > 0
    evidence = _auto_evidence(dataset, config, asked.seed, out.notes) \
        if asked.method == "auto" and has_demand else None
    chosen = evidence_step.prepare(dataset, config, asked.seed) \
        if asked.method == "evidence" and has_demand else None
    chosen_record: dict = {}
    if not has_demand:
        out.notes.append(f"{dataset.name} has no enrolment.csv: demand cannot be projected, so no "
                         "seat deficit is computed; coverage.csv shows what the planned seats cover "
                         "against birth-driven change")
    else:
        fitted = CohortFlow(config.model).fit(dataset)
        out.entry_methods, out.refusals = fitted.entry_methods, fitted.refusals
        streamed = {}  # streamed: the chosen forecasts, made while the grade rows are still here
        if chosen is not None and spool is not None:
            streamed = {name: evidence_step.scenario_choice(chosen, dataset, config, name, asked.until,
                                                            asked.seed, fitted) for name in asked.scenarios}
        if spool is not None:  # streamed: projecting and the rest read level totals only
            dataset.keep_level_totals_only()  # (classes.csv, which needs grades, is not written)
            give_back()
        out.notes += entry_notes(out.entry_methods, out.refusals)
        for name in asked.scenarios:
            sink, record = spool, None
            if name in streamed:  # applied chunk by chunk, on the way to disk
                forecast, record = streamed[name]
                if forecast is not None:
                    sink = EvidenceSink(spool, forecast, dataset, name, seats)
            frame = fitted.project(asked.until, config.scenarios[name], asked.draws, asked.seed,
                                   scenario_name=name, seats=seats, engine=engine, grades=grades,
                                   sink=sink)
            if evidence is not None:
                frame = _with_ensemble(frame, evidence[0], dataset, config, name, asked.until,
                                       asked.seed, seats)
            if chosen is not None and record is None:
                frame, record = evidence_step.apply(frame, chosen, dataset, config, name, asked.until,
                                                    asked.seed, seats, fitted)
            if chosen is not None:
                if record["levels"] or not chosen_record:
                    chosen_record = {**record, "scenarios": chosen_record.get("scenarios", {})}
                chosen_record["scenarios"][name] = record["levels"] or record["why"]
            out.frames.append(frame)
            if len(fitted.implied_migration):
                out.implied.append(fitted.implied_migration)
                fitted.implied_migration = pd.DataFrame()
            if progress:
                progress(name)
        del fitted  # its per-area arrays are not needed past the projection (memory at scale)
        give_back()
    out.choice = chosen_record or _ensemble_record(evidence)
    if evidence is not None:
        out.backtest, out.accuracy = evidence[1], evidence[2]
    return out


def compare(projected: Projected, dataset: Dataset, capacity: Capacity, standards: Standards,
            spool: ProjectionSpool | None, grades: bool) -> Compared:
    """Demand against seats by year (the shortfall table) and classes needed by grade."""
    frames = projected.frames
    projections = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    check_projection(projections)
    classes = spool.classes() if spool is not None else None
    shortfall = shortfall_table(projections, dataset, capacity, standards, classes) if frames \
        else pd.DataFrame()
    projections = projections[COLUMNS]
    give_back()
    # classes.csv needs every grade row: from memory (before --no-grades drops them), never
    # from the level totals a streamed run keeps (it would silently count classes by level)
    class_table = classes_table(projections, dataset, standards) if frames and spool is None \
        else pd.DataFrame()
    if spool is not None and frames:
        projected.notes.append("classes.csv is not written with --stream (it needs every grade row "
                               "in memory); the shortfall's classes_needed is computed chunk by chunk")
    if not grades:
        projections = projections[projections["grade"] == ""].reset_index(drop=True)
    return Compared(projections=projections, shortfall=shortfall, classes=class_table)


def plan(compared: Compared, dataset: Dataset, capacity: Capacity, standards: Standards,
         asked: Asked, run_id: str, all_assumptions: list[str]) -> tuple[list[dict], dict]:
    """The construction scheduler's records (what to build, where, how big, by when) and
    the versioned document that carries them."""
    shortfall = compared.shortfall
    records = export.records(shortfall, capacity, standards, dataset) if len(shortfall) else []
    scheduler = export.document(records, run=run_id, dataset=dataset, until=asked.until,
                                scenarios=asked.scenarios, sources=sources(dataset),
                                assumptions=all_assumptions)
    return records, scheduler


def entry_notes(methods: pd.DataFrame, refusals: pd.DataFrame) -> list[str]:
    """What the run says about how entry grades were projected and what it refused."""
    notes = []
    if len(methods):
        counts = methods.groupby(["level", "grade", "method"], sort=False).size()
        text = "; ".join(f"{f'{lv} {g}'.strip()}: {m} ({n} area{'s' if n > 1 else ''})"
                         for (lv, g, m), n in counts.items())
        notes.append(f"entry grades projected by {text} (entry_methods.csv)")
    refused = refusals[refusals["status"] == "refused"] if len(refusals) else refusals
    if len(refused):
        first = refused.iloc[0]
        notes.append(f"{len(refused)} area x grade(s) taught in the base year could not be projected "
                     f"and are left out, with the reason, in refusals.csv (e.g. {first['area']} "
                     f"{first['level']} {first['grade']}: {first['reason']}); their parents say "
                     "complete = false")
    limited = refusals[refusals["status"] != "refused"] if len(refusals) else refusals
    if len(limited):
        notes.append(f"{len(limited)} area x grade ratio(s) borrowed from other areas or limited to "
                     "the range of all areas' (refusals.csv, status column)")
    return notes


def _auto_evidence(dataset: Dataset, config: RunConfig, seed: int, notes: list[str]):
    """Backtest the dataset with the config's settings and build the ensemble from it
    (None, with a note, when the data allow no backtest: the cohort flow is then used)."""
    b = config.backtest
    try:
        origins = parse_origins(b.origins, dataset)
    except UserInputError as exc:
        notes.append(f"--model auto: no backtest possible ({exc}); the cohort flow is used")
        return None
    test = run_backtest(dataset, origins, b.horizon, b.models, config.model, seed, b.draws)
    ensemble = build_ensemble(test)
    notes += [f"--model auto, {line}" for line in ensemble.notes]
    return ensemble, test, accuracy(test, dataset)


def _with_ensemble(frame: pd.DataFrame, ensemble: Ensemble, dataset: Dataset, config: RunConfig,
                   name: str, until: int, seed: int, seats: pd.Series | None) -> pd.DataFrame:
    """The scenario's projection with each level total replaced by the ensemble."""
    if ensemble.weights.empty:
        return frame
    cohort = own_series_totals(frame, dataset)
    combined = ensemble.forecast(dataset, until, config.scenarios[name].births, config.model, seed,
                                 config.backtest.draws, given={"cohort": cohort})
    return apply_to_projection(frame, combined, dataset, name, seats)


def _ensemble_record(evidence) -> dict:
    if evidence is None:
        return {}
    ensemble, test, _ = evidence
    return {"method": "auto", "origins": test.origins, "horizon": test.horizon,
            "levels": ensemble.describe(), "notes": ensemble.notes}


def inputs_id(config: RunConfig) -> str:
    """Fingerprint of a config and its dataset's files: outputs written for the same id can be
    read back instead of re-running (``forecast shortfall``, ``forecast export``)."""
    return export.fingerprint(json.dumps(config.model_dump(mode="json"), sort_keys=True),
                              config.dataset_path())


def previous_outputs(out: Path, config: RunConfig, scenarios: list[str] | None = None,
                     until: int | None = None) -> tuple[pd.DataFrame, dict] | None:
    """The shortfall table and run record in ``out`` when that run matches what is asked: the
    same config and data (``inputs_id``), horizon (``until``) and the asked scenarios (default:
    the config's default), with shortfall.csv as the manifest lists it. None otherwise (then
    the caller runs). ``until``: the horizon asked for when not the config's (``--until``)."""
    from forecast.outputs.manifest import verify
    from forecast.outputs.rundir import recover
    from forecast.outputs.tables import read_table

    recover(out)
    record, table = out / "run.json", out / "shortfall.csv"
    if not (record.is_file() and table.is_file()) or verify(out, ("shortfall.csv",)) is not None:
        return None
    try:
        meta = json.loads(record.read_text(encoding="utf-8"))
    except ValueError:
        return None
    asked = set(scenarios or [config.default_scenario])
    expected = until or resolve_until(config, meta.get("base_year") or 0)[0]
    if (meta.get("inputs_id") != inputs_id(config) or meta.get("until") != expected
            or not asked <= set(meta.get("scenarios") or [])):
        return None
    return read_table(table), meta


def sources(dataset: Dataset) -> list[str]:
    """Where the run's numbers come from: the dataset's sources and the standards tables."""
    listed = dataset.meta.get("sources") or []
    return [str(s) for s in listed] + [
        "data/standards: class_size.csv, large_class_targets.csv, school_sizes.csv, "
        "floor_area_per_seat.csv, lead_times.csv (each row cites its source)"]


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


def write_outputs(result: RunResult, out: Path, config: RunConfig,
                  extra: Callable[[Path], list[Path]] | None = None, fmt: str = "csv") -> list[Path]:
    """Write every table of the run, the scheduler export (JSON), run.json with its manifest
    and whatever ``extra`` writes (the report) into a temporary folder, then swap it in as
    ``out`` (see forecast.outputs.rundir): ``out`` always holds one complete run. ``fmt``
    ``parquet``: the big tables (projections, shortfall, classes) as Parquet, same names
    otherwise."""
    from forecast.outputs import run_folder

    with run_folder(out) as folder:
        written = _write_tables(result, folder, config, fmt)
        if extra is not None:
            written += extra(folder)
    return [Path(out) / p.relative_to(folder) for p in written]


def _write_tables(result: RunResult, out: Path, config: RunConfig, fmt: str = "csv") -> list[Path]:
    tables = [("projections.csv", result.projections, 1), ("plan_check.csv", result.plan_check, 1),
              ("implied_migration.csv", result.implied_migration, 4),
              ("shortfall.csv", result.shortfall, 3), ("shortfall_summary.csv", result.spells, 1),
              ("class_size_check.csv", result.class_sizes, 2),
              ("coverage.csv", result.coverage, 2), ("accuracy.csv", result.accuracy, 3),
              ("entry_methods.csv", result.entry_methods, 1), ("refusals.csv", result.refusals, 1),
              ("classes.csv", result.classes, 1)]
    if result.backtest is not None:
        tables.append(("backtest.csv", result.backtest.table, 3))
    if result.capacity is not None:
        tables += [("capacity.csv", result.capacity.rolled, 1),
                   ("capacity_items.csv", result.capacity.items, 1)]
    written = []
    encoding = csv_encoding(result.dataset.meta)  # a Chinese dataset's CSVs open in Chinese Excel
    for name, frame, decimals in tables:
        if name == "projections.csv" and result.spool is not None:  # streamed: copy chunk by chunk
            written.append(result.spool.write_parquet(out / "projections.parquet") if fmt == "parquet"
                           else result.spool.write_csv(out / name, decimals, encoding))
        elif name in PARQUET_TABLES and fmt == "parquet" and (len(frame) or name != "classes.csv"):
            path = out / name.replace(".csv", ".parquet")
            atomic_write_with(path, lambda tmp, f=frame: f.to_parquet(tmp, index=False))
            written.append(path)
        elif len(frame) or name == "projections.csv":
            atomic_write_csv(out / name, frame, decimals=decimals, encoding=encoding)
            written.append(out / name)
    if result.scheduler:
        written.append(export.write(result.scheduler, out, "json"))
    if result.dataset.boundaries is not None and len(result.spells):  # the summary on a map, for GIS
        from forecast.outputs.geojson import write_shortfall_map

        written.append(write_shortfall_map(out, result.spells, result.dataset.boundaries))
    meta = {"forecast_version": __version__, "run_id": result.run_id, "inputs_id": result.inputs_id,
            "until": result.scheduler.get("until"), "scenarios": result.scheduler.get("scenarios"),
            "sources": result.scheduler.get("sources"),
            "dataset": str(result.dataset.name), "base_year": result.dataset.base_year,
            "config_file": str(config.source) if config.source else None,
            "config": config.model_dump(mode="json"), "assumptions": result.assumptions,
            "projection_method": result.ensemble.get("method", "cohort"), "ensemble": result.ensemble,
            "school_system": result.dataset.system.describe(),
            "entry_methods": _entry_summary(result.entry_methods),
            "refused": int((result.refusals["status"] == "refused").sum()) if len(result.refusals) else 0,
            "evidence": result.ensemble if result.ensemble.get("method") == "evidence" else {},
            "notes": result.notes,
            "input_warnings": [str(w) for w in result.dataset.warnings]}
    meta["interval_statement"] = interval_statement(result)
    meta["sub_class_shortfalls"] = sub_class_counts(result)
    path = out / "run.json"
    atomic_write_text(path, json.dumps(json_safe(meta), ensure_ascii=False, indent=2) + "\n")
    written.append(path)
    return written


def interval_statement(result: RunResult) -> dict:
    """Where the run's intervals come from and how well such intervals held, in every
    language, with the coverage it quotes: run.json's ``interval_statement``, printed by the
    terminal and shown by report.html and report.xlsx (``forecast.report.honesty``)."""
    from forecast.report.honesty import statement_record

    method = result.ensemble.get("method", "cohort")
    meta = {"projection_method": method, **({"evidence": result.ensemble} if method == "evidence" else {})}
    return statement_record(meta, result.accuracy)


def sub_class_counts(result: RunResult) -> dict:
    """Per scenario, the finest area-levels short at P90 by less than one class only: not
    short years, so not in the spells or the scheduler export; counted here."""
    from forecast.planning.spells import sub_class_shortfalls

    if result.shortfall.empty:
        return {}
    counts = sub_class_shortfalls(result.shortfall, result.dataset)
    return {str(r.scenario): {"area_levels": int(r.area_levels),
                              "largest_deficit_p90": round(float(r.largest_deficit_p90), 1)}
            for r in counts.itertuples()}


def _entry_summary(methods: pd.DataFrame) -> list[dict]:
    """Counts of areas per level, grade and entry method, for run.json."""
    if methods.empty:
        return []
    counts = methods.groupby(["level", "grade", "method"], sort=False).size().reset_index(name="areas")
    return counts.to_dict(orient="records")


def summary_table(result: RunResult, area: str | None = None, lang: str = "en") -> str:
    """Level totals of the top area(s) (or of ``area`` and the areas below it) in the base
    year and the last year, per scenario. A parent without its own base-year figure shows the
    sum of its sub-areas (``Dataset.totals_in``)."""
    from forecast.data.area_filter import area_and_below
    from forecast.data.script import to_simplified
    from forecast.report.labels import column, level, pad, scenario_name, wants_simplified

    proj = result.projections[result.projections["grade"] == ""]
    areas = result.dataset.areas
    shown = area_and_below(areas, area) if area else areas[areas["parent"].isna()]["area"]
    proj = proj[proj["area"].isin(shown)]
    last = proj["year"].max()
    base = result.dataset.totals_in(result.dataset.base_year)
    lines = [f"{pad(column('area', lang), 10)} {pad(column('level', lang), 18)} {pad(column('scenario', lang), 16)} "
             f"{result.dataset.base_year:>10d} {last:>10d} {'p10':>10s} {'p90':>10s}"]
    order = {lv: i for i, lv in enumerate(result.dataset.system.level_names)}
    cells = proj[proj["year"] == last].sort_values(["area", "scenario"]).copy()
    cells = cells.assign(_o=cells["level"].map(order)).sort_values(["area", "_o", "scenario"])
    names = {}
    if lang == "zh" and "name" in areas:  # 巴南区, not banan (every CSV has the id)
        names = {a: to_simplified(str(n)) if wants_simplified(result.dataset.meta) else str(n)
                 for a, n in zip(areas["area"], areas["name"], strict=True) if isinstance(n, str) and n}
    for row in cells.itertuples():
        observed = base.get((row.area, row.level), float("nan"))
        shown_base = "-" if pd.isna(observed) else f"{observed:,.0f}"
        lines.append(f"{pad(names.get(row.area, row.area), 10)} {pad(level(row.level, lang), 18)} "
                     f"{pad(scenario_name(row.scenario, lang), 16)} {shown_base:>10s} "
                     f"{row.mean:>10,.0f} {row.p10:>10,.0f} {row.p90:>10,.0f}")
    return "\n".join(lines)
