"""Numeric core of :mod:`cmalt_qa.turnaround`: Kaplan-Meier pieces on plain arrays.

Private, typed and vectorised; the public module wraps these with Records handling. The
Kaplan-Meier estimate and its pointwise interval come from :func:`scipy.stats.ecdf`
(a well-kept implementation of the product-limit estimator and Greenwood's variance);
what is written here is only what scipy does not offer: reading the curve and its bounds
at a point, inverting them for quantiles (Brookmeyer & Crowley 1982, as lifelines does),
and the risk-set counts for the curve table.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from ._stats import wilson_interval

__all__: list[str] = []  # private module

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

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
        there is nothing left to vary), which is what lifelines reports.
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


def censor_time(days_open: npt.ArrayLike) -> FloatArray:
    """Censoring time of a case still open after ``days_open`` whole days.

    ``as_of`` is read as a closed day (everything dated on or before it is known), so a
    case still open has T > days_open: an ordinary right-censoring at ``days_open``.
    At a tie with events the censored case stays in the risk set (the product-limit
    convention of scipy, lifelines and R). An earlier design censored half a day before
    ``as_of`` (T >= days_open) so that a case open on its due day would be undetermined;
    it was dropped because the few results dated ``as_of`` then close the tail of the
    curve and absorb the weight of every case still open (a share of 1 for a live window
    measured against one common deadline).
    """
    return np.asarray(days_open, dtype=np.float64)


def km_fit(durations: npt.ArrayLike, observed: npt.ArrayLike, ci: float = 0.95) -> KMFit:
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
        # scipy warns where log-log is undefined (S = 0 or 1); we keep those as NaN.
        warnings.simplefilter("ignore", RuntimeWarning)
        band = res.sf.confidence_interval(confidence_level=ci, method="log-log")
    times = np.asarray(res.sf.quantiles, dtype=np.float64)
    sf = np.asarray(res.sf.probabilities, dtype=np.float64)
    low = np.asarray(band.low.probabilities, dtype=np.float64).copy()
    high = np.asarray(band.high.probabilities, dtype=np.float64).copy()
    degenerate = (sf <= 0.0) | (sf >= 1.0)
    low[degenerate] = sf[degenerate]
    high[degenerate] = sf[degenerate]
    order = np.sort(t)
    at_risk = (t.size - np.searchsorted(order, times, side="left")).astype(np.int64)
    ev_sorted = np.sort(t[e])
    ce_sorted = np.sort(t[~e])
    events = (np.searchsorted(ev_sorted, times, "right") - np.searchsorted(ev_sorted, times, "left"))
    censored = np.searchsorted(ce_sorted, times, "right") - np.searchsorted(ce_sorted, times, "left")
    return KMFit(
        times, sf, low, high, at_risk,
        events.astype(np.int64), censored.astype(np.int64), int(t.size),
    )  # fmt: skip


def km_at(fit: KMFit, t0: float) -> tuple[float, float, float]:
    """S(t0) and its limits read off the step function.

    Returns
    -------
    sf, low, high : float
        Before the first observed time S = 1 and the limits are NaN (undefined). Beyond
        the last observed time, when that was a censoring with S still above 0, S is not
        identifiable (anything in [0, S(t_max)]) and all three are NaN (Efron's
        convention leaves it undefined; scipy and lifelines carry the last value on).
        NaN everywhere for an empty fit.
    """
    if fit.n == 0:
        return np.nan, np.nan, np.nan
    if t0 > fit.times[-1] and fit.sf[-1] > 0.0:
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
