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

import warnings
from collections.abc import Callable
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

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


def kappa_parts(t: npt.ArrayLike, weights: Weights = None) -> tuple[FloatArray, FloatArray]:
    """Observed and chance agreement of Cohen's kappa: :math:`p_o`, :math:`p_e` (see below)."""
    t_ = np.asarray(t, dtype=np.float64)
    w = weight_matrix(t_.shape[-1], weights)
    _, p = _n_and_p(t_)
    po = percent_agreement(t_, weights)
    pe = np.einsum("...i,ij,...j->...", p.sum(axis=-1), w, p.sum(axis=-2))
    return po, pe


def cohen_kappa(t: npt.ArrayLike, weights: Weights = None) -> FloatArray:
    """Cohen's kappa (weighted if asked) of tables (..., k, k).

    :math:`\\kappa_w = (p_o - p_e)/(1 - p_e)`, :math:`p_o = \\sum w_{ij} p_{ij}`,
    :math:`p_e = \\sum w_{ij} p_{i+} p_{+j}`. NaN when n == 0 or :math:`p_e = 1` (both
    raters used one and the same category for every unit: chance explains everything).
    """
    return chance_corrected(*kappa_parts(t, weights))


def chance_corrected(po: npt.ArrayLike, pe: npt.ArrayLike) -> FloatArray:
    """:math:`(p_o - p_e)/(1 - p_e)`, NaN where :math:`1 - p_e` is 0 (undefined).

    Every two-rater coefficient here has this form, with its own weights in
    :math:`p_o` and its own chance term :math:`p_e` (:data:`PARTS`).
    """
    po_, pe_ = np.asarray(po, dtype=np.float64), np.asarray(pe, dtype=np.float64)
    return _safe_ratio(po_ - pe_, 1.0 - pe_)


def gwet_parts(t: npt.ArrayLike, weights: Weights = None) -> tuple[FloatArray, FloatArray]:
    """Observed and chance agreement of Gwet's AC1/AC2 (see :func:`gwet_ac`)."""
    t_ = np.asarray(t, dtype=np.float64)
    k = t_.shape[-1]
    if k < 2:
        nan = np.full(t_.shape[:-2], np.nan)
        return nan, nan.copy()
    w = weight_matrix(k, weights)
    _, p = _n_and_p(t_)
    po = percent_agreement(t_, weights)
    pi = (p.sum(axis=-1) + p.sum(axis=-2)) / 2.0
    pe = w.sum() / (k * (k - 1)) * np.sum(pi * (1.0 - pi), axis=-1)
    return po, pe


def gwet_ac(t: npt.ArrayLike, weights: Weights = None) -> FloatArray:
    """Gwet's AC1 (``weights=None``) or AC2 (weighted) of tables (..., k, k).

    :math:`AC = (p_o - p_e)/(1 - p_e)` with
    :math:`p_e = T_w/(k(k-1)) \\sum_c \\pi_c (1 - \\pi_c)`, :math:`\\pi_c` the mean of the
    two raters' marginal shares of category c and :math:`T_w = \\sum_{ij} w_{ij}`
    (:math:`T_w = k` unweighted). NaN when n == 0 or k < 2 (no chance term exists).
    """
    return chance_corrected(*gwet_parts(t, weights))


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


