"""Evidence: rolling-origin backtests, the nested choice and combination of candidate
forecasts, empirical intervals and the shipped error library."""
