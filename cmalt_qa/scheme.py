"""The CMALT scheme as data: pathways, sections, ratings, outcomes, calendar, promise.

This module is the ground floor of the toolkit: every other module asks it what the rules
are, so a change of rule by ALT is a change here (or, for the calendar, a change of data
that a user can pass in) and nowhere else. It imports nothing from the rest of the package.

The model follows ``shared/SCHEME.md`` and the source documents it distils (the CMALT
assessment form, the Senior CMALT guidelines, ALT's published notices on windows).
"""

from __future__ import annotations

import calendar as _cal
import datetime as _dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

import numpy as np
import pandas as pd

__all__ = [
    "PATHWAYS",
    "PATHWAY_NAMES",
    "SECTIONS",
    "SECTION_NAMES",
    "REQUIREMENT",
    "RATINGS",
    "RATING_NAMES",
    "RATING_SCORE",
    "GAP_ELEMENTS",
    "OUTCOMES",
    "OUTCOME_NAMES",
    "OUTCOMES_BY_ATTEMPT",
    "REFERRAL_OUTCOMES",
    "SUBMISSION_TYPES",
    "PROMISE_MONTHS",
    "ASSESSOR_TARGET_WEEKS",
    "LEAD_MIN_PRIOR_ASSESSMENTS",
    "ROLLING_SINCE",
    "Calendar",
    "default_calendar",
    "sections_for",
    "requirement",
    "window_of",
    "promise_due",
    "add_months",
    "TABLES",
    "OPTIONAL_TABLES",
    "REQUIRED_COLUMNS",
    "SUBMISSION_COLUMNS",
    "RATING_COLUMNS",
    "ASSESSOR_COLUMNS",
    "DATE_COLUMNS",
    "DATE_ORDER",
    "ID_COLUMNS",
    "RATING_COLUMNS_SCORED",
    "phrase_key",
    "PATHWAY_ALIASES",
    "OUTCOME_ALIASES",
    "RATING_ALIASES",
    "SECTION_ALIASES",
    "SUBMISSION_TYPE_ALIASES",
    "ATTEMPT_ALIASES",
    "BOOL_ALIASES",
    "GAP_ALIASES",
]

# --------------------------------------------------------------------------- pathways
PATHWAYS: Final[tuple[str, ...]] = ("ACMALT", "CMALT", "SCMALT")
"""Pathway codes, from the entry level up."""

PATHWAY_NAMES: Final[Mapping[str, str]] = {
    "ACMALT": "Associate CMALT",
    "CMALT": "CMALT",
    "SCMALT": "Senior CMALT",
}

# --------------------------------------------------------------------------- sections
Requirement = Literal["required", "optional", "absent"]

SECTIONS: Final[tuple[str, ...]] = (
    "1a", "1b", "1c", "2a", "2b", "3a", "3b", "4",
    "5a", "5b", "5c", "6a", "6b", "P1", "P2", "P3", "P4",
)  # fmt: skip
"""Assessed section codes in the order of the assessment form."""

SECTION_NAMES: Final[Mapping[str, str]] = {
    "1a": "Operational: constraints and benefits of different technologies",
    "1b": "Operational: technical knowledge and ability in the use of learning technology",
    "1c": "Operational: supporting the deployment of learning technologies",
    "2a": "Teaching, learning and/or assessment processes",
    "2b": "Understanding your target learners",
    "3a": "Wider context: legislation",
    "3b": "Wider context: a second legislative area, or a policy or standard",
    "4": "Communication and working with others",
    "5a": "Specialist area 1",
    "5b": "Specialist area 2",
    "5c": "Specialist area 3",
    "6a": "Advanced area 1",
    "6b": "Advanced area 2",
    "P1": "Principle: exploring the interplay between technology and learning",
    "P2": "Principle: keeping up to date with new technologies",
    "P3": "Principle: empathy with and learning from colleagues of other backgrounds",
    "P4": "Principle: communicating and disseminating effective practice",
}

