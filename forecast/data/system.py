"""The school system a dataset declares: its levels, their grades and ages, and how each
level's first grade is filled.

A school system is data, not code: ``dataset.yaml`` names a preset (``system: china_5_4``)
or declares its own levels (``system: {levels: [...]}``); every module reads levels,
grades, ages, entry grades and feeder rules from the ``SchoolSystem`` the dataset carries.

Each level's first grade is filled in one of two ways (``intake``):

* ``births``: children enter from their birth cohort at ``entry_age`` (China's
  kindergarten and primary, US pre-kindergarten and kindergarten). China's kindergarten
  years are each entered from births (``every_grade_from_births``): children start
  kindergarten at three, four or five.
* ``transition``: the last grade of the feeder level moves up (primary 6 -> junior 7).
  Levels that share grades and split one intake (``track``: senior general and
  vocational) are parallel tracks fed by the same grade.

Presets: ``china_6_3_3`` (the default), ``china_5_4`` (五四制: primary 1-5, junior 6-9),
``us_k5_6_8_9_12`` and ``us_k8_9_12``. A preset may be given fewer kindergarten years
(``kindergarten_years: 1`` keeps only the last, as in one-year kindergartens).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from forecast.common.errors import UserInputError

GROUP_SEPARATOR = "+"
INTAKES = ("births", "transition")
# Levels a project may serve although no demand is modelled for them.
OTHER_LEVELS: tuple[str, ...] = ("special_education",)


class SchoolSystemError(UserInputError):
    """A school-system declaration that cannot be used; the message names the key."""


@dataclass(frozen=True)
class Level:
    """One level of a school system."""

    name: str
    grades: tuple[str, ...]
    entry_age: int  # completed years of age at the start of the first grade's school year
    intake: str = "births"  # "births" or "transition"
    every_grade_from_births: bool = False
    track: str | None = None  # name of the track group (parallel levels sharing one intake)

    @property
    def ages(self) -> range:
        return range(self.entry_age, self.entry_age + len(self.grades))


@dataclass(frozen=True)
class SchoolSystem:
    """An ordered set of levels, youngest first."""

    name: str
    levels: tuple[Level, ...]

    @property
    def level_names(self) -> tuple[str, ...]:
        return tuple(level.name for level in self.levels)

    def level(self, name: str) -> Level:
        for level in self.levels:
            if level.name == name:
                return level
        raise KeyError(f"level '{name}' is not part of the {self.name} school system "
                       f"({', '.join(self.level_names)})")

    def grades(self, level: str) -> tuple[str, ...]:
        return self.level(level).grades

    def ages(self, level: str) -> range:
        """Single-year ages a level serves, e.g. primary -> 6..11 in 6-3-3."""
        return self.level(level).ages

    def grade_age(self, level: str, grade: str) -> int:
        spec = self.level(level)
        return spec.entry_age + spec.grades.index(grade)

    def feeder(self, level: str) -> Level | None:
        """The level whose last grade fills ``level``'s first grade (None for births intake):
        the nearest earlier level outside ``level``'s track group."""
        spec = self.level(level)
        if spec.intake != "transition":
            return None
        names = self.level_names
        for earlier in reversed(self.levels[: names.index(level)]):
            if spec.track is None or earlier.track != spec.track:
                return earlier
        return None

    def tracks(self, level: str) -> tuple[str, ...]:
        """The levels sharing ``level``'s intake (itself alone when it has no track)."""
        spec = self.level(level)
        if spec.track is None:
            return (level,)
        return tuple(lv.name for lv in self.levels if lv.track == spec.track)

    def slots(self) -> list[tuple[str, str]]:
        """Every (level, grade) in flow order."""
        return [(lv.name, g) for lv in self.levels for g in lv.grades]

    def predecessor(self, level: str, grade: str) -> tuple[str, str] | None:
        """The (level, grade) whose children move into this grade a year later; None where
        children enter from births."""
        spec = self.level(level)
        i = spec.grades.index(grade)
        if i > 0:
            return None if spec.every_grade_from_births else (level, spec.grades[i - 1])
        feeder = self.feeder(level)
        return (feeder.name, feeder.grades[-1]) if feeder is not None else None

    def entry_grades(self) -> list[tuple[str, str]]:
        """Grades filled from births (the system's entry grades)."""
        return [(lv.name, g) for lv in self.levels for g in lv.grades
                if self.predecessor(lv.name, g) is None]

    def is_known_level(self, level: str, allow_groups: bool = False,
                       allow_other: bool = False) -> bool:
        """True when ``level`` is one of the system's levels (or, if allowed, a group such as
        ``primary+junior`` or a level served by projects only, e.g. special_education)."""
        known = set(self.level_names) | (set(OTHER_LEVELS) if allow_other else set())
        parts = split_group(level)
        if len(parts) > 1 and not allow_groups:
            return False
        return all(part in known for part in parts) and len(set(parts)) == len(parts)

    def describe(self) -> str:
        """One line a planner can check, e.g. 'china_5_4: primary 1-5 (age 6, births); ...'."""
        parts = []
        for lv in self.levels:
            grades = lv.grades[0] if len(lv.grades) == 1 else f"{lv.grades[0]}-{lv.grades[-1]}"
            source = "births" if lv.intake == "births" else f"from {self.feeder(lv.name).name}"
            parts.append(f"{lv.name} {grades} (age {lv.entry_age}, {source})")
        return f"{self.name}: " + "; ".join(parts)


