"""The scheduler export: records, schema validation, formats."""

from __future__ import annotations

import json

import jsonschema
import pandas as pd
import pytest

from forecast import load_config
from forecast.pipeline import run
from forecast.planning import scheduler_export as export
from tests.conftest import REPO


@pytest.fixture(scope="module")
def banan_run():
    config = load_config(REPO / "configs" / "banan.yaml")
    return run(config, ["baseline", "high_migration"], draws=200)


def test_schema_has_a_version_and_the_export_validates(banan_run):
    schema = json.loads(export.SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["properties"]["schema_version"]["const"] == export.SCHEMA_VERSION
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(banan_run.scheduler, schema)
    assert banan_run.scheduler["records"], "Banan has needs in the baseline"


def test_records_follow_the_shortfall(banan_run):
    shortfall = banan_run.shortfall
    for record in banan_run.scheduler["records"]:
        rows = shortfall[(shortfall["scenario"] == record["scenario"])
                         & (shortfall["area"] == record["area"]) & (shortfall["level"] == record["level"])]
        assert record["seats_needed_mean"] == pytest.approx(rows["deficit_seats"].max(), abs=0.1)
        assert record["seats_needed_p90"] >= record["seats_needed_mean"]
        assert record["latest_start_year"] == record["need_year"] - record["lead_time_years"]
        limit = record["class_size_limit"]
        assert record["classes_needed_p90"] * limit >= record["seats_needed_p90"]
        if record["standard_school_classes"]:
            assert (record["standard_schools_needed_p90"] * record["standard_school_classes"]
                    >= record["classes_needed_p90"])
    ranks = [r["rank"] for r in banan_run.scheduler["records"] if r["scenario"] == "baseline"]
    assert ranks == list(range(1, len(ranks) + 1))


def test_a_broken_document_fails_the_schema(banan_run):
    schema = json.loads(export.SCHEMA_PATH.read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(banan_run.scheduler))
    broken["records"][0]["seats_needed_mean"] = -5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_csv_and_parquet_carry_the_same_records(banan_run, tmp_path):
    export.write(banan_run.scheduler, tmp_path, "csv")
    export.write(banan_run.scheduler, tmp_path, "parquet")
    csv = pd.read_csv(tmp_path / "scheduler.csv")
    parquet = pd.read_parquet(tmp_path / "scheduler.parquet")
    n = len(banan_run.scheduler["records"])
    assert len(csv) == len(parquet) == n
    assert (csv["schema_version"] == export.SCHEMA_VERSION).all()
    assert list(parquet["need_year"]) == [r["need_year"] for r in banan_run.scheduler["records"]]
    with pytest.raises(ValueError, match="unknown export format"):
        export.write(banan_run.scheduler, tmp_path, "xlsx")


def test_run_id_changes_with_the_inputs(banan_run):
    other = run(load_config(REPO / "configs" / "banan.yaml"), ["baseline"], draws=200, seed=7)
    assert other.run_id != banan_run.run_id
    again = run(load_config(REPO / "configs" / "banan.yaml"), ["baseline", "high_migration"], draws=200)
    assert again.run_id == banan_run.run_id