_R, _O, _X = "required", "optional", "absent"
# Columns: ACMALT, CMALT, SCMALT (SCHEME.md, "Sections and who must have them").
_REQ_TABLE: Final[dict[str, tuple[str, str, str]]] = {
    "1a": (_R, _R, _R), "1b": (_R, _R, _R), "1c": (_X, _R, _R),
    "2a": (_R, _R, _R), "2b": (_X, _R, _R),
    "3a": (_R, _R, _R), "3b": (_X, _R, _R),
    "4": (_R, _R, _R),
    "5a": (_X, _R, _R), "5b": (_X, _O, _R), "5c": (_X, _O, _X),
    "6a": (_X, _X, _R), "6b": (_X, _X, _O),
    "P1": (_R, _R, _R), "P2": (_R, _R, _R), "P3": (_R, _R, _R), "P4": (_R, _R, _R),
}  # fmt: skip

REQUIREMENT: Final[pd.DataFrame] = pd.DataFrame(
    [
        {"section": s, "pathway": p, "requirement": _REQ_TABLE[s][i]}
        for s in SECTIONS
        for i, p in enumerate(PATHWAYS)
    ]
)
"""Tidy table ``section, pathway, requirement`` (required | optional | absent)."""


def requirement(section: str, pathway: str) -> Requirement:
    """Whether ``section`` is required, optional or absent on ``pathway``.

    Raises
    ------
    KeyError
        For an unknown section or pathway code.
    """
    return _REQ_TABLE[section][PATHWAYS.index(pathway)]  # type: ignore[return-value]


def sections_for(pathway: str, *, include_optional: bool = True) -> tuple[str, ...]:
    """Section codes a portfolio on ``pathway`` has (required, plus optional if asked)."""
    i = PATHWAYS.index(pathway)
    keep = {_R, _O} if include_optional else {_R}
    return tuple(s for s in SECTIONS if _REQ_TABLE[s][i] in keep)


# --------------------------------------------------------------------------- ratings
RATINGS: Final[tuple[str, ...]] = ("S", "A", "R")
"""The ordered rating scale, best first: Strong > Adequate > Revisions required."""

RATING_NAMES: Final[Mapping[str, str]] = {
    "S": "Strong",
    "A": "Adequate",
    "R": "Revisions required",
}

RATING_SCORE: Final[Mapping[str, int]] = {"R": 0, "A": 1, "S": 2}
"""Numeric score on the ordered scale (higher is better), for ordinal statistics."""

GAP_ELEMENTS: Final[tuple[str, ...]] = ("description", "evidence", "reflection")
"""The three elements of a section, any of which may be found lacking (an R)."""

# --------------------------------------------------------------------------- outcomes
OUTCOMES: Final[tuple[str, ...]] = ("distinction", "pass", "minor", "major", "fail")
OUTCOME_NAMES: Final[Mapping[str, str]] = {
    "distinction": "Pass with Distinction",
    "pass": "Pass",
    "minor": "Referral - minor revisions required",
    "major": "Referral - major revisions required",
    "fail": "Fail",
}
OUTCOMES_BY_ATTEMPT: Final[Mapping[int, tuple[str, ...]]] = {
    1: ("distinction", "pass", "minor", "major"),
    2: ("pass", "fail"),
}
"""Outcomes the assessment form allows for a first submission and a resubmission."""

REFERRAL_OUTCOMES: Final[frozenset[str]] = frozenset({"minor", "major"})
PASSING_OUTCOMES: Final[frozenset[str]] = frozenset({"distinction", "pass"})

SUBMISSION_TYPES: Final[tuple[str, ...]] = ("first", "resubmission", "review")
"""Kinds of submission on ALT's form; ``review`` is the 3-yearly portfolio review."""

# --------------------------------------------------------------------------- time rules
PROMISE_MONTHS: Final[int] = 3
"""Results go back no later than this many calendar months after submission."""

ASSESSOR_TARGET_WEEKS: Final[tuple[int, int]] = (6, 8)
"""Assessors normally complete within 6-8 weeks of receiving the portfolio."""

LEAD_MIN_PRIOR_ASSESSMENTS: Final[int] = 3
"""A lead assessor must have assessed at least this many portfolios before."""

ROLLING_SINCE: Final[_dt.date] = _dt.date(2025, 1, 1)
"""From this date submissions are open all year; windows become reporting periods."""


def add_months(d: _dt.date, months: int) -> _dt.date:
    """Calendar-month arithmetic, clamped to the last day of the target month.

    ``add_months(date(2025, 1, 31), 3) == date(2025, 4, 30)``;
    ``add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)``.
    """
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    day = min(d.day, _cal.monthrange(year, month)[1])
    return _dt.date(year, month, day)


