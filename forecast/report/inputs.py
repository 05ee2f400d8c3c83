"""Read a run's output folder into one object the workbook, charts and page share."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from forecast.common.errors import UserInputError
from forecast.data.dataset import Dataset
from forecast.data.script import to_simplified
from forecast.outputs.tables import read_table
from forecast.report.labels import language_of, wants_simplified


class ReportError(UserInputError):
    """The folder lacks what a report needs; the message says what to run."""


@dataclass
class ReportInputs:
    folder: Path
    meta: dict
    projections: pd.DataFrame
    shortfall: pd.DataFrame = field(default_factory=pd.DataFrame)
    plan_check: pd.DataFrame = field(default_factory=pd.DataFrame)
    capacity: pd.DataFrame = field(default_factory=pd.DataFrame)
    accuracy: pd.DataFrame = field(default_factory=pd.DataFrame)
    history: pd.DataFrame = field(default_factory=pd.DataFrame)  # area, level, year, students
    area_names: dict[str, str] = field(default_factory=dict)
    top_areas: list[str] = field(default_factory=list)
    spells: pd.DataFrame = field(default_factory=pd.DataFrame)  # shortfall_summary.csv
    language: str = "en"  # the dataset's declared language: the default of --lang
    parents: dict[str, str] = field(default_factory=dict)  # area -> parent area
    base_year: int | None = None
    simplified: bool = False  # a mainland dataset: names and titles in Simplified characters
    boundaries: object = None  # the areas' shapes (forecast.data.boundaries.Boundaries): the map
    schools: pd.DataFrame = field(default_factory=pd.DataFrame)  # schools.csv (lat, lon: points)

    @property
    def totals(self) -> pd.DataFrame:
        """Level-total projection rows."""
        return self.projections[self.projections["grade"] == ""]

    def area_label(self, area: str) -> str:
        name = self.area_names.get(area)
        return f"{name} ({area})" if name and name != area else area


def _read(path: Path) -> pd.DataFrame:
    return read_table(path)


def read_outputs(folder: str | Path, dataset: Dataset | None = None) -> ReportInputs:
    """The run's tables in ``folder``; observed history from ``dataset`` (else from the
    dataset named in run.json, when it can still be found)."""
    folder = Path(folder)
    record, table = folder / "run.json", folder / "projections.csv"
    if not (record.is_file() and table.is_file()):
        raise ReportError(f"{folder}: no run outputs (run.json, projections.csv); run "
                          f"`forecast run --out {folder}` first")
    meta = json.loads(record.read_text(encoding="utf-8"))
    projections = read_table(table)
    if dataset is None:
        dataset = _dataset_of(meta)
    history, names, tops, language, parents = pd.DataFrame(), {}, [], "en", {}
    if dataset is not None:
        history = _history(dataset)
        tops = dataset.areas.loc[dataset.areas["parent"].isna(), "area"].tolist()
        parents = {a: str(p) for a, p in zip(dataset.areas["area"], dataset.areas["parent"], strict=True)
                   if isinstance(p, str) and p}
        language = language_of(dataset.meta)
        if "name" in dataset.areas:
            names = {a: str(n) for a, n in zip(dataset.areas["area"], dataset.areas["name"], strict=True)
                     if isinstance(n, str) and n}
            if wants_simplified(dataset.meta):
                names = {a: to_simplified(n) for a, n in names.items()}
    spells = _read(folder / "shortfall_summary.csv")
    if len(spells) and dataset is not None and wants_simplified(dataset.meta):
        for name in ("planned_projects", "area_name"):
            if name in spells:
                spells[name] = spells[name].fillna("").map(to_simplified)
    return ReportInputs(folder, meta, projections, _read(folder / "shortfall.csv"),
                        _read(folder / "plan_check.csv"), _read(folder / "capacity.csv"),
                        _read(folder / "accuracy.csv"), history, names, tops, spells, language,
                        parents, meta.get("base_year"),
                        dataset is not None and wants_simplified(dataset.meta),
                        getattr(dataset, "boundaries", None),
                        dataset.table("schools") if dataset is not None and dataset.boundaries is not None
                        else pd.DataFrame())


def _history(dataset: Dataset) -> pd.DataFrame:
    """Observed level totals up to the base year (area, level, year, students); an area with no
    figures of its own (a county, the state) shows the sum of its sub-areas' observed figures
    of each year (``Dataset.totals_in``), so a parent's chart has its history too."""
    own = dataset.level_totals()
    own = own[own["year"] <= dataset.base_year][["area", "level", "year", "students"]]
    parents = set(dataset.areas["parent"].dropna())
    if not parents or own.empty:
        return own.reset_index(drop=True)
    frames = [own]
    have = set(zip(own["area"], own["level"], own["year"], strict=True))
    for year in sorted(set(own["year"])):
        summed = dataset.totals_in(int(year))
        summed = summed[summed.index.get_level_values("area").isin(parents)]
        rows = [(a, lv, int(year), float(v)) for (a, lv), v in summed.items() if (a, lv, year) not in have]
        if rows:
            frames.append(pd.DataFrame(rows, columns=["area", "level", "year", "students"]))
    return pd.concat(frames, ignore_index=True)


def _dataset_of(meta: dict) -> Dataset | None:
    """The run's dataset, found again from run.json; None when it has moved."""
    from forecast.data.config import RunConfig
    from forecast.data.dataset import load_dataset
    from forecast.data.problems import DatasetError

    try:
        config = RunConfig.model_validate(meta.get("config") or {})
        if meta.get("config_file"):
            config = config.model_copy(update={"source": Path(meta["config_file"])})
        return load_dataset(config.dataset_path())
    except (DatasetError, ValueError, OSError):  # ConfigError is a ValueError
        return None
