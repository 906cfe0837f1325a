"""Reading one completed CMALT assessment form (.docx) into plain Python values.

The layer under :mod:`cmalt_qa.forms`: it knows the Word form's layout (``seeds/001_*``)
and nothing about the submission log, pseudonyms or output files. Sections are found by
their row labels (:data:`cmalt_qa.scheme.FORM_BLOCKS`, :data:`cmalt_qa.scheme.FORM_ROWS`),
never by position, so one parser reads the Associate, CMALT and Senior forms.

The document is opened with python-docx; its tables are then walked as the underlying
lxml elements (``w:tbl/w:tr/w:tc/w:p/w:r``), which is several times faster than the
``Table.cell`` API (that rebuilds the cell grid on every call) and sees what the API
hides: run-level strike-through and bold, and the merged-cell spans (``w:gridSpan``).
Text inside tracked deletions (``w:delText``) is not read, tracked insertions are.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from dataclasses import dataclass, field
from typing import Final

from . import scheme

__all__ = [
    "Run",
    "Cell",
    "FormData",
    "FormProblem",
    "NotAForm",
    "parse_rating",
    "parse_day_first",
    "read_form_document",
    "open_body",
    "outcome_of_block",
]

_W: Final[str] = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TBL, _TR, _TC, _P, _R = (_W + t for t in ("tbl", "tr", "tc", "p", "r"))
_T, _TAB, _BR, _RPR, _TCPR, _SPAN, _VAL = (
    _W + t for t in ("t", "tab", "br", "rPr", "tcPr", "gridSpan", "val")
)
_STRIKE = (_W + "strike", _W + "dstrike")
_MARKS = (_W + "b", _W + "u", _W + "highlight")
_OFF: Final[frozenset[str]] = frozenset({"0", "false", "off", "none"})


class NotAForm(ValueError):
    """The document opened but is not a CMALT assessment form."""


@dataclass(frozen=True)
class Run:
    """Text of one run with the formatting the outcome rule looks at."""

    text: str
    struck: bool
    marked: bool  # bold, underline or highlight


class Cell:
    """One table cell (a ``w:tc`` element) at grid column ``col``, ``span`` columns wide.

    ``text`` is read for every cell; ``paragraphs`` (runs with their formatting) only
    where it matters, the outcome blocks (performance: most cells are labels or ratings).
    """

    __slots__ = ("elements", "col", "span", "_text")

    def __init__(self, elements: list[object], col: int, span: int) -> None:
        self.elements, self.col, self.span = elements, col, span
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "\n".join(
                "".join(p.itertext(_T, _TAB)).replace("\u00a0", " ")  # type: ignore[attr-defined]
                for tc in self.elements
                for p in tc.iter(_P)  # type: ignore[attr-defined]
            ).strip()
        return self._text

    @property
    def paragraphs(self) -> list[list[Run]]:
        return [
            [_run(r) for r in p.iter(_R)]
            for tc in self.elements  # type: ignore[attr-defined]
            for p in tc.iter(_P)
        ]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class FormProblem:
    """One thing in a form that could not be read (``fatal``: the form is left out)."""

    place: str
    value: str
    rule: str
    message: str
    fatal: bool = False


@dataclass
class FormData:
    """What one form says, as typed (names included: the caller pseudonymises)."""

    candidate: str = ""
    link: str = ""
    pathway_text: str = ""
    lead: str = ""
    second: str = ""
    checked_by: str = ""
    date_text: str = ""
    blocks: dict[int, Cell] = field(default_factory=dict)
    overall_comment: str = ""
    ratings: dict[str, dict[str, str]] = field(default_factory=dict)  # section -> role -> text
    rating_rows: dict[str, int] = field(default_factory=dict)  # section -> rows giving it
    comments: list[tuple[str, str]] = field(default_factory=list)  # (block key, text)
    unknown_rows: list[tuple[str, str]] = field(default_factory=list)  # (label, values)
    found_summary: bool = False
    found_sections: bool = False


# --------------------------------------------------------------------------- xml walk
def _on(el: object) -> bool:
    if el is None:
        return False
    val = el.get(_VAL)  # type: ignore[attr-defined]
    return val is None or val.lower() not in _OFF


def _run(r: object) -> Run:
    text = "".join(r.itertext(_T, _TAB))  # type: ignore[attr-defined]
    rpr = r.find(_RPR)  # type: ignore[attr-defined]
    if rpr is None:
        return Run(text, False, False)
    struck = any(_on(rpr.find(t)) for t in _STRIKE)
    marked = any(_on(rpr.find(t)) for t in _MARKS)
    return Run(text, struck, marked)


def _cell(tc: object, col: int) -> Cell:
    span = 1
    tcpr = tc.find(_TCPR)  # type: ignore[attr-defined]
    if tcpr is not None:
        gs = tcpr.find(_SPAN)
        if gs is not None and (gs.get(_VAL) or "").isdigit():
            span = int(gs.get(_VAL))
    return Cell([tc], col, span)


def _table_rows(body: object) -> list[list[list[Cell]]]:
    """Tables (top level, in order) as rows of cells."""
    tables = []
    for tbl in body.iterchildren(_TBL):  # type: ignore[attr-defined]
        rows = []
        for tr in tbl.iterchildren(_TR):
            cells, col = [], 0
            for tc in tr.iterchildren(_TC):
                c = _cell(tc, col)
                cells.append(c)
                col += c.span
            rows.append(cells)
        tables.append(rows)
    return tables


# --------------------------------------------------------------------------- values
def label_key(text: str) -> str:
    """A row label for matching: lower case, one space, plain hyphens."""
    t = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'")
    return " ".join(t.split()).casefold()


_NUMBER = re.compile(r"\d+")


@functools.cache
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w]){re.escape(phrase)}(?![\w])")


def _has_phrase(label: str, phrase: str) -> bool:
    if phrase.isdigit():  # numbered rows: the first number in the label
        m = _NUMBER.search(label)
        return m is not None and m.group() == phrase
    return phrase in label and _phrase_pattern(phrase).search(label) is not None


_RATING_WORDS: Final[dict[str, str]] = {
    "s": "S", "strong": "S",
    "a": "A", "adequate": "A",
    "r": "R", "revisions required": "R", "revision required": "R",
    "revisions": "R", "revise": "R",
}  # fmt: skip


def parse_rating(text: str) -> str | None:
    """The rating code typed in a cell: ``"S"``, ``"A"``, ``"R"`` or None when blank.

    Accepts the codes and the form's words in any case, with stray spaces and full stops
    (``" strong. "``, ``"R."``, ``"Revisions Required"``), and a word with its code in
    brackets when both agree (``"Strong (S)"``).

    Raises
    ------
    ValueError
        For anything that is not one rating (``"A/S"``, ``"?"``, ``"A or S"``).

    Examples
    --------
    >>> parse_rating(" strong. "), parse_rating("r"), parse_rating("")
    ('S', 'R', None)
    """
    t = " ".join(text.replace(".", " ").split()).casefold()
    if not t:
        return None
    if t in _RATING_WORDS:
        return _RATING_WORDS[t]
    m = re.fullmatch(r"(.+?)\s*\(\s*([sar])\s*\)", t)
    if m and _RATING_WORDS.get(m.group(1)) == _RATING_WORDS[m.group(2)]:
        return _RATING_WORDS[m.group(2)]
    raise ValueError("not one rating (S, A or R; Strong, Adequate or Revisions required)")


_MONTHS: Final[dict[str, int]] = {
    m.casefold(): i for i, m in enumerate(
        ["January", "February", "March", "April", "May", "June", "July", "August",
         "September", "October", "November", "December"], start=1)
}  # fmt: skip
_MONTHS |= {k[:3]: v for k, v in list(_MONTHS.items())} | {"sept": 9}
_NUMERIC = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?")
_DAY_MONTH = re.compile(
    r"(?:[a-z]+day,?\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]+)\.?,?\s+(\d{4})"
)
_MONTH_DAY = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")


def parse_day_first(value: object) -> _dt.date | None:
    """A date as people type it in the UK (day first), or None when blank.

    Accepts ``05/04/2025``, ``5/4/25``, ``05.04.2025``, ``05-04-2025``, ``5 April 2025``,
    ``7th March 2025``, ``7th of March, 2025``, ``March 7th, 2025``, ISO ``2025-04-05``,
    and date or datetime values (a spreadsheet's date cells). Two-digit years are 20YY.

    Raises
    ------
    ValueError
        For text that is not one of these forms or not a real date (``31/02/2025``).

    Examples
    --------
    >>> parse_day_first("05/04/2025"), parse_day_first("7th March 2025")
    (datetime.date(2025, 4, 5), datetime.date(2025, 3, 7))
    """
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    t = " ".join(str(value).split()).casefold()
    if not t or t in ("nan", "nat", "none"):
        return None
    try:
        if m := _ISO.fullmatch(t):
            return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _NUMERIC.fullmatch(t):
            y = int(m.group(3))
            return _dt.date(y + 2000 if y < 100 else y, int(m.group(2)), int(m.group(1)))
        if (m := _DAY_MONTH.fullmatch(t)) and m.group(2) in _MONTHS:
            return _dt.date(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
        if (m := _MONTH_DAY.fullmatch(t)) and m.group(1) in _MONTHS:
            return _dt.date(int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)))
    except ValueError:
        raise ValueError("not a real date") from None
    raise ValueError("not a date in a day-first form (e.g. 05/04/2025 or 5 April 2025)")


# --------------------------------------------------------------------------- outcome
_UNUSED: Final[frozenset[str]] = frozenset(
    {"n/a", "na", "n.a.", "n/a.", "not applicable", "-", "none", "x"}
)


def _option_key(text: str) -> str:
    return scheme.phrase_key(text.replace("\u2019", "'")).strip(" .;:*")


_OPTIONS: Final[dict[int, dict[str, str]]] = {
    a: {_option_key(scheme.OUTCOME_NAMES[o]): o for o in outs}
    for a, outs in scheme.OUTCOMES_BY_ATTEMPT.items()
}


def outcome_of_block(cell: Cell, attempt: int) -> tuple[str | None, FormProblem | None]:
    """The outcome chosen in one "delete as appropriate" block.

    Returns ``(outcome, None)`` when exactly one option is left (the others deleted,
    emptied or struck through), ``(None, None)`` when the block is unused (untouched,
    emptied or "N/A"), and ``(None, problem)`` when it cannot be told: an option marked
    only by bold (or underline, highlight), several options left, or other text.
    """
    options = _OPTIONS[attempt]
    place = f"Assessment outcome, {'1st' if attempt == 1 else '2nd'} submission block"
    lines: list[tuple[str, bool, bool]] = []  # (option key, struck, marked)
    for p in cell.paragraphs:
        live = [r for r in p if r.text.strip()]
        text = "".join(r.text for r in live)
        if not text.strip():
            continue
        struck = all(r.struck for r in live)
        lines.append((_option_key(text), struck, any(r.marked for r in live) and not struck))
    # the label may sit in the same cell when a row was merged: drop it
    lines = [
        ln for ln in lines if not ln[0].startswith(("1st submission", "2nd submission", "(delete"))
    ]
    if not lines or (len(lines) == 1 and lines[0][0] in _UNUSED):
        return None, None
    value = " / ".join(k for k, _, _ in lines)
    unknown = [k for k, s, _ in lines if k not in options and not s]
    if unknown:
        return None, FormProblem(
            place,
            value,
            "outcome_unreadable",
            "text in the outcome block that is not one of its options",
            True,
        )
    left = [(k, m) for k, s, m in lines if not s]
    if len(left) == len(options):
        if any(m for _, m in left):
            return None, FormProblem(
                place,
                value,
                "outcome_bold_only",
                "an option is marked only by bold (or underline or highlight) and none "
                "is deleted or struck through: the outcome cannot be told; delete the "
                "other options",
                True,
            )
        return None, None  # untouched
    if len(left) == 1:
        return options[left[0][0]], None
    if not left:
        return None, FormProblem(
            place, value, "outcome_unreadable", "every option is struck through", True
        )
    return None, FormProblem(
        place,
        value,
        "outcome_several_options",
        f"{len(left)} options are left: delete all but the outcome",
        True,
    )


# --------------------------------------------------------------------------- the form
_SUMMARY: Final[tuple[tuple[str, str], ...]] = (
    ("candidate", "candidate"),
    ("portfolio (link)", "link"), ("portfolio link", "link"), ("portfolio", "link"),
    ("cmalt pathway", "pathway"), ("pathway", "pathway"),
    ("lead assessor", "lead"),
    ("2nd assessor", "second"), ("second assessor", "second"),
    ("assessment outcome", "@outcome"),
    ("office use", "@office"),
    ("date", "date"),
    ("1st submission", "block1"), ("first submission", "block1"),
    ("2nd submission", "block2"), ("second submission", "block2"), ("resubmission", "block2"),
    ("comments", "comments"),
    ("checked by", "checked_by"),
)  # fmt: skip
_PLACEHOLDERS: Final[frozenset[str]] = frozenset(
    {"please include comments for the candidate.", "please include comments for the candidate"}
)


def _summary_field(label: str) -> str | None:
    for phrase, name in _SUMMARY:
        if label.startswith(phrase):
            return name
    return None


def _is_section_header(cells: list[Cell]) -> dict[int, str] | None:
    roles = {}
    for c in cells:
        k = label_key(c.text)
        if "final" in k:
            roles[c.col] = "final"
        elif k.startswith(("2nd", "second")):
            roles[c.col] = "second"
        elif k.startswith("lead"):
            roles[c.col] = "lead"
    return roles if len(set(roles.values())) == 3 else None


def _block_of(label: str) -> str | None:
    for phrase, key in scheme.FORM_BLOCKS:
        if _has_phrase(label, phrase):
            return key
    return None


def _section_of(block: str, label: str) -> str | None:
    for b, phrase, section in scheme.FORM_ROWS:
        if b == block and phrase and _has_phrase(label, phrase):
            return section
    return None


def _heading_section(block: str) -> str | None:
    return next((s for b, p, s in scheme.FORM_ROWS if b == block and not p), None)


def _value(cells: list[Cell]) -> str:
    return "\n".join(c.text for c in cells[1:] if c.text).strip()


def _read_summary_row(form: FormData, cells: list[Cell], context: str) -> str:
    name = _summary_field(label_key(cells[0].text))
    if name is None:
        return context
    form.found_summary = True
    if name.startswith("@"):
        return name[1:]
    value = _value(cells)
    if name == "date":
        if context == "outcome":
            form.date_text = value
    elif name in ("block1", "block2"):
        if len(cells) > 1:
            form.blocks[1 if name == "block1" else 2] = Cell(
                [e for c in cells[1:] for e in c.elements], cells[1].col, 1
            )
    elif name == "comments":
        if label_key(value) not in _PLACEHOLDERS:
            form.overall_comment = value
    elif name == "pathway":
        form.pathway_text = value
    else:
        setattr(form, name, value)
    return context


def _read_section_row(
    form: FormData, cells: list[Cell], roles: dict[int, str], block: str | None
) -> str | None:
    label = label_key(cells[0].text)
    new_block = _block_of(label)
    if new_block is not None:
        block, section = new_block, _heading_section(new_block)
    elif label.startswith("comment"):
        text = "\n".join(c.text for c in cells).strip()
        text = re.sub(r"^\s*comments?\s*:?\s*", "", text, flags=re.IGNORECASE).strip()
        if text:
            form.comments.append((block or "", text))
        return block
    else:
        section = _section_of(block, label) if block else None
    by_col = {c.col: c.text for c in cells}
    values = {role: by_col.get(col, "") for col, role in roles.items()}
    if section is None:
        if new_block is None and any(v.strip() for v in values.values()):
            form.unknown_rows.append((cells[0].text, " | ".join(values.values())))
        return block
    if any(v.strip() for v in values.values()):
        form.rating_rows[section] = form.rating_rows.get(section, 0) + 1
        if section not in form.ratings or form.rating_rows[section] == 1:
            form.ratings[section] = values
    return block


def open_body(path: str) -> object:
    """The ``w:body`` element of a ``.docx`` file's main document part.

    The package is resolved as python-docx's ``docx.Document`` does it (the package
    relationship of type officeDocument names the main part, whose content type must be a
    Word document; python-docx's constants), but only that part is decompressed and it is
    parsed with a plain lxml parser (no entity resolution, no network). Hand-written on
    purpose: ``docx.Document`` also decompresses and parses styles, numbering, settings,
    theme and fonts and builds its object model, several times the cost of reading the
    form (``benchmarks/bench_forms.py`` measures the ratio).

    Raises
    ------
    NotAForm
        If the package's main part is not a Word document.
    zipfile.BadZipFile, KeyError, lxml.etree.XMLSyntaxError, OSError
        For a file that is not a readable package.
    """
    import posixpath
    import zipfile

    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    with zipfile.ZipFile(path) as z:
        rels = etree.fromstring(z.read("_rels/.rels"), parser)
        target = next((r.get("Target") for r in rels if r.get("Type") == RT.OFFICE_DOCUMENT), None)
        if target is None:
            raise NotAForm("no main document part")
        name = posixpath.normpath(target.lstrip("/"))
        types = etree.fromstring(z.read("[Content_Types].xml"), parser)
        content_type = next(
            (t.get("ContentType") for t in types if t.get("PartName", "").lstrip("/") == name), None
        )
        if content_type is None:
            ext = name.rsplit(".", 1)[-1].lower()
            content_type = next(
                (t.get("ContentType") for t in types if (t.get("Extension") or "").lower() == ext),
                None,
            )
        if content_type != CT.WML_DOCUMENT_MAIN:
            raise NotAForm("not a Word document (its main part is another type)")
        root = etree.fromstring(z.read(name), parser)
    body = root.find(_W + "body")
    if body is None:
        raise NotAForm("a Word document without a body")
    return body


def read_form_document(body: object) -> FormData:
    """Read the values of one form from its ``w:body`` element (:func:`open_body`).

    Raises
    ------
    NotAForm
        If the document has neither the assessment summary nor the section table.
    """
    form = FormData()
    context = "summary"
    for rows in _table_rows(body):
        roles: dict[int, str] | None = None
        block: str | None = None
        for cells in rows:
            if not cells:
                continue
            if roles is None:
                roles = _is_section_header(cells)
                if roles is not None:
                    form.found_sections = True
                    continue
                context = _read_summary_row(form, cells, context)
            else:
                block = _read_section_row(form, cells, roles, block)
    if not (form.found_summary and form.found_sections):
        raise NotAForm(
            "not a CMALT assessment form: no "
            + (
                "section table (Portfolio section / Lead / 2nd / Final decision)"
                if form.found_summary
                else "assessment summary (Candidate name, ...)"
            )
        )
    return form
