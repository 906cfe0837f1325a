"""Numeric core of :mod:`cmalt_qa.assessors`: typed, vectorised numpy on plain arrays.

Nothing here knows about Records or DataFrames; the public module builds the arrays and
wraps the results in tidy tables. Each function is checked in ``tests/test_assessors*.py``
against an independent computation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

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
