"""Control-chart core for proportions: p and Laney p' charts, special-cause rules, funnels.

Private numeric helpers used by :mod:`cmalt_qa.referrals`; they take plain arrays and
return arrays or a tidy DataFrame, and know nothing about CMALT.

References
----------
Montgomery, D. C. (2009). *Introduction to Statistical Quality Control*, 6th ed., section
7.2 (the p chart; Example 7.1 is checked in the tests).
Laney, D. B. (2002). Improved control charts for attributes. *Quality Engineering* 14(4),
531-537.
NHS England / NHS Improvement, *Making Data Count* (2019); the R package NHSRplotthedots
(``ptd_calculate_point_type.R``, ``ptd_spc_standard.R``) is the reference implementation
of the rules. Anhøj, J. qicharts2 (``qic.p``, ``qic.pp``) for the p and p' limits.
Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance.
*Statistics in Medicine* 24, 1185-1202.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

__all__ = [
    "p_chart", "special_cause_rules", "funnel_limits", "probability_limits", "points_size",
    "step_statistic", "step_change_test", "with_step_test", "family_levels", "family_alphas",
    "family_signals", "laney_sigma_z", "pooled_sigma_z", "D2", "SIGMA_TAIL",
]  # fmt: skip

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

D2: float = 1.128
"""Bias constant d2 for moving ranges of two points (MR-bar / d2 estimates sigma)."""


def _run_flags(step_ok: BoolArray, run: int) -> BoolArray:
    """Flag every point of a run of ``run`` consecutive points joined by ``step_ok``.

    ``step_ok[i]`` says whether point ``i + 1`` continues the run from point ``i``
    (shape ``(m - 1,)`` for ``m`` points). A run of ``run`` points needs ``run - 1``
    consecutive true steps; every point in such a run is flagged (as NHSRplotthedots'
    ``ptd_part_of_seven_trend`` does).
    """
    m = step_ok.size + 1
    flags = np.zeros(m, dtype=bool)
    need = run - 1
    if need <= 0:
        return np.ones(m, dtype=bool)
    if step_ok.size < need:
        return flags
    # windows of `need` consecutive steps that are all true
    c = np.concatenate([[0], np.cumsum(step_ok.astype(np.int64))])
    full = (c[need:] - c[:-need]) == need  # shape (m - need,): steps i .. i+need-1
    for offset in range(need + 1):  # points i .. i+need belong to the run
        flags[offset : offset + full.size] |= full
    return flags


def special_cause_rules(
    y: npt.ArrayLike,
    centre: npt.ArrayLike,
    lcl: npt.ArrayLike,
    ucl: npt.ArrayLike,
    lower2: npt.ArrayLike,
    upper2: npt.ArrayLike,
    *,
    run: int = 7,
) -> dict[str, BoolArray]:
    """Making Data Count special-cause rules for one series in time order.

    Parameters
    ----------
    y, centre, lcl, ucl, lower2, upper2 : array_like of float, shape (m,)
        The plotted values, the centre line, the 3-sigma limits and the 2-sigma lines
        (arrays because p-chart limits vary with the subgroup size). NaN values of ``y``
        break runs and never signal.
    run : int
        Points needed for a shift or a trend (NHS default 7).

    Returns
    -------
    dict of str -> ndarray of bool, shape (m,)
        ``beyond_limits``: the point is above ``ucl`` or below ``lcl``.
        ``shift``: part of a run of ``run`` points on the same side of the centre (a
        point on the centre line breaks the run).
        ``trend``: part of a run of ``run`` points each strictly higher (or each strictly
        lower) than the one before (a tie breaks the run).
        ``two_of_three``: a point beyond its 2-sigma line but within its limits, that is
        one of two or three such points among three consecutive points which all lie on
        the same side of the centre.

    Notes
    -----
    These follow NHSRplotthedots (``ptd_calculate_point_type.R``, ``ptd_spc_standard.R``):
    every point of a qualifying run is flagged; for "two of three" a point beyond the
    limits does not count as near the limit (it signals under ``beyond_limits``) and all
    three points must be on the same side of the centre.
    """
    y_ = np.asarray(y, dtype=np.float64)
    c = np.broadcast_to(np.asarray(centre, dtype=np.float64), y_.shape)
    lo3 = np.broadcast_to(np.asarray(lcl, dtype=np.float64), y_.shape)
    hi3 = np.broadcast_to(np.asarray(ucl, dtype=np.float64), y_.shape)
    lo2 = np.broadcast_to(np.asarray(lower2, dtype=np.float64), y_.shape)
    hi2 = np.broadcast_to(np.asarray(upper2, dtype=np.float64), y_.shape)
    if run < 2:
        raise ValueError(f"run must be at least 2 points, got {run}")
    ok = ~np.isnan(y_)
    with np.errstate(invalid="ignore"):
        beyond = ok & ((y_ > hi3) | (y_ < lo3))
        side = np.where(ok, np.sign(y_ - c), 0.0)
        side = np.nan_to_num(side)
        same_side = (side[1:] == side[:-1]) & (side[1:] != 0)
        shift = _run_flags(same_side, run)
        d = np.diff(y_)
        up = _run_flags(d > 0, run)
        down = _run_flags(d < 0, run)
        close = ok & ~beyond & ((y_ > hi2) | (y_ < lo2))
    m = y_.size
    two = np.zeros(m, dtype=bool)
    for i in range(m - 2):
        s = side[i : i + 3]
        if abs(s.sum()) == 3 and close[i : i + 3].sum() >= 2:
            two[i : i + 3] |= close[i : i + 3]
    return {"beyond_limits": beyond, "shift": shift, "trend": up | down, "two_of_three": two}


RULE_LABELS: dict[str, str] = {
    "beyond_limits": "point beyond limits",
    "shift": "shift",
    "trend": "trend",
    "two_of_three": "two of three near limit",
}


SIGMA_TAIL: float = float(stats.norm.sf(3.0))
"""One tail beyond 3 sigma of a normal distribution (0.00135): the classic per-point level."""


def family_levels(
    alpha: float, n_charts: int, n_points: int, points_used: float | None = None
) -> tuple[float, float]:
    """Per-point and per-chart levels that hold the family-wise false-alarm rate at ``alpha``.

    Half of ``alpha`` goes to the points beyond the probability limits (Bonferroni over
    the ``n_points`` points of all ``n_charts`` charts), the rest to the step-change
    tests (Bonferroni over the charts). Returns ``(alpha_point, alpha_step)``, both
    two-sided.

    ``points_used``, when given, is the level the points actually use (the sum of
    :func:`points_size` over the charts, at most ``alpha / 2``): what the discrete
    points leave unused goes to the step tests, ``alpha_step = (alpha - points_used) /
    n_charts``. The union bound still holds, since the points' false alarms have
    probability at most ``points_used`` (Tarone 1990 makes the same use of the levels
    that discrete tests cannot reach).

    References
    ----------
    Tarone, R. E. (1990). A modified Bonferroni method for discrete data. *Biometrics*
    46(2), 515-522.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if n_charts < 1 or n_points < 1:
        raise ValueError("need at least one chart and one point")
    used = alpha / 2.0 if points_used is None else min(max(points_used, 0.0), alpha / 2.0)
    return alpha / 2.0 / n_points, (alpha - used) / n_charts


