"""The ``forecast`` command: a thin shell over the library.

Every command parses its options, calls the library and prints a summary. Input problems
(``forecast.common.errors.UserInputError`` and the environment's: a full disk, a read-only folder)
are printed one per line and the command exits 1; no Python traceback reaches the user. Any
other exception is a bug: one line says so, names the file the traceback was written to
(``forecast --debug`` prints it instead) and the command exits 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from forecast.data.catalog import list_datasets, resolve_dataset
from forecast.data.dataset import inspect_dataset


class InputError(click.ClickException):
    """A problem with the user's input: printed as one line, exit code 1."""

    exit_code = 1


class InternalError(click.ClickException):
    """A bug, not a user's mistake: one line saying so and where the traceback is, exit 2."""

    exit_code = 2

    def __init__(self, exc: BaseException, traceback_at: str) -> None:
        from forecast.common.errors import printable

        detail = printable(str(exc)).splitlines()[0] if str(exc) else ""
        super().__init__(f"{type(exc).__name__}: {detail} (a bug in forecast, not a problem with "
                         f"your input); please report it with the command that caused it and "
                         f"{traceback_at}")

    def show(self, file=None) -> None:
        click.echo(f"internal error: {self.format_message()}", err=True)


def _traceback_note(exc: BaseException, debug: bool) -> str:
    """Print the traceback (``--debug``) or write it to a private temporary file; say where."""
    import tempfile
    import traceback

    text = "".join(traceback.format_exception(exc))
    if debug:
        click.echo(text, err=True, nl=False)
        return "the traceback above"
    try:
        fd, name = tempfile.mkstemp(prefix="forecast-error-", suffix=".txt")
        with open(fd, "w", encoding="utf-8") as handle:
            handle.write(" ".join(sys.argv) + "\n\n" + text)
    except OSError:
        return "the traceback `forecast --debug ...` prints"
    return f"the traceback written to {name} (or rerun with `forecast --debug ...`)"


def _non_empty(ctx, param, value):
    """An option or argument naming a path must not be the empty string (``--out ''`` would
    write into the current folder, ``--data ''`` run the shipped default)."""
    if value is not None and not str(value).strip():
        raise click.BadParameter("is empty; give a path", ctx=ctx, param=param)
    return value


LANG = click.option("--lang", type=click.Choice(["en", "zh"]), default=None,
                    help="Language of labels and messages (default: the dataset's declared "
                         "`language:`, else en).")
SEED = click.IntRange(0, 2**63 - 1)  # numpy's generators take a non-negative seed
AREA = click.option("--area", "area", default=None,
                    help="Only this area (code or name) and the areas below it.")
WORKERS = click.option("--workers", type=click.IntRange(min=1, max=256), default=None,
                       help="Threads of the local engine (default: every core). Same outputs "
                            "byte for byte whatever the number.")


class _Commands(click.Group):
    """The command group; failures a user's input or environment causes (unreadable files,
    an unusable --out, ...) become InputError (one line, exit 1) in every command."""

    def invoke(self, ctx: click.Context):
        import warnings

        from forecast.outputs.errors import user_message

        debug = bool(ctx.params.get("debug"))
        try:
            with warnings.catch_warnings():
                if not debug:  # numpy's floating-point chatter is no message for a planner
                    warnings.simplefilter("ignore", RuntimeWarning)
                return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, BrokenPipeError):
            raise
        except Exception as exc:
            message = user_message(exc)
            if message is None:
                raise InternalError(exc, _traceback_note(exc, debug)) from exc
            raise InputError(message) from exc


@click.group(cls=_Commands)
@click.version_option(package_name="forecast")
@click.option("--debug", is_flag=True, help="On an internal error, print the traceback (and show "
              "numpy's runtime warnings).")
def cli(debug: bool) -> None:
    """Forecast school-enrolment demand and find where school places run short."""


@cli.command()
@click.argument("path", callback=_non_empty)
@LANG
def validate(path: str, lang) -> None:
    """Validate a dataset folder (or the dataset of a config file) and summarise it.

    PATH is a dataset folder, the name of a shipped dataset (e.g. banan) or a config YAML.
    Exits 0 when the dataset can be used, 1 listing every problem otherwise.
    """
    folder = _dataset_folder(path)
    dataset, problems = inspect_dataset(folder)
    if dataset is not None and Path(path).suffix in {".yaml", ".yml"}:
        problems += _config_problems(path, dataset)  # what `run` would refuse, found now
    from forecast.report.console import validate_lines
    from forecast.report.labels import text
    from forecast.report.problems_zh import count_line, problem_text

    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if errors or dataset is None:
        lang = _lang(lang, folder=folder)
        click.echo(count_line(folder, len(errors), lang), err=True)
        for problem in errors:
            click.echo(f"  {problem_text(problem, lang)}", err=True)
        for problem in warnings:
            click.echo(f"  {text('warning', lang)}: {problem_text(problem, lang)}", err=True)
        sys.exit(1)
    lang = _lang(lang, dataset=dataset)
    for line in validate_lines(dataset, lang):
        click.echo(line)
    if dataset.encodings:
        click.echo(f"  {text('encodings', lang)}: " + ", ".join(f"{f} {e}" for f, e in sorted(dataset.encodings.items())))
    refused = _readiness(dataset, lang)
    for problem in warnings:
        click.echo(f"  {text('warning', lang)}: {problem_text(problem, lang)}")
    for line in _assumed_class_sizes(path, dataset):
        click.echo(f"  {text('warning', lang)}: {line}")
    if refused:  # the model `run` fits refuses the data: exactly what `run` would say
        click.echo(f"{count_line(folder, 1, lang)}\n  {refused}", err=True)
        sys.exit(1)
    click.echo(text("valid", lang))


