"""Planning standards: class-size limits, large-class thresholds, school sizes, floor area
per seat and construction lead times.

Defaults come from the shipped ``data/standards`` tables, where every row cites its source
(or says ``assumption:`` and why); a run's config overrides any of them. The result is one
small object the capacity and shortfall stages share, so both use the same limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from forecast.data.catalog import shipped_root

if TYPE_CHECKING:
    from forecast.data.config import RunConfig


def standards_dir() -> Path:
    return shipped_root() / "data" / "standards"


@dataclass
class Standards:
    """Limits per (level, grade) with grade ``""`` for the whole level; thresholds per level."""

    class_size: dict[tuple[str, str], float]
    large: dict[str, float]
    super_large: dict[str, float]
    max_share_percent: dict[str, float]
    school_classes: dict[str, int]
    m2_per_seat: dict[str, float]
    lead_time_years: dict[str, int]

    def limit(self, level: str, grade: str = "") -> float:
        """Pupils per class for a grade (falling back to the level's limit, then to
        ``ASSUMED_CLASS_SIZE`` for a level no standard covers, which a run states among its
        assumptions: see ``class_size_assumptions``)."""
        for key in ((level, grade), (level, "")):
            if key in self.class_size:
                return self.class_size[key]
        return ASSUMED_CLASS_SIZE

    def has_limit(self, level: str) -> bool:
        """True when a standard or the config gives ``level`` (or one of its grades) a size."""
        return any(key[0] == level for key in self.class_size)

    def school_size(self, level: str) -> float:
        """Classes in one standard school of a level (NaN when no standard exists)."""
        return float(self.school_classes.get(level, math.nan))


# Pupils per class for a level neither data/standards nor the config covers (a school
# system a dataset declares itself): a placeholder between the shipped standards (22 in
# Texas K-4, 45-50 in China), stated as an assumption wherever it is used.
ASSUMED_CLASS_SIZE = 30.0


def class_size_assumptions(standards: Standards, levels: tuple[str, ...] | list[str]) -> list[str]:
    """One assumption line per level without a class-size standard (none when all have one)."""
    missing = [lv for lv in levels if not standards.has_limit(lv)]
    return [f"class size of {lv}: {ASSUMED_CLASS_SIZE:g} pupils per class (assumption: no "
            f"class-size standard covers this level in data/standards/class_size.csv and the "
            f"config sets none; set capacity.class_size.{lv} in the config)" for lv in missing]


def load_standards(directory: Path | None = None) -> Standards:
    """The shipped standards (or those in ``directory``)."""
    root = directory or standards_dir()
    sizes = pd.read_csv(root / "class_size.csv", dtype={"grade": str}, keep_default_na=False)
    class_size, large, super_large = {}, {}, {}
    for row in sizes.itertuples():
        levels = row.level.split("+")
        for level in levels:
            if row.rule == "standard":
                class_size[(level, row.grade)] = float(row.limit)
            elif row.rule == "large":
                large[level] = float(row.limit)
            elif row.rule == "super_large":
                super_large[level] = float(row.limit)
    targets = pd.read_csv(root / "large_class_targets.csv")
    schools = pd.read_csv(root / "school_sizes.csv")
    # The largest standard size per level, else the stated maximum: one school per need.
    school_classes = {}
    for level, rows in schools.groupby("level"):
        standard = rows[rows["kind"] == "standard"]
        school_classes[level] = int((standard if len(standard) else rows)["classes"].max())
    area = pd.read_csv(root / "floor_area_per_seat.csv")
    lead = pd.read_csv(root / "lead_times.csv")
    return Standards(
        class_size=class_size, large=large, super_large=super_large,
        max_share_percent=dict(zip(targets["rule"], targets["max_share_percent"].astype(float), strict=True)),
        school_classes=school_classes,
        m2_per_seat=dict(zip(area["level"], area["m2_per_seat"].astype(float), strict=True)),
        lead_time_years=dict(zip(lead["level"], lead["years"].astype(int), strict=True)),
    )


def with_overrides(base: Standards, class_size: dict[str, float] | None = None,
                   school_classes: dict[str, int] | None = None,
                   m2_per_seat: dict[str, float] | None = None,
                   lead_time_years: dict[str, int] | None = None) -> Standards:
    """A copy of ``base`` with the config's values; class-size keys are ``level`` or
    ``level.grade`` (e.g. ``kindergarten.K1``). A level-wide value replaces the shipped
    per-grade values of that level too (a shipped default never beats a user's setting);
    a grade the user sets beats the user's level-wide value."""
    sizes = dict(base.class_size)
    given = {tuple(key.partition(".")[::2]): float(value) for key, value in (class_size or {}).items()}
    for level, grade in list(given):
        if grade == "":
            sizes = {k: v for k, v in sizes.items() if k[0] != level}
    sizes.update(given)
    return Standards(
        class_size=sizes, large=dict(base.large), super_large=dict(base.super_large),
        max_share_percent=dict(base.max_share_percent),
        school_classes={**base.school_classes, **(school_classes or {})},
        m2_per_seat={**base.m2_per_seat, **(m2_per_seat or {})},
        lead_time_years={**base.lead_time_years, **(lead_time_years or {})},
    )


def standards_for(config: RunConfig) -> Standards:
    """The shipped planning standards with the config's overrides."""
    c = config.capacity
    return with_overrides(load_standards(), c.class_size, c.school_classes, c.m2_per_seat,
                          c.lead_time_years)
