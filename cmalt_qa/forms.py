"""Completed assessment forms plus ALT's submission log -> records (``cmalt-qa forms``).

ALT holds the section ratings of each portfolio in one completed CMALT Assessment Form
(a Word document) and the dates in its submission log (a spreadsheet). :func:`read_forms`
reads every ``.docx`` under a folder and the log, and writes

* ``submissions.csv`` and ``ratings.csv`` per CONTRACT.md section 1 (``cmalt-qa validate``
  reads them and every report runs on them);
* ``comments.csv``: ``submission_id, area, sections, comment``, the assessors' comments
  per core area with the names of the candidate and the assessors replaced;
* ``problems.csv``: ``file, place, value, rule, message``, every form, block, cell or log
  row that could not be read (:data:`FORM_RULES`).

Candidates and assessors become keyed pseudonyms with :func:`cmalt_qa.anonymise.pseudonym`
(the same keyed hash as ``cmalt-qa anonymise``, so one key gives one pseudonym per name
across forms, logs and exports). Names, e-mail addresses and portfolio links never reach
an output file or a message: problems name a form by its file name with any known name
in it replaced. The mapping from form rows to sections is
:data:`cmalt_qa.scheme.FORM_ROWS`; ``docs/forms.md`` documents it and the log's columns.

Notes
-----
A form and a log row are matched by the candidate's name (case and spaces ignored) and
order: a candidate's forms, by attempt and outcome date, take the candidate's log rows
in order of submission (a resubmission form only a resubmission row). A log row with no
form is an open submission; a form with no log row, or one that contradicts its log row
(pathway, attempt, assessors), is left out and listed. Same inputs and key give
byte-identical outputs.
"""

from __future__ import annotations

import datetime as _dt
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pandas as pd

from . import _csvout, scheme
from . import _forms_docx as fx
from ._csvout import neutralise
from ._lazy import renamed
from ._words import plural
from .anonymise import pseudonym, read_key
from .scheme import BOOL_ALIASES, PATHWAY_ALIASES
from .scheme import SUBMISSION_TYPE_ALIASES as TYPE_ALIASES
from .scheme import phrase_key as _key

__all__ = [
    "read_forms",
    "read_log",
    "FormsError",
    "FormsResult",
    "LOG_COLUMNS",
    "LOG_REQUIRED",
    "SUBMISSION_COLUMNS",
    "RATING_COLUMNS",
    "COMMENT_COLUMNS",
    "PROBLEM_COLUMNS",
    "FORM_RULES",
    "neutralise",
    "run_command",
]

LOG_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    # column -> accepted header spellings (after lower-casing, spaces/hyphens -> "_")
    "candidate": ("candidate", "candidate_name", "name"),
    "pathway": ("pathway", "cmalt_pathway"),
    "submission_type": ("submission_type", "type", "submission"),
    "submitted_on": ("submitted_on", "submitted", "date_submitted", "submission_date"),
    "allocated_on": ("allocated_on", "allocated", "date_allocated", "allocation_date"),
    "result_on": ("result_on", "result_sent", "result_date", "date_result_sent"),
    "second_nominated": ("second_nominated", "2nd_nominated", "nominated_second"),
    "sector": ("sector",),
    "lead_assessor": ("lead_assessor", "lead"),
    "second_assessor": ("second_assessor", "2nd_assessor", "second"),
}
"""The submission log's columns; other columns (e-mail, link, notes) are never read."""
LOG_REQUIRED: Final[tuple[str, ...]] = ("candidate", "pathway", "submission_type", "submitted_on")

SUBMISSION_COLUMNS: Final[list[str]] = [
    "submission_id", "portfolio_id", "candidate_id", "attempt", "submission_type", "pathway",
    "submitted_on", "allocated_on", "assessed_on", "result_on", "outcome",
    "lead_assessor", "second_assessor", "second_nominated", "sector",
]  # fmt: skip
RATING_COLUMNS: Final[list[str]] = ["submission_id", "section", "lead", "second", "final", "gaps"]
COMMENT_COLUMNS: Final[list[str]] = ["submission_id", "area", "sections", "comment"]
PROBLEM_COLUMNS: Final[list[str]] = ["file", "place", "value", "rule", "message"]