def _assumed_class_sizes(path: str, dataset) -> list[str]:
    """Levels a run would give the assumed class size (no standard, no config value)."""
    from forecast.data.config import load_config
    from forecast.data.standards import class_size_assumptions
    from forecast.pipeline import standards_for

    config = load_config(path if Path(path).suffix in {".yaml", ".yml"} else "default")
    return class_size_assumptions(standards_for(config), dataset.system.level_names)


def _config_problems(path: str, dataset) -> list:
    """What `run` would refuse in the config once the dataset is known, as problems: keys
    naming levels the dataset's school system lacks, and an ``until`` outside the horizon."""
    from forecast.api import load_config
    from forecast.common.errors import OptionError
    from forecast.data.config import level_key_problems
    from forecast.data.inputs.bounds import check_until, resolve_until
    from forecast.data.problems import Problem

    config = load_config(path)
    lines = level_key_problems(config, dataset.system)
    until, given, _ = resolve_until(config, dataset.base_year)
    try:
        check_until(until, dataset.base_year, config.max_horizon, given)
    except OptionError as exc:
        lines.append(str(exc))
    return [Problem(line.split(", key ", 1)[0], line.split(", key ", 1)[-1].split(": ", 1)[-1],
                    column=line.split(", key ", 1)[-1].split(":", 1)[0])
            for line in lines]


def _readiness(dataset, lang: str = "en") -> str | None:
    """What the models can do with the dataset, and how each entry grade will be projected
    (the model `run` fits, fitted here); the reason when the model refuses the data."""
    from forecast.common.errors import UserInputError
    from forecast.models.readiness import entry_plan
    from forecast.report.console import entry_text_lines, readiness_lines
    from forecast.report.labels import text

    click.echo(f"  {text('models', lang)}:")
    for line in readiness_lines(dataset, lang):
        click.echo(f"    {line}")
    if len(dataset.enrolment):
        try:
            methods, refusals = entry_plan(dataset)
        except UserInputError as exc:
            return f"the projection cannot be fitted: {exc}"
        click.echo(f"  {text('entry_heading', lang)}:")
        for line in entry_text_lines(methods, refusals, lang):
            click.echo(f"    {line}")
    return None


def _dataset_folder(path: str) -> Path:
    """A dataset folder from a folder, a shipped dataset name or a config file."""
    if Path(path).suffix in {".yaml", ".yml"}:
        from forecast.api import load_config
        from forecast.data.config import ConfigError

        try:
            return load_config(path).dataset_path()
        except ConfigError as exc:
            raise InputError(str(exc)) from exc
    return _existing_folder(path)


def _existing_folder(path: str) -> Path:
    """A dataset folder that exists: a path as given, or a shipped dataset for a bare name."""
    from forecast.data.catalog import is_bare_name

    folder = resolve_dataset(path)
    if folder.is_dir() or (folder.suffix.lower() in (".xlsx", ".xlsm") and folder.is_file()):
        return folder  # a folder, or one Excel workbook with a sheet per table
    if folder.exists():
        raise InputError(f"{path}: is a file, not a dataset folder (nor an .xlsx workbook)")
    hint = "see `forecast data list` for shipped datasets" if is_bare_name(path) else \
        "the path does not exist (shipped datasets are found by a bare name such as banan)"
    raise InputError(f"{path}: no such dataset folder ({hint})")


def _config_options(func):
    """--config and --data, shared by the commands that run or read a run."""
    func = click.option("--data", "data_dir", default=None, callback=_non_empty,
                        help="Run the default settings on this dataset folder instead.")(func)
    return click.option("--config", "config_path", default=None, callback=_non_empty,
                        help="Run configuration YAML (default: configs/default.yaml).")(func)


def _lang(lang: str | None, config=None, dataset=None, folder=None) -> str:
    """--lang, else the language the dataset declares, else English (``folder``: a dataset
    folder that may not load, whose dataset.yaml may still say its language)."""
    from forecast.report.labels import language_of

    if lang:
        return lang
    if dataset is not None:
        return language_of(dataset.meta)
    if config is not None or folder is not None:
        from forecast.data.inputs.meta import read_meta

        file = (config.dataset_path() if config is not None else Path(folder)) / "dataset.yaml"
        meta = read_meta(file)[0] if file.is_file() else {}
        return language_of(meta if isinstance(meta, dict) else {})
    return "en"


