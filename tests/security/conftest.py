"""Helpers of the security tests: hostile workbooks, hostile names, runs under a memory cap."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pandas as pd

FORECAST = [sys.executable, "-c", "from forecast.cli import main; main()"]
MEMORY_CAP = 3 * 1024**3  # address space of a bounded run: a bomb fails here, not the machine


def rename_sheets(path: Path, names: dict[str, str]) -> Path:
    """Rename sheets by editing xl/workbook.xml inside the zip, as a hostile tool could
    (openpyxl refuses such names when it writes, but not when it reads)."""
    with zipfile.ZipFile(path) as book:
        parts = {info.filename: book.read(info.filename) for info in book.infolist()}
    xml = parts["xl/workbook.xml"].decode("utf-8")
    for old, new in names.items():
        assert f'name="{old}"' in xml, old
        xml = xml.replace(f'name="{old}"', f"name={quoteattr(new)}")
    parts["xl/workbook.xml"] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


def edit_part(path: Path, part: str, edit) -> Path:
    """Rewrite one part of the workbook's zip with ``edit(text) -> text``."""
    with zipfile.ZipFile(path) as book:
        parts = {info.filename: book.read(info.filename) for info in book.infolist()}
    parts[part] = edit(parts[part].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


def run_bounded(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """``forecast ARGS`` in a child process whose memory is capped at ``MEMORY_CAP`` (a guard,
    so that a bomb the code fails to refuse ends the child, not the test machine)."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(FORECAST + args, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=cap, env=env)


def write_named_dataset(folder: Path, north: str, south: str, *, north_name: str = "North",
                        scenario_note: str = "", project: str = "p1") -> Path:
    """A toy dataset (two areas under one district) whose area ids, display names and project
    name are given: north is short of seats from the base year (a scheduler record)."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    meta = {"name": "hostile", "base_year": 2020,
            "sources": [f"{north} survey{scenario_note}"],
            "areas": [{"area": "district", "parent": None},
                      {"area": north, "parent": "district", "name": north_name},
                      {"area": south, "parent": "district", "name": south}]}
    (folder / "dataset.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    births = [(a, y, 100 + (y - 2008)) for a in (north, south) for y in range(2008, 2021)]
    pd.DataFrame(births, columns=["area", "year", "births"]).to_csv(folder / "births.csv", index=False)
    enrol = [(north, 2019, "primary", "", 600), (north, 2020, "primary", "", 630),
             (south, 2019, "primary", "", 300), (south, 2020, "primary", "", 310)]
    pd.DataFrame(enrol, columns=["area", "year", "level", "grade", "students"]).to_csv(
        folder / "enrolment.csv", index=False)
    schools = [(north, "primary", 400), (south, "primary", 900)]
    pd.DataFrame(schools, columns=["area", "level", "seats"]).to_csv(folder / "schools.csv", index=False)
    pd.DataFrame([(project, north, "primary", 2023, 90)],
                 columns=["project", "area", "level", "open_year", "seats"]).to_csv(
        folder / "projects.csv", index=False)
    return folder
