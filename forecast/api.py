"""The one-call Python API: ``forecast.run(...)`` returns the run's tables.

Works from any folder: datasets and configs may be given by shipped name (``"banan"``,
``"conghua"``), by path to a folder, or by path to an Excel workbook.

    import forecast
    result = forecast.run("banan", until=2030, draws=500)
    result.projections        # area x level x grade x year x scenario: mean, p10, p50, p90
    result.shortfall          # demand against seats by year (base year included)
    result.spells             # shortfall_summary: first/last/peak year and what to build
    result.scheduler          # the construction scheduler's document (dict)
"""

from __future__ import annotations

from pathlib import Path

from forecast.config import RunConfig, load_config
from forecast.errors import OptionError


def configure(config: str | Path | None = None, data: str | Path | None = None) -> RunConfig:
    """The run configuration: ``config`` (a shipped name or a YAML path; default: the
    shipped default), or its baseline settings applied to the dataset ``data``."""
    from forecast.catalog import resolve_dataset

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
    from forecast.area_filter import within
    from forecast.pipeline import run as run_pipeline
    from forecast.pipeline import write_outputs

    settings = configure(config, data)
    result = run_pipeline(settings, scenarios, draws=draws, seed=seed, until=until, method=method)
    if out is not None:
        from forecast.labels import language_of
        from forecast.report import read_outputs, write_report

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
    from forecast.catalog import resolve_dataset
    from forecast.dataset import load_dataset as load

    return load(resolve_dataset(name_or_path))
