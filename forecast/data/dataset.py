"""Load a dataset folder: read every table, validate it, convert units, return a ``Dataset``.

A dataset folder holds plain CSVs (see docs/data-contract.md):
``births.csv`` or ``population.csv``, ``enrolment.csv``, and optionally ``schools.csv``,
``projects.csv``, ``targets.csv``, ``indicators.csv``, ``flows.csv``,
``seat_additions.csv``, plus an optional ``dataset.yaml`` (name, areas and parents, base
year, default units, notes). All problems are collected before anything is raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.common.memory import give_back
from forecast.data.inputs.meta import meta_problems
from forecast.data.problems import DatasetError, Problem
from forecast.data.system import DEFAULT, SchoolSystem, SchoolSystemError, from_declaration
from forecast.data.validation import (
    OPTIONAL_TABLES,
    TABLES,
    at_physical_rows,
    read_table,
    spreadsheet_row,
    table_specs,
)

SIZE_COLUMNS = ("seats", "classrooms", "floor_area_m2")
GRADE_TOLERANCE = 0.01  # grades may differ from a stated level total by 1 % (rounding)


@dataclass
class Dataset:
    """A validated dataset; every count is in persons, every frame long and tidy."""

    name: str
    path: Path
    areas: pd.DataFrame  # area, parent, name
    base_year: int
    births: pd.DataFrame  # area, year, births
    enrolment: pd.DataFrame  # area, year, level, grade ("" for level totals), students
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # optional tables by name
    meta: dict[str, Any] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    system: SchoolSystem = DEFAULT  # the grade system the dataset declares
    encodings: dict[str, str] = field(default_factory=dict)  # file name -> encoding read
    boundaries: Any = None  # the areas' shapes (forecast.data.boundaries.Boundaries) from areas.geojson
    # level_totals() of the enrolment frame it was computed from (a province's grade table is
    # tens of millions of rows: capacity, shortfall and the summary each asked for it)
    _totals: tuple[pd.DataFrame, pd.DataFrame] | None = field(default=None, init=False, repr=False,
                                                               compare=False)

    def table(self, name: str) -> pd.DataFrame:
        """An optional table, or an empty frame with its required columns."""
        if name in self.tables:
            return self.tables[name]
        return pd.DataFrame(columns=list(TABLES[name].required))

    @property
    def leaf_areas(self) -> list[str]:
        parents = set(self.areas["parent"].dropna())
        return [a for a in self.areas["area"] if a not in parents]

    def level_totals(self) -> pd.DataFrame:
        """One row per area x year x level: the stated total, else the sum of its grades.

        Computed once per enrolment frame (callers must not modify the returned frame)."""
        enrol = self.enrolment
        if self._totals is not None and self._totals[0] is enrol:
            return self._totals[1]
        stated = enrol[enrol["grade"] == ""][["area", "year", "level", "students"]]
        summed = (enrol[enrol["grade"] != ""].groupby(["area", "year", "level"], as_index=False)
                  ["students"].sum())
        both = pd.concat([stated, summed]).drop_duplicates(["area", "year", "level"], keep="first")
        totals = both.sort_values(["area", "level", "year"]).reset_index(drop=True)
        self._totals = (enrol, totals)
        return totals

    def keep_level_totals_only(self) -> None:
        """Replace the grade rows of ``enrolment`` by the level totals (grade ""): what a
        streamed run needs once the model is fitted, a fraction of the memory at scale.
        ``level_totals()`` is unchanged."""
        totals = self.level_totals()
        self.enrolment = totals.assign(grade="")[["area", "year", "level", "grade", "students"]]
        self._totals = (self.enrolment, totals)

    def totals_in(self, year: int) -> pd.Series:
        """Observed level totals of one year by (area, level), parents included: an area
        without figures of its own gets the sum of its children's (their own figures, else
        their children's, and so on), so no pupil is counted twice."""
        totals = self.level_totals()
        known = totals[totals["year"] == year].groupby(["area", "level"])["students"].sum()
        parent = self.areas.drop_duplicates("area").set_index("area")["parent"]
        depth = pd.Series(0, index=parent.index)
        node = parent.copy()
        for _ in range(len(parent)):  # the number of steps to the top, for every area at once
            if not node.notna().any():
                break
            depth += node.notna().astype(int)
            node = node.map(parent).where(node.notna())
        for d in range(int(depth.max()) if len(depth) else 0, 0, -1):  # deepest first: children are final before parents
            at = known[known.index.get_level_values("area").isin(depth.index[depth == d])]
            if at.empty:
                continue
            up = at.groupby([at.index.get_level_values("area").map(parent), at.index.get_level_values("level")]).sum()
            up.index.names = ["area", "level"]
            known = pd.concat([known, up[~up.index.isin(known.index)]])
        return known

    def has_grades(self, level: str) -> bool:
        """True when grade detail exists for at least two consecutive years (ratios estimable)."""
        part = self.enrolment[(self.enrolment.level == level) & (self.enrolment.grade != "")]
        years = np.sort(part["year"].unique())
        return bool(len(years) >= 2 and np.any(np.diff(years) == 1))

    def summary(self) -> str:
        """A short text a planner can read: what is here and what each model can use."""
        totals = self.level_totals()
        from forecast.data.catalog import shown_path

        lines = [f"dataset {self.name} ({shown_path(self.path)})"]
        lines.append(f"  areas: {len(self.areas)} ({', '.join(self.areas['area'][:8])}"
                     f"{', ...' if len(self.areas) > 8 else ''}); base year {self.base_year}")
        lines.append(f"  school system: {self.system.describe()}")
        if len(self.births):
            lines.append(f"  births: {self.births.year.min()}-{self.births.year.max()}"
                         + ("  (proxy cohort index, see dataset.yaml)" if self.meta.get("births_proxy") else ""))
        else:
            lines.append("  births: none")
        if len(totals):
            lines.append("  enrolment (persons):")
            pivot = totals.pivot_table(index=["area", "level"], columns="year", values="students",
                                       aggfunc="sum")
            shown_rows = 12
            for (area, level), row in pivot.head(shown_rows).iterrows():
                observed = row.dropna()
                shown = observed if len(observed) <= 4 else observed.iloc[[0, 1, -2, -1]]
                cells = ", ".join(f"{int(y)}: {v:,.0f}" for y, v in shown.items())
                if len(observed) > 4:
                    cells = cells.replace(f", {int(shown.index[2])}:", f", ... ({len(observed)} years), "
                                          f"{int(shown.index[2])}:", 1)
                lines.append(f"    {area:12s} {level:18s} {cells}")
            if len(pivot) > shown_rows:
                lines.append(f"    ... and {len(pivot) - shown_rows:,} more area x level series")
        else:
            lines.append("  enrolment: none")
        for name in OPTIONAL_TABLES:
            if name in self.tables:
                lines.append(f"  {name}: {len(self.tables[name])} rows")
        if self.boundaries is not None:
            lines.append(f"  map: {self.boundaries.describe()}")
        return "\n".join(lines)


