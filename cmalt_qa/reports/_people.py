"""What the report notebooks call to show tables, boxes and headlines for people.

Thin display wrappers over :mod:`cmalt_qa.reports._format` (the strings) and
:mod:`cmalt_qa.reports._actnow` (the act-now data); re-exported by
:mod:`cmalt_qa.reports`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from . import _actnow as _an
from . import _format as fmt
from ._helpers import esc

__all__ = [
    "HEADLINE_MIN_N",
    "AGREEMENT_COLUMNS",
    "RULE_NAMES",
    "rule_names",
    "show_urgent",
    "turnaround_sentence",
    "calendar_sentence",
    "top_section_sentence",
    "agreement_sentence",
    "severity_sentence",
    "table",
    "show_act_now",
    "show_notices",
    "headline_row",
    "markers_of",
    "infer_columns",
    "published_html",
]

HEADLINE_MIN_N: Final[int] = 10
"""No headline ("the highest", "the lowest", "only x%") from a group smaller than this."""


def _display_html(text: str) -> None:
    from IPython.display import HTML, display

    display(HTML(text))


def table(
    frame: pd.DataFrame,
    caption: str,
    columns: Sequence[fmt.Col | str],
    *,
    keys: Sequence[str] = (),
    empty: str = "Nothing to show yet.",
    sortable: bool = False,
    collapse_after: int | None = 30,
    summary: str | None = None,
    note: str | None = None,
    markers: pd.DataFrame | None = None,
    order: tuple[str, bool] | None = None,
) -> None:
    """Display an analysis table for people (staff report; nothing hidden).

    Parameters
    ----------
    frame : DataFrame
        Plain numbers, as an analysis returned them.
    caption : str
    columns : sequence of Col or str
        What to show (:func:`cmalt_qa.reports._format.col`).
    keys : sequence of str
        Source columns shown as row headers.
    empty : str
        The sentence shown when there is no row.
    sortable : bool
        Sort by a heading and filter in the browser.
    collapse_after : int, optional
        Fold a longer table under a one-line summary.
    note, summary, markers
        As for :func:`cmalt_qa.reports._format.html_table` and
        :func:`cmalt_qa.reports._format.format_table`.
    order : (column, ascending), optional
        Sort the rows first (stable).
    """
    if order is not None and len(frame):
        frame = frame.sort_values(order[0], ascending=order[1], kind="stable")
    cols = [c if isinstance(c, fmt.Col) else fmt.col(c) for c in columns]
    shown = fmt.format_table(frame, cols, markers=markers)
    labels = [
        c.label for c in cols if (c.source if isinstance(c.source, str) else c.source[0]) in keys
    ]
    sort_values = None
    if sortable:
        sort_values = pd.DataFrame(
            {
                c.label: frame[c.columns[0]]
                for c in cols
                if pd.api.types.is_numeric_dtype(frame[c.columns[0]])
            },
            index=frame.index,
        )
    _display_html(
        fmt.html_table(
            shown,
            caption,
            keys=labels,
            note=note,
            empty=empty,
            sortable=sortable,
            collapse_after=collapse_after,
            summary=summary,
            sort_values=sort_values,
        )
    )


def markers_of(published: Any) -> pd.DataFrame:
    """Disclosure markers of a published table: its display string where a cell is
    hidden (``"suppressed"``, ``"<5"``) or printed coarser (``"≈80%"``), else None."""
    shown = published.shown
    hidden = published.hidden.reindex(index=shown.index, columns=shown.columns, fill_value=False)
    coarse = shown.apply(lambda s: s.astype(str).str.startswith(("\u2248", "<")))
    keep = hidden.fillna(False).astype(bool) | coarse
    return shown.where(keep)


_DECIMALS = re.compile(r"\.(\d+)")
_SHARE_NAME = re.compile(r"rate|share|percent|within|centre|^[lu]cl$|^ci_")
"""Columns that hold a share, by name: how one is shown when no value of it is printed."""


def _is_yesno(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values):
        return True
    present = values.dropna()
    return len(present) > 0 and all(isinstance(v, (bool, np.bool_)) for v in present)


def _kind_from_shown(
    values: pd.Series, shown: pd.Series, hidden: pd.Series
) -> tuple[str, int | None]:
    """A column's kind and decimals, read from the strings the disclosure step printed
    (by its name when it printed none: every cell hidden or undefined)."""
    if _is_yesno(values):
        return "yesno", None
    if not pd.api.types.is_numeric_dtype(values):
        return "text", None
    texts = [
        str(t) for t, h in zip(shown, hidden) if not h and not str(t).startswith(("<", "\u2248"))
    ]
    texts = [t for t in texts if t and t not in ("n/a", "nan")]
    digits = max((len(m.group(1)) for t in texts if (m := _DECIMALS.search(t))), default=0)
    if any(t.endswith("%") for t in texts) or (not texts and _SHARE_NAME.search(str(values.name))):
        return "pct", digits
    present = values.dropna()
    if "days" in str(values.name):
        return "days", None
    if digits == 0 and len(present) and all(float(v).is_integer() for v in present):
        # an undefined value among shown whole numbers reads "too few", never "0"
        return ("count", None) if len(present) == int((~hidden).sum()) else ("num", 0)
    return ("signed" if any(t.startswith("+") for t in texts) else "num"), digits or 2


PUBLISHED_LABELS: Final[dict[str, str]] = {"rate": "Referral rate", "k": "Referred"}
"""Headings of the published tables where the general label is too vague (every ``rate``
they print is a referral rate)."""


def _heading(label: str) -> str:
    return label if label == "n" else label[:1].upper() + label[1:]


def infer_columns(published: Any) -> list[fmt.Col]:
    """Display columns of a published table, each kind read from the strings it printed;
    an estimate shown with its interval columns becomes one cell; headings are the table's
    own labels (capitalised), else :data:`PUBLISHED_LABELS`, else the human label."""
    cols = [c for c in published.columns]
    own = dict(getattr(published, "labels", None) or {})
    labels = {c: _heading(own.get(c) or PUBLISHED_LABELS.get(c) or fmt.label_of(c)) for c in cols}
    hidden = published.hidden.reindex(index=published.shown.index, columns=cols, fill_value=False)
    specs = fmt.auto_columns(cols, labels=labels)
    out = []
    for c in specs:
        first = c.columns[0]
        kind, digits = _kind_from_shown(
            published.values[first],
            published.shown[first],
            hidden[first].fillna(False).astype(bool),
        )
        if len(c.columns) == 3 and kind == "count":
            kind = "num"
        if first in published.keys:  # a year or a section is a name, not a count
            kind, digits = "text", None
        out.append(fmt.Col(c.source, kind, c.label, digits))
    return out


def published_html(
    published: Any,
    note: str | None = None,
    *,
    empty: str = "Nothing to show yet.",
    collapse_after: int | None = 30,
) -> str:
    """HTML of a table that passed disclosure control, formatted for people: human
    headings, each estimate with its interval in one cell, the markers the disclosure
    step gave (``suppressed``, ``<5``, ``≈80%``) kept, no ``nan``. Each heading carries
    the column it shows as ``data-col`` (the attack tests read the tables by it)."""
    cols = infer_columns(published)
    shown = fmt.format_table(published.values, cols, markers=markers_of(published))
    keys = [c.label for c in cols if c.columns[0] in published.keys]
    return fmt.html_table(
        shown,
        published.caption,
        keys=keys,
        note=note,
        empty=empty,
        collapse_after=collapse_after,
        sources={c.label: c.columns[0] for c in cols},
    )


def show_act_now(
    recs: Any, as_of: Any, *, window: str, severity: pd.DataFrame | None = None
) -> _an.ActNow:
    """Display the window report's "act now" box; returns its data."""
    box = _an.act_now(recs, as_of, window=window, severity=severity)
    _display_html(_an.act_now_html(box))
    return box


