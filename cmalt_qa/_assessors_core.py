"""Numeric core of :mod:`cmalt_qa.assessors`: typed, vectorised numpy on plain arrays.

Nothing here knows about Records or DataFrames; the public module builds the arrays and
wraps the results in tidy tables. Each function is checked in ``tests/test_assessors*.py``
against an independent computation.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._stats import bootstrap_weights

__all__: list[str] = []  # private module: nothing is public

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def prior_counts(assessor: npt.ArrayLike, day: npt.ArrayLike, base: npt.ArrayLike) -> IntArray:
    """Prior assessments of each seat's assessor at the time of that seat.

    Parameters
    ----------
    assessor : array_like of int, shape (n,)
        Integer code (0..k-1) of the assessor in each seat (lead and second seats of
        every submission stacked together).
    day : array_like of int, shape (n,)
        The seat's date as a day number (``allocated_on``, else ``submitted_on``).
    base : array_like of int, shape (k,)
        Assessments before the data begin, per assessor code.

    Returns
    -------
    ndarray of int64, shape (n,)
        ``base[a] + #{seats of a with a strictly earlier day}``.

    Notes
    -----
    Seats of one assessor on the same day are simultaneous: none counts toward another,
    so the result does not depend on row order. Computed by one lexsort: within an
    assessor's block, the count is the position of the first seat with that day minus
    the block's start.
    """
    a = np.asarray(assessor, dtype=np.int64)
    d = np.asarray(day, dtype=np.int64)
    b = np.asarray(base, dtype=np.int64)
    n = a.size
    out = np.zeros(n, dtype=np.int64)
    if n == 0:
        return out
    order = np.lexsort((d, a))
    a_s, d_s = a[order], d[order]
    pos = np.arange(n, dtype=np.int64)
    new_block = np.r_[True, a_s[1:] != a_s[:-1]]
    new_day = new_block | np.r_[True, d_s[1:] != d_s[:-1]]
    block_start = np.maximum.accumulate(np.where(new_block, pos, 0))
    day_start = np.maximum.accumulate(np.where(new_day, pos, 0))
    out[order] = day_start - block_start + b[a_s]
    return out


def gini(x: npt.ArrayLike) -> float:
    """Gini coefficient of non-negative loads (0 = equal, toward 1 = one does all).

    Notes
    -----
    :math:`G = \\sum_i\\sum_j |x_i - x_j| / (2 n^2 \\bar x)`, computed from the sorted
    values as :math:`G = 2\\sum_i i\\,x_{(i)} / (n \\sum x) - (n+1)/n`. No small-sample
    correction. NaN for an empty or all-zero input.
    """
    v = np.sort(np.asarray(x, dtype=np.float64))
    n = v.size
    total = v.sum()
    if n == 0 or total <= 0:
        return float("nan")
    i = np.arange(1, n + 1, dtype=np.float64)
    return float(2.0 * np.dot(i, v) / (n * total) - (n + 1.0) / n)


def ratio_by_group(group: IntArray, num: FloatArray, den: FloatArray, n_groups: int) -> FloatArray:
    """Per-group ratio of sums ``sum(num) / sum(den)``; NaN where the denominator is 0."""
    s = np.bincount(group, weights=num, minlength=n_groups)
    m = np.bincount(group, weights=den, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m > 0, s / np.where(m > 0, m, 1.0), np.nan)


def ratio_variance(group: IntArray, num: FloatArray, den: FloatArray, n_groups: int) -> FloatArray:
    """Cluster-level (linearisation) sampling variance of each group's ratio of sums.

    Parameters
    ----------
    group : int array, shape (u,)
        Group code of each unit (cluster; here a submission).
    num, den : float arrays, shape (u,)
        The unit's sum of differences and its number of ratings.

    Returns
    -------
    ndarray, shape (n_groups,)
        :math:`v_g = \\frac{n_g}{n_g-1}\\sum_j (S_j - r_g M_j)^2 / (\\sum_j M_j)^2`, the
        usual ratio-estimator variance with the units of the group as clusters
        (Cochran 1977, sec. 6.3); NaN where a group has fewer than two units.
    """
    r = ratio_by_group(group, num, den, n_groups)
    resid = num - r[group] * den
    n = np.bincount(group, minlength=n_groups).astype(np.float64)
    m = np.bincount(group, weights=den, minlength=n_groups)
    ss = np.bincount(group, weights=resid * resid, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = n / (n - 1.0) * ss / (m * m)
    return np.where(n >= 2, v, np.nan)


def ratio_bootstrap(
    group: IntArray,
    num: FloatArray,
    den: FloatArray,
    n_groups: int,
    n_boot: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Bootstrap replicates of each group's ratio of sums, resampling units within group.

    Parameters
    ----------
    group, num, den : arrays, shape (u,)
        As :func:`ratio_variance`. Units keep their input order within a group.
    n_groups, n_boot : int
    rng : Generator
        Consumed group by group in code order (0, 1, ...), each group drawing
        ``bootstrap_weights(n_g, n_boot, rng)``; groups with no unit draw nothing.

    Returns
    -------
    ndarray, shape (n_boot, n_groups)
        ``reps[b, g] = (w_b @ num_g) / (w_b @ den_g)``: every replicate of a group in one
        matrix product, a loop over groups only (cheap: one product per assessor).
    """
    order = np.argsort(group, kind="stable")
    g_s, s_s, m_s = group[order], num[order], den[order]
    bounds = np.searchsorted(g_s, np.arange(n_groups + 1))
    reps = np.full((n_boot, n_groups), np.nan)
    for g in range(n_groups):
        lo, hi = bounds[g], bounds[g + 1]
        if hi == lo:
            continue
        w = bootstrap_weights(hi - lo, n_boot, rng).astype(np.float64)
        top, bottom = w @ s_s[lo:hi], w @ m_s[lo:hi]
        with np.errstate(invalid="ignore", divide="ignore"):
            reps[:, g] = np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)
    return reps


