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

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

__all__ = ["p_chart", "special_cause_rules", "funnel_limits", "D2"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

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


def p_chart(
    k: npt.ArrayLike,
    n: npt.ArrayLike,
    *,
    baseline: npt.ArrayLike | None = None,
    laney: bool = False,
    run: int = 7,
) -> pd.DataFrame:
    """p chart (or Laney p' chart) of ``k`` events out of ``n`` per subgroup, in order.

    Parameters
    ----------
    k, n : array_like of int, shape (m,)
        Events and subgroup sizes, subgroups in time order; ``n > 0``.
    baseline : array_like of bool, shape (m,), optional
        Subgroups that set the centre line (and Laney's sigma_z); all when None.
    laney : bool
        Multiply sigma_i by Laney's sigma_z (the p' chart) for overdispersion.
    run : int
        Points for the shift and trend rules.

    Returns
    -------
    DataFrame, m rows
        ``n, k, rate, centre, sigma, lcl, ucl, lower2, upper2, z, sigma_z``, the rule
        flags of :func:`special_cause_rules`, ``special_cause`` (any rule) and ``signal``
        (the rules that fired, "; "-joined, "" when none).

    Notes
    -----
    Centre :math:`\\bar p = \\sum_b k / \\sum_b n` over the baseline; per subgroup
    :math:`\\sigma_i = \\sqrt{\\bar p(1-\\bar p)/n_i}`; limits :math:`\\bar p \\pm
    3\\sigma_i` and 2-sigma lines :math:`\\bar p \\pm 2\\sigma_i`, clipped to [0, 1]
    (Montgomery 2009, eq. 7.8; qicharts2 ``qic.p``). Laney (2002):
    :math:`z_i = (p_i - \\bar p)/\\sigma_i`, :math:`\\sigma_z = \\overline{MR}(z)/1.128`
    over the baseline's consecutive subgroups, and :math:`\\sigma_i` is replaced by
    :math:`\\sigma_i\\sigma_z` (qicharts2 ``qic.pp``, unscreened moving ranges). With
    fewer than two baseline subgroups sigma_z is NaN and so are the limits.
    """
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
    rate = k_ / n_
    centre = k_[base].sum() / n_[base].sum()
    sigma = np.sqrt(centre * (1.0 - centre) / n_)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (rate - centre) / sigma
    sigma_z = np.nan
    if laney:
        zb = z[base]
        sigma_z = float(np.mean(np.abs(np.diff(zb))) / D2) if zb.size >= 2 else np.nan
        sigma = sigma * sigma_z
    lcl = np.clip(centre - 3.0 * sigma, 0.0, 1.0)
    ucl = np.clip(centre + 3.0 * sigma, 0.0, 1.0)
    lower2 = np.clip(centre - 2.0 * sigma, 0.0, 1.0)
    upper2 = np.clip(centre + 2.0 * sigma, 0.0, 1.0)
    flags = special_cause_rules(rate, centre, lcl, ucl, lower2, upper2, run=run)
    out = pd.DataFrame(
        {
            "n": n_.astype(np.int64),
            "k": k_.astype(np.int64),
            "rate": rate,
            "centre": np.full(k_.shape, centre),
            "sigma": sigma,
            "lcl": lcl,
            "ucl": ucl,
            "lower2": lower2,
            "upper2": upper2,
            "z": z,
            "sigma_z": np.full(k_.shape, sigma_z),
            "baseline": base,
        }
    )
    for name, f in flags.items():
        out[name] = f
    fired = np.column_stack([flags[r] for r in RULE_LABELS])
    out["special_cause"] = fired.any(axis=1)
    labels = np.array(list(RULE_LABELS.values()))
    out["signal"] = ["; ".join(labels[row]) for row in fired]
    return out


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
