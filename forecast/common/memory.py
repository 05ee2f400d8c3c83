"""Give freed memory back to the operating system between the stages of a large run.

Freed memory is not returned by default: pyarrow's pool (mimalloc or jemalloc, used by the
CSV reader and the string columns) and glibc's heap (used by pandas and numpy, one arena per
thread) keep the pages for reuse. At 30,000 areas that was 0.7 of 1.4 GiB after loading; a
later stage's peak then stacks on top of it. Measured with ``benchmarks/bench_scale.py``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os

import pyarrow as pa


def _malloc_trim():
    """glibc's ``malloc_trim`` or None (macOS, musl, Windows: nothing to call)."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


_TRIM = _malloc_trim()


GIVE_BACK_ABOVE = 512 * 2**20  # bytes resident: below this there is little to give back


def resident_bytes() -> int | None:
    """The process's resident memory now (Linux ``/proc/self/statm``), or None elsewhere."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


_since = {"resident": 0}  # resident bytes just after the last hand-back


def give_back(above: int = GIVE_BACK_ABOVE) -> None:
    """Return the freed pages of pyarrow's pool and of the C heap when more than ``above``
    bytes are resident, after a full garbage collection when resident memory grew by more
    than ``above`` since the last hand-back. A full collection costs tens of milliseconds in
    a large interpreter and seconds in one holding millions of objects (a test suite or a
    notebook running many runs: 8x slower per small run), and what reference counting freed
    needs none."""
    resident = resident_bytes()
    if resident is not None and resident < above:
        return
    if resident is None or resident - _since["resident"] >= above:
        gc.collect()  # cycles; what reference counting freed needs no collection
    pa.default_memory_pool().release_unused()
    if _TRIM is not None:
        _TRIM(0)
    after = resident_bytes()
    _since["resident"] = after if after is not None else 0
