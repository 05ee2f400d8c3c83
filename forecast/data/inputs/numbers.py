"""Numbers in CSV cells, by the rules docs/data-contract.md states.

- Full-width digits and signs (０-９, ，, ．, －) are normalised with NFKC first.
- A comma is a thousands separator only in groups of three digits (``62,700``,
  ``1,234,567.5``); any other comma (``6,27``, a decimal comma) is refused, never dropped.
- ``%`` is refused in count columns (give persons, not a share).
- ``inf``, ``nan`` and numbers beyond ``MAX_ABS`` (``1e400`` overflows to inf) are refused;
  only plain decimal or scientific notation is accepted.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

# Units a count may be given in, and their factor to persons (万人 = 10,000 persons).
UNIT_FACTORS = {"persons": 1, "person": 1, "人": 1, "10k persons": 10_000, "万人": 10_000, "万": 10_000}

MAX_ABS = 1e12  # no count, seat number or area in a school plan comes near this
_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?")
_NON_FINITE = re.compile(r"[+-]?(inf(inity)?|nan)", re.IGNORECASE)


def parse_number(text: str, percent_ok: bool = False) -> tuple[float, str | None]:
    """One cell: (value, None) or (nan, reason). Empty cells give (nan, None)."""
    cell = unicodedata.normalize("NFKC", text).strip().replace("\u2212", "-")
    if cell == "":
        return float("nan"), None
    shown = f"'{text}'"
    if "%" in cell:
        if not percent_ok:
            return float("nan"), f"{shown} has a % sign; give the count itself (a share is not a count)"
        cell = cell.replace("%", "").strip()
    if "," in cell:
        if not _THOUSANDS.fullmatch(cell):
            return float("nan"), (f"{shown} is not a number: a comma is read only as a thousands "
                                  "separator between groups of three digits (62,700); write "
                                  "decimals with a point (6.27)")
        cell = cell.replace(",", "")
    if _NON_FINITE.fullmatch(cell):
        return float("nan"), f"{shown} is not a finite number; give the value"
    if _DATE.fullmatch(cell):
        return float("nan"), (f"{shown} is a date, not a number (a cell formatted as a date?); "
                              "give the value as a plain number")
    if not _PLAIN.fullmatch(cell):
        return float("nan"), f"{shown} is not a number"
    value = float(cell)
    if not np.isfinite(value) or abs(value) > MAX_ABS:
        return float("nan"), f"{shown} is implausibly large (beyond {MAX_ABS:.0e}); check the value and its unit"
    return value, None


_ASCII_PLAIN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"


def parse_column(text: pd.Series, percent_ok: bool = False) -> tuple[pd.Series, dict[int, str]]:
    """A column of cells: float values (NaN where empty or refused) and the refusal reasons
    by position.

    Plain ASCII decimals (the bulk of any large file) are converted column-wise; every
    other non-empty cell goes through ``parse_number`` one by one, so the rules and the
    reasons are the same either way."""
    values = np.full(len(text), np.nan)
    reasons: dict[int, str] = {}
    cells = text.astype(str)
    plain = cells.str.fullmatch(_ASCII_PLAIN).fillna(False).to_numpy(dtype=bool, copy=True)
    if plain.any():
        converted = cells[plain].astype("float64").to_numpy()
        good = np.isfinite(converted) & (np.abs(converted) <= MAX_ABS)
        values[np.flatnonzero(plain)[good]] = converted[good]
        plain[np.flatnonzero(plain)[~good]] = False  # out of range: parse_number says why
    rest = np.flatnonzero(~plain & (cells != "").to_numpy(dtype=bool))
    cache: dict[str, tuple[float, str | None]] = {}
    raw = text.to_numpy()
    for i in rest:
        cell = raw[i]
        parsed = cache.get(cell)
        if parsed is None:
            parsed = cache[cell] = parse_number(cell, percent_ok)
        values[i], reason = parsed
        if reason:
            reasons[int(i)] = reason
    return pd.Series(values, index=text.index, dtype=float), reasons
