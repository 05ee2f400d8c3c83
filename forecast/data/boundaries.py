"""Where the planning areas are: a dataset's ``areas.geojson``, read, checked and dissolved.

A dataset folder may hold ``areas.geojson``: a GeoJSON FeatureCollection of Polygon or
MultiPolygon features in WGS84 longitude/latitude (EPSG:4326), each with an ``area``
property naming an area of dataset.yaml (an optional ``name`` property labels it on maps).
Nothing else about a dataset changes: the shapes only place its areas on a map.

* A parent area without a polygon of its own gets the union of its children's shapes
  (dissolved up the tree), when every child has one; otherwise it has none (never a part
  drawn as the whole).
* The map draws the **map units**: areas with a polygon of their own and none below them. A
  finest area without a shape is drawn inside the nearest map unit above it (Texas districts
  inside their county); one with no such ancestor must be listed under ``unmapped:`` in
  dataset.yaml, so no area with pupils silently drops off the map.
* ``map_context:`` in dataset.yaml declares shapes drawn grey for context only (no data, not
  a planning area): Loving County, Texas, which has no school district.
* ``schools.csv`` may carry ``lat, lon`` (WGS84 degrees): the report draws the schools.

Every problem names the file and the feature (``feature 3 (features[2])``). See docs/maps.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.validation import Problem, spreadsheet_row

FILE = "areas.geojson"
SHAPE_TYPES = ("Polygon", "MultiPolygon")
WGS84 = ("EPSG:4326", "CRS84", "OGC:1.3:CRS84", "EPSG::4326", "OGC::CRS84")
SHOWN = 10  # problems of one kind listed one by one; the rest are counted
REPROJECT = ("reproject it to WGS84 longitude/latitude (EPSG:4326), e.g. "
             "`ogr2ogr -t_srs EPSG:4326 areas.geojson yours.shp` (docs/maps.md)")


@dataclass
class Boundaries:
    """The shapes of a dataset's areas (shapely geometries, WGS84 lon/lat)."""

    file: Path
    own: dict[str, Any]  # area -> the polygon(s) its features give (several features unioned)
    shapes: dict[str, Any]  # own shapes and the parents dissolved from their children
    names: dict[str, str] = field(default_factory=dict)  # area -> the features' `name` property
    units: list[str] = field(default_factory=list)  # the areas the map draws, in file order
    inside: dict[str, str] = field(default_factory=dict)  # finest area -> the map unit drawing it
    context: list[str] = field(default_factory=list)  # map_context: drawn grey, no data
    unmapped: list[str] = field(default_factory=list)  # finest areas declared as on no map
    partial: list[str] = field(default_factory=list)  # parents not dissolved: a child lacks a shape

    def describe(self) -> str:
        """One line for ``forecast validate``."""
        below = len([a for a, u in self.inside.items() if a != u])
        parts = [f"{self.file.name}: {_count(len(self.units), 'area shape')} on the map"]
        if below:
            parts.append(f"{_count(below, 'finest area')} drawn inside the shape above them")
        dissolved = len(self.shapes) - len(self.own)
        if dissolved:
            parts.append(f"{_count(dissolved, 'parent shape')} dissolved from their sub-areas")
        if self.partial:
            parts.append(f"{_count(len(self.partial), 'parent')} without a shape (a sub-area has none)")
        if self.context:
            parts.append(f"{_count(len(self.context), 'context shape')} (no data)")
        if self.unmapped:
            parts.append(f"{_count(len(self.unmapped), 'area')} unmapped")
        return "; ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def read_boundaries(folder: Path, areas: pd.DataFrame, meta: dict[str, Any],
                    demand: set[str] | None = None) -> tuple[Boundaries | None, list[Problem]]:
    """``folder/areas.geojson`` checked against the declared ``areas`` (area, parent) and
    dataset.yaml's ``unmapped`` and ``map_context``; ``demand``: the areas with pupils in the
    base year, each of which must be on the map or listed as unmapped. (None, []) without
    the file; (None, problems) when it cannot be used."""
    path = Path(folder) / FILE
    if not path.exists():
        return None, _lists_without_file(meta)
    try:
        import shapely  # noqa: F401  (a dependency; a stripped environment gets a clear refusal)
    except ImportError:
        return None, [Problem(FILE, "checking the shapes needs shapely: pip install shapely")]
    collection, problems = _read_json(path)
    if collection is None:
        return None, problems
    context = _context_entries(meta, problems)
    declared = set(areas["area"].astype(str))
    own, names = _features(collection, declared | set(context), problems)
    if any(p.severity == "error" for p in problems):
        return None, problems
    unmapped = [str(a) for a in (meta.get("unmapped") or [])]
    for area in unmapped:
        if area not in declared:
            problems.append(Problem("dataset.yaml", f"unmapped lists '{area}', which is not a declared "
                                    "area", column="unmapped"))
        elif area in own:
            problems.append(Problem("dataset.yaml", f"unmapped lists '{area}', which has a shape in "
                                    f"{FILE}: it is drawn", column="unmapped", severity="warning"))
    parent_of = {str(a): (str(p) if isinstance(p, str) and p else None)
                 for a, p in zip(areas["area"], areas["parent"], strict=True)}
    units = _units(own, parent_of, context)
    inside = _inside(parent_of, own, set(units))
    found = Boundaries(path, own, dict(own), names, units, inside, list(context), unmapped)
    found.shapes, found.partial = _dissolve(own, parent_of, context)
    parents = _parents(parent_of)
    missing = sorted(a for a in (demand or set()) if a in parent_of and a not in inside
                     and a not in unmapped and a not in parents)
    if missing:
        shown = ", ".join(missing[:SHOWN]) + (f" and {len(missing) - SHOWN:,} more" if len(missing) > SHOWN else "")
        problems.append(Problem(FILE, f"{len(missing):,} finest area(s) with pupils have no shape and no "
                                f"area above them is drawn in their place: {shown}. Add their polygons, "
                                "or list them under `unmapped:` in dataset.yaml"))
        return None, problems
    return found, problems


