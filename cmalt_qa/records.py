"""Loading and validating assessment records (CONTRACT.md section 1).

``load(path)`` reads a folder of CSVs or an ``.xlsx`` workbook; ``from_frames`` runs the
same validation on DataFrames already in memory. Either returns :class:`Records`: the
valid rows with derived columns, and every rejected row in ``problems``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .scheme import Calendar

__all__ = ["Records", "RecordsError", "load", "from_frames", "PROBLEM_COLUMNS"]

PROBLEM_COLUMNS = ["file", "row", "column", "value", "rule", "message"]


class RecordsError(ValueError):
    """Input refused outright (missing file or column, personal data), or strict mode.

    Attributes
    ----------
    problems : DataFrame
        The problems that caused it (columns as :attr:`Records.problems`); may be empty
        for a refusal that concerns a whole file.
    """

    def __init__(self, message: str, problems: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.problems = (
            problems if problems is not None else pd.DataFrame(columns=PROBLEM_COLUMNS)
        )


@dataclass(frozen=True)
class Records:
    """Validated CMALT assessment records.

    Attributes
    ----------
    submissions : DataFrame
        One row per valid submission. Columns: ``submission_id``, ``portfolio_id`` (str);
        ``attempt`` (int 1 or 2); ``submission_type`` (first | resubmission | review);
        ``pathway`` (ACMALT | CMALT | SCMALT); ``submitted_on``, ``allocated_on``,
        ``assessed_on``, ``result_on`` (datetime64, NaT when blank); ``outcome``
        (distinction | pass | minor | major | fail, NaN while open); ``lead_assessor``,
        ``second_assessor`` (str); ``second_nominated`` (nullable boolean); ``sector``
        (str or NaN); derived: ``window`` (reporting period ``YYYY-MM``), ``year``
        (int, the window's year), ``promise_due`` (datetime64), ``turnaround_days``
        (float, NaN while open); ``row`` (the row number in the input file as a
        spreadsheet shows it, header = 1). Other input columns are kept.
    ratings : DataFrame
        One row per valid rating row: ``submission_id``, ``section`` (code as in
        :data:`cmalt_qa.scheme.SECTIONS`), ``lead``, ``second``, ``final`` (S | A | R or
        NaN), ``gaps`` (the lacking elements in canonical order joined by ``;``, NaN
        when not recorded), ``gap_description``, ``gap_evidence``, ``gap_reflection``
        (nullable boolean, NA when ``gaps`` is blank), ``row``.
    assessors : DataFrame
        ``assessor_id``, ``prior_assessments`` (float, NaN if unknown); empty when no
        ``assessors`` file was given.
    problems : DataFrame
        ``file, row, column, value, rule, message``: one line per problem of every input
        row kept out of the figures.
    calendar : Calendar
        The reporting-period calendar used for ``window``.
    source : dict
        Where the data came from: ``path`` and ``files`` (name -> sha256, rows read).
    truth : dict or None
        Planted values, for synthetic data only.
    """

    submissions: pd.DataFrame
    ratings: pd.DataFrame
    assessors: pd.DataFrame
    problems: pd.DataFrame
    calendar: Calendar
    source: dict[str, Any] = field(default_factory=dict)
    truth: dict[str, Any] | None = None

    def merged(self, columns: tuple[str, ...] | list[str] | None = None) -> pd.DataFrame:
        """Ratings joined with their submission's columns (one row per rating row).

        Parameters
        ----------
        columns : sequence of str, optional
            Submission columns to bring in; all of them when None.
        """
        subs = self.submissions.drop(columns=["row"], errors="ignore")
        if columns is not None:
            keep = ["submission_id", *[c for c in columns if c != "submission_id"]]
            subs = subs[keep]
        clash = [c for c in subs.columns if c in self.ratings.columns and c != "submission_id"]
        return self.ratings.merge(
            subs.drop(columns=clash), on="submission_id", how="left", validate="many_to_one"
        )

    def _repr_html_(self) -> str:
        s = self.submissions
        windows = f"{s['window'].min()} to {s['window'].max()}" if len(s) else "none"
        return (
            "<p><strong>CMALT records</strong>: "
            f"{len(s)} submissions, {len(self.ratings)} section ratings, "
            f"{len(self.assessors)} assessor rows; windows {windows}; "
            f"{len(self.problems)} problem(s).</p>"
        )

    def __repr__(self) -> str:
        return (
            f"Records(submissions={len(self.submissions)}, ratings={len(self.ratings)}, "
            f"assessors={len(self.assessors)}, problems={len(self.problems)})"
        )


def load(path, strict: bool = False, calendar: Calendar | None = None) -> Records:  # noqa: D103
    raise NotImplementedError("being written")


def from_frames(submissions, ratings, assessors=None, strict=False, calendar=None) -> Records:  # noqa: D103
    raise NotImplementedError("being written")
