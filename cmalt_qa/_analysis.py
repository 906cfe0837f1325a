"""Shared plumbing of the analysis modules: input checks, ``as_of``, grouping.

:mod:`~cmalt_qa.agreement`, :mod:`~cmalt_qa.assessors`, :mod:`~cmalt_qa.referrals`,
:mod:`~cmalt_qa.turnaround` (and :func:`cmalt_qa.reports.latest_date`) take their
arguments the same way; the checks and their messages live here, once:

* the records argument (:func:`check_records`);
* ``as_of``: a date as given, or the latest date in the data, never the machine's clock
  (:func:`parse_date`, :func:`latest_date`, :func:`resolve_as_of`);
* ``by``: a column name or a sequence of them, checked against the columns it may
  name (:func:`as_tuple`, :func:`check_by`), and the groups it makes, missing keys kept
  as a group of their own (:func:`groups`);
* ``ci``, ``n_boot`` and ``seed`` (:func:`check_ci`, :func:`check_n_boot`,
  :func:`check_seed`);
* ``submission_types``: a kind or a sequence of kinds, checked against
  :data:`cmalt_qa.scheme.SUBMISSION_TYPES` (:func:`check_types`, :func:`filter_types`).

The calling convention
----------------------
Every public table function reads ``f(recs, by=..., *, submission_types=..., as_of=...,
ci=..., n_boot=..., seed=...)``, with only the keywords that make sense for it, and
checks them in one call, :func:`check_args`, before any work: the same bad argument
gives the same :class:`ValueError` (same message) whichever function it is passed to.
``by`` is checked against the columns of the frame the function groups
(:func:`check_by`, same message everywhere). Interval columns: ``ci_low``/``ci_high``
beside a table's single estimate, ``<stat>_ci_low``/``<stat>_ci_high`` where a table
has several estimates.
"""

from __future__ import annotations

import datetime as _dt
import numbers
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from . import scheme
from .records import Records
from .scheme import SUBMISSION_TYPES

__all__ = [
    "DATE_COLUMNS",
    "check_records",
    "parse_date",
    "latest_date",
    "resolve_as_of",
    "as_tuple",
    "check_by",
    "groups",
    "check_types",
    "filter_types",
    "check_ci",
    "check_n_boot",
    "check_seed",
    "check_args",
    "TableArgs",
]

DATE_COLUMNS: Final[tuple[str, ...]] = scheme.DATE_COLUMNS
"""The dated columns of the submissions (:data:`cmalt_qa.scheme.DATE_COLUMNS`); the
latest of them is the data's own clock."""


# --------------------------------------------------------------------------- records
def check_records(recs: object) -> Records:
    """``recs`` itself, after checking that it is :class:`~cmalt_qa.records.Records`.

    Raises
    ------
    TypeError
        If it is anything else (a DataFrame, a path...).
    """
    if not isinstance(recs, Records):
        raise TypeError(
            f"expected Records (from qa.load or qa.from_frames), got {type(recs).__name__}"
        )
    return recs


# --------------------------------------------------------------------------- as_of
def parse_date(value: object, name: str = "as_of") -> pd.Timestamp:
    """A date argument as a naive Timestamp at midnight, parsed strictly.

    The one parser of ``as_of`` (and of every other date argument) in the package: a
    date, datetime, Timestamp, ``numpy.datetime64`` or an ISO string ``YYYY-MM-DD``.
    Nothing else is guessed at (``"31/12/2025"`` could be read two ways).

    Parameters
    ----------
    value : date, ISO string or Timestamp
    name : str
        The argument's name, for the messages.

    Returns
    -------
    Timestamp
        Normalised to midnight; a time zone, if any, is dropped (wall time kept).

    Raises
    ------
    TypeError
        ``value`` is None or of another type.
    ValueError
        A string that is not an ISO date, or a missing date (NaT).

    Examples
    --------
    >>> parse_date("2025-03-31")
    Timestamp('2025-03-31 00:00:00')
    >>> parse_date("31/13/2025")
    Traceback (most recent call last):
    ...
    ValueError: as_of is not an ISO date (YYYY-MM-DD): '31/13/2025'
    """
    if value is None:
        raise TypeError(f"{name} is required (a date, ISO string or Timestamp)")
    if isinstance(value, str):
        try:
            ts = pd.Timestamp(_dt.date.fromisoformat(value.strip()))
        except ValueError as exc:
            raise ValueError(f"{name} is not an ISO date (YYYY-MM-DD): {value!r}") from exc
    elif isinstance(value, (pd.Timestamp, _dt.date, np.datetime64)):
        ts = pd.Timestamp(value)
    else:
        raise TypeError(
            f"{name} must be a date, ISO string or Timestamp, got {type(value).__name__}"
        )
    if pd.isna(ts):
        raise ValueError(f"{name} must be a date, got {value!r}")
    return ts.tz_localize(None).normalize() if ts.tzinfo else ts.normalize()


