"""forecast.common.memory.give_back: freed pages go back to the operating system."""

import gc
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from forecast.common import memory

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
    memory.give_back(above=0)
    assert _rss_mib() - before < grown / 2



def test_csv_written_in_chunks_is_byte_identical_to_one_piece(tmp_path, monkeypatch):
    import numpy as np
    import pandas as pd

    from forecast.common import files as io
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"area": [f"a{i}" for i in range(1001)], "x": rng.normal(size=1001) * 1e3,
                          "flag": rng.random(1001) > 0.5})
    frame.loc[5, "x"] = np.nan
    io.atomic_write_csv(tmp_path / "one.csv", frame, decimals=2)
    monkeypatch.setattr(io, "CSV_CHUNK_ROWS", 97)
    io.atomic_write_csv(tmp_path / "chunks.csv", frame, decimals=2)
    expected = frame.round(2).to_csv(index=False, lineterminator="\n")
    assert (tmp_path / "chunks.csv").read_text() == (tmp_path / "one.csv").read_text() == expected
    io.atomic_write_csv(tmp_path / "empty.csv", frame.iloc[:0])
    assert (tmp_path / "empty.csv").read_text() == "area,x,flag\n"


def test_a_small_process_skips_the_collection(monkeypatch):
    from forecast.common import memory
    monkeypatch.setitem(memory._since, "resident", 0)
    calls = []
    monkeypatch.setattr(memory.gc, "collect", lambda: calls.append(1))
    monkeypatch.setattr(memory, "resident_bytes", lambda: 100 * 2**20)
    memory.give_back()
    assert calls == []
    memory.give_back(above=50 * 2**20)
    assert calls == [1]


def test_a_large_process_collects_only_after_it_grew(monkeypatch):
    """A long-lived process (a test suite, a notebook) holding 2 GiB does not pay a full
    collection per table read: only growth since the last hand-back counts (the pools are
    still trimmed)."""
    from forecast.common import memory

    monkeypatch.setitem(memory._since, "resident", 0)
    calls = []
    resident = {"now": 2 * 2**30}
    monkeypatch.setattr(memory.gc, "collect", lambda: calls.append(resident["now"]))
    monkeypatch.setattr(memory, "resident_bytes", lambda: resident["now"])
    memory.give_back()  # grew from nothing: collect
    memory.give_back()  # no growth since: skip
    resident["now"] += 100 * 2**20
    memory.give_back()  # 100 MiB more: below the 512 MiB step, skip
    resident["now"] += 600 * 2**20
    memory.give_back()  # 700 MiB more since the last hand-back: collect
    assert calls == [2 * 2**30, 2 * 2**30 + 700 * 2**20]
