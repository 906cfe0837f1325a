"""Shared statistical pieces: intervals, bootstrap weights, contingency tables,
Kaplan-Meier curves, suppression.

Every analysis module uses these; none copies them. All functions are vectorised numpy
and typed; the public analysis functions wrap them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from . import _bootstrap

__all__ = [
    "wilson_interval",
    "bootstrap_weights",
    "percentile_interval",
    "contingency",
    "unit_contingency",
    "suppress_counts",  # re-exported from cmalt_qa.disclosure
    "SUPPRESSED",
    "KMFit",
    "km_fit",
    "km_at",
    "km_quantile",
    "share_by",
    "gini",
    "ratio_by_group",
    "ratio_variance",
    "dersimonian_laird",
    "shrink_weight",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def wilson_interval(
    k: npt.ArrayLike, n: npt.ArrayLike, ci: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for binomial proportions, vectorised.

    Parameters
    ----------
    k, n : array_like of int, same shape
        Successes and trials. Where ``n == 0`` both limits are NaN.
    ci : float
        Confidence level.

    Returns
    -------
    low, high : ndarray of float, the broadcast shape of ``k`` and ``n``

    Notes
    -----
    With :math:`\\hat p = k/n` and :math:`z = \\Phi^{-1}(1-\\alpha/2)`,

    .. math:: \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1+z^2/n}

    Matches ``scipy.stats.binomtest(k, n).proportion_ci(ci, method="wilson")``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22(158), 209-212.
    """
    k_ = np.asarray(k, dtype=np.float64)
    n_ = np.asarray(n, dtype=np.float64)
    z = stats.norm.ppf(0.5 + ci / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k_ / n_
        denom = 1.0 + z * z / n_
        centre = (p + z * z / (2.0 * n_)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n_ + z * z / (4.0 * n_ * n_)) / denom
        low = np.where(n_ > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        high = np.where(n_ > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    # Exact ends: k == 0 gives low 0 and k == n gives high 1 (rounding can miss them).
    low = np.where((k_ == 0) & (n_ > 0), 0.0, low)
    high = np.where((k_ == n_) & (n_ > 0), 1.0, high)
    return low, high


def bootstrap_weights(
    n_units: int, n_boot: int, seed: int | np.random.Generator | None = 0
) -> IntArray:
    """Resampling counts, shape (n_boot, n_units): :func:`cmalt_qa._bootstrap.cluster_weights`
    with a generator from ``seed`` (or ``seed`` itself when it is a Generator).

    The analyses draw each group's counts from the group's own generator
    (:func:`cmalt_qa._bootstrap.group_rng`); this is the same draw for one generator.
    """
    return _bootstrap.cluster_weights(n_units, n_boot, _generator(seed))


def bootstrap_indices(
    n_units: int, n_boot: int, seed: int | np.random.Generator | None = 0
) -> IntArray:
    """Indices drawn with replacement, shape (n_boot, n_units); see bootstrap_weights."""
    return _bootstrap.cluster_indices(n_units, n_boot, _generator(seed))


def _generator(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def percentile_interval(
    replicates: npt.ArrayLike, ci: float = 0.95, axis: int = 0
) -> tuple[FloatArray, FloatArray]:
    """Percentile bootstrap interval, ignoring NaN replicates.

    Parameters
    ----------
    replicates : array_like, replicates along ``axis``
    ci : float

    Returns
    -------
    low, high : ndarray, ``replicates`` shape without ``axis``; NaN where every
        replicate is NaN.
    """
    r = np.asarray(replicates, dtype=np.float64)
    a = (1.0 - ci) / 2.0
    if r.size == 0:  # nothing to resample: NaN limits of the right shape
        shape = r.shape[:axis] + r.shape[axis + 1 :] if r.ndim else ()
        empty = np.full(shape, np.nan)
        return empty, empty.copy()
    with np.errstate(all="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            q = np.nanquantile(r, [a, 1.0 - a], axis=axis)
    return q[0], q[1]


# --------------------------------------------------------------------------- estimators
# Gini, the cluster ratio estimator's variance, DerSimonian-Laird and normal-normal
# shrinkage: shared pieces (moved here from the assessors' core).
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


def contingency(a: npt.ArrayLike, b: npt.ArrayLike, k: int) -> IntArray:
    """k x k table of paired integer codes (0..k-1); pairs with a negative code dropped.

    Returns
    -------
    ndarray of int64, shape (k, k): ``t[i, j]`` counts pairs with ``a == i`` and ``b == j``.
    """
    a_ = np.asarray(a, dtype=np.int64)
    b_ = np.asarray(b, dtype=np.int64)
    ok = (a_ >= 0) & (b_ >= 0)
    return np.bincount(a_[ok] * k + b_[ok], minlength=k * k).reshape(k, k)


def unit_contingency(
    unit: npt.ArrayLike, a: npt.ArrayLike, b: npt.ArrayLike, n_units: int, k: int
) -> IntArray:
    """Per-unit k x k tables, shape (n_units, k, k).

    ``unit`` holds integer unit ids 0..n_units-1 (e.g. a submission's position); pairs
    with a negative code are dropped. Summing over units under bootstrap weights,
    ``np.tensordot(w, tables, axes=1)``, gives every replicate's table at once.
    """
    u = np.asarray(unit, dtype=np.int64)
    a_ = np.asarray(a, dtype=np.int64)
    b_ = np.asarray(b, dtype=np.int64)
    ok = (a_ >= 0) & (b_ >= 0)
    flat = (u[ok] * k + a_[ok]) * k + b_[ok]
    return np.bincount(flat, minlength=n_units * k * k).reshape(n_units, k, k)


# --------------------------------------------------------------------------- Kaplan-Meier
# The estimate and its pointwise interval come from :func:`scipy.stats.ecdf` (a well-kept
# implementation of the product-limit estimator and Greenwood's variance); what is written
# here is only what scipy does not offer: reading the curve and its bounds at a point,
# inverting them for quantiles (Brookmeyer & Crowley 1982, as lifelines does), and the
# risk-set counts for a curve table.


@dataclass(frozen=True)
class KMFit:
    """A Kaplan-Meier fit of the survival function S(t) = P(T > t).

    Attributes
    ----------
    times : ndarray, shape (m,)
        Distinct observed times (events and censorings), ascending.
    sf : ndarray, shape (m,)
        S(t) just after each time (right-continuous step function).
    sf_low, sf_high : ndarray, shape (m,)
        Pointwise exponential-Greenwood ("log-log") limits of S. The transform is
        undefined where S is 0 or 1; there the limits are set to S itself (the Greenwood
        variance is 0 before the first event, and after the last case has had its event
        there is nothing left to vary), which is what lifelines reports; with
        ``km_fit(..., degenerate="nan")`` they stay NaN there.
    at_risk, events, censored : ndarray of int, shape (m,)
        Number at risk just before each time, events and censorings at it.
    n : int
        Number of cases.
    """

    times: FloatArray
    sf: FloatArray
    sf_low: FloatArray
    sf_high: FloatArray
    at_risk: npt.NDArray[np.int64]
    events: npt.NDArray[np.int64]
    censored: npt.NDArray[np.int64]
    n: int


def km_fit(
    durations: npt.ArrayLike,
    observed: npt.ArrayLike,
    ci: float = 0.95,
    *,
    degenerate: Literal["sf", "nan"] = "sf",
) -> KMFit:
    """Kaplan-Meier estimate of S(t) with exponential-Greenwood limits.

    Parameters
    ----------
    durations : array_like of float, shape (n,)
        Event time, or censoring time where ``observed`` is False. Any real values
        (negative times are allowed: the estimator is shift-equivariant).
    observed : array_like of bool, shape (n,)
        True for an event, False for a right-censored case.
    ci : float
        Confidence level of the pointwise interval.
    degenerate : {"sf", "nan"}
        The limits where S is 0 or 1 (the log-log transform is undefined there): "sf"
        (default) sets them to S itself, as lifelines does (see :class:`KMFit`); "nan"
        leaves them undefined, as scipy returns them, so that :func:`km_quantile` gives
        no limit where only the point S = 0 would reach the level.

    Returns
    -------
    KMFit
        With ``m = 0`` rows when ``n == 0``.

    Notes
    -----
    :math:`\\hat S(t) = \\prod_{t_i \\le t} (1 - d_i / n_i)`, Greenwood variance
    :math:`\\hat\\sigma^2(t) = \\sum_{t_i \\le t} d_i / (n_i (n_i - d_i))`, and the limits
    :math:`\\hat S^{\\exp(\\pm z \\hat\\sigma / \\log \\hat S)}` (Kalbfleisch & Prentice
    2002, 1.4; R ``survfit(conf.type = "log-log")``; lifelines ``KaplanMeierFitter``;
    ``scipy.stats.ecdf(...).sf.confidence_interval(method="log-log")``, used here).
    """
    if degenerate not in ("sf", "nan"):
        raise ValueError(f"degenerate must be 'sf' or 'nan', got {degenerate!r}")
    t = np.asarray(durations, dtype=np.float64).reshape(-1)
    e = np.asarray(observed, dtype=bool).reshape(-1)
    if t.shape != e.shape:
        raise ValueError("durations and observed must have the same length")
    if np.isnan(t).any():
        raise ValueError("durations must not contain NaN")
    empty_f = np.empty(0, dtype=np.float64)
    empty_i = np.empty(0, dtype=np.int64)
    if t.size == 0:
        return KMFit(empty_f, empty_f, empty_f, empty_f, empty_i, empty_i, empty_i, 0)
    res = stats.ecdf(stats.CensoredData(uncensored=t[e], right=t[~e]))
    with warnings.catch_warnings():
        # scipy warns where log-log is undefined (S = 0 or 1); those limits are set below.
        warnings.simplefilter("ignore", RuntimeWarning)
        band = res.sf.confidence_interval(confidence_level=ci, method="log-log")
    times = np.asarray(res.sf.quantiles, dtype=np.float64)
    sf = np.asarray(res.sf.probabilities, dtype=np.float64)
    low = np.asarray(band.low.probabilities, dtype=np.float64).copy()
    high = np.asarray(band.high.probabilities, dtype=np.float64).copy()
    if degenerate == "sf":
        at_bound = (sf <= 0.0) | (sf >= 1.0)
        low[at_bound] = sf[at_bound]
        high[at_bound] = sf[at_bound]
    order = np.sort(t)
    at_risk = (t.size - np.searchsorted(order, times, side="left")).astype(np.int64)
    ev_sorted = np.sort(t[e])
    ce_sorted = np.sort(t[~e])
    events = np.searchsorted(ev_sorted, times, "right") - np.searchsorted(ev_sorted, times, "left")
    censored = np.searchsorted(ce_sorted, times, "right") - np.searchsorted(
        ce_sorted, times, "left"
    )
    return KMFit(
        times, sf, low, high, at_risk,
        events.astype(np.int64), censored.astype(np.int64), int(t.size),
    )  # fmt: skip


def km_at(
    fit: KMFit, t0: float, *, beyond: Literal["nan", "last"] = "nan"
) -> tuple[float, float, float]:
    """S(t0) and its limits read off the step function.

    Parameters
    ----------
    fit : KMFit
    t0 : float
    beyond : {"nan", "last"}
        What to read beyond the last observed time when that was a censoring with S
        still above 0, where S is not identifiable (anything in [0, S(t_max)]): "nan"
        (default) leaves it undefined, as Efron's convention does; "last" carries the
        last value on, as ``scipy.stats.ecdf(...).sf.evaluate`` and lifelines do.

    Returns
    -------
    sf, low, high : float
        Before the first observed time S = 1 and the limits are NaN (undefined). Beyond
        follow-up as ``beyond`` says (all three NaN with "nan"). NaN everywhere for an
        empty fit.
    """
    if beyond not in ("nan", "last"):
        raise ValueError(f"beyond must be 'nan' or 'last', got {beyond!r}")
    if fit.n == 0:
        return np.nan, np.nan, np.nan
    if beyond == "nan" and t0 > fit.times[-1] and fit.sf[-1] > 0.0:
        return np.nan, np.nan, np.nan
    i = int(np.searchsorted(fit.times, t0, side="right")) - 1
    if i < 0:
        return 1.0, np.nan, np.nan
    return float(fit.sf[i]), float(fit.sf_low[i]), float(fit.sf_high[i])


def _first_crossing(times: FloatArray, curve: FloatArray, q: float) -> float:
    # First time the (non-increasing) curve is at or below q; NaN entries never cross.
    hit = np.flatnonzero(np.nan_to_num(curve, nan=np.inf) <= q)
    return float(times[hit[0]]) if hit.size else np.nan


def km_quantile(fit: KMFit, q: float) -> tuple[float, float, float]:
    """Time by which a share ``1 - q`` has had the event, with its interval.

    Parameters
    ----------
    fit : KMFit
    q : float in (0, 1)
        Survival level: 0.5 for the median, 0.1 for the 90th percentile of time to event.

    Returns
    -------
    estimate, low, high : float
        ``inf {t : S(t) <= q}`` and the same for the upper and lower pointwise limits of S
        (the lower limit of S gives the lower limit of the time). NaN where the curve does
        not reach ``q`` within follow-up (lifelines returns ``inf`` there).

    Notes
    -----
    Inverting the pointwise interval of S gives the interval of the quantile
    (Brookmeyer & Crowley 1982); lifelines does the same with
    ``median_survival_times(kmf.confidence_interval_)`` and
    ``qth_survival_time(q, kmf.confidence_interval_[col])``; where S reaches 0 both
    limits are 0 there (see :class:`KMFit`), as in lifelines.

    References
    ----------
    Brookmeyer, R. & Crowley, J. (1982). A confidence interval for the median survival
    time. Biometrics 38(1), 29-41.
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be strictly between 0 and 1, got {q!r}")
    if fit.n == 0:
        return np.nan, np.nan, np.nan
    return (
        _first_crossing(fit.times, fit.sf, q),
        _first_crossing(fit.times, fit.sf_low, q),
        _first_crossing(fit.times, fit.sf_high, q),
    )


def share_by(
    durations: npt.ArrayLike, observed: npt.ArrayLike, t0: float, ci: float = 0.95
) -> tuple[float, float, float, int]:
    """Share of cases with the event by ``t0`` (``P(T <= t0)``), censoring respected.

    Parameters
    ----------
    durations, observed : array_like, shape (n,)
        As for :func:`km_fit`.
    t0 : float
        The mark (0 for the promise on promise-relative time; 42 or 56 days).

    Returns
    -------
    share, low, high : float
        NaN when ``n == 0``.
    undetermined : int
        Cases censored before ``t0`` (their side of the mark is not known yet).

    Notes
    -----
    When no case is censored before ``t0``, every case's side of the mark is known and
    the Kaplan-Meier estimate :math:`1 - \\hat S(t_0)` equals the plain proportion
    ``k / n`` exactly; the Wilson interval is then given (defined also at 0 and 1, where
    the log-log interval is not). Otherwise the estimate is :math:`1 - \\hat S(t_0)` with
    the limits ``1 - high``, ``1 - low`` of the log-log interval of S; NaN where
    :math:`\\hat S(t_0)` is 0 or 1 (a zero-width interval would be overconfident), and
    all three NaN where ``t0`` is beyond follow-up (see :func:`km_at`).
    """
    t = np.asarray(durations, dtype=np.float64).reshape(-1)
    e = np.asarray(observed, dtype=bool).reshape(-1)
    n = t.size
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    undetermined = int(np.count_nonzero(~e & (t < t0)))
    if undetermined == 0:
        k = int(np.count_nonzero(e & (t <= t0)))
        lo, hi = wilson_interval(k, n, ci)
        return k / n, float(lo), float(hi), 0
    sf, sf_low, sf_high = km_at(km_fit(t, e, ci), t0)
    if sf in (0.0, 1.0):
        sf_low = sf_high = np.nan
    return 1.0 - sf, 1.0 - sf_high, 1.0 - sf_low, undetermined


# --------------------------------------------------------------------------- disclosure control
# Disclosure control is a policy of its own, public and audited: :mod:`cmalt_qa.disclosure`.
# These names stay importable from here for callers that have not moved yet.
from .disclosure import (  # noqa: E402
    DEFAULT_MIN_COUNT,
    SUPPRESSED,
    disclose,
    suppress_counts,
    suppression_mask,
)

__all__ += ["suppression_mask", "disclose", "DEFAULT_MIN_COUNT"]