def probability_limits(
    centre: float, n: npt.ArrayLike, alpha: float, sigma_z: float = float("nan")
) -> tuple[FloatArray, FloatArray]:
    """Exact probability limits for a proportion: each tail beyond them holds at most ``alpha/2``.

    Parameters
    ----------
    centre : float
        In-control proportion.
    n : array_like of int
        Subgroup sizes.
    alpha : float
        Two-sided level per point.
    sigma_z : float, optional
        Laney's sigma_z. Where it exceeds 1 (over-dispersion) the counts are taken as
        beta-binomial with the same mean and the variance of Laney's p' chart,
        :math:`n\\bar p(1-\\bar p)\\sigma_z^2`: intra-class correlation
        :math:`\\rho_i = (\\sigma_z^2-1)/(n_i-1)`; otherwise binomial.

    Returns
    -------
    lcl, ucl : ndarray
        ``ppf(alpha/2)/n`` and ``ppf(1 - alpha/2)/n`` of the count's distribution; a
        rate strictly below ``lcl`` or above ``ucl`` is beyond the limits, which has
        probability at most ``alpha/2`` on each side (exactly, not by a normal
        approximation: at n = 30-80 the 3-sigma tail is 0.009-0.017, not 0.00135).
    """
    n_ = np.asarray(n, dtype=np.float64)
    dist = _count_distribution(centre, n_, sigma_z)
    with np.errstate(invalid="ignore", divide="ignore"):
        return dist.ppf(alpha / 2.0) / n_, dist.ppf(1.0 - alpha / 2.0) / n_


