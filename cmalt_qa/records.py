"""Loading and validating assessment records (CONTRACT.md section 1).

``load(path)`` reads a folder of CSVs or an ``.xlsx`` workbook; ``from_frames`` runs the
same validation on DataFrames already in memory. Either returns :class:`Records`: the
valid rows with derived columns, and every rejected row in ``problems``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _validate as _v
from ._validate import PROBLEM_COLUMNS, RULES
from .scheme import Calendar, default_calendar

__all__ = ["Records", "RecordsError", "load", "from_frames", "PROBLEM_COLUMNS", "RULES"]


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



# --------------------------------------------------------------------------- reading
_TABLES = ("submissions", "ratings", "assessors")


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Headers stripped and lower-cased, every cell a stripped string ("" for blank),
    and ``row``: the line a spreadsheet shows (header = 1)."""
    frame = frame.copy()
    frame.columns = [str(c).strip().lstrip("\ufeff").strip().lower() for c in frame.columns]
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()].tolist()
        raise _v.Refusal(f"column(s) appear twice: {', '.join(dup)}")
    for c in frame.columns:
        col = frame[c]
        if col.dtype != object or not col.map(type).eq(str).all():
            col = col.map(_cell_text)
        frame[c] = col.str.strip()
    frame["row"] = np.arange(2, len(frame) + 2, dtype=np.int64)
    return frame


def _cell_text(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT or v is pd.NA:
        return ""
    if isinstance(v, _dt.datetime):  # includes pd.Timestamp; Excel gives midnight times
        return v.date().isoformat() if v.time() == _dt.time(0) else v.isoformat()
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(
            path, dtype=str, keep_default_na=False, na_filter=False,
            encoding="utf-8-sig", skipinitialspace=True,
        )
    except UnicodeDecodeError as exc:
        raise RecordsError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                           "save the file as CSV UTF-8") from exc
    except pd.errors.EmptyDataError as exc:
        raise RecordsError(f"{path}: the file is empty (a header row is required)") from exc
    except pd.errors.ParserError as exc:
        raise RecordsError(f"{path}: not a readable CSV file: {exc}") from exc


def _read(path: Path) -> tuple[dict[str, pd.DataFrame | None], dict[str, str], dict[str, Any]]:
    """Raw tables, their display names and the source description."""
    files: dict[str, Any] = {}
    if path.is_dir():
        tables: dict[str, pd.DataFrame | None] = {}
        names = {}
        for t in _TABLES:
            f = path / f"{t}.csv"
            names[t] = f"{t}.csv"
            if not f.exists():
                if t == "assessors":
                    tables[t] = None
                    continue
                raise RecordsError(f"{path}: {t}.csv is missing (a dataset folder needs "
                                   "submissions.csv and ratings.csv; assessors.csv is optional)")
            tables[t] = _read_csv(f)
            files[f.name] = {"sha256": _sha256(f), "rows": len(tables[t])}
        return tables, names, {"path": str(path), "files": files}
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            sheets = pd.read_excel(path, sheet_name=None, dtype=object)
        except Exception as exc:  # openpyxl raises many kinds for a bad workbook
            raise RecordsError(f"{path}: not a readable .xlsx workbook: {exc}") from exc
        by_name = {str(k).strip().lower(): v for k, v in sheets.items()}
        tables = {}
        names = {t: f"{path.name}[{t}]" for t in _TABLES}
        for t in _TABLES:
            if t not in by_name:
                if t == "assessors":
                    tables[t] = None
                    continue
                raise RecordsError(f"{path}: the workbook has no sheet named {t!r} "
                                   f"(sheets: {', '.join(map(str, sheets))})")
            tables[t] = by_name[t]
        files[path.name] = {"sha256": _sha256(path),
                            "rows": {t: len(v) for t, v in tables.items() if v is not None}}
        return tables, names, {"path": str(path), "files": files}
    if not path.exists():
        raise RecordsError(f"{path}: no such folder or workbook")
    raise RecordsError(f"{path}: expected a folder of CSV files or an .xlsx workbook")


def load(
    path: str | Path, strict: bool = False, calendar: Calendar | None = None
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

    Returns
    -------
    Records

    Raises
    ------
    RecordsError
        A missing file or required column, personal data (a name or e-mail column, or
        any cell that looks like an e-mail address), or, in strict mode, any problem.

    Notes
    -----
    CSV is read as UTF-8 (a byte-order mark is tolerated), every cell as text; blank
    cells are missing. See CONTRACT.md section 1 for the columns and
    :data:`cmalt_qa._validate.RULES` for every quarantine rule.
    """
    p = Path(path)
    tables, names, source = _read(p)
    return _build(tables, names, source, strict, calendar)


def from_frames(
    submissions: pd.DataFrame,
    ratings: pd.DataFrame,
    assessors: pd.DataFrame | None = None,
    strict: bool = False,
    calendar: Calendar | None = None,
) -> Records:
    """Validate tables already in memory, exactly as :func:`load` validates files.

    Parameters
    ----------
    submissions, ratings, assessors : DataFrame
        Shaped like the CSV files of CONTRACT.md; cells may be strings, numbers or dates.
        Rows are reported as a spreadsheet would number them (first data row = 2).
    strict, calendar
        As for :func:`load`.
    """
    tables = {"submissions": submissions, "ratings": ratings, "assessors": assessors}
    names = {t: t for t in _TABLES}
    return _build(tables, names, {"path": None, "files": {}}, strict, calendar)


def _build(
    tables: dict[str, pd.DataFrame | None],
    names: dict[str, str],
    source: dict[str, Any],
    strict: bool,
    calendar: Calendar | None,
) -> Records:
    required = {"submissions": _v.SUBMISSION_REQUIRED, "ratings": _v.RATING_REQUIRED,
                "assessors": _v.ASSESSOR_REQUIRED}
    clean: dict[str, pd.DataFrame | None] = {}
    try:
        for t in _TABLES:
            raw = tables[t]
            if raw is None:
                clean[t] = None
                continue
            if not isinstance(raw, pd.DataFrame):
                raise TypeError(f"{t} must be a pandas DataFrame, got {type(raw).__name__}")
            try:
                c = _clean(raw)
            except _v.Refusal as exc:
                raise _v.Refusal(f"{names[t]}: {exc}") from None
            _v.check_columns(names[t], c.drop(columns="row"), required[t])
            _v.check_personal_cells(names[t], c)
            clean[t] = c
    except _v.Refusal as exc:
        raise RecordsError(str(exc)) from None
    cal = calendar if calendar is not None else default_calendar()
    out = _v.validate(clean["submissions"], clean["ratings"], clean["assessors"], names, cal)
    source = {**source, "rows_read": {t: (0 if clean[t] is None else len(clean[t])) for t in _TABLES}}
    if strict and len(out.problems):
        lines = [
            f"  {r.file} row {r.row}, column {r.column}: {r.message} [{r.rule}]"
            for r in out.problems.itertuples()
        ]
        raise RecordsError(
            f"strict mode: {len(out.problems)} problem(s) in the input:\n" + "\n".join(lines),
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
