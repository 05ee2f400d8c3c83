"""What a planner reads is true everywhere (issue 22): the terminal, report.html, report.xlsx,
the tables and the scheduler export agree, on every shape of data.

The same invariants run over the shipped Banan (the default run: the evidence method, its
intervals borrowed), Texas (1,276 districts, K-5/6-8/9-12, assumed seats), Conghua and
Xingqing (no enrolment), China (national), a ``forecast init`` dataset and a synthetic Chinese dataset whose
area ids look like numbers, a missing value or a flag (``007``, ``043912``, ``1e3``, ``NaN``,
``True``, ``0x1F``).

One run per dataset (module-scoped fixtures). To keep the file near a minute, the runs whose
invariants do not depend on the method use the plain cohort flow with few draws (Texas, China,
the init dataset: the statement then says the intervals were not tested, and must say so
everywhere); Banan and the synthetic dataset keep the default evidence method, so both kinds
of statement (borrowed and widened, own backtest) are checked. Texas is written without the
workbook and the PNG charts (half a minute of openpyxl and matplotlib that no invariant needs):
report.html is written from its outputs, as ``forecast report`` would.
"""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from forecast.cli import cli
from forecast.data.catalog import list_datasets, resolve_dataset
from forecast.data.dataset import load_dataset
from forecast.outputs.tables import read_table
from forecast.planning.shortfall import FOR_ROOMS
from forecast.report import read_outputs
from forecast.report.page import write_page
from tests.conftest import REPO, write_odd_ids_dataset

RUNS = {  # name -> (arguments of `forecast run`, language, whole report)
    "banan": (["--config", "default", "--draws", "200"], "zh", True),
    "texas": (["--config", "texas", "--model", "cohort", "--draws", "20", "--until", "2025", "--no-report"],
              "en", False),
    "conghua": (["--config", "conghua"], "zh", True),
    "xingqing": (["--config", "xingqing"], "zh", True),
    "china": (["--config", "china", "--model", "cohort", "--draws", "100"], "en", True),
    "init": (["--model", "cohort", "--draws", "100"], "en", True),
    "odd_ids": (["--draws", "200"], "zh", True),
}


