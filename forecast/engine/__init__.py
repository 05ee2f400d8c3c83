"""How a projection is run at scale: per-area random streams, chunks of whole subtrees,
the chunk summaries and their ordered accumulation, and the engines (threads, Dask)."""
