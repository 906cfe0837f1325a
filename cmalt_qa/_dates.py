"""Dates as spreadsheets write them, read without ever guessing the order wrongly.

Accepted forms (``dates="auto"``, the default):

* ISO dates ``2025-01-31`` and datetimes ``2025-01-31 15:42``, ``2025-01-31T15:42:07``
  (the time is dropped: every rule and figure works in days);
* day-first numeric dates, the UK convention: ``31/01/2025``, ``31/01/25``,
  ``31-01-2025``, ``31.01.2025``;
* dates with the month in words: ``31 Jan 2025``, ``31 January 2025``, ``31-Jan-25``;
* in workbooks, Excel serial day numbers (``45688`` = 2025-01-31) for 1990 to 2100.

A numeric date such as ``01/31/2025`` is valid only month-first (US order). In ``auto``
mode a file holding such a date is refused: if no date of the file is valid only
day-first, the file is taken to be month-first, otherwise it mixes both orders; either
way the user says which with ``dates="dayfirst"`` / ``"monthfirst"`` (``--dates``).
``dates="iso"`` accepts ISO dates (and workbook date cells) only.

Two-digit years are 2000-2068 for 00-68 and 1969-1999 for 69-99 (as ``strptime``'s
``%y``); a date before 2000 is then quarantined as implausible (see
:func:`implausible`).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from typing import Final

import numpy as np
import pandas as pd

from ._errors import Refusal

__all__ = ["DATE_MODES", "parse_values", "check_order", "implausible", "EARLIEST", "LATEST"]

DATE_MODES: Final[tuple[str, ...]] = ("auto", "dayfirst", "monthfirst", "iso")
"""The values of the ``dates=`` option."""

EARLIEST: Final[_dt.date] = _dt.date(2000, 1, 1)
"""No CMALT record is dated before this (the scheme began in 2004)."""
LATEST: Final[_dt.date] = _dt.date(2100, 12, 31)
"""No date after this is plausible (and pandas cannot hold dates past 2262)."""
TAIL_GAP_DAYS: Final[int] = 365
"""A date more than this many days after every earlier date of the file is implausible."""
TAIL_SHARE: Final[float] = 0.02
"""... provided such far-out dates are a small tail: at most this share of the dates."""

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$")
_WORDS = re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3,9})\.?,?[ -](\d{4}|\d{2})$")
_MONTHS: Final[dict[str, int]] = {
    m.lower(): i
    for i in range(1, 13)
    for m in (_dt.date(2000, i, 1).strftime("%b"), _dt.date(2000, i, 1).strftime("%B"))
} | {"sept": 9}
_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
_EXCEL_EPOCH: Final[_dt.date] = _dt.date(1899, 12, 30)


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:
        y += 2000 if y <= 68 else 1900
    return y


def _date(y: int, m: int, d: int) -> _dt.date | None:
    try:
        return _dt.date(y, m, d)
    except ValueError:
        return None


def _numeric_orders(text: str) -> tuple[_dt.date | None, _dt.date | None] | None:
    """A numeric ``a/b/y`` date read day-first and month-first (None where invalid);
    None when the text is not of that form."""
    m = _NUMERIC.match(text)
    if m is None:
        return None
    a, b, y = int(m.group(1)), int(m.group(3)), _year(m.group(4))
    return _date(y, b, a), _date(y, a, b)


def _one(text: str, mode: str, serials: bool) -> _dt.date | None:
    """One distinct cell read under ``mode`` (None: not a date)."""
    m = _ISO.match(text)
    if m is not None:
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if serials and _SERIAL.match(text):
        day = _EXCEL_EPOCH + _dt.timedelta(days=int(float(text)))
        return day if _dt.date(1990, 1, 1) <= day <= LATEST else None
    if mode == "iso":
        return None
    orders = _numeric_orders(text)
    if orders is not None:
        return orders[1] if mode == "monthfirst" else orders[0]
    m = _WORDS.match(text)
    if m is not None and m.group(2).lower() in _MONTHS:
        return _date(_year(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    return None


def parse_values(
    values: np.ndarray, mode: str = "auto", serials: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct cell texts -> ``datetime64[ns]`` (NaT: blank or not a date), and a mask
    of the values that are real dates after :data:`LATEST` (left NaT: pandas cannot
    hold most of them; they are implausible, not unreadable).

    Performance: plain ISO dates (nearly every value of a clean export) are parsed in one
    vectorised call; only the rest go value by value.
    """
    u = pd.Series(np.asarray(values, dtype=object))
    out = pd.to_datetime(u, format="%Y-%m-%d", errors="coerce").to_numpy(dtype="datetime64[ns]")
    far = np.zeros(len(u), dtype=bool)
    rest = np.flatnonzero(np.isnat(out) & (u.to_numpy() != ""))
    for i in rest:
        d = _one(str(u.iat[i]).strip(), "dayfirst" if mode == "auto" else mode, serials)
        if d is not None and d <= LATEST:
            out[i] = np.datetime64(d, "ns")
        elif d is not None:
            far[i] = True
    return out, far


