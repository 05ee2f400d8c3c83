"""The number rules of docs/data-contract.md, cell by cell."""

from __future__ import annotations

import math

import pytest

from forecast.data.inputs.numbers import parse_number


@pytest.mark.parametrize(("cell", "value"), [
    ("62700", 62700), ("62,700", 62700), ("1,234,567.5", 1234567.5), (" 5 ", 5), ("-3", -3),
    ("６２７００", 62700), ("６２，７００", 62700), ("1e3", 1000), (".5", 0.5), ("1e12", 1e12),
])
def test_accepted_numbers(cell, value):
    assert parse_number(cell) == (value, None)


@pytest.mark.parametrize(("cell", "says"), [
    ("6,27", "thousands separator"), ("1234,5", "thousands separator"), ("12,34,567", "thousands"),
    ("12%", "% sign"), ("１２％", "% sign"), ("inf", "finite"), ("-Infinity", "finite"),
    ("nan", "finite"), ("1e400", "implausibly large"), ("1e300", "implausibly large"),
    ("1_000", "not a number"), ("0x1F", "not a number"), ("yes", "not a number"),
])
def test_refused_numbers_say_why(cell, says):
    value, reason = parse_number(cell)
    assert math.isnan(value) and says in reason and repr(cell) in reason


def test_empty_cell_is_missing_not_an_error():
    value, reason = parse_number("  ")
    assert math.isnan(value) and reason is None


def test_column_fast_path_gives_the_same_values_and_reasons_as_cell_by_cell():
    """Plain ASCII decimals are converted column-wise; the result must equal parse_number
    cell by cell, reasons included (out-of-range plain numbers go the slow way)."""
    import numpy as np
    import pandas as pd

    from forecast.data.inputs.numbers import parse_column, parse_number

    rng = np.random.default_rng(0)
    cells = [repr(x) for x in rng.normal(0, 1e6, 2000)] + [f"{x:.17g}" for x in rng.random(2000)]
    cells += ["1e400", "-1e13", "1e12", "5.", "+.5", "0012", "1,234", "１２", "inf", "", "nan", "3%",
              "12 ", "١٢٣", "1_000", "0x10", "−5"]
    for dtype in (str, object):
        values, reasons = parse_column(pd.Series(cells, dtype=dtype))
        expected = [parse_number(c) for c in cells]
        assert np.array_equal(values.to_numpy(), np.array([e[0] for e in expected]), equal_nan=True)
        assert reasons == {i: e[1] for i, e in enumerate(expected) if e[1]}
