"""Demand draws: the two-piece log-normal keeps the run's quantiles; the in-sample quantile
leaves exactly floor(risk x draws) draws above; shares and unmet seats match a direct count."""

import numpy as np
import pytest

from forecast.planning import risk as rk


def test_the_two_piece_lognormal_passes_through_p10_p50_p90():
    p50, sigma = rk.lognormal(np.array([800.0]), np.array([1000.0]), np.array([1500.0]))
    z = np.array([-rk.Z80, 0.0, rk.Z80])
    d = rk.demand(p50, sigma, z)[:, 0]
    assert d == pytest.approx([800.0, 1000.0, 1500.0])  # skewed: 1500 is not 1000^2/800


def test_a_degenerate_interval_is_certain_demand():
    p50, sigma = rk.lognormal(np.array([500.0]), np.array([500.0]), np.array([500.0]))
    z = np.sort(np.random.default_rng(1).standard_normal(100))
    assert (rk.demand(p50, sigma, z) == 500.0).all()
    assert rk.exceed_share(np.array([499.0]), p50, sigma, z)[0] == 1.0
    assert rk.exceed_share(np.array([500.0]), p50, sigma, z)[0] == 0.0


def test_the_quantile_target_leaves_floor_risk_draws_above():
    p50, sigma = rk.lognormal(np.array([900.0, 50.0]), np.array([1000.0, 80.0]), np.array([1300.0, 200.0]))
    z = np.sort(rk.standard_draws(1, 1000, seed=3, stream=rk.IN_SAMPLE)[0])
    seats = rk.quantile_seats(p50, sigma, z, 0.1)
    d = rk.demand(p50, sigma, z)
    assert ((d > seats).sum(axis=0) == 100).all()
    assert rk.exceed_share(seats, p50, sigma, z) == pytest.approx([0.1, 0.1])
    assert rk.exceed_share(seats - 1, p50, sigma, z).min() > 0.1


def test_shares_and_unmet_seats_match_a_direct_count():
    p50, sigma = rk.lognormal(np.array([700.0, 20.0]), np.array([1000.0, 60.0]), np.array([1400.0, 150.0]))
    z = np.sort(rk.standard_draws(1, 2000, seed=5, stream=rk.FRESH)[0])
    seats = np.array([1150.0, 90.0])
    d = rk.demand(p50, sigma, z)
    assert rk.exceed_share(seats, p50, sigma, z) == pytest.approx((d > seats).mean(axis=0))
    assert rk.expected_unmet(seats, p50, sigma, z) == pytest.approx(np.maximum(d - seats, 0).mean(axis=0))


def test_fresh_draws_differ_from_the_in_sample_ones_and_repeat_by_seed():
    a = rk.standard_draws(3, 50, seed=1, stream=rk.IN_SAMPLE)
    assert not np.allclose(a, rk.standard_draws(3, 50, seed=1, stream=rk.FRESH))
    assert np.array_equal(a, rk.standard_draws(3, 50, seed=1, stream=rk.IN_SAMPLE))


def test_tangent_cuts_never_exceed_the_expected_unmet_seats():
    p50, sigma = rk.lognormal(np.array([800.0]), np.array([1000.0]), np.array([1300.0]))
    z = rk.standard_draws(1, 500, seed=2, stream=0)[0]
    s, e, slope = rk.unmet_tangents(p50, sigma, z)
    for seats in (600.0, 1000.0, 1250.0, 2000.0):
        exact = rk.expected_unmet(np.array([seats]), p50, sigma, np.sort(z))[0]
        assert (e[0] + slope[0] * (seats - s[0])).max() <= exact + 1e-6
    j = 5
    assert rk.expected_unmet(s[:, j], p50, sigma, np.sort(z))[0] == pytest.approx(e[0, j])
