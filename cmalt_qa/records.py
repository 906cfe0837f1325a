"""Loading and validating assessment records (CONTRACT.md section 1).

``load(path)`` reads a folder of CSVs or an ``.xlsx`` workbook; ``from_frames`` runs the
same validation on DataFrames already in memory. Either returns :class:`Records`: the
valid rows with derived columns, and every rejected row in ``problems``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _personal, _readers, scheme
from ._columns import Factors
from ._dates import DATE_MODES
from ._errors import PROBLEM_COLUMNS, RecordsError, Refusal
from ._lazy import renamed
from ._rules import QUARANTINE_RULES
from ._validate import validate
from ._words import plural
from .scheme import Calendar, default_calendar

__all__ = ["Records", "RecordsError", "load", "from_frames", "PROBLEM_COLUMNS", "QUARANTINE_RULES"]

# ``records.RULES`` was the former name of QUARANTINE_RULES: it still works, with a
# DeprecationWarning (assessors.PAIRING_RULES and forms.FORM_RULES name other rules).
__getattr__ = renamed(__name__, {"RULES": "QUARANTINE_RULES"})


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

    def select(
        self,
        first_window: str | None = None,
        last_window: str | None = None,
        pathway: str | None = None,
    ) -> Records:
        """These records restricted to a span of reporting periods and optionally one
        pathway.

        Parameters
        ----------
        first_window, last_window : str, optional
            Keep submissions with ``first_window <= window <= last_window`` (periods
            are ``YYYY-MM`` labels, so text order is time order); either end may be None.
        pathway : str, optional
            Keep only this pathway (a code of :data:`cmalt_qa.scheme.PATHWAYS`).

        Returns
        -------
        Records
            Ratings follow their submissions; assessors, problems, calendar and source
            are kept as they are.

        Examples
        --------
        >>> import cmalt_qa as qa
        >>> recs = qa.synthetic.generate(300, seed=1)
        >>> part = recs.select(first_window="2025-01", last_window="2025-09")
        >>> sorted(part.submissions["window"].unique())
        ['2025-01', '2025-05', '2025-09']
        >>> set(part.ratings["submission_id"]) <= set(part.submissions["submission_id"])
        True
        """
        s = self.submissions
        keep = pd.Series(True, index=s.index)
        if first_window:
            keep &= s["window"].astype(str) >= str(first_window)
        if last_window:
            keep &= s["window"].astype(str) <= str(last_window)
        if pathway:
            keep &= s["pathway"] == pathway
        subs = s[keep]
        ratings = self.ratings[self.ratings["submission_id"].isin(subs["submission_id"])]
        return replace(self, submissions=subs, ratings=ratings)

    def allocated(self) -> Records:
        """These records without the submissions awaiting allocation (no assessor named
        yet): what every assessor analysis works on.

        Examples
        --------
        >>> import cmalt_qa as qa
        >>> from cmalt_qa.cli import default_data
        >>> recs = qa.load(default_data())
        >>> waiting = recs.submissions["lead_assessor"].isna().sum()
        >>> bool(len(recs.allocated().submissions) == len(recs.submissions) - waiting)
        True
        """
        s = self.submissions
        keep = s["lead_assessor"].notna() & s["second_assessor"].notna()
        if keep.all():
            return self
        subs = s[keep]
        ratings = self.ratings[self.ratings["submission_id"].isin(subs["submission_id"])]
        return replace(self, submissions=subs, ratings=ratings)

    def _repr_html_(self) -> str:
        s = self.submissions
        windows = f"{s['window'].min()} to {s['window'].max()}" if len(s) else "none"
        return (
            "<p><strong>CMALT records</strong>: "
            f"{len(s)} submissions, {len(self.ratings)} section ratings, "
            f"{len(self.assessors)} assessor rows; windows {windows}; "
            f"{plural(len(self.problems), 'problem')}.</p>"
        )

    def __repr__(self) -> str:
        return (
            f"Records(submissions={len(self.submissions)}, ratings={len(self.ratings)}, "
            f"assessors={len(self.assessors)}, problems={len(self.problems)})"
        )


def load(
    path: str | Path,
    strict: bool = False,
    calendar: Calendar | None = None,
    *,
    dates: str = "auto",
) -> Records:
    """Load and validate a dataset.

    Parameters
    ----------
    path : str or Path
        A folder with ``submissions.csv``, ``ratings.csv`` and optionally
        ``assessors.csv``, or an ``.xlsx`` workbook with sheets of those names.
    strict : bool
        Raise :class:`RecordsError` listing every problem instead of quarantining.
    calendar : Calendar, optional
        Reporting periods; defaults to :func:`cmalt_qa.scheme.default_calendar`.
    dates : {"auto", "dayfirst", "monthfirst", "iso"}
        How numeric dates such as ``03/04/2025`` are read. ``"auto"``: day first (the
        UK convention), but a file with a date valid only month first (``01/31/2025``)
        is refused, saying so. ``"dayfirst"`` / ``"monthfirst"``: that order, the other
        order's dates quarantined. ``"iso"``: ``YYYY-MM-DD`` only. ISO dates and
        datetimes, dates with the month in words (``31 Jan 2025``) and, in workbooks,
        date cells and Excel serial day numbers are read in every mode but ``"iso"``
        (which still takes ISO text and workbook date cells).

    Returns
    -------
    Records

    Raises
    ------
    RecordsError
        A missing file or required column, personal data (a name or e-mail column, or
        any cell that looks like an e-mail address), dates in an order that ``dates``
        does not settle, or, in strict mode, any problem.

    Notes
    -----
    CSV is read as UTF-8 (a byte-order mark is tolerated), every cell as text; blank
    cells are missing. See CONTRACT.md section 1 for the columns and
    :data:`cmalt_qa.records.QUARANTINE_RULES` for every quarantine rule.
    """
    p = Path(path)
    _check_mode(dates)
    tables, names, source, clean_cells = _readers.read_dataset(p)
    serials = p.suffix.lower() in (".xlsx", ".xlsm")
    recs = _build(tables, names, source, strict, calendar, clean_cells, dates, serials)
    return _with_comments(recs, p, strict)


def _with_comments(recs: Records, path: Path, strict: bool) -> Records:
    """Hook for an optional ``comments.csv`` in a dataset folder (``cmalt-qa forms``
    writes it): final-R ratings without recorded gaps take them from the assessors'
    comments, marked ``gaps_source`` = ``feedback`` (see :mod:`cmalt_qa.feedback`)."""
    f = path / "comments.csv"
    if not (path.is_dir() and f.exists()):
        return recs
    from . import feedback  # lazy: the comment reader is needed only with comments.csv

    comments = feedback.read_comments(f)
    out = feedback.apply_comments(recs, comments, file=f.name)
    if strict and len(out.problems) > len(recs.problems):
        extra = out.problems.iloc[len(recs.problems) :]
        raise RecordsError(
            f"strict mode: {plural(len(extra), 'problem')} in {f.name}:\n"
            + "\n".join(
                f"  {f.name} row {r.row}, column {r.column}: {r.message} [{r.rule}]"
                for r in extra.itertuples()
            ),
            extra,
        )
    files = {
        **out.source.get("files", {}),
        f.name: {"sha256": _readers.sha256_file(f), "rows": len(comments)},
    }
    return replace(out, source={**out.source, "files": files})


def from_frames(
    submissions: pd.DataFrame,
    ratings: pd.DataFrame,
    assessors: pd.DataFrame | None = None,
    strict: bool = False,
    calendar: Calendar | None = None,
    *,
    dates: str = "auto",
) -> Records:
    """Validate tables already in memory, exactly as :func:`load` validates files.

    Parameters
    ----------
    submissions, ratings, assessors : DataFrame
        Shaped like the CSV files of CONTRACT.md; cells may be strings, numbers or dates.
        Rows are reported as a spreadsheet would number them (first data row = 2).
    strict, calendar, dates
        As for :func:`load` (cells that are dates or datetimes are taken as they are).

    Examples
    --------
    >>> import pandas as pd
    >>> import cmalt_qa as qa
    >>> subs = pd.DataFrame({
    ...     "submission_id": ["S1"], "portfolio_id": ["P1"], "attempt": [1],
    ...     "pathway": ["CMALT"], "submitted_on": ["31/01/2025"],
    ...     "lead_assessor": ["A1"], "second_assessor": ["A2"]})
    >>> rats = pd.DataFrame({"submission_id": ["S1"], "section": ["1a"], "lead": ["S"]})
    >>> recs = qa.from_frames(subs, rats)
    >>> str(recs.submissions.loc[0, "submitted_on"].date()), recs.submissions.loc[0, "window"]
    ('2025-01-31', '2025-01')
    """
    _check_mode(dates)
    tables = {"submissions": submissions, "ratings": ratings, "assessors": assessors}
    names = {t: t for t in scheme.TABLES}
    return _build(tables, names, {"path": None, "files": {}}, strict, calendar, None, dates)


def _check_mode(dates: str) -> None:
    if dates not in DATE_MODES:
        raise ValueError(f"dates must be one of {', '.join(DATE_MODES)}; got {dates!r}")


def _clean_tables(
    tables: dict[str, pd.DataFrame | None],
    names: dict[str, str],
    clean_cells: dict[str, list[Factors]] | None,
) -> tuple[dict[str, pd.DataFrame | None], dict[str, dict[str, Factors]]]:
    """Each table cleaned (see :func:`cmalt_qa._readers.clean_table`) and checked for
    its required columns and for personal data; the factorisations made on the way."""
    clean: dict[str, pd.DataFrame | None] = {}
    factors: dict[str, dict[str, Factors]] = {}
    try:
        for t in scheme.TABLES:
            raw = tables[t]
            if raw is None:
                clean[t] = None
                continue
            if not isinstance(raw, pd.DataFrame):
                raise TypeError(f"{t} must be a pandas DataFrame, got {type(raw).__name__}")
            try:
                factors[t] = {}
                c = _readers.clean_table(raw, (clean_cells or {}).get(t), factors[t])
            except Refusal as exc:
                raise Refusal(f"{names[t]}: {exc}") from None
            # performance: check_columns reads the column names only
            _personal.check_columns(
                names[t], pd.DataFrame(columns=c.columns.drop("row")), scheme.REQUIRED_COLUMNS[t]
            )
            _personal.check_personal_cells(names[t], c, {k: u for k, (_, u) in factors[t].items()})
            clean[t] = _blank_formulas(c, factors[t])
    except Refusal as exc:
        raise RecordsError(str(exc)) from None
    return clean, factors


def _blank_formulas(frame: pd.DataFrame, factors: dict[str, Factors]) -> pd.DataFrame:
    """Formula cells whose result the workbook does not store, made blank; their
    positions kept in ``attrs["formula_cells"]`` (column -> row numbers) for the
    ``formula_not_stored`` rule."""
    marker = _workbook_marker()
    found: dict[str, tuple[int, ...]] = {}
    for c in frame.columns:
        if c == "row" or frame[c].dtype != object:
            continue
        if c in factors and not np.any(factors[c][1] == marker):
            continue  # performance: the distinct values tell, without a pass over the rows
        hit = frame[c].to_numpy() == marker
        if hit.any():
            found[c] = tuple(frame.loc[hit, "row"].tolist())
            frame[c] = frame[c].mask(hit, "")
            factors.pop(c, None)  # made again, with the blank
    if found:
        frame.attrs["formula_cells"] = found
    return frame


def _workbook_marker() -> str:
    from ._workbook import FORMULA_NOT_STORED

    return FORMULA_NOT_STORED


def _build(
    tables: dict[str, pd.DataFrame | None],
    names: dict[str, str],
    source: dict[str, Any],
    strict: bool,
    calendar: Calendar | None,
    clean_cells: dict[str, list[Factors]] | None = None,
    dates: str = "auto",
    serials: bool = False,
) -> Records:
    clean, factors = _clean_tables(tables, names, clean_cells)
    cal = calendar if calendar is not None else default_calendar()
    try:
        out = validate(
            clean["submissions"], clean["ratings"], clean["assessors"], names, cal,
            factorized=factors, dates=dates, serials=serials,
        )  # fmt: skip
    except Refusal as exc:
        raise RecordsError(str(exc)) from None
    source = {
        **source,
        "rows_read": {t: (0 if clean[t] is None else len(clean[t])) for t in scheme.TABLES},
    }
    if strict and len(out.problems):
        lines = [
            f"  {r.file} row {r.row}, column {r.column}: {r.message} [{r.rule}]"
            for r in out.problems.itertuples()
        ]
        raise RecordsError(
            f"strict mode: {plural(len(out.problems), 'problem')} in the input:\n"
            + "\n".join(lines),
            out.problems,
        )
    return Records(
        submissions=out.submissions,
        ratings=out.ratings,
        assessors=out.assessors,
        problems=out.problems,
        calendar=cal,
        source=source,
    )
