"""Turnaround against the 3-month promise, and the live list of portfolios at risk.

ALT promises every result no later than 3 calendar months after submission
(:func:`cmalt_qa.scheme.promise_due`) and asks assessors to finish within 6-8 weeks of
receiving a portfolio (:data:`cmalt_qa.scheme.ASSESSOR_TARGET_WEEKS`). This module answers

* during a window: which portfolios are at risk today (:func:`open_cases`);
* after it: how the window did (:func:`summary`, :func:`calendar_check`);
* over the years: whether the promise is kept (:func:`summary` with ``by=("year",)``),
  and the curves behind it (:func:`km_curves`).

Time to result is a time-to-event quantity: a case still open on ``as_of`` is
right-censored, never dropped. Everything is computed as the data stood on ``as_of``:
results, allocations and assessments dated after it are treated as not yet known, and
submissions made after it are left out (with a note, see :func:`summary`). ``as_of``
defaults to the latest date found in the data, never the machine's clock.

Conventions
-----------
Dates are whole days and ``as_of`` is read as a closed day: everything dated on or before
it is known, so a case with no result by then has T > days_open (right-censored at
``days_open``). A result on the due date is within the promise; a case with no result by
the end of its due date is a breach; one whose due date is after ``as_of`` is
*undetermined*. (:func:`open_cases`, the list for staff to act on during the day, calls a
case due today "at risk", not "overdue": it can still be returned today.)

Estimates
---------
The share within the promise is a Kaplan-Meier estimate on time measured from each
case's own due date, :math:`T = \\text{result} - \\text{promise\\_due}` (days,
:math:`T \\le 0` is within the promise), open cases censored at
``as_of - promise_due`` (see the module's conventions). The share is
:math:`1 - \\hat S(0)`. A case open past its due date is censored after 0 and so counts
as a breach; one open and not yet due is censored before 0 and its weight is shared
out over the later returns, as the product-limit estimator does. With no such case
the estimate is the plain proportion and the Wilson interval is given; otherwise the
exponential-Greenwood (log-log) interval. Medians and percentiles are
:math:`\\inf\\{t: \\hat S(t) \\le q\\}` with intervals from inverting the pointwise
interval of S (Brookmeyer & Crowley 1982).

References
----------
Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from incomplete
observations. JASA 53(282), 457-481.
Brookmeyer, R. & Crowley, J. (1982). A confidence interval for the median survival
time. Biometrics 38(1), 29-41.
Checked against lifelines ``KaplanMeierFitter`` (``median_survival_times``,
``qth_survival_time``, ``confidence_interval_``) and ``scipy.stats.binomtest``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._analysis import (
    DATE_COLUMNS,
    check_args,
    check_by,
    check_records,
    filter_types,
    groups,
    parse_date,
    resolve_as_of,
)
from ._stats import km_fit, km_quantile, share_by
from ._words import plural
from .records import Records
from .scheme import ASSESSOR_TARGET_WEEKS

__all__ = ["summary", "open_cases", "calendar_check", "km_curves", "STATUSES"]

STATUSES: tuple[str, ...] = ("overdue", "at risk", "awaiting allocation", "on track")
"""Statuses of an open case, most urgent first (see :func:`open_cases`)."""


# --------------------------------------------------------------------------- helpers
def _days(delta: pd.Series) -> np.ndarray:
    return (delta / pd.Timedelta(days=1)).to_numpy(dtype=np.float64)


def _prepare(
    recs: Records, as_of: object, submission_types: Sequence[str] | None
) -> tuple[pd.DataFrame, pd.Timestamp, str]:
    """Submissions as they stood on ``as_of``, with the time-to-event columns.

    Added columns: ``returned`` (bool), ``days`` and ``rel_days`` (event or censoring
    time from submission and from the due date), ``late`` (returned after due),
    ``overdue`` (open at the end of its due date or later), ``undetermined`` (open,
    due after ``as_of``),
    ``stage_in`` (in the assessor-stage analysis), ``stage_days``, ``stage_done``.
    Returns the frame, ``as_of`` and the note on excluded submissions ("" if none).
    """
    subs = check_records(recs).submissions.copy()
    stamp = resolve_as_of(subs, as_of)
    subs = filter_types(subs, submission_types)
    for c in DATE_COLUMNS:
        subs[c] = pd.to_datetime(subs[c]) if c in subs.columns else pd.NaT
    subs["promise_due"] = pd.to_datetime(subs["promise_due"])
    after = subs["submitted_on"] > stamp
    note = ""
    if after.any():
        note = (
            f"{plural(int(after.sum()), 'submission')} made after as_of={stamp.date()} "
            f"{plural(int(after.sum()), 'is', 'are', number=False)} not yet in the data as it "
            f"stood then and {plural(int(after.sum()), 'was', 'were', number=False)} left out"
        )
        subs = subs[~after]
    known = {c: subs[c].where(subs[c] <= stamp) for c in DATE_COLUMNS}
    res, due, sub = known["result_on"], subs["promise_due"], subs["submitted_on"]
    returned = res.notna().to_numpy()
    open_days = _days(stamp - sub)
    subs["returned"] = returned
    # Censoring: ``as_of`` is a closed day (everything dated on or before it is known),
    # so a case still open after d whole days has T > d, an ordinary right-censoring at
    # d (tied censorings stay in the risk set, as in scipy, lifelines and R). Censoring
    # half a day earlier, so that a case open on its due day would be undetermined, was
    # tried and dropped: the few results dated ``as_of`` then close the curve's tail and
    # absorb the weight of every open case (a share of 1 for a live window).
    subs["days"] = np.where(returned, _days(res - sub), open_days)
    subs["rel_days"] = np.where(returned, _days(res - due), _days(stamp - due))
    subs["late"] = returned & (res > due).to_numpy()
    subs["overdue"] = ~returned & (stamp >= due).to_numpy()
    subs["undetermined"] = ~returned & (stamp < due).to_numpy()
    alloc, assessed = known["allocated_on"], known["assessed_on"]
    done = assessed.notna().to_numpy()
    # Stage allocated -> assessed: an event when assessed_on is known; censored while
    # the portfolio is with the assessors; left out when returned without assessed_on
    # (the stage's end was never recorded) or not yet allocated.
    subs["stage_in"] = alloc.notna().to_numpy() & (done | ~returned)
    subs["stage_done"] = done
    subs["stage_days"] = np.where(done, _days(assessed - alloc), _days(stamp - alloc))
    for c in ("allocated_on", "assessed_on", "result_on"):
        subs[c] = known[c]
    return subs, stamp, note


def _attach_note(table: pd.DataFrame, stamp: pd.Timestamp, note: str) -> pd.DataFrame:
    table.attrs["as_of"] = stamp
    table.attrs["note"] = note
    if note:
        warnings.warn(note, UserWarning, stacklevel=3)
    return table


# --------------------------------------------------------------------------- summary
def _summary_row(g: pd.DataFrame, ci: float) -> dict[str, float]:
    returned = g["returned"].to_numpy()
    fit = km_fit(g["days"], returned, ci)
    med = km_quantile(fit, 0.5)
    p90 = km_quantile(fit, 0.1)
    share, s_lo, s_hi, undet = share_by(g["rel_days"], returned, 0.0, ci)
    n_ret = int(returned.sum())
    late = int(g["late"].sum())
    overdue = int(g["overdue"].sum())
    row: dict[str, float] = {
        "n": len(g),
        "returned": n_ret,
        "open": len(g) - n_ret,
        "breaches": late + overdue,
        "breaches_returned_late": late,
        "breaches_open_overdue": overdue,
        "undetermined": undet,
        "median_days": med[0],
        "median_days_ci_low": med[1],
        "median_days_ci_high": med[2],
        "p90_days": p90[0],
        "p90_days_ci_low": p90[1],
        "p90_days_ci_high": p90[2],
        "within_promise": share,
        "within_promise_ci_low": s_lo,
        "within_promise_ci_high": s_hi,
        "within_promise_naive": (n_ret - late) / n_ret if n_ret else np.nan,
    }
    st = g[g["stage_in"]]
    row["stage_n"] = len(st)
    row["stage_assessed"] = int(st["stage_done"].sum())
    stage_fit = km_fit(st["stage_days"], st["stage_done"], ci)
    s_med = km_quantile(stage_fit, 0.5)
    row["stage_median_days"], row["stage_median_days_ci_low"], row["stage_median_days_ci_high"] = (
        s_med
    )
    for weeks in ASSESSOR_TARGET_WEEKS:
        est, lo, hi, _ = share_by(st["stage_days"], st["stage_done"], 7.0 * weeks, ci)
        row[f"within_{weeks}w"], row[f"within_{weeks}w_ci_low"], row[f"within_{weeks}w_ci_high"] = (
            est,
            lo,
            hi,
        )
    return row


def summary(
    recs: Records,
    by: Sequence[str] | str = ("window",),
    *,
    as_of: object = None,
    submission_types: Sequence[str] | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Turnaround per group: returns, breaches of the promise, time to result.

    Parameters
    ----------
    recs : Records
    by : sequence of str
        Submission columns to group by (``window``, ``pathway``, ``year``, ``attempt``,
        ``submission_type``, ...); ``()`` for one overall row.
    as_of : date, ISO string or Timestamp, optional
        The day the data are read as of. None: the latest date in the data (max over
        ``submitted_on``, ``allocated_on``, ``assessed_on``, ``result_on``).
    submission_types : sequence of {"first", "resubmission", "review"}, optional
        Kinds to include. Default all: the promise holds per portfolio, whatever its type.
    ci : float
        Confidence level of every interval.

    Returns
    -------
    DataFrame
        One row per group: the ``by`` columns, then

        * ``n`` (submitted by ``as_of``), ``returned``, ``open``;
        * ``breaches`` = ``breaches_returned_late`` + ``breaches_open_overdue``;
          ``undetermined`` (open and due after ``as_of``); a case open on its due date
          counts as a breach (``as_of`` is a closed day, see the module docstring);
        * ``median_days``, ``p90_days`` with ``_ci_low``/``_ci_high``: Kaplan-Meier median
          and 90th percentile of days from submission to result (open cases censored);
          NaN while the curve (or its limit) has not reached that level;
        * ``within_promise`` with ``_ci_low``/``_ci_high``: estimated share returned
          within the promise (see Notes); NaN while it cannot be estimated yet (no case
          followed up to its due date); ``within_promise_naive``: the share among
          returned cases only, for contrast (biased upward while late cases are open);
        * the assessor stage, allocated -> assessed: ``stage_n`` (allocated by
          ``as_of``), ``stage_assessed``, ``stage_median_days`` (+ CI), and
          ``within_6w``, ``within_8w`` (+ CI): shares assessed within 6 and 8 weeks,
          censored the same way. NaN where no dates were recorded.

        ``attrs["as_of"]`` holds the date used and ``attrs["note"]`` the note on
        excluded submissions ("" if none).

    Warns
    -----
    UserWarning
        When submissions dated after ``as_of`` are left out (they were not yet in the
        data); the same text is in ``attrs["note"]``.

    Notes
    -----
    How the share within the promise, the medians and their intervals are estimated:
    see the module docstring ("Estimates").

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> t = summary(recs, by=())
    >>> list(t.columns[:4])
    ['n', 'returned', 'open', 'breaches']
    >>> bool(t.attrs["as_of"] >= recs.submissions["submitted_on"].max())  # the data's clock
    True
    """
    check_args(recs, by, as_of=as_of, submission_types=submission_types, ci=ci)
    frame, stamp, note = _prepare(recs, as_of, submission_types)
    cols = check_by(by, frame.columns)
    rows = [dict(zip(cols, key)) | _summary_row(g, ci) for key, g in groups(frame, cols)]
    table = pd.DataFrame(rows)
    if table.empty:
        table = pd.DataFrame(columns=[*cols, *_summary_row(frame.iloc[:0], ci)])
    return _attach_note(table.reset_index(drop=True), stamp, note)