def latest_date(subs: pd.DataFrame) -> pd.Timestamp:
    """The latest date in any of :data:`DATE_COLUMNS`, at midnight.

    This is the default ``as_of`` of every analysis and report: the data's own clock,
    never the machine's.

    Raises
    ------
    ValueError
        If the submissions hold no date at all.
    """
    cols = [c for c in DATE_COLUMNS if c in subs.columns]
    latest = pd.concat([pd.to_datetime(subs[c]) for c in cols]).max() if cols else pd.NaT
    if pd.isna(latest):
        raise ValueError("the data holds no dated submissions (as_of=None needs at least one date)")
    return pd.Timestamp(latest).normalize()


def resolve_as_of(subs: pd.DataFrame, as_of: object) -> pd.Timestamp:
    """``as_of`` parsed by :func:`parse_date`, or :func:`latest_date` when it is None."""
    return latest_date(subs) if as_of is None else parse_date(as_of)


# --------------------------------------------------------------------------- grouping
def as_tuple(names: str | Iterable[str]) -> tuple[str, ...]:
    """One name or a sequence of names as a tuple (a string is one name, not letters)."""
    return (names,) if isinstance(names, str) else tuple(names)


def check_by(
    by: str | Sequence[str], available: Iterable[object], *, what: str = "submission columns"
) -> tuple[str, ...]:
    """``by`` as a tuple, after checking that every name is in ``available``.

    Parameters
    ----------
    by : str or sequence of str
    available : iterable
        The columns that may be named (of the frame about to be grouped).
    what : str
        What those columns are, for the message ("not <what>").

    Raises
    ------
    ValueError
        Naming the unknown columns and listing the available ones.
    """
    cols = as_tuple(by)
    known = set(available)
    unknown = [c for c in cols if c not in known]
    if unknown:
        raise ValueError(
            f"cannot group by {unknown}: unknown grouping column(s), not {what} "
            f"(available: {sorted(map(str, known))})"
        )
    return cols


def groups(
    frame: pd.DataFrame, by: Sequence[str]
) -> Iterator[tuple[tuple[object, ...], pd.DataFrame]]:
    """``(key, rows)`` per group of ``by``, keys sorted; one group ``()`` when ``by`` is empty.

    Missing keys (a blank sector, say) form a group of their own; categories that do
    not occur do not.
    """
    if not by:
        yield (), frame
        return
    for key, g in frame.groupby(list(by), dropna=False, observed=True, sort=True):
        yield (key if isinstance(key, tuple) else (key,)), g