@pytest.fixture(scope="module", params=list(RUNS))
def run(request, tmp_path_factory):
    """One run of a dataset: (name, output folder, terminal output, dataset, language)."""
    name = request.param
    args, lang, whole = RUNS[name]
    root = tmp_path_factory.mktemp(name)
    if name == "init":
        assert CliRunner().invoke(cli, ["init", str(root / "data")]).exit_code == 0
        args = ["--data", str(root / "data"), *args]
    elif name == "odd_ids":
        args = ["--data", str(write_odd_ids_dataset(root / "data")), *args]
    out = root / "out"
    result = CliRunner().invoke(cli, ["run", *args, "--lang", lang, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no stray lines: no lone progress label, no pandas warning
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    dataset = load_dataset(resolve_dataset(record["config"]["dataset"]))
    if not whole:  # report.html from the outputs, as `forecast report` writes it
        write_page(read_outputs(out, dataset), None, out / "report.html", lang)
    return name, out, result.stdout, dataset, lang


def page_data(out) -> tuple[dict, dict]:
    """The page's data and heatmaps ({}, {} when no report was written: nothing projected)."""
    if not (out / "report.html").is_file():
        return {"order": [], "tables": {}}, {}
    page = (out / "report.html").read_text(encoding="utf-8")
    found = {key: json.loads(re.search(rf'<script type="application/json" id="{key}">(.*?)</script>', page,
                                       re.S).group(1).replace("<\\/", "</")) for key in ("page-data", "heat-data")}
    return found["page-data"], found["heat-data"]


def test_the_heatmap_has_data_exactly_when_the_summary_has_rows(run):
    name, out, _, _, _ = run
    summary = read_table(out / "shortfall_summary.csv")
    _, heat = page_data(out)
    assert bool(heat) == bool(len(summary)), name
    if len(summary):  # its rows are the summary's finest area-levels (one definition of finest)
        finest = summary[summary["detail"] == "finest"]
        first = finest["scenario"].iloc[0]
        shown = {y.rsplit(" (", 1)[-1].split(")")[0] if "(" in y else y.split(" · ")[0]
                 for y in heat[first]["data"][0]["y"]}
        assert shown <= set(finest.loc[finest["scenario"] == first, "area"])
        assert len(heat[first]["data"][0]["y"]) == min(40, (finest["scenario"] == first).sum())
    if (out / "plots").is_dir():
        assert (out / "plots" / "shortfall_heatmap.png").is_file() == bool(len(summary))


def test_every_area_id_is_a_declared_id(run):
    name, out, _, dataset, _ = run
    declared = set(dataset.areas["area"])
    seen = {}
    for path in out.glob("*.csv"):
        table = read_table(path)
        if "area" in table:
            seen[path.name] = set(table["area"])
        # as Excel or a plain reader sees the file: the text of each cell, BOM or not
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if "area" in raw:
            assert set(raw["area"]) <= declared, (name, path.name, set(raw["area"]) - declared)
    for file, areas in seen.items():
        assert areas <= declared, (name, file, areas - declared)
    scheduler = json.loads((out / "scheduler.json").read_text(encoding="utf-8")) \
        if (out / "scheduler.json").is_file() else {"records": []}
    assert {r["area"] for r in scheduler["records"]} <= declared
    data, _ = page_data(out)
    assert set(data["order"]) <= declared and (bool(data["order"]) == (out / "report.html").is_file())
    for table in data["tables"].values():
        assert {row[0] for row in table["rows"]} <= declared
    spells = read_table(out / "shortfall_summary.csv")
    needy = set(spells["area"]) if len(spells) else set()
    assert needy <= set(data["order"])  # the selector lists every area with a need ...
    if len(spells):  # ... most urgent first, after the top areas
        tops = set(dataset.areas.loc[dataset.areas["parent"].isna(), "area"])
        urgent = [a for a in spells["area"] if a not in tops]
        if urgent:
            assert [a for a in data["order"] if a not in tops][0] == urgent[0]
    if (out / "report.xlsx").is_file():
        book = load_workbook(out / "report.xlsx", read_only=True)
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            heads = list(next(rows, ()))
            if heads and heads[0] in ("Area", "区域"):
                cells = {r[0] for r in rows if r and r[0] is not None}
                assert all(isinstance(c, str) for c in cells)  # 007 stays text, never 7
                assert {c.rsplit("(", 1)[-1].rstrip(")") if "(" in c else c for c in cells} <= declared
    if name == "odd_ids":
        assert {"043912", "1e3", "NaN", "True", "0x1F"} <= seen["shortfall.csv"]


def test_scheduler_json_validates_against_its_schema(run):
    jsonschema = pytest.importorskip("jsonschema")
    name, out, _, dataset, _ = run
    schema = json.loads((REPO / "forecast" / "schemas" / "scheduler.schema.json").read_text(encoding="utf-8"))
    path = out / "scheduler.json"
    if not path.is_file():
        assert name in ("conghua", "xingqing")  # no enrolment: nothing to schedule
        return
    doc = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    assert doc["school_system"]["levels"] == list(dataset.system.level_names)
    assert {r["level"] for r in doc["records"]} <= set(doc["school_system"]["levels"])


def test_classrooms_are_built_only_for_a_seat_deficit_or_a_stated_room_shortage(run):
    name, out, _, _, _ = run
    table = read_table(out / "shortfall.csv")
    if table.empty:
        return
    assert (table["classrooms_to_build"] == table["classrooms_to_build"].round()).all()  # whole rooms
    no_deficit = table[(table["deficit_seats_p90"] <= 0) & (table["classrooms_to_build"] > 0)]
    assert (no_deficit["classrooms_basis"] == FOR_ROOMS).all()
    assert no_deficit["classrooms"].notna().all()  # only where whole classrooms are given
    rooms_only = table[table["classrooms_basis"] == FOR_ROOMS]
    assert rooms_only["classrooms"].notna().all()
    if name == "odd_ids":  # area True: spare seats, too few classrooms
        assert set(rooms_only["area"]) == {"True"}
    doc = json.loads((out / "scheduler.json").read_text(encoding="utf-8"))
    for record in doc["records"]:
        assert record["seats_needed_p90"] > 0 and record["classrooms_basis"] in ("", "seat deficit / class-size limit",
                                                                                 FOR_ROOMS)
        first = doc["base_year"] + 1  # building can start in the first projected year at the earliest
        assert record["start_already_late"] == (record["latest_start_year"] < first)
        assert record["earliest_opening_year"] == max(record["need_year"], first + record["lead_time_years"])


def test_terminal_report_and_run_json_say_the_same_interval_statement(run):
    name, out, terminal, _, lang = run
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    statement = record["interval_statement"]
    said = statement[lang]
    assert said and set(statement) >= {"en", "zh", "coverage_80"}
    if len(read_table(out / "projections.csv")):
        assert f"† {said}" in terminal
        assert html.escape(said) in (out / "report.html").read_text(encoding="utf-8")
    else:  # nothing projected (no enrolment): no intervals to speak of, no report
        assert not (out / "report.html").exists() and "†" not in terminal
    if (out / "report.xlsx").is_file():
        book = load_workbook(out / "report.xlsx", read_only=True)
        facts = [c for row in book.worksheets[[s.title for s in book.worksheets].index(
            "运行信息" if lang == "zh" else "Run")].iter_rows(values_only=True) for c in row]
        assert said in facts
    for level, share in statement["coverage_80"].items():  # the coverage quoted is the coverage recorded
        part = record["evidence"]["levels"][level]["coverage_80_by_horizon"]
        known = [v for v in part.values() if v is not None]
        assert share == pytest.approx(sum(known) / len(known), abs=1e-4)
        assert f"{100 * share:.0f} %" in said
    if record["projection_method"] == "cohort":
        assert not statement["coverage_80"]
        assert ("not backtested" if lang == "en" else "未经回测") in said


LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
ALLOWED = {"P10", "P50", "P90", "p10", "p90", "MAPE", "MASE", "K1", "K2", "K3", "m2", "dpi", "forecast", "Plotly", "js",
           "DIR", "utf", "id", "PNG", "X", "Y"}
FILES = re.compile(r"[\w./-]+\.(?:csv|json|xlsx|png|html|yaml|md|py|txt)\b|data/\w+|docs/\w+")
SOURCES = ("数据来源",)


def _latin_words(text: str, allowed: set[str]) -> set[str]:
    text = FILES.sub(" ", text)
    text = re.sub(r"\b[0-9a-f]{12}\b|\{\w+\}", " ", text)  # run ids, the script's placeholders
    text = re.sub(r"`[^`]*`|forecast \w+(?: --\S+(?: \S+)?)?", " ", text)  # commands to type
    text = re.sub(r"\b[a-z_]+\.[a-z_]+\b", " ", text)  # config keys (capacity.existing)
    return {w for w in LATIN.findall(text) if w not in allowed and w not in ALLOWED}


def test_chinese_outputs_have_no_untranslated_words(run):
    name, out, terminal, dataset, lang = run
    if lang != "zh":
        return
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    allowed = {str(a) for a in dataset.areas["area"]} | {str(record["dataset"])} | {p.name for p in list_datasets()}
    names = dataset.table("projects")["project"].astype(str) if "project" in dataset.table("projects") else []
    allowed |= {w for a in [*allowed, *names] for w in LATIN.findall(a)}  # ids and names as written (界石S分区)
    # the terminal
    assert _latin_words(terminal.replace(str(out), " "), allowed) == set(), name
    if not (out / "report.html").is_file():
        return
    # the page: what it shows (text outside scripts, the tables, labels and chart texts it draws)
    page = (out / "report.html").read_text(encoding="utf-8")
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    body = body.split(f"<h2>{SOURCES[0]}</h2>")[0]  # sources are quoted as written: evidence
    data, heat = page_data(out)
    shown = [html.unescape(re.sub(r"<[^>]+>", " ", body))]
    shown += [c for t in data["tables"].values() for row in t["rows"] for c in row[2:]]
    shown += [h for t in data["tables"].values() for h in t["heads"]]
    shown += list(data["labels"].values()) + list(data["levels"].values()) + list(data["scenarios"].values())
    shown += list(data["text"].values()) + list(data.get("locale", {}).values())
    for figure in heat.values():
        shown += figure["data"][0]["y"] + [figure["layout"]["title"]["text"],
                                          figure["data"][0]["colorbar"]["title"]["text"]]
    assert _latin_words("\n".join(map(str, shown)), allowed) == set(), name
    # the workbook: every sheet but the sources
    book = load_workbook(out / "report.xlsx", read_only=True)
    cells = [str(c) for sheet in book.worksheets if sheet.title not in SOURCES
             for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert _latin_words("\n".join(book.sheetnames + cells), allowed) == set(), name


def test_chinese_csvs_open_in_chinese_excel(run):
    """Excel opens a CSV as UTF-8 only when it starts with the byte-order mark; otherwise it
    reads the system's code page (GBK on Chinese Windows). Read each table back that way."""
    name, out, _, _, lang = run
    if not record_language(out).startswith("zh"):
        assert not (out / "projections.csv").read_bytes().startswith(b"\xef\xbb\xbf")
        return
    for path in out.glob("*.csv"):
        data = path.read_bytes()
        text = data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data.decode("gbk")
        assert text.splitlines()[0].split(",")[0] in ("area", "project", "scenario", "item"), (name, path.name)
        if path.name == "shortfall_summary.csv" and name == "banan":
            assert "巴南区" in text


def record_language(out) -> str:
    from forecast.data.inputs.meta import read_meta

    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    meta_file = resolve_dataset(record["config"]["dataset"]) / "dataset.yaml"
    return str((read_meta(meta_file)[0] or {}).get("language") or "") if meta_file.is_file() else ""


def test_the_report_opens_and_its_selector_holds_the_most_urgent_area(run, browser):
    """In Chromium: the page loads without errors (the load event within a generous bound: the
    2 s target is measured by benchmarks/bench_page_load.py, not asserted on a shared CI
    machine), its tables are paged, the heatmap comes before them, and the area selector
    lists the most urgent area; searching for it by id selects it."""
    import time

    name, out, _, _, _ = run
    if name not in ("texas", "odd_ids"):
        pytest.skip("the large dataset and the odd ids are enough for the browser")
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    start = time.perf_counter()
    page.goto((out / "report.html").as_uri(), wait_until="load")
    assert time.perf_counter() - start < 30
    page.wait_for_selector("#fan .main-svg", timeout=60_000)
    assert errors == []
    spells = read_table(out / "shortfall_summary.csv")
    urgent = spells.loc[spells["detail"] == "finest", "area"].iloc[0]
    options = page.eval_on_selector_all("#area option", "els => els.map(e => e.value)")
    assert urgent in options and len(options) >= spells["area"].nunique()
    page.fill("#area-find", urgent)
    page.press("#area-find", "Enter")
    assert page.input_value("#area") == urgent
    body = page.inner_html("body")
    assert body.index('id="heat"') < body.index('id="table-spells"')
    rows = page.locator("#table-spells tbody tr")
    assert rows.count() == min(25, (spells["detail"] == "finest").sum())  # one page of rows
    page.close()
