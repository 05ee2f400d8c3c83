"""Every node of the area tree as a series of its own: leaves and the sums above them.

A run projects the finest areas with data (the **leaves** of each level) and makes every
area above them the sum of its leaves. To reconcile (``forecast.evidence.reconcile``) the
evidence step also forecasts each **parent** directly, from its own summed history: a
district's total is smoother than its schools', and its forecast carries information the
schools' do not.

``nodes`` says which series are leaves and which parent sums which leaves, level by level
(an area whose own stated total has leaves below it with the same level is a parent: its
figure is their sum); ``parent_dataset`` is a dataset with one area per parent (no tree)
whose enrolment (totals and, where every leaf has them, grades) and births are the sums of
its leaves', so every candidate forecasts it as it forecasts a leaf.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.data.dataset import Dataset, areas_below


@dataclass
class Nodes:
    """Leaves and parents per level: ``leaves`` (area, level) series projected directly;
    ``links`` (parent, level, area): the leaves each parent sums."""

    leaves: pd.DataFrame
    links: pd.DataFrame

    @property
    def parents(self) -> pd.DataFrame:
        return self.links[["parent", "level"]].drop_duplicates().rename(columns={"parent": "area"})


def nodes(dataset: Dataset) -> Nodes:
    """Leaves (series with no series of the same level below them) and, for each level, the
    leaves below every ancestor."""
    series = dataset.level_totals()[["area", "level"]].drop_duplicates()
    below = areas_below(dataset.areas)
    with_level = series.groupby("level")["area"].agg(set).to_dict()
    leaf_rows, links = [], []
    for level, areas in with_level.items():
        for area in areas:
            if not set(below.get(area, ())) & areas:
                leaf_rows.append((area, level))
        leaves = {a for a, lv in leaf_rows if lv == level}
        for parent, under in below.items():
            members = sorted(set(under) & leaves)
            if members:
                links += [(parent, level, a) for a in members]
    leaves = pd.DataFrame(leaf_rows, columns=["area", "level"])
    return Nodes(leaves.sort_values(["area", "level"]).reset_index(drop=True),
                 pd.DataFrame(links, columns=["parent", "level", "area"]))


def leaf_dataset(dataset: Dataset, tree: Nodes) -> Dataset:
    """The dataset with the parents' own stated series left out (they are sums of leaves)."""
    if tree.links.empty:
        return dataset
    parents = tree.parents.assign(drop=True)
    enrol = dataset.enrolment.merge(parents, on=["area", "level"], how="left")
    keep = enrol["drop"].isna().to_numpy()
    if keep.all():
        return dataset
    return dataclasses.replace(dataset, enrolment=dataset.enrolment[keep].reset_index(drop=True))


def parent_dataset(dataset: Dataset, tree: Nodes) -> Dataset | None:
    """One area per parent whose enrolment and births are its leaves' sums (None without
    parents). Grade rows are summed only for the years in which every leaf counted that
    year has them, so a parent's grades always add up to its total."""
    if tree.links.empty:
        return None
    enrol = dataset.enrolment
    totals = dataset.level_totals()
    totals = totals.merge(tree.links, on=["area", "level"])  # one row per parent the leaf is under
    summed = totals.groupby(["parent", "year", "level"], as_index=False)["students"].sum()
    counted = totals.groupby(["parent", "year", "level"])["area"].nunique().rename("leaves")
    grades = enrol[enrol["grade"] != ""].merge(tree.links, on=["area", "level"])
    graded = grades.groupby(["parent", "year", "level"])["area"].nunique().rename("graded")
    full = pd.concat([counted, graded], axis=1).fillna(0)
    full = full[full["leaves"] == full["graded"]].reset_index()[["parent", "year", "level"]]
    grade_sums = grades.merge(full, on=["parent", "year", "level"]).groupby(
        ["parent", "year", "level", "grade"], as_index=False)["students"].sum()
    rows = pd.concat([summed.assign(grade=""), grade_sums], ignore_index=True)
    rows = rows.rename(columns={"parent": "area"})[["area", "year", "level", "grade", "students"]]
    births = _parent_births(dataset, sorted(tree.links["parent"].unique()))
    areas = pd.DataFrame({"area": sorted(rows["area"].unique())})
    areas = areas.assign(parent=None, name=areas["area"], declared=True)
    out = dataclasses.replace(dataset, name=f"{dataset.name} (parents)", areas=areas, births=births,
                              enrolment=rows.sort_values(["area", "level", "grade", "year"]).reset_index(drop=True),
                              tables={})
    return out


def _parent_births(dataset: Dataset, parents: list[str]) -> pd.DataFrame:
    """A parent's own births where the dataset gives them, else the sum of the births of
    the finest areas below it in years when every one of them has births."""
    births = dataset.births
    empty = pd.DataFrame({"area": pd.Series(dtype=object), "year": pd.Series(dtype=int),
                          "births": pd.Series(dtype=float)})
    if births.empty:
        return empty
    own = births[births["area"].isin(parents)]
    have = set(own["area"])
    below = areas_below(dataset.areas)
    finest = {a for a in dataset.areas["area"] if a not in below}
    frames = [own]
    for parent in parents:
        if parent in have:
            continue
        under = [a for a in below.get(parent, ()) if a in finest]
        part = births[births["area"].isin(under)]
        if part.empty:
            continue
        count = part.groupby("year")["area"].nunique()
        total = part.groupby("year")["births"].sum()
        total = total[count.reindex(total.index) == len(under)]
        frames.append(pd.DataFrame({"area": parent, "year": total.index.astype(int),
                                    "births": total.to_numpy(dtype=float)}))
    out = pd.concat(frames, ignore_index=True)
    return out if len(out) else empty


def summing_matrix(tree: Nodes, level: str, leaves: list[str], parents: list[str]) -> np.ndarray:
    """[parent, leaf] 1 where the leaf is below the parent (for the level)."""
    links = tree.links[tree.links["level"] == level]
    s = np.zeros((len(parents), len(leaves)))
    p = pd.Index(parents).get_indexer(links["parent"])
    a = pd.Index(leaves).get_indexer(links["area"])
    ok = (p >= 0) & (a >= 0)
    s[p[ok], a[ok]] = 1.0
    return s
