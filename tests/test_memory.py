"""forecast.memory.give_back: freed pages go back to the operating system."""

import gc
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from forecast import memory

psutil = pytest.importorskip("psutil")


def _rss_mib() -> float:
    return psutil.Process().memory_info().rss / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc_trim and RSS: Linux")
def test_freed_pyarrow_and_heap_pages_are_returned():
    before = _rss_mib()
    strings = pd.Series([f"area{i}" for i in range(3_000_000)], dtype="str")
    upper = pc.utf8_upper(pa.array(strings))
    lengths = pc.binary_length(upper)
    del strings, upper, lengths
    gc.collect()
    grown = _rss_mib() - before
    assert grown > 50  # the pools kept the freed pages: there is something to give back
    memory.give_back()
    assert _rss_mib() - before < grown / 2

