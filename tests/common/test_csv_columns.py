"""The column-wise CSV writer gives pandas' bytes (the writer every output used before)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from forecast.common.csv_columns import columnwise, float_text, write_frame
from forecast.common.files import atomic_write_csv


def pandas_bytes(frame: pd.DataFrame, decimals: int, block_rows: int = 200_000) -> bytes:
    """The reference: pandas' writer on a rounded copy, block by block."""
    out = io.StringIO()
    for start in range(0, max(len(frame), 1), block_rows):
        frame.iloc[start:start + block_rows].round(decimals).to_csv(
            out, index=False, header=start == 0, lineterminator="\n")
    return out.getvalue().encode("utf-8")


def our_bytes(frame: pd.DataFrame, decimals: int, block_rows: int = 200_000) -> bytes:
    out = io.BytesIO()
    write_frame(out, frame, decimals, block_rows)
    return out.getvalue()


def tricky_floats(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scales = 10.0 ** rng.integers(-8, 17, n)
    values = rng.standard_normal(n) * scales
    values[::7] = np.round(values[::7])  # whole numbers in a float column
    values[::11] = np.round(values[::11], 1) + 0.05  # halfway cases of the rounding
    special = [np.nan, -0.0, 0.0, -0.04, 0.04, np.inf, -np.inf, 1e16, 9.99e15, 2.0 ** 50 / 10,
               123456789012.35, 0.00005, -0.00005, 1e-5, 0.1, 0.25, 2.5, -2.5, 1e300, -1e-300]
    values[:len(special)] = special
    return values


@pytest.mark.parametrize("decimals", [0, 1, 2, 3, 4, 6])
def test_floats_as_pandas_writes_them(decimals):
    frame = pd.DataFrame({"a": tricky_floats(5000, decimals), "b": tricky_floats(5000, 10 + decimals)})
    assert columnwise(frame)
    assert our_bytes(frame, decimals) == pandas_bytes(frame, decimals)


def test_hand_computed_floats():
    """A few cells worked out by hand: rounding, negative zero, trailing zeros, NaN."""
    text = float_text(np.array([1.0, -0.004, 12.3456, 12.0, np.nan, 0.05, -1234.5]), 2)
    assert text.to_pylist() == ["1.0", "-0.0", "12.35", "12.0", "", "0.05", "-1234.5"]


def test_every_supported_type_and_awkward_strings():
    n = 6
    frame = pd.DataFrame({
        "area": ["plain", "with, comma", 'with "quote"', "line\nbreak", "cr\rreturn", "区县 ü"],
        "object": pd.Series(["x", None, np.nan, "", "a,b", "é"], dtype=object),
        "grade": pd.Series(["1", "", "K1", None, "12", "3"], dtype="string"),
        "year": np.arange(2020, 2020 + n),
        "small": np.arange(n, dtype=np.int8),
        "flag": [True, False, True, True, False, False],
        "maybe": pd.array([True, None, False, True, None, False], dtype="boolean"),
        "count": pd.array([1, None, 3, 4, None, -6], dtype="Int64"),
        "mean": [1.25, np.nan, -0.0, 3.0, 1e20, -7.65],
        "f32": np.array([1.1, np.nan, 2.675, -0.0, 3.0, 1e-7], dtype=np.float32),
        "quoted, name": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    })
    assert columnwise(frame)
    for decimals in (1, 3):
        assert our_bytes(frame, decimals) == pandas_bytes(frame, decimals)


def test_blocks_join_to_the_same_file():
    frame = pd.DataFrame({"area": [f"a{i % 13}" for i in range(1001)], "v": tricky_floats(1001, 3)})
    assert our_bytes(frame, 1, block_rows=100) == pandas_bytes(frame, 1)


@pytest.mark.filterwarnings("ignore:obj.round has no effect")
@pytest.mark.parametrize("frame", [
    pd.DataFrame(columns=["area", "mean"]),  # no rows: header only
    pd.DataFrame({"only": ["", "x"]}),  # one column: the csv module quotes a lone empty field
    pd.DataFrame({"when": pd.to_datetime(["2020-01-01", "2021-06-30"]), "v": [1.0, 2.0]}),
    pd.DataFrame({"mixed": ["a", 1], "v": [1.0, 2.0]}),
    pd.DataFrame({"cat": pd.Categorical(["a", "b"]), "v": [1.0, 2.0]}),
    pd.DataFrame({"nullable": pd.array([1.5, None], dtype="Float64"), "v": [1.0, 2.0]}),
])
def test_other_frames_are_written_by_pandas(frame):
    assert not columnwise(frame)
    assert our_bytes(frame, 1) == pandas_bytes(frame, 1)


def test_atomic_write_csv_writes_the_same_bytes(tmp_path):
    frame = pd.DataFrame({"area": ["a", "b, c"], "mean": [1.04, np.nan], "n": [1, 2]})
    atomic_write_csv(tmp_path / "t.csv", frame, decimals=1)
    assert (tmp_path / "t.csv").read_bytes() == pandas_bytes(frame, 1)
    assert (tmp_path / "t.csv").read_bytes() == b'area,mean,n\na,1.0,1\n"b, c",,2\n'
