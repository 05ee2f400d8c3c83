"""Chunks that are whole subtrees.

A projection is cut into chunks of areas; for sums into parent areas to be computed the same
way whatever the chunk size or engine, the areas are grouped first: every area below one
second-level area (a child of a top-level area) forms a group, joined with any area it must
be projected with (feeder pools). Groups are fixed by the dataset alone; a chunk is one or
more consecutive whole groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components


def anchors(areas: list[str], table: pd.DataFrame) -> list[str]:
    """Each area's ancestor just below the top (itself for a top-level area or a child of
    one)."""
    parent = {a: (None if pd.isna(p) else p) for a, p in zip(table["area"], table["parent"], strict=True)}
    out = []
    for area in areas:
        node = area
        seen = {node}
        while parent.get(node) is not None and parent.get(parent[node]) is not None:
            node = parent[node]
            if node in seen:  # a cycle: validation refuses those; stop rather than loop
                break
            seen.add(node)
        out.append(node)
    return out


def group_labels(areas: list[str], table: pd.DataFrame,
                 links: sparse.spmatrix | None = None) -> np.ndarray:
    """Group number of each area: same anchor (see ``anchors``) or joined by ``links``
    ([area, area], e.g. feeder pools). Numbers follow the first area of each group."""
    n = len(areas)
    anchor = anchors(areas, table)
    first: dict[str, int] = {}
    rows = [first.setdefault(a, i) for i, a in enumerate(anchor)]
    graph = sparse.csr_matrix((np.ones(n), (np.arange(n), rows)), shape=(n, n))
    if links is not None:
        graph = graph + links + links.T
    _, label = connected_components(graph, directed=False)
    order: dict[int, int] = {}
    for value in label:
        order.setdefault(int(value), len(order))
    return np.array([order[int(v)] for v in label], dtype=int)


def grouped_order(areas: list[str], labels: np.ndarray) -> list[str]:
    """Areas reordered so every group is contiguous (groups by first appearance, areas in
    their given order within a group)."""
    order = sorted(range(len(areas)), key=lambda i: (labels[i], i))
    return [areas[i] for i in order]


def chunk_bounds(labels: np.ndarray, chunk: int) -> list[tuple[int, int]]:
    """Consecutive (start, stop) ranges of at least ``chunk`` rows (the last may be shorter)
    that never cut a group; ``labels`` must be contiguous."""
    bounds, start = [], 0
    n = len(labels)
    for i in range(1, n + 1):
        end_of_group = i == n or labels[i] != labels[i - 1]
        if end_of_group and i - start >= chunk:
            bounds.append((start, i))
            start = i
    if start < n:
        bounds.append((start, n))
    return bounds