def _as_date(value: object) -> _dt.date:
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            raise ValueError("a date is required, got NaT")
        return value.date()
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"not an ISO date (YYYY-MM-DD): {value!r}") from exc
    raise TypeError(f"expected a date, got {type(value).__name__}: {value!r}")


def promise_due(submitted: object) -> _dt.date:
    """The date by which the result is promised: submission + 3 calendar months.

    Parameters
    ----------
    submitted : date, datetime, Timestamp or ISO string
        The submission date.

    Returns
    -------
    datetime.date
        ``submitted`` plus :data:`PROMISE_MONTHS` calendar months, clamped to the end of
        the month (31 January -> 30 April; 30 November 2023 -> 29 February 2024).
    """
    return add_months(_as_date(submitted), PROMISE_MONTHS)


# --------------------------------------------------------------------------- calendar
@dataclass(frozen=True)
class Calendar:
    """Reporting periods (submission windows) as data.

    A submission belongs to the first period whose ``deadline`` is on or after its
    submission date. Until 2024 the periods were ALT's submission windows; from 2025
    submissions are rolling and the same period ends are kept so series stay comparable.

    Parameters
    ----------
    table : DataFrame
        One row per period with columns ``window`` (label ``YYYY-MM``), ``deadline``
        (date), ``result_month`` (``YYYY-MM``: the published month of results) and
        ``note`` (free text). Rows must have strictly increasing deadlines.

    Notes
    -----
    Dates outside the table fall back to the standard rule (deadlines 31 January, 31 May,
    30 September; results in May, September and the next January) so that any date has a
    period. Override with :meth:`from_csv` or by passing a new table.
    """

    table: pd.DataFrame = field(repr=False)

    def __post_init__(self) -> None:
        t = self.table.copy()
        missing = {"window", "deadline"} - set(t.columns)
        if missing:
            raise ValueError(f"calendar table lacks column(s): {sorted(missing)}")
        t["deadline"] = pd.to_datetime(t["deadline"]).dt.normalize()
        if "result_month" not in t:
            t["result_month"] = [_standard_result_month(w) for w in t["window"]]
        if "note" not in t:
            t["note"] = ""
        t = t.sort_values("deadline").reset_index(drop=True)
        if t["deadline"].duplicated().any() or t["window"].duplicated().any():
            raise ValueError("calendar windows and deadlines must be unique")
        object.__setattr__(self, "table", t[["window", "deadline", "result_month", "note"]])

    @classmethod
    def from_csv(cls, path: str | Path) -> Calendar:
        """Read a calendar from a CSV with columns window, deadline[, result_month, note]."""
        return cls(pd.read_csv(path, dtype=str, keep_default_na=False))

    # -- lookups -------------------------------------------------------------------
    def window_of(self, date: object) -> str:
        """The reporting period (``YYYY-MM``) a submission on ``date`` belongs to."""
        return str(self.windows_of(pd.Series([pd.Timestamp(_as_date(date))])).iloc[0])

    def windows_of(self, dates: pd.Series) -> pd.Series:
        """Vectorised :meth:`window_of`; NaT gives a missing value."""
        d = pd.to_datetime(dates)
        out = pd.Series(pd.NA, index=d.index, dtype="object")
        ok = d.notna()
        if not ok.any():
            return out
        lo = d[ok].min()
        hi = d[ok].max()
        table = self.span(lo, hi)
        dl = table["deadline"].to_numpy(dtype="datetime64[ns]")
        idx = np.searchsorted(dl, d[ok].to_numpy(dtype="datetime64[ns]"), side="left")
        out.loc[ok] = table["window"].to_numpy()[idx]
        return out

    def span(self, start: object, end: object) -> pd.DataFrame:
        """Table rows covering every date from ``start`` to ``end`` (inclusive).

        Includes generated standard periods where the table does not reach, and the
        column ``opens`` (day after the previous period's deadline).
        """
        s, e = pd.Timestamp(_as_date(start)), pd.Timestamp(_as_date(end))
        t = self.table
        rows = [t]
        first = t["deadline"].iloc[0] if len(t) else None
        last = t["deadline"].iloc[-1] if len(t) else None
        if first is None or s <= first:
            y0 = s.year - 1
            y1 = first.year if first is not None else e.year + 1
            extra = _standard_periods(y0, y1)
            if first is not None:
                extra = extra[extra["deadline"] < first]
            rows.insert(0, extra)
        if last is not None and e > last:
            extra = _standard_periods(last.year, e.year + 1)
            rows.append(extra[extra["deadline"] > last])
        out = pd.concat(rows, ignore_index=True)
        out = out.drop_duplicates("window", keep="first").sort_values("deadline")
        out = out.reset_index(drop=True)
        out["opens"] = out["deadline"].shift(1) + pd.Timedelta(days=1)
        lo = np.searchsorted(out["deadline"].to_numpy(), s.to_datetime64(), side="left")
        hi = np.searchsorted(out["deadline"].to_numpy(), e.to_datetime64(), side="left")
        return out.iloc[max(lo - 0, 0) : hi + 1].reset_index(drop=True)

    def window_info(self, window: str) -> pd.Series:
        """Row for one window label: deadline, opens, result_month, note.

        Raises
        ------
        KeyError
            If the label is not a period of this calendar.
        """
        year = _window_year(window)
        t = self.span(_dt.date(year - 1, 1, 1), _dt.date(year + 1, 12, 31))
        hit = t[t["window"] == window]
        if hit.empty:
            raise KeyError(
                f"unknown window {window!r}; windows are labelled YYYY-01, YYYY-05, YYYY-09"
            )
        return hit.iloc[0]

    def deadline(self, window: str) -> _dt.date:
        """The last submission date of ``window``."""
        return self.window_info(window)["deadline"].date()

    def result_month(self, window: str) -> str:
        """The published month of results of ``window`` (``YYYY-MM``)."""
        return str(self.window_info(window)["result_month"])


