"""Bounds on what a run may be asked to do, checked before any work starts.

A horizon of 99,999 years or 10^9 draws is a typo, not a plan: refused with the reason and
the option that overrides the bound, instead of running for minutes or running out of memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from forecast.data.config import RunConfig
    from forecast.data.dataset import Dataset

MAX_DRAWS = 100_000
DEFAULT_MAX_HORIZON = 30
MEMORY_SHARE = 0.8  # refuse a run estimated to need more than this share of free memory
BYTES_PER_ROW = 250  # one projection row in pandas (ten columns, strings shared)


def check_until(until: int, base_year: int, max_horizon: int = DEFAULT_MAX_HORIZON) -> None:
    """``until`` must lie in base_year+1 .. base_year+max_horizon (ValueError otherwise)."""
    if until <= base_year:
        raise ValueError(f"--until {until}: must be after the base year {base_year} "
                         f"(use {base_year + 1} to {base_year + max_horizon})")
    if until > base_year + max_horizon:
        raise ValueError(f"--until {until}: more than {max_horizon} years after the base year "
                         f"{base_year}; use {base_year + 1} to {base_year + max_horizon}, or raise "
                         "the bound with --max-horizon (config key max_horizon)")


def free_memory() -> int | None:
    """Bytes of memory available now (MemAvailable), or None where it cannot be read."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def estimate_bytes(n_areas: int, n_parents: int, n_slots: int, years: int, draws: int,
                   scenarios: int) -> int:
    """Peak memory of a run, roughly: the draws of every parent area (summed draw by draw,
    float32) plus a chunk of leaf draws per worker and the summary rows of every scenario."""
    parents = n_parents * n_slots * years * draws * 4
    chunk = 2 * min(n_areas, 64) * n_slots * years * draws * 4
    rows = n_areas * n_slots * years * scenarios * BYTES_PER_ROW
    return parents + chunk + rows


def check_memory(needed: int, available: int | None = None) -> None:
    """ValueError when ``needed`` exceeds ``MEMORY_SHARE`` of the free memory."""
    available = free_memory() if available is None else available
    if available is not None and needed > MEMORY_SHARE * available:
        raise ValueError(f"this run needs about {needed / 2**30:.1f} GiB of memory but "
                         f"{available / 2**30:.1f} GiB is free; use fewer --draws, a nearer "
                         "--until or fewer scenarios")


def check_run_size(dataset: Dataset, config: RunConfig, until: int, draws: int, scenarios: int) -> None:
    """Refuse (ValueError) a horizon beyond the config's ``max_horizon``, too many draws or a
    run estimated not to fit in free memory, before any work starts."""
    check_until(until, dataset.base_year, config.max_horizon)
    if not 1 <= draws <= MAX_DRAWS:
        raise ValueError(f"--draws {draws}: use 1 to {MAX_DRAWS:,}")
    parents = int(dataset.areas["parent"].dropna().nunique())
    slots = len(dataset.system.slots()) + len(dataset.system.level_names)
    check_memory(estimate_bytes(len(dataset.areas), parents, slots, until - dataset.base_year,
                                draws, scenarios))