FORM_RULES: Final[dict[str, str]] = {
    "not_docx": "a file that is not a readable .docx (corrupt, or another format renamed)",
    "old_doc": "an old binary Word .doc file: save it as .docx",
    "lock_file": "a Word lock file (~$...), left while a form was open",
    "not_a_form": "a .docx that is not a CMALT assessment form",
    "no_candidate": "a form with no candidate name",
    "no_log_row": "a form with no matching row in the submission log",
    "log_conflict": "a form that contradicts its log row (pathway, attempt, assessors)",
    "bad_rating": "a rating cell that is not one rating",
    "duplicate_row": "more than one row of the form rated for the same section",
    "unknown_row": "a rated row whose label is not a section",
    "outcome_bold_only": "an outcome marked only by bold: cannot be told",
    "outcome_several_options": "more than one outcome left",
    "outcome_unreadable": "outcome block text that is not one of its options",
    "outcome_both_blocks": "both outcome blocks used without a referral in the first",
    "bad_date": "a date that is not a real day-first date",
    "bad_pathway": "a pathway that is not Associate CMALT, CMALT or Senior CMALT",
    "log_missing_value": "a required log cell is blank",
    "log_bad_value": "a log cell that is not one of its codes or not a date",
    "log_duplicate": "two log rows for the same candidate and submission date",
    "log_result_no_form": "a log row with a result date but no form",
}
"""Every rule of ``problems.csv``, by name, with a one-line description (not the loader's
quarantine rules, :data:`cmalt_qa.records.QUARANTINE_RULES`)."""

# Former name of FORM_RULES: still answers, with a DeprecationWarning.
__getattr__ = renamed(__name__, {"RULES": "FORM_RULES"})

_TITLES = re.compile(r"^(?:(?:dr|prof|professor|mr|mrs|ms|miss|mx|sir|dame)\.?\s+)+", re.I)
_EMAIL = re.compile(r"[\w.%+\-']+@[\w.\-]+\.[A-Za-z]{2,}")
_LINK = re.compile(r"(?:https?://|www\.)[^\s\"'<>()\[\]]+", re.I)


class FormsError(ValueError):
    """Input refused outright (no key, no log, no forms); the message names no person."""


# --------------------------------------------------------------------------- small rules
def _person(name: str) -> str:
    """A name as hashed: white space collapsed, a leading title (Dr, Prof, ...) dropped."""
    return _TITLES.sub("", " ".join(str(name).split()))


def _match_key(name: str) -> str:
    """A candidate's name for matching forms to the log: case and spaces ignored."""
    return "".join(_person(name).split()).casefold()


_WORD = re.compile(
    r"(?<![^\W\d_])(?:(?:Dr|Prof|Professor|Mr|Mrs|Ms|Miss|Mx)\.?\s+)?([^\W\d_]+)", re.I
)
_REPEAT = re.compile(r"\[(candidate|assessor|name)\](?:[\s\-]+\[\1\])+")


class _Redactor:
    """Replaces known names, e-mail addresses and links in text (see module docstring).

    A full name matches in any case; a first name or surname alone (with any title in
    front, "Dr Surname") matches as written with a capital or in capitals, so a first
    name that is also a word ("Will", "Grace") is not replaced inside lower-case prose;
    ``loose=True`` (file names) matches every part in any case.
    """

    def __init__(self, people: Iterable[tuple[str, str]], loose: bool = False) -> None:
        self._full: dict[str, str] = {}
        self._parts: dict[str, str] = {}
        self._loose = loose
        for name, label in people:
            clean = _person(name)
            if not clean:
                continue
            self._full.setdefault(clean.casefold(), label)
            for tok in re.split(r"[\s\-]+", clean):
                tok = tok.strip(".,'")
                if len(tok) >= 2:
                    if loose:
                        self._parts.setdefault(tok.casefold(), label)
                    else:
                        self._parts.setdefault(tok[:1].upper() + tok[1:], label)
                        self._parts.setdefault(tok.upper(), label)

    def _word(self, m: re.Match[str]) -> str:
        word = m.group(1)
        label = self._parts.get(word.casefold() if self._loose else word)
        return m.group(0) if label is None else f"[{label}]"

    def __call__(self, text: str) -> str:
        if not text:
            return text
        if "@" in text:
            text = _EMAIL.sub("[e-mail]", text)
        if "www" in text or "://" in text:
            text = _LINK.sub("[link]", text)
        folded = text.casefold()
        for name, label in self._full.items():
            if name in folded:  # names in lower case prose: rare, so compiled only then
                text = re.sub(
                    rf"(?<![^\W\d_]){re.escape(name)}(?![^\W\d_])", f"[{label}]", text, flags=re.I
                )
        text = _WORD.sub(self._word, text)
        return _REPEAT.sub(lambda m: f"[{m.group(1)}]", text)


