"""What one chunk of areas turns into, and the ordered sums into parents that span chunks.

A chunk (whole groups of areas, forecast.engine.subtrees) is summarised where it was drawn:
its leaf areas, and every parent whose leaves all lie in the chunk. A parent spanning several
chunks receives one partial sum per group, added in group order by ``Accumulator``. Every
parent is thus the same sequence of additions (leaves in layout order within a group, then
groups in order) whatever the chunk size, the number of workers or the engine: the outputs
are byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.data.dataset import areas_below
from forecast.engine.blocks import Block, to_frame
from forecast.engine.buffers import BufferPool


@dataclass
class Layout:
    """Everything a worker needs to summarise a chunk of one model's draws (picklable)."""

    modelled: list[str]
    slots: list[tuple[str, str]]
    years: np.ndarray
    keep: np.ndarray  # positions of the kept slots in the model's layout
    expected: np.ndarray  # [area, kept slot]: taught in the base year
    groups: np.ndarray  # group of each modelled area
    ancestors: list[str]
    leaves: list[np.ndarray]  # model rows of each ancestor's leaves, ascending
    model: str
    scenario: str
    seats: pd.Series | None = None
    grades: bool = True  # quantiles of grade rows too (else their mean only)
    leaf: np.ndarray = field(init=False)
    spans: list[np.ndarray] = field(init=False)  # groups each ancestor's leaves fall in
    by_group: dict[int, list[int]] = field(init=False)  # ancestors with leaves in each group

    def __post_init__(self) -> None:
        self.leaf = np.ones(len(self.modelled), dtype=bool)
        index = {a: i for i, a in enumerate(self.modelled)}
        for name in self.ancestors:
            if name in index:
                self.leaf[index[name]] = False
        self.spans = [np.unique(self.groups[rows]) for rows in self.leaves]
        self.by_group = {}
        for a, span in enumerate(self.spans):
            for g in span:
                self.by_group.setdefault(int(g), []).append(a)


def hierarchy(modelled: list[str], areas: pd.DataFrame) -> tuple[list[str], list[np.ndarray]]:
    """Ancestors of the modelled areas and, for each, the rows of the modelled leaves below
    it (an area with modelled descendants is replaced by their sum: bottom-up)."""
    known = set(modelled)
    below = {top: [a for a in under if a in known] for top, under in areas_below(areas).items()}
    below = {top: under for top, under in below.items() if under}
    names = sorted(below)
    index = {a: i for i, a in enumerate(modelled)}
    leaves = [np.array(sorted(index[c] for c in below[n] if c not in below), dtype=int) for n in names]
    return names, leaves


@dataclass
class Partial:
    """One group's sum of the leaves below a parent that spans chunks."""

    ancestor: int
    draws: np.ndarray
    seen: np.ndarray  # [slot] some leaf has a value
    missing: np.ndarray  # [slot, year] leaves that teach the slot but were not projected


@dataclass
class ChunkResult:
    frames: list[pd.DataFrame]
    partials: list[Partial]