def _window_year(window: str) -> int:
    try:
        return int(str(window)[:4])
    except ValueError as exc:
        raise KeyError(f"not a window label (YYYY-MM): {window!r}") from exc


def _standard_result_month(window: str) -> str:
    y, m = int(window[:4]), int(window[5:7])
    return {1: f"{y}-05", 5: f"{y}-09", 9: f"{y + 1}-01"}.get(m, f"{y}-{m:02d}")


def _standard_periods(y0: int, y1: int) -> pd.DataFrame:
    rows = []
    for y in range(y0, y1 + 1):
        for m, day in ((1, 31), (5, 31), (9, 30)):
            w = f"{y}-{m:02d}"
            rows.append(
                {
                    "window": w,
                    "deadline": pd.Timestamp(y, m, day),
                    "result_month": _standard_result_month(w),
                    "note": "",
                }
            )
    return pd.DataFrame(rows)


def default_calendar() -> Calendar:
    """ALT's calendar from 2014 to 2030, with the published historical exceptions.

    Notes
    -----
    Exceptions (SCHEME.md, from ALT's notices):

    * 2020-09: the autumn deadline moved to 30 October 2020 (result month February 2021,
      four months after the deadline as for the other windows).
    * 2021-09: ran late for want of assessors; results promised by the end of April 2022.
    * 2022-01: the 31 January deadline moved to 30 April 2022 (result month August 2022).
    * From 2025 submissions are rolling; the standard period ends are kept as reporting
      periods.
    """
    t = _standard_periods(2014, 2030)
    t = t.set_index("window")
    t.loc["2020-09", ["deadline", "result_month", "note"]] = [
        pd.Timestamp(2020, 10, 30),
        "2021-02",
        "deadline moved to 30 October 2020",
    ]
    t.loc["2021-09", ["result_month", "note"]] = [
        "2022-04",
        "ran late for want of assessors; results by the end of April 2022",
    ]
    t.loc["2022-01", ["deadline", "result_month", "note"]] = [
        pd.Timestamp(2022, 4, 30),
        "2022-08",
        "deadline moved to 30 April 2022",
    ]
    rolling = t["deadline"] >= pd.Timestamp(ROLLING_SINCE)
    t.loc[rolling & (t["note"] == ""), "note"] = "rolling submissions: reporting period"
    return Calendar(t.reset_index())


@functools.lru_cache(maxsize=1)
def _default() -> Calendar:
    # Built lazily on first use and cached (no work at import time); Calendar is frozen.
    return default_calendar()