def _is_dataset(path: Path) -> bool:
    return path.is_dir() or (path.suffix.lower() in (".xlsx", ".xlsm") and path.is_file())


def _load(config_path: str | None, data_dir: str | None):
    """The run configuration the options describe (InputError when it cannot be used)."""
    from forecast.api import load_config
    from forecast.data.config import ConfigError

    try:
        config = load_config(config_path or "default")
    except ConfigError as exc:
        raise InputError(str(exc)) from exc
    if data_dir:
        config = config.for_dataset(_existing_folder(data_dir))
    elif not _is_dataset(config.dataset_path()):
        raise InputError(f"{config.source}, key dataset: '{config.dataset}' is not a dataset folder "
                         "(a path must exist; a bare name is a shipped dataset)")
    return config


def _run(config, names, out: Path, draws=None, seed=None, until=None, method=None, report=None,
         engine=None, grades=True, stream=False, fmt="csv"):
    """Run the pipeline and write every output (``report``: a language to write the report
    in, into the same run folder); input problems become InputError. ``engine``, ``grades``,
    ``stream``, ``fmt``: see docs/scale.md."""
    from forecast.common.errors import UserInputError
    from forecast.data.problems import DatasetError
    from forecast.outputs.rundir import check_out
    from forecast.pipeline import run as run_pipeline
    from forecast.pipeline import write_outputs

    check_out(out)  # before computing: a folder that cannot take the run fails in a second
    try:
        if names and len(names) > 1 and sys.stderr.isatty():  # a bar only where it can move
            with click.progressbar(length=len(names), label="scenarios", file=sys.stderr,
                                   show_pos=True) as bar:
                result = run_pipeline(config, names, draws=draws, seed=seed, until=until,
                                      method=method, progress=lambda _name: bar.update(1),
                                      engine=engine, grades=grades, stream=stream)
        else:
            result = run_pipeline(config, names, draws=draws, seed=seed, until=until, method=method,
                                  engine=engine, grades=grades, stream=stream)
    except DatasetError:
        raise  # the caller says it in the user's language (an InputError above this, else)
    except UserInputError as exc:
        raise InputError(str(exc)) from exc
    extra = None
    if report and len(result.projections):
        extra = lambda folder: _write_report(folder, report, result.dataset)  # noqa: E731
    from forecast.outputs.errors import naming

    try:
        with naming(out):
            return result, write_outputs(result, out, config, extra, fmt=fmt)
    finally:
        if result.spool is not None:
            result.spool.cleanup()


@cli.command()
@_config_options
@click.option("--scenario", "scenario", multiple=True, help="Scenario to run (repeatable; default: the config's default).")
@click.option("--all-scenarios", is_flag=True, help="Run every scenario of the config.")
@click.option("--out", "out_dir", default="out", show_default=True, callback=_non_empty,
              help="Output folder.")
@click.option("--seed", type=SEED, default=None, help="Random seed (default: the config's).")
@click.option("--draws", type=click.IntRange(1, 100_000), default=None, help="Monte Carlo draws (default: the config's).")
@click.option("--until", type=click.IntRange(1900, 2200), default=None,
              help="Last projected year, base year + 1 .. + max horizon (default: the config's, 2025).")
@click.option("--max-horizon", type=click.IntRange(1, 200), default=None,
              help="Allow --until this many years after the base year (default: the config's, 30).")
@click.option("--model", "method", type=click.Choice(["evidence", "cohort", "auto"]), default=None,
              help="evidence: the forecast the dataset's backtest favours, with empirical intervals "
                   "(default unless the config says otherwise); cohort: the plain cohort flow; auto: "
                   "the older backtest-weighted ensemble.")
@LANG
@AREA
@click.option("--no-report", is_flag=True, help="Skip report.xlsx, plots/ and report.html.")
@click.option("--engine", "engine_kind", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Where chunks are projected: threads here, or Dask workers "
              "(pip install 'forecast[dask]'; docs/scale.md). Same outputs byte for byte.")
@click.option("--scheduler", default=None, help="Dask scheduler address (default: a LocalCluster).")
@WORKERS
@click.option("--chunk", type=click.IntRange(min=1), default=None,
              help="Areas per chunk (default: the model's); chunks hold whole subtrees.")
@click.option("--grades/--no-grades", default=True, show_default=True,
              help="Write grade rows to projections.csv (--no-grades: level totals only, faster).")
@click.option("--stream", is_flag=True, help="Write projection rows chunk by chunk as they are "
              "projected (memory bounded by the chunk; rows in chunk order). docs/scale.md.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True,
              help="Format of the big tables (projections, shortfall, classes); parquet skips "
                   "the report.")
