"""Reusable large arrays for the chunked projection.

Fresh memory for a large array costs page faults (the kernel zeroes every page), which on
small virtual machines takes longer than the arithmetic done in it. A chunked run needs the
same few shapes over and over, so it takes arrays from a pool and gives them back.
"""

from __future__ import annotations

import threading

import numpy as np


class BufferPool:
    """Arrays by (shape, dtype), handed out and given back; thread-safe. The pool holds at
    most as many arrays of a shape as were in use at once."""

    def __init__(self) -> None:
        self._free: dict[tuple, list[np.ndarray]] = {}
        self._lock = threading.Lock()

    def take(self, shape: tuple[int, ...], dtype=np.float64) -> np.ndarray:
        """An uninitialised array of this shape and dtype (reused when one is free)."""
        key = (tuple(shape), np.dtype(dtype))
        with self._lock:
            free = self._free.get(key)
            if free:
                return free.pop()
        return np.empty(shape, dtype=dtype)

    def give(self, array: np.ndarray) -> None:
        """Return an array taken from the pool; the caller must not use it afterwards."""
        with self._lock:
            self._free.setdefault((array.shape, array.dtype), []).append(array)


def take(pool: BufferPool | None, shape: tuple[int, ...], dtype=np.float64) -> np.ndarray:
    """From the pool when there is one, else a new array."""
    return pool.take(shape, dtype) if pool is not None else np.empty(shape, dtype=dtype)
