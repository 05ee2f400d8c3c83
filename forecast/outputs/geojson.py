"""``shortfall_map.geojson``: the shortfall summary joined to the areas' shapes, for GIS.

One feature per row of ``shortfall_summary.csv`` (area x level x scenario), its properties the
summary's columns with the same values as the CSV (numbers rounded as the CSV rounds them),
its geometry the area's shape: its own polygon, or for a parent without one the union of its
sub-areas' (``forecast.data.boundaries``). An area with no shape (a Texas district, drawn inside its
county) keeps its row with a null geometry, so the file has exactly the summary's rows.

RFC 7946: WGS84 longitude/latitude, exterior rings counter-clockwise, six decimals. QGIS,
ArcGIS, geopandas and pyogrio open it as it is.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from forecast.common.files import atomic_write_with

NAME = "shortfall_map.geojson"
DECIMALS = 1  # as shortfall_summary.csv
PRECISION = 1e-6


def geometry_json(geom: Any) -> dict | None:
    """A shapely geometry as RFC 7946 GeoJSON (counter-clockwise exteriors, six decimals)."""
    if geom is None or geom.is_empty:
        return None
    import shapely
    from shapely.geometry import mapping

    geom = shapely.orient_polygons(shapely.set_precision(geom, PRECISION), exterior_cw=False)
    return json.loads(json.dumps(mapping(geom)))


def _value(value: Any) -> Any:
    """A summary cell as JSON: missing as null, numbers as the CSV rounds them."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, DECIMALS)
    return value


def features(summary: pd.DataFrame, shapes: dict[str, Any]) -> list[dict]:
    """The summary's rows as GeoJSON features (areas without a shape: null geometry)."""
    cache: dict[str, dict | None] = {}
    out = []
    for row in summary.to_dict(orient="records"):
        area = str(row["area"])
        if area not in cache:
            cache[area] = geometry_json(shapes.get(area))
        out.append({"type": "Feature", "properties": {k: _value(v) for k, v in row.items()},
                    "geometry": cache[area]})
    return out


def write_shortfall_map(folder: Path, summary: pd.DataFrame, boundaries) -> Path:
    """``folder/shortfall_map.geojson`` from the summary and the dataset's boundaries
    (forecast.data.boundaries.Boundaries), one feature a line."""
    path = Path(folder) / NAME
    rows = features(summary, boundaries.shapes)

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            handle.write('{"type":"FeatureCollection","features":[')
            for i, feature in enumerate(rows):
                handle.write(("\n" if i == 0 else ",\n")
                             + json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
            handle.write("\n]}\n")

    atomic_write_with(path, write)
    return path
