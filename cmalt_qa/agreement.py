"""Inter-assessor agreement, section by section, with cluster-bootstrap intervals.

Every portfolio section is rated by a lead and a second assessor on the ordered scale
S > A > R, and then given an agreed final rating. This module measures how well the two
assessors agree and what happens when they do not.

Coefficients (pure functions of two raters' ratings): :func:`percent_agreement`,
:func:`cohen_kappa` (unweighted, linear, quadratic), :func:`gwet_ac` (AC1, AC2),
:func:`pabak`, and :func:`krippendorff_alpha` (any number of coders, missing values,
four levels of measurement). Tables: :func:`by_section` (every coefficient per group
with intervals from a bootstrap that resamples portfolios; estimates withheld below
:data:`~cmalt_qa._agreement_core.MIN_PAIRS` pairs), :func:`trend` (periods standardised
to one mix of sections), :func:`confusion` (lead x second
counts) and :func:`resolution` (whom the final decision followed when they differed).

Rating input: S/A/R codes (any case, or the words Strong / Adequate / Revisions
required) are placed on the full three-point scale R < A < S whether or not each level
occurs, since the scale changes chance terms and weights. Numbers use the levels that
occur (in either rater, paired or not) unless ``categories=`` is given. Weighted
coefficients weight by position on the scale (rank), as Cohen (1968), scikit-learn and
irrCAC's table functions do. Pairs where either rating is missing are dropped.

References
----------
Cohen, J. (1960). A coefficient of agreement for nominal scales. Educ. Psychol. Meas.
20, 37-46. Cohen, J. (1968). Weighted kappa. Psychol. Bull. 70(4), 213-220.
Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the presence
of high agreement. Br. J. Math. Stat. Psychol. 61, 29-48. Gwet, K. L. (2014). Handbook
of Inter-Rater Reliability, 4th ed. Byrt, T., Bishop, J. & Carlin, J. B. (1993). Bias,
prevalence and kappa. J. Clin. Epidemiol. 46(5), 423-429. Krippendorff, K. (2011).
Computing Krippendorff's alpha-reliability; Krippendorff, K. (2019). Content Analysis,
4th ed. Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a standard
reliability measure for coding data. Commun. Methods Meas. 1(1), 77-89. Feinstein,
A. R. & Cicchetti, D. V. (1990). High agreement but low kappa: I. The problems of two
paradoxes. J. Clin. Epidemiol. 43(6), 543-549.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import _agreement_core as core
from . import _bootstrap, _stats
from ._analysis import as_tuple, check_args, check_by, filter_types, groups
from .records import Records
from .scheme import RATING_SCORE, RATINGS

__all__ = [
    "percent_agreement",
    "cohen_kappa",
    "gwet_ac",
    "pabak",
    "krippendorff_alpha",
    "by_section",
    "confusion",
    "resolution",
    "trend",
    "COEFFICIENTS",
    "PARADOX_RULE",
]

Weights = Literal["linear", "quadratic"] | None
Level = Literal["nominal", "ordinal", "interval", "ratio"]

# Scale order used for tables: index = RATING_SCORE (R=0, A=1, S=2).
_SCALE: Final[tuple[str, ...]] = tuple(sorted(RATINGS, key=RATING_SCORE.__getitem__))
_WORDS: Final[dict[str, str]] = {
    "s": "S", "strong": "S",
    "a": "A", "adequate": "A",
    "r": "R", "revisions required": "R", "revision required": "R", "revisions": "R",
}  # fmt: skip
_DEFAULT_TYPES: Final[tuple[str, ...]] = ("first", "resubmission")

COEFFICIENTS: Final[dict[str, Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]]] = {
    name: (lambda t, parts=parts: core.chance_corrected(*parts(t)))
    for name, parts in core.PARTS.items()
}
"""Column name -> function of stacked k x k tables (..., k, k) -> (...)."""

PARADOX_RULE: Final[dict[str, float]] = {
    "min_percent_agreement": 0.80,
    "min_dominant_share": 0.80,
    "max_kappa": 0.40,
    "min_ac1_minus_kappa": 0.20,
}
"""Thresholds of the ``kappa_paradox`` flag of :func:`by_section`: high agreement with low
kappa because one rating dominates (Feinstein & Cicchetti 1990): percent agreement >= 0.80,
dominant share >= 0.80, and kappa < 0.40 or AC1 - kappa >= 0.20 or kappa undefined (one
rating only); never set below :data:`~cmalt_qa._agreement_core.MIN_PAIRS` pairs."""


# ----------------------------------------------------------------------------- input
def _is_missing(x: object) -> bool:
    if isinstance(x, str):
        return x.strip() == ""
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _rating_code(x: str) -> int:
    key = " ".join(x.strip().lower().replace("-", " ").split())
    if key not in _WORDS:
        raise ValueError(
            f"unknown rating {x!r}: expected S, A or R (or Strong, Adequate, Revisions required)"
        )
    return RATING_SCORE[_WORDS[key]]


def _encode(
    arrays: Sequence[npt.ArrayLike], categories: Sequence[float] | None
) -> tuple[list[npt.NDArray[np.int64]], npt.NDArray[np.float64]]:
    """Integer codes (-1 = missing) on one scale for each array, and the scale's values.

    S/A/R strings give codes 0..2 (R, A, S) with values [0, 1, 2]; numbers give the
    position among the sorted levels present (or ``categories``) and those levels.
    """
    flat = [np.asarray(a).ravel() for a in arrays]
    shapes = [np.shape(a) for a in arrays]
    n = sum(len(f) for f in flat)
    codes = np.full(n, -1, dtype=np.int64)
    if all(f.dtype.kind in "fiub" for f in flat):
        # Numeric fast path: no per-item Python work.
        items = np.concatenate([f.astype(np.float64) for f in flat]) if flat else np.empty(0)
        # pd.factorize hashes (NaN -> -1); cheaper than np.unique's sort on long inputs
        fcodes, uniq = pd.factorize(items, use_na_sentinel=True)
        ok = fcodes >= 0
        inverse = fcodes[ok]
        kinds = np.zeros(len(uniq), dtype=np.int8)  # 0 = number
        uniq_obj: npt.NDArray[np.object_] = np.asarray(uniq, dtype=object)
    else:
        # Classify each distinct value once (pd.factorize), not each item.
        # (dtype=object from the input itself: np.asarray(["S", 1]) would make 1 a string)
        items_o = (
            np.concatenate([np.asarray(a, dtype=object).ravel() for a in arrays])
            if flat
            else np.empty(0, object)
        )
        fcodes, uniq_obj = pd.factorize(items_o, use_na_sentinel=True)
        uniq_obj = np.asarray(uniq_obj, dtype=object)
        kinds = np.array(
            [1 if _is_missing(u) else 2 if isinstance(u, str) else 0 for u in uniq_obj],
            dtype=np.int8,
        )  # 1 missing, 2 text
        ok = fcodes >= 0
        ok[ok] = kinds[fcodes[ok]] != 1
        inverse = fcodes[ok]
    seen = np.bincount(inverse, minlength=len(kinds)) > 0  # distinct values that occur
    present_kinds = np.unique(kinds[seen])
    if len(present_kinds) == 1 and present_kinds[0] == 2:
        if categories is not None:
            raise TypeError(
                "categories= applies to numeric ratings; S/A/R ratings are "
                "always on the full three-point scale"
            )
        ucodes = np.array(
            [_rating_code(u) if k == 2 else -1 for u, k in zip(uniq_obj, kinds)], dtype=np.int64
        )
        codes[ok] = ucodes[inverse]
        values = np.arange(len(_SCALE), dtype=np.float64)
    elif 2 in present_kinds:
        raise TypeError("ratings mix text codes and numbers; use one or the other")
    else:
        try:
            unums = np.array(
                [np.nan if k != 0 else u for u, k in zip(uniq_obj, kinds)], dtype=np.float64
            )
        except (TypeError, ValueError) as e:
            raise TypeError(f"ratings must be S/A/R codes or numbers: {e}") from None
        # Work on the distinct values, then map back through ``inverse``.
        used = np.unique(unums[seen])
        if categories is None:
            values = used
        else:
            values = np.unique(np.asarray(categories, dtype=np.float64))
            unknown = np.setdiff1d(used, values)
            if len(unknown):
                raise ValueError(
                    f"ratings {unknown.tolist()} are not in categories {values.tolist()}"
                )
        codes[ok] = np.searchsorted(values, unums)[inverse]
    out, start = [], 0
    for f, s in zip(flat, shapes):
        out.append(codes[start : start + len(f)].reshape(s))
        start += len(f)
    return out, values


def _table(
    a: npt.ArrayLike, b: npt.ArrayLike, categories: Sequence[float] | None
) -> npt.NDArray[np.int64]:
    """k x k table of the complete pairs of two raters (see module notes on the scale)."""
    if np.ndim(a) != 1 or np.ndim(b) != 1 or np.shape(a) != np.shape(b):
        raise ValueError(
            f"a and b must be one-dimensional and of equal length, got "
            f"shapes {np.shape(a)} and {np.shape(b)}"
        )
    (ca, cb), values = _encode([a, b], categories)
    return _stats.contingency(ca, cb, max(len(values), 1))


def _columns(
    a: npt.ArrayLike | str, b: npt.ArrayLike | str, data: pd.DataFrame | None
) -> tuple[npt.ArrayLike, npt.ArrayLike]:
    """``a`` and ``b`` themselves, or the columns they name in the tidy frame ``data``."""
    if data is None:
        return a, b  # type: ignore[return-value]
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame, got {type(data).__name__}")
    missing = [c for c in (a, b) if not isinstance(c, str) or c not in data.columns]
    if missing:
        raise ValueError(f"with data=, a and b name its columns; not found: {missing} "
                         f"(columns: {list(data.columns)})")  # fmt: skip
    return data[a].to_numpy(), data[b].to_numpy()  # type: ignore[index]


# ---------------------------------------------------------------------- coefficients
def percent_agreement(
    a: npt.ArrayLike | str,
    b: npt.ArrayLike | str,
    *,
    categories: Sequence[float] | None = None,
    data: pd.DataFrame | None = None,
) -> float:
    """Share of complete pairs on which the two raters agree exactly.

    Parameters
    ----------
    a, b : array_like, shape (n_units,)
        Ratings: S/A/R codes (or the long words) or numbers; missing = NaN/None/blank.
    categories : sequence of float, optional
        The numeric scale, when numbers are given (checked to contain every rating).
    data : DataFrame, optional
        A tidy frame, one row per unit: ``a`` and ``b`` are then the names of its two
        raters' columns (as in pingouin and seaborn).

    Returns
    -------
    float
        :math:`p_o = \\frac{1}{n}\\sum_i [a_i = b_i]`; NaN when no pair is complete.

    Examples
    --------
    >>> percent_agreement(["S", "A", "A", "R"], ["S", "A", "S", "R"])
    0.75
    >>> import pandas as pd
    >>> ratings = pd.DataFrame({"lead": ["S", "A", "A", "R"], "second": ["S", "A", "S", "R"]})
    >>> percent_agreement("lead", "second", data=ratings)
    0.75
    """
    a, b = _columns(a, b, data)
    a_, b_ = np.asarray(a), np.asarray(b)
    if (
        categories is None
        and a_.ndim == 1
        and a_.shape == b_.shape
        and a_.dtype.kind in "fiu"
        and b_.dtype.kind in "fiu"
    ):
        # Numeric fast path (same result as the table route): no encoding needed.
        fa, fb = a_.astype(np.float64), b_.astype(np.float64)
        ok = ~(np.isnan(fa) | np.isnan(fb))
        return float(np.mean(fa[ok] == fb[ok])) if ok.any() else float("nan")
    return float(core.percent_agreement(_table(a, b, categories)))


def cohen_kappa(
    a: npt.ArrayLike | str,
    b: npt.ArrayLike | str,
    weights: Weights = None,
    *,
    categories: Sequence[float] | None = None,
    data: pd.DataFrame | None = None,
) -> float:
    """Cohen's kappa, unweighted or with linear or quadratic weights.

    Parameters
    ----------
    a, b : array_like, shape (n_units,), or column names with ``data``
        See :func:`percent_agreement`.
    weights : {None, "linear", "quadratic"}
        Agreement weights from scale positions i, j of k categories: none (identity),
        :math:`1 - |i-j|/(k-1)` or :math:`1 - (i-j)^2/(k-1)^2`.
    categories : sequence of float, optional
    data : DataFrame, optional
        A tidy frame whose columns ``a`` and ``b`` name (see :func:`percent_agreement`).

    Returns
    -------
    float
        NaN when no pair is complete, or when chance agreement is 1 (both raters used
        one and the same category for every unit: there is nothing to correct for).

    Notes
    -----
    :math:`\\kappa_w = (p_o - p_e)/(1 - p_e)` with :math:`p_o = \\sum_{ij} w_{ij}p_{ij}`
    and :math:`p_e = \\sum_{ij} w_{ij} p_{i+}p_{+j}` (Cohen 1960, 1968). Quadratic
    kappa equals the ICC of consistency under some conditions (Fleiss & Cohen 1973).
    Checked against ``sklearn.metrics.cohen_kappa_score(a, b, weights=...)`` and
    ``statsmodels.stats.inter_rater.cohens_kappa``.

    References
    ----------
    Cohen (1960), Educ. Psychol. Meas. 20, 37-46; Cohen (1968), Psychol. Bull. 70, 213-220.

    Examples
    --------
    A 2 x 2 table worked by hand (p_o = 0.70, p_e = 0.5 x 0.6 + 0.5 x 0.4 = 0.50):

    >>> a = ["S"] * 40 + ["S"] * 10 + ["R"] * 20 + ["R"] * 30
    >>> b = ["S"] * 40 + ["R"] * 10 + ["S"] * 20 + ["R"] * 30
    >>> round(cohen_kappa(a, b), 3)
    0.4
    >>> round(cohen_kappa([1, 2, 3, 3], [1, 2, 2, 3], "quadratic"), 3)
    0.8
    """
    a, b = _columns(a, b, data)
    return float(core.cohen_kappa(_table(a, b, categories), weights))


def gwet_ac(
    a: npt.ArrayLike | str,
    b: npt.ArrayLike | str,
    weights: Weights = None,
    *,
    categories: Sequence[float] | None = None,
    data: pd.DataFrame | None = None,
) -> float:
    """Gwet's AC1 (unweighted) or AC2 (linear or quadratic weights).

    Parameters
    ----------
    a, b : array_like, shape (n_units,)
    weights : {None, "linear", "quadratic"}
        As :func:`cohen_kappa`.
    categories : sequence of float, optional
    data : DataFrame, optional
        A tidy frame whose columns ``a`` and ``b`` name (see :func:`percent_agreement`).

    Returns
    -------
    float
        NaN when no pair is complete or the scale has fewer than two categories.

    Notes
    -----
    :math:`AC = (p_o - p_e)/(1 - p_e)`, :math:`p_o = \\sum w_{ij} p_{ij}`,
    :math:`p_e = \\frac{T_w}{k(k-1)}\\sum_c \\pi_c(1-\\pi_c)`, where
    :math:`\\pi_c = (p_{c+} + p_{+c})/2` and :math:`T_w = \\sum_{ij} w_{ij}` (Gwet 2008,
    eq. for AC1; Gwet 2014, ch. 3 for AC2). Unlike kappa, AC1's chance term shrinks as
    one category dominates, so it resists the prevalence paradox. Checked against
    ``irrCAC.table.CAC(table, weights=...).gwet()``.

    References
    ----------
    Gwet (2008), Br. J. Math. Stat. Psychol. 61, 29-48; Gwet (2014), Handbook of
    Inter-Rater Reliability, 4th ed.

    Examples
    --------
    On the three-point scale, as ``irrCAC.raw.CAC(frame, categories=["R", "A", "S"])``
    gives it (0.88539 and 0.78571):

    >>> round(gwet_ac(["A"] * 9 + ["S"], ["A"] * 8 + ["S", "S"]), 3)
    0.885
    >>> import pandas as pd
    >>> ratings = pd.DataFrame({"lead": ["A", "S", "R"], "second": ["A", "S", "A"]})
    >>> round(gwet_ac("lead", "second", "quadratic", data=ratings), 3)
    0.786
    """
    a, b = _columns(a, b, data)
    return float(core.gwet_ac(_table(a, b, categories), weights))


def pabak(
    a: npt.ArrayLike | str,
    b: npt.ArrayLike | str,
    *,
    categories: Sequence[float] | None = None,
    data: pd.DataFrame | None = None,
) -> float:
    """Prevalence- and bias-adjusted kappa for k categories.

    Returns
    -------
    float
        :math:`(k p_o - 1)/(k - 1)`, the kappa that balanced marginals (chance
        agreement 1/k) would give; NaN when no pair is complete or k < 2.

    Notes
    -----
    For k = 2 this is Byrt, Bishop & Carlin's :math:`2p_o - 1`; for k categories it is
    Brennan & Prediger's (1981) coefficient, checked against ``irrCAC...bp()``.

    References
    ----------
    Byrt, Bishop & Carlin (1993), J. Clin. Epidemiol. 46, 423-429; Brennan, R. L. &
    Prediger, D. J. (1981), Educ. Psychol. Meas. 41, 687-699.

    Examples
    --------
    >>> round(pabak(["S", "A", "A", "R"], ["S", "A", "S", "R"]), 3)
    0.625
    """
    a, b = _columns(a, b, data)
    return float(core.pabak(_table(a, b, categories)))


def krippendorff_alpha(
    data: npt.ArrayLike | pd.DataFrame,
    level: Level = "ordinal",
    *,
    coders: Sequence[str] | None = None,
) -> float:
    """Krippendorff's alpha for any number of coders, with missing values.

    Parameters
    ----------
    data : array_like or DataFrame, shape (n_coders, n_units)
        Ratings, NaN/None/blank = missing: S/A/R codes (scored R=0, A=1, S=2 with
        :data:`cmalt_qa.scheme.RATING_SCORE`) or numbers.
    level : {"nominal", "ordinal", "interval", "ratio"}
    coders : sequence of str, optional
        With a tidy frame (one row per unit), the columns holding the coders' ratings.

    Returns
    -------
    float
        NaN when fewer than two pairable values exist (no unit has two ratings) or all
        pairable values are equal (expected disagreement 0).

    Notes
    -----
    Coincidences :math:`o_{ck} = \\sum_u n_{uc}(n_{uk} - [c=k])/(m_u - 1)` over units
    with :math:`m_u \\ge 2` values; :math:`\\alpha = 1 - (n-1)\\sum o_{ck}\\delta^2_{ck}
    / \\sum n_c n_k \\delta^2_{ck}` with the metric of the level: nominal
    :math:`[c \\ne k]`, ordinal :math:`(\\sum_{g=c}^{k} n_g - (n_c+n_k)/2)^2`, interval
    :math:`(c-k)^2`, ratio :math:`((c-k)/(c+k))^2`. Checked against
    ``krippendorff.alpha(reliability_data, level_of_measurement=level)`` and
    Krippendorff's (2011) worked example.

    References
    ----------
    Krippendorff (2011), Computing Krippendorff's alpha-reliability; Krippendorff
    (2019), Content Analysis, 4th ed., ch. 12; Hayes & Krippendorff (2007).

    Examples
    --------
    Krippendorff's (2011) example, 4 coders x 12 units, nominal alpha 0.743:

    >>> import numpy as np
    >>> nan = np.nan
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> round(krippendorff_alpha(data, "nominal"), 3)
    0.743

    A tidy frame, one row per unit (``krippendorff.alpha`` gives 0.75 too):

    >>> import pandas as pd
    >>> units = pd.DataFrame({"lead": ["S", "A", "R", "A"], "second": ["S", "A", "A", "A"]})
    >>> round(krippendorff_alpha(units, "ordinal", coders=["lead", "second"]), 3)
    0.75
    """
    if coders is not None:  # a tidy frame: one row per unit, one column per coder
        if not isinstance(data, pd.DataFrame):
            raise TypeError("coders= names the columns of a tidy DataFrame given as data")
        data = data[list(coders)].T
    arr = np.asarray(data.to_numpy() if isinstance(data, pd.DataFrame) else data, object)
    if arr.ndim != 2:
        raise ValueError(f"data must be coders x units (2-D), got shape {arr.shape}")
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise ValueError(f"level must be nominal, ordinal, interval or ratio, not {level!r}")
    (codes,), values = _encode([arr], None)
    if len(values) == 0:
        return float("nan")
    o = core.coincidence(codes, len(values))
    return float(core.alpha_from_coincidence(o, values, level))


# ------------------------------------------------------------------------- tables
def _prepare(
    recs: Records, by: Sequence[str] | str, submission_types: Sequence[str] | None
) -> tuple[pd.DataFrame, list[str]]:
    """Rating rows with ``by`` columns, filtered by type; lead/second/final as codes."""
    by_ = list(
        check_by(
            by,
            [*recs.ratings.columns, *recs.submissions.columns],
            what="rating or submission columns",
        )
    )
    extra = [c for c in by_ if c not in recs.ratings.columns]
    df = filter_types(
        recs.merged(tuple(dict.fromkeys([*extra, "submission_type", "portfolio_id"]))),
        submission_types,
    )
    out = df[[*dict.fromkeys([*by_, "submission_id", "portfolio_id"])]].copy()
    for col in ("lead", "second", "final"):
        out[col] = df[col].map(RATING_SCORE).fillna(-1).astype(np.int64).to_numpy()
    return out.reset_index(drop=True), by_


def _replicate_tables(
    grouped: list[tuple[tuple[object, ...], pd.DataFrame]], n_boot: int, seed: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Tables (groups, 1 + n_boot, k, k): estimate first, then replicates.

    Each group resamples its portfolios with its own generator (seed and group key,
    :func:`cmalt_qa._bootstrap.group_rng`). Also returns, per group, the submissions and
    the portfolios with at least one rated pair.
    """
    k = len(_SCALE)
    out = np.zeros((len(grouped), 1 + n_boot, k, k))
    n_subs = np.zeros(len(grouped), dtype=np.int64)
    n_units = np.zeros(len(grouped), dtype=np.int64)
    for g, (key, f) in enumerate(grouped):
        lead, second = f["lead"].to_numpy(), f["second"].to_numpy()
        pair = (lead >= 0) & (second >= 0)
        unit, n_units[g] = _bootstrap.unit_codes(f["portfolio_id"].to_numpy()[pair])
        n_subs[g] = len(pd.unique(f["submission_id"].to_numpy()[pair]))
        out[g] = core.resampled_tables(
            unit,
            lead[pair],
            second[pair],
            int(n_units[g]),
            k,
            n_boot,
            _bootstrap.group_rng(seed, key),
        )
    return out, n_subs, n_units


