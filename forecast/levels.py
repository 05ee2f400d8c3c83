"""The school levels and grades a dataset may use, and the ages they serve.

One place for the vocabulary so that loaders, models and capacity rules agree.
Grades are strings: kindergarten ``K1``-``K3`` (ages 3-5), primary ``1``-``6``,
junior ``7``-``9``, senior ``10``-``12`` (both senior tracks).
"""

from __future__ import annotations

LEVELS: tuple[str, ...] = (
    "kindergarten",
    "primary",
    "junior",
    "senior_general",
    "senior_vocational",
)

# Levels a project may serve although no demand is modelled for them.
OTHER_LEVELS: tuple[str, ...] = ("special_education",)

GRADES: dict[str, tuple[str, ...]] = {
    "kindergarten": ("K1", "K2", "K3"),
    "primary": ("1", "2", "3", "4", "5", "6"),
    "junior": ("7", "8", "9"),
    "senior_general": ("10", "11", "12"),
    "senior_vocational": ("10", "11", "12"),
}

# Age (completed years at the start of the school year) of each level's first grade.
ENTRY_AGE: dict[str, int] = {
    "kindergarten": 3,
    "primary": 6,
    "junior": 12,
    "senior_general": 15,
    "senior_vocational": 15,
}

# Level groups used by plans ("compulsory", "upper secondary") and mixed schools.
GROUP_SEPARATOR = "+"


def ages(level: str) -> range:
    """Single-year ages a level serves, e.g. primary -> 6..11."""
    start = ENTRY_AGE[level]
    return range(start, start + len(GRADES[level]))


def grade_age(level: str, grade: str) -> int:
    """Age of the children in one grade of a level."""
    return ENTRY_AGE[level] + GRADES[level].index(grade)


def split_group(level: str) -> list[str]:
    """The levels in a level or level group such as ``primary+junior``."""
    return [part.strip() for part in str(level).split(GROUP_SEPARATOR)]


def is_known_level(level: str, allow_groups: bool = False, allow_other: bool = False) -> bool:
    """True when ``level`` is a modelled level (or, if allowed, a group or other level)."""
    known = set(LEVELS) | (set(OTHER_LEVELS) if allow_other else set())
    parts = split_group(level)
    if len(parts) > 1 and not allow_groups:
        return False
    return all(part in known for part in parts) and len(set(parts)) == len(parts)
