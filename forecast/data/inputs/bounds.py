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


DATA_HORIZON = 5  # years past the base year a --data run projects when the config's until is not after it


def check_until(until: int, base_year: int, max_horizon: int = DEFAULT_MAX_HORIZON,
                given: str | None = None) -> None:
    """``until`` must lie in base_year+1 .. base_year+max_horizon (``OptionError`` otherwise).
    ``given`` says where the value came from (default ``--until N``; a config's ``until``
    names the file and key), so the message blames what the user actually wrote."""
    from forecast.common.errors import OptionError

    given = given or f"--until {until}"
    if until <= base_year:
        raise OptionError(f"{given}: must be after the base year {base_year} (the dataset's "
                          f"base_year, else its last enrolment year); use {base_year + 1} to "
                          f"{base_year + max_horizon}")
    if until > base_year + max_horizon:
        raise OptionError(f"{given}: more than {max_horizon} years after the base year "
                          f"{base_year}; use {base_year + 1} to {base_year + max_horizon}, or raise "
                          "the bound with --max-horizon (config key max_horizon)")


def resolve_until(config, base_year: int, asked: int | None = None) -> tuple[int, str, str | None]:
    """The last projected year, where it came from (for messages) and a note when it was
    chosen here: ``--until`` when given; else the config's ``until``; but a run of the default
    settings on another dataset (``--data``) whose base year is not before the config's
    ``until`` projects ``DATA_HORIZON`` years past its base year instead of failing."""
    if asked is not None:
        return asked, f"--until {asked}", None
    source = f"{config.source}, key until: {config.until}" if config.source else f"until {config.until}"
    if getattr(config, "until_follows_data", False) and base_year and config.until <= base_year:
        until = base_year + DATA_HORIZON
        return until, f"until {until} (base year + {DATA_HORIZON})", (
            f"no --until given and the settings' until {config.until} is not after the base year "
            f"{base_year}: projecting to {until}, {DATA_HORIZON} years past it (--until sets another year)")
    return config.until, source, None


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
    """``DataLimitError`` when ``needed`` exceeds ``MEMORY_SHARE`` of the free memory."""
    from forecast.common.errors import DataLimitError

    available = free_memory() if available is None else available
    if available is not None and needed > MEMORY_SHARE * available:
        raise DataLimitError(f"this run needs about {needed / 2**30:.1f} GiB of memory but "
                             f"{available / 2**30:.1f} GiB is free; use fewer --draws, a nearer "
                             "--until or fewer scenarios")


MAX_PROJECTED = 1e9  # pupils of one area and level: more than any country's primary school


def check_projection(frame) -> None:
    """``DataLimitError`` when a projected level total (mean, P10 or P90) is not finite or
    exceeds ``MAX_PROJECTED``: inputs that parse but explode under the model (a count typed
    a million times too large in one year) give a refusal naming where, never such numbers
    in the outputs (nor an overflow when they are counted in classes and schools)."""
    import numpy as np

    from forecast.common.errors import DataLimitError

    if frame is None or len(frame) == 0:
        return
    totals = frame[frame["grade"] == ""] if "grade" in frame.columns else frame
    values = totals[["mean", "p10", "p90"]].to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (np.abs(values) > MAX_PROJECTED)
    if not bad.any():
        return
    i = int(np.flatnonzero(bad.any(axis=1))[0])
    row = totals.iloc[i]
    shown = values[i][bad[i]][0]
    raise DataLimitError(
        f"the projection of {row['area']} {row['level']} reaches {shown:,.3g} pupils in "
        f"{int(row['year'])} (beyond {MAX_PROJECTED:,.0e}, or not a number): the inputs do not "
        "support a projection; check the values `forecast validate` warns about (a year-on-year "
        "jump, a unit) and the scenario's multipliers")


def check_run_size(dataset: Dataset, config: RunConfig, until: int, draws: int, scenarios: int,
                   given: str | None = None) -> None:
    """Refuse (``OptionError``, ``DataLimitError``) a horizon beyond the config's
    ``max_horizon``, too many draws or a run estimated not to fit in free memory, before any
    work starts. ``given``: where ``until`` came from, for the message."""
    from forecast.common.errors import OptionError

    check_until(until, dataset.base_year, config.max_horizon, given)
    if not 1 <= draws <= MAX_DRAWS:
        raise OptionError(f"--draws {draws}: use 1 to {MAX_DRAWS:,}")
    parents = int(dataset.areas["parent"].dropna().nunique())
    slots = len(dataset.system.slots()) + len(dataset.system.level_names)
    check_memory(estimate_bytes(len(dataset.areas), parents, slots, until - dataset.base_year,
                                draws, scenarios))
