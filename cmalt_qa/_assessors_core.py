"""Numeric core of :mod:`cmalt_qa.assessors`: typed, vectorised numpy on plain arrays.

Nothing here knows about Records or DataFrames; the public module builds the arrays and
wraps the results in tidy tables. Each function is checked in ``tests/test_assessors*.py``
against an independent computation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse, stats

from . import _bootstrap
from ._stats import dersimonian_laird, gini, ratio_by_group, ratio_variance, shrink_weight  # noqa: F401

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


def ratio_bootstrap(
    group: IntArray,
    num: FloatArray,
    den: FloatArray,
    n_groups: int,
    n_boot: int,
    rng: np.random.Generator | Sequence[np.random.Generator],
) -> FloatArray:
    """Bootstrap replicates of each group's ratio of sums, resampling units within group.

    Parameters
    ----------
    group, num, den : arrays, shape (u,)
        As :func:`cmalt_qa._stats.ratio_variance`. Units keep their input order within a
        group.
    n_groups, n_boot : int
    rng : Generator or sequence of Generators
        One generator per group (``rng[g]``, e.g. :func:`cmalt_qa._bootstrap.group_rng`
        of the seed and the group's key: a group's interval then does not depend on
        which other groups exist), or one generator consumed group by group in code
        order (the older behaviour). Groups with no unit draw nothing.

    Returns
    -------
    ndarray, shape (n_boot, n_groups)
        ``reps[b, g] = (w_b @ num_g) / (w_b @ den_g)``
        (:func:`cmalt_qa._bootstrap.ratio_replicates`).
    """
    order = np.argsort(group, kind="stable")
    g_s, s_s, m_s = group[order], num[order], den[order]
    bounds = np.searchsorted(g_s, np.arange(n_groups + 1))
    reps = np.full((n_boot, n_groups), np.nan)
    for g in range(n_groups):
        lo, hi = bounds[g], bounds[g + 1]
        if hi == lo:
            continue
        r = rng if isinstance(rng, np.random.Generator) else rng[g]
        reps[:, g] = _bootstrap.ratio_replicates(s_s[lo:hi], m_s[lo:hi], n_boot, r)
    return reps


# --------------------------------------------------------------------------- joint model
@dataclass(frozen=True)
class JointFit:
    """Least-squares fit of the paired-difference model (see :func:`joint_fit`).

    Attributes
    ----------
    coef : ndarray, shape (k + q,)
        Assessor effects (k, summing to 0 within each connected set of assessors) then
        the q nuisance terms.
    cov : ndarray, shape (k + q, k + q)
        Cluster-robust (CR1) covariance of ``coef``.
    n_obs : int
        Rating rows (section decisions with both scores).
    n_clusters : int
        Clusters (portfolios).
    rank : int
        Rank of the design (k + q - number of connected sets of assessors, normally).
    """

    coef: FloatArray
    cov: FloatArray
    n_obs: int
    n_clusters: int
    rank: int


def _design(lead: IntArray, second: IntArray, nuisance: FloatArray, k: int) -> sparse.csr_matrix:
    """Sparse design, one row per unit: +1 at the lead, -1 at the second, then nuisance."""
    u, q = nuisance.shape
    rows = np.repeat(np.arange(u), 2 + q)
    cols = np.column_stack([lead, second, np.broadcast_to(k + np.arange(q), (u, q))]).ravel()
    vals = np.column_stack([np.ones(u), -np.ones(u), nuisance]).ravel()
    return sparse.csr_matrix((vals, (rows, cols)), shape=(u, k + q))


def _pinv_sym(a: FloatArray) -> tuple[FloatArray, int]:
    """Moore-Penrose inverse of a symmetric positive semi-definite matrix, and its rank."""
    w, v = np.linalg.eigh(a)
    tol = max(a.shape) * np.finfo(np.float64).eps * max(float(np.abs(w).max(initial=0.0)), 1.0)
    keep = w > tol
    inv = (v[:, keep] / w[keep]) @ v[:, keep].T
    return inv, int(keep.sum())


def joint_fit(
    lead: npt.ArrayLike,
    second: npt.ArrayLike,
    nuisance: npt.ArrayLike,
    num: npt.ArrayLike,
    den: npt.ArrayLike,
    cluster: npt.ArrayLike,
    n_assessors: int,
) -> JointFit:
    """Fit ``lead - second = a[lead] - a[second] + nuisance @ g + e`` by least squares.

    Parameters
    ----------
    lead, second : int arrays, shape (u,)
        Assessor codes (0..k-1) of each unit (a submission: every section of it shares
        the pair and the nuisance values).
    nuisance : float array, shape (u, q)
        Unit-level terms (e.g. "the second was nominated by the candidate").
    num, den : float arrays, shape (u,)
        The unit's sum of lead-minus-second score differences and its number of
        sections with both scores (units with ``den == 0`` add nothing).
    cluster : int array, shape (u,)
        Cluster code of each unit (the portfolio: a resubmission goes back to the same
        assessors, so its sections are not independent of the first attempt's).
    n_assessors : int

    Returns
    -------
    JointFit

    Notes
    -----
    The fit is ordinary least squares on the section-level differences: a unit with
    design row :math:`x_j` and ``den`` sections contributes :math:`m_j x_j x_j'` to
    :math:`X'X` and :math:`S_j x_j` to :math:`X'y`, so the section rows are never
    built. The assessor effects are identified only up to a constant per connected set
    of assessors (the differences do not change when every effect moves together); the
    minimum-norm solution :math:`\\hat\\beta = (X'X)^+ X'y` fixes it by a sum-to-zero
    constraint within each set. Covariance: the cluster-robust sandwich
    :math:`c\\,(X'X)^+ (\\sum_g U_g U_g') (X'X)^+` with :math:`U_g` the sum of
    :math:`x_j r_j` over the cluster's units (:math:`r_j = S_j - m_j x_j'\\hat\\beta`, the
    unit's summed residual) and :math:`c = \\frac{G}{G-1}\\frac{N-1}{N-p}` (CR1, as
    statsmodels' ``cov_type="cluster"``; N rating rows, p columns). Checked against
    ``statsmodels`` OLS on the section rows in the tests.
    """
    lead_, second_ = np.asarray(lead, np.int64), np.asarray(second, np.int64)
    z = np.asarray(nuisance, np.float64).reshape(lead_.size, -1)
    s, m = np.asarray(num, np.float64), np.asarray(den, np.float64)
    _, g_code = np.unique(np.asarray(cluster), return_inverse=True)
    x = _design(lead_, second_, z, n_assessors)
    xtx = (x.T @ sparse.csr_matrix(x.multiply(m[:, None]))).toarray()
    inv, rank = _pinv_sym(xtx)
    xty = x.T @ s
    beta = inv @ xty
    r = s - m * (x @ beta)
    n_groups = int(g_code.max()) + 1 if g_code.size else 0
    agg = sparse.csr_matrix((np.ones(g_code.size), (g_code, np.arange(g_code.size))),
                            shape=(n_groups, g_code.size))  # fmt: skip
    u_g = (agg @ sparse.csr_matrix(x.multiply(r[:, None]))).toarray()
    n_obs, p = int(m.sum()), x.shape[1]
    c = (n_groups / max(n_groups - 1, 1)) * ((n_obs - 1) / max(n_obs - p, 1))
    cov = c * inv @ (u_g.T @ u_g) @ inv
    return JointFit(coef=beta, cov=cov, n_obs=n_obs, n_clusters=n_groups, rank=rank)


def adjusted_differences(
    own: FloatArray, co: FloatArray, co_effect: FloatArray, own_term: FloatArray
) -> FloatArray:
    """Each seat's own-minus-co score difference with the co-assessor's fitted effect and
    the seat's nuisance terms removed: :math:`y^* = (\\text{own} - \\text{co}) +
    \\hat a_{\\text{co}} - t`.

    For assessor i, the least-squares normal equation of :math:`a_i` says that
    :math:`\\hat a_i` is the mean of :math:`y^*` over i's section ratings (each seat
    signed from i's side: ``own_term`` is the nuisance contribution to own minus co, e.g.
    ``+g`` when i is a nominated second, ``-g`` when i leads beside one). So per-period
    means of :math:`y^*` (:func:`cmalt_qa.assessors.severity_drift`) average back
    exactly to the joint estimate.
    """
    return own - co + co_effect - own_term


@dataclass(frozen=True)
class SeverityFlags:
    """Per-assessor results of :func:`severity_flags` (arrays of shape (k,))."""

    se: FloatArray
    low: FloatArray
    high: FloatArray
    tau2: float
    weight: FloatArray
    shrunk: FloatArray
    out_of_line: npt.NDArray[np.bool_]


def severity_flags(
    est: FloatArray,
    var: FloatArray,
    n_clusters: IntArray,
    eligible: npt.NDArray[np.bool_],
    *,
    ci: float,
    threshold: float,
) -> SeverityFlags:
    """Intervals, empirical-Bayes shrinkage and the out-of-line rule for assessor effects.

    Parameters
    ----------
    est, var : float arrays, shape (k,)
        Joint estimates and their cluster-robust variances.
    n_clusters : int array, shape (k,)
        Portfolios each assessor rated (the clusters behind their estimate).
    eligible : bool array, shape (k,)
        Assessors with enough portfolios for an interval; the others get NaN, weight NaN
        and are never flagged.
    ci, threshold : float

    Notes
    -----
    Interval :math:`\\hat a_i \\pm t_{G_i-1}\\,se_i` with :math:`G_i` the assessor's
    portfolios: a cluster-robust variance rests on about :math:`G_i` independent pieces,
    so the normal quantile would be too narrow for an assessor with a handful of
    portfolios. Shrinkage toward 0 (the panel's mean effect is 0 by the constraint):
    :math:`\\tau^2` by DerSimonian-Laird over eligible assessors with positive variance,
    :math:`B_i = \\tau^2/(\\tau^2+v_i)`. Out of line: the interval excludes 0 and
    :math:`|B_i\\hat a_i|` exceeds ``threshold``.
    """
    se = np.sqrt(np.maximum(var, 0.0))
    df = np.maximum(n_clusters - 1, 1).astype(np.float64)
    half = stats.t.ppf(0.5 + ci / 2.0, df) * se
    low = np.where(eligible, est - half, np.nan)
    high = np.where(eligible, est + half, np.nan)
    use = eligible & np.isfinite(var) & (var > 0) & np.isfinite(est)
    tau2 = dersimonian_laird(est[use], var[use])
    weight = np.where(eligible, shrink_weight(tau2, var), np.nan)
    shrunk = weight * est
    with np.errstate(invalid="ignore"):
        flag = ((low > 0) | (high < 0)) & (np.abs(shrunk) > threshold)
    return SeverityFlags(se=se, low=low, high=high, tau2=tau2, weight=weight, shrunk=shrunk,
                         out_of_line=np.asarray(flag & eligible, dtype=bool))  # fmt: skip
