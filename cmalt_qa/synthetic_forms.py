"""Synthetic records written out as completed Word assessment forms plus a submission log.

The other direction of :mod:`cmalt_qa.forms`, for tests and benchmarks: records drawn by
:func:`cmalt_qa.synthetic.generate_frames` become one completed CMALT Assessment Form per
assessed submission (layout of ``seeds/001_*``; Associate forms lack the rows an Associate
portfolio does not have, Senior forms add the "Advanced area(s)" block) and ALT's
submission log (CSV with a byte-order mark and CRLF line ends, or ``.xlsx``), with the
variations people produce: outcomes marked by deleting the other options, by leaving
blank lines or by striking them through; the unused block untouched, emptied or "N/A";
resubmission forms that still show the earlier referral; ratings typed as codes or words
in any case with stray spaces and full stops; day-first dates in several styles; titles
before assessors' names; comments that name the candidate and the assessors and hold
e-mail addresses and links. Candidates and assessors get made-up names.

Everything is deterministic for a seed. :func:`write_form` writes one form from a
:class:`FormRecord` with a :class:`FormStyle`, so tests can build the awkward cases
(bold-only marking, a rating typed "A/S") directly.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from . import scheme, synthetic

__all__ = [
    "FormRecord",
    "FormStyle",
    "FormCorpus",
    "write_form",
    "write_corpus",
    "generate_forms",
    "as_read",
    "LOG_HEADERS",
]

FIRST_NAMES: Final[tuple[str, ...]] = (
    "Aisling", "Bethan", "Catriona", "Dervla", "Eilidh", "Fenella", "Gwenllian", "Hermione",
    "Isolde", "Juniper", "Kerensa", "Lowri", "Morwenna", "Niamh", "Ottilie", "Philippa",
    "Rhiannon", "Saoirse", "Tamsin", "Ursula", "Aneurin", "Barnaby", "Cormac", "Dafydd",
    "Evander", "Fergus", "Gethin", "Hamish", "Ieuan", "Jolyon", "Kieran", "Lachlan",
    "Malachy", "Oisin", "Peregrine", "Ruaridh", "Somhairle", "Tiernan", "Wystan", "Zebedee",
)  # fmt: skip
SURNAMES: Final[tuple[str, ...]] = (
    "Abernethy", "Blackwood", "Cadwallader", "Drummond", "Ellingham", "Fairweather",
    "Gallagher", "Hetherington", "Inglethorpe", "Jardine", "Kilbride", "Llewellyn",
    "Macfarlane", "Northcote", "Ogilvie", "Pemberton", "Quigley", "Rutherford",
    "Sinclair", "Trevelyan", "Urquhart", "Vanstone", "Wetherby", "Yardley", "Zouche",
    "Ashdown", "Brackenbury", "Cholmondeley", "Dunwoody", "Etherington", "Featherstone",
    "Glanville", "Harcourt", "Ironside", "Kettleborough", "Lockhart", "Montague",
    "Nettleship", "Ormerod", "Postlethwaite", "Ravenscroft", "Scrimgeour", "Thistlewood",
    "Underhill", "Villiers", "Winterbottom", "Abercrombie", "Bannatyne", "Carruthers",
    "Dalrymple",
)  # fmt: skip
LOG_HEADERS: Final[dict[str, str]] = {
    "candidate": "Candidate", "email": "Candidate email", "pathway": "Pathway",
    "submission_type": "Submission type", "submitted_on": "Submitted on",
    "allocated_on": "Allocated on", "result_on": "Result on",
    "second_nominated": "Second nominated", "sector": "Sector",
    "lead_assessor": "Lead assessor", "second_assessor": "Second assessor",
    "portfolio_link": "Portfolio link",
}  # fmt: skip
"""Headers of the generated log: the columns of docs/forms.md plus two it must ignore."""

_TYPED: Final[dict[str, tuple[str, ...]]] = {
    "S": ("S", "s", "Strong", "strong", "S.", "STRONG", " S ", "Strong."),
    "A": ("A", "a", "Adequate", "adequate.", "A.", " A", "ADEQUATE"),
    "R": ("R", "r", "Revisions required", "revisions required", "R.", "Revisions Required", "R "),
}
_MONTHS: Final[tuple[str, ...]] = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_PATHWAY_TEXT: Final[dict[str, tuple[str, ...]]] = {
    "ACMALT": ("Associate CMALT", "ACMALT"),
    "CMALT": ("CMALT",),
    "SCMALT": ("Senior CMALT", "SCMALT"),
}
_TYPE_TEXT: Final[dict[str, str]] = {
    "first": "First submission",
    "resubmission": "Resubmission",
    "review": "Portfolio review",
}
_GAP_TEXT: Final[dict[str, str]] = {
    "description": "the description of the work is too brief to follow",
    "evidence": "the evidence does not show the work described",
    "reflection": "the reflection needs to go deeper into what changed as a result",
}


@dataclass(frozen=True)
class FormStyle:
    """How one form is filled in.

    ``marking``: delete | blank | strike | bold (the other options deleted, emptied to
    blank lines, struck through; or the chosen one only made bold: unreadable).
    ``unused``: untouched | emptied | na (the block that holds no outcome).
    ``show_referral``: a resubmission form keeps the earlier referral in its first block.
    ``date_style``: 0-5 (05/04/2025, 05.04.2025, 5 April 2025, 7th March 2025, 5/4/25,
    2025-04-05). ``seed``: picks the typed spellings of the ratings.
    """

    marking: str = "delete"
    unused: str = "untouched"
    show_referral: bool = False
    date_style: int = 0
    seed: int = 0
    third_row: str = "Example 2"  # the core area 3 row that carries 3b


@dataclass
class FormRecord:
    """What one completed form says (names included)."""

    candidate: str
    pathway: str
    lead: str
    second: str
    attempt: int
    outcome: str | None
    assessed_on: _dt.date | None
    ratings: dict[str, tuple[str, str, str]]  # section -> (lead, second, final) codes or ""
    earlier_outcome: str | None = None
    link: str = ""
    overall: str = ""
    comments: dict[str, str] = field(default_factory=dict)  # block key -> text
    checked_by: str = ""
    typed: dict[tuple[str, int], str] = field(default_factory=dict)  # overrides a cell


def _date_text(d: _dt.date, style: int) -> str:
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(d.day, "th")
    return (
        f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day:02d}.{d.month:02d}.{d.year}",
        f"{d.day} {_MONTHS[d.month - 1]} {d.year}", f"{d.day}{suffix} {_MONTHS[d.month - 1]} {d.year}",
        f"{d.day}/{d.month}/{d.year % 100:02d}", d.isoformat(),
    )[style % 6]  # fmt: skip


# --------------------------------------------------------------------------- the form
def _rows_of(pathway: str, third_row: str) -> list[tuple[str, str | None]]:
    """(label, section or None) of the section table, block headings marked by '#'."""
    aca = pathway == "ACMALT"
    rows: list[tuple[str, str | None]] = [
        ("#Core area 1: Operational issues", None),
        ("a) An understanding of the constraints and benefits of different technologies", "1a"),
        ("b)Technical knowledge and ability in the use of learning technology", "1b"),
    ]
    if not aca:
        rows.append(("c) Supporting the deployment of learning technologies", "1c"))
    rows += [
        ("Comments:", None),
        ("#Core area 2: Learning, teaching and assessment", None),
        ("a) An understanding of teaching, learning and/or assessment processes", "2a"),
    ]
    if not aca:
        rows.append(("b)An understanding of your target learners", "2b"))
    rows += [
        ("Comments:", None),
        (
            "#Core area 3: The wider context\nCandidates should address at least two topics. "
            "Either two legal or one legal and one policy or standards as a minimum.",
            None,
        ),
        ("Legal", "3a"),
    ]
    if not aca:
        for label in ("Example 2", "Example 2", "Policy"):
            rows.append((label, "3b" if label == third_row else None))
            if label == third_row:
                third_row = "-"  # only the first such row carries 3b
    rows += [
        ("Comments:", None),
        ("#Core area 4: Communication - Working with others", "4"),
        ("Comments:", None),
    ]
    if not aca:
        rows.append(
            (
                "#Specialist option(s)\nCandidates are required to include at least 1 "
                "specialist option.",
                None,
            )
        )
        for i, s in enumerate(("5a", "5b", "5c") if pathway == "CMALT" else ("5a", "5b")):
            rows.append((str(i + 1), s))
        rows.append(("Comments:", None))
    if pathway == "SCMALT":
        rows += [("#Advanced area(s)", None), ("1", "6a"), ("2", "6b"), ("Comments:", None)]
    rows += [
        ("#Demonstrating the four core principles (applied to the whole portfolio)", None),
        (
            "A commitment to exploring and understanding the interplay between technology and "
            "learning.",
            "P1",
        ),
        ("A commitment to keep up to date with new technologies.", "P2"),
        (
            "An empathy with and willingness to learn from colleagues from different "
            "backgrounds and specialisms.",
            "P3",
        ),
        ("A commitment to communicate and disseminate effective practice.", "P4"),
        ("Comments:", None),
    ]
    return rows


def _set_lines(cell: object, lines: list[tuple[str, bool, bool]]) -> None:
    """Write paragraphs (text, struck, bold) into a cell."""
    first = True
    for text, struck, bold in lines:
        p = cell.paragraphs[0] if first else cell.add_paragraph()  # type: ignore[attr-defined]
        first = False
        if text:
            run = p.add_run(text)
            run.font.strike = struck or None
            run.bold = bold or None


def _block_lines(
    attempt: int, outcome: str | None, style: FormStyle, used: bool
) -> list[tuple[str, bool, bool]]:
    options = [scheme.OUTCOME_NAMES[o] for o in scheme.OUTCOMES_BY_ATTEMPT[attempt]]
    if not used or outcome is None:
        if style.unused == "emptied":
            return [("", False, False)]
        if style.unused == "na":
            return [("N/A", False, False)]
        return [(o, False, False) for o in options]
    chosen = scheme.OUTCOME_NAMES[outcome]
    if style.marking == "delete":
        return [(chosen, False, False)]
    if style.marking == "blank":
        return [(o if o == chosen else "", False, False) for o in options]
    if style.marking == "strike":
        return [(o, o != chosen, False) for o in options]
    return [(o, False, o == chosen) for o in options]  # bold only


_SUMMARY_ROWS: Final[tuple[str, ...]] = (
    "Candidate name", "Portfolio (link)", "CMALT pathway", "Lead Assessor", "2nd Assessor",
    "#Assessment outcome", "Date", "1st submission \n(delete as appropriate)",
    "2nd submission\n(delete as appropriate)", "Comments", "#Office use ONLY", "Date",
    "Checked by",
)  # fmt: skip


def _summary_values(rec: FormRecord, style: FormStyle) -> list[list[tuple[str, bool, bool]] | None]:
    """Lines of each summary row's value cell (None for a merged heading row)."""

    def one(text: str) -> list[tuple[str, bool, bool]]:
        return [(text, False, False)]

    second = rec.attempt == 2
    first_outcome = (
        rec.earlier_outcome if second and style.show_referral else (None if second else rec.outcome)
    )
    office = (rec.assessed_on + _dt.timedelta(days=3)) if rec.assessed_on else None
    pathway = _PATHWAY_TEXT[rec.pathway][style.seed % len(_PATHWAY_TEXT[rec.pathway])]
    return [
        one(rec.candidate), one(rec.link), one(pathway), one(rec.lead), one(rec.second), None,
        one("" if rec.assessed_on is None else _date_text(rec.assessed_on, style.date_style)),
        _block_lines(1, first_outcome, style, first_outcome is not None),
        _block_lines(2, rec.outcome if second else None, style, second),
        one(rec.overall or "Please include comments for the candidate. "), None,
        one("" if office is None else _date_text(office, style.date_style + 1)),
        one(rec.checked_by),
    ]  # fmt: skip