def show_notices(recs: Any, *, window: str | None = None, as_of: Any = None) -> None:
    """Display the banner of rows kept out (and of stale data), if any: the top of every
    committee and research report."""
    text = _an.notices_html(
        _an.left_out(recs, window=window), _an.freshness(recs, as_of) if as_of else None
    )
    if text:
        _display_html(text)


def headline_row(
    frame: pd.DataFrame,
    value: str,
    *,
    n: str = "n",
    min_n: int = HEADLINE_MIN_N,
    largest: bool = True,
) -> pd.Series | None:
    """The row a headline may name: the largest (or smallest) ``value`` among the groups
    with at least ``min_n`` behind them and a value shown (hidden or undefined values
    never rank); None when no group qualifies."""
    ok = frame[pd.to_numeric(frame[n], errors="coerce").fillna(0) >= min_n]
    ok = ok[pd.to_numeric(ok[value], errors="coerce").notna()]
    if ok.empty:
        return None
    ordered = ok.sort_values(value, ascending=not largest, kind="stable")
    return ordered.iloc[0]


AGREEMENT_COLUMNS: Final[list[fmt.Col]] = [
    fmt.col("section"),
    fmt.col("n", "count", "Pairs"),
    fmt.col("percent_agreement", "pct"),
    fmt.col(("kappa_quadratic", "kappa_quadratic_ci_low", "kappa_quadratic_ci_high"), "num"),
    fmt.col(("ac2_quadratic", "ac2_quadratic_ci_low", "ac2_quadratic_ci_high"), "num"),
    fmt.col("kappa_paradox", "yesno"),
]
"""The agreement table's columns: each coefficient with its interval in one cell."""

RULE_NAMES: Final[dict[str, str]] = {
    "lead_inexperienced": "Lead with fewer than 3 prior assessments",
    "both_inexperienced": "Both assessors inexperienced",
    "resubmission_reassigned": "Resubmission not returned to its assessors",
}


