"""The evidence-chosen default for streamed runs: chunk by chunk, before the rows reach disk.

``forecast run --stream`` writes each chunk of the cohort flow's projection as soon as it is
summarised (``forecast.outputs.spool``), so the default cannot replace level totals in one
frame afterwards (``forecast.evidence.step.adjust``). ``EvidenceSink`` wraps the spool and
does the same to every chunk on its way:

- a leaf's level total becomes the chosen forecast; its grades are rescaled by the same
  factor; its interval is the empirical one, widened to the Monte Carlo band rescaled;
- a parent's rows are rescaled by the sum of its leaves' chosen totals over the sum of their
  cohort-flow totals (both summed as the leaves pass: the engine hands every parent over
  after all its leaves, in chunk order), and its band widened to its own empirical band;
- ``p_shortfall`` is read from a log-normal through the new p10/p50/p90.

The rows are those the in-memory run writes (tests/evidence/test_stream.py compares them).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from forecast.data.dataset import Dataset, areas_below
from forecast.evidence.ensemble import lognormal_exceedance

KEY = ["area", "level", "year"]
VALUES = ("mean", "p10", "p50", "p90")


class EvidenceSink:
    """A sink for ``FittedCohortFlow.project`` that applies the chosen forecast ``chosen``
    (``forecast.evidence.procedure.Chosen``) of scenario ``scenario`` to each chunk, then
    hands it to ``inner`` (the spool) and returns what ``inner`` keeps."""

    def __init__(self, inner, chosen, dataset: Dataset, scenario: str, seats: pd.Series | None):
        self.inner = inner
        self.scenario = scenario
        self.seats = seats
        self.base_year = dataset.base_year
        modelled = set(dataset.level_totals()["area"])
        below = {p: [c for c in under if c in modelled] for p, under in areas_below(dataset.areas).items()}
        self.parents = {p for p, under in below.items() if set(under) - {p}}
        self.ancestors = defaultdict(list)
        for parent in self.parents:
            for child in below[parent]:
                if child not in self.parents:
                    self.ancestors[child].append(parent)
        self.own = chosen.frame.set_index(KEY)[["mean", "p10", "p90"]]
        self.sums: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0])
        q = chosen.intervals
        self.largest = None
        if len(q) and "size_class" in q:
            leaf_q = q[q["tier"] == "leaf"] if "tier" in q else q
            self.largest = leaf_q.sort_values("size_class").groupby(["level", "horizon"]).last()[["q_lo", "q_hi"]]
        self.parent_bands = None
        if len(chosen.parents) and chosen.parents["p10"].notna().any():
            p = chosen.parents.set_index(KEY)
            with np.errstate(divide="ignore", invalid="ignore"):
                self.parent_bands = pd.DataFrame({"lo": np.log(p["p10"] / p["mean"]),
                                                  "hi": np.log(p["p90"] / p["mean"])})

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return self.inner(frame)
        frame = frame.copy()
        parent_rows = frame["area"].isin(self.parents).to_numpy()
        self._leaves(frame, ~parent_rows)
        self._parents(frame, parent_rows)
        return self.inner(frame)

    def _leaves(self, frame: pd.DataFrame, rows: np.ndarray) -> None:
        level = rows & (frame["grade"] == "").to_numpy()
        part = frame.loc[level]
        cells = pd.MultiIndex.from_frame(part[KEY])
        own = self.own.reindex(cells)
        mc = part["mean"].to_numpy(dtype=float)
        value = np.where(own["mean"].notna(), own["mean"].to_numpy(dtype=float), mc)
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = value / mc
        for area, lv, year, v, m in zip(part["area"], part["level"], part["year"], value, mc, strict=True):
            for parent in self.ancestors.get(area, ()):
                acc = self.sums[(parent, lv, int(year))]
                acc[0] += v
                acc[1] += m
        with np.errstate(invalid="ignore", divide="ignore"):
            low = own["mean"].to_numpy(dtype=float) * part["p10"].to_numpy(dtype=float) / mc
            high = own["mean"].to_numpy(dtype=float) * part["p90"].to_numpy(dtype=float) / mc
        own_p10 = np.fmin(own["p10"].to_numpy(dtype=float), low)
        own_p90 = np.fmax(own["p90"].to_numpy(dtype=float), high)
        factors = pd.Series(factor, index=cells)
        self._scale(frame, rows, factors)
        p10 = frame.loc[level, "p10"].to_numpy(dtype=float)
        p90 = frame.loc[level, "p90"].to_numpy(dtype=float)
        frame.loc[level, "p10"] = np.where(np.isnan(own_p10), p10, own_p10)
        frame.loc[level, "p90"] = np.where(np.isnan(own_p90), p90, own_p90)
        self._shortfall(frame, level & _scaled(frame))

    def _parents(self, frame: pd.DataFrame, rows: np.ndarray) -> None:
        if not rows.any():
            return
        keys = frame.loc[rows, KEY]
        factor = []
        for area, lv, year in zip(keys["area"], keys["level"], keys["year"], strict=True):
            value, mc = self.sums.get((area, lv, int(year)), (np.nan, np.nan))
            factor.append(value / mc if mc else np.nan)
        cells = pd.MultiIndex.from_frame(keys)
        factors = pd.Series(np.asarray(factor, dtype=float), index=cells)
        factors = factors[~factors.index.duplicated()]
        self._scale(frame, rows, factors)
        level = rows & (frame["grade"] == "").to_numpy()
        self._shortfall(frame, level & _scaled(frame))
        self._widen(frame, level)

    def _scale(self, frame: pd.DataFrame, rows: np.ndarray, factors: pd.Series) -> None:
        f = factors[~factors.index.duplicated()].reindex(pd.MultiIndex.from_frame(frame.loc[rows, KEY]))
        f = f.to_numpy(dtype=float)
        idx = frame.index[rows][~np.isnan(f)]
        f = f[~np.isnan(f)]
        for column in VALUES:
            frame.loc[idx, column] = frame.loc[idx, column].to_numpy(dtype=float) * f
        frame.loc[idx, "model"] = "evidence"

    def _shortfall(self, frame: pd.DataFrame, rows: np.ndarray) -> None:
        if self.seats is None or "p_shortfall" not in frame or not rows.any():
            return
        part = frame.loc[rows]
        limit = self.seats.reindex(pd.MultiIndex.from_frame(part[KEY])).to_numpy(dtype=float)
        frame.loc[rows, "p_shortfall"] = lognormal_exceedance(
            *(part[c].to_numpy(dtype=float) for c in ("p50", "p10", "p90")), limit)

    def _widen(self, frame: pd.DataFrame, rows: np.ndarray) -> None:
        if self.largest is None or not rows.any():
            return
        part = frame.loc[rows]
        idx = pd.MultiIndex.from_arrays([part["level"], part["year"] - self.base_year])
        lo, hi = (self.largest[c].reindex(idx).to_numpy(dtype=float) for c in ("q_lo", "q_hi"))
        if self.parent_bands is not None:
            own = self.parent_bands.reindex(pd.MultiIndex.from_frame(part[KEY]))
            lo = np.where(np.isfinite(own["lo"].to_numpy(dtype=float)), own["lo"].to_numpy(dtype=float), lo)
            hi = np.where(np.isfinite(own["hi"].to_numpy(dtype=float)), own["hi"].to_numpy(dtype=float), hi)
        mean = part["mean"].to_numpy(dtype=float)
        p10, p90 = part["p10"].to_numpy(dtype=float), part["p90"].to_numpy(dtype=float)
        frame.loc[rows, "p10"] = np.where(np.isfinite(lo), np.fmin(p10, mean * np.exp(lo)), p10)
        frame.loc[rows, "p90"] = np.where(np.isfinite(hi), np.fmax(p90, mean * np.exp(hi)), p90)
        self._shortfall(frame, rows)

    def classes(self) -> pd.DataFrame:
        return self.inner.classes()


def _scaled(frame: pd.DataFrame) -> np.ndarray:
    return (frame["model"] == "evidence").to_numpy()