def _count_distribution(centre: float, n_: FloatArray, sigma_z: float):
    """Binomial(n, centre), or the beta-binomial with Laney's p' variance when sigma_z > 1."""
    if np.isfinite(sigma_z) and sigma_z > 1.0 and 0.0 < centre < 1.0:
        rho = np.clip((sigma_z**2 - 1.0) / np.maximum(n_ - 1.0, 1.0), 1e-12, 1.0 - 1e-9)
        a, b = centre * (1.0 / rho - 1.0), (1.0 - centre) * (1.0 / rho - 1.0)
        return _Tabulated([stats.betabinom.pmf(np.arange(int(m) + 1), m, a_, b_)
                           for m, a_, b_ in np.broadcast(n_, a, b)])  # fmt: skip
    return stats.binom(n_, centre)


class _Tabulated:
    """ppf, cdf and sf of counts on 0..n_i, one pmf table per subgroup.

    Hand-written because scipy's beta-binomial ``ppf`` searches count by count through
    its generic discrete machinery (about 0.1 s per chart, too slow for the
    simulations); the tables are the same sums. ``ppf(q)``: smallest x with cdf(x) >= q.
    """

    def __init__(self, pmfs: list[FloatArray]):
        self.cdfs = [np.minimum(np.cumsum(p), 1.0) for p in pmfs]

    def ppf(self, q: float) -> FloatArray:
        return np.array([float(min(np.searchsorted(c, q, side="left"), c.size - 1))
                         for c in self.cdfs])  # fmt: skip

    def cdf(self, x: npt.ArrayLike) -> FloatArray:
        x_ = np.broadcast_to(np.asarray(x, np.float64), (len(self.cdfs),))
        return np.array([c[int(min(v, c.size - 1))] if v >= 0 else 0.0
                         for c, v in zip(self.cdfs, x_)])  # fmt: skip

    def sf(self, x: npt.ArrayLike) -> FloatArray:
        return 1.0 - self.cdf(x)


def points_size(
    centre: float, n: npt.ArrayLike, alpha: float, sigma_z: float = float("nan")
) -> float:
    """Chance, summed over a chart's points, of a point beyond its exact limits.

    The level the points of one chart actually use (Bonferroni over its points) under
    the count distribution of :func:`probability_limits`: each point's two tails beyond
    its limits, exactly. Discrete counts rarely use their whole ``alpha``: at n = 2-90
    and rates 0.02-0.18 a chart's points use a small fraction of it.
    """
    n_ = np.asarray(n, dtype=np.float64)
    lo, hi = probability_limits(centre, n_, alpha, sigma_z)
    dist = _count_distribution(centre, n_, sigma_z)
    with np.errstate(invalid="ignore"):
        tails = dist.cdf(np.rint(lo * n_) - 1.0) + dist.sf(np.rint(hi * n_))
    return float(np.nansum(np.where(n_ > 0, tails, 0.0)))