def split_group(level: str) -> list[str]:
    """The levels in a level or level group such as ``primary+junior``."""
    return [part.strip() for part in str(level).split(GROUP_SEPARATOR)]


def _grades(first: int, last: int) -> tuple[str, ...]:
    return tuple(str(g) for g in range(first, last + 1))


_KINDERGARTEN = Level("kindergarten", ("K1", "K2", "K3"), 3, "births", every_grade_from_births=True)
_SENIOR = (Level("senior_general", _grades(10, 12), 15, "transition", track="senior"),
           Level("senior_vocational", _grades(10, 12), 15, "transition", track="senior"))

PRESETS: dict[str, SchoolSystem] = {
    "china_6_3_3": SchoolSystem("china_6_3_3", (
        _KINDERGARTEN,
        Level("primary", _grades(1, 6), 6, "births"),
        Level("junior", _grades(7, 9), 12, "transition"),
        *_SENIOR)),
    "china_5_4": SchoolSystem("china_5_4", (
        _KINDERGARTEN,
        Level("primary", _grades(1, 5), 6, "births"),
        Level("junior", _grades(6, 9), 11, "transition"),
        *_SENIOR)),
    "us_k5_6_8_9_12": SchoolSystem("us_k5_6_8_9_12", (
        Level("pre_k", ("PK",), 4, "births"),
        Level("elementary", ("K", *_grades(1, 5)), 5, "births"),
        Level("middle", _grades(6, 8), 11, "transition"),
        Level("high", _grades(9, 12), 14, "transition"))),
    "us_k8_9_12": SchoolSystem("us_k8_9_12", (
        Level("pre_k", ("PK",), 4, "births"),
        Level("elementary", ("K", *_grades(1, 8)), 5, "births"),
        Level("high", _grades(9, 12), 14, "transition"))),
}
DEFAULT = PRESETS["china_6_3_3"]


def from_declaration(value: Any, where: str = "dataset.yaml") -> SchoolSystem:
    """The school system a ``system:`` value declares (None: the China 6-3-3 default).

    Accepted forms: a preset name; ``{preset: NAME, kindergarten_years: N}``; or
    ``{name: ..., levels: [{level, grades, entry_age, intake, track,
    every_grade_from_births}, ...]}``. Raises ``SchoolSystemError`` naming the key.
    """
    if value is None:
        return DEFAULT
    if isinstance(value, str):
        return _preset(value, where)
    if not isinstance(value, dict):
        raise SchoolSystemError(f"{where}, key system: give a preset name ({', '.join(PRESETS)}) "
                           "or a mapping with 'preset' or 'levels'")
    unknown = set(value) - {"preset", "name", "levels", "kindergarten_years"}
    if unknown:
        raise SchoolSystemError(f"{where}, key system.{sorted(unknown)[0]}: not a known key "
                           "(use preset, name, levels, kindergarten_years)")
    if "levels" in value and "preset" in value:
        raise SchoolSystemError(f"{where}, key system: give either preset or levels, not both")
    system = _custom(value, where) if "levels" in value else _preset(value.get("preset"), where)
    if "kindergarten_years" in value:
        system = _kindergarten_years(system, value["kindergarten_years"], where)
    return system


def _preset(name: Any, where: str) -> SchoolSystem:
    if not isinstance(name, str) or name not in PRESETS:
        raise SchoolSystemError(f"{where}, key system: '{name}' is not a known school system; use one "
                           f"of {', '.join(PRESETS)} or declare levels")
    return PRESETS[name]


