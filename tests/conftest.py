"""Shared fixtures: a small valid dataset folder that tests can copy and break."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"


def write_toy_dataset(folder: Path) -> Path:
    """Two areas under one district, primary level totals for 2019-2020, births 2008-2020."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dataset.yaml").write_text(
        "name: toy\nbase_year: 2020\nareas:\n"
        "  - {area: district, parent: null}\n"
        "  - {area: north, parent: district}\n"
        "  - {area: south, parent: district}\n",
        encoding="utf-8",
    )
    births = [(a, y, 100 + (y - 2008)) for a in ("north", "south") for y in range(2008, 2021)]
    pd.DataFrame(births, columns=["area", "year", "births"]).to_csv(folder / "births.csv", index=False)
    enrol = [
        ("north", 2019, "primary", "", 600),
        ("north", 2020, "primary", "", 630),
        ("south", 2019, "primary", "", 300),
        ("south", 2020, "primary", "", 310),
    ]
    pd.DataFrame(enrol, columns=["area", "year", "level", "grade", "students"]).to_csv(
        folder / "enrolment.csv", index=False)
    projects = [("p1", "north", "primary", 2022, 450, "", "")]
    pd.DataFrame(projects, columns=["project", "area", "level", "open_year", "seats",
                                    "classrooms", "floor_area_m2"]).to_csv(
        folder / "projects.csv", index=False)
    return folder


@pytest.fixture
def toy_dataset(tmp_path: Path) -> Path:
    return write_toy_dataset(tmp_path / "toy")
