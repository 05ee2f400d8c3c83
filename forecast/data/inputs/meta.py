"""``dataset.yaml``: read strictly (encoding, duplicate keys) and type-checked by pydantic.

Tolerant of every key the shipped datasets use, plus ``system:`` (any mapping or string;
``forecast.data.system`` checks it). Unknown keys are warned about with the closest known key,
since a misspelt ``base_yaer`` would otherwise be ignored silently.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from forecast.common.errors import printable
from forecast.data.inputs.encoding import InputFileError, reason_of
from forecast.data.inputs.numbers import UNIT_FACTORS
from forecast.data.inputs.yaml_loader import load_yaml
from forecast.data.problems import Problem

Text = str | StrictInt


class AreaEntry(BaseModel):
    """One declared area: its id, parent (None for a top area) and display name."""

    model_config = ConfigDict(extra="allow")
    area: Text
    parent: Text | None = None
    name: Text | None = None


class BirthsProxy(BaseModel):
    """``births_proxy:``: births that are an index, not counts; ``assumption`` says why."""

    model_config = ConfigDict(extra="allow")
    assumption: str


class DatasetMeta(BaseModel):
    """The keys ``dataset.yaml`` may hold, with their types."""

    model_config = ConfigDict(extra="allow")
    name: Text | None = None
    title: str | None = None
    language: str | None = None  # of the names and notes (e.g. zh, en)
    base_year: StrictInt | None = Field(default=None, ge=1900, le=2200)
    plan_period: list[StrictInt] | None = None
    units: str | None = None
    areas: list[AreaEntry] | None = None
    births_proxy: BirthsProxy | str | None = None
    sources: list[str] | str | None = None
    notes: list[str] | str | None = None
    system: dict[str, Any] | str | None = None
    unmapped: list[Text] | None = None  # finest areas on no map (areas.geojson, docs/maps.md)
    map_context: list[AreaEntry | Text] | None = None  # shapes drawn for context, no data


KNOWN_KEYS = tuple(DatasetMeta.model_fields)


def read_meta(file: Path) -> tuple[dict[str, Any], list[tuple[str, str | None, str]], str]:
    """(meta, problems as (reason, key, severity), encoding) for ``file``; an unreadable or
    invalid file gives an empty meta and an error."""
    try:
        data, encoding = load_yaml(file)
    except InputFileError as exc:
        return {}, [(reason_of(exc, file), None, "error")], ""
    if isinstance(data, dict):
        _areas_as_written(data, file)
    return (*check_meta(data), encoding)


def check_meta(data: Any) -> tuple[dict[str, Any], list[tuple[str, str | None, str]]]:
    """(meta, problems) for parsed dataset.yaml content (or the ``dataset`` and ``areas``
    sheets of a workbook, which stand in for it)."""
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [("must be a mapping of keys (name, areas, base_year, ...), not a "
                     f"{type(data).__name__}", None, "error")]
    problems: list[tuple[str, str | None, str]] = []
    for key in data:
        if str(key) not in KNOWN_KEYS:
            close = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append((f"unknown key '{key}' is ignored{hint}", str(key), "warning"))
    try:
        DatasetMeta.model_validate(data)
    except ValidationError as exc:
        found = []
        for error in exc.errors():  # union branches show as type or model names: not keys
            loc = ".".join(str(p) for p in error["loc"] if not str(p).startswith(
                ("str", "int", "dict", "list")) and not str(p)[:1].isupper())
            got = error.get("input")
            shown = f" (got {printable(repr(got))})" if not isinstance(got, dict | list) else ""
            found.append((f"{_plain(error)}{shown}", loc, "error"))
        # a union's other branch failing at the parent key says less than the deeper one
        found = [p for p in found if not any(q[1].startswith(f"{p[1]}.") for q in found)]
        return {}, _dedupe(problems + found)
    return _normalised(data), problems


def _areas_as_written(data: dict[str, Any], file: Path) -> None:
    """Area ids, parents and names exactly as typed: YAML reads ``area: 007`` as the number 7,
    ``0x1F`` as 31 and ``True`` as a flag, but the CSVs say ``007``; such values are replaced,
    in place, by the text of the file (only when there are any: reading the nodes costs)."""
    areas = data.get("areas")
    if not isinstance(areas, list):
        return
    typed = [(i, k) for i, a in enumerate(areas) if isinstance(a, dict)
             for k in ("area", "parent", "name") if isinstance(a.get(k), (int, float, bool))]
    if not typed:
        return
    import yaml

    from forecast.data.inputs.encoding import read_text
    from forecast.data.inputs.yaml_loader import UniqueKeyLoader

    root = yaml.compose(read_text(file)[0], Loader=UniqueKeyLoader)
    nodes = next((v for k, v in root.value if k.value == "areas"), None)
    if not isinstance(nodes, yaml.SequenceNode):
        return
    for i, key in typed:
        entry = nodes.value[i]
        if isinstance(entry, yaml.MappingNode):
            raw = next((v.value for k, v in entry.value if k.value == key and isinstance(v, yaml.ScalarNode)),
                       None)
            if raw is not None:
                areas[i][key] = raw


def _normalised(data: dict[str, Any]) -> dict[str, Any]:
    """Lists where a single string was given; area ids as text (``area: 110101`` and
    ``parent: 110101`` must match the CSV's text ids)."""
    out = dict(data)
    for key in ("sources", "notes"):
        if isinstance(out.get(key), str):
            out[key] = [out[key]]
    if out.get("areas"):
        out["areas"] = [{**a, **{k: str(a[k]) for k in ("area", "parent", "name")
                                 if a.get(k) is not None}} for a in out["areas"]]
    return out


def _plain(error: dict) -> str:
    kind = error["type"]
    if kind in ("int_type", "int_parsing"):
        return "must be a whole number such as 2020"
    if kind == "list_type":
        return "must be a list (one '- ' line per entry)"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "must be a mapping of keys"
    return error["msg"]


def _dedupe(problems):
    return list(dict.fromkeys(problems))


def meta_problems(meta: dict[str, Any], found: list[tuple[str, str | None, str]]
                  ) -> tuple[dict[str, Any], list[Problem]]:
    """The checked meta and its problems as dataset.yaml problems (with the units check)."""
    problems = [Problem("dataset.yaml", reason, column=key, severity=severity)
                for reason, key, severity in found]
    unit = meta.get("units") or "persons"
    if unit not in UNIT_FACTORS:
        problems.append(Problem("dataset.yaml", f"units '{unit}' is not known (use persons or "
                                "10k persons)", column="units"))
    return meta, problems