# --------------------------------------------------------------------------- results
@dataclass
class FormsResult:
    """What :func:`read_forms` read and wrote.

    Attributes
    ----------
    submissions, ratings, comments, problems : DataFrame
        The tables written (all text; columns :data:`SUBMISSION_COLUMNS`,
        :data:`RATING_COLUMNS`, :data:`COMMENT_COLUMNS`, :data:`PROBLEM_COLUMNS`).
    files : dict
        ``docx`` (files found), ``forms`` (read as forms), ``log_rows``, ``open`` (log
        rows with no form, written as open submissions), ``forms_left_out`` (files not
        written as a submission), ``log_left_out`` (log rows not written).
    out : Path or None
        Folder written.
    """

    submissions: pd.DataFrame
    ratings: pd.DataFrame
    comments: pd.DataFrame
    problems: pd.DataFrame
    files: dict[str, int] = field(default_factory=dict)
    out: Path | None = None

    def summary(self) -> str:
        """Plain-text account for the command line (counts and rules, no names)."""
        f = self.files
        lines = [
            f"Read {plural(f.get('forms', 0), 'form')} of {plural(f.get('docx', 0), 'file')} "
            f"and {plural(f.get('log_rows', 0), 'log row')}.",
            f"Wrote {plural(len(self.submissions), 'submission')} ({f.get('open', 0)} open, from "
            f"the log only), {plural(len(self.ratings), 'section rating')}, "
            f"{plural(len(self.comments), 'comment')}"
            + (f" to {self.out}" if self.out else "")
            + ".",
        ]
        if self.problems.empty:
            lines.append("Problems: none.")
            return "\n".join(lines)
        lines.append(
            f"Problems: {len(self.problems)}; {plural(f.get('forms_left_out', 0), 'file')} and "
            f"{plural(f.get('log_left_out', 0), 'log row')} left out. Every problem is in "
            "problems.csv:"
        )
        for rule, n in self.problems["rule"].value_counts().sort_index().items():
            lines.append(f"  [{rule}] {n}: {FORM_RULES.get(str(rule), '')}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- the log
def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
        else:
            df = pd.read_csv(
                path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig"
            )
    except UnicodeDecodeError:
        raise FormsError(f"{path.name}: not UTF-8 text; save the log as CSV UTF-8") from None
    except (
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        ValueError,
        zipfile.BadZipFile,
        KeyError,
    ):
        raise FormsError(
            f"{path.name}: not a readable CSV or .xlsx log with a header row"
        ) from None
    return df


def read_log(path: str | Path) -> pd.DataFrame:
    """The submission log as text columns named as :data:`LOG_COLUMNS` (plus ``row``).

    Cells are text (blank = ``""``), except dates read from a workbook's date cells,
    which stay dates; ``row`` is the row number a spreadsheet shows (header = 1).

    Raises
    ------
    FormsError
        A missing or unreadable file, or a missing required column.
    """
    p = Path(path)
    if not p.is_file():
        raise FormsError(f"submission log {p} not found (pass ALT's log with --log)")
    raw = _read_table(p)
    spelled = {re.sub(r"[\s\-]+", "_", str(c).strip().lower()): c for c in raw.columns}
    out = pd.DataFrame(index=raw.index)
    for col, names in LOG_COLUMNS.items():
        src = next((spelled[n] for n in names if n in spelled), None)
        if src is None:
            if col in LOG_REQUIRED:
                raise FormsError(
                    f"{p.name}: required column {col!r} missing (the log needs "
                    f"{', '.join(LOG_REQUIRED)}; see docs/forms.md)"
                )
            out[col] = ""
        else:
            out[col] = raw[src].map(
                lambda v: (
                    ""
                    if v is None or (isinstance(v, float) and pd.isna(v))
                    else v
                    if isinstance(v, _dt.date)
                    else str(v).strip()
                )
            )
    out["row"] = range(2, len(out) + 2)
    return out.reset_index(drop=True)


@dataclass
class _LogRow:
    row: int
    candidate: str
    pathway: str
    submission_type: str
    attempt: int
    submitted_on: _dt.date
    allocated_on: _dt.date | None
    result_on: _dt.date | None
    second_nominated: str
    sector: str
    lead: str
    second: str


def _log_rows(log: pd.DataFrame, name: str, problems: list[dict]) -> list[_LogRow]:
    rows = []
    for r in log.to_dict("records"):
        where = f"row {r['row']}"
        bad = []
        if not str(r["candidate"]).strip():
            bad.append(("candidate", "", "log_missing_value", "the candidate is blank"))
        pathway = PATHWAY_ALIASES.get(_key(r["pathway"]))
        if pathway is None:
            bad.append(
                (
                    "pathway",
                    r["pathway"],
                    "log_bad_value",
                    "not a pathway (Associate CMALT, CMALT, Senior CMALT)",
                )
            )
        stype = TYPE_ALIASES.get(
            _key(r["submission_type"]), "" if not str(r["submission_type"]).strip() else None
        )
        if stype is None:
            bad.append(
                (
                    "submission type",
                    r["submission_type"],
                    "log_bad_value",
                    "not first submission, resubmission or portfolio review",
                )
            )
        dates = {}
        for col in ("submitted_on", "allocated_on", "result_on"):
            try:
                dates[col] = fx.parse_day_first(r[col])
            except ValueError as exc:
                bad.append((col, str(r[col]), "log_bad_value", str(exc)))
        if not bad and dates["submitted_on"] is None:
            bad.append(("submitted_on", "", "log_missing_value", "the submission date is blank"))
        nominated = BOOL_ALIASES.get(_key(r["second_nominated"]), None)
        if str(r["second_nominated"]).strip() and nominated is None:
            bad.append(("second_nominated", r["second_nominated"], "log_bad_value", "not yes/no"))
        for col, value, rule, msg in bad:
            problems.append(
                _problem(
                    name, f"{where}, column {col}", value, rule, msg + "; the log row is left out"
                )
            )
        if bad:
            continue
        rows.append(
            _LogRow(
                int(r["row"]),
                str(r["candidate"]),
                pathway,
                stype,
                2 if stype == "resubmission" else 1,
                dates["submitted_on"],
                dates["allocated_on"],
                dates["result_on"],
                "" if nominated is None else ("true" if nominated else "false"),
                str(r["sector"]),
                str(r["lead_assessor"]),
                str(r["second_assessor"]),
            )
        )
    return rows


def _problem(file: str, place: str, value: object, rule: str, message: str) -> dict:
    return {
        "file": file,
        "place": place,
        "value": "" if value is None else str(value),
        "rule": rule,
        "message": message,
    }


# --------------------------------------------------------------------------- one form
@dataclass
class _Form:
    file: str
    data: fx.FormData
    pathway: str | None = None
    attempt: int | None = None
    outcome: str | None = None
    assessed_on: _dt.date | None = None
    ratings: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        return any(p["fatal"] for p in self.problems)

    def add(self, place: str, value: object, rule: str, message: str, fatal: bool) -> None:
        effect = "the form is left out" if fatal else "the cell is left blank"
        self.problems.append(
            {**_problem(self.file, place, value, rule, f"{message}; {effect}"), "fatal": fatal}
        )


def _outcome(form: _Form) -> None:
    """Outcome and attempt from the two "delete as appropriate" blocks."""
    chosen: dict[int, str] = {}
    for attempt in (1, 2):
        cell = form.data.blocks.get(attempt)
        if cell is None:
            continue
        outcome, prob = fx.outcome_of_block(cell, attempt)
        if prob is not None:
            form.add(prob.place, prob.value, prob.rule, prob.message, True)
        elif outcome is not None:
            chosen[attempt] = outcome
    if 2 in chosen:
        if 1 in chosen and chosen[1] not in scheme.REFERRAL_OUTCOMES:
            form.add(
                "Assessment outcome",
                f"{chosen[1]} / {chosen[2]}",
                "outcome_both_blocks",
                "both blocks hold an outcome and the first is not a referral",
                True,
            )
            return
        form.attempt, form.outcome = 2, chosen[2]
    elif 1 in chosen:
        form.attempt, form.outcome = 1, chosen[1]


def _form_ratings(form: _Form) -> None:
    roles = ("lead", "second", "final")
    names = {"lead": "Lead Assessor", "second": "2nd Assessor", "final": "Final decision"}
    for section in scheme.SECTIONS:
        typed = form.data.ratings.get(section)
        if typed is None:
            continue
        if form.data.rating_rows.get(section, 0) > 1:
            form.add(
                f"section {section}",
                "",
                "duplicate_row",
                f"{form.data.rating_rows[section]} rows are rated for section {section}",
                True,
            )
            continue
        codes = {}
        for role in roles:
            try:
                codes[role] = fx.parse_rating(typed.get(role, "")) or ""
            except ValueError as exc:
                form.add(
                    f"section {section}, {names[role]}",
                    typed.get(role, ""),
                    "bad_rating",
                    str(exc),
                    False,
                )
                codes[role] = ""
        form.ratings[section] = codes
    for label, values in form.data.unknown_rows:
        form.add(
            "section table",
            f"{label}: {values}",
            "unknown_row",
            "a rated row whose label is not one of the form's sections (docs/forms.md)",
            True,
        )


def _interpret(file: str, data: fx.FormData) -> _Form:
    form = _Form(file, data)
    if not _person(data.candidate):
        form.add("Candidate name", "", "no_candidate", "the candidate name is blank", True)
    if data.pathway_text.strip():
        form.pathway = PATHWAY_ALIASES.get(_key(data.pathway_text))
        if form.pathway is None:
            form.add(
                "CMALT pathway",
                data.pathway_text,
                "bad_pathway",
                "not Associate CMALT, CMALT or Senior CMALT",
                True,
            )
    try:
        form.assessed_on = fx.parse_day_first(data.date_text)
    except ValueError as exc:
        form.add("Assessment outcome, Date", data.date_text, "bad_date", str(exc), False)
    _outcome(form)
    _form_ratings(form)
    return form


def _open_form(path: Path, rel: str) -> tuple[_Form | None, dict | None]:
    """Open and read one file; a problem instead of an exception for bad input."""
    name = path.name
    if name.startswith("~$"):
        return None, _problem(rel, "file", "", "lock_file", "a Word lock file, not a form; skipped")
    if path.suffix.lower() == ".doc":
        return None, _problem(
            rel,
            "file",
            "",
            "old_doc",
            "an old binary Word document: open it in Word and save it as .docx; skipped",
        )
    from docx.opc.exceptions import PackageNotFoundError  # heavy import, only when read
    from lxml.etree import XMLSyntaxError

    try:
        data = fx.read_form_document(fx.open_body(str(path)))
    except fx.NotAForm as exc:
        return None, _problem(rel, "file", "", "not_a_form", f"{exc}; skipped")
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        XMLSyntaxError,
        OSError,
        EOFError,
    ):
        return None, _problem(
            rel,
            "file",
            "",
            "not_docx",
            "not a readable .docx (corrupt, or another format renamed); skipped",
        )
    return _interpret(rel, data), None