def check_order(values: Iterable[str], mode: str, file: str) -> None:
    """Refuse (``auto`` mode) a file whose numeric dates are valid only month-first,
    or that mixes day-first and month-first dates."""
    if mode != "auto":
        return
    only_day, only_month = [], []
    for v in values:
        orders = _numeric_orders(v)
        if orders is None:
            continue
        day, month = orders
        if day is not None and month is None:
            only_day.append(v)
        elif month is not None and day is None:
            only_month.append(v)
    if not only_month:
        return
    hint = "say which with --dates dayfirst|monthfirst (Python: dates='dayfirst'|'monthfirst')"
    if only_day:
        raise Refusal(
            f"{file}: the dates mix two orders: {only_month[0]!r} is valid only month-first "
            f"(mm/dd/yyyy) and {only_day[0]!r} only day-first (dd/mm/yyyy). Re-export the "
            f"dates as YYYY-MM-DD, or {hint}; the other dates will then be quarantined. "
            "Nothing was loaded."
        )
    raise Refusal(
        f"{file}: dates such as {only_month[0]!r} are valid only month-first (mm/dd/yyyy, "
        "the US order), while day-first (dd/mm/yyyy) is the UK convention this toolkit "
        f"assumes. To read them month-first, {hint}. Nothing was loaded."
    )


def implausible(dates: Iterable[pd.Series]) -> list[pd.Series]:
    """Per date column: the dates that are implausible for a CMALT export.

    The rule: before :data:`EARLIEST`; after :data:`LATEST`; or in a far tail at either
    end: separated by more than :data:`TAIL_GAP_DAYS` from every other date of the file
    (all date columns together), when that tail holds at most :data:`TAIL_SHARE` of the
    dated cells (a typed 2062 for 2026, 2001 for 2021; a real pause in a long record is
    left alone).
    """
    cols = list(dates)
    lo, hi = np.datetime64(EARLIEST, "ns"), np.datetime64(LATEST, "ns")
    flags = [(c < lo) | (c > hi) for c in cols]
    ok = (
        np.concatenate(
            [
                c.to_numpy(dtype="datetime64[ns]")[~(f | c.isna()).to_numpy()].view(np.int64)
                for c, f in zip(cols, flags)
            ]
        )
        if cols
        else np.array([], np.int64)
    )
    high, low = _tail_bounds(*_distinct_counts(ok))
    if high is not None:
        flags = [f | (c >= np.datetime64(high, "ns")) for c, f in zip(cols, flags)]
    if low is not None:
        flags = [f | (c <= np.datetime64(low, "ns")) for c, f in zip(cols, flags)]
    return flags


_DAY_NS: Final[int] = 86_400 * 10**9


def _distinct_counts(ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of ``ns`` (int64 nanoseconds), ascending, and how often each
    occurs: ``np.unique(ns, return_counts=True)``.

    Performance: dates are whole days within 2000-2100 (at most ~37,000 of them), so one
    ``bincount`` over day numbers replaces sorting every date cell; values with a time
    of day fall back to the sort.
    """
    if len(ns) == 0 or (ns % _DAY_NS).any():
        return np.unique(ns, return_counts=True)
    days = ns // _DAY_NS
    first = int(days.min())
    per_day = np.bincount(days - first)
    present = np.flatnonzero(per_day)
    return (present + first) * _DAY_NS, per_day[present]


def _tail_bounds(values: np.ndarray, counts: np.ndarray) -> tuple[int | None, int | None]:
    """The first value of a small far upper tail and the last value of a small far
    lower tail (see :func:`implausible`); None where there is no such tail.

    ``values`` are distinct and ascending, ``counts`` their multiplicities. A break is a
    step between neighbouring values of more than :data:`TAIL_GAP_DAYS`. The upper tail
    starts after the lowest break with at most :data:`TAIL_SHARE` of the cells above it;
    the lower tail ends before the highest break with at most that share below it.
    """
    if len(values) < 2:
        return None, None
    n = int(counts.sum())
    below = np.cumsum(counts)[:-1]  # cells up to each value that a step follows
    far = np.flatnonzero(np.diff(values) > TAIL_GAP_DAYS * _DAY_NS)
    upper = far[n - below[far] <= TAIL_SHARE * n]
    lower = far[below[far] <= TAIL_SHARE * n]
    return (
        int(values[upper[0] + 1]) if len(upper) else None,
        int(values[lower[-1]]) if len(lower) else None,
    )
