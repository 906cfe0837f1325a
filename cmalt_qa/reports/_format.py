"""The reports' formatting layer: numbers, intervals, labels and tables for people.

The library never formats (its tables hold plain numbers); every string a report shows
is made here, once, so that a title and the table under it cannot disagree (a headline
uses the same :func:`pct` as the table cell it repeats).

What a reader never sees: ``nan``, ``nan%``, ``-0.00``, a raw column name such as
``within_promise_ci_low``, an interval split over two columns, an empty header row. An
undefined estimate reads :data:`TOO_FEW`; a cell withheld by disclosure control keeps
the marker the disclosure step gave it (``"suppressed"``, ``"<5"``).
"""

from __future__ import annotations

import html as _html
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from .._words import fixed as _fixed
from .._words import join_words, plural

__all__ = [
    "TOO_FEW",
    "LABELS",
    "Col",
    "col",
    "is_missing",
    "pct",
    "num",
    "count",
    "days",
    "date",
    "estimate",
    "plural",
    "join_words",
    "label_of",
    "format_table",
    "auto_columns",
    "html_table",
    "empty_state",
    "TABLE_SCRIPT",
    "TABLE_CSS",
]

TOO_FEW: Final[str] = "too few to estimate"
"""Shown for an estimate that is undefined (no data, or fewer than the minimum n)."""

NONE_YET: Final[str] = "none yet"
"""Shown for a figure of which no instance exists yet (e.g. no result returned)."""

DASH: Final[str] = "\u2013"  # en dash between the ends of an interval

LABELS: Final[Mapping[str, str]] = {
    "submission_id": "Submission",
    "portfolio_id": "Portfolio",
    "window": "Period",
    "year": "Year",
    "pathway": "Pathway",
    "section": "Section",
    "attempt": "Attempt",
    "submission_type": "Kind",
    "stage": "Stage",
    "status": "Status",
    "days_open": "Days open",
    "days_left": "Days left",
    "promise_due": "Promise date",
    "lead_assessor": "Lead assessor",
    "second_assessor": "Second assessor",
    "assessor_id": "Assessor",
    "n": "n",
    "decided": "Decided",
    "open": "Open",
    "n_open": "Open",
    "returned": "Returned",
    "breaches": "Broke the promise",
    "median_days": "Median days to result",
    "p90_days": "90% returned within (days)",
    "within_promise": "Within the promise",
    "within_8w": "Assessed within 8 weeks",
    "n_distinction": "Distinction",
    "n_pass": "Pass",
    "n_minor": "Minor revisions",
    "n_major": "Major revisions",
    "referred": "Referred",
    "rate": "Rate",
    "percent_agreement": "Exact agreement",
    "kappa_quadratic": "Kappa (quadratic)",
    "ac2_quadratic": "Gwet's AC2 (quadratic)",
    "kappa_paradox": "Kappa paradox",
    "n_portfolios": "Portfolios",
    "severity": "Severity",
    "severity_shrunk": "Severity (shrunken)",
    "agreement_with_final": "Agreed with final",
    "rule": "Rule",
    "n_checked": "Checked",
    "n_breaches": "Broken",
    "n_unknown_prior": "Experience unknown",
    "lines": "Problem lines",
    "rows": "Rows",
    "lcl": "Lower limit",
    "ucl": "Upper limit",
    "signal": "Signal",
    "classification": "Final decision followed",
    "result": "Result",
    "share": "Share",
    "n_r": "Rated R",
    "n_gaps_recorded": "R with gap data",
    "description": "Lacking description",
    "evidence": "Lacking evidence",
    "reflection": "Lacking reflection",
    "description_rate": "Share lacking description",
    "evidence_rate": "Share lacking evidence",
    "reflection_rate": "Share lacking reflection",
}
"""Human column labels; a column not listed is shown with its underscores as spaces."""


def label_of(column: str) -> str:
    """The human label of a column name (:data:`LABELS`, else a readable fallback)."""
    if column in LABELS:
        return LABELS[column]
    text = str(column).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- values