def _kindergarten_years(system: SchoolSystem, years: Any, where: str) -> SchoolSystem:
    """Keep only the last ``years`` kindergarten years (one-year kindergarten: K3 only)."""
    if "kindergarten" not in system.level_names:
        raise SchoolSystemError(f"{where}, key system.kindergarten_years: {system.name} has no "
                           "kindergarten level")
    kg = system.level("kindergarten")
    if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= len(kg.grades):
        raise SchoolSystemError(f"{where}, key system.kindergarten_years: give a whole number from 1 "
                           f"to {len(kg.grades)}")
    dropped = len(kg.grades) - years
    short = replace(kg, grades=kg.grades[dropped:], entry_age=kg.entry_age + dropped)
    levels = tuple(short if lv.name == "kindergarten" else lv for lv in system.levels)
    return SchoolSystem(f"{system.name}_kg{years}", levels)


def _custom(value: dict, where: str) -> SchoolSystem:
    entries = value["levels"]
    if not isinstance(entries, list) or not entries:
        raise SchoolSystemError(f"{where}, key system.levels: give a list of levels")
    levels: list[Level] = []
    allowed = {"level", "grades", "entry_age", "intake", "track", "every_grade_from_births"}
    if "name" in value and not isinstance(value["name"], str | int) or isinstance(value.get("name"), bool):
        raise SchoolSystemError(f"{where}, key system.name: give the system's name as text")
    for i, entry in enumerate(entries):
        key = f"{where}, key system.levels[{i}]"
        if not isinstance(entry, dict) or not entry.get("level"):
            raise SchoolSystemError(f"{key}: each level needs 'level' and 'grades'")
        if not _scalar(entry["level"]):
            raise SchoolSystemError(f"{key}.level: give the level's name as text")
        if not _scalar(entry.get("track", "")):
            raise SchoolSystemError(f"{key}.track: give the track's name as text")
        flag = entry.get("every_grade_from_births", False)
        if not isinstance(flag, bool):  # 'no' in quotes is text, and bool('no') is True
            raise SchoolSystemError(f"{key}.every_grade_from_births: give true or false (got {flag!r})")
        unknown = set(entry) - allowed
        if unknown:
            raise SchoolSystemError(f"{key}.{sorted(unknown)[0]}: not a known key ({', '.join(sorted(allowed))})")
        grades = entry.get("grades")
        if not isinstance(grades, list) or not grades or not all(_scalar(g) for g in grades):
            raise SchoolSystemError(f"{key}.grades: give the level's grades as a list, e.g. [1, 2, 3]")
        labels = [str(g).strip().upper() for g in grades]
        if len(set(labels)) != len(labels) or "" in labels:
            raise SchoolSystemError(f"{key}.grades: each grade once, none empty (got {grades!r})")
        intake = entry.get("intake", "births" if not levels else "transition")
        if intake not in INTAKES:
            raise SchoolSystemError(f"{key}.intake: '{intake}' must be births or transition")
        age = entry.get("entry_age")
        if age is None:
            if intake == "births" or not levels:
                raise SchoolSystemError(f"{key}.entry_age: a level entered from births needs its entry age")
            feeder = _feeder_of(levels, entry.get("track"))
            age = feeder.entry_age + len(feeder.grades)
        if not isinstance(age, int) or isinstance(age, bool) or not 0 <= age <= 25:
            raise SchoolSystemError(f"{key}.entry_age: give a whole age from 0 to 25")
        levels.append(Level(str(entry["level"]), tuple(labels), age, intake, flag,
                            None if entry.get("track") is None else str(entry["track"])))
    names = [lv.name for lv in levels]
    if len(set(names)) != len(names):
        raise SchoolSystemError(f"{where}, key system.levels: a level is declared twice")
    if levels[0].intake != "births":
        raise SchoolSystemError(f"{where}, key system.levels[0].intake: the first level must be "
                           "entered from births")
    return SchoolSystem(str(value.get("name", "custom")), tuple(levels))


def _scalar(value: Any) -> bool:
    """Text or a whole number (a grade or level name), not a list, mapping or true/false."""
    return isinstance(value, str | int) and not isinstance(value, bool)


def _feeder_of(levels: list[Level], track: str | None) -> Level:
    for earlier in reversed(levels):
        if track is None or earlier.track != track:
            return earlier
    return levels[-1]
