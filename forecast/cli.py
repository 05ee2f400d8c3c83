"""The ``forecast`` command: a thin shell over the library.

Every command parses its options, calls the library and prints a summary. Input problems
are printed one per line and the command exits 1; no Python traceback reaches the user.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml

from forecast.catalog import list_datasets, resolve_dataset
from forecast.dataset import inspect_dataset


class InputError(click.ClickException):
    """A problem with the user's input: printed as one line, exit code 1."""

    exit_code = 1


@click.group()
@click.version_option(package_name="forecast")
def cli() -> None:
    """Forecast school-enrolment demand and find where school places run short."""


@cli.command()
@click.argument("path")
def validate(path: str) -> None:
    """Validate a dataset folder (or the dataset of a config file) and summarise it.

    PATH is a dataset folder, the name of a shipped dataset (e.g. banan) or a config YAML.
    Exits 0 when the dataset can be used, 1 listing every problem otherwise.
    """
    folder = _dataset_folder(path)
    dataset, problems = inspect_dataset(folder)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if errors or dataset is None:
        click.echo(f"{folder}: {len(errors)} problem(s)", err=True)
        for problem in errors:
            click.echo(f"  {problem}", err=True)
        for problem in warnings:
            click.echo(f"  warning: {problem}", err=True)
        sys.exit(1)
    click.echo(dataset.summary())
    for problem in warnings:
        click.echo(f"  warning: {problem}")
    click.echo("ok: the dataset is valid")


def _dataset_folder(path: str) -> Path:
    """A dataset folder from a folder, a shipped dataset name or a config file."""
    if Path(path).suffix in {".yaml", ".yml"}:
        from forecast.config import ConfigError, load_config

        try:
            return load_config(path).dataset_path()
        except ConfigError as exc:
            raise InputError(str(exc)) from exc
    folder = resolve_dataset(path)
    if not folder.is_dir():
        raise InputError(f"{path}: no such dataset folder (see `forecast data list`)")
    return folder


@cli.command()
@click.option("--config", "config_path", default=None, help="Run configuration YAML (default: configs/default.yaml).")
@click.option("--data", "data_dir", default=None, help="Run the default settings on this dataset folder instead.")
@click.option("--scenario", "scenario", multiple=True, help="Scenario to run (repeatable; default: the config's default).")
@click.option("--all-scenarios", is_flag=True, help="Run every scenario of the config.")
@click.option("--out", "out_dir", default="out", show_default=True, help="Output folder.")
@click.option("--seed", type=int, default=None, help="Random seed (default: the config's).")
@click.option("--draws", type=click.IntRange(min=1), default=None, help="Monte Carlo draws (default: the config's).")
@click.option("--until", type=int, default=None, help="Last projected year (default: the config's, 2025).")
def run(config_path, data_dir, scenario, all_scenarios, out_dir, seed, draws, until) -> None:
    """Project enrolment for every area, level and year, with intervals.

    Writes OUT/projections.csv (area, level, grade, year, scenario, model, mean, p10, p50,
    p90), OUT/plan_check.csv when the dataset has targets, and OUT/run.json.
    """
    from forecast.config import ConfigError, load_config
    from forecast.pipeline import run as run_pipeline
    from forecast.pipeline import summary_table, write_outputs
    from forecast.validation import DatasetError

    try:
        config = load_config(config_path or "default")
        if data_dir:
            if not Path(data_dir).is_dir():
                raise InputError(f"{data_dir}: no such dataset folder")
            config = config.model_copy(update={"dataset": str(Path(data_dir).resolve()),
                                               "scenarios": {"baseline": config.scenarios.get(
                                                   "baseline", config.scenarios[config.default_scenario])},
                                               "default_scenario": "baseline"})
        names = list(config.scenarios) if all_scenarios else list(scenario) or None
        if names and len(names) > 1:  # a progress bar only where there is progress to show
            with click.progressbar(length=len(names), label="scenarios", file=sys.stderr,
                                   show_pos=True) as bar:
                result = run_pipeline(config, names, draws=draws, seed=seed, until=until,
                                      progress=lambda _name: bar.update(1))
        else:
            result = run_pipeline(config, names, draws=draws, seed=seed, until=until)
    except (ConfigError, DatasetError) as exc:
        raise InputError(str(exc)) from exc
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    written = write_outputs(result, Path(out_dir), config)
    click.echo(summary_table(result))
    if len(result.plan_check):
        inside = result.plan_check["target_inside_p10_p90"].sum()
        click.echo(f"plan check: {inside} of {len(result.plan_check)} plan targets lie inside the "
                   "model's p10-p90 interval")
    for path in written:
        click.echo(f"wrote {path}")


@cli.group()
def data() -> None:
    """Shipped datasets."""


@data.command("list")
def data_list() -> None:
    """List the datasets shipped with the package."""
    for folder in list_datasets():
        meta_file = folder / "dataset.yaml"
        title = ""
        if meta_file.exists():
            title = (yaml.safe_load(meta_file.read_text(encoding="utf-8")) or {}).get("title", "")
        click.echo(f"{folder.name:10s} {title}  [{folder}]")


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
    except Exception as exc:  # noqa: BLE001 - the last line of defence for a clean CLI
        click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)
