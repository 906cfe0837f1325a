"""What a reader must hear first: rows kept out, stale data, and (staff) what to do now.

Three pieces, each a data function and a renderer:

* :func:`left_out` -- the input rows kept out of the figures, by rule, and what that
  changes (a banner at the top of every report; the command line prints the same);
* :func:`freshness` -- the export's last date against the report date;
* :func:`act_now` -- the window report's box: overdue and at-risk portfolios with the
  assessors to contact, assessors out of line, and the two notices above.

The data functions return plain values and tables; :func:`notice_lines` and
:func:`act_now_html` turn them into words through :mod:`cmalt_qa.reports._format`.
"""

from __future__ import annotations

import datetime as _dt
import html as _html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pandas as pd

from . import _format as fmt

__all__ = [
    "STALE_DAYS",
    "LeftOut",
    "Freshness",
    "ActNow",
    "left_out",
    "freshness",
    "act_now",
    "notice_lines",
    "notices_html",
    "act_now_html",
    "urgent_table_html",
    "awaiting_html",
]

STALE_DAYS: Final[int] = 7
"""A report date more than this many days after the data's last date is stated as stale."""

URGENT: Final[tuple[str, ...]] = ("overdue", "at risk")
"""The statuses the act-now list holds (awaiting allocation is said apart)."""

URGENT_SHOWN: Final[int] = 12
"""Rows of the act-now list shown before the rest is folded away."""


@dataclass(frozen=True)
class LeftOut:
    """Input rows kept out of the figures (quarantined), and what that changes.

    Attributes
    ----------
    rows : int
        Distinct input rows kept out (a row may break several rules).
    by_file : dict
        Rows kept out per input file.
    by_rule : DataFrame
        ``rule``, ``rows``: rows kept out per rule, most first.
    effects : list of str
        Sentences saying what it changes for the report (may be empty).
    """

    rows: int
    by_file: dict[str, int]
    by_rule: pd.DataFrame
    effects: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Freshness:
    """The export's last date against the report date."""

    last_date: _dt.date | None
    as_of: _dt.date | None
    stale: bool

    @property
    def gap_days(self) -> int:
        if self.last_date is None or self.as_of is None:
            return 0
        return (self.as_of - self.last_date).days

    def sentence(self) -> str:
        """The warning, or "" when the data are fresh."""
        if not self.stale:
            return ""
        return (
            f"The export ends {self.last_date}, {fmt.plural(self.gap_days, 'day')} before the "
            f"report date {self.as_of}: cases shown overdue may have results not in this export."
        )


