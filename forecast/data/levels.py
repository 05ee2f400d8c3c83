"""The China 6-3-3 vocabulary, kept for callers that have no dataset at hand.

A dataset declares its own school system (``forecast.data.system``); code that has a dataset
reads levels and grades from ``dataset.system``. These names are the default system's.
"""

from __future__ import annotations

from forecast.data.system import DEFAULT, GROUP_SEPARATOR, OTHER_LEVELS, split_group

LEVELS: tuple[str, ...] = DEFAULT.level_names
GRADES: dict[str, tuple[str, ...]] = {lv.name: lv.grades for lv in DEFAULT.levels}
ENTRY_AGE: dict[str, int] = {lv.name: lv.entry_age for lv in DEFAULT.levels}

__all__ = ["ENTRY_AGE", "GRADES", "GROUP_SEPARATOR", "LEVELS", "OTHER_LEVELS", "ages",
           "grade_age", "is_known_level", "split_group"]


def ages(level: str) -> range:
    """Single-year ages a level of the default system serves, e.g. primary -> 6..11."""
    return DEFAULT.ages(level)


def grade_age(level: str, grade: str) -> int:
    """Age of the children in one grade of a level of the default system."""
    return DEFAULT.grade_age(level, grade)


def is_known_level(level: str, allow_groups: bool = False, allow_other: bool = False) -> bool:
    """True when ``level`` is a level of the default system (or an allowed group/other)."""
    return DEFAULT.is_known_level(level, allow_groups, allow_other)