def run(config_path, data_dir, scenario, all_scenarios, out_dir, seed, draws, until, max_horizon,
        method, lang, area, no_report, engine_kind, scheduler, workers, chunk, grades, stream,
        fmt) -> None:
    """Project enrolment for every area, level and year, with intervals, and compare it with
    the seats.

    Writes OUT/projections.csv (area, level, grade, year, scenario, model, mean, p10, p50,
    p90), shortfall.csv, capacity.csv, capacity_items.csv, scheduler.json, plan_check.csv
    when the dataset has targets, run.json, and the report: report.xlsx, plots/*.png and
    report.html.
    """
    from forecast.data.area_filter import AreaError, within
    from forecast.pipeline import summary_table
    from forecast.report.labels import text
    from forecast.report.terminal import format_spells

    config = _load(config_path, data_dir)
    if max_horizon is not None:
        config = config.model_copy(update={"max_horizon": max_horizon})
    names = list(config.scenarios) if all_scenarios else list(scenario) or None
    lang = _lang(lang, config=config)
    from forecast.engine.run import Engine, cores

    if scheduler and engine_kind != "dask":
        raise InputError("--scheduler needs --engine dask")
    engine = Engine(engine_kind, workers or cores(), chunk, scheduler)
    if fmt == "parquet" and not no_report:
        click.echo("note: no report with --format parquet (the report reads the CSV tables)")
        no_report = True
    from forecast.data.problems import DatasetError
    from forecast.report.problems_zh import refusal_text

    try:
        result, written = _run(config, names, Path(out_dir), draws, seed, until, method,
                               report=None if no_report else lang, engine=engine, grades=grades,
                               stream=stream, fmt=fmt)
    except DatasetError as exc:  # in the dataset's language, like `validate`
        raise InputError(refusal_text(exc.problems, lang)) from exc
    from forecast.pipeline import interval_statement, sub_class_counts
    from forecast.report.console import coverage_lines, note_text
    from forecast.report.terminal import choice_line, headline

    try:
        spells = within(result.spells, result.dataset.areas, area)
    except AreaError as exc:
        raise InputError(str(exc)) from exc
    meta = {"assumptions": result.assumptions, "sub_class_shortfalls": sub_class_counts(result)}
    for line in headline(spells, meta, result.dataset.base_year, lang):
        click.echo(line)
    for note in result.notes:
        click.echo(f"{text('note', lang)}: {note_text(note, lang)}")
    if result.dataset.warnings:
        click.echo(f"{text('note', lang)}: " + text("input_warnings", lang, n=len(result.dataset.warnings)))
    if result.ensemble.get("method") == "auto":
        click.echo(_ensemble_lines(result.ensemble))
    elif choice_line(result.ensemble, lang):
        click.echo(choice_line(result.ensemble, lang))
    names = _area_names(result.dataset, lang)
    if len(result.projections):
        click.echo(summary_table(result, area, lang))
    if len(result.plan_check):
        inside = int(result.plan_check["target_inside_p10_p90"].sum())
        click.echo(text("plan_line", lang, inside=inside, n=len(result.plan_check)))
    if len(result.shortfall):
        click.echo("\n" + format_spells(spells, result.dataset.base_year, lang, top=10, names=names))
    if len(result.projections):
        click.echo("† " + interval_statement(result)[lang])
    if len(result.coverage):
        click.echo("\n" + "\n".join(coverage_lines(result.coverage, lang, names)))
    for path in written:
        click.echo(text("wrote", lang, path=path))


def _area_names(dataset, lang: str) -> dict[str, str]:
    """Area id -> display name (Simplified for mainland datasets), for Chinese output."""
    from forecast.data.script import to_simplified
    from forecast.report.labels import wants_simplified

    if "name" not in dataset.areas:
        return {}
    names = {str(a): str(n) for a, n in zip(dataset.areas["area"], dataset.areas["name"], strict=True)
             if isinstance(n, str) and n}
    return {a: to_simplified(n) for a, n in names.items()} if wants_simplified(dataset.meta) else names


def _write_report(out: Path, lang: str, dataset=None, inputs=None) -> list[Path]:
    from forecast.report import read_outputs, write_report

    paths, notes = write_report(inputs or read_outputs(out, dataset), lang)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    return paths


@cli.command()
@click.option("--out", "out_dir", default="out", show_default=True, callback=_non_empty,
              help="Folder with a run's outputs.")
@LANG
def report(out_dir, lang) -> None:
    """Rebuild the report of the run in OUT: report.xlsx (summary, projections, shortfall,
    plan check, assumptions, sources, accuracy), plots/*.png and a self-contained
    report.html. Accuracy comes from OUT/accuracy.csv when a backtest wrote one there."""
    from forecast.outputs import update_run
    from forecast.report import read_outputs
    from forecast.report.inputs import ReportError
    from forecast.report.labels import text

    out = Path(out_dir)
    try:
        with update_run(out) as folder:
            inputs = read_outputs(folder)
            lang = lang or inputs.language
            paths = [out / p.relative_to(folder) for p in _write_report(folder, lang, inputs=inputs)]
    except ReportError as exc:
        raise InputError(str(exc).replace(str(folder), str(out))) from exc
    for path in paths:
        click.echo(text("wrote", lang, path=path))


