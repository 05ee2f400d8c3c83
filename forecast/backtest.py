"""Moved to ``forecast.evidence.backtest``; kept so old imports work."""

from forecast.evidence.backtest import *  # noqa: F401,F403
from forecast.evidence.backtest import (  # noqa: F401
    ACCURACY,
    COLUMNS,
    DEFAULT_ORIGINS,
    Backtest,
    accuracy,
    cut,
    format_accuracy,
    naive_scale,
    parse_origins,
    run_backtest,
)
