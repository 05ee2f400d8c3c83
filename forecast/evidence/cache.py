"""The evidence backtest kept between runs, keyed by everything it depends on.

A run's evidence step backtests every candidate on the dataset; the next run on the same
data with the same settings would compute the same numbers again. The backtest is stored
under a key that changes whenever anything it depends on changes, so a stored result is
never stale:

- the **data** the backtest reads (the enrolment, births, areas and optional tables such as
  feeders as loaded, hashed by content: a changed file, a filtered area or a dataset built
  in Python all change it), the school system and base year;
- the **settings** (``model`` section of the config, the origins, horizon and warm-up);
- the **code**: the package version and a hash of every source file of the package.

Where: ``$FORECAST_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/forecast/evidence``, else
``~/.cache/forecast/evidence``. ``FORECAST_CACHE_DIR=off`` (or ``0``, ``none``, empty)
turns the cache off. Every entry is a folder of Parquet tables and one JSON file (no
pickles: nothing read back can run code), written to a temporary name and renamed into
place, so a killed run leaves no half entry. The folder may be deleted at any time; an
entry that cannot be read is ignored and recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.common.version import __version__
from forecast.data.dataset import Dataset

FORMAT = 1  # bumped when the stored layout changes
OFF = ("", "0", "off", "none", "false", "no")
PACKAGE = Path(__file__).resolve().parents[1]


def location() -> Path | None:
    """The cache folder, or None when the cache is off."""
    value = os.environ.get("FORECAST_CACHE_DIR")
    if value is not None:
        return None if value.strip().lower() in OFF else Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "forecast" / "evidence"


@lru_cache(maxsize=1)
def code_hash() -> str:
    """A hash of every Python source file of the package (and its version)."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def data_hash(dataset: Dataset) -> str:
    """A hash of the tables the evidence step reads, by content."""
    digest = hashlib.sha256()
    for name, frame in (("enrolment", dataset.enrolment), ("births", dataset.births),
                        ("areas", dataset.areas[["area", "parent"]])):
        digest.update(name.encode())
        digest.update(",".join(map(str, frame.columns)).encode())
        digest.update(pd.util.hash_pandas_object(frame.astype(str) if name == "areas" else frame,
                                                 index=False).to_numpy().tobytes())
    for name in sorted(dataset.tables):  # feeders steer the grade flow; the rest costs little
        frame = dataset.tables[name]
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy().tobytes())
    digest.update(f"{dataset.base_year}|{dataset.system.describe()}|{dataset.system!r}".encode())
    return digest.hexdigest()


def key(dataset: Dataset, settings: dict) -> str:
    """The entry's name: data, settings and code hashed together."""
    text = json.dumps({"format": FORMAT, "settings": settings}, sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode() + data_hash(dataset).encode() + code_hash().encode())
    return digest.hexdigest()[:32]


FRAMES = ("chosen", "parents", "chosen_base", "versions", "entry")


def load(name: str):
    """The stored backtest called ``name`` (None when absent, off or unreadable)."""
    from forecast.evidence.choice import Wide
    from forecast.evidence.procedure import EvidenceBacktest

    root = location()
    folder = root / name if root is not None else None
    if folder is None or not (folder / "meta.json").is_file():
        return None
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            return None
        frames = {f: pd.read_parquet(folder / f"{f}.parquet") for f in FRAMES}
        cells = pd.read_parquet(folder / "cells.parquet")
        values = pd.read_parquet(folder / "forecast.parquet")
        wide = Wide(cells, list(values.columns), values.to_numpy(dtype=float))
        return EvidenceBacktest(wide, frames["chosen"], meta["origins"], meta["horizon"], meta["names"],
                                meta["notes"], meta["skipped"], meta["warmup"], frames["parents"],
                                frames["chosen_base"], frames["versions"], frames["entry"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(name: str, test) -> Path | None:
    """Write ``test`` as entry ``name`` (atomically); None when the cache is off or the
    folder cannot be written (a cache is never a reason for a run to fail)."""
    root = location()
    if root is None:
        return None
    tmp = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
        for f in FRAMES:
            _frame(getattr(test, f)).to_parquet(tmp / f"{f}.parquet", index=False)
        _frame(test.wide.cells).to_parquet(tmp / "cells.parquet", index=False)
        pd.DataFrame(test.wide.forecast, columns=test.wide.models).to_parquet(tmp / "forecast.parquet",
                                                                             index=False)
        meta = {"format": FORMAT, "origins": [int(o) for o in test.origins], "horizon": int(test.horizon),
                "names": list(test.names), "notes": list(test.notes), "skipped": list(test.skipped),
                "warmup": [int(o) for o in test.warmup], "forecast_version": __version__}
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        final = root / name
        if final.exists():
            shutil.rmtree(tmp, ignore_errors=True)
            return final
        os.replace(tmp, final)
        return final
    except OSError:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        return None


def _frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame Parquet can store: object columns as strings, NaN kept."""
    out = frame.reset_index(drop=True).copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].astype("string")
        elif out[column].dtype == bool:
            out[column] = out[column].astype(np.int8).astype(bool)
    return out
