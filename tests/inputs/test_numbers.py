"""The number rules of docs/data-contract.md, cell by cell."""

from __future__ import annotations

import math

import pytest

from forecast.inputs.numbers import parse_number


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
