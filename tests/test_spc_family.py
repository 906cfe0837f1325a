"""Exact probability limits, the step-change test and family-wise levels (cmalt_qa._spc)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from cmalt_qa import _spc
from cmalt_qa import referrals as R

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from validation import control_charts as V  # noqa: E402


@pytest.mark.parametrize(
    "n,p,alpha", [(30, 0.18, 0.0027), (78, 0.05, 1e-4), (5, 0.3, 0.01), (200, 0.5, 0.05)]
)
def test_probability_limits_are_binomial_quantiles(n, p, alpha):
    lcl, ucl = _spc.probability_limits(p, [n], alpha)
    hi = stats.binom.ppf(1 - alpha / 2, n, p)
    lo = stats.binom.ppf(alpha / 2, n, p)
    assert ucl[0] * n == pytest.approx(hi, abs=1e-9) and lcl[0] * n == pytest.approx(lo, abs=1e-9)
    # Each tail beyond the limits holds at most alpha/2, and the next count in would not.
    assert stats.binom.sf(hi, n, p) <= alpha / 2 < stats.binom.sf(hi - 1, n, p)
    assert stats.binom.cdf(lo - 1, n, p) <= alpha / 2


def test_three_sigma_tail_is_not_nominal_at_small_n():
    # The review's point: at the sample's sizes the normal 3-sigma upper tail is above
    # its nominal 0.00135 (0.0019 to 0.0078 for rates 0.05-0.18 at n = 30-80); the
    # exact limits hold it.
    for p in (0.05, 0.1, 0.18):
        for n in (30, 50, 80):
            ucl = p + 3 * math.sqrt(p * (1 - p) / n)
            assert stats.binom.sf(math.floor(ucl * n), n, p) > 1.4 * _spc.SIGMA_TAIL
            _, exact = _spc.probability_limits(p, [n], 2 * _spc.SIGMA_TAIL)
            assert stats.binom.sf(round(exact[0] * n), n, p) <= _spc.SIGMA_TAIL


def test_laney_limits_are_beta_binomial_with_p_prime_variance():
    n, p, sz = np.array([40, 80]), 0.2, 1.6
    lcl, ucl = _spc.probability_limits(p, n, 0.01, sigma_z=sz)
    for i, m in enumerate(n):
        rho = (sz**2 - 1) / (m - 1)
        a, b = p * (1 / rho - 1), (1 - p) * (1 / rho - 1)
        dist = stats.betabinom(m, a, b)
        # the variance matched to Laney's p' chart: n p (1-p) sigma_z^2
        assert dist.var() == pytest.approx(m * p * (1 - p) * sz**2, rel=1e-9)
        assert ucl[i] * m == pytest.approx(dist.ppf(0.995)) and lcl[i] * m == pytest.approx(
            dist.ppf(0.005)
        )
    # sigma_z <= 1: plain binomial
    np.testing.assert_array_equal(_spc.probability_limits(p, n, 0.01, sigma_z=0.8)[1],
                                  _spc.probability_limits(p, n, 0.01)[1])  # fmt: skip


def test_step_statistic_by_hand():
    k, n = np.array([5, 6, 15, 14]), np.array([50, 50, 50, 50])

    def ll(k, n):
        return sum(
            x * math.log(x / m) + (m - x) * math.log(1 - x / m) for x, m in [(k, n)] if 0 < x < m
        )

    want = [2 * (ll(k[:t].sum(), n[:t].sum()) + ll(k[t:].sum(), n[t:].sum()) - ll(k.sum(), n.sum()))
            for t in range(1, 4)]  # fmt: skip
    stat, start = _spc.step_statistic(k, n)
    assert stat == pytest.approx(max(want), rel=1e-12) and start == 2


def test_step_change_test_is_calibrated_and_early_stop_keeps_the_decision():
    rng = np.random.default_rng(3)
    n = np.array([78, 84, 78, 74, 80, 72, 80, 90, 27])
    p_values = [
        _spc.step_change_test(rng.binomial(n, 0.18), n, n_sim=199, rng=rng)[2] for _ in range(300)
    ]
    # Uniform under the null (Monte Carlo p-values are valid): P(p <= 0.1) about 0.1.
    assert 0.05 <= np.mean(np.asarray(p_values) <= 0.1) <= 0.16
    k = np.array([14, 15, 13, 14, 28, 27, 30, 31, 10])
    full = _spc.step_change_test(k, n, rng=np.random.default_rng(1))
    fast = _spc.step_change_test(k, n, rng=np.random.default_rng(1), alpha=0.001)
    assert full[1] == fast[1] == 4 and (full[2] <= 0.001) == (fast[2] <= 0.001)


def test_family_levels_bonferroni():
    a_point, a_step = _spc.family_levels(0.05, 17, 153)
    assert a_point == pytest.approx(0.025 / 153) and a_step == pytest.approx(0.025 / 17)
    # what the points leave unused goes to the steps; never more than half to points
    assert _spc.family_levels(0.05, 17, 153, 0.005)[1] == pytest.approx(0.045 / 17)
    assert _spc.family_levels(0.05, 17, 153, 0.9)[1] == pytest.approx(0.025 / 17)


@pytest.mark.parametrize("sigma_z", [float("nan"), 1.4])
def test_points_size_is_the_exact_chance_beyond_the_limits(sigma_z):
    # Independent check by enumeration: the chance that a count falls beyond the
    # chart's own limits, summed over points, under the count distribution.
    n, p, a = np.array([78, 27, 6, 2]), 0.176, 1e-3
    lcl, ucl = _spc.probability_limits(p, n, a, sigma_z)
    want = 0.0
    for m, lo, hi in zip(n, lcl, ucl):
        x = np.arange(m + 1)
        if np.isfinite(sigma_z):
            rho = (sigma_z**2 - 1) / (m - 1) if m > 1 else 0.0
            pmf = (stats.betabinom.pmf(x, m, p * (1 / rho - 1), (1 - p) * (1 / rho - 1))
                   if rho > 0 else stats.binom.pmf(x, m, p))  # fmt: skip
        else:
            pmf = stats.binom.pmf(x, m, p)
        want += pmf[(x / m > hi) | (x / m < lo)].sum()
    got = _spc.points_size(p, n, a, sigma_z)
    assert got == pytest.approx(want, rel=1e-9, abs=1e-15)
    assert got <= a * len(n)
    with pytest.raises(ValueError):
        _spc.family_levels(1.5, 17, 153)


def test_referrals_p_chart_columns_and_family(sample_records):
    t = R.p_chart(sample_records, per_section=True, n_sim=199)
    for col in ["window", "n", "k", "rate", "centre", "sigma", "lcl", "ucl", "lower2", "upper2", "z", "sigma_z",
                "baseline", "beyond_limits", "shift", "trend", "two_of_three", "special_cause", "signal",
                "step_change", "step_p_value", "step_from", "alpha_point", "alpha_step", "alpha_family",
                "n_charts"]:  # fmt: skip
        assert col in t.columns
    assert (t["n_charts"] == t["section"].nunique()).all()
    assert t["alpha_point"].iloc[0] == pytest.approx(0.025 / len(t))
    # The step tests get what the discrete points leave unused of the family's 0.05.
    used = sum(_spc.points_size(g["centre"].iloc[0], g["n"], g["alpha_point"].iloc[0])
               for _, g in t.groupby("section"))  # fmt: skip
    assert 0.0 < used < 0.025
    assert t["alpha_step"].iloc[0] == pytest.approx((0.05 - used) / t["section"].nunique())
    assert (t["special_cause"] == (t["beyond_limits"] | t["step_change"])).all()
    # A section's chart does not depend on which other sections are charted with it
    # beyond the family size (its generator comes from the seed and its own key).
    one = R.p_chart(sample_records, per_section=True, n_sim=199, seed=4)
    again = R.p_chart(sample_records, per_section=True, n_sim=199, seed=4)
    assert one.equals(again)
    with pytest.raises(ValueError, match="limits"):
        R.p_chart(sample_records, limits="normal")


def test_validation_reduced():
    # Reduced validation/control_charts.py: 10 in-control datasets, 10 with a doubling.
    t = V.run(n_datasets=10, seed=2, starts=(4,)).set_index("scenario")["value"]
    assert t["in_control"].iloc[0] <= 0.3  # target 0.10; full run in docs/validation.md
    assert t["in_control"].iloc[1] >= 0.2  # the old charts raise false alarms
    assert t["doubling_from_5"] >= 0.5  # target 0.60
    assert t["overdispersed"].iloc[0] <= 0.3  # Laney, pooled sigma_z; target 0.10


def test_edge_bound_most_powerful_test():
    # The Neyman-Pearson test has size exactly alpha (checked by enumeration) and, at
    # each section's share of a 10% family rate, cannot find a doubling seen only in
    # the partial last period 60% of the time: that target is out of reach.
    n, p0, p1, a = 27, 0.176, 0.352, 0.006
    x = np.arange(n + 1)
    c = stats.binom.isf(a, n, p0)
    gamma = (a - stats.binom.sf(c, n, p0)) / stats.binom.pmf(c, n, p0)
    reject = np.where(x > c, 1.0, np.where(x == c, gamma, 0.0))
    assert (reject * stats.binom.pmf(x, n, p0)).sum() == pytest.approx(a, rel=1e-9)
    power = (reject * stats.binom.pmf(x, n, p1)).sum()
    assert V.oracle_power(n, p0, p1, a) == pytest.approx(power, rel=1e-9)
    b = V.edge_bounds().set_index(["change_from", "budget"])["oracle_power"]
    assert b[(9, "each section's share")] < 0.6 < b[(2, "each section's share")]


@pytest.mark.parametrize("laney", [False, True])
def test_family_signals_equal_p_chart_chart_by_chart(laney):
    rng = np.random.default_rng(8)
    n = rng.integers(0, 90, (6, 9))
    n[0, 3] = 0
    k = rng.binomial(n, 0.15)
    k[2, 5:] = rng.binomial(n[2, 5:], 0.45)
    a_point, a_step = 1e-3, 5e-3
    beyond, step_p, start = _spc.family_signals(k, n, alpha_point=a_point, alpha_step=a_step, laney=laney,
                                                rng=np.random.default_rng(1))  # fmt: skip
    rng1 = np.random.default_rng(1)
    # with laney, the charts share one sigma_z from all their moving ranges
    sz = _spc.pooled_sigma_z((k[i, n[i] > 0], n[i, n[i] > 0]) for i in range(6)) if laney else None
    for i in range(6):
        use = n[i] > 0
        c = _spc.p_chart(k[i, use], n[i, use], laney=laney, sigma_z=sz, alpha_point=a_point,
                         alpha_step=a_step, rng=rng1)  # fmt: skip
        np.testing.assert_array_equal(beyond[i, use], c["beyond_limits"])
        assert step_p[i] == c["step_p_value"].iloc[0]
        assert (step_p[i] <= a_step) == c["step_change"].any() or start[i] == 0
    assert step_p[2] <= a_step


def test_pooled_sigma_z_is_laney_over_all_moving_ranges():
    k1, n1 = np.array([5, 9, 4, 12]), np.array([40, 50, 45, 60])
    k2, n2 = np.array([1, 0, 3]), np.array([10, 12, 11])
    mrs = []
    for k, n in ((k1, n1), (k2, n2)):
        c = k.sum() / n.sum()
        z = (k / n - c) / np.sqrt(c * (1 - c) / n)
        mrs += list(np.abs(np.diff(z)))
    assert _spc.pooled_sigma_z([(k1, n1), (k2, n2)]) == pytest.approx(np.mean(mrs) / 1.128)
    assert _spc.pooled_sigma_z([(k1, n1)]) == pytest.approx(
        _spc.laney_sigma_z(k1.astype(float), n1.astype(float), k1.sum() / n1.sum())
    )


def test_dispersed_step_null_is_beta_binomial_and_calibrated():
    # Over-dispersed in-control series (sigma_z = 1.5, beta-binomial, rare events):
    # with the beta-binomial null the step test's p-values are uniform (the binomial
    # null scaled by sigma_z^2 is not, for rare events).
    rng = np.random.default_rng(11)
    n = np.array([78, 84, 78, 74, 75, 72, 80, 90, 27])
    p, sz = 0.04, 1.5
    pv = []
    for _ in range(200):
        k = _spc._beta_binomial_draws(n, p, sz, 1, rng)[0]
        pv.append(_spc.step_change_test(k, n, n_sim=199, rng=rng, sigma_z=sz, centre=p)[2])
    assert 0.04 <= np.mean(np.asarray(pv) <= 0.1) <= 0.17
    var = _spc._beta_binomial_draws(n, p, sz, 20000, rng).var(axis=0)
    np.testing.assert_allclose(var[:8], n[:8] * p * (1 - p) * sz**2, rtol=0.1)
