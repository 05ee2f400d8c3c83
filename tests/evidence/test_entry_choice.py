"""Entry grades without births: held or trended, by the entrants' own errors."""

from __future__ import annotations

import pandas as pd

from forecast.evidence.entry_choice import ENTRY_COLUMNS, K, held_cells


def _history(rows):
    return pd.DataFrame(rows, columns=ENTRY_COLUMNS + ["actual"])


def test_each_area_takes_the_rule_its_errors_favour_shrunk_toward_the_grade():
    # three areas, kindergarten, origin 2010 one year ahead (known at 2012):
    # a: held exact, trend 20 % off; b: held 10 % off, trend exact; c: both 5 % off the other way
    rows = []
    for origin in (2009, 2010):
        rows += [("a", "elementary", "K", origin, origin + 1, 1, 100.0, 100.0, 120.0, 100.0),
                 ("b", "elementary", "K", origin, origin + 1, 1, 100.0, 110.0, 100.0, 100.0),
                 ("c", "elementary", "K", origin, origin + 1, 1, 100.0, 105.0, 95.0, 100.0)]
    now = pd.DataFrame({"area": ["a", "b", "c", "d"], "level": "elementary", "grade": "K", "size": 100.0})
    held = held_cells(_history(rows), now, 2012)
    assert held[("a", "elementary", "K")] and not held[("b", "elementary", "K")]
    # c: both 0.05 on its own; the grade (held 0.05 a row, trend 0.0833) tips it to held
    grade_held, grade_trend = (0 + 0.1 + 0.05) / 3, (0.2 + 0 + 0.05) / 3
    c_held = (2 * 0.05 + K * grade_held) / (2 + K)
    c_trend = (2 * 0.05 + K * grade_trend) / (2 + K)
    assert c_held < c_trend and held[("c", "elementary", "K")]
    # d has no errors of its own: the grade's evidence (held better) decides
    assert held[("d", "elementary", "K")]


def test_no_look_ahead_and_no_evidence_keeps_the_trend():
    rows = [("a", "elementary", "K", 2010, 2013, 3, 100.0, 200.0, 100.0, 100.0)] * 3
    now = pd.DataFrame({"area": ["a"], "level": "elementary", "grade": "K", "size": 100.0})
    assert not held_cells(_history(rows), now, 2012).any()  # outcome 2013 not known at 2012
    rows = [("a", "elementary", "K", 2010, 2013, 3, 100.0, 100.0, 200.0, 100.0)] * 3
    assert not held_cells(_history(rows), now, 2012).any()  # no evidence yet: the trend
    assert held_cells(_history(rows), now, 2013).all()  # known at 2013: held was exact
