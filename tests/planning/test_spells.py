"""Shortfall spells, the base year and the unnetted children's sums, on the three-area
dataset (north short from the base year until its school opens in 2024, south never short)."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from forecast.cli import cli
from forecast.data.dataset import load_dataset
from forecast.planning.shortfall import add_children_sums
from forecast.planning.spells import observed_base
from tests.conftest import write_three_area_dataset, write_toy_dataset


def _read(folder, name):
    return pd.read_csv(folder / name, keep_default_na=False, na_values=[""])


def test_base_year_rows_are_observed_and_hand_checked(three_area_run):
    table = _read(three_area_run, "shortfall.csv")
    base = table[(table["year"] == 2020) & (table["scenario"] == "baseline")].set_index("area")
    assert (base["basis"] == "observed").all()
    assert base.loc["north", "demand_mean"] == 630 and base.loc["north", "seats"] == 500
    assert base.loc["north", "deficit_seats"] == 130 and base.loc["north", "p_shortfall"] == 1.0
    assert base.loc["south", "deficit_seats"] == 0
    # the district is not observed: its base year is its sub-areas' sum, 630 + 310
    assert base.loc["district", "demand_mean"] == 940 and base.loc["district", "seats"] == 1500
    assert base.loc["district", "deficit_seats"] == 0  # netted: south's empty seats hide north


def test_parent_carries_the_sum_of_its_childrens_deficits(three_area_run):
    table = _read(three_area_run, "shortfall.csv")
    key = ["year", "scenario", "level"]
    kids = table[table["area"].isin(["north", "south"])].groupby(key)[["deficit_seats", "deficit_seats_p90"]].sum()
    parent = table[table["area"] == "district"].set_index(key)
    assert parent["deficit_children_sum"].to_numpy() == pytest.approx(kids.loc[parent.index, "deficit_seats"].to_numpy())
    assert parent["deficit_children_sum_p90"].to_numpy() == pytest.approx(
        kids.loc[parent.index, "deficit_seats_p90"].to_numpy())
    assert (parent["deficit_children_sum"] > 0).any() and (parent["deficit_seats"] == 0).all()
    assert table.loc[table["area"] == "north", "deficit_children_sum"].isna().all()


def test_children_sum_is_nan_not_zero_without_child_rows():
    areas = pd.DataFrame({"area": ["d", "a", "b"], "parent": [None, "d", "d"]})
    frame = pd.DataFrame({"area": ["d"], "level": ["primary"], "year": [2021], "scenario": ["s"],
                          "deficit_seats": [0.0], "deficit_seats_p90": [0.0]})
    assert add_children_sums(frame, areas)["deficit_children_sum"].isna().all()


def test_summary_has_the_spell_and_the_build_plan(three_area_run):
    summary = _read(three_area_run, "shortfall_summary.csv")
    assert set(summary["area"]) == {"north", "district"}  # south is never short: no row
    north = summary[(summary["area"] == "north") & (summary["scenario"] == "baseline")].iloc[0]
    assert north["detail"] == "finest" and bool(north["short_in_base_year"])
    assert north["base_year_deficit"] == 130
    assert north["first_year_short_mean"] == 2020 and north["first_year_short_p90"] == 2020
    assert north["last_year_short_mean"] == 2023 and north["last_year_short_p90"] == 2023
    assert north["years_short_p90"] == 4
    table = _read(three_area_run, "shortfall.csv")
    rows = table[(table["area"] == "north") & (table["scenario"] == "baseline")]
    assert north["peak_deficit_p90"] == pytest.approx(rows["deficit_seats_p90"].max(), abs=0.1)
    assert north["peak_year"] == rows.loc[rows["deficit_seats_p90"].idxmax(), "year"]
    # classrooms: ceil(peak need / 45) at the worst year; lead time 3 from need year 2020
    assert north["latest_start_year"] == 2017 and bool(north["start_already_late"])
    assert north["planned_projects"] == "p1 (2024, 400 seats)"
    district = summary[(summary["area"] == "district") & (summary["scenario"] == "baseline")].iloc[0]
    assert district["detail"] == "aggregate" and pd.isna(district["first_year_short_p90"])
    assert district["peak_deficit_children_sum"] == pytest.approx(north["peak_deficit_p90"], abs=0.1)
    for _, part in summary.groupby("scenario", sort=False):  # finest areas before parents
        assert list(part["detail"]) == sorted(part["detail"], key=lambda d: d == "aggregate")


def test_no_zero_rows_under_a_shortfall_heading(three_area_run):
    summary = _read(three_area_run, "shortfall_summary.csv")
    finest = summary[summary["detail"] == "finest"]
    assert (finest["peak_deficit_p90"] > 0).all()
    parents = summary[summary["detail"] == "aggregate"]
    assert ((parents["peak_deficit_p90"].fillna(0) > 0) | (parents["peak_deficit_children_sum"] > 0)).all()


def test_terminal_shows_base_year_spell_and_build_plan(three_area_run):
    out = (three_area_run / "terminal.txt").read_text(encoding="utf-8")
    line = next(x for x in out.splitlines() if x.startswith("north") and "baseline" in x)
    assert line.split()[3:7] == ["130", "2020", "2020", "2023"]  # base year, first (mean, P90), last
    assert "2017" in line.split()  # start by
    assert "Parent areas" in out and "nan" not in out
    district = next(x for x in out.splitlines() if x.startswith("district") and "940" in x)
    assert district.split()[3] == "940"  # the summary's base year: the sum of its sub-areas


def test_observed_base_refuses_a_parent_with_a_missing_child(tmp_path):
    folder = write_toy_dataset(tmp_path / "toy")
    enrol = pd.read_csv(folder / "enrolment.csv")
    enrol = enrol[~((enrol["area"] == "south") & (enrol["year"] == 2020))]
    enrol.to_csv(folder / "enrolment.csv", index=False)
    base = observed_base(load_dataset(folder))
    assert "district" not in set(base["area"])  # not 630 + 0


def test_area_filter_and_chinese_terminal(three_area_run, tmp_path):
    data = write_three_area_dataset(tmp_path / "data")
    runner = CliRunner()
    result = runner.invoke(cli, ["shortfall", "--data", str(data), "--out", str(tmp_path / "out"),
                                 "--area", "south", "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert "含基年" in result.output and "north" not in result.output
    result = runner.invoke(cli, ["shortfall", "--data", str(data), "--out", str(tmp_path / "out"),
                                 "--area", "north", "--lang", "zh"])
    assert "north" in result.output and "小学" in result.output and "district" not in result.output
    result = runner.invoke(cli, ["export", "--data", str(data), "--out", str(tmp_path / "out"),
                                 "--area", "south", "--format", "csv"])
    assert result.exit_code == 0 and "0 record(s)" in result.output
    result = runner.invoke(cli, ["shortfall", "--data", str(data), "--out", str(tmp_path / "out"),
                                 "--area", "nowhere"])
    assert result.exit_code == 1 and "--area nowhere: no such area" in result.output
    result = runner.invoke(cli, ["shortfall", "--data", str(data), "--out", str(tmp_path / "out"),
                                 "--year", "2021"])
    assert result.exit_code == 0 and "north" in result.output and "south" not in result.output


def test_deficits_under_one_class_are_counted_apart():
    """A finest area short by 30 pupils at most (limit 45) is no spell: it is counted apart,
    with its largest deficit; one short by 50 is a spell, not counted here."""
    from types import SimpleNamespace

    import pandas as pd

    from forecast.planning.spells import sub_class_shortfalls

    areas = pd.DataFrame({"area": ["d", "a", "b", "c"], "parent": [None, "d", "d", "d"]})
    rows = [("s", area, "primary", 2021, p90, 45.0) for area, p90 in
            (("a", 30.0), ("b", 50.0), ("c", 0.0), ("d", 80.0))]
    table = pd.DataFrame(rows, columns=["scenario", "area", "level", "year", "deficit_seats_p90",
                                        "class_size_limit"])
    counted = sub_class_shortfalls(table, SimpleNamespace(areas=areas))
    assert counted.to_dict("records") == [{"scenario": "s", "area_levels": 1, "largest_deficit_p90": 30.0}]
