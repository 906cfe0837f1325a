"""Helpers the report notebooks call: style, figures, tables, provenance, prose.

Re-exported by :mod:`cmalt_qa.reports`; import them from there.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html as _html
import io
import os
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import pandas as pd

from .._readers import sha256_file
from ..disclosure import (
    DEFAULT_MIN_COUNT,
    SUPPRESSED,
    PublishedTable,
    disclose,
    suppression_mask,
)

__all__ = [
    "REPORT_RC",
    "DisclosedTable",
    "published_html",
    "disclosed_note",
    "setup_notebook",
    "show",
    "show_table",
    "disclosed",
    "staff_table",
    "subset",
    "submission_counts",
    "provenance",
    "say",
    "esc",
    "esc_list",
    "export_tables",
]

REPORT_RC: Final[Mapping[str, Any]] = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.figsize": (7.5, 4.2),
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "figure.constrained_layout.use": True,  # laid out once when drawn (no tight bbox pass)
    "svg.hashsalt": "cmalt-qa",
}
"""The report style, applied over matplotlib's defaults by :func:`setup_notebook`."""

STAFF_BANNER: Final[str] = "Staff only — contains assessor-level figures; do not publish"
"""The banner at the top of the window report."""


def setup_notebook() -> None:
    """Make a report render the same wherever it runs.

    Resets matplotlib's rcParams to its built-in defaults (discarding any user
    ``matplotlibrc`` or style), applies :data:`REPORT_RC`, and sets pandas display
    options. Call it in a report's first code cell after the parameters.
    """
    import matplotlib as mpl

    mpl.rcdefaults()
    mpl.rcParams.update(REPORT_RC)
    pd.set_option("display.max_columns", 40)
    pd.set_option("display.max_rows", 60)
    pd.set_option("display.width", 120)
    pd.set_option("display.precision", 3)


def _figure_of(obj: Any) -> Any:
    from matplotlib.figure import Figure

    if isinstance(obj, Figure):
        return obj
    if hasattr(obj, "get_figure"):
        return obj.get_figure()
    if isinstance(obj, Sequence) or hasattr(obj, "flat"):
        first = next(iter(getattr(obj, "flat", obj)), None)
        if first is not None:
            return _figure_of(first)
    raise TypeError(f"expected a matplotlib Figure or Axes, got {type(obj).__name__}")


