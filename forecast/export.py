"""The construction scheduler's input: what must be built, where, how big and by when.

One record per area x level x scenario with a need (a seat deficit at the mean or at the p90
demand in some year). The JSON document follows ``forecast/schemas/scheduler.schema.json``
(its ``schema_version`` is ``SCHEMA_VERSION``); CSV and Parquet carry the same records as a
flat table, list fields joined by "; ". See docs/scheduler-export.md.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pandas as pd

from forecast import __version__
from forecast.capacity import Capacity
from forecast.dataset import Dataset, areas_below
from forecast.io import atomic_write_csv, atomic_write_text, atomic_write_with
from forecast.standards import Standards

SCHEMA_VERSION = "1.0.0"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "scheduler.schema.json"
FORMATS = ("json", "csv", "parquet")


def fingerprint(text: str, folder: Path | None = None) -> str:
    """A short id of ``text``, the package version and the data files in ``folder``: the same
    inputs always give the same id, any change gives a new one."""
    digest = hashlib.sha256(text.encode() + __version__.encode())
    for path in sorted(Path(folder).glob("*")) if folder else []:
        if path.is_file() and path.suffix in (".csv", ".yaml", ".yml"):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def records(shortfall: pd.DataFrame, capacity: Capacity, standards: Standards,
            dataset: Dataset) -> list[dict]:
    """Scheduler records, most urgent first within each scenario."""
    below = areas_below(dataset.areas)
    names = {a: ("" if pd.isna(n) else str(n)) for a, n in zip(dataset.areas["area"], dataset.areas["name"], strict=True)}
    demand_areas = set(zip(shortfall["area"], shortfall["level"], strict=True))
    out = []
    for (scenario, area, level), rows in shortfall.groupby(["scenario", "area", "level"], sort=False):
        rows = rows.sort_values("year")
        if not (rows["deficit_seats_p90"] > 0).any():
            continue
        mean_years = rows.loc[rows["deficit_seats"] > 0, "year"]
        risk_years = rows.loc[rows["deficit_seats_p90"] > 0, "year"]
        need_year = int(mean_years.iloc[0]) if len(mean_years) else int(risk_years.iloc[0])
        peak = rows.loc[(rows["deficit_seats_p90"]).idxmax()]
        limit = float(rows["class_size_limit"].iloc[0])
        seats_mean = float(rows["deficit_seats"].max())
        seats_p90 = float(rows["deficit_seats_p90"].max())
        classes_mean, classes_p90 = math.ceil(seats_mean / limit - 1e-9), math.ceil(seats_p90 / limit - 1e-9)
        school = standards.school_size(level)
        lead = int(standards.lead_time_years.get(level, 3))
        p_need = float(rows.loc[rows["year"] == need_year, "p_shortfall"].iloc[0])
        finer = any((a, level) in demand_areas for a in below.get(area, []))
        out.append({
            "area": area, "area_name": names.get(area, ""), "level": level, "scenario": scenario,
            "detail": "aggregate" if finer else "finest",
            "first_deficit_year": int(mean_years.iloc[0]) if len(mean_years) else None,
            "first_risk_year": int(risk_years.iloc[0]),
            "need_year": need_year, "peak_year": int(peak["year"]),
            "seats_needed_mean": round(seats_mean, 1), "seats_needed_p90": round(seats_p90, 1),
            "class_size_limit": limit,
            "classes_needed_mean": classes_mean, "classes_needed_p90": classes_p90,
            "classrooms_to_build": int(rows["classrooms_to_build"].max()),
            "standard_school_classes": None if math.isnan(school) else int(school),
            "standard_schools_needed_mean": None if math.isnan(school) else math.ceil(classes_mean / school),
            "standard_schools_needed_p90": None if math.isnan(school) else math.ceil(classes_p90 / school),
            "lead_time_years": lead, "latest_start_year": need_year - lead,
            "start_already_late": need_year - lead < dataset.base_year + 1,
            "p_shortfall_need_year": round(p_need, 4),
            "priority": round(float((rows["deficit_seats_p90"] * rows["p_shortfall"].fillna(0)).max()), 1),
            "planned_projects": _planned(capacity, [area, *below.get(area, [])], level),
        })
    out.sort(key=lambda r: (r["scenario"], -r["priority"], r["need_year"], r["area"], r["level"]))
    ranked, counter = [], {}
    for record in out:
        counter[record["scenario"]] = counter.get(record["scenario"], 0) + 1
        ranked.append({"rank": counter[record["scenario"]], **record})
    return ranked


def document(recs: list[dict], *, run: str, dataset: Dataset, until: int, scenarios: list[str],
             sources: list[str], assumptions: list[str]) -> dict:
    """The whole export: header (version, run id, provenance) and the records."""
    return {
        "schema_version": SCHEMA_VERSION, "run_id": run, "forecast_version": __version__,
        "dataset": dataset.name, "base_year": dataset.base_year, "until": until,
        "scenarios": scenarios, "sources": sources, "assumptions": assumptions,
        "records": recs,
    }


def write(doc: dict, out: Path, fmt: str = "json") -> Path:
    """Write the export as ``scheduler.json``, ``scheduler.csv`` or ``scheduler.parquet``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "json":
        path = out / "scheduler.json"
        atomic_write_text(path, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return path
    table = flat(doc)
    if fmt == "csv":
        path = out / "scheduler.csv"
        atomic_write_csv(path, table, decimals=4)
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
             "standard_schools_needed_p90", "lead_time_years", "latest_start_year"]
    table[whole] = table[whole].astype("Int64")  # whole numbers stay whole where some are null
    table.insert(0, "run_id", doc["run_id"])
    table.insert(0, "schema_version", doc["schema_version"])
    return table


def _planned(capacity: Capacity, areas: list[str], level: str) -> list[str]:
    items = capacity.items
    part = items[items["area"].isin(areas) & (items["level"] == level)
                 & ~items["method"].str.startswith("existing")]
    return [f"{r.item} ({r.open_year}, {r.seats:,.0f} seats)" for r in part.itertuples()]
