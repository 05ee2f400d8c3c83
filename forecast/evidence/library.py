"""The shipped error library: interval quantiles borrowed by datasets too short to backtest.

``data/evidence/error_library.csv`` (built by ``scripts/build_error_library.py`` from the
backtests of the shipped real datasets) has one row per level role x years ahead x size
class: ``role, horizon, size_min, size_max, q_lo, q_hi, n, basis, source_dataset,
source_level, origins, built_by, source``. ``q_lo``/``q_hi`` are log errors (log actual/forecast)
of the evidence-chosen forecast, as in ``forecast.evidence.intervals``.

Levels are matched by **role**, since names differ between systems: China's kindergarten,
primary, junior, senior_general and the US pre_k, elementary, middle, high map to
``pre_primary``, ``primary``, ``lower_secondary``, ``upper_secondary``; an unknown name
takes the role at its position in the dataset's level order. Size classes are matched by
the area's size at the base year (the nearest class when outside every class); where
several source datasets cover a cell the widest interval is taken; horizons beyond the
library's widen by sqrt(h / H).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.data.catalog import shipped_root
from forecast.data.dataset import Dataset

LIBRARY = shipped_root() / "data" / "evidence" / "error_library.csv"
ROLES = ("pre_primary", "primary", "lower_secondary", "upper_secondary")
ROLE_OF = {
    "kindergarten": "pre_primary", "pre_k": "pre_primary", "preschool": "pre_primary",
    "primary": "primary", "elementary": "primary",
    "junior": "lower_secondary", "middle": "lower_secondary",
    "senior_general": "upper_secondary", "senior": "upper_secondary", "high": "upper_secondary",
    "senior_vocational": "upper_secondary",
}
LIBRARY_COLUMNS = ["role", "horizon", "size_min", "size_max", "q_lo", "q_hi", "n", "basis",
                   "source_dataset", "source_level", "origins", "built_by", "source"]


def role(level: str, order: tuple[str, ...] = ()) -> str:
    """The level's role (by name, else by its position in ``order``)."""
    if level in ROLE_OF:
        return ROLE_OF[level]
    if level in order:
        return ROLES[min(order.index(level), len(ROLES) - 1)]
    return "primary"


@dataclass
class ErrorLibrary:
    table: pd.DataFrame  # LIBRARY_COLUMNS
    path: Path

    @property
    def source(self) -> str:
        sets = ", ".join(sorted(self.table["source_dataset"].astype(str).unique()))
        return f"{self.path.name}: backtests of {sets}"

    def lookup(self, cells: pd.DataFrame, dataset: Dataset) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
        """(q_lo, q_hi) for each cell (level, horizon, size) and the library rows used."""
        order = tuple(getattr(getattr(dataset, "system", None), "level_names", ()) or ())
        lo = np.full(len(cells), np.nan)
        hi = np.full(len(cells), np.nan)
        used: set = set()
        seen: dict = {}  # (role, horizon, size) -> (lo, hi, rows): cells share few keys
        columns = {r: {c: part[c].to_numpy() for c in ("size_min", "size_max", "horizon", "q_lo", "q_hi")}
                   | {"index": part.index.to_numpy()} for r, part in self.table.groupby("role")}
        for i, cell in enumerate(cells.itertuples(index=False)):
            key = (role(cell.level, order), int(cell.horizon), float(cell.size))
            if key not in seen:
                seen[key] = _cell(columns.get(key[0]), key[1], key[2])
            lo[i], hi[i], rows = seen[key]
            used.update(rows)
        rows = self.table.loc[sorted(used)].drop_duplicates() if used else pd.DataFrame(columns=LIBRARY_COLUMNS)
        return lo, hi, rows.assign(source=self.source)


def _cell(part: dict | None, h: int, size: float) -> tuple[float, float, list]:
    """(q_lo, q_hi, library rows) of one role x years ahead x size: the size class that holds
    the size, else the nearest; the horizon, else the widest one widened by sqrt(h / H);
    where several sources cover it, the widest interval."""
    if part is None:
        return np.nan, np.nan, []
    inside = (part["size_min"] <= size) & (size < part["size_max"])
    if not inside.any():  # nearest class
        centre = np.sqrt(np.clip(part["size_min"], 1, None) * np.where(np.isinf(part["size_max"]), 1e12,
                                                                      part["size_max"]))
        nearest = part["size_min"][np.argmin(np.abs(np.log(centre) - math.log(max(size, 1))))]
        inside = part["size_min"] == nearest
    row = inside & (part["horizon"] == h)
    scale = 1.0
    if not row.any():
        widest = int(part["horizon"][inside].max())
        row, scale = inside & (part["horizon"] == widest), math.sqrt(h / widest)
    return (float(part["q_lo"][row].min() * scale), float(part["q_hi"][row].max() * scale),
            list(part["index"][row]))


def load_library(path: Path | None = None) -> ErrorLibrary | None:
    """The shipped library, or None when the file is absent."""
    path = path or LIBRARY
    if not path.is_file():
        return None
    return ErrorLibrary(pd.read_csv(path), path)


def build_rows(test, dataset: Dataset, built_by: str) -> pd.DataFrame:
    """Library rows (LIBRARY_COLUMNS) from an evidence backtest of ``dataset``: quantiles of
    the chosen forecasts' log errors by role x horizon x size class (class bounds in
    persons, from the sizes at the origins)."""
    from forecast.evidence.intervals import error_quantiles

    chosen = test.chosen[test.chosen["actual"].notna()]
    chosen = chosen.assign(e=np.log(chosen["actual"] / chosen["forecast"]))
    order = tuple(getattr(getattr(dataset, "system", None), "level_names", ()) or ())
    rows = []
    for level, part in chosen.groupby("level"):
        q = error_quantiles(part, test.horizon)
        for cls, qpart in q.groupby("size_class"):
            sizes = part.loc[part["size_class"] == cls, "size"]
            low = 0.0 if cls == part["size_class"].min() else float(sizes.min())
            high = np.inf if cls == part["size_class"].max() else float(sizes.max())
            rows.append(qpart.assign(role=role(level, order), size_min=low, size_max=high,
                                     source_dataset=dataset.name, source_level=level,
                                     origins=f"{test.origins[0]}-{test.origins[-1]}", built_by=built_by))
    if not rows:
        return pd.DataFrame(columns=LIBRARY_COLUMNS)
    table = pd.concat(rows, ignore_index=True)
    table["source"] = source_text(table)
    return table[LIBRARY_COLUMNS]


def source_text(table: pd.DataFrame) -> pd.Series:
    """Each row's provenance in one sentence (the ``source`` every shipped row carries)."""
    return ("evidence backtest of data/" + table["source_dataset"].astype(str) + " level "
            + table["source_level"].astype(str) + ", origins " + table["origins"].astype(str)
            + ", log errors of the chosen forecast; " + table["built_by"].astype(str))
