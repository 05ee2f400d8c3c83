"""MinT with shrinkage: by hand, against the dense formula, and on a hierarchy where the
truth is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from forecast.data.dataset import load_dataset
from forecast.evidence.procedure import backtest_candidates
from forecast.evidence.reconcile import mint, shrinkage_intensity
from tests.evidence.hierarchy_data import write_hierarchy


def test_mint_by_hand_with_a_diagonal_covariance():
    # parent 100, leaves 40 and 50 (sum 90); variances 1, 4, 4: C y = 10, C W C' = 9,
    # W C' = (1, -4, -4): reconciled = y - (1, -4, -4) x 10 / 9
    y = np.array([100.0, 40.0, 50.0])
    c = sparse.csr_matrix(np.array([[1.0, -1.0, -1.0]]))
    rec, lam = mint(y, np.sqrt([1.0, 4.0, 4.0]), np.zeros((3, 0)), c)
    assert lam == 1.0
    assert rec == pytest.approx([100 - 10 / 9, 40 + 40 / 9, 50 + 40 / 9])
    assert rec[0] == pytest.approx(rec[1] + rec[2])  # coherent


def test_mint_low_rank_equals_the_dense_formula():
    rng = np.random.default_rng(1)
    n_parent, n_leaf, t = 3, 7, 6
    s = (rng.random((n_parent, n_leaf)) < 0.5).astype(float)
    s[:, 0] = 1.0
    c = np.hstack([np.eye(n_parent), -s])
    y = rng.uniform(50, 150, n_parent + n_leaf)
    sigma = rng.uniform(1, 5, len(y))
    z = rng.normal(size=(len(y), t))
    z /= np.sqrt((z ** 2).mean(axis=1))[:, None]  # unit mean square rows, as _standardised makes them
    rec, lam = mint(y, sigma, z, sparse.csr_matrix(c))
    r = z @ z.T / t
    w = np.diag(sigma) @ (lam * np.eye(len(y)) + (1 - lam) * r) @ np.diag(sigma)
    dense = y - w @ c.T @ np.linalg.solve(c @ w @ c.T, c @ y)
    assert rec == pytest.approx(dense, rel=1e-6)
    assert np.abs(c @ rec).max() < 1e-6


def test_shrinkage_intensity_is_schaefer_strimmer():
    """The low-rank computation against the formula written out pair by pair."""
    rng = np.random.default_rng(2)
    z = rng.normal(size=(5, 8))
    n = z.shape[1]
    w = z[:, None, :] * z[None, :, :]  # [i, j, t]
    w_bar = w.mean(axis=2)
    var = n / (n - 1) ** 3 * ((w - w_bar[..., None]) ** 2).sum(axis=2)
    r = n / (n - 1) * w_bar
    off = ~np.eye(5, dtype=bool)
    expected = np.clip(var[off].sum() / (r[off] ** 2).sum(), 0, 1)
    assert shrinkage_intensity(z) == pytest.approx(expected)
    assert shrinkage_intensity(z[:, :2]) == 1.0  # two observations: no correlation to trust


@pytest.fixture(scope="module")
def hierarchy(tmp_path_factory):
    folder = write_hierarchy(tmp_path_factory.mktemp("hierarchy") / "h")
    return backtest_candidates(load_dataset(folder), list(range(2013, 2020)), 5)


def _mape(rows: pd.DataFrame, column: str) -> pd.Series:
    ape = 100 * (rows[column] - rows["actual"]).abs() / rows["actual"]
    return ape.groupby(rows["tier"]).mean()


def test_reconciliation_helps_where_the_districts_are_predictable_and_the_schools_are_not(hierarchy):
    """Schools -> districts with known parameters: district totals follow births, school
    shares wander. Reconciled errors are no worse than the unreconciled ones (each node's
    own chosen forecast) in both tiers and strictly better in at least one."""
    rows = hierarchy.versions
    rows = rows[rows["origin"].isin(hierarchy.origins) & rows["actual"].notna()]
    base, rec = _mape(rows, "forecast"), _mape(rows, "mint")
    assert set(base.index) == {"leaf", "parent"}
    assert (rec <= base).all(), (rec, base)
    assert (rec < base).any()
    # and the parents' reconciled forecasts are far better than the sums of their schools'
    assert rec["parent"] < _mape(rows, "bottom_up")["parent"]


def test_reconciled_forecasts_are_coherent(hierarchy):
    leaves = hierarchy.chosen
    parents = hierarchy.parents.set_index(["area", "origin", "year"])["forecast"]
    district = leaves.assign(parent=leaves["area"].str[:2]).groupby(["parent", "origin", "year"])["forecast"].sum()
    joined = parents.reindex(district.index)
    assert np.allclose(joined.to_numpy(), district.to_numpy(), rtol=1e-9)
    city = parents.xs("city", level="area")
    assert np.allclose(city.reindex(district.groupby(level=["origin", "year"]).sum().index).to_numpy(),
                       district.groupby(level=["origin", "year"]).sum().to_numpy(), rtol=1e-9)