def window_of(date: object, calendar: Calendar | None = None) -> str:
    """The reporting period a submission made on ``date`` belongs to.

    Parameters
    ----------
    date : date, datetime, Timestamp or ISO string
    calendar : Calendar, optional
        Defaults to :func:`default_calendar`.

    Returns
    -------
    str
        ``"YYYY-01"``, ``"YYYY-05"`` or ``"YYYY-09"``: the first period whose deadline is
        on or after ``date`` (31 January 2025 -> ``"2025-01"``, 1 February 2025 ->
        ``"2025-05"``, 1 October 2025 -> ``"2026-01"``).
    """
    return (calendar or _default()).window_of(date)


# --------------------------------------------------------------------------- form rows
# The completed Word assessment form (seeds/001_*): how its row labels map to section
# codes, for `cmalt-qa forms` (cmalt_qa.forms). One table for all three pathways: an
# Associate form simply lacks some rows, a Senior form adds the "Advanced area(s)" block.
# Labels are matched case-insensitively as whole words after collapsing white space.
FORM_BLOCKS: Final[tuple[tuple[str, str], ...]] = (
    ("core area 1", "1"),
    ("core area 2", "2"),
    ("core area 3", "3"),
    ("core area 4", "4"),
    ("specialist option", "5"),
    ("specialist area", "5"),
    ("advanced area", "6"),
    ("core principles", "P"),
    ("four principles", "P"),
)
"""(label phrase of a block's heading row, block key), first match wins."""

FORM_ROWS: Final[tuple[tuple[str, str, str], ...]] = (
    # (block key, label phrase, section); phrase "" = the block's heading row itself
    ("1", "constraints and benefits", "1a"),
    ("1", "technical knowledge", "1b"),
    ("1", "supporting the deployment", "1c"),
    ("2", "teaching, learning and/or assessment", "2a"),
    ("2", "target learners", "2b"),
    ("3", "example 2", "3b"),  # a second legal example
    ("3", "policy", "3b"),
    ("3", "standard", "3b"),
    ("3", "standards", "3b"),
    ("3", "legal", "3a"),
    ("4", "", "4"),
    ("5", "1", "5a"),
    ("5", "2", "5b"),
    ("5", "3", "5c"),
    ("6", "1", "6a"),
    ("6", "2", "6b"),
    ("P", "interplay", "P1"),
    ("P", "keep up to date", "P2"),
    ("P", "empathy", "P3"),
    ("P", "communicate and disseminate", "P4"),
)
"""Rows of the form's section table: within a block, the first phrase found wins."""


# --------------------------------------------------------------------------- records
# The shape of the input records (CONTRACT.md section 1), stated once: the loader, the
# analyses, the anonymiser and the command line read these.
TABLES: Final[tuple[str, ...]] = ("submissions", "ratings", "assessors")
"""The tables of a dataset, in the order they are read and reported."""

OPTIONAL_TABLES: Final[frozenset[str]] = frozenset({"assessors"})
"""Tables a dataset may leave out."""

REQUIRED_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "submissions": (
        "submission_id", "portfolio_id", "attempt", "pathway", "submitted_on",
        "lead_assessor", "second_assessor",
    ),
    "ratings": ("submission_id", "section"),
    "assessors": ("assessor_id",),
}  # fmt: skip
"""The columns each table must have (a file without one is refused)."""

SUBMISSION_COLUMNS: Final[tuple[str, ...]] = (
    "submission_id", "portfolio_id", "attempt", "submission_type", "pathway",
    "submitted_on", "allocated_on", "assessed_on", "result_on", "outcome",
    "lead_assessor", "second_assessor", "second_nominated", "sector",
)  # fmt: skip
"""Every column of ``submissions`` the contract names, in its order."""

RATING_COLUMNS: Final[tuple[str, ...]] = (
    "submission_id",
    "section",
    "lead",
    "second",
    "final",
    "gaps",
)
"""Every column of ``ratings`` the contract names, in its order."""

ASSESSOR_COLUMNS: Final[tuple[str, ...]] = ("assessor_id", "prior_assessments")
"""Every column of ``assessors`` the contract names, in its order."""

DATE_COLUMNS: Final[tuple[str, ...]] = (
    "submitted_on",
    "allocated_on",
    "assessed_on",
    "result_on",
)
"""The date columns of ``submissions``, in the order events happen."""