def _form_files(root: Path) -> list[Path]:
    if not root.is_dir():
        raise FormsError(f"{root} is not a folder (FORMS is the folder holding the .docx forms)")
    files = sorted(
        (p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in (".docx", ".doc")),
        key=lambda p: p.relative_to(root).as_posix(),
    )
    if not files:
        raise FormsError(f"no .docx forms under {root} (the folder is empty of forms)")
    return files


# --------------------------------------------------------------------------- matching
def _fits(form: _Form, row: _LogRow) -> bool:
    if form.attempt is not None and form.attempt != row.attempt and row.submission_type:
        return False
    return form.assessed_on is None or row.submitted_on <= form.assessed_on


def _conflict(form: _Form, row: _LogRow) -> str | None:
    if form.pathway is not None and form.pathway != row.pathway:
        return f"the form's pathway ({form.pathway}) is not the log's ({row.pathway})"
    for role, on_form, in_log in (
        ("lead", form.data.lead, row.lead),
        ("second", form.data.second, row.second),
    ):
        if _person(on_form) and _person(in_log) and _match_key(on_form) != _match_key(in_log):
            return f"the {role} assessor on the form is not the one in the log"
    return None


def _match(
    forms: list[_Form], rows: list[_LogRow], log_name: str, problems: list[dict]
) -> list[tuple[_LogRow, _Form | None]]:
    """Pair each form with a log row (module Notes); a row of a form left out goes too."""
    by_cand: dict[str, list[_LogRow]] = {}
    for r in sorted(rows, key=lambda r: (r.submitted_on, r.row)):
        by_cand.setdefault(_match_key(r.candidate), []).append(r)
    taken: dict[int, _Form] = {}
    order = sorted(forms, key=lambda f: (f.attempt or 3, f.assessed_on or _dt.date.max, f.file))
    for form in order:
        if not _person(form.data.candidate):
            continue
        cands = by_cand.get(_match_key(form.data.candidate), [])
        row = next((r for r in cands if r.row not in taken and _fits(form, r)), None)
        if row is None:
            why = (
                "no log row has this candidate's name"
                if not cands
                else "the candidate's log rows are all matched or none fits the form's attempt "
                "and outcome date"
            )
            form.add("Candidate name", "", "no_log_row", why, True)
            continue
        taken[row.row] = form
        if (why := _conflict(form, row)) is not None:
            form.add("Assessment summary", "", "log_conflict", f"{why} (log row {row.row})", True)
    pairs = []
    for r in sorted(rows, key=lambda r: r.row):
        form = taken.get(r.row)
        if form is not None and form.fatal:
            continue
        if form is None and r.result_on is not None:
            problems.append(
                _problem(
                    log_name,
                    f"row {r.row}",
                    "",
                    "log_result_no_form",
                    "the log gives a result date but no form was found for "
                    "it; the log row is left out",
                )
            )
            continue
        pairs.append((r, form))
    return pairs