def summarise_chunk(layout: Layout, start: int, stop: int, arr: np.ndarray,
                    pool: BufferPool | None = None) -> ChunkResult:
    """Summarise a chunk's leaves and the parents complete in it; partial sums for the rest."""
    if len(layout.keep) < arr.shape[1]:
        arr = arr[:, layout.keep]
    rows = np.flatnonzero(layout.leaf[start:stop])
    names = [layout.modelled[start + r] for r in rows]
    leaves = arr if len(rows) == stop - start else arr[rows]
    frames = [to_frame(Block(names, layout.slots, layout.years, leaves, layout.model),
                       layout.scenario, layout.seats, pool, grades=layout.grades)]
    groups = layout.groups[start:stop]
    clean = None  # the chunk with NaN (a grade not taught) as 0, made once if a parent needs it
    cache: dict[bytes, tuple] = {}  # a county and its province add the same leaves of a group
    complete_names, complete_draws, complete_missing, partials = [], [], [], []
    touched = sorted({a for g in np.unique(groups) for a in layout.by_group.get(int(g), [])})
    for a in touched:
        if clean is None:  # a NaN anywhere makes the sum NaN: no mask the size of the chunk
            clean = np.where(np.isnan(arr), 0.0, arr) if np.isnan(arr.sum()) else arr
        members = layout.leaves[a]
        inside = members[np.searchsorted(members, start):np.searchsorted(members, stop)]
        parts = []
        for g in np.unique(groups[inside - start]):
            part = inside[groups[inside - start] == g] - start
            key = part.tobytes()
            if key not in cache:
                cache[key] = _group_sum(arr, clean, part, layout.expected[start + part])
            parts.append(cache[key])
        if len(layout.spans[a]) == len(parts):  # every leaf is here: finish the parent
            total, seen, missing = _combine(parts)
            complete_names.append(layout.ancestors[a])
            complete_draws.append(_blank(total, seen, missing))
            complete_missing.append(missing)
        else:
            partials += [Partial(a, *p) for p in parts]
    if complete_names:
        frames.append(to_frame(Block(complete_names, layout.slots, layout.years,
                                     np.stack(complete_draws), layout.model),
                               layout.scenario, layout.seats, missing=np.stack(complete_missing),
                               grades=layout.grades))
    return ChunkResult(frames, partials)


def _group_sum(arr: np.ndarray, clean: np.ndarray, rows: np.ndarray, expected: np.ndarray):
    """Leaves added one by one in row order (never a BLAS product: its order of additions
    depends on the shapes, and so would the last bits of the sum)."""
    total = np.zeros(arr.shape[1:])
    for r in rows:
        total += clean[r]
    first = arr[rows, ..., 0]  # [leaf, slot, year]: the first draw only, not a copy of every draw
    seen = ~np.isnan(first).all(axis=(0, 2))
    missing = (expected[:, :, None] & np.isnan(first)).sum(axis=0).astype(float)  # [slot, year]
    return total, seen, missing


def _combine(parts: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    total = np.zeros(parts[0][0].shape)
    seen = np.zeros(parts[0][1].shape, dtype=bool)
    missing = np.zeros(parts[0][2].shape)
    for draws, s, m in parts:
        total += draws
        seen |= s
        missing += m
    return total, seen, missing


def _blank(total: np.ndarray, seen: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """No row for a slot none of the parent's leaves has (and none was expected to)."""
    total[~seen & (missing == 0).all(axis=-1)] = np.nan
    return total


class Accumulator:
    """Adds the partial sums of spanning parents in chunk order; a parent is summarised as
    soon as its last group has arrived, so memory holds only the parents in progress."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.remaining = {a: len(s) for a, s in enumerate(layout.spans)}
        self.parts: dict[int, list] = {}

    def add(self, result: ChunkResult) -> list[pd.DataFrame]:
        frames = []
        for p in result.partials:
            if p.ancestor not in self.parts:
                self.parts[p.ancestor] = [np.zeros(p.draws.shape), np.zeros(p.seen.shape, dtype=bool),
                                          np.zeros(p.missing.shape)]
            acc = self.parts[p.ancestor]
            acc[0] += p.draws
            acc[1] |= p.seen
            acc[2] += p.missing
            self.remaining[p.ancestor] -= 1
            if self.remaining[p.ancestor] == 0:
                total, seen, missing = self.parts.pop(p.ancestor)
                layout = self.layout
                frames.append(to_frame(Block([layout.ancestors[p.ancestor]], layout.slots, layout.years,
                                             _blank(total, seen, missing)[None], layout.model),
                                       layout.scenario, layout.seats, missing=missing[None],
                                       grades=layout.grades))
        return frames


def through_sink(sink, frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """One chunk's frames through the sink (one call per chunk)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return []
    return [sink(pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0])]
