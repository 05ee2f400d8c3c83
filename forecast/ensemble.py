"""Moved to ``forecast.evidence.ensemble``; kept so old imports work."""

from forecast.evidence.ensemble import *  # noqa: F401,F403
from forecast.evidence.ensemble import (  # noqa: F401
    Ensemble,
    apply_to_projection,
    build_ensemble,
    calibrate_intervals,
    combine,
    honest_auto,
    lognormal_exceedance,
)