@functools.cache
def _template(pathway: str, third_row: str) -> bytes:
    """The blank form of a pathway (labels, merged rows, empty value cells) as .docx bytes.

    Built once per layout with python-docx; :func:`write_form` fills a copy (performance:
    building the tables row by row, with merges, costs ~10x filling them).
    """
    import docx

    doc = docx.Document()
    doc.add_heading("CMALT Assessment Form", level=1)
    doc.add_paragraph(
        "This form and the guidance for assessors have been updated. Please read the updated "
        "guidance before undertaking the assessment and completing this form. Thank you."
    )
    doc.add_heading("Assessment summary", level=2)
    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    for label in _SUMMARY_ROWS:
        cells = t.add_row().cells
        if label.startswith("#"):
            cells[0].merge(cells[1]).text = label[1:]
        else:
            cells[0].text = label
    doc.add_heading("Assessment form", level=2)
    doc.add_heading("Assessment criteria", level=3)
    doc.add_paragraph(
        "Assessors review each section of the portfolio to determine whether it is strong, "
        "adequate, or whether revisions or additions are required."
    )
    t = doc.add_table(rows=1, cols=4)
    t.style = "Table Grid"
    for c, text in zip(
        t.rows[0].cells, ("Portfolio section", "Lead Assessor", "2nd Assessor", "Final decision")
    ):
        c.text = text
    for label, section in _rows_of(pathway, third_row):
        cells = t.add_row().cells
        if label == "Comments:" or (label.startswith("#") and section is None):
            cells[0].merge(cells[3]).text = label.lstrip("#")
        else:
            cells[0].text = label.lstrip("#")
    doc.add_heading("Assessment outcomes", level=3)
    t = doc.add_table(rows=1, cols=2)
    t.rows[0].cells[0].text, t.rows[0].cells[1].text = "Decision", "Description "
    for o in scheme.OUTCOMES:
        cells = t.add_row().cells
        cells[0].text, cells[1].text = scheme.OUTCOME_NAMES[o], "(guidance text)"
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _grid(table: object) -> list[list[object]]:
    """The cells of each row, merged cells once (python-docx ``_Cell`` objects)."""
    from docx.table import _Cell

    return [[_Cell(tc, table) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]  # type: ignore[attr-defined]


def write_form(path: str | Path, rec: FormRecord, style: FormStyle = FormStyle()) -> Path:
    """Write one completed assessment form as a ``.docx`` (python-docx)."""
    import docx  # heavy import, only when forms are written

    doc = docx.Document(io.BytesIO(_template(rec.pathway, style.third_row)))
    summary, sections = (_grid(t) for t in doc.tables[:2])
    for cells, lines in zip(summary, _summary_values(rec, style)):
        if lines is not None:
            _set_lines(cells[1], lines)
    rng = np.random.default_rng([style.seed, 7])
    block = ""
    for cells, (label, section) in zip(sections[1:], _rows_of(rec.pathway, style.third_row)):
        if label.startswith("#"):
            block = next(k for p, k in scheme.FORM_BLOCKS if p in label.lower())
        if label == "Comments:":
            if rec.comments.get(block):
                cells[0].add_paragraph(rec.comments[block])
            continue
        if section is None:
            continue
        for j, code in enumerate(rec.ratings.get(section, ("", "", ""))):
            typed = rec.typed.get((section, j))
            if typed is None and code:
                variants = _TYPED[code]
                typed = variants[int(rng.integers(len(variants)))]
            if typed:
                cells[j + 1].text = typed
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    doc.save(buf)
    out.write_bytes(buf.getvalue())
    return out


# --------------------------------------------------------------------------- the corpus
@dataclass
class FormCorpus:
    """A written corpus: ``forms`` folder, ``log`` file, and the names given to keys."""

    forms: Path
    log: Path
    candidates: dict[str, str]  # portfolio_id -> candidate name
    assessors: dict[str, str]  # assessor key -> name
    files: dict[str, str]  # submission_id -> form file (relative to forms)


def _names(n: int, rng: np.random.Generator, offset: int = 0) -> list[str]:
    combos = [(f, s) for s in SURNAMES for f in FIRST_NAMES]
    order = rng.permutation(len(combos))
    out = []
    for i in range(n):
        j = (i + offset) % len(combos)
        f, s = combos[order[j]]
        lap = (i + offset) // len(combos)
        out.append(f"{f} {s}" if lap == 0 else f"{f} {s}-{SURNAMES[(lap * 7 + j) % len(SURNAMES)]}")
    return out


def _comments(
    sid: str, rats: pd.DataFrame, name: str, lead: str, rng: np.random.Generator
) -> tuple[str, dict[str, str]]:
    """Overall comment and comments per block, naming people as assessors do."""
    first, surname = name.split()[0], name.split()[-1]
    lead_surname = lead.split()[-1]
    by_block: dict[str, list[str]] = {}
    for r in rats.itertuples(index=False):
        if r.final != "R":
            continue
        block = next(b for b, _, s in scheme.FORM_ROWS if s == r.section)
        gaps = [_GAP_TEXT[g] for g in str(r.gaps).split(";") if g in _GAP_TEXT]
        by_block.setdefault(block, []).append(
            f"Section {r.section}: " + ("; ".join(gaps) or "please revise") + "."
        )
    out = {}
    for block, lines in by_block.items():
        lead_in = (
            f"{first}, this is a promising area. "
            if rng.random() < 0.5
            else f"Dr {lead_surname} and I agree that "
        )
        out[block] = lead_in + " ".join(lines)
    if "P" not in out and rng.random() < 0.3:
        out["P"] = f"{first} {surname} shows the principles throughout the portfolio."
    overall = (
        (
            f"Thank you, {first}. Please contact {first.lower()}.{surname.lower()}@example.ac.uk "
            f"or see https://portfolio.example.org/{first.lower()}-{surname.lower()} "
            "if anything is unclear."
        )
        if rng.random() < 0.6
        else ""
    )
    return overall, out


def _style(rng: np.random.Generator, i: int) -> FormStyle:
    return FormStyle(
        marking=("delete", "delete", "blank", "strike")[int(rng.integers(4))],
        unused=("untouched", "untouched", "emptied", "na")[int(rng.integers(4))],
        show_referral=bool(rng.random() < 0.5),
        date_style=int(rng.integers(6)),
        seed=i,
        third_row=("Example 2", "Policy")[int(rng.integers(2))],
    )


def _log_frame(
    subs: pd.DataFrame, cand: dict[str, str], who: dict[str, str], rng: np.random.Generator
) -> pd.DataFrame:
    def day_first(iso: str, style: int) -> str:
        return "" if not iso else _date_text(_dt.date.fromisoformat(iso), style)

    styles = rng.integers(0, 5, len(subs))
    allocated = subs["allocated_on"] != ""
    names = subs["portfolio_id"].map(cand)
    return pd.DataFrame(
        {
            LOG_HEADERS["candidate"]: names,
            LOG_HEADERS["email"]: names.str.lower().str.replace(" ", ".") + "@example.ac.uk",
            LOG_HEADERS["pathway"]: [
                _PATHWAY_TEXT[p][-1 if k % 2 else 0] for p, k in zip(subs["pathway"], styles)
            ],
            LOG_HEADERS["submission_type"]: subs["submission_type"].map(_TYPE_TEXT),
            LOG_HEADERS["submitted_on"]: [
                day_first(d, k) for d, k in zip(subs["submitted_on"], styles)
            ],
            LOG_HEADERS["allocated_on"]: [day_first(d, 0) for d in subs["allocated_on"]],
            LOG_HEADERS["result_on"]: [day_first(d, 0) for d in subs["result_on"]],
            LOG_HEADERS["second_nominated"]: subs["second_nominated"].map(
                {"true": "Yes", "false": "No"}
            ),
            LOG_HEADERS["sector"]: subs["sector"],
            LOG_HEADERS["lead_assessor"]: subs["lead_assessor"].map(who).where(allocated, ""),
            LOG_HEADERS["second_assessor"]: subs["second_assessor"].map(who).where(allocated, ""),
            LOG_HEADERS["portfolio_link"]: "https://portfolio.example.org/"
            + names.str.lower().str.replace(" ", "-"),
        }
    )


def write_corpus(
    out: str | Path,
    submissions: pd.DataFrame,
    ratings: pd.DataFrame,
    *,
    seed: int = 0,
    log_format: str = "csv",
) -> FormCorpus:
    """Write records (text tables as :func:`cmalt_qa.synthetic.generate_frames` gives
    them) as completed forms under ``out/forms`` and a log ``out/log.csv`` (or ``.xlsx``).

    Every submission with an ``assessed_on`` date gets a form (its outcome marked if it
    has one); every submission gets a log row, with blank assessors while it has no
    ``allocated_on`` (awaiting allocation).
    """
    rng = np.random.default_rng([seed, 16])
    root = Path(out)
    forms = root / "forms"
    pids = list(dict.fromkeys(submissions["portfolio_id"]))
    cand = dict(zip(pids, _names(len(pids), rng)))
    akeys = sorted(set(submissions["lead_assessor"]) | set(submissions["second_assessor"]))
    who = dict(zip(akeys, _names(len(akeys), np.random.default_rng([seed, 17]), offset=7)))
    by_sub = dict(tuple(ratings.groupby("submission_id", sort=False)))
    earlier = submissions[submissions["attempt"] == "1"].set_index("portfolio_id")["outcome"]
    files: dict[str, str] = {}
    for i, s in enumerate(submissions.itertuples(index=False)):
        if not s.assessed_on:
            continue
        rats = by_sub.get(s.submission_id, ratings.iloc[:0])
        name, lead = cand[s.portfolio_id], who[s.lead_assessor]
        overall, comments = _comments(s.submission_id, rats, name, lead, rng)
        rec = FormRecord(
            candidate=name if rng.random() < 0.8 else name.upper(),
            pathway=s.pathway,
            lead=("Dr " + lead) if rng.random() < 0.2 else lead,
            second=who[s.second_assessor],
            attempt=int(s.attempt),
            outcome=s.outcome or None,
            assessed_on=_dt.date.fromisoformat(s.assessed_on),
            ratings={r.section: (r.lead, r.second, r.final) for r in rats.itertuples(index=False)},
            earlier_outcome=earlier.get(s.portfolio_id) if s.attempt == "2" else None,
            link="https://portfolio.example.org/" + name.lower().replace(" ", "-"),
            overall=overall,
            comments=comments,
            checked_by="Office Staffmember",
        )
        rel = f"{s.submitted_on[:4]}/{name.replace(' ', '_')}_attempt{s.attempt}.docx"
        write_form(forms / rel, rec, _style(rng, i))
        files[s.submission_id] = rel
    log = _log_frame(submissions, cand, who, rng)
    root.mkdir(parents=True, exist_ok=True)
    if log_format == "xlsx":
        log_path = root / "log.xlsx"
        log.to_excel(log_path, index=False)
    else:
        log_path = root / "log.csv"
        log_path.write_bytes(log.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))
    return FormCorpus(forms, log_path, cand, who, files)