def load_dataset(path: str | Path) -> Dataset:
    """Load and validate a dataset folder; raise ``DatasetError`` listing every problem."""
    dataset, problems = inspect_dataset(path)
    if dataset is None or any(p.severity == "error" for p in problems):
        raise DatasetError(problems)
    return dataset


class FolderTables:
    """The tables of a dataset folder: ``NAME.csv`` files and ``dataset.yaml``. A workbook
    offers the same three methods (``forecast.data.excel_input.WorkbookTables``)."""

    def __init__(self, folder: Path) -> None:
        self.path, self.name = folder, folder.name

    def meta(self) -> tuple[dict[str, Any], list[Problem], str]:
        return _read_meta(self.path)

    def has(self, table: str) -> bool:
        file = self.path / f"{table}.csv"
        return file.exists() or file.is_symlink()

    def layout_problems(self, tables: tuple[str, ...]) -> tuple[list[Problem], bool]:
        """Misnamed table files (``Enrolment.csv``), and whether the folder holds no table at
        all (an empty folder or a wrong path such as ``/etc``: forecast.data.inputs.folder)."""
        from forecast.data.inputs.folder import folder_problems

        found = folder_problems(self.path, tables)
        problems = [Problem(file, reason, severity=severity) for file, reason, severity in found]
        return problems, any(file == str(self.path) for file, _, _ in found)

    def read(self, table: str, spec, default_unit: str) -> tuple[pd.DataFrame, list[Problem]]:
        return read_table(self.path / f"{table}.csv", spec, default_unit)


