"""The births schedule a projection runs on: observed births, then a scenario's path.

Beyond the last observed year births are held at the last observed value (the
"constant births" variant), then the scenario's multiplier, explicit series and policy
uplift apply. Monte Carlo draws add a log-normal random walk whose yearly step is the
spread of the area's own past year-on-year changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.data.config import BirthsScenario

MIN_YEARS_FOR_OWN_SPREAD = 5


class BirthSchedule:
    """Births per area and birth year (central path), plus draws for the unobserved years."""

    def __init__(self, births: pd.DataFrame, areas: list[str], first_year: int, last_year: int,
                 scenario: BirthsScenario | None = None):
        scenario = scenario or BirthsScenario()
        table = births.pivot_table(index="area", columns="year", values="births", aggfunc="sum")
        table = table.reindex(index=areas)
        self.areas = areas
        self.years = np.arange(first_year, last_year + 1)
        observed_last = int(table.columns.max()) if len(table.columns) else first_year - 1
        self.last_observed = observed_last
        table = table.reindex(columns=self.years)
        values = table.to_numpy(dtype=float, copy=True)
        future = self.years > observed_last
        last_value = births.sort_values("year").groupby("area")["births"].last().reindex(areas)
        values[:, future] = last_value.to_numpy(dtype=float)[:, None]
        start = scenario.from_year if scenario.from_year is not None else observed_last + 1
        varied = self.years >= start
        values[:, varied] *= self._multipliers(scenario.multiplier)[varied]
        if scenario.series:
            share = (last_value / last_value.sum()).to_numpy(dtype=float)
            for year, total in scenario.series.items():
                if first_year <= year <= last_year:
                    values[:, year - first_year] = share * total
        if scenario.uplift_percent and scenario.uplift_from is not None:
            values[:, self.years >= scenario.uplift_from] *= 1 + scenario.uplift_percent / 100
        self.central = values  # [area, birth year]; NaN where unknown and not projected
        self.future = future
        self.step_sd = _step_sd(births, areas)

    def _multipliers(self, multiplier: float | dict[int, float]) -> np.ndarray:
        if isinstance(multiplier, dict):
            return np.array([multiplier.get(int(y), 1.0) for y in self.years])
        return np.full(len(self.years), float(multiplier))

    def draws(self, rows: slice | np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """Births draws [area, birth year, draw] for the chosen areas; observed years fixed."""
        central = self.central[rows]
        n_future = int(self.future.sum())
        out = np.repeat(central[:, :, None], n_draws, axis=2)
        if n_future and n_draws > 1:
            sd = self.step_sd[rows][:, None, None]
            steps = rng.standard_normal((central.shape[0], n_future, n_draws)) * sd
            walk = np.cumsum(steps, axis=1)
            # Centre the log walk so the draws' mean stays on the central path.
            walk -= 0.5 * (sd ** 2) * np.arange(1, n_future + 1)[None, :, None]
            out[:, self.future, :] *= np.exp(walk)
        return out

    def index(self, year: int) -> int:
        return int(year - self.years[0])


def _step_sd(births: pd.DataFrame, areas: list[str]) -> np.ndarray:
    """Spread of year-on-year log changes of births per area (pooled where the area's
    series is shorter than MIN_YEARS_FOR_OWN_SPREAD years)."""
    ordered = births.sort_values(["area", "year"])
    logs = np.log(ordered["births"].clip(lower=1.0))
    change = logs.groupby(ordered["area"]).diff()
    stats = change.groupby(ordered["area"]).agg(["std", "count"])
    pooled = float(change.std()) if change.notna().sum() >= 2 else 0.0
    own = stats["std"].where(stats["count"] >= MIN_YEARS_FOR_OWN_SPREAD - 1, pooled)
    return own.reindex(areas).fillna(pooled).fillna(0.0).to_numpy(dtype=float)