# --------------------------------------------------------------------------- submission types
def check_types(submission_types: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """The kinds of submission asked for, as a tuple (None: every kind).

    Raises
    ------
    ValueError
        For a kind not in :data:`cmalt_qa.scheme.SUBMISSION_TYPES`.
    """
    if submission_types is None:
        return None
    kinds = as_tuple(submission_types)
    bad = [k for k in kinds if k not in SUBMISSION_TYPES]
    if bad:
        raise ValueError(f"unknown submission type(s) {bad}; choose from {SUBMISSION_TYPES}")
    return kinds


def filter_types(frame: pd.DataFrame, submission_types: str | Sequence[str] | None) -> pd.DataFrame:
    """The rows of ``frame`` whose ``submission_type`` is one of the kinds asked for.

    Parameters
    ----------
    frame : DataFrame
        With a ``submission_type`` column.
    submission_types : str, sequence of str or None
        The kinds (checked by :func:`check_types`); None keeps every row. A kind that
        does not occur in the data selects nothing (empty or NaN rows downstream).
    """
    if submission_types is None:
        return frame
    return frame[frame["submission_type"].isin(check_types(submission_types))]


# --------------------------------------------------------------------------- intervals
def check_ci(ci: object) -> float:
    """The confidence level as a float, after checking it is strictly between 0 and 1.

    Raises
    ------
    ValueError
        For anything else (1.5, 95, 0, NaN, a string, True).

    Examples
    --------
    >>> check_ci(0.9)
    0.9
    >>> check_ci(95)
    Traceback (most recent call last):
    ...
    ValueError: ci must be a confidence level strictly between 0 and 1 (e.g. 0.95), got 95
    """
    ok = isinstance(ci, numbers.Real) and not isinstance(ci, bool) and 0.0 < float(ci) < 1.0
    if not ok:
        raise ValueError(
            f"ci must be a confidence level strictly between 0 and 1 (e.g. 0.95), got {ci!r}"
        )
    return float(ci)  # type: ignore[arg-type]


def check_n_boot(n_boot: object, *, minimum: int = 1) -> int:
    """``n_boot`` as an int, after checking it is an integer of at least ``minimum``.

    Every public function passes the default ``minimum=1``: a bootstrap needs replicates.

    Raises
    ------
    ValueError
        For 0, a negative number, a float or anything else.

    Examples
    --------
    >>> check_n_boot(200)
    200
    >>> check_n_boot(0)
    Traceback (most recent call last):
    ...
    ValueError: n_boot must be an integer of at least 1 (bootstrap replicates), got 0
    """
    ok = isinstance(n_boot, (int, np.integer)) and not isinstance(n_boot, bool)
    if not ok or n_boot < minimum:  # type: ignore[operator]
        raise ValueError(
            f"n_boot must be an integer of at least {minimum} (bootstrap replicates), "
            f"got {n_boot!r}"
        )
    return int(n_boot)  # type: ignore[arg-type]


def check_seed(seed: object) -> int:
    """``seed`` as an int, after checking it is a non-negative integer.

    Raises
    ------
    ValueError
        For a negative number, a float, None or anything else (there is no random
        default: the same call gives the same table).

    Examples
    --------
    >>> check_seed(7)
    7
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be a non-negative integer, got -1
    """
    ok = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
    if not ok or seed < 0:  # type: ignore[operator]
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- one check
_UNSET: Final = object()


@dataclass(frozen=True)
class TableArgs:
    """The checked arguments of a table function (see :func:`check_args`).

    A field is None when the function does not take that argument (and for
    ``submission_types=None``, every kind; ``as_of=None``, the latest date in the data).
    """

    recs: Records
    by: tuple[str, ...] | None
    submission_types: tuple[str, ...] | None
    as_of: pd.Timestamp | None
    ci: float | None
    n_boot: int | None
    seed: int | None


def check_args(
    recs: object,
    by: str | Sequence[str] | None = None,
    *,
    submission_types: object = _UNSET,
    as_of: object = _UNSET,
    ci: object = _UNSET,
    n_boot: object = _UNSET,
    seed: object = _UNSET,
) -> TableArgs:
    """Check every argument of a table function at once, before any work.

    Each public table function passes the arguments it takes (and only those); each is
    checked by its one named checker, so the same bad value gives the same message
    from every function.

    Parameters
    ----------
    recs : Records
        Checked by :func:`check_records`.
    by : str or sequence of str, optional
        Its form only (a column name or a sequence of names); the names are checked
        against the frame the function groups by :func:`check_by`.
    submission_types, as_of, ci, n_boot, seed
        Checked by :func:`check_types`, :func:`parse_date` (None: the latest date in the
        data, resolved later by :func:`resolve_as_of`), :func:`check_ci`,
        :func:`check_n_boot` and :func:`check_seed`.

    Returns
    -------
    TableArgs

    Raises
    ------
    TypeError
        ``recs`` is not Records, ``by`` is not a name or names, ``as_of`` is not a date.
    ValueError
        Any other bad value (message from the checker named above).

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(30, seed=1)
    >>> check_args(recs, ("section",), ci=0.9, seed=3).ci
    0.9
    >>> check_args(recs, ("section",), as_of="31/13/2025")
    Traceback (most recent call last):
    ...
    ValueError: as_of is not an ISO date (YYYY-MM-DD): '31/13/2025'
    """
    checked = check_records(recs)
    by_ = None if by is None else as_tuple(by)
    if by_ is not None and not all(isinstance(c, str) for c in by_):
        raise TypeError(f"by must be a column name or a sequence of column names, got {by!r}")
    given = lambda v: v is not _UNSET  # noqa: E731
    return TableArgs(
        recs=checked,
        by=by_,
        submission_types=check_types(submission_types) if given(submission_types) else None,  # type: ignore[arg-type]
        as_of=parse_date(as_of) if given(as_of) and as_of is not None else None,
        ci=check_ci(ci) if given(ci) else None,
        n_boot=check_n_boot(n_boot) if given(n_boot) else None,
        seed=check_seed(seed) if given(seed) else None,
    )