def school_problems(schools: pd.DataFrame, boundaries: Boundaries | None) -> list[Problem]:
    """``schools.csv`` points: ``lat`` and ``lon`` together (degrees; their ranges are checked
    when the table is read), and a warning for a school outside its area's shape (swapped
    columns are the usual cause)."""
    if "lat" not in schools and "lon" not in schools:
        return []
    if ("lat" in schools) != ("lon" in schools):
        have, lack = ("lat", "lon") if "lat" in schools else ("lon", "lat")
        return [Problem("schools.csv", f"has {have} but no {lack}: give both (WGS84 degrees) or neither",
                        column=lack)]
    problems = []
    lat, lon = schools["lat"], schools["lon"]
    for i in np.flatnonzero((lat.isna() != lon.isna()).to_numpy()):
        problems.append(Problem("schools.csv", "give lat and lon together (or leave both empty)",
                                spreadsheet_row(i), "lon" if pd.isna(lon.iloc[i]) else "lat"))
    if boundaries is None or problems:
        return problems
    import shapely

    placed = lat.notna() & lon.notna()
    outside = []
    for i in np.flatnonzero(placed.to_numpy()):
        area = str(schools["area"].iloc[i])
        unit = boundaries.shapes.get(area)
        unit = unit if unit is not None else boundaries.shapes.get(boundaries.inside.get(area, ""))
        if unit is None:
            continue
        x, y = float(lon.iloc[i]), float(lat.iloc[i])
        if not shapely.intersects_xy(unit, x, y):
            swapped = shapely.intersects_xy(unit, y, x)
            outside.append(Problem("schools.csv", f"the school at lat {y}, lon {x} lies outside the shape "
                                   f"of area '{area}'" + ("; lat and lon look swapped" if swapped else ""),
                                   spreadsheet_row(i), "lat", severity="warning"))
    return _capped(outside)


def _lists_without_file(meta: dict[str, Any]) -> list[Problem]:
    return [Problem("dataset.yaml", f"{key} is given but the dataset has no {FILE}: it is ignored",
                    column=key, severity="warning") for key in ("unmapped", "map_context") if meta.get(key)]


