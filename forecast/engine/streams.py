"""One random stream per area, derived from the run's seed and the area's id.

An area's draws then depend on nothing but (seed, area id): not on the chunk the area falls
in, the number of workers or the machine, so any chunking and any engine give byte-identical
outputs. Python's ``hash()`` is salted per process, so the id is hashed with BLAKE2b (128
bits: no two ids of a national run collide).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


def stable_hash(area: str) -> int:
    """A 128-bit integer from the UTF-8 bytes of ``area``: the same in every process."""
    return int.from_bytes(hashlib.blake2b(str(area).encode("utf-8"), digest_size=16).digest(), "little")


class AreaStreams:
    """Generators for a list of areas, consumed area by area. ``standard_normal(shape)`` with
    ``shape[0] == len(areas)`` fills row i from area i's own stream, so a model written for a
    single ``numpy.random.Generator`` keeps its calls unchanged. Normals are float32 (half the
    generation time; seven digits are ample for a shock that is scaled and exponentiated in
    float64 afterwards)."""

    def __init__(self, seed: int, areas: Sequence[str]):
        self.areas = list(areas)
        self._rngs = [np.random.default_rng(np.random.SeedSequence([int(seed), stable_hash(a)]))
                      for a in self.areas]

    def standard_normal(self, shape: tuple[int, ...], dtype=np.float32) -> np.ndarray:
        """Normals [area, ...]: row i is the next ``shape[1:]`` values of area i's stream."""
        shape = tuple(shape)
        if not shape or shape[0] != len(self._rngs):
            raise ValueError(f"first axis must be the {len(self._rngs)} areas, got shape {shape}")
        out = np.empty(shape, dtype=dtype)
        for rng, row in zip(self._rngs, out, strict=True):
            rng.standard_normal(out=row, dtype=dtype)
        return out

    def ragged(self, owner: np.ndarray, shape: tuple[int, ...], dtype=np.float32) -> np.ndarray:
        """Normals [cell, *shape] for cells owned by areas (``owner``: area position of each
        cell, ascending as ``numpy.nonzero`` gives them): each area's cells come from its
        own stream, in order."""
        owner = np.asarray(owner, dtype=int)
        out = np.empty((len(owner), *shape), dtype=dtype)
        counts = np.bincount(owner, minlength=len(self._rngs))
        begin = 0
        for rng, n in zip(self._rngs, counts, strict=True):
            if n:
                rng.standard_normal(out=out[begin:begin + n], dtype=dtype)
                begin += n
        return out


def area_normals(seed: int, areas: Sequence[str], shape: tuple[int, ...]) -> np.ndarray:
    """Normals [area, *shape], each area's from its own stream (see ``AreaStreams``)."""
    return AreaStreams(seed, areas).standard_normal((len(areas), *shape))
