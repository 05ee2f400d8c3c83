"""The one-call Python API: ``forecast.run(...)`` returns the run's tables.

Works from any folder: datasets and configs may be given by shipped name (``"banan"``,
``"conghua"``), by path to a folder, or by path to an Excel workbook.

    import forecast
    result = forecast.run("banan", until=2030, draws=500)
    result.projections        # area x level x grade x year x scenario: mean, p10, p50, p90
    result.shortfall          # demand against seats by year (base year included)
    result.spells             # shortfall_summary: first/last/peak year and what to build
    result.scheduler          # the construction scheduler's document (dict)
    plan = forecast.plan(config="banan", until=2030)   # the build plan (docs/planning.md)
"""

from __future__ import annotations

from pathlib import Path

from forecast.common.errors import OptionError
from forecast.data import config as configuration
from forecast.data.config import RunConfig
from forecast.models.registry import ALL as MODEL_NAMES


def load_config(path: str | Path) -> RunConfig:
    """Read and check a run configuration (a shipped name or a YAML path); ``backtest.models``
    is checked against the models' registry. Raises ``ConfigError`` naming file and key."""
    return configuration.load_config(path, models=MODEL_NAMES)


def configure(config: str | Path | None = None, data: str | Path | None = None) -> RunConfig:
    """The run configuration: ``config`` (a shipped name or a YAML path; default: the
    shipped default), or its baseline settings applied to the dataset ``data``."""
    from forecast.data.catalog import resolve_dataset

    settings = load_config(config or "default")
    if data is None:
        return settings
    folder = resolve_dataset(data)
    workbook = folder.suffix.lower() in (".xlsx", ".xlsm") and folder.is_file()
    if not folder.is_dir() and not workbook:
        raise OptionError(f"{data}: no such dataset folder (or .xlsx workbook), nor a shipped dataset")
    return settings.for_dataset(folder)


def run(data: str | Path | None = None, *, config: str | Path | None = None,
        scenarios: list[str] | None = None, until: int | None = None, draws: int | None = None,
        seed: int | None = None, method: str | None = None, area: str | None = None,
        out: str | Path | None = None, lang: str | None = None):
    """Project, compare with the seats and return a ``pipeline.RunResult``.

    ``data``: a dataset (shipped name, folder or workbook) run with the default settings;
    ``config``: a run configuration (shipped name or YAML) instead; ``area``: keep only that
    area and the areas below it in the returned tables; ``out``: also write every output
    file and the report there (``lang``: its language, default the dataset's).
    """
    from forecast.data.area_filter import within
    from forecast.pipeline import run as run_pipeline
    from forecast.pipeline import write_outputs

    settings = configure(config, data)
    if out is not None:
        from forecast.outputs.rundir import check_out

        check_out(out)  # before computing: RunFolderError when the folder cannot take the run
    result = run_pipeline(settings, scenarios, draws=draws, seed=seed, until=until, method=method)
    if out is not None:
        from forecast.report import read_outputs, write_report
        from forecast.report.labels import language_of

        def report(folder: Path) -> list[Path]:  # written into the run folder before it is swapped in
            if not len(result.projections):
                return []
            return write_report(read_outputs(folder, result.dataset), lang or language_of(result.dataset.meta))[0]

        write_outputs(result, Path(out), settings, report)
    if area:
        areas = result.dataset.areas
        for name in ("projections", "shortfall", "spells", "plan_check"):
            setattr(result, name, within(getattr(result, name), areas, area))
    return result


def load_dataset(name_or_path: str | Path):
    """A validated ``Dataset`` from a shipped name (``"banan"``), a folder or a workbook."""
    from forecast.data.catalog import resolve_dataset
    from forecast.data.dataset import load_dataset as load

    return load(resolve_dataset(name_or_path))


