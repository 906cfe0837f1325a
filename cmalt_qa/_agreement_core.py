"""Numeric core of :mod:`cmalt_qa.agreement`: agreement coefficients of k x k tables.

Every two-rater coefficient here is a function of the contingency table of the two
raters alone, so each function takes a stack of tables, shape ``(..., k, k)``, and
returns one value per table, shape ``(...)``. The estimate and all bootstrap replicates
are then computed in one call (see :func:`cmalt_qa.agreement.by_section`).

Conventions: ``t[..., i, j]`` counts units rated category ``i`` by rater 1 and ``j`` by
rater 2; categories are in scale order (index = position on the ordered scale). Weights
are agreement weights (1 on the diagonal, 0 for the farthest pair) built from category
positions, as in Cohen (1968) and Gwet (2014). Undefined values are NaN; each function
says when.

Hand-written rather than called from scikit-learn / irrCAC / krippendorff because
those take one table or one data matrix at a time; here thousands of bootstrap tables
are evaluated at once. The tests check every function against those libraries.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from . import _bootstrap, _stats

__all__: list[str] = []  # private module

FloatArray = npt.NDArray[np.float64]
Weights = Literal["linear", "quadratic"] | None
Level = Literal["nominal", "ordinal", "interval", "ratio"]

_EPS = 1e-12  # tolerance for a zero denominator (1 - pe, expected disagreement)


def weight_matrix(k: int, weights: Weights) -> FloatArray:
    """Agreement weights, shape (k, k), from category positions 0..k-1.

    ``None``: identity; ``"linear"``: :math:`1 - |i-j|/(k-1)`; ``"quadratic"``:
    :math:`1 - (i-j)^2/(k-1)^2` (Cohen 1968; Gwet 2014, ch. 3). For ``k == 1`` every
    choice gives ``[[1]]``.
    """
    if weights not in (None, "linear", "quadratic"):
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', not {weights!r}")
    i = np.arange(k, dtype=np.float64)
    d = np.abs(i[:, None] - i[None, :])
    if weights is None or k == 1:
        return np.eye(k)
    if weights == "linear":
        return 1.0 - d / (k - 1)
    return 1.0 - d**2 / (k - 1) ** 2


def _safe_ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    """num / den, NaN where ``|den| <= _EPS`` (an undefined coefficient)."""
    ok = np.abs(den) > _EPS
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=ok)
    return out


def _n_and_p(t: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Totals, shape (...), and proportions, shape (..., k, k); NaN proportions if n == 0."""
    t_ = np.asarray(t, dtype=np.float64)
    n = t_.sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = t_ / n[..., None, None]
    return n, p


