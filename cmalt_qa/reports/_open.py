"""Open a published report (``sections``, ``trends``) in one call from its notebook.

What every published report does before its first table: set the report style, find and
load the data, check its parameters against the data, select the span of periods, pass
every table through the one report-wide disclosure step, and say what the figures cover
and where they come from. :func:`open_published` does all of it, so that a notebook's
first cell holds its parameters and this call only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..disclosure import DisclosedReport, PublishedTable

__all__ = ["OpenedReport", "open_published", "scope_text"]

# The published report kinds; the staff window report is not disclosed.
_PUBLISHED = ("sections", "trends")


def scope_text(scope: Mapping[str, Any], *, pathways: bool = True) -> str:
    """The periods (and pathway) a report covers, as its sentences name them.

    Examples
    --------
    >>> scope_text({"first_window": "2024-01", "last_window": "2026-09", "pathway": None})
    '2024-01 to 2026-09, all pathways'
    >>> scope_text({"first_window": "2024-01", "last_window": "2026-09", "pathway": "CMALT"})
    '2024-01 to 2026-09, CMALT only'
    >>> scope_text({"first_window": "2019-01", "last_window": "2026-09"}, pathways=False)
    '2019-01 to 2026-09'
    """
    text = f"{scope['first_window']} to {scope['last_window']}"
    if not pathways:
        return text
    pathway = scope.get("pathway")
    return text + (f", {pathway} only" if pathway else ", all pathways")


@dataclass(frozen=True)
class OpenedReport:
    """A published report opened by :func:`open_published`.

    Attributes
    ----------
    kind : str
        ``"sections"`` or ``"trends"``.
    path : Path
        The dataset as resolved.
    recs : Records
        Everything loaded (the provenance counts every row of it).
    params : mapping
        The parameters checked against the data (:func:`cmalt_qa.reports.resolve`):
        ``first_window``, ``last_window`` and, for ``sections``, ``pathway``.
    span : Records
        The records the report's figures are computed from.
    published : DisclosedReport
        Every table of the report after its audit passed: draw every table, figure and
        sentence from it.
    min_count, n_boot : int
    """

    kind: str
    path: Path
    recs: Any
    params: Mapping[str, Any]
    span: Any
    published: DisclosedReport
    min_count: int
    n_boot: int

    @property
    def pathway(self) -> str | None:
        """The one pathway reported on; None for all."""
        return self.params.get("pathway") or None

    @property
    def scope(self) -> str:
        """The periods (and, for ``sections``, the pathway) covered, in words."""
        return scope_text(self.params, pathways=self.kind == "sections")

    def table(self, name: str) -> PublishedTable:
        """Table ``name`` as published (:meth:`DisclosedReport.table`)."""
        return self.published.table(name)

    def introduce(self) -> None:
        """Display the banner of rows left out and the data's freshness, what the
        figures cover (periods, published submission count) and their provenance (data,
        checksums, parameters, input rows used and left out); every count shown passed
        the report's disclosure step (:mod:`cmalt_qa.reports._published_top`)."""
        from ._helpers import say
        from ._published import shown_or
        from ._published_top import published_provenance, show_published_notices

        show_published_notices(self.published, self.recs, self.params)
        n_submissions = shown_or(self.published.number("submissions"), "{:,.0f}")
        say(f"**Periods {self.scope}**: {n_submissions} submissions.")
        parameters = {**self.params, "min_count": self.min_count, "n_boot": self.n_boot}
        published_provenance(self.published, self.recs, self.path, parameters)


def open_published(
    kind: str,
    data: str | Path,
    *,
    dates: str = "auto",
    first_window: str = "",
    last_window: str = "",
    pathway: str = "",
    min_count: int = 5,
    n_boot: int = 1000,
    ledger: str | Path = "",
    audit_path: str | Path = "",
) -> OpenedReport:
    """Open a published report: load, check parameters, select, disclose.

    Parameters
    ----------
    kind : {"sections", "trends"}
    data : str or Path
        Dataset folder or ``.xlsx`` workbook (:func:`cmalt_qa.reports.resolve_data_path`).
    dates : str
        How numeric dates are read (:func:`cmalt_qa.load`).
    first_window, last_window, pathway : str
        The notebook's parameters; empty means the default
        (:func:`cmalt_qa.reports.resolve`, which refuses ``first_window`` and
        ``pathway`` for ``trends``).
    min_count, n_boot : int
        Smallest count published; bootstrap replicates.
    ledger, audit_path : str or Path
        The publication ledger to audit against, and where the audit is written (empty:
        none), as for :func:`cmalt_qa.reports.disclose_report`.

    Returns
    -------
    OpenedReport
        Its ``published`` tables have passed the report-wide disclosure audit; call
        :meth:`OpenedReport.introduce` to display the report's scope and provenance.

    Raises
    ------
    ReportError
        For a kind that is not published, or parameters the data do not allow.
    DisclosureError
        When the audit fails (nothing may be published).

    Notes
    -----
    ``sections`` covers ``first_window`` to ``last_window`` (one pathway or all);
    ``trends`` covers every period up to ``last_window``.
    """
    import cmalt_qa as qa

    from ._helpers import setup_notebook
    from ._params import ReportError, resolve, resolve_data_path
    from ._published import disclose_report

    if kind not in _PUBLISHED:
        raise ReportError(f"{kind!r} is not a published report: one of {', '.join(_PUBLISHED)}")
    setup_notebook()
    path = resolve_data_path(data)
    recs = qa.load(path, dates=dates)
    params = resolve(
        kind,
        recs,
        window=last_window or None,
        first_window=first_window or None,
        pathway=pathway or None,
    )
    if kind == "sections":
        span = recs.select(params["first_window"], params["last_window"], params["pathway"])
    else:  # every period up to the last
        span = recs.select(last_window=params["last_window"])
    # One disclosure step for the whole report: every table, figure and sentence is
    # drawn from `published`, whose audit has passed (docs/disclosure.md).
    published = disclose_report(
        kind,
        recs,
        span,
        params,
        min_count=min_count,
        n_boot=n_boot,
        ledger=ledger,
        audit_path=audit_path,
    )
    return OpenedReport(kind, path, recs, params, span, published, min_count, n_boot)