def _drop_duplicates(rows: list[_LogRow], log_name: str, problems: list[dict]) -> list[_LogRow]:
    seen: dict[tuple[str, _dt.date], list[_LogRow]] = {}
    for r in rows:
        seen.setdefault((_match_key(r.candidate), r.submitted_on), []).append(r)
    keep = []
    for group in seen.values():
        if len(group) == 1:
            keep.append(group[0])
            continue
        for r in group:
            problems.append(
                _problem(
                    log_name,
                    f"row {r.row}",
                    r.submitted_on.isoformat(),
                    "log_duplicate",
                    f"rows {', '.join(str(g.row) for g in group)} are the same candidate on the "
                    "same date; the rows are left out",
                )
            )
    return sorted(keep, key=lambda r: r.row)


# --------------------------------------------------------------------------- records
_AREA_SECTIONS: Final[dict[str, tuple[str, ...]]] = {
    block: tuple(
        s for s in scheme.SECTIONS if any(b == block and x == s for b, _, x in scheme.FORM_ROWS)
    )
    for _, block in scheme.FORM_BLOCKS
}


def _iso(d: _dt.date | None) -> str:
    return "" if d is None else d.isoformat()


def _cycle_starts(rows: list[_LogRow]) -> dict[int, _dt.date]:
    """Log row -> submission date of the first attempt its portfolio started with."""
    start: dict[int, _dt.date] = {}
    current: dict[str, _dt.date] = {}
    for r in sorted(rows, key=lambda r: (r.submitted_on, r.row)):
        k = _match_key(r.candidate)
        if r.attempt == 1 or k not in current:
            current[k] = r.submitted_on
        start[r.row] = current[k]
    return start


