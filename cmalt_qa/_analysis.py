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
* ``ci`` and ``n_boot`` (:func:`check_ci`, :func:`check_n_boot`);
* ``submission_types``: a kind or a sequence of kinds, checked against
  :data:`cmalt_qa.scheme.SUBMISSION_TYPES` (:func:`check_types`, :func:`filter_types`;
  agreement does not check, see there).
"""

from __future__ import annotations

import datetime as _dt
from typing import Final, Iterable, Iterator, Sequence

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
def parse_date(value: object, name: str = "as_of", *, strict: bool = True) -> pd.Timestamp:
    """A date argument as a naive Timestamp at midnight.

    Parameters
    ----------
    value : date, ISO string or Timestamp
    name : str
        The argument's name, for the messages.
    strict : bool
        True: only a date, datetime, Timestamp, ``numpy.datetime64`` or an ISO string
        ``YYYY-MM-DD`` is accepted (:mod:`cmalt_qa.turnaround`). False: anything
        :class:`pandas.Timestamp` reads as a date (:mod:`cmalt_qa.referrals`).

    Returns
    -------
    Timestamp
        Normalised to midnight; a time zone, if any, is dropped (wall time kept).

    Raises
    ------
    TypeError
        Strict: ``value`` is None or of another type.
    ValueError
        Strict: a string that is not an ISO date. Either: a missing date (NaT); not
        strict, a string pandas cannot read.
    """
    if not strict:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    elif value is None:
        raise TypeError(f"{name} is required (a date, ISO string or Timestamp)")
    elif isinstance(value, str):
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


def resolve_as_of(subs: pd.DataFrame, as_of: object, *, strict: bool = True) -> pd.Timestamp:
    """``as_of`` parsed by :func:`parse_date`, or :func:`latest_date` when it is None."""
    return latest_date(subs) if as_of is None else parse_date(as_of, strict=strict)


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


def filter_types(
    frame: pd.DataFrame,
    submission_types: str | Sequence[str] | None,
    *,
    validate: bool = True,
) -> pd.DataFrame:
    """The rows of ``frame`` whose ``submission_type`` is one of the kinds asked for.

    Parameters
    ----------
    frame : DataFrame
        With a ``submission_type`` column.
    submission_types : str, sequence of str or None
        The kinds; None keeps every row.
    validate : bool
        True: a kind not in :data:`~cmalt_qa.scheme.SUBMISSION_TYPES` raises (see
        :func:`check_types`). False: it simply selects nothing, so that an empty
        selection gives empty or NaN rows (:mod:`cmalt_qa.agreement` relies on this).
    """
    if submission_types is None:
        return frame
    kinds = check_types(submission_types) if validate else as_tuple(submission_types)
    return frame[frame["submission_type"].isin(kinds)]


# --------------------------------------------------------------------------- intervals
def check_ci(ci: float) -> None:
    """Raise ValueError unless the confidence level is strictly between 0 and 1."""
    if not 0.0 < ci < 1.0:
        raise ValueError(f"ci must be between 0 and 1, got {ci!r}")


def check_n_boot(n_boot: int, *, minimum: int = 1) -> None:
    """Raise ValueError unless ``n_boot`` is an integer of at least ``minimum``.

    ``minimum=0`` where no replicates is allowed (NaN intervals, see
    :func:`cmalt_qa.agreement.by_section`).
    """
    if not isinstance(n_boot, (int, np.integer)) or n_boot < minimum:
        raise ValueError(f"n_boot must be an integer of at least {minimum}, got {n_boot!r}")