def _read_json(path: Path) -> tuple[dict | None, list[Problem]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [Problem(FILE, f"is not UTF-8 text (byte {exc.start}); GeoJSON files are UTF-8: "
                              "save it again as UTF-8")]
    except OSError as exc:
        return None, [Problem(FILE, f"cannot be read: {exc.strerror or exc}")]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [Problem(FILE, f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")]
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        kind = data.get("type") if isinstance(data, dict) else type(data).__name__
        return None, [Problem(FILE, f"must be a GeoJSON FeatureCollection (found {kind!r})")]
    if not isinstance(data.get("features"), list):
        return None, [Problem(FILE, "has no `features` list")]
    crs = _crs_name(data.get("crs"))
    if crs is not None and not any(crs.upper().endswith(w) or w in crs.upper() for w in WGS84):
        return None, [Problem(FILE, f"declares the coordinate system {crs}, not WGS84 longitude/latitude: "
                              + REPROJECT)]
    return data, []


def _crs_name(crs: Any) -> str | None:
    """The name in a (pre-RFC 7946) ``crs`` member, e.g. urn:ogc:def:crs:EPSG::32648."""
    if not isinstance(crs, dict):
        return None
    props = crs.get("properties")
    name = props.get("name") if isinstance(props, dict) else None
    return str(name) if name else None


def _context_entries(meta: dict[str, Any], problems: list[Problem]) -> dict[str, str | None]:
    """``map_context``: area id -> parent (entries are ids or {area, parent, name})."""
    out: dict[str, str | None] = {}
    for entry in meta.get("map_context") or []:
        if isinstance(entry, dict) and entry.get("area") not in (None, ""):
            parent = entry.get("parent")
            out[str(entry["area"])] = str(parent) if parent not in (None, "") else None
        elif isinstance(entry, str | int) and not isinstance(entry, bool):
            out[str(entry)] = None
        else:
            problems.append(Problem("dataset.yaml", f"map_context entry {entry!r}: give an area id or "
                                    "{area: ..., parent: ...}", column="map_context"))
    return out


def _area_of(props: Any) -> str | None:
    value = props.get("area") if isinstance(props, dict) else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _features(collection: dict, known: set[str], problems: list[Problem]) -> tuple[dict, dict]:
    """Each feature checked; the areas' shapes (several features of one area unioned)."""
    import shapely
    from shapely.geometry import shape

    parts: dict[str, list] = {}
    names: dict[str, str] = {}
    faults: dict[str, list[Problem]] = {}

    def fault(kind: str, where: str, reason: str) -> None:
        faults.setdefault(kind, []).append(Problem(FILE, f"{where}: {reason}"))

    for i, feature in enumerate(collection["features"]):
        where = f"feature {i + 1} (features[{i}])"  # as a person counts, and as JSON indexes
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            fault("type", where, "is not a GeoJSON Feature")
            continue
        props = feature.get("properties")
        area = _area_of(props)
        if area is None:
            fault("area", where, "has no `area` property: every shape must name an area of dataset.yaml")
            continue
        where = f"{where[:-1]}, area '{area}')"
        if area not in known:
            fault("unknown", where, "is not an area declared in dataset.yaml (nor under map_context)")
            continue
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in SHAPE_TYPES:
            hint = " (school points go in schools.csv as lat, lon)" if kind == "Point" else ""
            fault("geometry", where, f"has {'no geometry' if kind is None else 'a ' + str(kind)}: "
                  f"areas need a Polygon or MultiPolygon{hint}")
            continue
        try:
            geom = shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError) as exc:
            fault("geometry", where, f"has malformed coordinates ({exc})")
            continue
        xy = shapely.get_coordinates(geom)
        if geom.is_empty or not len(xy):
            fault("geometry", where, "has an empty geometry")
            continue
        if not np.isfinite(xy).all():
            fault("geometry", where, "has a coordinate that is not a number")
            continue
        bad = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
        if bad.any():
            x, y = xy[np.argmax(bad)]
            swapped = abs(x) <= 90 < abs(y) <= 180
            fault("crs", where, f"coordinate ({x:g}, {y:g}) is not longitude/latitude in degrees "
                  + ("(longitude and latitude look swapped: GeoJSON is lon, lat)" if swapped else
                     f"(lon -180..180, lat -90..90): a projected coordinate system in metres? {REPROJECT}"))
            continue
        if not geom.is_valid:
            fault("invalid", where, f"is not a valid polygon: {_reason(shapely.is_valid_reason(geom))} "
                  "(QGIS: Vector > Geometry Tools > Fix Geometries; or shapely.make_valid)")
            continue
        parts.setdefault(area, []).append(geom)
        label = props.get("name") if isinstance(props, dict) else None
        if label not in (None, "") and area not in names:
            names[area] = str(label)
    for found in faults.values():
        problems += _capped(found)
    own = {a: (g[0] if len(g) == 1 else shapely.union_all(g)) for a, g in parts.items()}
    return own, names


def _reason(text: str) -> str:
    """shapely's 'Self-intersection[106.55 29.45]' as 'self-intersection at lon 106.55, lat 29.45'."""
    head, _, rest = text.partition("[")
    coords = rest.rstrip("]").split()
    if len(coords) >= 2:
        return f"{head.lower()} at lon {float(coords[0]):g}, lat {float(coords[1]):g}"
    return head.lower()


def _capped(found: list[Problem]) -> list[Problem]:
    if len(found) <= SHOWN:
        return found
    first = found[0]
    return found[:SHOWN] + [Problem(first.file, f"... and {len(found) - SHOWN:,} more like the above",
                                    severity=first.severity)]


def _ancestors(area: str, parent_of: dict[str, str | None]):
    seen = {area}
    node = parent_of.get(area)
    while node is not None and node not in seen:
        seen.add(node)
        yield node
        node = parent_of.get(node)


def _parents(parent_of: dict[str, str | None]) -> set[str]:
    return {p for p in parent_of.values() if p is not None}


def _units(own: dict[str, Any], parent_of: dict[str, str | None], context: dict[str, str | None]) -> list[str]:
    """Areas with a shape of their own and no shaped area below them (context shapes aside)."""
    covered = set()
    for area in own:
        if area in context:
            continue
        covered.update(_ancestors(area, parent_of))
    return [a for a in own if a not in covered and a not in context]


def _inside(parent_of: dict[str, str | None], own: dict[str, Any], units: set[str]) -> dict[str, str]:
    """Each finest area -> the map unit that draws it: itself, else the nearest shaped area
    above it when that one is a map unit."""
    out, parents = {}, _parents(parent_of)
    for area in parent_of:
        if area in parents and area not in units:
            continue
        if area in own:
            if area in units:
                out[area] = area
            continue
        above = next((a for a in _ancestors(area, parent_of) if a in own), None)
        if above in units:
            out[area] = above
    return out


def _dissolve(own: dict[str, Any], parent_of: dict[str, str | None],
              context: dict[str, str | None]) -> tuple[dict[str, Any], list[str]]:
    """Own shapes plus every parent without one dissolved from its children (context shapes
    with that parent included), deepest first; a parent with a child lacking a shape is left
    without (listed as partial)."""
    import shapely

    children: dict[str, list[str]] = {}
    for area, parent in list(parent_of.items()) + list(context.items()):
        if parent is not None:
            children.setdefault(parent, []).append(area)
    depth = {a: sum(1 for _ in _ancestors(a, parent_of)) for a in children}
    shapes, partial = dict(own), []
    for parent in sorted(children, key=lambda a: -depth[a]):
        if parent in shapes:
            continue
        kids = [shapes.get(c) for c in children[parent]]
        if any(k is None for k in kids):
            partial.append(parent)
            continue
        shapes[parent] = shapely.union_all(kids)
    return shapes, partial


def demand_areas(enrolment: pd.DataFrame, base_year: int) -> set[str]:
    """Areas with pupils in the base year (the ones the map must show)."""
    if enrolment is None or enrolment.empty:
        return set()
    base = enrolment[(enrolment["year"] == base_year) & (enrolment["students"] > 0)]
    return set(base["area"].astype(str))
