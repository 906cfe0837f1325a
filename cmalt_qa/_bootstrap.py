"""The one cluster bootstrap of the package: resampling units within a group.

Every bootstrap interval in :mod:`~cmalt_qa.agreement`, :mod:`~cmalt_qa.referrals` and
:mod:`~cmalt_qa.assessors` resamples whole units (portfolios: a resubmission is the same
portfolio, often assessed by the same pair) with replacement, within each group of the
table, and recomputes the statistic from the resampled units' sums.

Each group draws from its own generator, derived from the ``seed`` and the group's key
(:func:`group_rng`): a group's interval depends on the seed and on the group's own rows,
never on which other groups exist or in what order they come. Units are ordered by
their id within the group (:func:`unit_codes`), so row order does not matter either.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Hashable, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "key_digest",
    "group_rng",
    "unit_codes",
    "cluster_weights",
    "cluster_indices",
    "ratio_replicates",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _canonical(value: object) -> str:
    """A stable text form of one key value, equal for equal values of any numeric type."""
    if value is None or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)
    ):
        return "missing:"
    if isinstance(value, (bool, np.bool_)):
        return f"bool:{bool(value)}"
    if isinstance(value, (int, np.integer)):
        return f"int:{int(value)}"
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f"int:{int(f)}" if f.is_integer() else f"float:{f!r}"
    if isinstance(value, (pd.Timestamp, _dt.date, np.datetime64)):
        return f"date:{pd.Timestamp(value).isoformat()}"
    return f"str:{value}"


def key_digest(key: Sequence[Hashable] | Hashable) -> list[int]:
    """Four 32-bit words of the SHA-256 of a group key's canonical text.

    Stable across runs, machines and Python versions (unlike ``hash``, which is
    salted for strings); ``1`` and ``1.0`` and ``np.int64(1)`` give the same words.

    Examples
    --------
    >>> key_digest(("CMALT", 2024)) == key_digest(["CMALT", np.int64(2024)])
    True
    >>> key_digest(("CMALT",)) == key_digest(("SCMALT",))
    False
    """
    parts = key if isinstance(key, (tuple, list)) else (key,)
    text = "\x1f".join(_canonical(v) for v in parts)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]


def group_rng(seed: int, key: Sequence[Hashable] | Hashable = ()) -> np.random.Generator:
    """The random generator of one group: ``SeedSequence([seed, *key_digest(key)])``.

    Parameters
    ----------
    seed : int
        The table function's ``seed`` (non-negative).
    key : tuple
        The group's key (values of the ``by`` columns); ``()`` for one overall group.
        Anything that tells two resamplings of the same group apart (an arm, a
        statistic) may be appended.

    Examples
    --------
    >>> a = group_rng(0, ("CMALT",)).integers(0, 100, 3)
    >>> b = group_rng(0, ("CMALT",)).integers(0, 100, 3)
    >>> bool((a == b).all())
    True
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), *key_digest(key)]))


def unit_codes(units: npt.ArrayLike) -> tuple[IntArray, int]:
    """Codes 0..m-1 of the units in sorted order of their ids, and m.

    Sorting makes the resampling independent of row order (and of other groups' rows).

    Examples
    --------
    >>> unit_codes(["p2", "p1", "p2"])
    (array([1, 0, 1]), 2)
    """
    codes, uniques = pd.factorize(np.asarray(units, dtype=object), sort=True)
    return codes.astype(np.int64), int(len(uniques))


def cluster_indices(n_units: int, n_boot: int, rng: np.random.Generator) -> IntArray:
    """Units drawn with replacement, shape (n_boot, n_units) (empty when n_units is 0)."""
    if n_units == 0:
        return np.zeros((n_boot, 0), dtype=np.int64)
    return rng.integers(0, n_units, size=(n_boot, n_units), dtype=np.int64)


def cluster_weights(n_units: int, n_boot: int, rng: np.random.Generator) -> IntArray:
    """How often each unit is drawn in each replicate, shape (n_boot, n_units).

    Each row sums to ``n_units``. A statistic that is a sum over units (a contingency
    table, a count) is then ``w @ per_unit`` for every replicate at once.

    Examples
    --------
    >>> w = cluster_weights(4, 3, group_rng(0, ("1a",)))
    >>> w.shape, w.sum(axis=1).tolist()
    ((3, 4), [4, 4, 4])
    """
    idx = cluster_indices(n_units, n_boot, rng)
    # Counted with one bincount over row-offset indices (np.add.at is ~10x slower).
    flat = idx + (np.arange(n_boot, dtype=np.int64) * n_units)[:, None]
    return np.bincount(flat.ravel(), minlength=n_boot * n_units).reshape(n_boot, n_units)


def ratio_replicates(
    num: npt.ArrayLike, den: npt.ArrayLike, n_boot: int, rng: np.random.Generator
) -> FloatArray:
    """Cluster-bootstrap replicates of ratios of sums, ``sum(num) / sum(den)``.

    Parameters
    ----------
    num, den : array_like, shape (n_units,) or (n_units, m)
        Per-unit sums (e.g. referrals and decisions of one portfolio); ``m`` ratios
        share the same draws.
    n_boot : int
    rng : Generator
        The group's generator (:func:`group_rng`).

    Returns
    -------
    ndarray, shape (n_boot,) or (n_boot, m)
        NaN where a replicate's denominator is 0 (undefined: count them, see
        :func:`cmalt_qa._stats.percentile_interval`).

    Examples
    --------
    >>> reps = ratio_replicates([1, 0, 2], [2, 2, 2], 1000, group_rng(0))
    >>> bool(0.0 <= reps.min() <= reps.max() <= 1.0)
    True
    """
    s = np.asarray(num, dtype=np.float64)
    m = np.asarray(den, dtype=np.float64)
    w = cluster_weights(s.shape[0], n_boot, rng).astype(np.float64)
    top, bottom = w @ s, w @ m
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)
