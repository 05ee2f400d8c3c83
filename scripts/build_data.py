"""Rebuild the shipped tables derived from the public statistics in ../shared/data.

Run from the repository root:  python scripts/build_data.py [--shared ../shared/data]

Writes (and overwrites) only derived tables; hand-transcribed tables from the plans
(enrolment, targets, projects of the districts, standards) are edited by hand:
  data/china/births.csv, enrolment.csv, flows.csv, indicators.csv
  data/provinces/drivers.csv, births.csv
  data/{banan,xingqing,conghua}/births.csv   (labelled proxies, see each dataset.yaml)
Every row keeps its publication in `source`; derived numbers say `assumption:` and how.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TEN_K = 10_000
COARSE_DIGITS = 4  # 1.08亿 = 10800万 has 3; bulletins otherwise print to 0.01万 (6+ digits)

LEVEL_SERIES = {  # series prefix in china_national.csv -> level
    "kg": "kindergarten",
    "primary": "primary",
    "junior": "junior",
    "senior_general": "senior_general",
}
DISTRICT_PROVINCE = {"banan": "重庆市", "xingqing": "宁夏回族自治区", "conghua": "广东省"}


def source_rank(source: str) -> int:
    """Prefer the education ministry's bulletin, then its tables, then the yearbook, then NBS."""
    if source.startswith("MoE") and "公报" in source:
        return 0
    if source.startswith("MoE"):
        return 1
    if source.startswith("China Statistical"):
        return 2
    if source.startswith("NBS"):
        return 3
    return 4


def to_persons(value: float, unit: str) -> float:
    return value * TEN_K if unit == "10k persons" else value


