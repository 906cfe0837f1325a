"""The window (staff) report's tables: what each shows, in which columns, in what words.

The notebook computes each table with the analyses and shows it with
:func:`show_window_table`; which columns appear, how they are formatted, their row
headers, caption and empty-table sentence live here, once, so the notebook holds
parameters, library calls and prose only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from . import _format as fmt
from ._format import col
from ._people import AGREEMENT_COLUMNS, rule_names, table

__all__ = ["WindowTable", "WINDOW_TABLES", "show_window_table"]


@dataclass(frozen=True)
class WindowTable:
    """How one table of the window report is shown.

    Attributes
    ----------
    caption : str
        ``{window}`` stands for the reporting period.
    columns : tuple of Col
    keys : tuple of str
        Source columns shown as row headers.
    empty : str, optional
        The sentence shown when there is no row (``{window}`` as above); None: the
        default of :func:`cmalt_qa.reports.table`.
    rule_names : bool
        Pairing rules shown by their names for people
        (:func:`cmalt_qa.reports.rule_names`).
    options : mapping
        Further options of :func:`cmalt_qa.reports.table` (``sortable``, ``order``, ...).
    """

    caption: str
    columns: tuple[fmt.Col, ...]
    keys: tuple[str, ...]
    empty: str | None = None
    rule_names: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)


_REFERRAL_RATE: Final[fmt.Col] = col(("rate", "ci_low", "ci_high"), "pct", "Referral rate")

WINDOW_TABLES: Final[Mapping[str, WindowTable]] = {
    "submissions": WindowTable(
        "Submissions in {window} by pathway and kind",
        (
            col("pathway"),
            col("submission_type"),
            col("n", "count", "Submissions"),
            col("decided", "count"),
            col("open", "count"),
        ),
        ("pathway", "submission_type"),
        empty="No submission in {window} yet.",
    ),
    "turnaround": WindowTable(
        "Turnaround by period (days from submission to result)",
        (
            col("window"),
            col("n", "count"),
            col("returned", "count"),
            col("open", "count"),
            col("breaches", "count"),
            col("median_days", "days"),
            col("p90_days", "days"),
            col(("within_promise", "within_promise_ci_low", "within_promise_ci_high"), "pct"),
            col("within_8w", "pct"),
        ),
        ("window",),
    ),
    "outcomes": WindowTable(
        "First-submission outcomes in {window} by pathway",
        (
            col("pathway"),
            col("n", "count", "Decided"),
            col("n_open", "count"),
            col("n_distinction", "count"),
            col("n_pass", "count"),
            col("n_minor", "count"),
            col("n_major", "count"),
            _REFERRAL_RATE,
        ),
        ("pathway",),
        empty="No first submission in {window} has an outcome yet.",
    ),
    "sections": WindowTable(
        "Sections referred in {window}",
        (
            col("section"),
            col("n", "count"),
            col("referred", "count"),
            _REFERRAL_RATE,
        ),
        ("section",),
        empty="No section of {window} has a final decision yet.",
    ),
    "agreement": WindowTable(
        "Agreement between lead and second assessor by section, {window}",
        tuple(AGREEMENT_COLUMNS),  # shared with the other reports
        ("section",),
        empty="No pair of ratings in {window} yet.",
    ),
    "pairing_rules": WindowTable(
        "Pairing-rule checks in {window}",
        (
            col("rule"),
            col("n_checked", "count"),
            col("n_breaches", "count"),
            col("rate", "pct"),
            col("n_unknown_prior", "count"),
        ),
        ("rule",),
        empty="No submission of {window} has been allocated yet.",
        rule_names=True,
    ),
    "breaches": WindowTable(
        "Submissions in {window} that broke a pairing rule",
        (
            col("submission_id"),
            col("rule"),
            col("lead_assessor"),
            col("second_assessor"),
            col("lead_prior", "count", "Lead's prior assessments"),
            col("second_prior", "count", "Second's prior assessments"),
            col("seat_changed", "yesno", "Seat changed"),
        ),
        ("submission_id",),
        rule_names=True,
        options={"sortable": True},
    ),
    "severity": WindowTable(
        "Assessors' severity (all periods up to this one); out of line first",
        (
            col("assessor_id"),
            col("n_portfolios", "count"),
            col(("severity", "ci_low", "ci_high"), "signed", "Severity (raw)"),
            col("severity_shrunk", "signed"),
            col("agreement_with_final", "pct"),
            col("out_of_line", "yesno", "Out of line"),
        ),
        ("assessor_id",),
        empty="No assessor has paired ratings yet.",
        options={
            "sortable": True,
            "collapse_after": 12,
            "summary": "Show every assessor's severity (sortable, filterable)",
            "order": ("out_of_line", False),
        },
    ),
}
"""The window report's tables by name (:func:`show_window_table`)."""


def show_window_table(name: str, frame: pd.DataFrame, *, window: str) -> None:
    """Display table ``name`` of the window report (:data:`WINDOW_TABLES`).

    Parameters
    ----------
    name : str
        A key of :data:`WINDOW_TABLES`.
    frame : DataFrame
        The analysis table, plain numbers (formatted here, for people).
    window : str
        The reporting period, for the caption and the empty-table sentence.

    Raises
    ------
    KeyError
        For a name that is not a window table (the message lists them).
    """
    if name not in WINDOW_TABLES:
        raise KeyError(f"no window table {name!r}; tables are {sorted(WINDOW_TABLES)}")
    spec = WINDOW_TABLES[name]
    options = dict(spec.options)
    if spec.empty is not None:
        options["empty"] = spec.empty.format(window=window)
    table(
        rule_names(frame) if spec.rule_names else frame,
        spec.caption.format(window=window),
        list(spec.columns),
        keys=list(spec.keys),
        **options,
    )