def _shortfall_and_meta(config, out: Path, scenario: tuple[str, ...], lang: str = "en"):
    """Shortfall table and run record from OUT when written for this config; else run."""
    import pandas as pd

    from forecast.pipeline import previous_outputs
    from forecast.report.labels import text

    previous = previous_outputs(out, config, list(scenario) or None)
    if previous is not None:
        click.echo(text("reading_run", lang, run=previous[1].get("run_id"), out=out,
                        until=previous[1].get("until")), err=True)
        return previous
    click.echo(text("running_it", lang, out=out), err=True)
    result, _ = _run(config, list(scenario) or None, out)
    if result.shortfall.empty:
        for note in result.notes:
            click.echo(f"note: {note}", err=True)
        return pd.DataFrame(), {}
    return result.shortfall, json.loads((out / "run.json").read_text(encoding="utf-8"))


@cli.command()
@_config_options
@click.option("--out", "out_dir", default="out", show_default=True, callback=_non_empty,
              help="Folder with (or for) the run's outputs.")
@click.option("--scenario", "scenario", multiple=True, help="Scenario(s) to show (default: all in the outputs).")
@click.option("--year", type=int, default=None, help="Only this year.")
@click.option("--level", default=None, help="Only this level (e.g. primary).")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="Rows to show.")
@LANG
@AREA
def shortfall(config_path, data_dir, out_dir, scenario, year, level, top, lang, area) -> None:
    """Print the shortfall spells: for each area x level x scenario short at P90 in some year
    (base year included), the first, last and peak year and what to build by when; finest
    areas first, parent areas separately. With --year, that year's rows with a P90 deficit.

    Reads OUT/shortfall.csv when it was written for the same config and data; otherwise
    runs the projection first (and writes every output).
    """
    import pandas as pd

    from forecast.data.area_filter import AreaError, within
    from forecast.data.dataset import load_dataset
    from forecast.data.problems import DatasetError
    from forecast.data.standards import standards_for
    from forecast.planning.capacity import build_capacity
    from forecast.planning.shortfall import worst
    from forecast.planning.spells import summarise
    from forecast.report.labels import text
    from forecast.report.terminal import YEARLY, format_spells, table

    config = _load(config_path, data_dir)
    try:
        dataset = load_dataset(config.dataset_path())
    except DatasetError as exc:
        raise InputError(str(exc)) from exc
    lang = _lang(lang, dataset=dataset)
    if level is not None and level not in dataset.system.level_names:
        raise InputError(f"--level {level}: not a level; use one of {', '.join(dataset.system.level_names)}")
    frame, meta = _shortfall_and_meta(config, Path(out_dir), scenario, lang)
    if frame.empty:
        raise InputError(text("no_demand", lang))
    run_years = sorted(set(frame["year"].astype(int)))
    if scenario:
        frame = frame[frame["scenario"].isin(scenario)]
    try:
        frame = within(frame, dataset.areas, area)
    except AreaError as exc:
        raise InputError(str(exc)) from exc
    if level is not None:
        frame = frame[frame["level"] == level]
    if year is not None:
        if year not in run_years:
            raise InputError(f"--year {year}: not a year of the run ({run_years[0]}-{run_years[-1]})")
        rows = worst(frame[frame["deficit_seats_p90"] > 0], n=top, year=year)
        click.echo(text("yearly_heading", lang, n=len(rows)))
        click.echo(table(rows, YEARLY, lang) if len(rows) else text("none_short", lang))
        return
    until = int(meta.get("until") or config.until)
    standards = standards_for(config)
    capacity = build_capacity(dataset, config.capacity, standards, until)
    from forecast.report.honesty import interval_note
    from forecast.report.terminal import headline

    spells = summarise(frame, dataset, capacity, standards)
    for line in headline(spells, meta, dataset.base_year, lang):
        click.echo(line)
    click.echo(format_spells(spells, dataset.base_year, lang, top=top, names=_area_names(dataset, lang)))
    click.echo("† " + interval_note(meta, pd.DataFrame(), lang))


@cli.command("export")
@_config_options
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "parquet", "geojson"]), default="json",
              show_default=True, help="Output format; geojson: shortfall_map.geojson, the shortfall "
              "summary on the areas' shapes (needs the dataset's areas.geojson; docs/maps.md).")
@click.option("--out", "out_dir", default="out", show_default=True, callback=_non_empty,
              help="Folder with (or for) the run's outputs.")
