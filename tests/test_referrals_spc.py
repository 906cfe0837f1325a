"""Tests for the control-chart core (cmalt_qa._spc) used by referrals.p_chart and funnel."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmalt_qa import _spc

# Montgomery, D. C. Introduction to Statistical Quality Control (6th ed., 2009),
# Example 7.1 / Table 7.1 (also the `orangejuice` data of the R package qcc, samples 1-30):
# 30 samples of n = 50 cans, D = number of nonconforming cans. Published: p-bar = 347/1500
# = 0.2313, UCL = 0.4102, LCL = 0.0524; samples 15 (new cardboard batch) and 23
# (inexperienced operator) plot above the UCL.
MONTGOMERY_D = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22,
                8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6]  # fmt: skip


def _chart(y, centre=0.0, sigma=1.0, run=7):
    y = np.asarray(y, dtype=float)
    return _spc.special_cause_rules(
        y,
        centre,
        centre - 3 * sigma,
        centre + 3 * sigma,
        centre - 2 * sigma,
        centre + 2 * sigma,
        run=run,
    )


def test_p_chart_montgomery_example_7_1():
    t = _spc.p_chart(MONTGOMERY_D, [50] * 30, limits="sigma")
    assert sum(MONTGOMERY_D) == 347
    np.testing.assert_allclose(t["centre"], 0.2313, atol=5e-5)
    np.testing.assert_allclose(t["ucl"], 0.4102, atol=5e-5)
    np.testing.assert_allclose(t["lcl"], 0.0524, atol=5e-5)
    # exact values behind the rounded published ones
    p = 347 / 1500
    np.testing.assert_allclose(t["ucl"], p + 3 * math.sqrt(p * (1 - p) / 50), rtol=1e-12)
    assert list(np.flatnonzero(t["beyond_limits"]) + 1) == [15, 23]


def test_p_chart_varying_n_and_clipping():
    t = _spc.p_chart([0, 1, 5], [4, 10, 10], limits="sigma")
    p = 6 / 24
    sig = np.sqrt(p * (1 - p) / np.array([4, 10, 10]))
    np.testing.assert_allclose(t["sigma"], sig)
    np.testing.assert_allclose(t["lcl"], np.clip(p - 3 * sig, 0, 1))
    assert (t["lcl"] == 0).all()  # clipped at 0
    np.testing.assert_allclose(t["upper2"], np.clip(p + 2 * sig, 0, 1))


def test_laney_p_prime_hand_computation():
    k = np.array([10, 30, 12, 28, 15])
    n = np.array([100, 100, 120, 110, 100])
    t = _spc.p_chart(k, n, laney=True, limits="sigma")
    p = k.sum() / n.sum()
    s = np.sqrt(p * (1 - p) / n)
    z = (k / n - p) / s
    sigma_z = np.mean(np.abs(np.diff(z))) / 1.128  # Laney (2002): MR-bar / d2
    np.testing.assert_allclose(t["sigma_z"], sigma_z)
    np.testing.assert_allclose(t["ucl"], np.clip(p + 3 * s * sigma_z, 0, 1))
    np.testing.assert_allclose(t["z"], z)
    assert sigma_z > 1  # overdispersed series: wider than the p chart


def test_baseline_sets_centre_and_sigma_z():
    k, n = np.array([5, 6, 5, 20, 22]), np.array([50] * 5)
    base = np.array([True, True, True, False, False])
    t = _spc.p_chart(k, n, baseline=base, laney=True)
    np.testing.assert_allclose(t["centre"], 16 / 150)
    with pytest.raises(ValueError):
        _spc.p_chart(k, n, baseline=np.zeros(5, bool))
    with pytest.raises(ValueError):
        _spc.p_chart([3], [2])


# --------------------------------------------------------------------------- rules
def test_stable_series_is_silent():
    y = np.array([0.5, -0.4, 0.3, -0.6, 0.2, 0.1, -0.3, 0.4, -0.2, 0.6, -0.5, 0.3])
    flags = _chart(y)
    for name, f in flags.items():
        assert not f.any(), name


def test_beyond_limits_fires():
    f = _chart([0.1, -0.2, 3.2, 0.1, -3.5])
    np.testing.assert_array_equal(f["beyond_limits"], [0, 0, 1, 0, 1])


def test_shift_flags_every_point_of_the_run():
    y = [-0.5] + [0.3] * 7 + [-0.2]
    np.testing.assert_array_equal(_chart(y)["shift"], [0] + [1] * 7 + [0])
    # six in a row is not enough, and a point on the centre breaks the run
    assert not _chart([0.3] * 6 + [-0.1])["shift"].any()
    assert not _chart([0.3] * 3 + [0.0] + [0.3] * 4)["shift"].any()
    # run length is a parameter
    assert _chart([0.3] * 5, run=5)["shift"].all()


def test_trend_matches_nhsrplotthedots_vectors():
    # NHSRplotthedots tests/testthat/test-ptd_calculate_point_type.R:
    # ptd_seven_point_trend(c(2, 1:7, 3)) ends a trend at point 8; all 7 points belong.
    y = np.array([2, 1, 2, 3, 4, 5, 6, 7, 3], dtype=float) / 10
    np.testing.assert_array_equal(_chart(y, sigma=10)["trend"], [0, 1, 1, 1, 1, 1, 1, 1, 0])
    down = np.array([2, 7, 6, 5, 4, 3, 2, 1, 3], dtype=float) / 10
    np.testing.assert_array_equal(_chart(down, sigma=10)["trend"], [0, 1, 1, 1, 1, 1, 1, 1, 0])
    # c(1:3, 3:6): a tie breaks the trend
    assert not _chart(np.array([1, 2, 3, 3, 4, 5, 6]) / 10, sigma=10)["trend"].any()


def test_two_of_three_near_limit_same_side():
    f = _chart([0.1, 2.5, 0.4, 2.2, -0.3])
    np.testing.assert_array_equal(f["two_of_three"], [0, 1, 0, 1, 0])
    # opposite sides: silent
    assert not _chart([0.1, 2.5, -0.4, 2.2, -0.3])["two_of_three"].any()
    # one near, one beyond the limit: the beyond point signals under rule 1 only
    g = _chart([0.1, 2.5, 3.4, 0.2])
    assert not g["two_of_three"].any() and g["beyond_limits"][2]
    # NHSRplotthedots ptd_two_in_three(c(0, 0, 1, 0, 1, 0, 0)) with all points above
    h = _chart([0.2, 0.3, 2.4, 0.5, 2.6, 0.2, 0.1])
    np.testing.assert_array_equal(h["two_of_three"], [0, 0, 1, 0, 1, 0, 0])


def test_p_chart_signal_text():
    k = [10, 11, 9, 10, 40, 10, 11]
    t = _spc.p_chart(k, [100] * 7, baseline=np.array([1, 1, 1, 1, 0, 1, 1], bool))
    assert t.loc[4, "special_cause"] and "beyond limits" in t.loc[4, "signal"]
    assert t.loc[0, "signal"] == ""


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 200), st.floats(0, 1)), min_size=2, max_size=30),
    st.booleans(),
)
def test_limits_bracket_centre_within_unit_interval(groups, laney):
    n = np.array([g[0] for g in groups])
    k = np.floor(n * np.array([g[1] for g in groups])).astype(int)
    t = _spc.p_chart(k, n, laney=laney)
    ok = t["ucl"].notna()
    assert ((t.loc[ok, "lcl"] >= 0) & (t.loc[ok, "ucl"] <= 1)).all()
    assert (t.loc[ok, "lcl"] <= t.loc[ok, "lower2"] + 1e-15).all()
    assert (t.loc[ok, "lower2"] <= t.loc[ok, "centre"] + 1e-15).all()
    assert (t.loc[ok, "centre"] <= t.loc[ok, "upper2"] + 1e-15).all()


# --------------------------------------------------------------------------- funnel
def _quantile_by_pmf(q, n, p):
    """Smallest x with P(X <= x) >= q, summing the binomial pmf with math.comb."""
    acc = 0.0
    for x in range(n + 1):
        acc += math.comb(n, x) * p**x * (1 - p) ** (n - x)
        if acc >= q - 1e-12:
            return x
    return n


@pytest.mark.parametrize("n", [1, 7, 30, 120])
@pytest.mark.parametrize("p", [0.05, 0.3])
def test_funnel_limits_are_binomial_quantiles(n, p):
    lim = _spc.funnel_limits(p, [n])
    for level, (lo, hi) in lim.items():
        a = 1 - level
        assert lo[0] == _quantile_by_pmf(a / 2, n, p) / n
        assert hi[0] == _quantile_by_pmf(1 - a / 2, n, p) / n
