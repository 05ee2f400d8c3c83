"""``forecast init DIR``: a small, valid example dataset to copy and edit, and the same
dataset as an Excel template (``DIR/template.xlsx``, one sheet per table) that ``forecast
validate`` and ``forecast run --data`` read directly.

The example: one district with two sub-areas, births 2003-2020, primary and junior
enrolment 2018-2020, the schools' seats and one planned school. Every figure is made up and
every row says so in its ``source`` column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from openpyxl import Workbook
from openpyxl.styles import Font

from forecast.common.files import atomic_write_with

SOURCE = "assumption: example figure made up by `forecast init`; replace with your own and cite the document"
DATASET_YAML = """\
# dataset.yaml: what this folder is. Every key is optional except where noted.
name: example            # a short name used in outputs
title: Example district (replace with your district and plan)
language: en             # en or zh: the default language of the report and terminal
base_year: 2020          # the last observed year; projections start the year after
units: persons           # counts are persons; a row's `unit` column may say "10k persons" (万人)
# The school system (default china_6_3_3): china_5_4, us_k5_6_8_9_12, us_k8_9_12, or custom.
# system: china_6_3_3
areas:                   # the planning areas; children add up to their parent
  - {area: district, parent: null, name: Example district}
  - {area: north, parent: district, name: North}
  - {area: south, parent: district, name: South}
sources:                 # the documents the numbers come from, shown in the report
  - "assumption: made-up example data written by forecast init"
"""
README = """\
# Example dataset (written by `forecast init`)

A dataset is a folder of CSV files (or one Excel workbook with a sheet per file: see
`template.xlsx`, which holds the same data). Edit the numbers, keep the columns:

| file | columns | what |
|---|---|---|
| `dataset.yaml` | (keys, with comments) | name, base year, language, the areas and their parents |
| `births.csv` | area, year, births, source | births per area and year (the cohorts entering school) |
| `enrolment.csv` | area, year, level, grade, students, source | pupils; grade empty for a level total |
| `schools.csv` | area, level, seats, school, source | today's seats (or classrooms) |
| `projects.csv` | project, area, level, open_year, seats, classrooms, floor_area_m2, source | planned schools |

Every row's `source` says where the number comes from (a document and quote, or
`assumption: ...`). Levels: kindergarten, primary, junior, senior_general,
senior_vocational (China 6-3-3 by default). Then:

    forecast validate DIR          # every problem, one line each, with file, row and column
    forecast run --data DIR        # projections, shortfall, the report in out/
    forecast validate DIR/template.xlsx && forecast run --data DIR/template.xlsx

In the workbook, the `dataset` sheet holds the dataset.yaml keys (key, value) and the `areas`
sheet the areas; problems are reported as sheet!cell (e.g. `enrolment!E14`).
See docs/data-contract.md for every column.
"""


def example_tables() -> dict[str, pd.DataFrame]:
    """The example's tables (figures made up, each row saying so)."""
    births = [(a, y, round(base * (1 + 0.02 * (y - 2003)))) for a, base in (("north", 160), ("south", 90))
              for y in range(2003, 2021)]
    enrolment = []
    for area, scale in (("north", 1.0), ("south", 0.55)):
        for year in (2018, 2019, 2020):
            enrolment.append((area, year, "primary", "", round(scale * (1050 + 30 * (year - 2018)))))
            enrolment.append((area, year, "junior", "", round(scale * (480 + 12 * (year - 2018)))))
    return {
        "births": pd.DataFrame(births, columns=["area", "year", "births"]).assign(source=SOURCE),
        "enrolment": pd.DataFrame(enrolment, columns=["area", "year", "level", "grade", "students"])
        .assign(source=SOURCE),
        "schools": pd.DataFrame([("north", "primary", 1000, "North primary school"),
                                 ("north", "junior", 500, "North junior school"),
                                 ("south", "primary", 700, "South primary school"),
                                 ("south", "junior", 300, "South junior school")],
                                columns=["area", "level", "seats", "school"]).assign(source=SOURCE),
        "projects": pd.DataFrame([("North second primary", "north", "primary", 2024, 270, "", "")],
                                 columns=["project", "area", "level", "open_year", "seats", "classrooms",
                                          "floor_area_m2"]).assign(source=SOURCE),
    }


def write_example(folder: str | Path) -> list[Path]:
    """Write the example dataset, its README and template.xlsx into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (("dataset.yaml", DATASET_YAML), ("README.md", README)):
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    tables = example_tables()
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
        written.append(folder / f"{name}.csv")
    written.append(write_template(folder / "template.xlsx", yaml.safe_load(DATASET_YAML), tables))
    return written


def write_template(path: Path, meta: dict, tables: dict[str, pd.DataFrame]) -> Path:
    """The dataset as a workbook: ``dataset`` (key, value) and ``areas`` sheets, then one
    sheet per table, headers in bold and frozen."""
    book = Workbook()
    book.remove(book.active)
    sheets = {"dataset": pd.DataFrame([(k, _cell(v)) for k, v in meta.items() if k != "areas"],
                                      columns=["key", "value"]),
              "areas": pd.DataFrame(meta.get("areas") or [], columns=["area", "parent", "name"]),
              **tables}
    for name, frame in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(["" if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for i, c in enumerate(frame.columns, start=1):
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(10, len(str(c)) + 4)
    atomic_write_with(path, lambda tmp: book.save(tmp))
    return path


def _cell(value):
    """A dataset.yaml value as one cell: a one-item list as its item (sources and notes may
    be text), a longer list as a YAML flow list (``forecast.data.inputs.workbook_cells.meta_value``)."""
    if not isinstance(value, list):
        return value
    if len(value) == 1 and isinstance(value[0], str):
        return value[0]
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6).strip()