@click.option("--scenario", "scenario", multiple=True, help="Scenario(s) to export (default: all in the outputs).")
@LANG
@AREA
def export_command(config_path, data_dir, fmt, out_dir, scenario, lang, area) -> None:
    """Write the construction scheduler's input (OUT/scheduler.json|csv|parquet).

    One record per area x level x scenario with a seat need: when, how many seats, classes
    and standard schools, lead time and latest start year, priority. The JSON follows
    forecast/schemas/scheduler.schema.json (see docs/scheduler-export.md).
    With --area, only that area and the areas below it.
    """
    from forecast.data.area_filter import AreaError, within
    from forecast.data.dataset import load_dataset
    from forecast.data.problems import DatasetError
    from forecast.data.standards import standards_for
    from forecast.pipeline import sources
    from forecast.planning import scheduler_export as export
    from forecast.planning.capacity import build_capacity
    from forecast.report.labels import text

    config = _load(config_path, data_dir)
    out = Path(out_dir)
    table, meta = _shortfall_and_meta(config, out, scenario)
    try:
        dataset = load_dataset(config.dataset_path())
    except DatasetError as exc:
        raise InputError(str(exc)) from exc
    if scenario and len(table):
        table = table[table["scenario"].isin(scenario)]
    try:
        table = within(table, dataset.areas, area)
    except AreaError as exc:
        raise InputError(str(exc)) from exc
    lang = _lang(lang, dataset=dataset)
    until = int(meta.get("until") or config.until)
    standards = standards_for(config)
    capacity = build_capacity(dataset, config.capacity, standards, until)
    if fmt == "geojson":
        _export_geojson(out, table, dataset, capacity, standards, lang)
        return
    recs = export.records(table, capacity, standards, dataset) if len(table) else []
    doc = export.document(recs, run=meta.get("run_id", export.fingerprint("no run")),
                          dataset=dataset, until=until,
                          scenarios=sorted(set(table["scenario"])) if len(table) else [],
                          sources=meta.get("sources") or sources(dataset),
                          assumptions=meta.get("assumptions") or capacity.assumptions)
    from forecast.outputs import update_run
    from forecast.outputs.plan_files import carry_plan
    from forecast.outputs.tables import csv_encoding

    with update_run(out) as folder:
        kept = carry_plan(folder, doc, whole=not area and not scenario) if fmt == "json" else None
        path = out / export.write(doc, folder, fmt, csv_encoding(dataset.meta)).relative_to(folder)
    click.echo(text("records_line", lang, n=len(recs)))
    if kept is False:
        click.echo(text("plan_not_carried", lang))
    click.echo(text("wrote", lang, path=path))


@cli.command("plan")
@_config_options
@click.option("--out", "out_dir", default="out", show_default=True, help="Folder with (or for) the run's outputs.")
@click.option("--risk", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
              help="Largest P(demand > seats) allowed in every area x level x year (default: the "
                   "config's plan.risk, 0.10).")
@click.option("--budget", type=click.FloatRange(0, 1e15), default=None,
              help="Total budget (default: the config's plan.budget, a total or by year; none).")
@click.option("--until", type=click.IntRange(1900, 2200), default=None,
              help="The run's last year (default: the config's); the plan runs to plan.horizon.")
@click.option("--scenario", default=None, help="Scenario to plan for (default: the config's default).")
@click.option("--no-report", is_flag=True, help="Neither write nor rebuild the report (faster on many areas).")
@LANG
def plan_command(config_path, data_dir, out_dir, risk, budget, until, scenario, no_report, lang) -> None:
    """The cheapest set and timing of builds that keeps P(demand > seats) <= RISK in every
    finest area x level x year from the first year a build can open (HiGHS MILP; see
    docs/planning.md), beside two simple rules.

    Reuses the run in OUT when it matches the config, data, scenario and horizon (else runs
    it first), and writes into it: build_plan.csv, plan_risk.csv, plan_rules.csv,
    plan_costs.csv, a plan section in scheduler.json and, where the run has a report, a plan
    section in it.
    """
    from forecast.api import plan_in_folder
    from forecast.planning.candidates import CandidateError

    config = _load(config_path, data_dir)
    try:
        result, written = plan_in_folder(config, Path(out_dir), risk=risk, budget=budget, until=until,
                                         scenario=scenario, lang=lang, report=not no_report,
                                         say=lambda m: click.echo(m, err=True))
    except CandidateError as exc:
        raise InputError(f"{len(exc.problems)} problem(s) with the plan's inputs:\n" + str(exc)) from exc
    except ValueError as exc:  # ConfigError, DatasetError-free value problems
        raise InputError(str(exc)) from exc
    click.echo(result.summary)
    for path in written:
        click.echo(f"wrote {path}")


def _export_geojson(out: Path, table, dataset, capacity, standards, lang: str) -> None:
    """``export --format geojson``: OUT/shortfall_map.geojson (forecast.outputs.geojson)."""
    from forecast.outputs import update_run
    from forecast.outputs.geojson import write_shortfall_map
    from forecast.planning.spells import summarise
    from forecast.report.labels import text

    if dataset.boundaries is None:
        raise InputError(f"{dataset.path}: no areas.geojson, so there is no map to export; bring one "
                         "(docs/maps.md) or seed it: forecast init DATASET --boundaries adcode:CODE|fips:CODE")
    summary = summarise(table, dataset, capacity, standards)
    with update_run(out) as folder:
        path = out / write_shortfall_map(folder, summary, dataset.boundaries).relative_to(folder)
    click.echo(f"{len(summary)} area-level-scenario rows of the shortfall summary on the map")
    click.echo(text("wrote", lang, path=path))