def dersimonian_laird(y: npt.ArrayLike, v: npt.ArrayLike) -> float:
    """Between-group variance tau^2 by the method of moments (DerSimonian & Laird 1986).

    Parameters
    ----------
    y, v : array_like, shape (k,)
        Estimates and their sampling variances (all finite, ``v > 0``).

    Returns
    -------
    float
        :math:`\\hat\\tau^2 = \\max\\{0, (Q - (k-1)) / (\\sum w - \\sum w^2/\\sum w)\\}` with
        :math:`w = 1/v`, :math:`Q = \\sum w (y - \\hat\\mu)^2`,
        :math:`\\hat\\mu = \\sum w y / \\sum w`; NaN when ``k < 2``. Equals
        ``statsmodels.stats.meta_analysis.combine_effects(y, v, method_re="dl").tau2``.

    References
    ----------
    DerSimonian, R. & Laird, N. (1986). Meta-analysis in clinical trials. Controlled
    Clinical Trials 7(3), 177-188.
    """
    y_ = np.asarray(y, dtype=np.float64)
    v_ = np.asarray(v, dtype=np.float64)
    k = y_.size
    if k < 2:
        return float("nan")
    if not (np.all(np.isfinite(y_)) and np.all(np.isfinite(v_)) and np.all(v_ > 0)):
        raise ValueError("dersimonian_laird needs finite estimates and positive variances")
    w = 1.0 / v_
    sw = w.sum()
    mu = np.dot(w, y_) / sw
    q = np.dot(w, (y_ - mu) ** 2)
    c = sw - np.dot(w, w) / sw
    return float(max(0.0, (q - (k - 1.0)) / c))


def shrink_weight(tau2: float, v: FloatArray) -> FloatArray:
    """Normal-normal empirical-Bayes weight :math:`B_i = \\tau^2/(\\tau^2 + v_i)`.

    Where ``v_i == 0`` the estimate is exact and ``B_i = 1``; NaN where ``v_i`` or
    ``tau2`` is NaN. The shrunken estimate is ``B_i * est_i`` (prior mean 0).

    References
    ----------
    Efron, B. & Morris, C. (1975). Data analysis using Stein's estimator and its
    generalizations. JASA 70(350), 311-319.
    """
    v_ = np.asarray(v, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = tau2 / (tau2 + v_)
    return np.where(v_ == 0, 1.0, b)