DATE_ORDER: Final[tuple[tuple[str, str], ...]] = (
    ("submitted_on", "allocated_on"), ("allocated_on", "assessed_on"),
    ("submitted_on", "assessed_on"), ("submitted_on", "result_on"),
    ("assessed_on", "result_on"),
)  # fmt: skip
"""Pairs ``(earlier, later)`` of date columns that must not be out of order."""

ID_COLUMNS: Final[frozenset[str]] = frozenset(
    {"submission_id", "portfolio_id", "lead_assessor", "second_assessor", "assessor_id"}
)
"""Columns holding pseudonymous keys (checked for people's names)."""

RATING_COLUMNS_SCORED: Final[tuple[str, ...]] = ("lead", "second", "final")
"""The rating columns holding S, A or R."""


def phrase_key(text: object) -> str:
    """A code or phrase normalised for lookup: lower case, one space, plain hyphens.

    Examples
    --------
    >>> phrase_key("  Referral – Minor  revisions ")
    'referral - minor revisions'
    """
    t = str(text).strip().lower().replace("–", "-").replace("—", "-")
    t = re.sub(r"\s*-\s*", " - ", t)
    return re.sub(r"\s+", " ", t)


def _aliases(pairs: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, words in pairs:
        out[phrase_key(code)] = code
        for w in words:
            out[phrase_key(w)] = code
    return out


PATHWAY_ALIASES: Final[Mapping[str, str]] = _aliases(
    (c, [PATHWAY_NAMES[c], c.replace("CMALT", " CMALT")]) for c in PATHWAYS
) | {"associate": "ACMALT", "senior": "SCMALT", "a-cmalt": "ACMALT", "s-cmalt": "SCMALT"}
"""Pathway words as exports write them (by :func:`phrase_key`) -> pathway code."""

OUTCOME_ALIASES: Final[Mapping[str, str]] = _aliases((c, [OUTCOME_NAMES[c]]) for c in OUTCOMES) | {
    phrase_key("minor revisions required"): "minor",
    phrase_key("major revisions required"): "major",
    phrase_key("referral - minor"): "minor",
    phrase_key("referral - major"): "major",
    phrase_key("minor revisions"): "minor",
    phrase_key("major revisions"): "major",
}
"""Outcome words of the assessment form -> outcome code."""

RATING_ALIASES: Final[Mapping[str, str]] = _aliases((c, [RATING_NAMES[c]]) for c in RATINGS) | {
    phrase_key("revision required"): "R",
    phrase_key("revisions"): "R",
}
"""Rating words (Strong, Adequate, Revisions required) -> S, A or R."""

SECTION_ALIASES: Final[Mapping[str, str]] = {phrase_key(s): s for s in SECTIONS} | {"4.0": "4"}
"""Section codes as written (``4.0`` from a spreadsheet number) -> section code."""

SUBMISSION_TYPE_ALIASES: Final[Mapping[str, str]] = {
    "first": "first", "first submission": "first", "1st submission": "first",
    "resubmission": "resubmission", "re-submission": "resubmission",
    "re - submission": "resubmission", "second submission": "resubmission",
    "2nd submission": "resubmission",
    "review": "review", "portfolio review": "review", "3-yearly review": "review",
    "3 - yearly review": "review", "cmalt review": "review",
}  # fmt: skip
"""Submission-type words -> ``first``, ``resubmission`` or ``review``."""

ATTEMPT_ALIASES: Final[Mapping[str, int]] = {
    "1": 1, "2": 2, "1.0": 1, "2.0": 2, "first": 1, "second": 2,
}  # fmt: skip
"""Attempt words -> 1 or 2."""

BOOL_ALIASES: Final[Mapping[str, bool]] = {
    "true": True, "false": False, "yes": True, "no": False, "y": True, "n": False,
    "1": True, "0": False, "t": True, "f": False, "1.0": True, "0.0": False,
}  # fmt: skip
"""Yes/no words -> bool."""

GAP_ALIASES: Final[Mapping[str, str]] = {e: e for e in GAP_ELEMENTS} | {
    "desc": "description",
    "reflective": "reflection",
    "reflect": "reflection",
}
"""Gap element words -> element."""