def _ensemble_lines(record: dict) -> str:
    if record.get("method") == "evidence":
        from forecast.evidence.step import describe

        return describe(record)
    if not record["levels"]:
        return "auto: no level has enough backtest evidence; the cohort flow is used throughout"
    lines = [f"auto: weights from the backtest at origins {record['origins'][0]}-{record['origins'][-1]}, "
             f"{record['horizon']} years ahead"]
    for level, part in record["levels"].items():
        models = ", ".join(f"{m} {w:.2f}" for m, w in part["models"].items())
        before, after = part["coverage_before"], part["coverage_after"]
        cover = (f"; interval x{part['interval_factor']:.2f} (80 % coverage {before:.2f} -> {after:.2f})"
                 if before is not None and after is not None else "")
        lines.append(f"  {level}: {models}{cover}")
    return "\n".join(lines)


@cli.command()
@_config_options
@click.option("--origins", default=None,
              help="Origin years, first:last or a comma list (default: the config's, else the last ten).")
@click.option("--horizon", type=click.IntRange(min=1), default=None, help="Years ahead (default: the config's, 5).")
@click.option("--models", default=None, help="Comma list of models (default: every model and baseline).")
@click.option("--out", "out_dir", default="out", show_default=True, callback=_non_empty,
              help="Output folder.")
@LANG
def backtest(config_path, data_dir, origins, horizon, models, out_dir, lang) -> None:
    """Rolling-origin backtest: fit every model on the data known at each origin, project
    1..HORIZON years, compare with what was observed.

    Writes OUT/backtest.csv (area, level, origin, year, horizon, model, forecast, p10, p90,
    actual, error, ape) and OUT/accuracy.csv (model x level x horizon: MAPE, median APE,
    bias, MASE, MAE relative to the last value, 80 % interval coverage, n), and prints MAPE
    by level, model and years ahead.
    """
    import pandas as pd

    from forecast.common.errors import UserInputError
    from forecast.common.files import atomic_write_csv
    from forecast.data.dataset import load_dataset
    from forecast.evidence.backtest import accuracy, format_accuracy, parse_origins, run_backtest
    from forecast.evidence.ensemble import build_ensemble, honest_auto
    from forecast.evidence.procedure import backtest_candidates, reported_rows, winner_lines
    from forecast.models.registry import ALL

    config = _load(config_path, data_dir)
    settings = config.backtest
    chosen = [m.strip() for m in models.split(",")] if models else settings.models
    unknown = [m for m in chosen or [] if m not in ALL]
    if unknown:
        raise InputError(f"--models: unknown model(s) {', '.join(unknown)}; use {', '.join(ALL)}")
    from forecast.outputs.rundir import check_out

    check_out(out_dir)  # before computing
    try:
        dataset = load_dataset(config.dataset_path())
        years = parse_origins(origins if origins is not None else settings.origins, dataset)
        with click.progressbar(length=len(years), label="origins", file=sys.stderr,
                               hidden=not sys.stderr.isatty()) as bar:  # no lone label in a log
            test = run_backtest(dataset, years, horizon or settings.horizon, chosen, config.model,
                                config.seed, settings.draws, progress=lambda _o: bar.update(1))
    except UserInputError as exc:
        raise InputError(str(exc)) from exc
    ensemble = build_ensemble(test)  # from every model, before the auto rows join the table
    evidence = backtest_candidates(dataset, years, test.horizon, config.model, config.seed)
    test.table = pd.concat([test.table, honest_auto(test), reported_rows(evidence)], ignore_index=True)
    table = accuracy(test, dataset)
    from forecast.outputs import run_folder

    out = Path(out_dir)
    with run_folder(out, keep=(out / "run.json").is_file()) as folder:  # beside a run, or alone
        atomic_write_csv(folder / "backtest.csv", test.table, decimals=3)
        atomic_write_csv(folder / "accuracy.csv", table, decimals=3)
        atomic_write_csv(folder / "evidence_candidates.csv", evidence.candidates, decimals=3)
    click.echo(f"{dataset.name}: origins {years[0]}-{years[-1]}, {test.horizon} years ahead, "
               f"{len(test.table)} forecasts compared with observations")
    click.echo(format_accuracy(table, models=chosen or ALL))
    if test.skipped:
        click.echo(f"{len(test.skipped)} model x series x origin refused for too short a history, e.g.:")
        click.echo(f"  {test.skipped[0]}")
    click.echo("auto = the ensemble built at each origin from the outcomes known then; "
               "`forecast run --model auto` would now use:")
    for note in ensemble.notes:
        click.echo(f"  {note}")
    from forecast.report.labels import text

    click.echo("evidence = the default of `forecast run`: at each origin the candidate chosen from "
               "the errors known then, with its empirical interval (out of sample)")
    for line in winner_lines(table):
        click.echo(line)
    lang = _lang(lang, dataset=dataset)
    for name in ("backtest.csv", "accuracy.csv", "evidence_candidates.csv"):
        click.echo(text("wrote", lang, path=out / name))


@cli.command()
@click.argument("folder")
@click.option("--boundaries", "boundaries", default=None, metavar="adcode:CODE|fips:CODE",
              help="Seed FOLDER/areas.geojson from the shipped boundaries (pip install "
                   "'forecast[maps]'): adcode:500000 Chongqing's districts, fips:48 Texas' counties. "
                   "An existing dataset gets its areas' shapes; a new folder an example on them.")