def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas' NA (never for a string)."""
    if value is None or isinstance(value, str):
        return value is None
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _marker(value: Any) -> str | None:
    """A disclosure marker or other text already meant for display, else None."""
    return value if isinstance(value, str) else None


def pct(value: Any, digits: int = 0, *, missing: str = TOO_FEW) -> str:
    """A share as a percentage: ``pct(0.7251) == "73%"``; missing reads ``missing``.

    Examples
    --------
    >>> pct(0.7251), pct(-0.0001, 1), pct(float("nan")), pct("suppressed")
    ('73%', '0.0%', 'too few to estimate', 'suppressed')
    """
    if _marker(value) is not None:
        return value
    if is_missing(value):
        return missing
    return _fixed(100 * float(value), digits) + "%"


def num(value: Any, digits: int = 2, *, signed: bool = False, missing: str = TOO_FEW) -> str:
    """A number with fixed decimals, never ``-0.00``; missing reads ``missing``.

    Examples
    --------
    >>> num(0.549), num(-0.001), num(0.25, signed=True), num(float("nan"))
    ('0.55', '0.00', '+0.25', 'too few to estimate')
    """
    if _marker(value) is not None:
        return value
    if is_missing(value):
        return missing
    return _fixed(float(value), digits, signed)


def count(value: Any, *, missing: str = "0") -> str:
    """A whole count: ``count(12.0) == "12"``; thousands separated (``"1,204"``)."""
    if _marker(value) is not None:
        return value
    if is_missing(value):
        return missing
    return f"{int(round(float(value))):,}"


def days(value: Any, *, missing: str = NONE_YET) -> str:
    """A number of days, whole: ``days(83.6) == "84"``."""
    if _marker(value) is not None:
        return value
    if is_missing(value):
        return missing
    return _fixed(float(value), 0)


def date(value: Any, *, missing: str = "") -> str:
    """An ISO date (``2026-09-20``) from a date, datetime, Timestamp or ISO string."""
    if is_missing(value):
        return missing
    if isinstance(value, str):
        return value[:10]
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def estimate(
    est: Any,
    low: Any = None,
    high: Any = None,
    *,
    kind: str = "pct",
    digits: int | None = None,
    missing: str = TOO_FEW,
) -> str:
    """An estimate with its interval in one cell: ``"0.55 (0.23–0.78)"``, ``"73% (61–82%)"``.

    Parameters
    ----------
    est, low, high
        The estimate and the ends of its interval (either end may be missing: then the
        estimate is shown alone). A string (a disclosure marker) is shown as it is.
    kind : {"pct", "num", "signed"}
        Percentages (the interval's ends share one ``%``), plain or signed numbers.
    digits : int, optional
        Decimals: 0 for percentages and 2 for numbers by default.

    Examples
    --------
    >>> estimate(0.549, 0.231, 0.778, kind="num")
    '0.55 (0.23–0.78)'
    >>> estimate(0.7251, 0.61, 0.82)
    '73% (61–82%)'
    >>> estimate(float("nan"), float("nan"), float("nan"))
    'too few to estimate'
    """
    if _marker(est) is not None:
        return est
    if is_missing(est):
        return missing
    if kind == "pct":
        d = 0 if digits is None else digits
        head = pct(est, d)
        if _marker(low) or _marker(high) or is_missing(low) or is_missing(high):
            return head
        return f"{head} ({_fixed(100 * float(low), d)}{DASH}{_fixed(100 * float(high), d)}%)"
    d = 2 if digits is None else digits
    signed = kind == "signed"
    head = num(est, d, signed=signed)
    if _marker(low) or _marker(high) or is_missing(low) or is_missing(high):
        return head
    lo, hi = num(low, d, signed=signed), num(high, d, signed=signed)
    # "−0.87–0.91" reads as a subtraction: an interval with a signed end says "to"
    sep = " to " if signed or "\u2212" in lo + hi else DASH
    return f"{head} ({lo}{sep}{hi})"