def alpha_parts(
    t: npt.ArrayLike, level: Level = "ordinal", values: npt.ArrayLike | None = None
) -> tuple[FloatArray, FloatArray]:
    """Krippendorff's alpha for two coders as :math:`(p_o - p_e)/(1 - p_e)`.

    With :math:`N = 2n` pairable values, :math:`D_o = \\sum o\\,\\delta^2 / N` (the mean
    disagreement of a pair, :math:`\\sum_{ij} p_{ij}\\delta^2_{ij}`),
    :math:`D_e = \\sum n_c n_k \\delta^2 / (N(N-1))` and :math:`M = \\max \\delta^2`:
    :math:`p_o = 1 - D_o/M` (the mean of the pairs' agreement scores
    :math:`1 - \\delta^2/M`, in [0, 1]) and :math:`p_e = 1 - D_e/M`, so that
    :math:`(p_o - p_e)/(1 - p_e) = 1 - D_o/D_e = \\alpha`
    (:func:`alpha_from_table`). Both NaN where fewer than two values or no disagreement
    is possible.
    """
    t_ = np.asarray(t, dtype=np.float64)
    k = t_.shape[-1]
    v = np.arange(k, dtype=np.float64) if values is None else np.asarray(values, float)
    o = t_ + np.swapaxes(t_, -1, -2)
    n_c = o.sum(axis=-1)
    big_n = n_c.sum(axis=-1)
    d2 = _delta2(n_c, v, level)
    top = d2.max(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        d_o = np.sum(o * d2, axis=(-2, -1)) / big_n
        d_e = np.einsum("...c,...ck,...k->...", n_c, d2, n_c) / (big_n * (big_n - 1.0))
        ok = (big_n >= 2) & (top > _EPS)
        po = np.where(ok, 1.0 - d_o / np.where(ok, top, 1.0), np.nan)
        pe = np.where(ok, 1.0 - d_e / np.where(ok, top, 1.0), np.nan)
    return po, pe


def pabak_parts(t: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """PABAK as :math:`(p_o - 1/k)/(1 - 1/k)` (see :func:`pabak`)."""
    t_ = np.asarray(t, dtype=np.float64)
    k = t_.shape[-1]
    po = percent_agreement(t_) if k >= 2 else np.full(t_.shape[:-2], np.nan)
    return po, np.full(np.shape(po), 1.0 / k)


def percent_parts(t: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Percent agreement as :math:`(p_o - 0)/(1 - 0)`."""
    po = percent_agreement(t)
    return po, np.zeros(np.shape(po))


PARTS: Final[dict[str, Callable[[npt.ArrayLike], tuple[FloatArray, FloatArray]]]] = {
    "percent_agreement": percent_parts,
    "kappa": kappa_parts,
    "kappa_linear": lambda t: kappa_parts(t, "linear"),
    "kappa_quadratic": lambda t: kappa_parts(t, "quadratic"),
    "ac1": gwet_parts,
    "ac2_linear": lambda t: gwet_parts(t, "linear"),
    "ac2_quadratic": lambda t: gwet_parts(t, "quadratic"),
    "pabak": pabak_parts,
    "alpha_nominal": lambda t: alpha_parts(t, "nominal"),
    "alpha_ordinal": lambda t: alpha_parts(t, "ordinal"),
    "alpha_interval": lambda t: alpha_parts(t, "interval"),
}
"""Coefficient name -> (observed agreement :math:`p_o` in [0, 1], chance term :math:`p_e`)
of stacked tables; the coefficient is :func:`chance_corrected` of the two."""


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


# ------------------------------------------------------------------- intervals
MIN_PAIRS: Final[int] = 10
"""Fewest rated pairs for which a coefficient is estimated; below it the estimate and
its interval are withheld (NaN) and the row says "too few to estimate". Intervals keep
at least 90% coverage (nominal 95%) from this size on in the validation simulations
(``docs/validation.md``)."""

N_EFF_CAP: Final[float] = 2.0
"""The equivalent binomial size of :func:`score_interval` is at most this many times
the number of pairs (a bootstrap of a few pairs can see too little variation)."""

_VAR_EPS: Final[float] = 1e-12  # bootstrap variances below this are rounding noise: no variation


def score_interval(
    po: npt.ArrayLike,
    pe: npt.ArrayLike,
    replicates: npt.ArrayLike,
    n_pairs: npt.ArrayLike,
    n_units: npt.ArrayLike,
    ci: float = 0.95,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
    """Interval of a coefficient :math:`\\theta = (p_o - p_e)/(1 - p_e)`: a Wilson score
    interval for :math:`p_o` at an effective size, mapped to :math:`\\theta`.

    Parameters
    ----------
    po, pe : array_like, shape (...)
        The estimate's observed agreement (in [0, 1]) and chance term (:data:`PARTS`).
    replicates : array_like, shape (..., n_boot)
        Cluster-bootstrap replicates of :math:`\\theta` (NaN where undefined).
    n_pairs, n_units : array_like of int, shape (...)
        Rated pairs and resampled units (portfolios).
    ci : float

    Returns
    -------
    low, high : ndarray, shape (...)
        NaN where :math:`\\theta` is undefined.
    n_undefined : ndarray of int, shape (...)
        Replicates where :math:`\\theta` is undefined (left out of the variance,
        counted, never dropped silently).

    Notes
    -----
    The bootstrap gives the standard error of :math:`\\theta`, with the variation of the
    chance term and the clustering of pairs within portfolios; on the scale of
    :math:`p_o` it is :math:`s = \\mathrm{se}(\\theta)(1 - p_e)`, inflated by
    :math:`m/(m-1)` (m units; the bootstrap variance is the plug-in one). The
    effective size is :math:`n^* = \\hat p_o(1 - \\hat p_o)/s^2`, at most
    :data:`N_EFF_CAP` times the pairs; where the data show no variation (all pairs
    agree, or every replicate is equal) :math:`n^* = m`. The Wilson score interval of
    :math:`\\hat p_o` at :math:`n^*` with the quantile of Student's t on :math:`m - 1`
    degrees of freedom, :math:`[L, U]`, gives
    :math:`[(L - p_e)/(1 - p_e), (U - p_e)/(1 - p_e)]`. Unlike the percentile bootstrap
    it never has zero width when all pairs agree (Wilson's interval of 10 agreements
    of 10 is [0.69, 1]), and it respects the bounds of :math:`p_o`. Coverage checked by
    simulation (``validation/agreement_intervals.py``): at least 90% for every
    coefficient from :data:`MIN_PAIRS` pairs on.

    References
    ----------
    Wilson, E. B. (1927). JASA 22(158), 209-212. Kish, L. (1965). Survey Sampling
    (effective sample size). Korn, E. L. & Graubard, B. I. (1998). Confidence intervals
    for proportions with small expected number of positive counts estimated from survey
    data. Survey Methodology 24(2), 193-201.
    """
    po_, pe_ = np.asarray(po, dtype=np.float64), np.asarray(pe, dtype=np.float64)
    reps = np.asarray(replicates, dtype=np.float64)
    n = np.asarray(n_pairs, dtype=np.float64)
    m = np.asarray(n_units, dtype=np.float64)
    undefined = np.isnan(reps).sum(axis=-1).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN replicates: handled below
        se = np.nanstd(reps, axis=-1, ddof=1)
        var_p = (se * (1.0 - pe_)) ** 2 * m / (m - 1.0)
        q = po_ * (1.0 - po_)
        varied = np.nan_to_num(var_p) > _VAR_EPS
        n_eff = np.where(varied & (q > 0), q / np.where(varied, var_p, 1.0), m)
        n_eff = np.clip(n_eff, 1.0, N_EFF_CAP * n)
        z = stats.t.ppf(0.5 + ci / 2.0, np.maximum(m - 1.0, 1.0))
        denom = 1.0 + z * z / n_eff
        centre = (po_ + z * z / (2.0 * n_eff)) / denom
        half = z * np.sqrt(q / n_eff + z * z / (4.0 * n_eff * n_eff)) / denom
        low_p = np.where(po_ <= 0.0, 0.0, np.clip(centre - half, 0.0, 1.0))  # exact ends
        high_p = np.where(po_ >= 1.0, 1.0, np.clip(centre + half, 0.0, 1.0))
        low = chance_corrected(low_p, pe_)
        high = chance_corrected(high_p, pe_)
    ok = ~np.isnan(chance_corrected(po_, pe_)) & (m >= 2)
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan), undefined


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