@LANG
def init(folder: str, boundaries, lang) -> None:
    """Write a small, valid example dataset into FOLDER (dataset.yaml with comments, CSVs, a
    README) and the same data as an Excel template, FOLDER/template.xlsx (one sheet per
    table), to copy and fill in. Then: forecast run --data FOLDER."""
    from forecast.data.starter import write_example
    from forecast.report.labels import text

    target = Path(folder)
    if boundaries:
        _seed_boundaries(target, boundaries, lang)
        return
    if target.exists() and any(target.iterdir()):
        raise InputError(f"{folder}: not empty; choose a new folder")
    for path in write_example(target):
        click.echo(text("wrote", lang or "en", path=path))


def _seed_boundaries(target: Path, spec: str, lang) -> None:
    """``init --boundaries``: areas.geojson from the shipped boundaries (forecast.data.boundary_seed)."""
    from forecast.data.boundary_seed import SeedError, seed
    from forecast.data.shipped_boundaries import BoundaryLookupError
    from forecast.report.labels import text

    try:
        paths, notes = seed(target, spec)
    except (SeedError, BoundaryLookupError) as exc:
        raise InputError(str(exc)) from exc
    for note in notes:
        click.echo(f"note: {note}")
    for path in paths:
        click.echo(text("wrote", lang or "en", path=path))


@cli.group()
def data() -> None:
    """Shipped datasets."""


@data.command("list")
@LANG
def data_list(lang) -> None:
    """List the datasets shipped with the package (name, title, language, folder)."""
    from forecast.report.labels import language_of, text

    for folder in list_datasets():
        meta_file = folder / "dataset.yaml"
        meta = {}
        if meta_file.exists():
            from forecast.data.inputs.meta import read_meta

            meta = read_meta(meta_file)[0] or {}
        spoken = text("lang_" + language_of(meta), lang or "en")
        click.echo(f"{folder.name:10s} {meta.get('title') or ''}  ({spoken})  [{folder}]")


@cli.command()
@_config_options
@click.option("--grid", "grids", multiple=True, required=True,
              help="NAME=START:STOP:STEP with NAME births (multiplier of projected births) or "
              "migration (scale of the estimated drift); repeatable, e.g. --grid births=0.8:1.2:0.05.")
@click.option("--year", type=int, default=None, help="Target year (default: the config's until).")
@click.option("--max-horizon", type=click.IntRange(1, 200), default=None,
              help="Allow --year this many years after the base year (default: the config's, 30).")
@click.option("--draws", type=click.IntRange(min=1), default=None, help="Monte Carlo draws (default: the config's).")
@click.option("--seed", type=SEED, default=None, help="Random seed (default: the config's).")
@click.option("--out", "out_dir", default="out", show_default=True, callback=_non_empty,
              help="Output folder.")
@click.option("--engine", "engine_kind", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Where chunks are projected (see forecast run).")
@click.option("--scheduler", default=None, help="Dask scheduler address (default: a LocalCluster).")
@WORKERS
def sweep(config_path, data_dir, grids, year, max_horizon, draws, seed, out_dir, engine_kind,
          scheduler, workers) -> None:
    """Stress table: P(shortfall) per area and level at every grid point of births
    multipliers x migration scales, and the multiplier at which the P90 demand first exceeds
    the seats. Writes OUT/sweep.csv and OUT/thresholds.csv."""
    from forecast.common.errors import UserInputError
    from forecast.engine.run import Engine, cores
    from forecast.outputs.rundir import check_out
    from forecast.outputs.sweep import write_sweep
    from forecast.planning.sweep import parse_grid, run_sweep

    config = _load(config_path, data_dir)
    if max_horizon is not None:
        config = config.model_copy(update={"max_horizon": max_horizon})
    check_out(out_dir)  # the run-folder rule of `run`, checked before computing
    try:
        grid = dict(parse_grid(g) for g in grids)
        result = run_sweep(config, grid, year=year, draws=draws, seed=seed,
                           engine=Engine(engine_kind, workers or cores(), scheduler=scheduler))
    except UserInputError as exc:
        raise InputError(str(exc)) from exc
    found = result.thresholds.dropna(subset=["threshold"])
    click.echo(f"{len(result.sweep)} area x level x grid points; {len(found)} thresholds inside the grid")
    from forecast.outputs.errors import naming

    with naming(out_dir):
        written = write_sweep(result, Path(out_dir))
    for path in written:
        click.echo(f"wrote {path}")


def main() -> None:
    """Entry point: run the CLI; unexpected errors become one line and exit code 2."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except BrokenPipeError:  # output piped into `head`: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - the last line of defence for a clean CLI
        from forecast.outputs.errors import user_message

        message = user_message(exc)
        if message is None:
            InternalError(exc, _traceback_note(exc, "--debug" in sys.argv[1:2])).show()
            sys.exit(2)
        click.echo(f"error: {message}", err=True)
        sys.exit(1)