def inspect_dataset(path: str | Path) -> tuple[Dataset | None, list[Problem]]:
    """Validate a dataset folder and return it (or None) with every problem and warning."""
    folder = Path(path)
    if folder.suffix.lower() in (".xlsx", ".xlsm") and folder.is_file():  # one workbook, one sheet per table
        from forecast.data.excel_input import open_workbook

        source, problems = open_workbook(folder)
        if source is None:
            return None, problems
        dataset, found = inspect_tables(source)
        problems += source.located(found)
        if any(p.severity == "error" for p in problems):
            dataset = None
        return dataset, problems
    if not folder.is_dir():
        return None, [Problem(str(folder), "is not a dataset folder (no such directory)")]
    rows: dict[str, tuple] = {}  # file -> (spreadsheet row of each record, header row)
    read: set[int] = set()  # problems the table reader located already
    dataset, problems = inspect_tables(FolderTables(folder), rows, read)
    for file, (at, header_row) in rows.items():  # the cross-table checks counted positions
        problems = [p if id(p) in read else located for p, located in
                    zip(problems, at_physical_rows(problems, at, header_row, file), strict=True)]
    return dataset, problems


def inspect_tables(source, rows: dict[str, tuple] | None = None, read: set[int] | None = None
                   ) -> tuple[Dataset | None, list[Problem]]:
    """``inspect_dataset`` for any source of tables (``FolderTables`` or a workbook's).
    ``rows`` is filled with each table's row numbers where blank lines moved them, and
    ``read`` with the ids of problems the table reader located at those rows already."""
    rows = {} if rows is None else rows
    read = set() if read is None else read
    meta, problems, yaml_encoding = source.meta()
    default_unit = meta.get("units") or "persons"
    try:
        system = from_declaration(meta.get("system"))
    except SchoolSystemError as exc:
        found = re.match(r".*?, key (\S+): (.*)", str(exc), flags=re.S)
        key, reason = (found.group(1), found.group(2)) if found else ("system", str(exc))
        problems.append(Problem("dataset.yaml", reason, column=key))
        system = DEFAULT
    specs = table_specs(system)
    layout, no_tables = source.layout_problems(("births", "population", "enrolment") + OPTIONAL_TABLES)
    problems += layout
    if no_tables:
        return None, problems  # no table at all: nothing else to say

    tables: dict[str, pd.DataFrame] = {}
    encodings = {"dataset.yaml": yaml_encoding} if yaml_encoding else {}
    for name in ("births", "population", "enrolment") + OPTIONAL_TABLES:
        if source.has(name):
            frame, found = source.read(name, specs[name], default_unit)
            give_back()  # the reader's buffers, before the next table (forecast.common.memory)
            read.update(id(p) for p in found)
            if "physical_rows" in frame.attrs:
                rows[f"{name}.csv"] = frame.attrs.pop("physical_rows")
            problems += found
            if frame.attrs.get("encoding"):
                encodings[f"{name}.csv"] = frame.attrs["encoding"]
            if all(c in frame.columns for c in specs[name].required):
                # Keep readable tables (even with bad cells) so cross-table checks still run
                # and every problem is reported in one pass.
                tables[name] = frame
    if "enrolment" not in tables and not source.has("enrolment"):
        problems.append(Problem("enrolment.csv", "not found: nothing can be projected without "
                                "enrolment", severity="warning"))
    if not source.has("births") and not source.has("population"):
        problems.append(Problem("births.csv", "not found (nor population.csv): entry grades and "
                                "level totals are projected from their own history",
                                severity="warning"))

    areas = _areas(meta, tables)
    problems += _hierarchy_problems(areas)
    problems += _area_problems(areas, tables)
    problems += _grade_problems(tables.get("enrolment"), system)
    if "projects" in tables:
        problems += _project_problems(tables["projects"])
    if "schools" in tables and len(tables["schools"]):
        problems += _school_problems(tables["schools"])
    if "seat_additions" in tables and len(tables["seat_additions"]):
        problems += _seat_addition_problems(tables["seat_additions"])
    if any(p.severity == "error" for p in problems):
        return None, problems

    problems += _base_year_problems(meta, tables)
    if any(p.severity == "error" for p in problems):
        return None, problems
    enrolment = _enrolment(tables.pop("enrolment", None))  # the raw table is not kept
    births = tables.get("births")
    if births is None and "population" in tables:
        births = births_from_population(tables["population"])
    if births is None:  # typed, so models summing cohorts get float NaN, not objects
        births = pd.DataFrame({"area": pd.Series(dtype=object), "year": pd.Series(dtype=int),
                               "births": pd.Series(dtype=float)})
    problems += _births_gap_problems(births)
    base_year = int(meta.get("base_year") or (enrolment.year.max() if len(enrolment) else 0))
    problems += _births_coverage_problems(enrolment, births, base_year, system)
    problems += _enrolment_gap_warnings(enrolment)
    problems += _zero_level_warnings(enrolment, base_year)
    problems += _plausibility_warnings(enrolment, births, system, meta)
    folder = source.path if source.path.is_dir() else None  # a workbook carries no shapes
    boundaries, found = _boundaries(folder, areas, meta, enrolment, base_year, tables.get("schools"))
    problems += found
    if any(p.severity == "error" for p in problems):
        return None, problems

    optional = {n: tables[n] for n in OPTIONAL_TABLES if n in tables}
    dataset = Dataset(
        name=str(meta.get("name", source.name)), path=source.path, areas=areas, base_year=base_year,
        births=births[["area", "year", "births"]].astype({"year": int}).reset_index(drop=True),
        enrolment=enrolment, tables=optional, meta=meta,
        warnings=[p for p in problems if p.severity == "warning"], system=system,
        encodings=encodings, boundaries=boundaries,
    )
    return dataset, problems