# --------------------------------------------------------------------------- open cases
def open_cases(
    recs: Records,
    as_of: object,
    *,
    at_risk_days: int = 21,
    submission_types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every submission without a result on ``as_of``, most urgent first.

    Parameters
    ----------
    recs : Records
    as_of : date, ISO string or Timestamp
        Today, for the weekly check (required: there is no "today" default).
    at_risk_days : int
        A case due within this many days is "at risk".
    submission_types : sequence of str, optional
        Kinds to include; default all.

    Returns
    -------
    DataFrame
        One row per open case: ``submission_id``, ``window``, ``pathway``, ``attempt``,
        ``days_open`` (as_of - submitted_on), ``promise_due``, ``days_left``
        (promise_due - as_of; negative when overdue), ``status`` ("overdue" when
        ``days_left < 0``, "at risk" when ``days_left <= at_risk_days``, including a
        case due today, which can still be returned today, else "awaiting allocation"
        when no assessors have it yet (``allocated_on`` blank; its assessors may be
        blank too), else "on track"), ``lead_assessor``, ``second_assessor``, then ``submission_type``,
        ``portfolio_id``, ``submitted_on``, ``allocated_on``, ``assessed_on`` (NaT if
        not yet, as of ``as_of``), ``stage`` ("awaiting allocation", "with assessors",
        "assessed, result pending") and ``days_with_assessors``. Sorted by
        ``days_left`` then longest open first. ``attrs`` as for :func:`summary`.

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> t = open_cases(recs, "2026-06-01")
    >>> list(t.columns[:4]), set(t["status"]) <= set(STATUSES)
    (['submission_id', 'window', 'pathway', 'attempt'], True)
    """
    if isinstance(at_risk_days, bool) or not isinstance(at_risk_days, (int, np.integer)):
        raise TypeError("at_risk_days must be an integer number of days")
    if at_risk_days < 0:
        raise ValueError("at_risk_days must be >= 0")
    check_args(recs, as_of=as_of, submission_types=submission_types)
    frame, stamp, note = _prepare(recs, parse_date(as_of), submission_types)
    o = frame[~frame["returned"]].copy()
    o["days_open"] = _days(stamp - o["submitted_on"]).astype(np.int64)
    o["days_left"] = _days(o["promise_due"] - stamp).astype(np.int64)
    o["status"] = np.select(
        [o["days_left"] < 0, o["days_left"] <= at_risk_days, o["allocated_on"].isna()],
        ["overdue", "at risk", "awaiting allocation"],
        "on track",
    )
    o["stage"] = np.select(
        [o["allocated_on"].isna(), o["assessed_on"].isna()],
        ["awaiting allocation", "with assessors"],
        "assessed, result pending",
    )
    o["days_with_assessors"] = _days(o["assessed_on"].fillna(stamp) - o["allocated_on"])
    o = o.sort_values(
        ["days_left", "days_open", "submission_id"], ascending=[True, False, True], kind="stable"
    )
    cols = [
        "submission_id", "window", "pathway", "attempt", "days_open", "promise_due",
        "days_left", "status", "lead_assessor", "second_assessor", "submission_type",
        "portfolio_id", "submitted_on", "allocated_on", "assessed_on", "stage",
        "days_with_assessors",
    ]  # fmt: skip
    table = o[[c for c in cols if c in o.columns]].reset_index(drop=True)
    return _attach_note(table, stamp, note)


# --------------------------------------------------------------------------- calendar
def _month_end(month: str) -> pd.Timestamp:
    return pd.Period(month, freq="M").end_time.normalize()


def calendar_check(
    recs: Records,
    as_of: object = None,
    *,
    submission_types: Sequence[str] | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Results per window against the promise date and against the published result month.

    The old published calendar says "result in May" for a January window, while the
    promise for a 31 January submission is 30 April: this table shows how often the two
    statements disagree in practice.

    Parameters
    ----------
    recs : Records
        ``recs.calendar.result_month(window)`` gives the published month.
    as_of, submission_types, ci
        As for :func:`summary`.

    Returns
    -------
    DataFrame
        One row per window: ``window``, ``result_month`` (``YYYY-MM``),
        ``result_month_end`` (its last day), ``n``, ``returned``, ``open``;
        ``promised_before_result_month``: cases whose due date falls before the first
        day of the published month (the calendar promises them a later result than the
        promise does); counts of ``within_promise`` (returned by the due date),
        ``late_within_result_month`` (after the due date, by the end of the result
        month), ``after_result_month`` (returned after it, or still open past it) and
        ``undetermined``; and censored Kaplan-Meier shares (as in :func:`summary`):
        ``share_within_promise``, ``share_within_result_month`` (each with
        ``_ci_low``/``_ci_high``) and ``share_late_within_result_month`` (their
        difference: late by the promise, on time by the calendar).

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> list(calendar_check(recs).columns[:3])
    ['window', 'result_month', 'result_month_end']
    """
    check_args(recs, as_of=as_of, submission_types=submission_types, ci=ci)
    frame, stamp, note = _prepare(recs, as_of, submission_types)
    rows = []
    for (window,), g in groups(frame, ["window"]):
        month = recs.calendar.result_month(str(window))
        end = _month_end(month)
        start = pd.Period(month, freq="M").start_time
        returned = g["returned"].to_numpy()
        res = g["result_on"]
        rel_month = np.where(returned, _days(res - end), float((stamp - end).days))
        p, p_lo, p_hi, undet_p = share_by(g["rel_days"], returned, 0.0, ci)
        m, m_lo, m_hi, undet_m = share_by(rel_month, returned, 0.0, ci)
        within = int((returned & ~g["late"].to_numpy()).sum())
        after_month = int((returned & (res > end).to_numpy()).sum()) + int(
            (~returned & (stamp >= end)).sum()
        )
        late_in_month = int((g["late"].to_numpy() & (res <= end).to_numpy()).sum())
        rows.append(
            {
                "window": window,
                "result_month": month,
                "result_month_end": end,
                "n": len(g),
                "returned": int(returned.sum()),
                "open": int((~returned).sum()),
                "promised_before_result_month": int((g["promise_due"] < start).sum()),
                "within_promise": within,
                "late_within_result_month": late_in_month,
                "after_result_month": after_month,
                "undetermined": len(g) - within - late_in_month - after_month,
                "share_within_promise": p,
                "share_within_promise_ci_low": p_lo,
                "share_within_promise_ci_high": p_hi,
                "share_within_result_month": m,
                "share_within_result_month_ci_low": m_lo,
                "share_within_result_month_ci_high": m_hi,
                "share_late_within_result_month": m - p,
            }
        )
    return _attach_note(pd.DataFrame(rows), stamp, note)


# --------------------------------------------------------------------------- curves
_PROMISE_COLUMNS = (
    "promise_days_min",
    "promise_days_max",
    "within_promise",
    "within_promise_ci_low",
    "within_promise_ci_high",
)


def _promise_columns(g: pd.DataFrame, ci: float) -> dict[str, float]:
    """The group's promise in days (from each case's own due date) and the share
    returned within it, as :func:`summary` has it (censoring respected)."""
    length = _days(g["promise_due"] - g["submitted_on"])
    share, low, high, _ = share_by(g["rel_days"], g["returned"].to_numpy(), 0.0, ci)
    return {
        "promise_days_min": float(np.min(length)) if len(length) else np.nan,
        "promise_days_max": float(np.max(length)) if len(length) else np.nan,
        "within_promise": share,
        "within_promise_ci_low": low,
        "within_promise_ci_high": high,
    }


def km_curves(
    recs: Records,
    by: Sequence[str] | str = ("window",),
    *,
    as_of: object = None,
    submission_types: Sequence[str] | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Kaplan-Meier curves of days from submission to result, tidy, for plotting.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``days`` (0, then every observed time: event days, and
        censoring times at ``days_open``), ``share_returned`` (1 - S),
        ``ci_low``, ``ci_high`` (log-log limits; zero width where S is 0 or 1, as in
        lifelines), ``at_risk``,
        ``returned`` (results that day), ``censored``, ``n`` (cases in the group);
        and, the same on every row of a group: ``promise_days_min``,
        ``promise_days_max`` (the shortest and longest promise of its cases in days,
        from each case's own due date, :func:`cmalt_qa.scheme.promise_due`: 3 calendar
        months are 89 to 92 days) and ``within_promise`` with ``within_promise_ci_low``,
        ``within_promise_ci_high`` (the share returned by each case's own due date,
        exactly as in :func:`summary`). ``attrs`` as for :func:`summary`, plus
        ``attrs["by"]``.

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> t = km_curves(recs, by=())
    >>> list(t.columns[:3]), float(t["share_returned"].max()) <= 1.0
    (['days', 'share_returned', 'ci_low'], True)
    """
    check_args(recs, by, as_of=as_of, submission_types=submission_types, ci=ci)
    frame, stamp, note = _prepare(recs, as_of, submission_types)
    cols = check_by(by, frame.columns)
    parts = []
    for key, g in groups(frame, cols):
        fit = km_fit(g["days"], g["returned"], ci)
        start = pd.DataFrame(
            {"days": [0.0], "share_returned": [0.0], "ci_low": [0.0], "ci_high": [0.0],
             "at_risk": [fit.n], "returned": [0], "censored": [0]}
        )  # fmt: skip
        curve = pd.DataFrame(
            {
                "days": fit.times,
                "share_returned": 1.0 - fit.sf,
                "ci_low": 1.0 - fit.sf_high,
                "ci_high": 1.0 - fit.sf_low,
                "at_risk": fit.at_risk,
                "returned": fit.events,
                "censored": fit.censored,
            }
        )
        if fit.n and fit.times[0] <= 0.0:
            start = start.iloc[:0]
        part = pd.concat([start, curve], ignore_index=True)
        for c, v in zip(cols, key):
            part[c] = v
        part["n"] = fit.n
        for c, v in _promise_columns(g, ci).items():
            part[c] = v
        parts.append(part)
    out_cols = [
        *cols,
        "days",
        "share_returned",
        "ci_low",
        "ci_high",
        "at_risk",
        "returned",
        "censored",
        "n",
        *_PROMISE_COLUMNS,
    ]
    table = (
        pd.concat(parts, ignore_index=True)[out_cols] if parts else pd.DataFrame(columns=out_cols)
    )
    table.attrs["by"] = tuple(cols)
    return _attach_note(table, stamp, note)
