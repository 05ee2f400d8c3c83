"""The Dask engine: chunks of whole groups mapped to dask.distributed workers.

Each task rebuilds the model's chunk generator for its one chunk (the draws are keyed by
area, so a chunk drawn on any machine is the same) and returns the chunk's summary and the
partial sums of parents spanning chunks; this process adds those in chunk order exactly as
the local engine does. Dask is an optional extra: ``pip install 'forecast[dask]'``.
"""

from __future__ import annotations

import pandas as pd

from forecast.engine.chunks import Accumulator, ChunkResult, Layout, summarise_chunk, through_sink


def _task(model, layout: Layout, start: int, stop: int, until: int, scenario, draws: int,
          seed: int) -> ChunkResult:
    chunks = model.iter_chunks(until, scenario, draws, seed, bounds=[(start, stop)])
    next(chunks)
    _, _, arr = next(chunks)
    return summarise_chunk(layout, start, stop, arr)


def client_for(scheduler: str | None):
    """A client of the scheduler at ``scheduler``, or of a new LocalCluster (2 workers)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as error:  # optional extra
        raise RuntimeError("the dask engine needs dask.distributed: pip install 'forecast[dask]'") from error
    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster), cluster


def run_dask(model, layout: Layout, bounds: list[tuple[int, int]], until: int, scenario,
             draws: int, seed: int, scheduler: str | None, sink=None) -> list[pd.DataFrame]:
    sink = sink or (lambda frame: frame)
    client, cluster = client_for(scheduler)
    try:
        shared_model, shared_layout = client.scatter([model, layout], broadcast=True)
        futures = [client.submit(_task, shared_model, shared_layout, start, stop, until, scenario,
                                 draws, seed, pure=False) for start, stop in bounds]
        accumulator = Accumulator(layout)
        frames: list[pd.DataFrame] = []
        for future in futures:  # in chunk order: parents spanning chunks add up the same way
            result = future.result()
            future.release()
            frames += through_sink(sink, result.frames + accumulator.add(result))
        return frames
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