def digits(value: float) -> int:
    """Significant digits of a published figure (10800.0 -> 3, 10836.02 -> 7)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    whole = text.replace(".", "").lstrip("0")
    return len(whole) if "." in text else len(whole.rstrip("0"))


def rounded_copy(rows: pd.DataFrame) -> pd.Series:
    """True where a row is a coarse rounding (at most ``COARSE_DIGITS`` significant digits)
    of a finer row of the same year and series (e.g. a bulletin's 1.08亿 beside the
    communique's 10836.0万): the finer figure wins. Rows that agree to the bulletins' usual
    0.01万 stay ranked by publication (the bulletin first)."""
    out = pd.Series(False, index=rows.index)
    for _, part in rows.groupby(["series", "year"]):
        for i, row in part.iterrows():
            d = digits(row.value)
            if d > COARSE_DIGITS:
                continue
            for _, other in part.iterrows():
                if digits(other.value) > d and abs(other.value - row.value) <= 0.5 * _last_unit(row.value):
                    out[i] = True
    return out


def _last_unit(value: float) -> float:
    """The place value of a figure's last significant digit (10800.0 -> 100, 5509.3 -> 0.1)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    if "." in text:
        return 10.0 ** -len(text.split(".")[1])
    return 10.0 ** (len(text) - len(text.rstrip("0")))


def pick_preferred(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (year, series): the finest figure (a row that only rounds another is
    dropped), then the most authoritative publication."""
    rows = rows[~rounded_copy(rows)]
    rows = rows.assign(rank=rows["source"].map(source_rank))
    rows = rows.sort_values(["series", "year", "rank"], kind="stable")
    return rows.drop_duplicates(["series", "year"]).drop(columns="rank")


def with_computed(best: pd.DataFrame) -> pd.DataFrame:
    """Series published only rounded and rebuilt exactly from the bulletins' year-on-year
    changes (``<series>_computed``) replace the rounded figures; their source starts with
    ``computed:`` so every such row says it is computed."""
    computed = best[best.series.str.endswith("_computed")]
    if computed.empty:
        return best
    computed = computed.assign(series=computed.series.str.removesuffix("_computed"))
    computed = computed.assign(source=computed.source.where(
        computed.source.str.startswith("computed"), "computed: " + computed.source))
    keep = ~best.set_index(["series", "year"]).index.isin(computed.set_index(["series", "year"]).index)
    return pd.concat([best[keep & ~best.series.str.endswith("_computed")], computed], ignore_index=True)


def cite(row: pd.Series) -> str:
    quote = row.get("quote")
    text = str(row["source"])
    if isinstance(quote, str) and quote.strip():
        text += f' | quote: "{quote.strip()}"'
    return text


def estimate_births(rate: pd.Series, population: pd.Series) -> pd.Series:
    """births(t) ~ rate(t)/1000 x mean year-end population of t-1 and t (persons).

    The first year has no previous year-end figure; its own year-end population is used.
    """
    mean_pop = (population + population.shift(1)).div(2).fillna(population)
    return rate / 1000 * mean_pop * TEN_K


def population_basis(year: int, first_year: int) -> str:
    if year == first_year:
        return f"year-end population {year} (no {year - 1} figure collected)"
    return f"mean of year-end population {year - 1} and {year}"


def build_china(nat: pd.DataFrame, out: Path) -> pd.Series:
    out.mkdir(parents=True, exist_ok=True)
    best = with_computed(pick_preferred(nat))

    # Births: published figures where they exist, else rate x mean population (labelled).
    published = best[best.series == "births"].set_index("year")
    rate = best[best.series == "birth_rate"].set_index("year")["value"]
    pop = best[best.series == "population_year_end"].set_index("year")["value"].sort_index()
    estimated = estimate_births(rate.loc[pop.index], pop)
    rows = []
    for year in sorted(set(published.index) | set(estimated.index)):
        if year in published.index:
            row = published.loc[year]
            rows.append((year, round(to_persons(row.value, row.unit)), cite(row)))
        else:
            rows.append((
                year,
                round(estimated[year]),
                "assumption: no published births figure for this year in the collected "
                "publications; estimated as birth_rate/1000 x "
                f"{population_basis(year, int(pop.index.min()))} (NBS annual data, series birth_rate and "
                "population_year_end in data/china/indicators.csv)",
            ))
    births = pd.DataFrame(rows, columns=["year", "births", "source"])
    births.insert(0, "area", "china")
    births.to_csv(out / "births.csv", index=False)

    enrol, flows = [], []
    for prefix, level in LEVEL_SERIES.items():
        for kind in ("enrolment", "entrants", "graduates", "leavers"):
            part = best[best.series == f"{prefix}_{kind}"]
            for _, row in part.iterrows():
                record = {
                    "area": "china",
                    "year": int(row.year),
                    "level": level,
                    "students": round(to_persons(row.value, row.unit)),
                    "source": cite(row),
                }
                if kind == "enrolment":
                    enrol.append({**record, "grade": ""})
                else:
                    flows.append({**record, "flow": kind})
    grades = best[best.series.str.match(r"primary_enrolment_grade\d$")]
    for _, row in grades.iterrows():
        enrol.append({
            "area": "china", "year": int(row.year), "level": "primary",
            "grade": row.series[-1], "students": round(to_persons(row.value, row.unit)),
            "source": cite(row),
        })
    cols = ["area", "year", "level", "grade", "students", "source"]
    pd.DataFrame(enrol)[cols].sort_values(["level", "year", "grade"]).to_csv(
        out / "enrolment.csv", index=False)
    pd.DataFrame(flows)[["area", "year", "level", "flow", "students", "source"]].sort_values(
        ["level", "flow", "year"]).to_csv(out / "flows.csv", index=False)

    other = best[best.series.isin([
        "birth_rate", "population_year_end", "primary_net_enrolment_rate",
        "primary_to_junior_transition_rate", "junior_to_senior_transition_rate",
        "total_classes", "classes_56_65_share", "classes_66plus_share",
        "classes_56_65_count", "classes_66plus_count", "classes_56plus_share",
        "classes_56plus_count",
    ])]
    ind = pd.DataFrame({
        "area": "china",
        "year": other.year.astype(int),
        "level": other.level.replace("population", "all"),
        "indicator": other.series,
        "value": other.value,
        "unit": other.unit,
        "source": other.apply(cite, axis=1),
    })
    ind.sort_values(["indicator", "level", "year"]).to_csv(out / "indicators.csv", index=False)
    return births.set_index("year")["births"]


def build_provinces(prov: pd.DataFrame, national_births: pd.Series, out: Path) -> pd.DataFrame:
    out.mkdir(parents=True, exist_ok=True)
    prov = prov.copy()
    prov.to_csv(out / "drivers.csv", index=False)
    rows = []
    last_national = int(national_births.index.max())
    for name, part in prov.groupby("province"):
        rate = part[part.series == "birth_rate"].set_index("year")["value"].sort_index()
        pop = part[part.series == "population_year_end"].set_index("year")["value"].sort_index()
        births = estimate_births(rate.loc[pop.index], pop)
        for year, value in births.items():
            rows.append((name, year, round(value),
                         "assumption: estimated as birth_rate/1000 x "
                         f"{population_basis(year, int(pop.index.min()))}, from data/provinces/drivers.csv (NBS provincial "
                         "annual data)"))
        last = int(births.index.max())
        for year in range(last + 1, last_national + 1):
            value = births[last] * national_births[year] / national_births[last]
            rows.append((name, year, round(value),
                         f"assumption: provincial data end in {last}; extended as births {last} "
                         f"x national births {year} / national births {last} "
                         "(data/china/births.csv)"))
    table = pd.DataFrame(rows, columns=["province", "year", "births", "source"])
    table.to_csv(out / "births.csv", index=False)
    return table


def build_district_births(province_births: pd.DataFrame, data: Path) -> None:
    for district, province in DISTRICT_PROVINCE.items():
        part = province_births[province_births.province == province]
        table = pd.DataFrame({
            "area": district,
            "year": part.year,
            "births": part.births,
            "source": "assumption: proxy cohort index, the births of " + province
            + " (data/provinces/births.csv: " + part.source + "); the plan gives no births. "
            "Only relative cohort sizes are used: the level-total model calibrates its scale "
            "to the district's own enrolment (see dataset.yaml, births_proxy).",
        })
        table.to_csv(data / district / "births.csv", index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    nat = pd.read_csv(args.shared / "china_national.csv")
    prov = pd.read_csv(args.shared / "province_drivers.csv")
    data = ROOT / "data"
    national_births = build_china(nat, data / "china")
    province_births = build_provinces(prov, national_births, data / "provinces")
    build_district_births(province_births, data)
    print("rebuilt derived tables under", data)


if __name__ == "__main__":
    main()