def _records(
    pairs: list[tuple[_LogRow, _Form | None]], key: bytes
) -> tuple[list[dict], list[dict], list[dict]]:
    starts = _cycle_starts([r for r, _ in pairs])
    subs, rats, coms = [], [], []
    for row, form in pairs:
        cand = _person(row.candidate)
        sid = pseudonym(f"{cand} {row.submitted_on.isoformat()}", key, "submission", "S")
        lead = _person(form.data.lead) if form and _person(form.data.lead) else _person(row.lead)
        second = (
            _person(form.data.second) if form and _person(form.data.second) else _person(row.second)
        )
        attempt = form.attempt if form and form.attempt else row.attempt
        subs.append(
            {
                "submission_id": sid,
                "portfolio_id": pseudonym(
                    f"{cand} {starts[row.row].isoformat()}", key, "portfolio", "P"
                ),
                "candidate_id": pseudonym(cand, key, "candidate", "C"),
                "attempt": str(attempt),
                "submission_type": row.submission_type,
                "pathway": (form.pathway if form and form.pathway else row.pathway),
                "submitted_on": _iso(row.submitted_on),
                "allocated_on": _iso(row.allocated_on),
                "assessed_on": _iso(form.assessed_on if form else None),
                "result_on": _iso(row.result_on),
                "outcome": (form.outcome or "") if form else "",
                "lead_assessor": pseudonym(lead, key, "assessor", "A") if lead else "",
                "second_assessor": pseudonym(second, key, "assessor", "A") if second else "",
                "second_nominated": row.second_nominated,
                "sector": ""
                if _EMAIL.search(row.sector) or _LINK.search(row.sector)
                else row.sector,
            }
        )
        if form is None:
            continue
        for section, codes in form.ratings.items():
            rats.append({"submission_id": sid, "section": section, **codes, "gaps": ""})
        redact = _Redactor(
            [
                (row.candidate, "candidate"),
                (form.data.candidate, "candidate"),
                (form.data.lead, "assessor"),
                (form.data.second, "assessor"),
                (row.lead, "assessor"),
                (row.second, "assessor"),
                (form.data.checked_by, "name"),
            ]
        )
        if form.data.overall_comment:
            coms.append(
                {
                    "submission_id": sid,
                    "area": "overall",
                    "sections": "",
                    "comment": redact(form.data.overall_comment),
                }
            )
        for area, text in form.data.comments:
            coms.append(
                {
                    "submission_id": sid,
                    "area": area,
                    "sections": ";".join(_AREA_SECTIONS.get(area, ())),
                    "comment": redact(text),
                }
            )
    return subs, rats, coms


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns).fillna("").astype(str)


