"""The construction scheduler's input: what must be built, where, how big and by when.

One record per area x level x scenario with a need: short by at least one class (the
class-size limit) at the p90 demand in some year; smaller deficits are not short years. Each
quantity comes with its basis: how the seats were counted (``seats_basis``,
``capacity_assumed``) and why classrooms are to be built (``classrooms_basis``). The JSON document follows ``forecast/schemas/scheduler.schema.json``
(its ``schema_version`` is ``SCHEMA_VERSION``); CSV and Parquet carry the same records as a
flat table, list fields joined by "; ". See docs/scheduler-export.md.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.common.files import atomic_write_csv, atomic_write_json, atomic_write_with
from forecast.common.version import __version__
from forecast.data.dataset import Dataset, areas_below, finest_with_demand
from forecast.data.standards import Standards
from forecast.planning.capacity import Capacity
from forecast.planning.shortfall import FOR_SEATS, short_year

SCHEMA_VERSION = "2.0.0"  # 2.0.0: any declared school system; whole rooms with their basis
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "scheduler.schema.json"
FORMATS = ("json", "csv", "parquet")


def fingerprint(text: str, folder: Path | None = None) -> str:
    """A short id of ``text``, the package version and the data files in ``folder``: the same
    inputs always give the same id, any change gives a new one."""
    digest = hashlib.sha256(text.encode() + __version__.encode())
    for path in sorted(Path(folder).glob("*")) if folder else []:
        if path.is_file() and path.suffix in (".csv", ".yaml", ".yml"):
            digest.update(path.name.encode())
            with path.open("rb") as handle:  # in blocks: a province's file is gigabytes
                for block in iter(lambda h=handle: h.read(1 << 22), b""):
                    digest.update(block)
    return digest.hexdigest()[:12]


def records(shortfall: pd.DataFrame, capacity: Capacity, standards: Standards,
            dataset: Dataset) -> list[dict]:
    """Scheduler records, most urgent first within each scenario.

    Built column-wise (group-by aggregates, joins for the areas below and the planned
    projects) so the cost grows with the number of rows, not with areas x projects."""
    keys = ["scenario", "area", "level"]
    frame = shortfall.reset_index(drop=True)
    limit = frame["class_size_limit"].to_numpy(dtype=float)
    frame = frame.assign(_row=np.arange(len(frame)),
                         _short=short_year(frame["deficit_seats"], limit),
                         _short90=short_year(frame["deficit_seats_p90"], limit))
    if "classrooms_basis" not in frame:
        frame["classrooms_basis"] = np.where(frame["classrooms_to_build"] > 0, FOR_SEATS, "")
    # a need: short by at least one class at P90 in some year (smaller deficits are counted apart)
    group = frame.groupby(keys, sort=False)["_short90"].transform("any")
    need = frame[group].sort_values(keys + ["year"], kind="stable")
    if need.empty:
        return []
    g = need.groupby(keys, sort=False)
    first = g.first()  # year order: the first row of each group
    most_rooms = need.sort_values(keys + ["classrooms_to_build", "year"],
                                  ascending=[True] * 3 + [False, True], kind="stable").drop_duplicates(keys)
    table = pd.DataFrame({
        "first_deficit_year": need["year"].where(need["_short"]).groupby(
            [need[k] for k in keys], sort=False).min(),
        "first_risk_year": need["year"].where(need["_short90"]).groupby(
            [need[k] for k in keys], sort=False).min(),
        "seats_mean": g["deficit_seats"].max(), "seats_p90": g["deficit_seats_p90"].max(),
        "limit": first["class_size_limit"], "classrooms": g["classrooms_to_build"].max(),
        "rooms_basis": most_rooms.set_index(keys)["classrooms_basis"],
        "priority": (need["deficit_seats_p90"] * need["p_shortfall"].fillna(0)).groupby(
            [need[k] for k in keys], sort=False).max(),
    })
    # The peak: the first year (in year order) of the largest p90 deficit.
    peak = need.sort_values(keys + ["deficit_seats_p90", "year"], ascending=[True] * 3 + [False, True],
                            kind="stable").drop_duplicates(keys)
    table["peak_year"] = peak.set_index(keys)["year"]
    table["need_year"] = table["first_deficit_year"].fillna(table["first_risk_year"]).astype(int)
    at_need = need.set_index(keys + ["year"])["p_shortfall"]
    table["p_need"] = at_need.reindex(pd.MultiIndex.from_arrays(
        [table.index.get_level_values(k) for k in keys] + [table["need_year"].to_numpy()])).to_numpy()
    table = table.reset_index()
    table["finer"] = _has_finer(table, shortfall, dataset)
    planned = _planned_by_key(capacity, dataset)
    seat_basis = capacity_basis(capacity, dataset)
    names = dataset.areas.set_index("area")["name"]
    names = names[~names.index.duplicated()]
    out = []
    for r in table.itertuples(index=False):
        area, level, need_year = r.area, r.level, int(r.need_year)
        limit = float(r.limit)
        seats_mean, seats_p90 = float(r.seats_mean), float(r.seats_p90)
        classes_mean, classes_p90 = math.ceil(seats_mean / limit - 1e-9), math.ceil(seats_p90 / limit - 1e-9)
        school = standards.school_size(level)
        lead = int(standards.lead_time_years.get(level, 3))
        name = names.get(area, "")
        out.append({
            "rank": 0, "area": area, "area_name": "" if pd.isna(name) else str(name), "level": level,
            "scenario": r.scenario, "detail": "aggregate" if r.finer else "finest",
            "first_deficit_year": None if pd.isna(r.first_deficit_year) else int(r.first_deficit_year),
            "first_risk_year": int(r.first_risk_year),
            "need_year": need_year, "peak_year": int(r.peak_year),
            "seats_needed_mean": round(seats_mean, 1), "seats_needed_p90": round(seats_p90, 1),
            "class_size_limit": limit,
            "classes_needed_mean": classes_mean, "classes_needed_p90": classes_p90,
            "classrooms_to_build": int(r.classrooms),
            "classrooms_basis": str(r.rooms_basis) if int(r.classrooms) > 0 else "",
            "seats_basis": seat_basis.get((area, level), ("no seats counted", False))[0],
            "capacity_assumed": seat_basis.get((area, level), ("", False))[1],
            "standard_school_classes": None if math.isnan(school) else int(school),
            "standard_schools_needed_mean": None if math.isnan(school) else math.ceil(classes_mean / school),
            "standard_schools_needed_p90": None if math.isnan(school) else math.ceil(classes_p90 / school),
            "lead_time_years": lead, "latest_start_year": need_year - lead,
            "start_already_late": need_year - lead < dataset.base_year + 1,
            "earliest_opening_year": max(need_year, dataset.base_year + 1 + lead),
            "p_shortfall_need_year": round(float(r.p_need), 4),
            "priority": round(float(r.priority), 1),
            "planned_projects": list(planned.get((area, level), [])),
        })
    out.sort(key=lambda r: (r["scenario"], -r["priority"], r["need_year"], r["area"], r["level"]))
    counter: dict[str, int] = {}
    for record in out:  # ranked in place: a second list of dicts doubled the memory at scale
        counter[record["scenario"]] = counter.get(record["scenario"], 0) + 1
        record["rank"] = counter[record["scenario"]]
    return out


def _descendants(dataset: Dataset) -> pd.DataFrame:
    """(ancestor, area) pairs: every area below each area."""
    below = areas_below(dataset.areas)
    return pd.DataFrame([(top, a) for top, under in below.items() for a in under],
                        columns=["ancestor", "area"])


def _has_finer(table: pd.DataFrame, shortfall: pd.DataFrame, dataset: Dataset) -> np.ndarray:
    """True where some area below the record's area has demand rows for the same level (in
    any scenario): the record is then an aggregate (``dataset.finest_with_demand``)."""
    present = shortfall[["area", "level"]].drop_duplicates()
    finest = present[finest_with_demand(dataset.areas, present)]
    finest = set(zip(finest["area"], finest["level"], strict=True))
    return np.array([(a, lv) not in finest for a, lv in zip(table["area"], table["level"], strict=True)],
                    dtype=bool)


def capacity_basis(capacity: Capacity, dataset: Dataset) -> dict[tuple[str, str], tuple[str, bool]]:
    """(area, level) -> (how its seats were counted, whether that rests on an assumption):
    the methods of the seat sources of the area and every area below it, e.g. ``existing:
    base-year enrolment / utilisation`` (an assumed capacity)."""
    items = capacity.items
    if items.empty:
        return {}
    pairs = pd.concat([pd.DataFrame({"ancestor": dataset.areas["area"], "area": dataset.areas["area"]}),
                       _descendants(dataset)], ignore_index=True).drop_duplicates()
    joined = pairs.merge(items[["area", "level", "method"]].drop_duplicates(), on="area")
    out = {}
    for key, methods in joined.groupby(["ancestor", "level"], sort=False)["method"]:
        shown = sorted(set(methods))
        out[key] = ("; ".join(shown), any(assumed_method(m) for m in shown))
    return out


def assumed_method(method: str) -> bool:
    """A seat count that rests on an assumption rather than a count (base-year enrolment at
    an assumed utilisation, floor area at an assumed area per seat)."""
    return "utilisation" in method or "assumption" in method


def _planned_by_key(capacity: Capacity, dataset: Dataset) -> dict[tuple[str, str], list[str]]:
    """Planned (not existing) projects of each area and the areas below it, per level, in the
    order of the capacity items."""
    items = capacity.items
    part = items[~items["method"].str.startswith("existing")]
    if part.empty:
        return {}
    part = part.assign(_order=np.arange(len(part)),
                       _text=[f"{r.item} ({r.open_year}, {r.seats:,.0f} seats)" for r in part.itertuples()])
    pairs = pd.concat([pd.DataFrame({"ancestor": dataset.areas["area"], "area": dataset.areas["area"]}),
                       _descendants(dataset)], ignore_index=True).drop_duplicates()
    joined = pairs.merge(part[["area", "level", "_order", "_text"]], on="area")
    joined = joined.sort_values(["ancestor", "level", "_order"], kind="stable")
    return {key: list(texts) for key, texts in joined.groupby(["ancestor", "level"], sort=False)["_text"]}


def document(recs: list[dict], *, run: str, dataset: Dataset, until: int, scenarios: list[str],
             sources: list[str], assumptions: list[str]) -> dict:
    """The whole export: header (version, run id, provenance) and the records."""
    return {
        "schema_version": SCHEMA_VERSION, "run_id": run, "forecast_version": __version__,
        "dataset": dataset.name, "base_year": dataset.base_year, "until": until,
        "school_system": {"name": dataset.system.name, "levels": list(dataset.system.level_names)},
        "scenarios": scenarios, "sources": sources, "assumptions": assumptions,
        "records": recs,
    }


def write(doc: dict, out: Path, fmt: str = "json", encoding: str = "utf-8") -> Path:
    """Write the export as ``scheduler.json``, ``scheduler.csv`` (in ``encoding``) or
    ``scheduler.parquet``."""
    if fmt not in FORMATS:
        from forecast.common.errors import OptionError

        raise OptionError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "json":
        path = out / "scheduler.json"
        atomic_write_json(path, doc)
        return path
    table = flat(doc)
    if fmt == "csv":
        path = out / "scheduler.csv"
        atomic_write_csv(path, table, decimals=4, encoding=encoding)
        return path
    path = out / "scheduler.parquet"
    atomic_write_with(path, lambda tmp: table.to_parquet(tmp, index=False))
    return path


def flat(doc: dict) -> pd.DataFrame:
    """Records as one table, with the header's version and run id on every row."""
    columns = list(json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["$defs"]["record"]["required"])
    rows = [{**r, "planned_projects": "; ".join(r["planned_projects"])} for r in doc["records"]]
    table = pd.DataFrame(rows, columns=columns)
    whole = ["rank", "first_deficit_year", "first_risk_year", "need_year", "peak_year",
             "classes_needed_mean", "classes_needed_p90", "classrooms_to_build",
             "standard_school_classes", "standard_schools_needed_mean",
             "standard_schools_needed_p90", "lead_time_years", "latest_start_year",
             "earliest_opening_year"]
    table[whole] = table[whole].astype("Int64")  # whole numbers stay whole where some are null
    table.insert(0, "run_id", doc["run_id"])
    table.insert(0, "schema_version", doc["schema_version"])
    return table
