"""The engines that run a model's chunks: threads in this process (default) or Dask.

Both cut the areas into the same chunks of whole groups, draw each chunk where it is
summarised (every worker holds its own chunk generator: no lock around the draws) and hand
the chunk results to one ``Accumulator`` in chunk order, so they give the same bytes.
"""

from __future__ import annotations

import inspect
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.engine.buffers import BufferPool
from forecast.engine.chunks import Accumulator, Layout, hierarchy, summarise_chunk, through_sink


@dataclass(frozen=True)
class Engine:
    """``kind``: ``local`` (threads) or ``dask``; ``workers``: threads of the local engine;
    ``chunk``: areas per chunk (None: the model's default); ``scheduler``: a Dask scheduler
    address (None with ``dask``: a LocalCluster on this machine)."""

    kind: str = "local"
    workers: int = 2
    chunk: int | None = None
    scheduler: str | None = None


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
    frames: dict[int, list[pd.DataFrame]] = {}
    turn = threading.Condition()
    next_index = [0]
    failed = threading.Event()

    def work(k: int) -> None:
        mine = list(range(k, len(bounds), workers))  # round robin: chunk i goes to worker i % n
        try:
            chunks = model.iter_chunks(until, scenario, draws, seed, pool=buffers,
                                       bounds=[bounds[i] for i in mine])
            next(chunks)
            for i, (start, stop, arr) in zip(mine, chunks, strict=True):
                if failed.is_set():
                    return
                result = summarise_chunk(layout, start, stop, arr, buffers)
                buffers.give(arr)  # done with this chunk: the generator may fill it again
                with turn:  # parents spanning chunks are summed in chunk order
                    turn.wait_for(lambda i=i: next_index[0] == i or failed.is_set())
                    if failed.is_set():
                        return
                    frames[i] = through_sink(sink, result.frames + accumulator.add(result))
                    next_index[0] = i + 1
                    turn.notify_all()
        except BaseException:
            failed.set()  # wake the other workers so they stop instead of waiting their turn
            with turn:
                turn.notify_all()
            raise

    with ThreadPoolExecutor(max_workers=workers) as executor:
        for future in [executor.submit(work, k) for k in range(workers)]:
            future.result()
    return [f for i in sorted(frames) for f in frames[i]]