def _write(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` with formula-like cells neutralised, replacing ``path`` at once."""
    tmp = _csvout.write_csv(df, path.with_name(path.name + ".tmp"))
    tmp.replace(path)


def _people(log: list[_LogRow], forms: list[_Form]) -> list[tuple[str, str]]:
    people = [(r.candidate, "candidate") for r in log]
    people += [(n, "assessor") for r in log for n in (r.lead, r.second)]
    for f in forms:
        d = f.data
        people += [
            (d.candidate, "candidate"),
            (d.lead, "assessor"),
            (d.second, "assessor"),
            (d.checked_by, "name"),
        ]
    return people


def _problem_frame(problems: list[dict], people: list[tuple[str, str]]) -> pd.DataFrame:
    """problems.csv, with every known name replaced (in any case in file names)."""
    loose, strict = _Redactor(people, loose=True), _Redactor(people)
    rows = [
        {
            "file": loose(p["file"]),
            "place": p["place"],
            "value": loose(p["value"]),
            "rule": p["rule"],
            "message": strict(p["message"]),
        }
        for p in problems
    ]
    return _frame(rows, PROBLEM_COLUMNS)


def read_forms(
    forms: str | Path,
    log: str | Path,
    key_file: str | Path,
    out: str | Path | None = None,
) -> FormsResult:
    """Read completed assessment forms and the submission log into records.

    Parameters
    ----------
    forms : str or Path
        Folder searched recursively for ``.docx`` forms (``.doc`` files are listed as
        problems).
    log : str or Path
        The submission log, CSV or ``.xlsx`` (columns :data:`LOG_COLUMNS`).
    key_file : str or Path
        The secret key of :func:`cmalt_qa.anonymise.read_key`.
    out : str or Path, optional
        Folder to write the four CSV files to (created).

    Returns
    -------
    FormsResult

    Raises
    ------
    FormsError
        No forms folder or no ``.docx`` in it, no log or a log without a required column.
    cmalt_qa.anonymise.AnonymiseError
        A missing or unusable key file.

    Examples
    --------
    >>> from cmalt_qa.forms import read_forms
    >>> result = read_forms("forms/", "log.csv", "key.txt", out="data/")  # doctest: +SKIP
    >>> print(result.summary())                                           # doctest: +SKIP
    """
    key = read_key(key_file)
    root, log_path = Path(forms), Path(log)
    if out is not None and Path(out).resolve() == root.resolve():
        raise FormsError("--out must differ from the forms folder")
    table = read_log(log_path)
    files = _form_files(root)
    problems: list[dict] = []
    read: list[_Form] = []
    for path in files:
        form, prob = _open_form(path, path.relative_to(root).as_posix())
        if prob is not None:
            problems.append({**prob, "fatal": True})
        else:
            read.append(form)
    rows = _drop_duplicates(_log_rows(table, log_path.name, problems), log_path.name, problems)
    pairs = _match(read, rows, log_path.name, problems)
    subs, rats, coms = _records(pairs, key)
    for f in read:
        problems.extend(f.problems)
    probs = _problem_frame(problems, _people(rows, read))
    result = FormsResult(
        submissions=_frame(
            sorted(subs, key=lambda s: (s["submitted_on"], s["submission_id"])), SUBMISSION_COLUMNS
        ),
        ratings=_frame(
            sorted(rats, key=lambda r: (r["submission_id"], scheme.SECTIONS.index(r["section"]))),
            RATING_COLUMNS,
        ),
        comments=_frame(coms, COMMENT_COLUMNS).sort_values(
            ["submission_id"], kind="stable", ignore_index=True
        ),
        problems=probs,
        files={
            "docx": len(files),
            "forms": len(read),
            "log_rows": len(table),
            "open": sum(1 for _, f in pairs if f is None),
            "forms_left_out": len(files) - sum(1 for _, f in pairs if f is not None),
            "log_left_out": len(table) - len(pairs),
        },
    )
    if out is not None:
        dst = Path(out)
        dst.mkdir(parents=True, exist_ok=True)
        for name in ("submissions", "ratings", "comments", "problems"):
            _write(getattr(result, name), dst / f"{name}.csv")
        result.out = dst
    return result


# --------------------------------------------------------------------------- command line
def run_command(forms: str, log: str, key_file: str, out: str, new_key: bool) -> int:
    """``cmalt-qa forms``: refuse what cannot run, make the key if asked, read, report.

    Prints the summary (counts and rules, never a name); the parser is in
    :func:`cmalt_qa.cli.add_forms_parser`.
    """
    from .anonymise import new_key_file

    key_path, log_path = Path(key_file), Path(log)
    if not log_path.is_file():  # refuse before a new key is made for nothing
        raise FormsError(f"submission log {log_path} not found (pass ALT's log with --log)")
    if not new_key and not key_path.is_file():
        raise FormsError(
            f"key file {key_path} not found: the pseudonyms need the secret key used for "
            "every run (create it once with --new-key and keep it apart from the data)"
        )
    if new_key:
        new_key_file(key_path)
        print(f"Created a new key in {key_path}: keep it secret and reuse it for every run.")
    result = read_forms(forms, log_path, key_path, out=out)
    print(result.summary())
    print(f"Next: cmalt-qa validate {result.out}")
    return 0
