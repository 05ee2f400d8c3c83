"""Seats by area x level x year: the base year's seats plus the projects opened by each year.

Every seat count says how it was obtained (``method``): counted seats, classrooms times the
class-size limit, floor area divided by an assumed floor area per seat, or base-year
enrolment at an assumed utilisation. The last two are assumptions and are listed as such.
Classrooms are the whole rooms a dataset gives (``classrooms``, or the classes in use where
only those are known); they are never derived from seats, so an area-level-year whose seat
sources do not all give their classrooms has no classroom count (empty in capacity.csv).
A mixed school (九年一贯制 ``primary+junior``, 完全中学 ``junior+senior_general``) splits its
seats across its levels by a configurable share. Planned totals without a location (a
district's "23,000 new places") are simply projects located at the district.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.data.config import CapacitySettings
from forecast.data.dataset import Dataset, areas_below
from forecast.data.standards import Standards
from forecast.data.system import DEFAULT, SchoolSystem, split_group

CONTRIBUTION_COLUMNS = ["area", "level", "item", "open_year", "seats", "classrooms", "method", "note"]
CAPACITY_COLUMNS = ["area", "level", "year", "existing_seats", "added_seats", "seats", "classrooms"]
ROOMS_UNKNOWN = "_rooms_unknown"  # seat sources open that year that give no classrooms


@dataclass
class Capacity:
    """``items``: one row per seat source and level; ``table``: seats of each area itself by
    year; ``rolled``: seats of each area with everything below it (what its demand can use)."""

    items: pd.DataFrame
    table: pd.DataFrame
    rolled: pd.DataFrame
    assumptions: list[str] = field(default_factory=list)

    def seats_lookup(self) -> pd.Series:
        """Seats indexed by (area, level, year), for the shortfall probability."""
        return self.rolled.set_index(["area", "level", "year"])["seats"]


def level_shares(group: str, settings: CapacitySettings,
                 system: SchoolSystem = DEFAULT) -> dict[str, float]:
    """How a (possibly mixed) school's seats split over its levels: the config's shares, else
    in proportion to each level's number of grades (primary+junior -> 6/9 and 3/9)."""
    levels = split_group(group)
    if len(levels) == 1:
        return {levels[0]: 1.0}
    if group in settings.mixed_school_shares:
        return dict(settings.mixed_school_shares[group])
    grades = {lv: len(system.grades(lv)) if lv in system.level_names else 1 for lv in levels}
    total = sum(grades.values())
    return {lv: n / total for lv, n in grades.items()}


def build_capacity(dataset: Dataset, settings: CapacitySettings, standards: Standards,
                   until: int) -> Capacity:
    """Seats and classrooms for every area and level from the base year to ``until``."""
    notes: list[str] = []
    existing = _existing_items(dataset, settings, standards, notes)
    projects = _project_items(dataset, settings, standards, notes,
                              include_opened=settings.existing.source == "none")
    items = pd.DataFrame(existing + projects, columns=CONTRIBUTION_COLUMNS)
    years = np.arange(dataset.base_year, until + 1)
    table = _by_year(items[items["level"].isin(dataset.system.level_names)], years)
    rolled = _roll_up(table, dataset.areas)
    return Capacity(items, _whole_rooms_only(table), _whole_rooms_only(rolled),
                    list(dict.fromkeys(notes)))


def _existing_items(dataset: Dataset, settings: CapacitySettings, standards: Standards,
                    notes: list[str]) -> list[dict]:
    source = settings.existing.source
    schools = dataset.table("schools")
    if source == "auto":
        source = "schools" if len(schools) else "enrolment"
    base = dataset.base_year
    rows = []
    if source == "schools":
        for school in schools.itertuples():
            name = str(getattr(school, "school", "") or "")
            name = name if name and name != "nan" else "schools.csv"
            rooms = _num(school, "classrooms")
            if np.isnan(rooms) and not np.isnan(_num(school, "classes")):
                rooms = _num(school, "classes")  # classes in use stand in for classrooms
                notes.append("schools.csv: where classrooms are not given, the classes in use "
                             "are taken as the classrooms (assumption)")
            rows += _split(school.area, school.level, name, base, _num(school, "seats"),
                           rooms, np.nan, "existing: schools.csv", "", settings, standards, notes,
                           dataset.system)
    elif source == "enrolment":
        utilisation = settings.existing.utilisation
        totals = dataset.level_totals()
        totals = totals[(totals["year"] == base) & totals["level"].isin(dataset.system.level_names)]
        # An area whose sub-areas have their own enrolment gets its seats from them.
        pairs = _ancestry(dataset.areas)
        pairs = pairs[pairs["ancestor"] != pairs["area"]]
        covered = pairs.merge(totals[["area", "level"]], on="area")[["ancestor", "level"]]
        covered = set(zip(covered["ancestor"], covered["level"], strict=True))
        for row in totals.itertuples():
            if (row.area, row.level) in covered:
                continue
            seats = row.students / utilisation
            rows.append({"area": row.area, "level": row.level, "item": "existing",
                         "open_year": base, "seats": seats,
                         "classrooms": np.nan,  # no rooms are invented from assumed seats
                         "method": "existing: base-year enrolment / utilisation",
                         "note": f"{base} enrolment {row.students:,.0f} at utilisation {utilisation}"})
        if rows:
            notes.append(f"existing seats: {settings.existing.assumption} (utilisation "
                         f"{utilisation}; set capacity.existing in the config)")
    return rows


