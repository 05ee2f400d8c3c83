"""Write a build plan into a run folder: build_plan.csv, plan_risk.csv, plan_rules.csv,
plan_costs.csv and the ``plan`` section of scheduler.json (validated against
forecast/schemas/scheduler.schema.json where jsonschema is installed)."""

from __future__ import annotations

import json
from pathlib import Path

from forecast.common.files import atomic_write_csv
from forecast.planning import scheduler_export as export
from forecast.planning import tables

PLAN_FILES = ("build_plan.csv", "plan_risk.csv", "plan_rules.csv", "plan_costs.csv")


def write_plan(folder: Path, plan, run_id: str, scenario: str) -> list[Path]:
    """Every plan file in ``folder`` (a run folder being updated); returns their paths."""
    builds = tables.build_plan(plan)
    written = []
    for name, frame, decimals in (("build_plan.csv", builds, 1), ("plan_risk.csv", tables.plan_risk(plan), 4),
                                  ("plan_rules.csv", tables.rules_table(plan), 4),
                                  ("plan_costs.csv", tables.costs_by_year(plan), 0)):
        atomic_write_csv(folder / name, frame, decimals=decimals)
        written.append(folder / name)
    path = folder / "scheduler.json"
    doc = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    if doc is not None:
        doc["plan"] = tables.section(plan, run_id, scenario, builds)
        validate(doc)
        written.append(export.write(doc, folder, "json"))
    return written


def carry_plan(folder: Path, doc: dict, whole: bool) -> bool | None:
    """Keep the build plan of ``folder``'s scheduler.json in a re-export ``doc`` of the same run.

    Returns None where there is no plan to keep, True where it was kept, and False where it
    was dropped: a plan made from another run, or an export cut to some areas or scenarios
    (the plan covers the whole run; ``forecast plan`` writes it again)."""
    path = folder / "scheduler.json"
    try:
        old = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return None
    plan = old.get("plan") if isinstance(old, dict) else None
    if not isinstance(plan, dict):
        return None
    if not whole or plan.get("run_id") != doc.get("run_id"):
        return False
    doc["plan"] = plan
    return True


def validate(doc: dict) -> None:
    """Check the document's plan section against ``$defs/plan`` of the scheduler schema
    (skipped without jsonschema; the records are the run's, validated where they are made)."""
    try:
        import jsonschema
    except ImportError:  # a runtime install without the dev extras: the tests validate
        return
    schema = json.loads(export.SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.validate(doc["plan"], {"$ref": "#/$defs/plan", "$defs": schema["$defs"]})