def show(obj: Any, alt: str | None = None) -> None:
    """Display a figure as a PNG whose alt text states its finding, then close it.

    Parameters
    ----------
    obj : Figure, Axes or sequence of Axes
        What a plot function returned.
    alt : str, optional
        The text alternative; by default the figure's label, which the plot functions
        set with :func:`cmalt_qa.plots.alt_text`.

    Raises
    ------
    ValueError
        If the figure has no text alternative (a report never shows an image without).
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    fig = _figure_of(obj)
    text = (alt if alt is not None else fig.get_label() or "").strip()
    if not text:
        raise ValueError(
            "the figure has no text alternative: pass alt= or call "
            "cmalt_qa.plots.alt_text(ax, finding) in the plot function"
        )
    _lay_out_once(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    display(
        {"image/png": data, "text/plain": f"[figure] {text}"},
        raw=True,
        metadata={"image/png": {"alt": text}},
    )


def _lay_out_once(fig: Any) -> None:
    """Lay a figure out (wrapping long titles) and fix that layout before it is saved.

    With a layout engine attached, ``savefig`` first draws the whole figure with
    rendering disabled just to run the engine, then draws it again for real: two draws
    per figure, plus the layout :func:`_wrap_titles` already ran. Profiled over the
    window report's ten figures that dry draw was a third of the time spent in
    :func:`show`. So the engine is run here (again only if a title was wrapped, since
    a wrapped title is taller), and then detached: the axes keep the positions it
    computed, and ``savefig`` draws once.
    """
    import matplotlib as mpl

    engine = fig.get_layout_engine()
    if _wrap_titles(fig) and engine is not None:
        engine.execute(fig)
    if engine is not None:
        # ``set_layout_engine(None)`` detaches the engine only when the rcParams ask
        # for no default layout (the report style asks for constrained layout).
        with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)


def _wrap_titles(fig: Any) -> bool:
    """Wrap axes titles that would run past the figure's edges.

    Titles state findings, so they can be long; the report lays figures out with
    constrained layout at a fixed size (no tight bounding box), which would otherwise
    cut a long title off. A title is centred on its axes, and the layout moves the axes
    by the width of the tick labels, so the layout engine is run first (its solver
    only, not a draw) to find where each axes will sit.

    Returns True when a title was wrapped (the layout is then stale).
    """
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    renderer = fig.canvas.get_renderer()
    wrapped = False
    for ax in fig.get_axes():
        title = ax.title
        text = title.get_text()
        if not text or "\n" in text:
            continue
        box = ax.get_position().transformed(fig.transFigure)
        centre = (box.x0 + box.x1) / 2
        avail = 2 * 0.95 * min(centre - fig.bbox.x0, fig.bbox.x1 - centre)
        width = title.get_window_extent(renderer).width
        if width > avail:
            chars = max(20, int(len(text) * avail / width) - 1)
            title.set_text(textwrap.fill(text, width=chars))
            wrapped = True
    return wrapped


_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def esc(value: Any) -> str:
    r"""A data value as literal text in Markdown prose (and in HTML text).

    Every value from the data that goes into :func:`say` passes through here: ``<``,
    ``>`` and ``&`` become entities (no markup), Markdown punctuation is
    backslash-escaped (no emphasis, links or headings), line breaks become spaces (no
    new block). The exported page is sanitised as well; this is the first line.

    Examples
    --------
    >>> esc("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert\\(1\\)&gt;'
    >>> esc("A_1 *bold* [x](javascript:y)")
    'A\\_1 \\*bold\\* \\[x\\]\\(javascript:y\\)'
    >>> esc(3)
    '3'
    """
    text = " ".join(str(value).split())
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", _html.escape(text, quote=False))


def esc_list(values: Any, empty: str = "none") -> str:
    """Data values joined by commas, each escaped by :func:`esc` (``empty`` if none).

    Examples
    --------
    >>> esc_list(["A1", "<b>"])
    'A1, &lt;b&gt;'
    >>> esc_list([])
    'none'
    """
    items = [esc(v) for v in values]
    return ", ".join(items) if items else empty


def say(markdown: str) -> None:
    """Display prose (Markdown) computed from the data, e.g. a sentence with a finding.

    Pass every data value through :func:`esc` (or :func:`esc_list`) first.
    """
    from IPython.display import Markdown, display

    display(Markdown(markdown))


def _table_html(shown: pd.DataFrame, caption: str, keys: Sequence[str], note: str | None) -> str:
    esc = _html.escape
    head = "".join(f'<th scope="col">{esc(str(c))}</th>' for c in shown.columns)
    rows = []
    for _, r in shown.iterrows():
        cells = []
        for c in shown.columns:
            v = esc(str(r[c]))
            cells.append(f'<th scope="row">{v}</th>' if c in keys else f"<td>{v}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    foot = f'<p class="cmalt-note">{esc(note)}</p>' if note else ""
    return (
        f'<table class="cmalt-table"><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{foot}"
    )


def show_table(
    shown: pd.DataFrame,
    caption: str,
    *,
    keys: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    note: str | None = None,
) -> None:
    """Display a table of display strings as accessible HTML.

    Parameters
    ----------
    shown : DataFrame
        Cells already formatted (e.g. by :func:`cmalt_qa._stats.disclose`).
    caption : str
        What the table shows; rendered as ``<caption>``.
    keys : sequence of str
        Grouping columns, rendered as row headers (``<th scope="row">``).
    labels : mapping, optional
        Column headings to show instead of the column names.
    note : str, optional
        A line under the table (e.g. how small counts are shown).
    """
    from IPython.display import HTML, display

    labels = dict(labels or {})
    out = shown.rename(columns=labels)
    display(HTML(_table_html(out, caption, [labels.get(k, k) for k in keys], note)))


_NOTE = (
    "Counts from 1 to {m1} are shown as \u201c<{m}\u201d; \u201c{s}\u201d marks a figure "
    "withheld because it would reveal one."
)


# The one published-table type is :class:`cmalt_qa.disclosure.PublishedTable`; this name
# is kept for code written against the earlier helper.
DisclosedTable = PublishedTable


def published_html(table: PublishedTable, note: str | None = None) -> str:
    """A published table as accessible HTML: caption, ``<th scope>`` headers, ``note``.

    Examples
    --------
    >>> t = disclosed(pd.DataFrame({"year": [2025], "n": [12]}), "Submissions", counts="n")
    >>> "<caption>Submissions</caption>" in published_html(t)
    True
    """
    labels = dict(table.labels)
    return _table_html(
        table.shown.rename(columns=labels),
        table.caption,
        [labels.get(k, k) for k in table.keys],
        note,
    )


def disclosed_note(min_count: int) -> str:
    """The line under a table made by :func:`disclosed`: how small counts are shown."""
    return _NOTE.format(m1=min_count - 1, m=min_count, s=SUPPRESSED)


def _refuse_staff(table: pd.DataFrame) -> None:
    if table.attrs.get("audience") == "staff":
        raise ValueError(
            "this table is marked staff-only (assessor-level figures): it may appear in "
            "the window report, never in a committee or research report"
        )


def disclosed(
    table: pd.DataFrame,
    caption: str,
    *,
    counts: str | Sequence[str],
    derived: Mapping[str, str | Sequence[str]] | None = None,
    parts: Mapping[str, Sequence[str]] | None = None,
    subsets: Mapping[str, str] | None = None,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    columns: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    keys: Sequence[str] | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
) -> DisclosedTable:
    """Prepare a table for a committee or research report, under disclosure control.

    Parameters
    ----------
    table : DataFrame
        As an analysis returned it (unrounded).
    caption : str
    counts, derived, parts, subsets, min_count
        As for :func:`cmalt_qa._stats.suppression_mask`: which cells are counts, which
        are computed from them, and the row margins.
    formats : mapping, optional
        Display formats by column (``"{:.1%}"``, ...).
    columns : sequence of str, optional
        Columns to show (all by default); suppression is decided on the whole table.
    labels : mapping, optional
        Column headings.
    keys : sequence of str, optional
        Grouping columns (default: the columns before the first count column).

    Returns
    -------
    PublishedTable
        Display it with :func:`published_html` and :func:`disclosed_note`; draw figures
        from its ``values``.

    Raises
    ------
    ValueError
        If the table is marked ``attrs["audience"] == "staff"`` (assessor-level figures
        belong in the staff window report only).
    """
    _refuse_staff(table)
    count_cols = [counts] if isinstance(counts, str) else list(counts)
    if keys is None:
        first = min(table.columns.get_loc(c) for c in count_cols)
        keys = list(table.columns[:first])
    rules = dict(derived=derived, parts=parts, subsets=subsets, min_count=min_count)
    shown = disclose(table, count_cols, formats=formats, **rules)
    hidden = suppression_mask(table, count_cols, **rules)
    values = table.copy()
    for c in hidden.columns:
        values[c] = values[c].where(~hidden[c])
    cols = tuple(columns) if columns is not None else tuple(table.columns)
    return PublishedTable(
        caption,
        caption,
        tuple(k for k in keys if k in cols),
        cols,
        shown[list(cols)],
        values,
        hidden,
        min_count,
        dict(labels or {}),
    )


def staff_table(
    table: pd.DataFrame,
    caption: str,
    *,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    columns: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    keys: Sequence[str] = (),
) -> None:
    """Show a table in the staff (window) report: formatted, nothing hidden.

    Parameters as for :func:`disclosed` (without the disclosure rules).
    """
    cols = list(columns) if columns is not None else list(table.columns)
    shown = disclose(table[cols], [], formats=formats)
    show_table(shown, caption, keys=keys, labels=labels)


def submission_counts(recs, by: Sequence[str] = ("pathway", "submission_type")) -> pd.DataFrame:
    """Submissions per group, with those decided and those still open.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``n``, ``decided`` (an outcome recorded), ``open``.
    """
    s = recs.submissions
    missing = [c for c in by if c not in s]
    if missing:
        raise KeyError(f"submissions have no column(s) {missing}")
    g = s.assign(decided=s["outcome"].notna(), open=s["outcome"].isna()).groupby(
        list(by), observed=True, sort=True
    )
    out = g.agg(n=("submission_id", "size"), decided=("decided", "sum"), open=("open", "sum"))
    return out.reset_index().astype({"n": "int64", "decided": "int64", "open": "int64"})


def subset(
    recs: Any,
    first_window: str | None = None,
    last_window: str | None = None,
    pathway: str | None = None,
) -> Any:
    """Records restricted to a span of reporting periods and optionally one pathway:
    :meth:`cmalt_qa.records.Records.select` (kept for notebooks that call it)."""
    return recs.select(first_window, last_window, pathway)


def _input_files(recs: Any, data: str | Path) -> pd.DataFrame:
    files = (getattr(recs, "source", None) or {}).get("files")
    rows = []
    if isinstance(files, Mapping) and files:
        for name, info in files.items():
            if isinstance(info, Mapping):
                read = info.get("rows", info.get("rows_read"))
                if isinstance(read, Mapping):  # a workbook: rows read per sheet
                    read = ", ".join(f"{k}: {v}" for k, v in read.items())
                rows.append({"file": str(name), "sha256": info.get("sha256"), "rows read": read})
            else:
                rows.append({"file": str(name), "sha256": str(info), "rows read": None})
    else:
        p = Path(data)
        paths = (
            [p]
            if p.is_file()
            else sorted(q for q in p.iterdir() if q.suffix.lower() in (".csv", ".xlsx"))
        )
        rows = [{"file": q.name, "sha256": sha256_file(q), "rows read": None} for q in paths]
    return pd.DataFrame(rows, columns=["file", "sha256", "rows read"])


_PARAMETER_NAMES: Final[Mapping[str, str]] = {
    "window": "period",
    "as_of": "report date",
    "first_window": "first period",
    "last_window": "last period",
    "pathway": "pathway",
    "min_count": "smallest count published",
    "n_boot": "bootstrap replicates",
}


def show_provenance_head(
    items: pd.DataFrame, recs: Any, data: str | Path, *, rows_read: bool = False
) -> None:
    """Display the provenance table (``items``: ``item``, ``value`` rows, e.g.
    :func:`_provenance_items`) and the input files with their sha256 (and the rows read,
    when ``rows_read``): the head the staff and the published blocks share."""
    show_table(
        items,
        "Provenance: where these figures come from",
        keys=["item"],
        labels={"item": "Item", "value": "Value"},
    )
    files = _input_files(recs, data)
    if not rows_read:
        files = files[["file", "sha256"]]
    show_table(
        files.astype(str).replace({"None": "not recorded", "nan": "not recorded"}),
        "Input files and their sha256 checksums",
        keys=["file"],
        labels={"file": "File", "sha256": "sha256", "rows read": "Rows read"},
    )


def provenance(
    recs: Any,
    data: str | Path,
    parameters: Mapping[str, Any],
    *,
    min_count: int | None = None,
) -> None:
    """Display where a report's figures come from.

    Shows the data folder, a sha256 checksum of each input file, the rows loaded, the
    rows quarantined with the count for each rule, the parameters, the toolkit version and
    the generation time (UTC; ``SOURCE_DATE_EPOCH`` overrides it for reproducible builds).

    Parameters
    ----------
    recs : Records
    data : str or Path
        The dataset location as resolved.
    parameters : mapping
        The report's parameters.
    min_count : int, optional
        Quarantine counts below it are shown as ``"<min_count"`` (kept for callers of
        the first version). The committee and research reports do not use this: their
        provenance is :func:`cmalt_qa.reports._published_top.published_provenance`,
        every count through the report's disclosure step.
    """
    problems = recs.problems
    show_provenance_head(
        _provenance_items(recs, data, parameters, min_count=min_count), recs, data, rows_read=True
    )
    if len(problems):
        _show_quarantine_rules(problems, min_count)


def _generated_at() -> _dt.datetime:
    """Now (UTC), or ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return (
        _dt.datetime.fromtimestamp(int(epoch), _dt.UTC)
        if epoch and epoch.isdigit()
        else _dt.datetime.now(_dt.UTC)
    )


def _provenance_items(
    recs: Any, data: str | Path, parameters: Mapping[str, Any], *, min_count: int | None
) -> pd.DataFrame:
    """The provenance table's rows: data, rows loaded and quarantined, parameters,
    toolkit, generation time."""
    from .. import __version__

    problems = recs.problems
    if len(problems):
        quarantined = problems.drop_duplicates(["file", "row"]).groupby("file").size()
        q_text = ", ".join(
            f"{k}: {v if min_count is None or v >= min_count else f'<{min_count}'}"
            for k, v in quarantined.items()
        )
    else:
        q_text = "none"
    rows_loaded = (
        f"submissions: {len(recs.submissions)}, ratings: {len(recs.ratings)}, "
        f"assessors: {len(recs.assessors)}"
    )
    path = (getattr(recs, "source", None) or {}).get("path", data)
    shown_parameters = "; ".join(
        f"{_PARAMETER_NAMES.get(k, k.replace('_', ' '))}: {v}"
        for k, v in parameters.items()
        if v not in (None, "")
    )
    return pd.DataFrame(
        [
            ("Data", str(path)),
            ("Rows loaded", rows_loaded),
            ("Rows quarantined", q_text),
            ("Parameters", shown_parameters),
            ("Toolkit", f"cmalt-qa {__version__}"),
            ("Generated", _generated_at().strftime("%Y-%m-%d %H:%M UTC")),
        ],
        columns=["item", "value"],
    )


def _show_quarantine_rules(problems: pd.DataFrame, min_count: int | None) -> None:
    """Problem lines per quarantine rule; in a published report (``min_count`` given)
    under disclosure control, since they count people's records too."""
    rules = problems.groupby("rule").size().rename("lines").reset_index()
    rules = rules.rename(columns={"rule": "Rule", "lines": "Problem lines"})
    rules = rules.sort_values(["Problem lines", "Rule"], ascending=[False, True])
    caption = "Quarantined input by rule (lines in the problems list)"
    if min_count is None:
        staff_table(rules, caption, keys=["Rule"])
        return
    table = disclosed(rules, caption, counts=["Problem lines"], keys=["Rule"], min_count=min_count)
    show_table(
        table.shown,
        table.caption,
        keys=table.keys,
        labels=table.labels,
        note=disclosed_note(min_count),
    )


def export_tables(tables: Mapping[str, PublishedTable], path: str | Path) -> Path:
    """Write the published tables as one tidy CSV.

    One row per table, group and measure: ``table``, the grouping columns of every
    table (blank where a table has no such column), ``measure``, ``value`` (numeric;
    blank where the cell is hidden) and ``suppressed`` (True where hidden).

    Returns the path written.
    """
    frames = []
    for name, t in tables.items():
        vals = t.values[list(t.columns)]
        measures = [c for c in t.columns if c not in t.keys]
        long = vals.melt(
            id_vars=list(t.keys), value_vars=measures, var_name="measure", value_name="value"
        )
        hid = t.hidden.reindex(columns=measures, fill_value=False)
        long["suppressed"] = hid.melt(value_name="h")["h"].to_numpy()
        long.insert(0, "table", name)
        frames.append(long)
    out = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["table", "measure", "value", "suppressed"])
    )
    front = ["table"] + [
        c for c in out.columns if c not in ("table", "measure", "value", "suppressed")
    ]
    out = out[front + ["measure", "value", "suppressed"]]
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(p, index=False)
    return p