def by_section(
    recs: Records,
    by: Sequence[str] | str = ("section",),
    *,
    submission_types: Sequence[str] | None = _DEFAULT_TYPES,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Lead-second agreement per group, every coefficient with a bootstrap interval.

    Parameters
    ----------
    recs : Records
    by : sequence of str
        Rating or submission columns (section, pathway, window, year, attempt, sector,
        submission_type, ...); ``()`` for one overall row. Missing keys form a group.
    submission_types : sequence of str or None
        Default first submissions and resubmissions: 3-yearly reviews are a different
        population (SCHEME.md), left out unless asked; None = all.
    ci, n_boot : float, int
        Confidence level; bootstrap replicates (at least 1).
    seed : int
        With the group's key, seeds the group's own generator: a group's interval does
        not depend on which other groups exist (:func:`cmalt_qa._bootstrap.group_rng`).

    Returns
    -------
    DataFrame, one row per group
        The ``by`` columns; ``n`` (rated pairs), ``n_rows`` (rating rows),
        ``recorded_share`` (n / n_rows), ``n_submissions``, ``n_portfolios`` (with a
        pair; the bootstrap units), ``too_few`` (fewer than ``MIN_PAIRS`` pairs: every
        estimate withheld, "too few to estimate"); for each name in
        :data:`COEFFICIENTS` ``<name>``, ``<name>_ci_low``, ``<name>_ci_high`` and
        ``<name>_n_boot_undefined`` (replicates where it is undefined); the rating most
        used by the two together, ``dominant_rating``, its ``dominant_share``;
        ``kappa_paradox`` (bool). ``attrs["min_pairs"]``.

    Notes
    -----
    Sections of a portfolio are not independent, nor are a first submission and its
    resubmission (the same portfolio), so the bootstrap resamples portfolios within each
    group and recomputes every coefficient from the resampled 3 x 3 table (per-portfolio
    tables summed under the resampling counts: all replicates in one matrix product).
    Intervals: :func:`cmalt_qa._agreement_core.score_interval` (a Wilson interval at an
    effective size from the bootstrap, never of zero width; coverage by simulation in
    ``docs/validation.md``). Fewer than :data:`~cmalt_qa._agreement_core.MIN_PAIRS`
    pairs: estimate withheld (``too_few``). ``kappa_paradox``: see :data:`PARADOX_RULE`;
    where it is set read AC1/AC2 or PABAK, which resist it, rather than kappa.

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> t = by_section(recs, by=(), n_boot=100)
    >>> bool(t["too_few"].iloc[0]), bool(t["kappa_ci_low"].iloc[0] < t["kappa"].iloc[0])
    (False, True)
    >>> sections = by_section(recs, n_boot=100)
    >>> bool(sections["too_few"].any())  # optional sections of 40 portfolios: few pairs
    True
    """
    check_args(recs, by, submission_types=submission_types, ci=ci, n_boot=n_boot, seed=seed)
    df, by_ = _prepare(recs, by, submission_types)
    grouped = list(groups(df, by_))
    tables, n_subs, n_units = _replicate_tables(grouped, int(n_boot), seed)
    n = tables[:, 0].sum(axis=(-2, -1))
    n_rows = np.array([len(f) for _, f in grouped], dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        cols: dict[str, object] = {
            "n": n.astype(np.int64),
            "n_rows": n_rows,
            "recorded_share": n / n_rows,
            "n_submissions": n_subs,
            "n_portfolios": n_units,
            "too_few": n < core.MIN_PAIRS,
        }
    cols.update(_coefficient_columns(tables, n_units, ci))
    cols.update(_paradox_columns(tables[:, 0], cols))
    keys = [k for k, _ in grouped]
    keys_df = pd.DataFrame(keys, columns=by_) if by_ else pd.DataFrame(index=[0])
    out = pd.concat([keys_df.reset_index(drop=True), pd.DataFrame(cols)], axis=1)
    out.attrs["min_pairs"] = core.MIN_PAIRS
    return out


def _coefficient_columns(
    tables: npt.NDArray[np.float64], n_units: npt.NDArray[np.int64], ci: float
) -> dict[str, npt.NDArray[np.float64]]:
    """``<name>``, ``<name>_ci_low``, ``<name>_ci_high``, ``<name>_n_boot_undefined`` for
    every coefficient, withheld (NaN) below :data:`~cmalt_qa._agreement_core.MIN_PAIRS`."""
    n = tables[:, 0].sum(axis=(-2, -1))
    withheld = n < core.MIN_PAIRS
    cols: dict[str, npt.NDArray[np.float64]] = {}
    for name, parts in core.PARTS.items():
        po, pe = parts(tables)  # (groups, 1 + n_boot)
        theta = core.chance_corrected(po, pe)
        low, high, undefined = core.score_interval(po[:, 0], pe[:, 0], theta[:, 1:], n, n_units, ci)
        cols[name] = np.where(withheld, np.nan, theta[:, 0])
        cols[f"{name}_ci_low"] = np.where(withheld, np.nan, low)
        cols[f"{name}_ci_high"] = np.where(withheld, np.nan, high)
        cols[f"{name}_n_boot_undefined"] = undefined
    return cols


def _paradox_columns(table: npt.NDArray[np.float64], cols: dict[str, object]) -> dict[str, object]:
    """``dominant_rating``, ``dominant_share`` and ``kappa_paradox`` (:data:`PARADOX_RULE`)."""
    n = table.sum(axis=(-2, -1))
    pooled = table.sum(axis=-1) + table.sum(axis=-2)  # (groups, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = pooled / pooled.sum(axis=-1, keepdims=True)
    top = np.argmax(pooled, axis=-1)
    dom_share = share[np.arange(len(table)), top]
    r = PARADOX_RULE
    kappa, ac1, pa = (np.asarray(cols[c], float) for c in ("kappa", "ac1", "percent_agreement"))
    with np.errstate(invalid="ignore"):
        low_kappa = (
            (kappa < r["max_kappa"]) | (ac1 - kappa >= r["min_ac1_minus_kappa"]) | np.isnan(kappa)
        )
        paradox = (
            (pa >= r["min_percent_agreement"]) & (dom_share >= r["min_dominant_share"]) & low_kappa
        )
    return {
        "dominant_rating": [(_SCALE[i] if m > 0 else np.nan) for i, m in zip(top, n)],
        "dominant_share": dom_share,
        "kappa_paradox": paradox & (n >= core.MIN_PAIRS),
    }


def confusion(
    recs: Records,
    by: Sequence[str] | str = ("section",),
    *,
    submission_types: Sequence[str] | None = _DEFAULT_TYPES,
) -> pd.DataFrame:
    """Lead x second counts per group, as a tidy long table.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``lead``, ``second`` (S, A, R: all nine combinations per
        group, zeros included), ``n`` (rated pairs in that cell) and ``share`` (of the
        group's rated pairs; NaN for a group with none).

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> t = confusion(recs, by=())
    >>> len(t), list(t.columns)
    (9, ['lead', 'second', 'n', 'share'])
    """
    check_args(recs, by, submission_types=submission_types)
    df, by_ = _prepare(recs, by, submission_types)
    k = len(_SCALE)
    rows = []
    for key, f in groups(df, by_):
        t = _stats.contingency(f["lead"].to_numpy(), f["second"].to_numpy(), k)
        total = t.sum()
        for lead in RATINGS:
            for second in RATINGS:
                c = int(t[RATING_SCORE[lead], RATING_SCORE[second]])
                rows.append((*key, lead, second, c, c / total if total else np.nan))
    return pd.DataFrame(rows, columns=[*by_, "lead", "second", "n", "share"]).astype(
        {"n": np.int64, "share": np.float64}
    )


_FOLLOWED: Final[tuple[str, ...]] = ("lead", "second", "neither")
_DIRECTION: Final[tuple[str, ...]] = ("more severe", "more lenient", "neither")


def resolution(
    recs: Records,
    by: Sequence[str] | str = ("section",),
    *,
    submission_types: Sequence[str] | None = _DEFAULT_TYPES,
    n_boot: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
) -> pd.DataFrame:
    """When lead and second differ, which way did the agreed final rating go?

    Two classifications of the same disagreements (they overlap: following the lead
    may also be following the more severe rating), each with its counts and shares:

    - ``followed``: the final equals the ``lead``'s rating, the ``second``'s, or
      ``neither`` (a third rating, e.g. A between S and R);
    - ``direction``: the final equals the ``more severe`` of the two (nearer R), the
      ``more lenient`` (nearer S), or ``neither``.

    Parameters
    ----------
    recs : Records
    by : sequence of str
        Grouping columns; ``()`` for the overall table.
    submission_types : sequence of str or None
        As :func:`by_section`.
    n_boot, seed, ci
        Cluster bootstrap (resampling portfolios within the group, each group with its
        own generator from ``seed`` and its key) for the shares.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``classification`` (followed | direction), ``result``,
        ``n`` (disagreements with that result), ``n_disagreements`` (rated pairs that
        differ and have a final rating), ``n_without_final`` (differing pairs with no
        final rating, left out of the shares), ``share``, ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> t = resolution(recs, by=(), n_boot=100)
    >>> sorted(set(t["classification"]))
    ['direction', 'followed']
    """
    check_args(recs, by, submission_types=submission_types, ci=ci, n_boot=n_boot, seed=seed)
    df, by_ = _prepare(recs, by, submission_types)
    lead, second, final = (df[c].to_numpy() for c in ("lead", "second", "final"))
    differ = (lead >= 0) & (second >= 0) & (lead != second)
    followed = np.select([final == lead, final == second], [0, 1], 2)
    severe = np.minimum(lead, second)  # lower score = more severe (R = 0)
    direction = np.select([final == severe, final == np.maximum(lead, second)], [0, 1], 2)
    df = df.assign(_differ=differ, _has_final=final >= 0, _f=followed, _d=direction)
    rows = [row for key, f in groups(df, by_) for row in _resolution_rows(key, f, n_boot, seed, ci)]
    cols = [*by_, "classification", "result", "n", "n_disagreements", "n_without_final",
            "share", "ci_low", "ci_high"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def _resolution_rows(
    key: tuple[object, ...], f: pd.DataFrame, n_boot: int, seed: int, ci: float
) -> list[tuple[object, ...]]:
    """One group's rows of :func:`resolution`: both classifications, every result."""
    d = f[f["_differ"] & f["_has_final"]]
    n_missing = int((f["_differ"] & ~f["_has_final"]).sum())
    unit, n_units = _bootstrap.unit_codes(d["portfolio_id"].to_numpy())
    w = _bootstrap.cluster_weights(n_units, n_boot, _bootstrap.group_rng(seed, key))
    rows = []
    for cls, col, labels in (("followed", "_f", _FOLLOWED), ("direction", "_d", _DIRECTION)):
        per_unit = np.zeros((n_units, len(labels)))
        np.add.at(per_unit, (unit, d[col].to_numpy()), 1.0)
        counts = per_unit.sum(axis=0)
        total = counts.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            share = counts / total
            low = high = np.full(len(labels), np.nan)
            if n_units:
                rep = w.astype(np.float64) @ per_unit
                low, high = _stats.percentile_interval(rep / rep.sum(axis=1, keepdims=True), ci)
        rows += [(*key, cls, lab, int(counts[j]), int(total), n_missing, share[j], low[j],
                  high[j]) for j, lab in enumerate(labels)]  # fmt: skip
    return rows


def _standardised_tables(
    f: pd.DataFrame, strata: list[str], weights: pd.Series, n_boot: int, rng: np.random.Generator
) -> tuple[npt.NDArray[np.float64], int]:
    """(1 + n_boot, k, k) tables of one group standardised to the stratum ``weights``
    (scaled to the group's pairs), and the number of portfolios resampled."""
    k = len(_SCALE)
    unit, n_units = _bootstrap.unit_codes(f["portfolio_id"].to_numpy())
    stratum = weights.index.get_indexer(pd.MultiIndex.from_frame(f[strata]))
    per = np.zeros((n_units, len(weights), k, k))
    np.add.at(per, (unit, stratum, f["lead"].to_numpy(), f["second"].to_numpy()), 1.0)
    w = _bootstrap.cluster_weights(n_units, n_boot, rng).astype(np.float64)
    tables = np.concatenate([per.sum(axis=0)[None], np.tensordot(w, per, axes=1)])  # (1+B,S,k,k)
    size = tables.sum(axis=(-2, -1))  # (1 + B, S) pairs per stratum
    present = size > 0
    wt = np.where(present, weights.to_numpy()[None, :], 0.0)
    wt = wt / wt.sum(axis=1, keepdims=True)  # strata absent from a (re)sample: re-weighted
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(present[..., None, None], tables / size[..., None, None], 0.0)
    return np.einsum("bs,bsij->bij", wt, shares) * len(f), n_units


def trend(
    recs: Records,
    by: Sequence[str] | str = ("year",),
    *,
    strata: Sequence[str] | str = ("section",),
    submission_types: Sequence[str] | None = ("first",),
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Agreement over time with the mix of sections held fixed (direct standardisation).

    :func:`by_section` with ``by=("year",)`` pools every section, pathway and attempt,
    so a year with more resubmissions or more of a hard section looks worse though no
    assessor changed. Here each group's table is the average of its strata's tables
    (as shares), weighted in every group by each stratum's share of all rated pairs.
    Default: first submissions only, sections as strata, so a change between years is a
    change within sections.

    Parameters
    ----------
    recs : Records
    by : sequence of str
        The periods (``year``, ``window``) and any other grouping columns.
    strata : sequence of str
        Rating or submission columns whose mix is held fixed (default section; e.g.
        ``("section", "pathway")``).
    submission_types, ci, n_boot, seed
        As :func:`by_section` (default first submissions only).

    Returns
    -------
    DataFrame, one row per group
        The ``by`` columns, ``n`` (rated pairs), ``n_portfolios`` (the bootstrap units),
        ``n_strata`` (strata with a pair in the group), ``too_few`` and, per
        coefficient, ``<name>``, ``<name>_ci_low``, ``<name>_ci_high``,
        ``<name>_n_boot_undefined``, and ``dominant_rating``, ``dominant_share``,
        ``kappa_paradox`` (of the standardised table), as :func:`by_section`.
        ``attrs["weights"]`` holds the stratum weights (a dict: stratum value, or tuple
        of values for several strata columns, to float), ``attrs["strata"]`` the
        strata columns and ``attrs["min_pairs"]`` the minimum number of pairs.

    Notes
    -----
    Standardised table :math:`\\tilde p = \\sum_s w_s\\, t_s / n_s` over the strata present
    in the group (weights re-normalised over them when one is absent, noted by
    ``n_strata``), scaled to the group's n pairs; every coefficient is computed from it
    and bootstrapped by resampling the group's portfolios (intervals as
    :func:`by_section`). With one stratum this is :func:`by_section`.

    References
    ----------
    Fleiss, J. L., Levin, B. & Paik, M. C. (2003). Statistical Methods for Rates and
    Proportions, 3rd ed., ch. 19 (direct standardisation).

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(60, seed=1)
    >>> t = trend(recs, by=("year",), n_boot=50)
    >>> list(t.columns[:4])
    ['year', 'n', 'n_portfolios', 'n_strata']
    """
    check_args(recs, by, submission_types=submission_types, ci=ci, n_boot=n_boot, seed=seed)
    strata_ = list(check_by(strata, [*recs.ratings.columns, *recs.submissions.columns],
                            what="rating or submission columns"))  # fmt: skip
    df, _ = _prepare(recs, tuple(dict.fromkeys((*as_tuple(by), *strata_))), submission_types)
    by_ = list(as_tuple(by))
    df = df[(df["lead"] >= 0) & (df["second"] >= 0)]
    weights = df.groupby(strata_, observed=True, sort=True).size()
    weights = weights / weights.sum()
    weights.index = pd.MultiIndex.from_frame(weights.index.to_frame(index=False))
    grouped = list(groups(df, by_))
    k = len(_SCALE)
    tables = np.zeros((len(grouped), 1 + int(n_boot), k, k))
    n_units = np.zeros(len(grouped), dtype=np.int64)
    n_strata = np.zeros(len(grouped), dtype=np.int64)
    for g, (key, f) in enumerate(grouped):
        rng = _bootstrap.group_rng(seed, key)
        tables[g], n_units[g] = _standardised_tables(f, strata_, weights, int(n_boot), rng)
        n_strata[g] = len(f[strata_].drop_duplicates())
    n = np.array([len(f) for _, f in grouped], dtype=np.int64)
    cols: dict[str, object] = {"n": n, "n_portfolios": n_units, "n_strata": n_strata,
                               "too_few": n < core.MIN_PAIRS}  # fmt: skip
    cols.update(_coefficient_columns(tables, n_units, ci))
    cols.update(_paradox_columns(tables[:, 0], cols))
    keys_df = (
        pd.DataFrame([k_ for k_, _ in grouped], columns=by_) if by_ else pd.DataFrame(index=[0])
    )
    out = pd.concat([keys_df.reset_index(drop=True), pd.DataFrame(cols)], axis=1)
    # Plain values only: pandas compares attrs when frames are concatenated, and a Series
    # there makes pd.concat of two results fail ("truth value ... ambiguous").
    plain = {(k_[0] if len(strata_) == 1 else tuple(k_)): float(v) for k_, v in weights.items()}
    out.attrs.update(weights=plain, min_pairs=core.MIN_PAIRS, strata=tuple(strata_))
    return out