def _loglik(k: FloatArray, n: FloatArray) -> FloatArray:
    """Binomial log-likelihood at the MLE, k log(k/n) + (n-k) log(1-k/n), 0 log 0 = 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        out = np.where(k > 0, k * np.log(p), 0.0) + np.where(n - k > 0, (n - k) * np.log1p(-p), 0.0)
    return np.where(n > 0, out, 0.0)


def step_statistic(k: npt.ArrayLike, n: npt.ArrayLike) -> tuple[FloatArray, IntArray]:
    """Likelihood-ratio statistic of the best single step in a rate, per series.

    ``k``, ``n`` of shape (..., m). For each split point t = 1..m-1 (before: subgroups
    0..t-1; after: t..m-1), :math:`G^2_t = 2[\\ell(k_1,n_1)+\\ell(k_2,n_2)-\\ell(K,N)]`;
    returns the maximum over t and the t that attains it (0 when m < 2).
    """
    k_, n_ = np.asarray(k, np.float64), np.asarray(n, np.float64)
    ck, cn = np.cumsum(k_, axis=-1)[..., :-1], np.cumsum(n_, axis=-1)[..., :-1]
    tk, tn = k_.sum(axis=-1, keepdims=True), n_.sum(axis=-1, keepdims=True)
    if ck.shape[-1] == 0:
        return np.zeros(k_.shape[:-1]), np.zeros(k_.shape[:-1], dtype=np.int64)
    g2 = 2.0 * (_loglik(ck, cn) + _loglik(tk - ck, tn - cn) - _loglik(tk, tn))
    best = np.argmax(g2, axis=-1)
    return np.take_along_axis(g2, best[..., None], axis=-1)[..., 0], best + 1


def step_change_test(
    k: npt.ArrayLike,
    n: npt.ArrayLike,
    *,
    phi: float = 1.0,
    n_sim: int = 9999,
    rng: np.random.Generator | None = None,
    alpha: float | None = None,
    sigma_z: float = float("nan"),
    centre: float | None = None,
) -> tuple[float, int, float]:
    """Test for one sustained step in a proportion over subgroups in time order.

    Parameters
    ----------
    k, n : array_like of int, shape (m,)
    phi : float
        Dispersion: the observed statistic is divided by ``max(phi, 1)`` (quasi-
        likelihood), with the binomial null below. Not used with ``sigma_z``.
    sigma_z, centre : float, optional
        Over-dispersion (sigma_z > 1) and the in-control rate: the null is then drawn
        from the beta-binomial of :func:`probability_limits` (Laney's p' variance) at
        ``centre`` (default the pooled rate), a parametric null. Dividing the statistic
        by sigma_z squared under the binomial null is anti-conservative for rare events
        (6% of datasets with a false alarm at a nominal 2.5%, sigma_z = 1.5 known).
    n_sim : int
        Monte Carlo draws of the null distribution (at most).
    rng : Generator
    alpha : float, optional
        The level the p-value will be compared with. Draws stop early, in batches of
        99, 900 and the rest, once the p-value can no longer reach ``alpha``: the
        decision at ``alpha`` is the one all ``n_sim`` draws would give.

    Returns
    -------
    statistic, start, p_value
        The maximum likelihood-ratio statistic (:func:`step_statistic`), the first
        subgroup after the best split, and the Monte Carlo p-value
        :math:`(1 + \\#\\{G^{*2} \\ge G^2\\})/(1 + L)` over the L draws made.

    Notes
    -----
    The null distribution is exact and conditional: with no change, given the total
    number of events K, the counts per subgroup are multivariate hypergeometric (the K
    events spread over the N decisions at random; Fisher's conditioning), which does not
    depend on the unknown rate. Because it pools every subgroup on each side of the
    split, it detects a sustained shift that no single point reveals (Worsley 1983;
    Hawkins, Qiu & Kang 2003).

    References
    ----------
    Worsley, K. J. (1983). The power of likelihood ratio and cumulative sum tests for a
    change in a binomial probability. *Biometrika* 70(2), 455-464.
    """
    k_, n_ = np.asarray(k, np.int64), np.asarray(n, np.int64)
    if k_.size < 2:
        return 0.0, 0, 1.0
    rng = np.random.default_rng(0) if rng is None else rng
    stat, start = step_statistic(k_, n_)
    c = k_.sum() / n_.sum() if centre is None else centre
    dispersed = bool(np.isfinite(sigma_z) and sigma_z > 1.0 and 0.0 < c < 1.0)
    stat = float(stat) / (1.0 if dispersed else max(phi, 1.0))
    give_up = np.inf if alpha is None else alpha * (1.0 + n_sim) - 1.0
    hits, drawn = 0, 0
    for batch in (min(99, n_sim), min(900, n_sim - 99), n_sim - 999):
        if batch <= 0 or hits > give_up:
            break
        if dispersed:
            draws = _beta_binomial_draws(n_, c, sigma_z, batch, rng)
        else:
            draws = rng.multivariate_hypergeometric(n_, int(k_.sum()), size=batch)
        null, _ = step_statistic(draws, np.broadcast_to(n_, draws.shape))
        hits += int(np.count_nonzero(null >= stat - 1e-9))
        drawn += batch
    return stat, int(start), (1.0 + hits) / (1.0 + drawn)


def _beta_binomial_draws(
    n_: IntArray, centre: float, sigma_z: float, size: int, rng: np.random.Generator
) -> IntArray:
    """Counts per subgroup from the beta-binomial of :func:`probability_limits`."""
    rho = np.clip((sigma_z**2 - 1.0) / np.maximum(n_ - 1.0, 1.0), 1e-12, 1.0 - 1e-9)
    rate = rng.beta(centre * (1.0 / rho - 1.0), (1.0 - centre) * (1.0 / rho - 1.0), (size, n_.size))
    return rng.binomial(np.broadcast_to(n_, rate.shape), rate)


def _moving_ranges(k: FloatArray, n: FloatArray, centre: float) -> FloatArray:
    """|z_i - z_(i-1)| of the z-scores of consecutive subgroups (NaN where undefined)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (k / n - centre) / np.sqrt(centre * (1.0 - centre) / n)
    return np.abs(np.diff(z))


def laney_sigma_z(k: FloatArray, n: FloatArray, centre: float) -> float:
    """Laney's sigma_z: mean moving range of the z-scores over consecutive subgroups / d2."""
    mr = _moving_ranges(k, n, centre)
    return float(np.mean(mr) / D2) if mr.size else float("nan")


def pooled_sigma_z(charts: Iterable[tuple[npt.ArrayLike, npt.ArrayLike]]) -> float:
    """Laney's sigma_z from the moving ranges of several charts together.

    Parameters
    ----------
    charts : iterable of (k, n)
        Each chart's baseline counts and sizes in time order; its centre is its own
        pooled rate.

    Returns
    -------
    float
        Mean of all the charts' moving ranges of z / d2 (NaN when there is none).

    Notes
    -----
    Nine periods give a chart eight moving ranges: its own sigma_z is too noisy to set
    limits or to scale a test (with sigma_z = 1.5 planted, the charts of 17 sections
    then raise a false alarm in about 17% of datasets, validation/control_charts.py).
    Charts shown together share one estimate, as a pooled variance does in an analysis
    of variance: the over-dispersion is taken to come from the periods (their cohorts,
    their assessors), common to the sections. A section far more dispersed than the
    others is not protected by it (docs/validation.md).
    """
    ranges = []
    for k, n in charts:
        k_, n_ = np.asarray(k, np.float64), np.asarray(n, np.float64)
        mr = _moving_ranges(k_, n_, k_.sum() / n_.sum()) if n_.sum() > 0 else np.empty(0)
        ranges.append(mr[np.isfinite(mr)])
    mr = np.concatenate(ranges) if ranges else np.empty(0)
    return float(np.mean(mr) / D2) if mr.size else float("nan")


def _centres(k_: FloatArray, n_: FloatArray, laney: bool) -> tuple[FloatArray, FloatArray]:
    """Each chart's centre over all its periods and its sigma_z (NaN unless ``laney``)."""
    has = n_ > 0
    centre = (k_ * has).sum(axis=1) / np.maximum((n_ * has).sum(axis=1), 1.0)
    pooled = pooled_sigma_z((k_[i, has[i]], n_[i, has[i]]) for i in range(k_.shape[0]))
    return centre, np.full(k_.shape[0], pooled if laney else np.nan)


def family_alphas(
    k: npt.ArrayLike, n: npt.ArrayLike, alpha: float, *, laney: bool = False
) -> tuple[float, float]:
    """``(alpha_point, alpha_step)`` for the charts (rows) of ``k``, ``n`` charted together.

    :func:`family_levels` with the level the points actually use (:func:`points_size`
    summed over the charts) given back to the step tests, as
    :func:`cmalt_qa.referrals.p_chart` computes it. ``n == 0`` marks a missing period;
    rows without any period are not charts.
    """
    k_, n_ = np.atleast_2d(np.asarray(k, np.float64)), np.atleast_2d(np.asarray(n, np.float64))
    rows = np.flatnonzero((n_ > 0).any(axis=1))
    a_point, _ = family_levels(alpha, rows.size, int((n_[rows] > 0).sum()))
    centre, sz = _centres(k_, n_, laney)
    used = sum(points_size(centre[i], n_[i, n_[i] > 0], a_point, sz[i]) for i in rows)
    return family_levels(alpha, rows.size, int((n_[rows] > 0).sum()), used)


def family_signals(
    k: npt.ArrayLike,
    n: npt.ArrayLike,
    *,
    alpha_point: float,
    alpha_step: float,
    laney: bool = False,
    n_sim: int = 9999,
    rng: np.random.Generator | None = None,
) -> tuple[npt.NDArray[np.bool_], FloatArray, IntArray]:
    """The two calibrated tests of :func:`p_chart` for many charts at once (no run rules).

    Parameters
    ----------
    k, n : array_like of int, shape (c, m)
        One chart per row; ``n == 0`` marks a period the chart does not have (dropped,
        as :func:`cmalt_qa.referrals.p_chart` drops it). Baseline: every period.
    alpha_point, alpha_step, laney, n_sim, rng
        As :func:`p_chart`.

    Returns
    -------
    beyond : bool array (c, m)
        Points beyond the exact probability limits.
    step_p : float array (c,)
        Step-change p-values.
    step_start : int array (c,)
        Index (among the chart's own periods) of the first subgroup after the best split.

    Notes
    -----
    Gives what :func:`p_chart` gives chart by chart (checked in the tests), with the
    limits of all charts computed in one call: the simulations in ``validation/`` chart
    thousands of datasets.
    """
    k_, n_ = np.atleast_2d(np.asarray(k, np.float64)), np.atleast_2d(np.asarray(n, np.float64))
    rng = np.random.default_rng(0) if rng is None else rng
    has = n_ > 0
    centre, sz = _centres(k_, n_, laney)
    beyond = np.zeros(k_.shape, dtype=bool)
    step_p, start = np.ones(k_.shape[0]), np.zeros(k_.shape[0], dtype=np.int64)
    for i in range(k_.shape[0]):
        ki, ni = k_[i, has[i]], n_[i, has[i]]
        if ni.size == 0:
            continue
        lcl, ucl = probability_limits(centre[i], ni, alpha_point, sz[i])
        beyond[i, has[i]] = (ki / ni > ucl) | (ki / ni < lcl)
        _, start[i], step_p[i] = step_change_test(
            ki, ni, n_sim=n_sim, rng=rng, alpha=alpha_step, sigma_z=sz[i], centre=centre[i]
        )
    return beyond, step_p, start


def _limits(
    centre: float,
    n_: FloatArray,
    sigma: FloatArray,
    sigma_z: float,
    limits: str,
    alpha_point: float,
) -> tuple[FloatArray, ...]:
    """(lcl, ucl, lower2, upper2) of the chosen kind."""
    if limits == "sigma":
        band = [
            np.clip(centre + s * w * sigma, 0.0, 1.0) for s, w in ((-1, 3), (1, 3), (-1, 2), (1, 2))
        ]
        return tuple(band)
    lcl, ucl = probability_limits(centre, n_, alpha_point, sigma_z)
    lower2, upper2 = probability_limits(centre, n_, 2.0 * float(stats.norm.sf(2.0)), sigma_z)
    # At a subgroup of one or two a quantile of the count can lie beyond the centre (n = 1,
    # p = 0.977: P(X = 0) = 0.023 < 0.0228 puts the 2-sigma quantile at 1). No attainable
    # rate lies between the centre and such a limit (the median of a binomial is within
    # one of its mean), so drawing the limit at the centre changes no signal and keeps
    # the bands ordered lcl <= lower2 <= centre <= upper2 <= ucl.
    lcl, lower2 = np.minimum(lcl, centre), np.minimum(lower2, centre)
    ucl, upper2 = np.maximum(ucl, centre), np.maximum(upper2, centre)
    return lcl, ucl, lower2, upper2


def p_chart(
    k: npt.ArrayLike,
    n: npt.ArrayLike,
    *,
    baseline: npt.ArrayLike | None = None,
    laney: bool = False,
    sigma_z: float | None = None,
    run: int = 7,
    limits: str = "exact",
    alpha_point: float = 2.0 * SIGMA_TAIL,
    alpha_step: float | None = None,
    n_sim: int = 9999,
    rng: np.random.Generator | None = None,
) -> pd.DataFrame:
    """p chart (or Laney p' chart) of ``k`` events out of ``n`` per subgroup, in order.

    Parameters
    ----------
    k, n : array_like of int, shape (m,)
        Events and subgroup sizes, subgroups in time order; ``n > 0``.
    baseline : array_like of bool, shape (m,), optional
        Subgroups that set the centre line (and Laney's sigma_z); all when None.
    laney : bool
        Laney's sigma_z widens the limits (and deflates the step statistic) where the
        series is over-dispersed.
    sigma_z : float, optional
        With ``laney``, the sigma_z to use (e.g. :func:`pooled_sigma_z` of the charts
        shown together) instead of this chart's own estimate.
    run : int
        Points for the shift and trend rules.
    limits : {"exact", "sigma"}
        ``exact``: probability limits (:func:`probability_limits`) at ``alpha_point``;
        ``sigma``: the classic :math:`\\bar p \\pm 3\\sigma_i` (Montgomery 2009, eq. 7.8).
    alpha_point : float
        Two-sided level of each point's exact limits (default: the nominal 3-sigma level).
    alpha_step : float, optional
        Level of the step-change test (:func:`step_change_test`); not run when None.
    n_sim, rng
        Monte Carlo draws and generator of the step test.

    Returns
    -------
    DataFrame, m rows
        ``n, k, rate, centre, sigma, lcl, ucl, lower2, upper2, z, sigma_z, baseline``,
        the rule flags of :func:`special_cause_rules`, ``step_change`` (subgroups from the
        start of a significant step), ``step_p_value``, ``step_start`` (index of the
        first subgroup after the best split), ``special_cause`` and ``signal``.

    Notes
    -----
    ``special_cause`` is ``beyond_limits`` or ``step_change``: the two tests whose
    false-alarm rates are set by ``alpha_point`` and ``alpha_step`` (so a family of
    charts can share one family-wise level, :func:`family_levels`). The Making Data
    Count run rules (``shift``, ``trend``, ``two_of_three``) are still computed but are
    not part of ``special_cause``: over 17 charts of 9 points they alone raise a false
    alarm in about half of all in-control datasets. ``signal`` names the tests that
    fired. Centre :math:`\\bar p = \\sum_b k / \\sum_b n` over the baseline;
    :math:`\\sigma_i = \\sqrt{\\bar p(1-\\bar p)/n_i}`; Laney (2002)
    :math:`z_i = (p_i - \\bar p)/\\sigma_i`, :math:`\\sigma_z = \\overline{MR}(z)/1.128`
    over the baseline's consecutive subgroups (qicharts2 ``qic.pp``).
    """
    k_, n_, base = _check_counts(k, n, baseline)
    rate = k_ / n_
    centre = k_[base].sum() / n_[base].sum()
    sigma = np.sqrt(centre * (1.0 - centre) / n_)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (rate - centre) / sigma
    own = laney_sigma_z(k_[base], n_[base], centre) if sigma_z is None else float(sigma_z)
    sigma_z = own if laney else np.nan
    if laney:
        sigma = sigma * sigma_z
    if limits not in ("exact", "sigma"):
        raise ValueError(f"limits must be 'exact' or 'sigma', got {limits!r}")
    lcl, ucl, lower2, upper2 = _limits(
        centre, n_, sigma, sigma_z if laney else np.nan, limits, alpha_point
    )
    flags = special_cause_rules(rate, centre, lcl, ucl, lower2, upper2, run=run)
    out = pd.DataFrame({"n": n_.astype(np.int64), "k": k_.astype(np.int64), "rate": rate,
                        "centre": np.full(k_.shape, centre), "sigma": sigma, "lcl": lcl, "ucl": ucl,
                        "lower2": lower2, "upper2": upper2, "z": z, "sigma_z": np.full(k_.shape, sigma_z),
                        "baseline": base, **flags})  # fmt: skip
    return _with_step(out, alpha_step, n_sim, rng)


def with_step_test(
    out: pd.DataFrame,
    alpha_step: float | None,
    *,
    n_sim: int = 9999,
    rng: np.random.Generator | None = None,
) -> pd.DataFrame:
    """A chart of :func:`p_chart` with the step-change test's columns set at ``alpha_step``.

    For a family whose step level is known only once every chart's limits are (the
    level the points leave unused, :func:`family_levels`): chart with ``alpha_step=None``,
    then add the test here, with the chart's ``centre`` and ``sigma_z`` (over-dispersed
    when above 1).
    """
    return _with_step(out.copy(), alpha_step, n_sim, rng)


def _with_step(
    out: pd.DataFrame,
    alpha_step: float | None,
    n_sim: int,
    rng: np.random.Generator | None,
) -> pd.DataFrame:
    """Add the step-change test's columns, ``special_cause`` and ``signal`` to a chart."""
    k_, n_ = out["k"].to_numpy(), out["n"].to_numpy()
    p_step, start = 1.0, 0
    if alpha_step is not None:
        _, start, p_step = step_change_test(
            k_, n_, n_sim=n_sim, rng=rng, alpha=alpha_step,
            sigma_z=float(out["sigma_z"].iloc[0]), centre=float(out["centre"].iloc[0]),
        )  # fmt: skip
    after = (np.arange(k_.size) >= start) & (start > 0)
    out["step_change"] = (p_step <= (alpha_step or 0.0)) & after
    out["step_p_value"] = p_step if alpha_step is not None else np.nan
    out["step_start"] = start
    out["special_cause"] = out["beyond_limits"] | out["step_change"]
    labels = np.where(out["beyond_limits"], "point beyond limits", "")
    step = np.where(out["step_change"], "step change", "")
    out["signal"] = ["; ".join(x for x in pair if x) for pair in zip(labels, step)]
    return out


def _check_counts(k: npt.ArrayLike, n: npt.ArrayLike, baseline: npt.ArrayLike | None):
    k_ = np.asarray(k, dtype=np.float64)
    n_ = np.asarray(n, dtype=np.float64)
    if k_.shape != n_.shape or k_.ndim != 1:
        raise ValueError("k and n must be 1-d arrays of the same length")
    if np.any(n_ <= 0) or np.any(k_ < 0) or np.any(k_ > n_):
        raise ValueError("need 0 <= k <= n and n > 0 for every subgroup")
    base = np.ones(k_.shape, dtype=bool) if baseline is None else np.asarray(baseline, bool)
    if base.shape != k_.shape:
        raise ValueError("baseline must have one flag per subgroup")
    if not base.any():
        raise ValueError("the baseline selects no subgroup")
    return k_, n_, base


def funnel_limits(
    centre: float, n: npt.ArrayLike, levels: tuple[float, ...] = (0.95, 0.998)
) -> dict[float, tuple[FloatArray, FloatArray]]:
    """Exact binomial funnel limits for a proportion at sizes ``n``.

    Parameters
    ----------
    centre : float
        The pooled (target) proportion, in [0, 1].
    n : array_like of int, shape (m,)
    levels : tuple of float
        Two-sided coverage of each pair of limits.

    Returns
    -------
    dict level -> (low, high), each ndarray of float, shape (m,)
        ``binom.ppf(a/2, n, centre)/n`` and ``binom.ppf(1-a/2, n, centre)/n`` with
        ``a = 1 - level``; NaN where ``n == 0``.

    Notes
    -----
    The plain quantiles of Binomial(n, centre) (Spiegelhalter 2005, section 3.1, without
    the interpolation between discrete steps): a group is "outside" when its count is
    beyond the quantile, so each tail holds at most about ``a/2``.
    """
    n_ = np.asarray(n, dtype=np.float64)
    if not 0.0 <= centre <= 1.0:
        raise ValueError(f"centre must be a proportion, got {centre}")
    out: dict[float, tuple[FloatArray, FloatArray]] = {}
    for level in levels:
        a = 1.0 - level
        with np.errstate(invalid="ignore", divide="ignore"):
            lo = stats.binom.ppf(a / 2.0, n_, centre) / n_
            hi = stats.binom.ppf(1.0 - a / 2.0, n_, centre) / n_
        out[level] = (np.where(n_ > 0, lo, np.nan), np.where(n_ > 0, hi, np.nan))
    return out
