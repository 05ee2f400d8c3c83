"""The engines that run a model's chunks: threads in this process (default) or Dask.

Both cut the areas into the same chunks of whole groups, draw each chunk where it is
summarised (every worker holds its own chunk generator: no lock around the draws) and hand
the chunk results to one ``Accumulator`` in chunk order, so they give the same bytes.

The threads overlap because numpy, pyarrow and the sort release the GIL: a worker takes the
next chunk nobody has taken (not a fixed share), leaves its summary for the ordered sums and
goes on drawing; whichever worker finds the next chunk in order ready adds it, while the
others keep drawing. No worker waits for another's turn.
"""

from __future__ import annotations

import inspect
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.engine.buffers import BufferPool
from forecast.engine.chunks import (
    Accumulator,
    ChunkResult,
    Layout,
    hierarchy,
    summarise_chunk,
    through_sink,
)


@dataclass(frozen=True)
class Engine:
    """``kind``: ``local`` (threads) or ``dask``; ``workers``: threads of the local engine;
    ``chunk``: areas per chunk (None: the model's default); ``scheduler``: a Dask scheduler
    address (None with ``dask``: a LocalCluster on this machine)."""

    kind: str = "local"
    workers: int = field(default_factory=lambda: cores())
    chunk: int | None = None
    scheduler: str | None = None


def cores() -> int:
    """Cores this process may run on (the default number of worker threads)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def default_chunk(model) -> int:
    return int(inspect.signature(model.iter_chunks).parameters["chunk"].default)


def layout_for(model, levels: list[str], areas: pd.DataFrame, until: int, scenario, draws: int,
               seed: int, name: str, seats: pd.Series | None, grades: bool = True) -> Layout:
    """The model's layout restricted to ``levels``, with the parents of its areas."""
    chunks = model.iter_chunks(until, scenario, draws, seed, bounds=[])
    modelled, all_slots, years = next(chunks)
    chunks.close()
    keep = np.array([i for i, s in enumerate(all_slots) if s[0] in levels], dtype=int)
    ancestors, leaves = hierarchy(modelled, areas)
    return Layout(list(modelled), [all_slots[i] for i in keep], years, keep,
                  model.expected()[:, keep], model.groups(), ancestors, leaves,
                  model.settings.name, name, seats, grades)


def run_chunks(model, layout: Layout, until: int, scenario, draws: int, seed: int,
               engine: Engine | None = None, sink=None) -> list[pd.DataFrame]:
    """Project and summarise every chunk with the chosen engine; frames in chunk order.
    ``sink``: called with each chunk's frame in chunk order; what it returns is kept (e.g.
    a ``ProjectionSpool`` writes the chunk and keeps the level totals)."""
    engine = engine or Engine()
    bounds = model.chunk_bounds(engine.chunk or default_chunk(model))
    sink = sink or (lambda frame: frame)
    if engine.kind == "dask":
        from forecast.engine.distributed import run_dask
        return run_dask(model, layout, bounds, until, scenario, draws, seed, engine.scheduler, sink)
    if engine.kind != "local":
        raise ValueError(f"unknown engine {engine.kind!r}; use local or dask")
    return _run_threads(model, layout, bounds, until, scenario, draws, seed, max(1, engine.workers),
                        sink)


def _run_threads(model, layout: Layout, bounds: list[tuple[int, int]], until: int, scenario,
                 draws: int, seed: int, workers: int, sink) -> list[pd.DataFrame]:
    buffers = BufferPool()  # chunks and sort buffers are reused: fresh memory is slow to touch
    accumulator = Accumulator(layout)
    index_of = {b: i for i, b in enumerate(bounds)}
    frames: dict[int, list[pd.DataFrame]] = {}
    ready: dict[int, ChunkResult] = {}  # summarised, waiting for the ordered sums
    state = {"claimed": 0, "added": 0}
    ahead = 4 * workers  # chunks summarised ahead of the ordered sums at most (memory)
    lock = threading.Condition()
    adding = threading.Lock()  # one thread adds in chunk order at a time
    failed = threading.Event()

    def claims():
        """The next chunk nobody has taken, while this worker may run ahead."""
        while True:
            with lock:
                lock.wait_for(lambda: failed.is_set() or state["claimed"] >= len(bounds)
                              or state["claimed"] < state["added"] + ahead)
                if failed.is_set() or state["claimed"] >= len(bounds):
                    return
                i = state["claimed"]
                state["claimed"] += 1
            yield bounds[i]

    def add_ready() -> None:
        """Add the chunks ready in order; if another thread is adding, leave it to it."""
        while adding.acquire(blocking=False):
            try:
                while True:
                    with lock:
                        i = state["added"]
                        result = ready.pop(i, None)
                    if result is None:
                        break
                    frames[i] = through_sink(sink, result.frames + accumulator.add(result))
                    with lock:
                        state["added"] = i + 1
                        lock.notify_all()
            finally:
                adding.release()
            with lock:  # a result may have arrived after the last look, before the release
                if state["added"] not in ready:
                    return

    def work() -> None:
        try:
            chunks = model.iter_chunks(until, scenario, draws, seed, pool=buffers, bounds=claims())
            next(chunks)
            for start, stop, arr in chunks:
                result = summarise_chunk(layout, start, stop, arr, buffers)
                buffers.give(arr)  # done with this chunk: the generator may fill it again
                with lock:
                    ready[index_of[(start, stop)]] = result
                add_ready()
        except BaseException:
            failed.set()  # wake the other workers so they stop instead of waiting
            with lock:
                lock.notify_all()
            raise

    with ThreadPoolExecutor(max_workers=workers) as executor:
        for future in [executor.submit(work) for _ in range(workers)]:
            future.result()
    add_ready()
    if state["added"] != len(bounds):
        raise RuntimeError(f"chunks summed {state['added']} of {len(bounds)}")
    return [f for i in sorted(frames) for f in frames[i]]
