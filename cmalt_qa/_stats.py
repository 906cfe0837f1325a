"""Shared statistical pieces: intervals, bootstrap weights, contingency tables, suppression.

Every analysis module uses these; none copies them. All functions are vectorised numpy
and typed; the public analysis functions wrap them.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

__all__ = [
    "wilson_interval",
    "bootstrap_weights",
    "percentile_interval",
    "contingency",
    "unit_contingency",
    "suppress_counts",
    "SUPPRESSED",
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
    """Resampling counts for a nonparametric bootstrap over ``n_units`` units.

    Parameters
    ----------
    n_units : int
        Number of independent units (e.g. submissions) to resample with replacement.
    n_boot : int
        Number of replicates.
    seed : int or Generator

    Returns
    -------
    ndarray of int64, shape (n_boot, n_units)
        ``w[b, i]`` is how many times unit ``i`` is drawn in replicate ``b``; each row
        sums to ``n_units``. A statistic that is a sum over units (a contingency table,
        a count) is then ``w @ per_unit`` for every replicate at once.

    Notes
    -----
    Drawn as ``rng.integers(0, n_units, (n_boot, n_units))`` and counted, so that a slow
    loop drawing the same indices reproduces it exactly (see :func:`bootstrap_indices`).
    """
    idx = bootstrap_indices(n_units, n_boot, seed)
    w = np.zeros((n_boot, n_units), dtype=np.int64)
    if n_units:
        rows = np.repeat(np.arange(n_boot), n_units)
        np.add.at(w, (rows, idx.ravel()), 1)
    return w


def bootstrap_indices(
    n_units: int, n_boot: int, seed: int | np.random.Generator | None = 0
) -> IntArray:
    """Indices drawn with replacement, shape (n_boot, n_units); see bootstrap_weights."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if n_units == 0:
        return np.zeros((n_boot, 0), dtype=np.int64)
    return rng.integers(0, n_units, size=(n_boot, n_units), dtype=np.int64)


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
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            q = np.nanquantile(r, [a, 1.0 - a], axis=axis)
    return q[0], q[1]


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


SUPPRESSED: Final[str] = "suppressed"
"""Marker the disclosure-control helpers use for a hidden cell."""


def suppress_counts(counts: pd.Series, min_count: int = 5) -> pd.Series:
    """Primary small-count suppression: True where 0 < count < ``min_count``.

    Zero stays visible (a true zero reveals nobody). Secondary suppression, which
    depends on a table's margins, is the reports' job and builds on this mask.
    """
    c = pd.to_numeric(counts, errors="coerce")
    return (c > 0) & (c < min_count)