# --------------------------------------------------------------------------- tables
@dataclass(frozen=True)
class Col:
    """One displayed column of a table for people.

    Attributes
    ----------
    source : str or tuple of three str
        A column, or ``(estimate, low, high)`` columns shown in one cell.
    kind : str
        ``text``, ``count``, ``pct``, ``num``, ``signed``, ``days``, ``date`` or
        ``yesno``.
    label : str
        The heading.
    digits : int, optional
    """

    source: str | tuple[str, str, str]
    kind: str = "text"
    label: str = ""
    digits: int | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)


def col(
    source: str | Sequence[str],
    kind: str = "text",
    label: str | None = None,
    digits: int | None = None,
) -> Col:
    """A :class:`Col`; the label defaults to the (first) column's human label.

    ``col(("kappa", "kappa_ci_low", "kappa_ci_high"), "num")`` shows ``"0.55 (0.23–0.78)"``.
    """
    src = source if isinstance(source, str) else tuple(source)
    if not isinstance(src, str) and len(src) != 3:
        raise ValueError(f"an interval column takes (estimate, low, high), got {source!r}")
    first = src if isinstance(src, str) else src[0]
    return Col(src, kind, label if label is not None else label_of(first), digits)


def _cell(c: Col, row: Mapping[str, Any]) -> str:
    if not isinstance(c.source, str):
        e, lo, hi = (row.get(x) for x in c.source)
        kind = c.kind if c.kind in ("pct", "num", "signed") else "num"
        return estimate(e, lo, hi, kind=kind, digits=c.digits)
    v = row.get(c.source)
    if c.kind == "count":
        return count(v)
    if c.kind == "pct":
        return pct(v, c.digits or 0)
    if c.kind in ("num", "signed"):
        return num(v, 2 if c.digits is None else c.digits, signed=c.kind == "signed")
    if c.kind == "days":
        return days(v)
    if c.kind == "date":
        return date(v)
    if c.kind == "yesno":
        if _marker(v) is not None:
            return v
        return "" if is_missing(v) else ("yes" if bool(v) else "no")
    if is_missing(v):
        return ""
    if isinstance(v, numbers.Real) and not isinstance(v, bool) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _kind_of(fmt_spec: Any, is_count: bool) -> str:
    if is_count:
        return "count"
    text = str(fmt_spec or "")
    if "%" in text:
        return "pct"
    if "+" in text:
        return "signed"
    return "num" if text else "text"


def auto_columns(
    columns: Sequence[str],
    *,
    formats: Mapping[str, Any] | None = None,
    counts: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
) -> list[Col]:
    """Display columns for a table shown with its analysis column names.

    An estimate followed anywhere by its interval columns (``x``, ``x_ci_low``,
    ``x_ci_high``; or ``rate``, ``ci_low``, ``ci_high``) becomes one cell
    ``"0.55 (0.23–0.78)"``; counts are whole numbers; a column with a percentage format
    is a percentage; headings are :func:`label_of` unless ``labels`` names them.

    Examples
    --------
    >>> [c.label for c in auto_columns(["section", "n", "rate", "ci_low", "ci_high"],
    ...                                formats={"rate": "{:.0%}"}, counts=["n"])]
    ['Section', 'n', 'Rate']
    """
    formats, labels = dict(formats or {}), dict(labels or {})
    cols = list(columns)

    def ends(c: str) -> tuple[str, str]:
        # An interval named after its estimate, or the bare ``ci_low``/``ci_high`` right
        # after the estimate they belong to (``rate``, ``share``).
        if f"{c}_ci_low" in cols or c == "rate" or "ci_low" not in cols:
            return (f"{c}_ci_low", f"{c}_ci_high") if c != "rate" else ("ci_low", "ci_high")
        after = cols.index("ci_low") - 1
        return ("ci_low", "ci_high") if after >= 0 and cols[after] == c else ("", "")

    paired = {c for c in cols if c not in counts and all(e in cols for e in ends(c))}
    inner = {e for c in paired for e in ends(c)}
    out: list[Col] = []
    for c in cols:
        if c in inner:
            continue
        kind = _kind_of(formats.get(c), c in counts)
        label = labels.get(c, label_of(c))
        if c in paired:
            out.append(Col((c, *ends(c)), kind if kind != "text" else "num", label))
        else:
            out.append(Col(c, kind, label))
    return out