def rule_names(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with its ``rule`` codes in words."""
    out = frame.copy()
    if "rule" in out.columns:
        out["rule"] = out["rule"].map(lambda r: RULE_NAMES.get(str(r), str(r).replace("_", " ")))
    return out


def show_urgent(box: _an.ActNow) -> None:
    """Every overdue and at-risk portfolio, sortable and filterable (folded when long)."""
    _display_html(_an.urgent_table_html(box.urgent, box.as_of))


def _row(frame: pd.DataFrame, key: str, value: str) -> pd.Series | None:
    hit = frame[frame[key].astype(str) == str(value)]
    return None if hit.empty else hit.iloc[0]


def turnaround_sentence(summary: pd.DataFrame, window: str, *, min_n: int = HEADLINE_MIN_N) -> str:
    """This period's turnaround in words (interval with the estimate; never from fewer
    than ``min_n`` portfolios with a result)."""
    row = _row(summary, "window", window)
    if row is None or not row["n"]:
        return (
            f"No portfolio of {window} has been submitted by the report date: nothing to show yet."
        )
    text = (
        f"In {window}, {fmt.count(row['returned'])} of {fmt.plural(row['n'], 'portfolio')} "
        f"{fmt.plural(row['returned'], 'has', 'have', number=False)} a result and "
        f"{fmt.count(row['breaches'])} broke the promise."
    )
    if row["returned"] < min_n:
        return text + (
            f" With fewer than {min_n} results, the share returned within three "
            "months is too few to estimate."
        )
    return text + (
        " Estimated share returned within three months: "
        + fmt.estimate(
            row["within_promise"], row["within_promise_ci_low"], row["within_promise_ci_high"]
        )
        + f"; median {fmt.days(row['median_days'])} days to a result."
    )


def calendar_sentence(check: pd.DataFrame, window: str) -> str:
    """The published calendar against the promise, for this period, in plain words."""
    row = _row(check, "window", window)
    if row is None or not row["n"]:
        return ""
    month = pd.Period(str(row["result_month"]), freq="M").strftime("%B %Y")
    early = int(row["promised_before_result_month"])
    late = int(row["late_within_result_month"])
    text = (
        f"ALT's published calendar gives this period's results in {month}. The promise "
        f"(three months from submission) falls before {month} for {early} of "
        f"{fmt.plural(row['n'], 'portfolio')}"
    )
    if not early:
        return text + "."
    return text + (
        f": {fmt.plural(late, 'result')} came after the promise date yet within "
        f"{month}, late by the promise though on time by the calendar."
    )


def top_section_sentence(sections: pd.DataFrame, *, min_n: int = HEADLINE_MIN_N) -> str:
    """The most-referred section, only among sections with at least ``min_n`` decisions."""
    top = headline_row(sections, "rate", min_n=min_n)
    if top is None:
        return (
            f"No section has {min_n} or more decisions this period: too few to say which "
            "is referred most often."
        )
    if not top["referred"]:
        return f"No section was referred among those with {min_n} or more decisions."
    return (
        f"Among sections with {min_n} or more decisions, section {esc(top['section'])} was "
        f"referred most often: {fmt.count(top['referred'])} of "
        f"{fmt.plural(top['n'], 'submission')} "
        f"({fmt.estimate(top['rate'], top['ci_low'], top['ci_high'])})."
    )


def agreement_sentence(agreement: pd.DataFrame, *, min_n: int = HEADLINE_MIN_N) -> str:
    """The range of exact agreement and the kappa-paradox sections, from sections with at
    least ``min_n`` pairs."""
    ok = agreement[(agreement["n"] >= min_n) & agreement["percent_agreement"].notna()]
    if ok.empty:
        return f"No section has {min_n} or more pairs of ratings: too few to compare sections."
    paradox = ok.loc[ok["kappa_paradox"].fillna(False).astype(bool), "section"].astype(str)
    return (
        f"Among the {fmt.plural(len(ok), 'section')} with {min_n} or more pairs, exact "
        f"agreement ranged from {fmt.pct(ok['percent_agreement'].min())} to "
        f"{fmt.pct(ok['percent_agreement'].max())}. Kappa paradox: "
        + (fmt.join_words(esc(p) for p in paradox) if len(paradox) else "no section")
        + "."
    )


def severity_sentence(severity: pd.DataFrame) -> str:
    """Who is out of line, counted over the assessors the figure draws (those with an
    interval), so that the sentence and the figure's title agree."""
    rated = severity[severity["ci_low"].notna() & severity["ci_high"].notna()]
    flagged = rated[rated["out_of_line"].fillna(False).astype(bool)]
    thr = severity.attrs.get("threshold")
    text = (
        f"Threshold: shrunken severity beyond \u00b1{fmt.num(thr)} score points per section. "
        if thr is not None
        else ""
    )
    text += (
        f"{fmt.count(len(flagged))} of {fmt.plural(len(rated), 'assessor')} with paired "
        f"ratings {fmt.plural(len(flagged), 'is', 'are', number=False)} out of line"
    )
    text += (
        (": " + fmt.join_words(esc(a) for a in flagged["assessor_id"].astype(str)) + ".")
        if len(flagged)
        else "."
    )
    left = len(severity) - len(rated)
    if left:
        text += f" {fmt.plural(left, 'assessor')} with too few ratings for an interval not drawn."
    return text
