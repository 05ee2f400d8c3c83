"""Every node of the tree as a series: leaves, parents and their summed histories."""

from __future__ import annotations

import pandas as pd

from forecast.data.dataset import load_dataset
from forecast.evidence.hierarchy import leaf_dataset, nodes, parent_dataset
from tests.conftest import write_toy_dataset


def _grades(folder):
    """north teaches grades 1-2 in both years; south gives totals only in 2019, grades in 2020."""
    rows = [("north", y, "primary", g, n) for y in (2019, 2020) for g, n in (("1", 300), ("2", 300 + y - 2019))]
    rows += [("south", 2019, "primary", "", 300), ("south", 2020, "primary", "1", 150),
             ("south", 2020, "primary", "2", 160)]
    pd.DataFrame(rows, columns=["area", "year", "level", "grade", "students"]).to_csv(
        folder / "enrolment.csv", index=False)
    return folder


def test_nodes_and_the_parent_series_are_the_sums_of_the_leaves(tmp_path):
    dataset = load_dataset(write_toy_dataset(tmp_path / "toy"))
    tree = nodes(dataset)
    assert sorted(tree.leaves["area"]) == ["north", "south"]
    assert tree.links.sort_values("area").to_dict("list") == {
        "parent": ["district", "district"], "level": ["primary", "primary"], "area": ["north", "south"]}
    parents = parent_dataset(dataset, tree)
    totals = parents.level_totals().set_index("year")["students"]
    assert totals.to_dict() == {2019: 900.0, 2020: 940.0}  # 600 + 300, 630 + 310
    births = parents.births.set_index("year")["births"]
    assert births[2020] == 2 * (100 + 12)  # both schools' births, summed
    assert list(parents.areas["area"]) == ["district"] and parents.areas["parent"].isna().all()


def test_parent_grades_are_summed_only_where_every_leaf_has_them(tmp_path):
    dataset = load_dataset(_grades(write_toy_dataset(tmp_path / "toy")))
    parents = parent_dataset(dataset, nodes(dataset))
    grades = parents.enrolment[parents.enrolment["grade"] != ""]
    assert sorted(grades["year"].unique()) == [2020]  # south has no grades in 2019
    assert grades.set_index("grade")["students"].to_dict() == {"1": 450.0, "2": 461.0}
    assert parents.level_totals().set_index("year")["students"].to_dict() == {2019: 900.0, 2020: 911.0}


def test_a_parent_with_its_own_stated_total_is_a_sum_not_a_leaf(tmp_path):
    folder = write_toy_dataset(tmp_path / "toy")
    enrol = pd.read_csv(folder / "enrolment.csv")
    enrol = pd.concat([enrol, pd.DataFrame([("district", 2020, "primary", "", 1000)], columns=enrol.columns)])
    enrol.to_csv(folder / "enrolment.csv", index=False)
    dataset = load_dataset(folder)
    tree = nodes(dataset)
    assert "district" not in set(tree.leaves["area"])
    assert "district" not in set(leaf_dataset(dataset, tree).enrolment["area"])
    assert parent_dataset(dataset, tree).level_totals().set_index("year")["students"][2020] == 940.0
