"""The top of a published report: what was left out, how fresh the data are, and where
the figures come from, with every count passed through the report's disclosure step.

The staff report's banner (:mod:`cmalt_qa.reports._actnow`) counts the input rows kept
out by rule and says what they change. A published report says the same things with the
counts it may publish: the input rows used and left out per data table, and their total
left out, are registered with the report's :class:`~cmalt_qa.disclosure.Disclosure`, so
a small count of left-out rows reads "suppressed" like any table cell and the audit
covers it. The breakdown by rule stays in the staff report and ``cmalt-qa validate``
(rule counts overlap, a row can break several, and a reader could bound a hidden one
from the others). See ``docs/disclosure.md``.
"""

from __future__ import annotations

import datetime as _dt
import html as _html
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import pandas as pd

from ..disclosure import CellRef, Disclosure

__all__ = [
    "INPUT_TABLE",
    "LEFT_OUT",
    "input_rows",
    "add_input_rows",
    "published_notices_html",
    "show_published_notices",
    "published_provenance",
]

INPUT_TABLE: Final[str] = "input_rows"
"""Name of the published table of input rows used and left out."""

LEFT_OUT: Final[str] = "rows left out"
"""Name of the published number: input rows left out of the figures, all tables."""

_LABELS: Final[Mapping[str, str]] = {
    "data_table": "Data table",
    "read": "Rows read",
    "used": "Rows used",
    "left_out": "Rows left out",
}


def input_rows(recs: Any) -> pd.DataFrame:
    """Rows read, used in the figures and left out (quarantined), per data table.

    Every input row is used or left out (the data contract), so ``read = used +
    left_out``; rows read come from the loader's record of the input
    (``recs.source["rows_read"]``).

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> input_rows(qa.load("data/sample"))["left_out"].tolist()
    [0, 0, 0]
    """
    from ..scheme import TABLES

    read = (getattr(recs, "source", None) or {}).get("rows_read") or {}
    rows = []
    for t in TABLES:
        frame = getattr(recs, t, None)
        used = 0 if frame is None else len(frame)
        n_read = int(read.get(t, used) or 0)
        rows.append({"data_table": t, "read": max(n_read, used), "used": used})
    out = pd.DataFrame(rows, columns=["data_table", "read", "used"])
    out["left_out"] = out["read"] - out["used"]
    return out


def add_input_rows(
    d: Disclosure, recs: Any, *, submissions: tuple[CellRef, float] | None = None
) -> None:
    """Register the input rows (:func:`input_rows`) and the total left out with ``d``.

    Parameters
    ----------
    d : Disclosure
        The report's disclosure step (before :meth:`~Disclosure.protect`).
    recs : Records
        The whole dataset as loaded.
    submissions : (CellRef, float), optional
        The report's own count of submissions and its value: when it equals the
        submissions used (a report over every period) the two are declared equal, since
        a reader sees the same number twice.
    """
    rows = input_rows(recs)
    # Rows read are not printed: read = used + left out would tie a hidden count of
    # rows left out to the rows used, and hide those (and the report's count of
    # submissions with them) for no gain.
    d.add_table(
        INPUT_TABLE,
        rows,
        counts=["used", "left_out"],
        keys=["data_table"],
        columns=["data_table", "used", "left_out"],
        caption="Input rows used in the figures and left out",
        labels=dict(_LABELS),
    )
    d.add_number(
        LEFT_OUT,
        int(rows["left_out"].sum()),
        equals=[d.cell(INPUT_TABLE, i, "left_out") for i in range(len(rows))],
    )
    if submissions is not None and submissions[1] == rows["used"].iloc[0]:
        d.add_relation(
            {submissions[0]: 1.0, d.cell(INPUT_TABLE, 0, "used"): -1.0},
            "the report's submissions are every submission used",
        )


def _last_date(recs: Any) -> _dt.date | None:
    from ._params import latest_date

    try:
        return latest_date(recs)
    except (ValueError, KeyError, AttributeError):
        return None