def format_table(
    table: pd.DataFrame,
    columns: Sequence[Col | str],
    *,
    markers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A table of display strings with human headings, one :class:`Col` per column.

    Parameters
    ----------
    table : DataFrame
        Plain numbers, as the analyses return them.
    columns : sequence of Col or str
        What to show, in order (a str is ``col(name)``: shown as text).
    markers : DataFrame of str, optional
        Disclosure markers (``"suppressed"``, ``"<5"``) by cell, same index as ``table``,
        NaN/None where a cell is shown: a marked cell shows its marker, whatever its value.

    Returns
    -------
    DataFrame of str, columns named by the labels.

    Examples
    --------
    >>> t = pd.DataFrame({"section": ["1a"], "k": [0.549], "k_ci_low": [0.231], "k_ci_high": [0.778]})
    >>> format_table(t, ["section", col(("k", "k_ci_low", "k_ci_high"), "num", "Kappa")]).to_dict("list")
    {'Section': ['1a'], 'Kappa': ['0.55 (0.23–0.78)']}
    """
    cols = [c if isinstance(c, Col) else col(c) for c in columns]
    missing = [x for c in cols for x in c.columns if x not in table.columns]
    if missing:
        raise KeyError(f"columns not in the table: {', '.join(missing)}")
    records = table.to_dict("records")
    if markers is not None:
        marks = markers.reindex(index=table.index).to_dict("records")
        for rec, mark in zip(records, marks):
            for k, m in mark.items():
                if isinstance(m, str) and m:
                    rec[k] = m
    out = {c.label: [_cell(c, r) for r in records] for c in cols}
    return pd.DataFrame(out, index=table.index, columns=[c.label for c in cols])


_NUMERIC = re.compile(r"^[<\u2248+\u2212-]?[\d,.]+%?( \(.*\))?$")
"""A cell that reads as a number (right-aligned); text is left-aligned."""


def empty_state(text: str) -> str:
    """HTML of a sentence standing in for an empty table."""
    return f'<p class="cmalt-empty">{_html.escape(text)}</p>'


def html_table(
    shown: pd.DataFrame,
    caption: str,
    *,
    keys: Sequence[str] = (),
    note: str | None = None,
    empty: str = "Nothing to show yet.",
    sortable: bool = False,
    collapse_after: int | None = None,
    summary: str | None = None,
    sort_values: pd.DataFrame | None = None,
    sources: Mapping[str, str] | None = None,
) -> str:
    """A table of display strings as accessible HTML: caption, ``<th scope>`` headers.

    Parameters
    ----------
    shown : DataFrame of str
        Made by :func:`format_table` (headings are the labels).
    caption : str
    keys : sequence of str
        Labels of the columns shown as row headers.
    note : str, optional
        A line under the table.
    empty : str
        The sentence shown instead of a table with no rows (never an empty header row).
    sortable : bool
        Headings sort the rows and a box filters them, in the browser, from the file
        (the page's inline script; no network).
    collapse_after : int, optional
        More rows than this: the table is folded in a ``<details>`` element under
        ``summary`` (default "Show all N rows").
    sort_values : DataFrame, optional
        Raw values to sort by (same index; columns named by the labels), e.g. numbers
        for a column shown as text.
    sources : mapping, optional
        Label -> the analysis column it shows: written as the heading's ``data-col``, so
        that a program (a test, an attack on the published tables) can read the table by
        column name while people read the label.
    """
    esc = _html.escape
    if shown.empty:
        return empty_state(empty)
    klass = "cmalt-table cmalt-sortable" if sortable else "cmalt-table"
    sources = dict(sources or {})

    def heading(c: Any) -> str:
        text = f"<button type=button>{esc(str(c))}</button>" if sortable else esc(str(c))
        attr = f' data-col="{esc(sources[c])}"' if c in sources else ""
        return f'<th scope="col"{attr}>{text}</th>'

    head = "".join(heading(c) for c in shown.columns)
    rows = []
    for idx, r in shown.iterrows():
        cells = []
        for c in shown.columns:
            v = esc(str(r[c]))
            attr = ""
            if sortable and sort_values is not None and c in sort_values.columns:
                raw = sort_values.at[idx, c]
                if not is_missing(raw):
                    attr = f' data-sort="{esc(str(raw))}"'
            if c not in keys and _NUMERIC.match(str(r[c])):
                attr += ' class="num"'
            cells.append(f'<th scope="row"{attr}>{v}</th>' if c in keys else f"<td{attr}>{v}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    filt = (
        f'<p class="cmalt-filter"><label>Filter rows: <input type="search" '
        f'aria-label="Filter the rows of: {esc(caption)}"></label></p>'
        if sortable
        else ""
    )
    foot = f'<p class="cmalt-note">{esc(note)}</p>' if note else ""
    table = (
        f'<div class="cmalt-table-block">{filt}<table class="{klass}"><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{foot}</div>"
    )
    if collapse_after is not None and len(shown) > collapse_after:
        text = summary or f"Show all {len(shown):,} rows of: {caption}"
        return f'<details class="cmalt-details"><summary>{esc(text)}</summary>{table}</details>'
    return table


TABLE_SCRIPT: Final[str] = """
(function () {
  function key(cell) {
    var s = cell.getAttribute("data-sort");
    if (s === null) { s = cell.textContent.trim(); }
    var x = parseFloat(s.replace(/[\u2212]/g, "-").replace(/[,%]/g, ""));
    return isNaN(x) ? s.toLowerCase() : x;
  }
  function compare(a, b) {
    if (typeof a === typeof b) { return a < b ? -1 : (a > b ? 1 : 0); }
    return typeof a === "number" ? -1 : 1;
  }
  document.querySelectorAll("table.cmalt-sortable").forEach(function (table) {
    var body = table.tBodies[0];
    table.querySelectorAll("thead th").forEach(function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("thead th").forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var c = compare(key(r1.cells[col]), key(r2.cells[col]));
          return up ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
    var block = table.closest(".cmalt-table-block");
    var box = block ? block.querySelector(".cmalt-filter input") : null;
    if (box) {
      box.addEventListener("input", function () {
        var q = box.value.trim().toLowerCase();
        Array.prototype.forEach.call(body.rows, function (r) {
          r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0;
        });
      });
    }
  });
})();
"""
"""Inline script of the sortable, filterable tables (no library, no network)."""

TABLE_CSS: Final[str] = """
.cmalt-table-block { max-width: 100%; }
.jp-RenderedHTMLCommon table.cmalt-table th, .jp-RenderedHTMLCommon table.cmalt-table td,
table.cmalt-table th, table.cmalt-table td { white-space: nowrap; text-align: left; }
.jp-RenderedHTMLCommon table.cmalt-table td.num, .jp-RenderedHTMLCommon table.cmalt-table th.num,
table.cmalt-table td.num, table.cmalt-table th.num { text-align: right; }
.jp-RenderedHTMLCommon table.cmalt-table thead th,
table.cmalt-table thead th { white-space: normal; vertical-align: bottom; max-width: 9em; }
table.cmalt-sortable thead th button { font: inherit; font-weight: bold; background: none;
  border: 0; padding: 0; cursor: pointer; text-align: left; color: inherit; }
table.cmalt-sortable thead th[aria-sort=ascending] button::after { content: " \\25B2"; }
table.cmalt-sortable thead th[aria-sort=descending] button::after { content: " \\25BC"; }
.cmalt-filter input { font: inherit; padding: 0.15em 0.4em; }
.cmalt-empty { font-style: italic; }
.cmalt-details > summary { cursor: pointer; margin: 0.4em 0; }
.cmalt-act-now { border: 3px solid #0b3d91; background: #eef3fb; padding: 0.4em 1.2em 0.8em 1.2em;
  margin: 0.5em 0 1.2em 0; }
.cmalt-act-now h2 { margin-top: 0.4em; }
.cmalt-left-out { border: 3px solid #8a1c00; background: #fff4e5; padding: 0.4em 1em;
  margin: 0.5em 0 1em 0; }
.jp-RenderedImage img { max-width: 100%; height: auto; }
"""
"""Style of the tables for people, the act-now box and the left-out banner."""