def _project_items(dataset: Dataset, settings: CapacitySettings, standards: Standards,
                   notes: list[str], include_opened: bool) -> list[dict]:
    projects = dataset.table("projects")
    rows = []
    for p in projects.itertuples():
        part_of = str(getattr(p, "part_of", "") or "")
        if part_of and part_of != "nan":
            continue  # counted in the total it belongs to
        if int(p.open_year) <= dataset.base_year and not include_opened:
            continue  # already in the base year's seats
        rows += _split(p.area, p.level, p.project, int(p.open_year), _num(p, "seats"),
                       _num(p, "classrooms"), _num(p, "floor_area_m2"), "project",
                       str(getattr(p, "note", "") or ""), settings, standards, notes, dataset.system)
    return rows


def _split(area: str, group: str, item: str, year: int, seats: float, classrooms: float,
           floor_area: float, kind: str, note: str, settings: CapacitySettings,
           standards: Standards, notes: list[str], system: SchoolSystem = DEFAULT) -> list[dict]:
    """One row per level of a (possibly mixed) school, seats from the best size known."""
    shares = level_shares(group, settings, system)
    if len(shares) > 1:
        notes.append(_share_note(group, shares, settings))
    m2 = {lv: standards.m2_per_seat.get(lv, np.nan) for lv in shares}
    if not np.isnan(seats):
        method = f"{kind}: seats"
    elif not np.isnan(classrooms):
        method = f"{kind}: classrooms x class-size limit"
    elif not np.isnan(floor_area):
        method = f"{kind}: floor area / m2 per seat (assumption)"
        per_seat = sum(share * m2[lv] for lv, share in shares.items())
        seats = floor_area / per_seat if per_seat > 0 else np.nan
        notes += [_area_note(level, m2[level], settings) for level in shares]
    else:
        method = f"{kind}: no size"
    out = []
    for level, share in shares.items():
        limit = standards.class_size.get((level, ""), np.nan)
        if not np.isnan(classrooms) and np.isnan(seats):
            rooms = classrooms * share
            level_seats = rooms * limit
        else:
            level_seats = seats * share
            rooms = classrooms * share  # rooms are never invented from seats (NaN: not given)
        out.append({"area": area, "level": level, "item": item, "open_year": year,
                    "seats": level_seats, "classrooms": rooms, "method": method, "note": note})
    return out


def _share_note(group: str, shares: dict[str, float], settings: CapacitySettings) -> str:
    how = "config" if group in settings.mixed_school_shares else "assumption: by number of grades"
    text = ", ".join(f"{lv} {s:.3f}" for lv, s in shares.items())
    return f"mixed school {group} seats split {text} ({how}; set capacity.mixed_school_shares)"


def _area_note(level: str, m2: float, settings: CapacitySettings) -> str:
    if np.isnan(m2):
        return f"{level}: no floor area per seat known, so its projects known only by floor area have no seats"
    why = settings.m2_per_seat_assumption or "data/standards/floor_area_per_seat.csv"
    return f"{level}: projects known only by floor area count one seat per {m2} m2 (assumption; {why})"


def _num(row, column: str) -> float:
    value = getattr(row, column, np.nan)
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def _by_year(items: pd.DataFrame, years: np.ndarray) -> pd.DataFrame:
    """Cumulative seats of each area and level in each year (a project counts from its
    opening year on), with the number of seat sources that give no classrooms."""
    if items.empty:
        return pd.DataFrame(columns=CAPACITY_COLUMNS + [ROOMS_UNKNOWN])
    opened = items["open_year"].to_numpy()[:, None] <= years[None, :]  # [item, year]
    seats = np.nan_to_num(items["seats"].to_numpy(dtype=float))[:, None] * opened
    existing = items["method"].str.startswith("existing").to_numpy()[:, None] * seats
    rooms = items["classrooms"].to_numpy(dtype=float)
    long = pd.DataFrame({
        "area": np.repeat(items["area"].to_numpy(), len(years)),
        "level": np.repeat(items["level"].to_numpy(), len(years)),
        "year": np.tile(years, len(items)),
        "existing_seats": existing.ravel(), "seats": seats.ravel(),
        "classrooms": (np.nan_to_num(rooms)[:, None] * opened).ravel(),
        ROOMS_UNKNOWN: (np.isnan(rooms)[:, None] & opened).ravel().astype(int)})
    table = long.groupby(["area", "level", "year"], as_index=False, sort=True).sum()
    table["added_seats"] = table["seats"] - table["existing_seats"]
    return table[CAPACITY_COLUMNS + [ROOMS_UNKNOWN]]


def _whole_rooms_only(table: pd.DataFrame) -> pd.DataFrame:
    """``classrooms`` only where every seat source open that year gives its classrooms
    (NaN otherwise: rooms are counted, never derived from seats)."""
    out = table.drop(columns=ROOMS_UNKNOWN)
    out["classrooms"] = out["classrooms"].where(table[ROOMS_UNKNOWN].to_numpy() == 0)
    return out


def _ancestry(areas: pd.DataFrame) -> pd.DataFrame:
    """Pairs (ancestor, area): every area with itself and with each area above it."""
    pairs = [(a, a) for a in areas["area"]]
    pairs += [(top, a) for top, below in areas_below(areas).items() for a in below]
    return pd.DataFrame(pairs, columns=["ancestor", "area"])


def _roll_up(table: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Each area's seats plus those of every area below it."""
    if table.empty:
        return table.copy()
    joined = _ancestry(areas).merge(table, on="area")
    summed = (joined.drop(columns="area").rename(columns={"ancestor": "area"})
              .groupby(["area", "level", "year"], as_index=False, sort=True)
              [CAPACITY_COLUMNS[3:] + [ROOMS_UNKNOWN]].sum())
    return summed[CAPACITY_COLUMNS + [ROOMS_UNKNOWN]]