def plan(data: str | Path | None = None, *, config: str | Path | None = None, out: str | Path | None = None,
         risk: float | None = None, budget: float | None = None, until: int | None = None,
         scenario: str | None = None, lang: str | None = None):
    """The build plan (``forecast plan``): the cheapest set and timing of builds keeping
    P(demand > seats) <= ``risk`` in every finest area x level x year. Returns a
    ``forecast.planning.from_run.PlanResult`` (build_plan, plan_risk, rules, costs, section,
    summary). ``out``: reuse the run there when it matches (else run it and write it), and
    write the plan files into it; without ``out`` the run is made in memory."""
    settings = configure(config, data)
    if out is not None:
        return plan_in_folder(settings, Path(out), risk=risk, budget=budget, until=until,
                              scenario=scenario, lang=lang)[0]
    from forecast.pipeline import run as run_pipeline
    from forecast.pipeline import standards_for
    from forecast.planning.from_run import plan_of, settings_for

    name = scenario or settings.default_scenario
    result = run_pipeline(settings, [name], until=until)
    totals = result.projections[result.projections["grade"] == ""]
    return plan_of(settings_for(settings, risk, budget), result.dataset, totals, result.shortfall,
                   result.capacity, standards_for(settings), until or settings.until, settings.seed,
                   result.run_id, name, _where(settings))


def plan_in_folder(settings: RunConfig, out: Path, *, risk: float | None = None, budget: float | None = None,
                   until: int | None = None, scenario: str | None = None, lang: str | None = None,
                   report: bool = True, say=None):
    """Plan on the run in ``out`` (run first, with its report, when none matches) and write
    the plan files into it; returns the PlanResult and the paths written. ``report``: write
    the report with a new run, and rebuild an existing one with the plan section."""
    from forecast.data.dataset import load_dataset
    from forecast.outputs import update_run
    from forecast.outputs.plan_files import write_plan
    from forecast.pipeline import previous_outputs, standards_for
    from forecast.planning.capacity import build_capacity
    from forecast.planning.from_run import plan_of, read_run, settings_for
    from forecast.report.labels import language_of

    say = say or (lambda _message: None)
    name = scenario or settings.default_scenario
    if name not in settings.scenarios:
        raise ValueError(f"--scenario {name}: not a scenario of the config ({', '.join(settings.scenarios)})")
    horizon = until or settings.until
    dataset = load_dataset(settings.dataset_path())
    from forecast.planning.from_run import check_inputs

    check_inputs(settings_for(settings, risk, budget), dataset, standards_for(settings), _where(settings))
    lang = lang or language_of(dataset.meta)
    previous = previous_outputs(out, settings, [name], horizon)
    if previous is None:
        say(f"no run in {out} matches this config, data, scenario and horizon {horizon}: running it")
        from forecast.pipeline import run as run_pipeline
        from forecast.pipeline import write_outputs

        result = run_pipeline(settings, [name], until=horizon)
        write_outputs(result, out, settings)  # the report is written once, below, with the plan in it
        run_id = result.run_id
        fresh = True
    else:
        fresh = False
        run_id = previous[1].get("run_id", "")
        say(f"reading run {run_id} in {out} (same config, data, scenario and horizon {horizon})")
    totals, shortfall = read_run(out, name)
    standards = standards_for(settings)
    capacity = build_capacity(dataset, settings.capacity, standards, horizon)
    result = plan_of(settings_for(settings, risk, budget), dataset, totals, shortfall, capacity, standards,
                     horizon, settings.seed, run_id, name, _where(settings))
    with update_run(out) as folder:
        written = write_plan(folder, result.plan, run_id, name)
        if report and (fresh or (folder / "report.html").is_file()):
            from forecast.report import read_outputs, write_report

            written += write_report(read_outputs(folder, dataset), lang)[0]
        written = [out / p.relative_to(folder) for p in written]
    return result, written


def _where(settings: RunConfig) -> str:
    return str(settings.source) if settings.source else "config"
