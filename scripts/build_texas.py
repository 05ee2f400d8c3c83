"""Build data/texas from ../shared/data/panels/texas_districts (a real US panel: 1,276 school
districts by grade, 2013-2023, no births).

Grades map onto the US K-5/6-8/9-12 system (``us_k5_6_8_9_12``): PK -> pre_k; K and 1-5 ->
elementary; 6-8 -> middle; 9-12 -> high. EE (Early Education, TEA's code for early-childhood
special-education pupils of mixed ages) is not a birth cohort or a grade: it is left out and
the dataset says so. Areas: state TX -> 253 counties -> districts, as in the source.

Run from the repository root: ``python scripts/build_texas.py``, then
``python scripts/build_boundaries.py`` (the counties' shapes, areas.geojson, and their
``map_context`` and source in dataset.yaml, which this script rewrites).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "panels" / "texas_districts"
OUT = ROOT / "data" / "texas"

CITATION = ("Texas Education Agency, Texas Academic Performance Reports (TAPR), district enrolment "
            "by grade (PEIMS fall snapshot), via almartin82/txschooldata@f6df5bd00d1bfd91f18fc91767419fb3ef484fb8 "
            "inst/extdata/enr_tidy_YYYY.rds (MIT); shared/data/panels/texas_districts/enrolment.csv")
ROW_SOURCE = "TEA TAPR district enrolment by grade (see dataset.yaml sources)"
LEVEL_OF = {"PK": "pre_k", "K": "elementary", **{f"{g:02d}": "elementary" for g in range(1, 6)},
            **{f"{g:02d}": "middle" for g in range(6, 9)}, **{f"{g:02d}": "high" for g in range(9, 13)}}


def build() -> None:
    enrol = pd.read_csv(SOURCE / "enrolment.csv", dtype={"area_id": str, "grade": str})
    areas = pd.read_csv(SOURCE / "areas.csv", dtype={"area_id": str, "parent_area_id": str,
                                                     "county_number": str})
    ee = enrol[enrol["grade"] == "EE"]
    enrol = enrol[enrol["grade"] != "EE"].copy()
    enrol["level"] = enrol["grade"].map(LEVEL_OF)
    assert enrol["level"].notna().all(), "unmapped grade"
    enrol["grade"] = enrol["grade"].str.lstrip("0").replace("", "0")
    table = enrol[["area_id", "year", "level", "grade", "students"]].rename(columns={"area_id": "area"})
    table = table.assign(source=ROW_SOURCE).sort_values(["area", "year", "level", "grade"])
    OUT.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT / "enrolment.csv", index=False, lineterminator="\n")

    entries = []
    for row in areas.itertuples():
        parent = None if pd.isna(row.parent_area_id) else row.parent_area_id
        name = row.name if isinstance(row.name, str) and row.name else row.area_id
        entries.append({"area": row.area_id, "parent": parent, "name": name})
    meta = {
        "name": "texas",
        "title": "Texas public school districts: enrolment by grade 2013-2023 (TEA TAPR)",
        "base_year": int(table["year"].max()),
        "system": "us_k5_6_8_9_12",
        "units": "persons",
        "language": "en",
        "sources": [CITATION,
                    "areas: county from CDN digits 1-3 (TEA county numbering); charter flag from digit 4; "
                    "shared/data/panels/texas_districts/areas.csv"],
        "notes": [
            "year = the ending calendar year of the school year (2023 = 2022-23), fall counts.",
            "No births: entry grades (PK, K) are projected from each district's own entrants.",
            f"EE (Early Education, {int(ee['students'].sum()):,} pupil-years in 2013-2023, mixed-age "
            "special-education programmes) is not a grade or birth cohort and is left out.",
            "2021 (2020-21) is the COVID dip: statewide -2.2 %, PK -21 %. It is a shock, not a trend.",
            "Districts that closed or merged are not zeros: they simply stop (no base-year enrolment).",
            "Charter districts are filed under the county of their number, not every county they serve.",
            "No classes, seats or projects: capacity is the base-year enrolment (an assumption).",
        ],
        "areas": entries,
    }
    text = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100)
    (OUT / "dataset.yaml").write_text(text, encoding="utf-8")
    print(f"wrote {OUT}: {len(table):,} enrolment rows, {len(entries):,} areas "
          f"(EE rows left out: {len(ee):,})")


if __name__ == "__main__":
    build()
