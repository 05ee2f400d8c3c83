"""Values made safe for JSON: run.json and the scheduler export must be valid JSON."""

from __future__ import annotations

import math


def json_safe(value):
    """The value with every NaN or infinity replaced by None: run.json must be valid JSON."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