def percent_agreement(t: npt.ArrayLike, weights: Weights = None) -> FloatArray:
    """Observed (weighted) agreement :math:`p_o = \\sum_{ij} w_{ij} p_{ij}`; NaN if n == 0."""
    t_ = np.asarray(t, dtype=np.float64)
    n = t_.sum(axis=(-2, -1))
    agree = np.sum(weight_matrix(t_.shape[-1], weights) * t_, axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return agree / n  # counts summed before dividing: exact 1 for perfect agreement


def cohen_kappa(t: npt.ArrayLike, weights: Weights = None) -> FloatArray:
    """Cohen's kappa (weighted if asked) of tables (..., k, k).

    :math:`\\kappa_w = (p_o - p_e)/(1 - p_e)`, :math:`p_o = \\sum w_{ij} p_{ij}`,
    :math:`p_e = \\sum w_{ij} p_{i+} p_{+j}`. NaN when n == 0 or :math:`p_e = 1` (both
    raters used one and the same category for every unit: chance explains everything).
    """
    t_ = np.asarray(t, dtype=np.float64)
    w = weight_matrix(t_.shape[-1], weights)
    _, p = _n_and_p(t_)
    po = percent_agreement(t_, weights)
    pe = np.einsum("...i,ij,...j->...", p.sum(axis=-1), w, p.sum(axis=-2))
    return _safe_ratio(po - pe, 1.0 - pe)


def gwet_ac(t: npt.ArrayLike, weights: Weights = None) -> FloatArray:
    """Gwet's AC1 (``weights=None``) or AC2 (weighted) of tables (..., k, k).

    :math:`AC = (p_o - p_e)/(1 - p_e)` with
    :math:`p_e = T_w/(k(k-1)) \\sum_c \\pi_c (1 - \\pi_c)`, :math:`\\pi_c` the mean of the
    two raters' marginal shares of category c and :math:`T_w = \\sum_{ij} w_{ij}`
    (:math:`T_w = k` unweighted). NaN when n == 0 or k < 2 (no chance term exists).
    """
    t_ = np.asarray(t, dtype=np.float64)
    k = t_.shape[-1]
    if k < 2:
        return np.full(t_.shape[:-2], np.nan)
    w = weight_matrix(k, weights)
    _, p = _n_and_p(t_)
    po = percent_agreement(t_, weights)
    pi = (p.sum(axis=-1) + p.sum(axis=-2)) / 2.0
    pe = w.sum() / (k * (k - 1)) * np.sum(pi * (1.0 - pi), axis=-1)
    return _safe_ratio(po - pe, 1.0 - pe)


def pabak(t: npt.ArrayLike) -> FloatArray:
    """PABAK of tables (..., k, k): :math:`(k p_o - 1)/(k - 1)`; NaN if n == 0 or k < 2."""
    t_ = np.asarray(t, dtype=np.float64)
    k = t_.shape[-1]
    if k < 2:
        return np.full(t_.shape[:-2], np.nan)
    return (k * percent_agreement(t_) - 1.0) / (k - 1.0)


def _delta2(n_c: FloatArray, values: FloatArray, level: Level) -> FloatArray:
    """Squared difference function, shape (..., k, k) (Krippendorff 2011, sec. 'metrics').

    ``n_c`` (..., k) are the value totals of the coincidence matrix (ordinal metric
    only); ``values`` (k,) the numeric values (interval and ratio metrics).
    """
    k = values.shape[0]
    if level == "nominal":
        d = 1.0 - np.eye(k)
        return np.broadcast_to(d, n_c.shape[:-1] + (k, k))
    if level == "interval":
        d = (values[:, None] - values[None, :]) ** 2
        return np.broadcast_to(d, n_c.shape[:-1] + (k, k))
    if level == "ratio":
        s = values[:, None] + values[None, :]
        diff = values[:, None] - values[None, :]
        r = np.zeros((k, k))
        np.divide(diff, s, out=r, where=s != 0)  # s == 0 only when both are 0: no distance
        return np.broadcast_to(r**2, n_c.shape[:-1] + (k, k))
    if level == "ordinal":
        cum = np.cumsum(n_c, axis=-1)
        # sum_{g=c..k} n_g - (n_c + n_k)/2 for c <= k, symmetric.
        lo = np.minimum.outer(np.arange(k), np.arange(k))
        hi = np.maximum.outer(np.arange(k), np.arange(k))
        between = cum[..., hi] - cum[..., lo] + n_c[..., lo]
        d = between - (n_c[..., :, None] + n_c[..., None, :]) / 2.0
        return d**2
    raise ValueError(f"level must be 'nominal', 'ordinal', 'interval' or 'ratio', not {level!r}")


def alpha_from_coincidence(
    o: npt.ArrayLike, values: npt.ArrayLike, level: Level = "ordinal"
) -> FloatArray:
    """Krippendorff's alpha from coincidence matrices (..., k, k).

    :math:`\\alpha = 1 - (n - 1) \\frac{\\sum_{ck} o_{ck}\\,\\delta^2_{ck}}
    {\\sum_{ck} n_c n_k \\delta^2_{ck}}`, :math:`n_c = \\sum_k o_{ck}`,
    :math:`n = \\sum_c n_c` the pairable values. NaN when n < 2 or the expected
    disagreement is 0 (all pairable values are equal: no variation to agree on).
    """
    o_ = np.asarray(o, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    n_c = o_.sum(axis=-1)
    n = n_c.sum(axis=-1)
    d2 = _delta2(n_c, v, level)
    observed = np.sum(o_ * d2, axis=(-2, -1))
    expected = np.einsum("...c,...ck,...k->...", n_c, d2, n_c)
    alpha = 1.0 - (n - 1.0) * _safe_ratio(observed, expected)
    return np.where(n >= 2, alpha, np.nan)


def alpha_from_table(
    t: npt.ArrayLike, level: Level = "ordinal", values: npt.ArrayLike | None = None
) -> FloatArray:
    """Krippendorff's alpha for two coders from their tables (..., k, k).

    With two coders every unit rated by both is pairable with :math:`m_u = 2`, so the
    coincidence matrix is :math:`o = t + t^\\top` (Krippendorff 2011, step B). ``values``
    are the numeric category values (default positions 0..k-1).
    """
    t_ = np.asarray(t, dtype=np.float64)
    k = t_.shape[-1]
    v = np.arange(k, dtype=np.float64) if values is None else np.asarray(values, float)
    return alpha_from_coincidence(t_ + np.swapaxes(t_, -1, -2), v, level)


def coincidence(codes: npt.ArrayLike, k: int) -> FloatArray:
    """Coincidence matrix (k, k) from integer codes, coders x units, -1 = missing.

    :math:`o_{ck} = \\sum_u \\frac{n_{uc}(n_{uk} - [c = k])}{m_u - 1}` over units with
    :math:`m_u \\ge 2` values (Krippendorff 2011, step B).
    """
    c = np.asarray(codes, dtype=np.int64)
    n_units = c.shape[1]
    ok = c >= 0
    unit = np.broadcast_to(np.arange(n_units), c.shape)
    counts = (
        np.bincount((unit[ok] * k + c[ok]), minlength=n_units * k)
        .reshape(n_units, k)
        .astype(np.float64)
    )  # n_uc, shape (units, k)
    m = counts.sum(axis=1)
    keep = m >= 2
    counts, m = counts[keep], m[keep]
    scaled = counts / (m - 1.0)[:, None]
    return scaled.T @ counts - np.diag(scaled.sum(axis=0))


# ------------------------------------------------------------------- bootstrap
def resampled_tables(
    unit: npt.NDArray[np.int64],
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    n_units: int,
    k: int,
    n_boot: int,
    rng: np.random.Generator,
) -> FloatArray:
    """The k x k table and its cluster-bootstrap replicates, shape (1 + n_boot, k, k).

    Parameters
    ----------
    unit : ndarray of int, shape (n_pairs,)
        Unit (portfolio) code 0..n_units-1 of each complete pair.
    a, b : ndarray of int, shape (n_pairs,)
        The two raters' codes 0..k-1.
    n_units, k, n_boot
    rng : Generator
        The group's own generator (:func:`cmalt_qa._bootstrap.group_rng`); units are
        drawn with :func:`cmalt_qa._bootstrap.cluster_indices`.

    Notes
    -----
    Replicate ``r`` is the sum of the tables of the units drawn in ``r``. With one pair
    per unit that is a count of the drawn units' cells (one ``bincount``); otherwise
    the per-unit tables are summed under the resampling counts (one matrix product).
    Both routes consume the generator identically.
    """
    out = np.zeros((1 + n_boot, k, k))
    tabs = _stats.unit_contingency(unit, a, b, n_units, k)
    out[0] = tabs.sum(axis=0)
    if not (n_boot and n_units):
        return out
    if len(unit) == n_units:
        idx = _bootstrap.cluster_indices(n_units, n_boot, rng)
        cell = np.empty(n_units, dtype=np.int64)
        cell[unit] = a * k + b
        flat = (cell[idx] + (np.arange(n_boot) * k * k)[:, None]).ravel()
        out[1:] = np.bincount(flat, minlength=n_boot * k * k).reshape(n_boot, k, k)
    else:
        w = _bootstrap.cluster_weights(n_units, n_boot, rng).astype(np.float64)
        out[1:] = (w @ tabs.reshape(n_units, k * k)).reshape(n_boot, k, k)
    return out