def _left_out_later(recs: Any, covers: str | None) -> str:
    """What left-out submissions change, in words without counts: "" unless some of
    them are dated after every submission used (the newest rows of an export)."""
    from ._actnow import _raw_submitted_on, _window_of

    problems = recs.problems
    if problems is None or not len(problems):
        return ""
    subs = problems[problems["file"].astype(str).str.startswith("submissions")]
    rows = sorted(pd.unique(pd.to_numeric(subs["row"], errors="coerce").dropna().astype(int)))
    dates = _raw_submitted_on(recs, rows).dropna() if rows else pd.Series(dtype=object)
    valid = pd.to_datetime(recs.submissions.get("submitted_on"), errors="coerce").dropna()
    if not len(dates) or not len(valid) or dates.max() <= valid.max():
        return ""
    last_w = _window_of(recs, dates.max())
    text = (
        f"Submissions dated after {valid.max().date()}, the newest used, were among those left out"
    )
    if last_w and covers and last_w > covers:
        text += f": these figures cover periods up to {covers} although the data run to {last_w}"
    return text + "."


def published_notices_html(published: Any, recs: Any, params: Mapping[str, Any]) -> str:
    """The banner at the top of a published report: rows left out (a disclosed count)
    and how fresh the data are. Every value is escaped.

    Parameters
    ----------
    published : DisclosedReport
        The report's disclosure step, with :func:`add_input_rows` registered.
    recs : Records
    params : mapping
        The report's parameters (``first_window``, ``last_window``).
    """
    esc = _html.escape
    from ..disclosure import SUPPRESSED
    from ._format import plural

    parts = []
    left = published.number(LEFT_OUT)
    true_left = float(input_rows(recs)["left_out"].sum())
    if true_left:
        how_many = (
            f"{plural(int(left), 'input row')} {'was' if left == 1 else 'were'}"
            if pd.notna(left)
            else f"Some input rows (how many is {SUPPRESSED}, as in the tables) were"
        )
        parts.append(
            f"<p><strong>{esc(how_many)} left out of the figures</strong> because they "
            "broke a rule of the data contract: see the problems list (run "
            "<code>cmalt-qa validate</code> on the data). The figures below do not count "
            "them; the table of input rows under Provenance gives them per data table.</p>"
        )
    later = _left_out_later(recs, params.get("last_window"))
    if later:
        parts.append(f"<p>{esc(later)}</p>")
    last = _last_date(recs)
    if last is not None:
        upto = params.get("last_window")
        parts.append(
            f'<p class="cmalt-fresh">Data as of {esc(str(last))} (the last date in the '
            f"rows used){f', periods up to {esc(str(upto))}' if upto else ''}. Portfolios "
            "still open then are counted as open; results recorded later are not in "
            "these figures.</p>"
        )
    if not parts:
        return ""
    return f'<div class="cmalt-left-out" role="note">{"".join(parts)}</div>'


def show_published_notices(published: Any, recs: Any, params: Mapping[str, Any]) -> None:
    """Display :func:`published_notices_html` (the first thing a published report shows)."""
    from IPython.display import HTML, display

    text = published_notices_html(published, recs, params)
    if text:
        display(HTML(text))


def published_provenance(
    published: Any, recs: Any, data: str | Path, parameters: Mapping[str, Any]
) -> None:
    """Where a published report's figures come from.

    The data location, parameters, toolkit version and generation time (UTC;
    ``SOURCE_DATE_EPOCH`` overrides it), each input file's sha256, and the input rows
    used and left out as the disclosure step published them.
    """
    from ._helpers import _provenance_items, show_provenance_head
    from ._published import show_published

    items = _provenance_items(recs, data, parameters, min_count=None)
    # the dataset-wide counts are in the disclosed table below, not here
    items = items[~items["item"].isin(["Rows loaded", "Rows quarantined"])]
    show_provenance_head(items.reset_index(drop=True), recs, data)
    show_published(published.table(INPUT_TABLE))