def generate_forms(
    n_submissions: int,
    out: str | Path,
    seed: int = 0,
    *,
    since: str | None = None,
    **kw: object,
) -> tuple[FormCorpus, pd.DataFrame, pd.DataFrame]:
    """Draw records with :func:`cmalt_qa.synthetic.generate_frames` and write them as
    forms and a log; returns the corpus and the submissions and ratings written.

    ``since`` (ISO date) keeps only the portfolios first submitted on or after it (whole
    portfolios, so a resubmission keeps its first attempt): a recent stretch with open
    cases, as ALT's folder of this year's forms would be.
    """
    subs, ratings, _, _ = synthetic.generate_frames(n_submissions, seed)
    if since is not None:
        first = subs.groupby("portfolio_id")["submitted_on"].transform("min")
        subs = subs[first >= since].reset_index(drop=True)
        ratings = ratings[ratings["submission_id"].isin(subs["submission_id"])].reset_index(
            drop=True
        )
    return write_corpus(out, subs, ratings, seed=seed, **kw), subs, ratings  # type: ignore[arg-type]


def as_read(
    corpus: FormCorpus, submissions: pd.DataFrame, ratings: pd.DataFrame, key: bytes
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The records written, as ``cmalt-qa forms`` should read them back with ``key``.

    Identifiers become the pseudonyms the key gives the names the writer used
    (:mod:`cmalt_qa.forms`: submission, portfolio, candidate, assessors); the assessors of
    a submission awaiting allocation are blank (the log has none); the placeholder rating
    rows of unassessed submissions (nothing rated: no form) are left out. Rows in the
    order ``forms`` writes them. ``gaps`` is kept (the form does not carry it).
    """
    from .anonymise import pseudonym

    name = submissions["portfolio_id"].map(corpus.candidates)
    first = submissions[submissions["attempt"] == "1"].set_index("portfolio_id")["submitted_on"]
    cycle = submissions["portfolio_id"].map(first).fillna(submissions["submitted_on"])
    sid = [
        pseudonym(f"{n} {d}", key, "submission", "S")
        for n, d in zip(name, submissions["submitted_on"])
    ]
    s = submissions.copy()
    s["submission_id"] = sid
    s["portfolio_id"] = [pseudonym(f"{n} {d}", key, "portfolio", "P") for n, d in zip(name, cycle)]
    s["candidate_id"] = [pseudonym(n, key, "candidate", "C") for n in name]
    allocated = submissions["allocated_on"] != ""
    for col in ("lead_assessor", "second_assessor"):
        s[col] = [
            pseudonym(corpus.assessors[a], key, "assessor", "A") if ok else ""
            for a, ok in zip(submissions[col], allocated)
        ]
    s = s.sort_values(["submitted_on", "submission_id"], kind="stable", ignore_index=True)
    r = ratings[(ratings[["lead", "second", "final"]] != "").any(axis=1)].copy()
    r["submission_id"] = r["submission_id"].map(dict(zip(submissions["submission_id"], sid)))
    order = r["section"].map(scheme.SECTIONS.index)
    r = r.assign(_o=order).sort_values(["submission_id", "_o"], kind="stable", ignore_index=True)
    return s, r.drop(columns="_o")
