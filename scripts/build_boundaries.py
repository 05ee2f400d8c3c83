"""Give data/texas its county shapes (data/texas/areas.geojson) from the shipped US boundaries.

Needs the optional maps extra (``pip install '.[maps]'``: plotly-geo, pyshp, shapely). The
254 counties of the US Census Bureau's 2016 cartographic boundary file (cb_2016_us_county_500k,
public domain, as plotly-geo ships it) are simplified together to 0.005 degrees (about 500 m;
shared edges stay shared) and matched to the dataset's counties by the TEA county number
(county_NNN is FIPS 48000 + 2 NNN - 1). Loving County (FIPS 48301) has no school district and
so no area: it goes under ``map_context`` (drawn grey, no data). The source is added to
dataset.yaml. Run after scripts/build_texas.py (which rewrites dataset.yaml), from the
repository root: ``python scripts/build_boundaries.py``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from forecast.data.boundary_seed import seed

ROOT = Path(__file__).resolve().parents[1]
TEXAS = ROOT / "data" / "texas"
TOLERANCE = 0.005  # degrees


def build() -> None:
    (TEXAS / "areas.geojson").unlink(missing_ok=True)
    meta_file = TEXAS / "dataset.yaml"
    meta = yaml.safe_load(meta_file.read_text(encoding="utf-8"))
    meta.pop("map_context", None)
    meta["sources"] = [s for s in meta.get("sources", []) if not str(s).startswith("areas.geojson:")]
    meta_file.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")
    paths, notes = seed(TEXAS, "fips:48", simplify=TOLERANCE)
    source = next(n for n in notes if n.startswith("cite the shapes")).split(": ", 1)[1]
    meta = yaml.safe_load(meta_file.read_text(encoding="utf-8"))
    meta["sources"].append(f"areas.geojson: county shapes from {source}; matched by TEA county number "
                           "(county_NNN = FIPS 48000 + 2 NNN - 1); scripts/build_boundaries.py")
    meta_file.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")
    for note in notes:
        print(f"note: {note}")
    for path in paths:
        print(f"wrote {path}")


if __name__ == "__main__":
    build()