def _base_year_problems(meta: dict[str, Any], tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """The base year is the last observed year: enrolment after a declared ``base_year`` is
    refused (it would be neither an input nor an outcome); a base year after the last
    enrolment year is allowed (the years between are projected) and warned about. Without
    enrolment and without a declared base year there is nothing to date the run by."""
    declared = meta.get("base_year")
    enrolment = tables.get("enrolment")
    if enrolment is None or enrolment.empty or not pd.api.types.is_numeric_dtype(enrolment["year"]):
        if declared is None and "births" not in tables and "population" not in tables:
            return []  # no tables at all: reported by _no_table_problems
        if declared is None and enrolment is None:
            return [Problem("dataset.yaml", "no base_year and no enrolment.csv to take it from: "
                            "set base_year (the last year the data describe)", column="base_year")]
        return []
    if declared is None:
        return []
    years = enrolment["year"].to_numpy(dtype=float)
    later = np.flatnonzero(years > declared)
    if len(later):
        shown = year_ranges(sorted({int(y) for y in years[later]}))
        return [Problem("enrolment.csv", f"year {int(years[later[0]])} is after the base year "
                        f"{declared} (dataset.yaml, key base_year): {len(later)} row(s) of {shown} "
                        "would be neither inputs nor outcomes. Set base_year to the last observed "
                        f"year ({int(years.max())}) or remove those rows; to compare projections "
                        "from an earlier year with what was observed, use `forecast backtest`",
                        spreadsheet_row(later[0]), "year")]
    if len(years) and declared > years.max():
        return [Problem("dataset.yaml", f"base_year {declared} is after the last enrolment year "
                        f"{int(years.max())}: {year_ranges(list(range(int(years.max()) + 1, declared + 1)))} are projected, not "
                        "observed, and the base-year figures are missing; set base_year to "
                        f"{int(years.max())} unless that is meant", column="base_year",
                        severity="warning")]
    return []


def _boundaries(folder: Path | None, areas: pd.DataFrame, meta: dict[str, Any], enrolment: pd.DataFrame,
                base_year: int, schools: pd.DataFrame | None):
    """areas.geojson and the schools' lat, lon, checked (forecast.data.boundaries); None without."""
    from forecast.data.boundaries import demand_areas, read_boundaries, school_problems

    if folder is None:
        return None, []
    boundaries, problems = read_boundaries(folder, areas, meta, demand_areas(enrolment, base_year))
    if schools is not None and len(schools):
        problems += school_problems(schools, boundaries)
    return boundaries, problems


def _plausibility_warnings(enrolment: pd.DataFrame, births: pd.DataFrame, system: SchoolSystem,
                           meta: dict[str, Any]) -> list[Problem]:
    """Levels larger than the births of their cohorts (forecast.data.inputs.plausibility)."""
    from forecast.data.inputs.plausibility import cohort_warnings, zero_births_warnings

    return zero_births_warnings(births) + cohort_warnings(
        enrolment, births, system, proxy=bool(meta.get("births_proxy")))


def _read_meta(folder: Path) -> tuple[dict[str, Any], list[Problem], str]:
    """dataset.yaml, read and type-checked by ``forecast.data.inputs.meta`` (empty when absent)."""
    from forecast.data.inputs.meta import read_meta

    file = folder / "dataset.yaml"
    if not (file.exists() or file.is_symlink()):
        return {}, [], ""
    meta, found, encoding = read_meta(file)
    return (*meta_problems(meta, found), encoding)


def _areas(meta: dict[str, Any], tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    declared = meta.get("areas")
    if declared:
        frame = pd.DataFrame([{"area": str(a["area"]), "parent": a.get("parent"),
                               "name": a.get("name", a["area"])} for a in declared])
        frame["declared"] = True
        return frame
    seen: list[str] = []
    for name in ("enrolment", "births", "population"):
        if name in tables:
            seen += [a for a in tables[name]["area"].unique() if a not in seen]
    return pd.DataFrame({"area": seen, "parent": None, "name": seen, "declared": False})


def _hierarchy_problems(areas: pd.DataFrame) -> list[Problem]:
    known = set(areas["area"])
    problems = []
    parent_of = dict(zip(areas["area"], areas["parent"], strict=True))
    for area, parent in parent_of.items():
        if parent is not None and not pd.isna(parent) and parent not in known:
            problems.append(Problem("dataset.yaml", f"area '{area}' has parent '{parent}', which is "
                                    "not declared", column="areas"))
        seen, node = {area}, parent
        while node is not None and not pd.isna(node) and node in parent_of:
            if node in seen:
                problems.append(Problem("dataset.yaml", f"area '{area}' is its own ancestor "
                                        "(cycle in parents)", column="areas"))
                break
            seen.add(node)
            node = parent_of[node]
    if areas["area"].duplicated().any():
        dup = ", ".join(areas.loc[areas["area"].duplicated(), "area"])
        problems.append(Problem("dataset.yaml", f"area declared twice: {dup}", column="areas"))
    return problems


def _area_problems(areas: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> list[Problem]:
    if not areas["declared"].any():
        return []
    known = set(areas["area"])
    problems = []
    for name, frame in tables.items():
        if "area" not in frame.columns:
            continue
        unknown = ~frame["area"].isin(known)
        for index in np.flatnonzero(unknown.to_numpy()):
            problems.append(Problem(f"{name}.csv", f"area '{frame['area'].iloc[index]}' is not "
                                    "declared in dataset.yaml", spreadsheet_row(index), "area"))
    return problems


def _enrolment(frame: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["area", "year", "level", "grade", "students"]
    if frame is None:
        return pd.DataFrame(columns=cols).astype({"year": int, "students": float})
    out = frame.copy()
    if "grade" not in out.columns:
        out["grade"] = ""
    out["grade"] = out["grade"].astype(str).str.upper().str.replace(r"\.0$", "", regex=True)
    return out[cols].reset_index(drop=True)


def _grade_problems(frame: pd.DataFrame | None, system: SchoolSystem) -> list[Problem]:
    if frame is None or "grade" not in frame.columns:
        return []
    grades = frame["grade"].astype(str).str.upper().str.replace(r"\.0$", "", regex=True)
    allowed = pd.MultiIndex.from_tuples(system.slots())
    wrong = (grades != "") & ~pd.MultiIndex.from_arrays([frame["level"], grades]).isin(allowed)
    known = set(system.level_names)
    problems = [
        Problem("enrolment.csv", f"grade '{grades.iloc[i]}' does not belong to level "
                f"{frame['level'].iloc[i]} in the {system.name} school system (expected "
                f"{', '.join(system.grades(frame['level'].iloc[i]))}; declare another system in "
                "dataset.yaml if the grades differ)", spreadsheet_row(i), "grade")
        for i in np.flatnonzero(wrong.to_numpy()) if frame["level"].iloc[i] in known
    ]
    if problems:
        return problems
    enrol = frame.assign(grade=grades, row=np.arange(len(frame)))
    by_grade = enrol[enrol.grade != ""].groupby(["area", "year", "level"])["students"].sum()
    stated = enrol[enrol.grade == ""].set_index(["area", "year", "level"])
    # Only the keys with both grades and a level total can disagree (found by a join).
    both = by_grade.index.intersection(stated.index)
    by_grade = by_grade[by_grade.index.isin(both)]
    for key, total in by_grade.items():
        if key in stated.index:
            level_total = stated.loc[key, "students"]
            if abs(total - level_total) > GRADE_TOLERANCE * max(level_total, 1):
                problems.append(Problem(
                    "enrolment.csv", f"grades of {key[2]} in {key[1]} ({key[0]}) sum to "
                    f"{total:,.0f} but the level total says {level_total:,.0f}",
                    spreadsheet_row(stated.loc[key, "row"]), "students"))
    return problems


def births_from_population(population: pd.DataFrame) -> pd.DataFrame:
    """Cohort sizes from population by age: the cohort born in b is its count at its
    youngest observed age (persons of age a in year b + a)."""
    pop = population.assign(birth_year=population["year"] - population["age"])
    pop = pop.sort_values(["area", "birth_year", "age"])
    first = pop.drop_duplicates(["area", "birth_year"], keep="first")
    return pd.DataFrame({"area": first["area"], "year": first["birth_year"].astype(int),
                         "births": first["persons"]}).reset_index(drop=True)


def _births_gap_problems(births: pd.DataFrame) -> list[Problem]:
    problems = []
    span = births.groupby("area")["year"].agg(["min", "max", "nunique"])
    gappy = span.index[span["max"] - span["min"] + 1 != span["nunique"]]
    births = births[births["area"].isin(gappy)]  # areas without gaps need no message
    for area, part in births.groupby("area"):
        years = np.sort(part["year"].astype(int).unique())
        missing = sorted(set(range(years.min(), years.max() + 1)) - set(years))
        if missing:
            problems.append(Problem("births.csv", f"area '{area}' has gaps in its years: "
                                    f"{year_ranges(missing)} missing (cohort models need every birth year)",
                                    column="year"))
    return problems


def _births_coverage_problems(enrolment: pd.DataFrame, births: pd.DataFrame, base_year: int,
                              system: SchoolSystem) -> list[Problem]:
    """Where births do not cover the cohorts a model needs, say what happens instead: an area
    without births for its base-year cohorts follows its own history (a warning, never a
    crash); births missing only for earlier years shorten the fitted history.

    The ages needed are those of the grades observed (all the level's ages for level totals;
    only the entry grades' ages for grade panels, whose other grades move up from below)."""
    if births.empty or enrolment.empty:
        return []
    have = births.groupby("area")["year"].apply(set).to_dict()
    problems = []
    rows = enrolment[["area", "year", "level", "grade"]].drop_duplicates()
    rows = rows[rows["level"].isin(system.level_names)]
    entry = set(system.entry_grades())
    rows = rows[_short_of_births(rows, births, system, entry)]  # the rest is covered: skip it
    for (area, level), part in rows.groupby(["area", "level"]):
        graded = part[part["grade"] != ""]
        if len(graded):
            ages = sorted({system.grade_age(level, g) for g in graded["grade"] if (level, g) in entry})
        else:
            ages = list(system.ages(level))
        if not ages:
            continue  # fed from the grades below: no births needed
        if area not in have:
            problems.append(Problem("births.csv", f"no births for area '{area}': its {level} "
                                    "entrants are projected from their own history instead",
                                    column="area", severity="warning"))
            continue
        short, missing_all, missing_in_base = [], set(), set()
        for year in sorted(part["year"].unique()):
            missing = {year - age for age in ages} - have[area]
            if missing:
                short.append(year)
                missing_all |= missing
                if year == base_year:
                    missing_in_base = missing
        if not short:
            continue
        if base_year in short:
            problems.append(Problem(
                "births.csv", f"area '{area}' has no births for {year_ranges(sorted(missing_in_base))}, "
                f"the cohorts of its {level} enrolment in the base year {base_year}: it is projected "
                "from its own history instead (add those births to use them)",
                column="births", severity="warning"))
        else:
            problems.append(Problem(
                "births.csv", f"area '{area}': births for {year_ranges(sorted(missing_all))} are missing, "
                f"so {level} enrolment of {year_ranges(short)} cannot be paired with its cohorts; the "
                "cohort model uses the later years only", column="births", severity="warning"))
    return problems


def _short_of_births(rows: pd.DataFrame, births: pd.DataFrame, system: SchoolSystem,
                     entry: set) -> np.ndarray:
    """Rows of the area x level groups that lack a birth year some cohort needs (found with
    joins, so the per-group messages are built only for those: linear in the rows)."""
    graded = rows[rows["grade"] != ""]
    has_grades = graded[["area", "level"]].drop_duplicates()
    slots = graded[["level", "grade"]].drop_duplicates()
    slots = slots[np.array([(lv, g) in entry for lv, g in zip(slots["level"], slots["grade"], strict=True)],
                           dtype=bool)]
    slots = slots.assign(age=[system.grade_age(lv, g) for lv, g in
                              zip(slots["level"], slots["grade"], strict=True)])
    graded_ages = graded.merge(slots, on=["level", "grade"])[["area", "level", "age"]].drop_duplicates()
    groups = rows[["area", "level"]].drop_duplicates()
    plain = groups.merge(has_grades, how="left", indicator=True)
    plain = plain[plain["_merge"] == "left_only"][["area", "level"]]
    level_ages = pd.DataFrame([(lv, a) for lv in plain["level"].unique() for a in system.ages(lv)],
                              columns=["level", "age"])
    ages = pd.concat([graded_ages, plain.merge(level_ages, on="level")], ignore_index=True)
    needed = rows[["area", "level", "year"]].drop_duplicates().merge(ages, on=["area", "level"])
    needed = needed.assign(born=needed["year"] - needed["age"])[["area", "level", "born"]]
    have = births[["area", "year"]].drop_duplicates().rename(columns={"year": "born"})
    have = have.assign(born=have["born"].astype(needed["born"].dtype))
    found = needed.merge(have, on=["area", "born"], how="left", indicator=True)
    short = found.loc[found["_merge"] == "left_only", ["area", "level"]].drop_duplicates()
    keys = pd.MultiIndex.from_frame(rows[["area", "level"]])
    return keys.isin(pd.MultiIndex.from_frame(short)) if len(short) else np.zeros(len(rows), dtype=bool)


def _enrolment_gap_warnings(enrolment: pd.DataFrame) -> list[Problem]:
    problems = []
    totals = enrolment[["area", "level", "year"]].drop_duplicates()
    span = totals.groupby(["area", "level"])["year"].agg(["min", "max", "count"])
    gappy = span.index[span["max"] - span["min"] + 1 != span["count"]]
    totals = totals[pd.MultiIndex.from_frame(totals[["area", "level"]]).isin(gappy)]
    for (area, level), part in totals.groupby(["area", "level"]):
        years = sorted(part["year"])
        missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
        if missing:
            problems.append(Problem("enrolment.csv", f"{area} {level}: years {year_ranges(missing)} "
                                    "are not observed; models use the observed years only",
                                    column="year", severity="warning"))
    return problems


def _zero_level_warnings(enrolment: pd.DataFrame, base_year: int) -> list[Problem]:
    """A level with 0 pupils in every row of the base year is not taught there: say so (one
    line per level, with a count), rather than let it vanish from the outputs unannounced."""
    base = enrolment[enrolment["year"] == base_year]
    if base.empty:
        return []
    totals = base.groupby(["area", "level"])["students"].sum()
    zero = totals[totals == 0].reset_index()
    problems = []
    for level, part in zero.groupby("level", sort=False):
        names = ", ".join(part["area"].astype(str).head(3)) + (", ..." if len(part) > 3 else "")
        problems.append(Problem("enrolment.csv", f"{level}: {len(part)} area(s) report 0 pupils in "
                                f"every row of the base year {base_year} ({names}); the level is "
                                "taken as not taught there and is not projected", column="students",
                                severity="warning"))
    return problems


def _project_problems(projects: pd.DataFrame) -> list[Problem]:
    problems = []
    names = set(projects["project"])
    has_size = pd.Series(False, index=projects.index)
    for column in SIZE_COLUMNS:
        if column in projects.columns:
            has_size |= projects[column].notna() & (projects[column] > 0)
    part_of = projects["part_of"] if "part_of" in projects.columns else pd.Series("", index=projects.index)
    for index in np.flatnonzero((~has_size).to_numpy()):
        parent = part_of.iloc[index]
        if not parent:
            problems.append(Problem("projects.csv", f"project '{projects['project'].iloc[index]}' has "
                                    "no size: give seats, classrooms or floor_area_m2 (or part_of "
                                    "naming the sized project it belongs to)",
                                    spreadsheet_row(index), "seats"))
        elif parent not in names:
            problems.append(Problem("projects.csv", f"part_of '{parent}' is not a project in this "
                                    "file", spreadsheet_row(index), "part_of"))
    return problems


def _school_problems(schools: pd.DataFrame) -> list[Problem]:
    """A school row must say how many pupils it can take: seats, classrooms or classes."""
    has_size = pd.Series(False, index=schools.index)
    for column in ("seats", "classrooms", "classes"):
        if column in schools.columns:
            has_size |= schools[column].notna()
    return [Problem("schools.csv", "no size: give seats, classrooms or classes",
                    spreadsheet_row(i), "seats") for i in np.flatnonzero((~has_size).to_numpy())]


def _seat_addition_problems(additions: pd.DataFrame) -> list[Problem]:
    """A period of seat additions must run forwards (from_year no later than to_year)."""
    start, end = additions["from_year"].to_numpy(dtype=float), additions["to_year"].to_numpy(dtype=float)
    return [Problem("seat_additions.csv", f"from_year {start[i]:.0f} is after to_year {end[i]:.0f}; "
                    "give the period first year first", spreadsheet_row(i), "to_year")
            for i in np.flatnonzero(start > end)]


def year_ranges(years: list[int]) -> str:
    """[2001, 2002, 2003, 2007] -> '2001-2003, 2007'."""
    out, start = [], years[0]
    for prev, cur in zip(years, years[1:] + [None], strict=True):
        if cur != prev + 1 if cur is not None else True:
            out.append(str(start) if start == prev else f"{start}-{prev}")
            start = cur
    return ", ".join(out)


def areas_below(areas: pd.DataFrame) -> dict[str, list[str]]:
    """Every area below each area (children, grandchildren, ...)."""
    parent = dict(zip(areas["area"], areas["parent"], strict=True))
    below: dict[str, list[str]] = {}
    for area in parent:
        node = parent[area]
        while node is not None and not pd.isna(node):
            below.setdefault(node, []).append(area)
            node = parent.get(node)
    return below


def leaves_below(areas: pd.DataFrame) -> pd.DataFrame:
    """(ancestor, area) pairs: every finest area (one with no sub-areas) below each area."""
    parents = set(areas["parent"].dropna())
    return pd.DataFrame([(top, a) for top, under in areas_below(areas).items()
                         for a in under if a not in parents], columns=["ancestor", "area"])


def finest_with_demand(parent_of: dict | pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
    """True for each (area, level) row of ``pairs`` that is a *finest area*: no area below it
    has demand for the same level. ``pairs`` lists the area-levels that have demand (e.g. the
    area and level columns of the shortfall table; duplicates are fine).

    The one definition every output uses (the spells' ``detail``, the scheduler's records,
    the heatmaps, the terminal): a district whose sub-areas only hold planned sites (no
    enrolment of their own) is the finest area there is for its levels, and is never dropped
    as "a parent". ``parent_of``: area -> parent (or the dataset's areas frame)."""
    if isinstance(parent_of, pd.DataFrame):
        parent_of = dict(zip(parent_of["area"], parent_of["parent"], strict=True))
    if pairs.empty:
        return np.zeros(0, dtype=bool)
    parent = pd.Series({str(a): p for a, p in parent_of.items()
                        if p is not None and not pd.isna(p) and str(p) != ""}, dtype=object)
    present = pairs[["area", "level"]].drop_duplicates()
    covered: set[tuple[str, str]] = set()
    node = present["area"].map(parent)  # every ancestor of an area-level with demand is covered
    for _ in range(len(parent) + 1):
        known = node.notna()
        if not known.any():
            break
        covered.update(zip(node[known], present["level"][known], strict=True))
        node = node[known].map(parent)
        present = present[known]
    keys = zip(pairs["area"], pairs["level"], strict=True)
    return np.array([key not in covered for key in keys], dtype=bool)