@dataclass(frozen=True)
class ActNow:
    """The window report's "act now" box, as data."""

    as_of: str
    window: str
    n_open: int
    urgent: pd.DataFrame
    out_of_line: pd.DataFrame
    left_out: LeftOut
    freshness: Freshness
    awaiting: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Open portfolios not yet allocated to assessors and not yet at risk: counted and
    listed apart from ``urgent`` (overdue and at risk), which they would swell."""


# --------------------------------------------------------------------------- left out
def _raw_submitted_on(recs: Any, rows: list[int]) -> pd.Series:
    """``submitted_on`` of quarantined submission rows, read back from the input file.

    The records keep only valid rows, so the dates of rows kept out are read again (as
    text) and parsed leniently, ISO first, then day first (the UK convention): they only
    place the rows in time for the banner, never in a figure. Missing when unreadable.
    """
    source = getattr(recs, "source", None) or {}
    path = Path(str(source.get("path", "")))
    try:
        if path.is_dir():
            raw = pd.read_csv(
                path / "submissions.csv",
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                skipinitialspace=True,
            )
        elif path.suffix.lower() == ".xlsx":
            sheets = pd.read_excel(path, sheet_name=None, dtype=str)
            name = next(k for k in sheets if str(k).strip().lower() == "submissions")
            raw = sheets[name]
        else:
            return pd.Series(dtype="datetime64[ns]")
    except Exception:  # the banner must never fail a report; the rows are still counted
        return pd.Series(dtype="datetime64[ns]")
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    if "submitted_on" not in raw.columns:
        return pd.Series(dtype="datetime64[ns]")
    text = raw["submitted_on"].astype(str).str.strip()
    text.index = text.index + 2  # spreadsheet rows: the header is row 1
    text = text.reindex([r for r in rows if r in text.index])
    iso = pd.to_datetime(text, format="ISO8601", errors="coerce")
    # Day first only for text that does not open with a year: "2026-13-01" is no date,
    # not 13 January 2026.
    uk = pd.to_datetime(
        text.where(~text.str.match(r"^\d{4}")), dayfirst=True, errors="coerce", format="mixed"
    )
    return iso.fillna(uk)


def _window_of(recs: Any, day: pd.Timestamp) -> str | None:
    cal = getattr(recs, "calendar", None)
    try:
        return str(cal.window_of(day)) if cal is not None else None
    except Exception:  # a date outside the calendar: no period named
        return None


def _effects(recs: Any, problems: pd.DataFrame, window: str | None) -> list[str]:
    subs = problems[problems["file"].astype(str).str.startswith("submissions")]
    rows = sorted(pd.unique(pd.to_numeric(subs["row"], errors="coerce").dropna().astype(int)))
    out: list[str] = []
    if rows:
        dates = _raw_submitted_on(recs, rows).dropna()
        valid = pd.to_datetime(recs.submissions.get("submitted_on"), errors="coerce").dropna()
        last_valid = valid.max() if len(valid) else None
        later = dates[dates > last_valid] if last_valid is not None else dates
        if len(later):
            last_w = _window_of(recs, later.max())
            covers = window or (_window_of(recs, last_valid) if last_valid is not None else None)
            text = (
                f"the latest {fmt.plural(len(later), 'submission')} (to {fmt.date(later.max())}) "
                f"{fmt.plural(len(later), 'was', 'were', number=False)} kept out"
            )
            if last_w and covers and last_w > covers:
                text += f"; the report covers {covers} although the data run to {last_w}"
            out.append(text[:1].upper() + text[1:] + ".")
        if window is not None and len(dates):
            inside = sum(1 for d in dates if _window_of(recs, d) == window)
            if inside:
                out.append(
                    f"{fmt.plural(inside, 'submission')} of {window} "
                    f"{fmt.plural(inside, 'was', 'were', number=False)} kept out: "
                    f"its counts are short by {inside}."
                )
    n_rat = problems[problems["file"].astype(str).str.startswith("ratings")].drop_duplicates(
        ["row"]
    )
    if len(n_rat):
        out.append(
            f"{fmt.plural(len(n_rat), 'ratings row')} kept out: section figures "
            "(referrals, agreement, assessors) do not count them."
        )
    return out


def left_out(recs: Any, *, window: str | None = None) -> LeftOut:
    """The input rows kept out of the figures, by file and rule, and what that changes.

    Parameters
    ----------
    recs : Records
    window : str, optional
        The period a report covers: the effects then say whether it lost rows, and
        whether later data were kept out.

    Returns
    -------
    LeftOut
    """
    problems = recs.problems
    if problems is None or not len(problems):
        return LeftOut(0, {}, pd.DataFrame({"rule": [], "rows": []}), [])
    distinct = problems.drop_duplicates(["file", "row"])
    by_file = {str(k): int(v) for k, v in distinct.groupby("file").size().items()}
    by_rule = (
        problems.drop_duplicates(["file", "row", "rule"])
        .groupby("rule")
        .size()
        .rename("rows")
        .reset_index()
        .sort_values(["rows", "rule"], ascending=[False, True])
        .reset_index(drop=True)
    )
    return LeftOut(len(distinct), by_file, by_rule, _effects(recs, problems, window))


# --------------------------------------------------------------------------- freshness
def freshness(recs: Any, as_of: Any, *, stale_days: int = STALE_DAYS) -> Freshness:
    """The export's last date (any date in the submissions) against the report date.

    Stale when the report date is more than ``stale_days`` after the last date.
    """
    from .._analysis import latest_date

    try:
        last = latest_date(recs.submissions).date()
    except (ValueError, KeyError, AttributeError):
        last = None
    day = None if as_of in (None, "") else pd.Timestamp(as_of).date()
    stale = last is not None and day is not None and (day - last).days > stale_days
    return Freshness(last, day, stale)


# --------------------------------------------------------------------------- act now
def act_now(
    recs: Any,
    as_of: Any,
    *,
    window: str,
    severity: pd.DataFrame | None = None,
    at_risk_days: int = 21,
) -> ActNow:
    """The data of the window report's "act now" box.

    Parameters
    ----------
    recs : Records
        Every period (open cases are listed whatever their period).
    as_of : date or ISO string
    window : str
        The period reported.
    severity : DataFrame, optional
        :func:`cmalt_qa.assessors.severity`; its ``out_of_line`` rows are listed.
    at_risk_days : int
        As for :func:`cmalt_qa.turnaround.open_cases`.
    """
    from ..turnaround import open_cases

    open_now = open_cases(recs, as_of, at_risk_days=at_risk_days)
    urgent = open_now[open_now["status"].isin(URGENT)].reset_index(drop=True)
    awaiting = open_now[open_now["status"] == "awaiting allocation"].reset_index(drop=True)
    if severity is not None and "out_of_line" in severity.columns:
        out = severity[severity["out_of_line"].fillna(False).astype(bool)].reset_index(drop=True)
    else:
        out = pd.DataFrame(columns=["assessor_id"])
    return ActNow(
        fmt.date(as_of),
        str(window),
        len(open_now),
        urgent,
        out,
        left_out(recs, window=window),
        freshness(recs, as_of),
        awaiting,
    )


def notice_lines(left: LeftOut, fresh: Freshness | None = None) -> list[str]:
    """The left-out and freshness notices as plain lines (the command line prints them)."""
    lines: list[str] = []
    if left.rows:
        rules = "; ".join(f"{r.rule}: {r.rows}" for r in left.by_rule.itertuples())
        files = ", ".join(f"{fmt.plural(v, 'row')} of {k}" for k, v in left.by_file.items())
        lines.append(
            f"{fmt.plural(left.rows, 'input row')} kept out of the figures ({files}); "
            f"by rule: {rules}."
        )
        lines.extend(left.effects)
    if fresh is not None and fresh.stale:
        lines.append(fresh.sentence())
    return lines


def notices_html(left: LeftOut, fresh: Freshness | None = None) -> str:
    """The banner at the top of a report; "" when nothing was left out and data are fresh."""
    esc = _html.escape
    items = []
    if left.rows:
        files = ", ".join(f"{fmt.plural(v, 'row')} of {k}" for k, v in left.by_file.items())
        rules = "".join(
            f"<li>{esc(str(r.rule))}: {fmt.plural(r.rows, 'row')}</li>"
            for r in left.by_rule.itertuples()
        )
        items.append(
            f"<p><strong>{esc(fmt.plural(left.rows, 'input row'))} kept out of the figures</strong> "
            f"({esc(files)}), by rule:</p><ul>{rules}</ul>"
            + "".join(f"<p>{esc(e)}</p>" for e in left.effects)
            + "<p>The provenance section lists them; <code>cmalt-qa validate</code> shows each one.</p>"
        )
    if fresh is not None and fresh.stale:
        items.append(f"<p><strong>Stale data.</strong> {esc(fresh.sentence())}</p>")
    if not items:
        return ""
    return f'<div class="cmalt-left-out" role="note">{"".join(items)}</div>'


_URGENT_COLS = [
    fmt.col("submission_id"),
    fmt.col("status"),
    fmt.col("days_left", "text"),
    fmt.col("promise_due", "date"),
    fmt.col("window"),
    fmt.col("pathway"),
    fmt.col("stage"),
    fmt.col("lead_assessor"),
    fmt.col("second_assessor"),
]


def urgent_table_html(urgent: pd.DataFrame, as_of: str, *, top: int | None = None) -> str:
    """The overdue and at-risk portfolios as a table: all of them, sortable and
    filterable (folded when long); or with ``top``, the most urgent ``top`` only."""
    u = urgent if top is None else urgent.head(top)
    shown = fmt.format_table(u, _URGENT_COLS)
    for c in ("Lead assessor", "Second assessor"):
        shown[c] = shown[c].replace("", "not allocated")
    if top is not None:
        caption = (
            f"The {len(u)} most urgent of {len(urgent)} overdue and at-risk portfolios"
            if len(u) < len(urgent)
            else f"Overdue and at-risk portfolios on {as_of}"
        )
        return fmt.html_table(
            shown, caption, keys=["Submission"], empty="No portfolio is overdue or at risk."
        )
    raw = pd.DataFrame(
        {"Days left": u["days_left"], "Promise date": u["promise_due"].astype(str)}, index=u.index
    )
    return fmt.html_table(
        shown,
        f"Overdue and at-risk portfolios on {as_of}, most urgent first",
        keys=["Submission"],
        sortable=True,
        sort_values=raw,
        collapse_after=25,
        summary=f"Show all {len(u)} overdue and at-risk portfolios (sortable, filterable)",
        empty="No portfolio is overdue or at risk.",
    )


def _to_contact(urgent: pd.DataFrame, most: int = 8) -> str:
    seats = urgent[["lead_assessor", "second_assessor"]].stack().dropna().astype(str)
    if seats.empty:
        return ""
    n = seats.value_counts().sort_index().sort_values(ascending=False, kind="stable")
    named = [f"{a} ({k})" for a, k in n.head(most).items()]
    if len(n) > most:
        named.append(f"{fmt.plural(len(n) - most, 'other')}")
    return fmt.join_words(named)


def _status_words(n_over: int, n_risk: int) -> str:
    over = (
        f"{fmt.plural(n_over, 'portfolio')} {fmt.plural(n_over, 'is', 'are', number=False)} overdue"
        if n_over
        else "no portfolio is overdue"
    )
    risk = (
        f"{n_risk} {fmt.plural(n_risk, 'is', 'are', number=False)} at risk"
        if n_risk
        else "none is at risk"
    )
    return f"{over} and {risk}" if n_over else f"{over}; {risk}"


def freshness_html(fresh: Freshness) -> str:
    """One line on how fresh the data are (the stale warning is in the notices)."""
    if fresh.last_date is None or fresh.stale:
        return ""
    gap = fresh.gap_days
    when = "the report date" if gap == 0 else f"{fmt.plural(gap, 'day')} before the report date"
    return f'<p class="cmalt-fresh">The export\'s last date is {fresh.last_date}, {when}.</p>'


def awaiting_html(awaiting: pd.DataFrame, most: int = 8) -> str:
    """The portfolios awaiting allocation, counted and named apart from the urgent list
    ("" when there is none)."""
    if awaiting is None or not len(awaiting):
        return ""
    n = len(awaiting)
    ids = [str(s) for s in awaiting["submission_id"].head(most)]
    if n > most:
        ids.append(fmt.plural(n - most, "other"))
    soonest = int(awaiting["days_left"].min())
    return (
        f"<p><strong>{_html.escape(fmt.plural(n, 'portfolio'))} "
        f"{fmt.plural(n, 'is', 'are', number=False)} awaiting allocation</strong> "
        f"(no assessors yet; the soonest due in {_html.escape(fmt.plural(soonest, 'day'))}): "
        f"{_html.escape(fmt.join_words(ids))}.</p>"
    )


def act_now_html(box: ActNow) -> str:
    """The "act now" box of the window report, as HTML (every value escaped)."""
    esc = _html.escape
    u = box.urgent
    n_over = int((u["status"] == "overdue").sum())
    n_risk = int((u["status"] == "at risk").sum())
    parts = [
        '<section class="cmalt-act-now" aria-labelledby="act-now"><h2 id="act-now">Act now</h2>'
    ]
    notices = notices_html(box.left_out, box.freshness)
    if notices:
        parts.append(notices)
    parts.append(freshness_html(box.freshness))
    if len(u):
        first = u.iloc[0]
        who = _to_contact(u)
        parts.append(
            f"<p>On {esc(box.as_of)}, <strong>{esc(_status_words(n_over, n_risk))}</strong> "
            f"(at risk: due within 21 days), of "
            f"{esc(fmt.plural(box.n_open, 'open portfolio'))}. The most urgent, "
            f"{esc(str(first['submission_id']))}, is "
            + (
                f"{esc(fmt.plural(-int(first['days_left']), 'day'))} past its promise date."
                if int(first["days_left"]) < 0
                else f"due in {esc(fmt.plural(int(first['days_left']), 'day'))}."
            )
            + (f" Assessors to contact (portfolios each): {esc(who)}." if who else "")
            + "</p>"
        )
        parts.append(urgent_table_html(u, box.as_of, top=URGENT_SHOWN))
        if len(u) > URGENT_SHOWN:
            parts.append(
                "<p>All of them are listed, sortable and filterable, under "
                '<a href="#Open-cases-and-those-at-risk">Open cases and those at risk</a>.</p>'
            )
    else:
        parts.append(
            f"<p>No portfolio is overdue or at risk on {esc(box.as_of)} "
            f"({esc(fmt.plural(box.n_open, 'open portfolio'))}).</p>"
        )
    parts.append(awaiting_html(box.awaiting))
    o = box.out_of_line
    if len(o):
        names = fmt.join_words(str(a) for a in o["assessor_id"])
        parts.append(
            f"<p><strong>{esc(fmt.plural(len(o), 'assessor'))} out of line</strong> "
            f"(severity, all periods up to this one): {esc(names)}. See the Assessors "
            "section.</p>"
        )
    else:
        parts.append("<p>No assessor is out of line.</p>")
    parts.append("</section>")
    return "".join(parts)
