"""Which element was lacking, read from the assessors' own feedback.

:func:`lacking` reads assessors' comments and says, for each, whether it finds the
portfolio lacking in **description**, **evidence** and/or **reflection** (SCHEME.md,
"Ratings"), with the clause that made it say so. :func:`derive_gaps` puts those findings
into the records' ``gaps`` where a final R has none recorded, marking each row's
``gaps_source`` (``recorded`` or ``feedback``). :func:`evaluate` scores predictions
against hand labels.

The method is transparent rules over sentences and clauses; nothing is downloaded or
sent anywhere, and every True comes with the clause that triggered it.

1. The comment is split into sentences, and each sentence into clauses at ``;``, ``:``
   ``, and`` and the contrast words *but, however, although, though, whereas, while,
   yet*; a
   clause opened by a subordinating contrast word ends at its first comma ("Although
   well described, the section lacks reflection" is two clauses).
2. Fixed phrases settle an element and are blanked out (:data:`FIXED_PHRASES`):
   "largely descriptive" is reflection lacking, not description.
3. A clause about presentation (naming, captions, navigation, word count, spelling,
   format) is neutral.
4. A clause is a finding when it asks for something (request cues, hedged or not, or a
   question) or states a lack (lack cues), unless it praises and asks for nothing.
   The elements of a finding are those the clause names (element cues, with
   paraphrases); a finding that names none takes the elements of the sentence's last
   clause that named any ("The reflection is there but lacks depth"); a finding about
   an absent section that names no element lacks all three.
5. A clause saying a problem was put right (resolved cues) cancels the findings of that
   clause and of the clauses before it in the same sentence.

Notes
-----
The cue lexicons live in :mod:`cmalt_qa._feedback_lexicon` as data. Rules were written
from the scheme's and form's definitions and tuned on the ``dev``, ``fresh`` and
``fresh2`` parts of ``cmalt_qa/data/feedback_labelled.csv``, never on ``heldout`` or
``fresh3``/``fresh4``. On ``heldout`` macro-F1 is 0.98, but on ``fresh3`` and ``fresh4``
(wording the rules had not met) it is 0.51-0.57, with recall about 0.4: the reader
rarely says an element is lacking when it is not, and often misses one phrased in words
it has no cue for. ``method="hybrid"`` adds a small learned model and reaches 0.68-0.72
there. Read the figures in ``docs/feedback.md`` before relying on derived gaps.

References
----------
ALT (2023). *CMALT Assessment Form* and *Senior CMALT Guidelines*, section "Description,
Reflection, Evidence". Association for Learning Technology.

Examples
--------
>>> from cmalt_qa import feedback
>>> t = feedback.lacking(["The evidence is excellent; the reflection is rather thin."])
>>> t[["description", "evidence", "reflection"]]
   description  evidence  reflection
0        False     False        True
>>> t.loc[0, "reflection_because"]
'the reflection is rather thin.'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final, NamedTuple

import numpy as np
import pandas as pd

from . import _feedback_lexicon as lex
from .scheme import GAP_ELEMENTS

if TYPE_CHECKING:
    from .records import Records

__all__ = [
    "ELEMENTS",
    "COMMENT_COLUMNS",
    "lacking",
    "evaluate",
    "derive_gaps",
    "read_comments",
    "apply_comments",
    "synthetic_comments",
    "gaps_provenance",
    "gap_sources",
]

ELEMENTS: Final[tuple[str, ...]] = tuple(GAP_ELEMENTS)


def _alternatives(pattern: str) -> list[str]:
    """Split a pattern at its top-level ``|`` (outside groups and character classes)."""
    parts, depth, in_class, cur, i = [], 0, False, [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            cur.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    return [*parts, "".join(cur)]


def _leading_expanded(alt: str) -> list[str]:
    """``(?:a|b)rest`` -> ``arest``, ``brest`` (recursively), so that each branch starts
    with a literal; an optional leading group ``(?:x)?rest`` -> ``xrest``, ``rest``."""
    if not alt.startswith("(?:"):
        return [alt]
    depth, close = 0, -1
    for i, ch in enumerate(alt):
        if ch == "\\":
            continue
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            close = i
            break
    if close < 0 or (i > 0 and alt[close - 1] == "\\"):
        return [alt]
    inner, after = alt[3:close], alt[close + 1 :]
    if after[:1] in ("*", "+", "{"):
        return [alt]
    heads = _alternatives(inner) + ([""] if after[:1] == "?" else [])
    rest = after[1:] if after[:1] == "?" else after
    if after[1:2] == "?":  # lazy quantifier: leave as is
        return [alt]
    return [x for h in heads for x in _leading_expanded(h + rest)]


_PLAIN: Final = frozenset("abcdefghijklmnopqrstuvwxyz '-")


def _trie(alts: list[str], depth: int = 0) -> str:
    """Alternatives as one pattern factored by their leading literal characters.

    Performance: the engine tries the branches of an alternation one after another at
    every position; factored by first letters (``c(?:ould|annot)|m(?:ight|ay)``), a
    position fails after a couple of character tests instead of one per cue. Which match
    is found may change, not whether (nor where) one starts, which is all that is used.
    """
    groups: dict[str, list[str]] = {}
    rest: list[str] = []
    for a in alts:
        if a[:1] in _PLAIN and a[1:2] not in ("?", "*", "+", "{"):
            groups.setdefault(a[0], []).append(a[1:])
        else:
            rest.append(a)
    parts = [f"(?:{a})" for a in rest]
    for ch, tails in groups.items():
        if len(tails) == 1:
            parts.append(ch + (f"(?:{tails[0]})" if tails[0] else ""))
        elif depth < 6:
            parts.append(f"{ch}(?:{_trie(tails, depth + 1)})")
        else:
            parts.append(ch + "(?:" + "|".join(f"(?:{t})" for t in tails) + ")")
    return "|".join(parts)


class _Cues:
    """Does a text contain any of a family of cues? (``search`` -> bool).

    Performance: Python's regex engine scans fast for an alternation whose branches start
    with letters, but a leading ``\\b`` defeats that scan (several times slower on these
    lexicons). So cues that start at a word boundary are compiled without it and the
    boundary is checked here, at each candidate start, exactly as ``\\b`` would.
    ``not_after``: words that cancel a cue right before it ("not clear" is no praise).
    """

    def __init__(self, patterns: Iterable[str], not_after: tuple[str, ...] = ()) -> None:
        alts = [a for p in patterns for a in _alternatives(p)]
        at_word = [x for a in alts if a.startswith(r"\b") for x in _leading_expanded(a[2:])]
        other = [a for a in alts if not a.startswith(r"\b")]
        self._word = re.compile(_trie(at_word)) if at_word else None
        self._other = re.compile("|".join(f"(?:{a})" for a in other)) if other else None
        self._not_after = not_after

    def search(self, text: str) -> bool:
        if self._other is not None and self._other.search(text):
            return True
        if self._word is None:
            return False
        m = self._word.search(text)
        while m is not None:
            i = m.start()
            if (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) and not (
                self._not_after and text.endswith(self._not_after, 0, i)
            ):
                return True
            m = self._word.search(text, i + 1)
        return False


_ELEMENT_RE: Final = {e: _Cues(p) for e, p in lex.ELEMENT_CUES.items()}
_FIXED_RE: Final = [(re.compile(p), e) for p, e in lex.FIXED_PHRASES]
_FIXED_ANY: Final = _Cues(p for p, _ in lex.FIXED_PHRASES)
_REQUEST_RE: Final = _Cues(lex.REQUEST_CUES)
_LACK_RE: Final = _Cues(lex.LACK_CUES)
_PRAISE_RE: Final = _Cues(lex.PRAISE_CUES, not_after=("not ", "n't ", "no ", "never "))
_RESOLVED_RE: Final = _Cues(lex.RESOLVED_CUES)
_PRESENTATION_RE: Final = _Cues(lex.PRESENTATION_CUES)
_ABSENT_RE: Final = _Cues(lex.ABSENT_SECTION_CUES)
_NEGATION_RE: Final = re.compile(lex.NEGATION)

_SENTENCE_RE: Final = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+")
_CLAUSE_RE: Final = re.compile(
    # each branch starts with one of ; : , or a space, so the engine scans by character
    r";|:\s|,\s+and\s|[,\s]\s*(?=(?:but|however|although|though|whereas|while|whilst|yet)\b)",
    re.IGNORECASE,
)
_SUBORDINATE_RE: Final = re.compile(
    r"^((?:although|though|while|whilst|whereas|despite)\b[^,]*),\s*(.+)$", re.IGNORECASE | re.S
)
_LEADING_CONNECTIVE_RE: Final = re.compile(r"^(?:but|however|yet)\b,?\s*", re.IGNORECASE)


class _Clause(NamedTuple):
    """One clause's reading: the elements it names, those it finds lacking, and why."""

    text: str
    named: frozenset[str]
    lacking: frozenset[str]
    resolved: bool
    finding: bool = False  # asks for something or states a lack (the model's gate)


def _clauses(sentence: str) -> list[str]:
    """Split a sentence into clauses (step 1 of the module docstring)."""
    out: list[str] = []
    for part in _CLAUSE_RE.split(sentence):
        part = _LEADING_CONNECTIVE_RE.sub("", part.strip())
        m = _SUBORDINATE_RE.match(part)
        pieces = [m.group(1), m.group(2)] if m else [part]
        out.extend(p.strip() for p in pieces if p and p.strip(" ,.;:"))
    return out


def _fixed_phrases(c: str, fixed: list[tuple[re.Pattern[str], str | None]]) -> tuple[str, set[str]]:
    """Blank out phrases that settle an element themselves; return what they settle."""
    settled: set[str] = set()
    for rx, element in fixed:
        if rx.search(c):
            if element is not None:
                settled.add(element)  # "" marks a lack with no element of its own
            c = rx.sub(" ", c)
    return c, settled


@dataclass(frozen=True)
class _Present:
    """Which of the rarer cue families occur anywhere in a comment.

    Performance: each family is searched once over the whole comment, and per clause only
    where it occurs (a clause's match is always a match in its comment). This halves
    the time per comment (benchmarks/bench_feedback.py)."""

    fixed: list[tuple[re.Pattern[str], str | None]]
    elements: dict[str, _Cues]
    resolved: bool
    presentation: bool
    absent: bool

    @classmethod
    def of(cls, low: str) -> _Present:
        fixed = [fx for fx in _FIXED_RE if fx[0].search(low)] if _FIXED_ANY.search(low) else []
        return cls(
            fixed,
            {e: rx for e, rx in _ELEMENT_RE.items() if rx.search(low)},
            bool(_RESOLVED_RE.search(low)),
            bool(_PRESENTATION_RE.search(low)),
            bool(_ABSENT_RE.search(low)),
        )


def _read_clause(original: str, topic: frozenset[str], has: _Present) -> _Clause:
    """Read one clause (steps 2-5 of the module docstring); ``topic`` is inherited."""
    c = _lower(original)
    resolved = has.resolved and _RESOLVED_RE.search(c) and not _NEGATION_RE.search(c)
    if has.presentation and _PRESENTATION_RE.search(c):
        return _Clause(original, frozenset(), frozenset(), resolved)
    c, settled = _fixed_phrases(c, has.fixed) if has.fixed else (c, set())
    lack_phrase = "" in settled
    settled.discard("")
    named = frozenset(e for e, rx in has.elements.items() if rx.search(c))
    asks = bool(_REQUEST_RE.search(c)) or c.rstrip().endswith("?")
    states_lack = asks or lack_phrase or bool(_LACK_RE.search(c))
    if not states_lack or (not asks and _PRAISE_RE.search(c)):
        return _Clause(original, named | settled, frozenset(settled), resolved, bool(settled))
    if named:
        found = named
    elif settled:
        found = frozenset()
    elif has.absent and _ABSENT_RE.search(c):
        found = frozenset(ELEMENTS)
    else:
        found = topic
    return _Clause(original, named | settled, frozenset(found | settled), resolved, True)


def _lower(text: str) -> str:
    return text.lower().replace("\u2019", "'")


def _read_comment(text: str) -> dict[str, str]:
    """Element -> the clauses (joined by `` | ``) that found it lacking; key ``""``: the
    clauses that ask for something or state a lack (absent when none does)."""
    because: dict[str, list[str]] = {}
    has = _Present.of(_lower(text))
    for sentence in _SENTENCE_RE.split(text.strip()):
        topic: frozenset[str] = frozenset()
        read: list[_Clause] = []
        for clause in _clauses(sentence):
            r = _read_clause(clause, topic, has)
            if r.resolved:
                read = []  # put right: this clause and the ones before it
                continue
            read.append(r)
            if r.named:
                topic = r.named
        for r in read:
            for e in r.lacking:
                because.setdefault(e, []).append(r.text)
            if r.finding:
                because.setdefault("", []).append(r.text)
    return {e: " | ".join(dict.fromkeys(v)) for e, v in because.items()}


def lacking(texts: Sequence[str] | pd.Series, *, method: str = "rules") -> pd.DataFrame:
    """Which elements each comment finds lacking, and the clause that says so.

    Parameters
    ----------
    texts : sequence of str
        Assessors' comments, one per item. A missing item (None, NaN, blank) is read as
        unknown, not as "nothing lacking".
    method : {"rules", "hybrid"}
        ``"rules"`` (default): the clause rules alone. ``"hybrid"``: also an element that
        a small learned model (:mod:`cmalt_qa._feedback_model`, needs scikit-learn)
        finds lacking with probability at least 0.5, but only in a comment whose rules
        find it asking for something or stating a lack; its explanation is those
        clauses followed by ``[model p=0.xx]``. Better on wording the rules have not
        met, slightly worse on wording they have (docs/feedback.md).

    Returns
    -------
    DataFrame
        One row per text, in order (a ``Series``'s index is kept). Columns
        ``description``, ``evidence``, ``reflection`` (nullable boolean: True where the
        comment says the portfolio lacks or should improve the element, hedged or not;
        NA for a missing text) and ``description_because``, ``evidence_because``,
        ``reflection_because`` (the triggering clauses joined by `` | ``; NaN where
        False).

    Raises
    ------
    TypeError
        If an item is neither text nor missing.

    Notes
    -----
    The rules are in the module docstring; each distinct text is read once.

    Examples
    --------
    >>> lacking(["You may wish to reflect on what you learned.",
    ...          "A genuinely reflective account.",
    ...          "Section 3b has not been included."])[["description", "evidence", "reflection"]]
       description  evidence  reflection
    0        False     False        True
    1        False     False       False
    2         True      True        True
    """
    if method not in ("rules", "hybrid"):
        raise ValueError(f"method must be 'rules' or 'hybrid', got {method!r}")
    s = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    readings = []
    for u in uniques:
        if not isinstance(u, str):
            raise TypeError(f"texts: item of type {type(u).__name__} ({u!r:.40}) is not text")
        readings.append(_read_comment(u) if u.strip() else None)
    if method == "hybrid":
        _add_model(list(uniques), readings)
    return _assemble(codes, readings, s.index)


def _add_model(texts: list[str], readings: list[dict[str, str] | None]) -> None:
    """Add the model's elements to the readings of comments that ask for something."""
    from . import _feedback_model

    gated = [i for i, r in enumerate(readings) if r and "" in r]
    try:
        p = _feedback_model.probabilities([texts[i] for i in gated])
    except ModuleNotFoundError as exc:  # scikit-learn is optional
        raise ImportError(
            "lacking(method='hybrid') needs scikit-learn: pip install scikit-learn"
        ) from exc
    for row, i in enumerate(gated):
        r = readings[i] or {}
        for j, e in enumerate(ELEMENTS):
            if e not in r and p[row, j] >= _feedback_model.THRESHOLD:
                r[e] = f"{r['']} [model p={p[row, j]:.2f}]"


def _assemble(
    codes: np.ndarray, readings: list[dict[str, str] | None], index: pd.Index
) -> pd.DataFrame:
    """Broadcast per-distinct-text readings to one row per text."""
    known = np.array([r is not None for r in readings] + [False], dtype=bool)[codes]
    out: dict[str, pd.api.extensions.ExtensionArray | np.ndarray] = {}
    for e in ELEMENTS:
        hit = np.array([bool(r) and e in r for r in readings] + [False], dtype=bool)[codes]
        out[e] = pd.array(np.where(known, hit, False), dtype="boolean")
        out[e][~known] = pd.NA
    for e in ELEMENTS:
        why = np.array([(r or {}).get(e, np.nan) for r in readings] + [np.nan], dtype=object)[codes]
        out[f"{e}_because"] = why
    return pd.DataFrame(out, index=index)


# --------------------------------------------------------------------------- scoring
def evaluate(predicted: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall and F1 per element, macro-F1 and the "asks for nothing" rate.

    Parameters
    ----------
    predicted, gold : DataFrame
        Aligned row by row, each with boolean (or 0/1) columns ``description``,
        ``evidence``, ``reflection``. Rows where either side is missing are left out.

    Returns
    -------
    DataFrame
        One row per element, then ``macro`` (the unweighted mean of the three F1, with
        the means of precision and recall), then ``nothing_asked``: ``n`` the comments
        whose gold labels are all False, ``precision``/``recall``/``f1`` NaN and
        ``nothing_rate`` the share of them predicted all False. Columns ``measure``,
        ``n`` (comments scored), ``support`` (gold positives), ``predicted`` (predicted
        positives), ``tp``, ``precision``, ``recall``, ``f1``, ``nothing_rate``.

    Notes
    -----
    Precision with no predicted positives, recall with no gold positives and F1 when both
    are zero are NaN (undefined), never 0. Cross-checked against
    :func:`sklearn.metrics.precision_recall_fscore_support` in the tests.

    Examples
    --------
    >>> g = pd.DataFrame({"description": [1, 0], "evidence": [0, 1], "reflection": [1, 0]})
    >>> float(evaluate(g, g).set_index("measure").loc["macro", "f1"])
    1.0
    """
    for name, t in (("predicted", predicted), ("gold", gold)):
        missing = [e for e in ELEMENTS if e not in t.columns]
        if missing:
            raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")
    if len(predicted) != len(gold):
        raise ValueError(f"predicted has {len(predicted)} rows, gold {len(gold)}")
    p = predicted[list(ELEMENTS)].reset_index(drop=True)
    g = gold[list(ELEMENTS)].reset_index(drop=True)
    keep = (p.notna().all(axis=1) & g.notna().all(axis=1)).to_numpy()
    p = p[keep].astype(bool).to_numpy()
    g = g[keep].astype(bool).to_numpy()
    rows = [_prf(e, p[:, j], g[:, j]) for j, e in enumerate(ELEMENTS)]
    per = pd.DataFrame(rows)
    rows.append(
        {
            "measure": "macro",
            "n": int(len(g)),
            "support": int(g.sum()),
            "predicted": int(p.sum()),
            "tp": int((p & g).sum()),
            "precision": per["precision"].mean(skipna=False),
            "recall": per["recall"].mean(skipna=False),
            "f1": per["f1"].mean(skipna=False),
        }
    )
    none = ~g.any(axis=1)
    rows.append(
        {
            "measure": "nothing_asked",
            "n": int(none.sum()),
            "support": 0,
            "predicted": int(p[none].any(axis=1).sum()),
            "tp": 0,
            "precision": np.nan,
            "recall": np.nan,
            "f1": np.nan,
            "nothing_rate": float((~p[none].any(axis=1)).mean()) if none.any() else np.nan,
        }
    )
    out = pd.DataFrame(rows)
    out["nothing_rate"] = out.get("nothing_rate", np.nan)
    return out[
        ["measure", "n", "support", "predicted", "tp", "precision", "recall", "f1", "nothing_rate"]
    ]


def _prf(name: str, p: np.ndarray, g: np.ndarray) -> dict[str, object]:
    """Precision, recall and F1 of one boolean prediction against its labels."""
    tp = int((p & g).sum())
    precision = tp / p.sum() if p.sum() else np.nan
    recall = tp / g.sum() if g.sum() else np.nan
    f1 = (2 * tp / (p.sum() + g.sum())) if tp else (0.0 if p.sum() + g.sum() else np.nan)
    return {
        "measure": name,
        "n": int(len(g)),
        "support": int(g.sum()),
        "predicted": int(p.sum()),
        "tp": tp,
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
    }


# --------------------------------------------------------------------------- records
COMMENT_COLUMNS: Final[tuple[str, ...]] = ("submission_id", "area", "sections", "comment")
"""Columns of ``comments.csv`` as ``cmalt-qa forms`` writes it (docs/feedback.md):
``submission_id``; ``area`` (the form's block: 1-4, 5 specialist, 6 advanced, P
principles, ``overall``; optional); ``sections`` (the section codes the comment covers,
joined by ``;``; a file may give one code per row in a ``section`` column instead);
``comment`` (the assessors' text)."""


def read_comments(path: str | Path) -> pd.DataFrame:
    """Read a ``comments.csv`` (see :data:`COMMENT_COLUMNS`), refusing personal data.

    Returns
    -------
    DataFrame
        ``submission_id``, ``sections`` (str, ``;``-joined codes), ``comment`` and the
        other columns as read (text, blank cells NaN), plus ``row`` (spreadsheet row
        number, header = 1).

    Raises
    ------
    RecordsError
        The file is unreadable, lacks ``submission_id``, ``comment`` or both of
        ``sections`` and ``section``, or a cell looks like an e-mail address (the cell
        is named by row and column, never echoed).
    """
    from ._errors import Refusal
    from ._personal import check_personal_cells
    from .records import RecordsError

    p = Path(path)
    try:
        t = pd.read_csv(p, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise RecordsError(f"{p.name}: not a readable UTF-8 CSV file: {exc}") from None
    t.columns = [str(c).strip().lower() for c in t.columns]
    t = t.apply(lambda col: col.str.strip().mask(col.str.strip().eq("")))
    if "sections" not in t.columns and "section" in t.columns:
        t = t.rename(columns={"section": "sections"})
    missing = [c for c in ("submission_id", "sections", "comment") if c not in t.columns]
    if missing:
        raise RecordsError(
            f"{p.name}: missing column(s) {', '.join(missing)} (needed: "
            "submission_id, sections or section, comment)"
        )
    t["row"] = np.arange(2, len(t) + 2)
    try:
        check_personal_cells(p.name, t)
    except Refusal as exc:
        raise RecordsError(str(exc)) from None
    return t


def derive_gaps(
    ratings: pd.DataFrame, comments: pd.DataFrame, *, method: str = "rules"
) -> pd.DataFrame:
    """Fill the gaps of final-R ratings that have none recorded, from the comments.

    Parameters
    ----------
    ratings : DataFrame
        Validated ratings (``Records.ratings``): ``submission_id``, ``section``,
        ``final``, ``gaps`` and ``gap_<element>``.
    comments : DataFrame
        ``submission_id``, ``sections`` (``;``-joined section codes) and ``comment``, as
        :func:`read_comments` returns. A comment covers every section it lists (the form
        has one comment per core area).
    method : {"rules", "hybrid"}
        As for :func:`lacking`.

    Returns
    -------
    DataFrame
        A copy of ``ratings`` where each final R with blank ``gaps`` whose comments find
        at least one element lacking gets ``gaps`` and ``gap_<element>`` from them, and a
        new column ``gaps_source``: ``recorded`` where gaps were in the input,
        ``feedback`` where derived here, NA otherwise. Recorded gaps are never changed.

    Notes
    -----
    Several comments on one section are read separately and combined (an element is
    lacking if any comment finds it lacking). A final R whose comments find nothing
    lacking keeps blank gaps: missing stays missing, never "nothing lacking".

    Examples
    --------
    >>> r = pd.DataFrame({"submission_id": ["S1", "S1"], "section": ["1a", "1b"],
    ...                   "final": ["R", "A"], "gaps": [np.nan, np.nan]})
    >>> c = pd.DataFrame({"submission_id": ["S1"], "sections": ["1a;1b;1c"],
    ...                   "comment": ["1a is largely descriptive."]})
    >>> derive_gaps(r, c)[["section", "gaps", "gaps_source"]]
      section        gaps gaps_source
    0      1a  reflection    feedback
    1      1b         NaN        <NA>
    """
    found = _lacking_by_section(comments, method)
    out = ratings.copy()
    recorded = out["gaps"].notna().to_numpy()
    key = pd.MultiIndex.from_frame(out[["submission_id", "section"]].astype(str))
    hit = found.reindex(key, fill_value=False)
    derived = (out["final"] == "R").to_numpy() & ~recorded & hit["any"].to_numpy(dtype=bool)
    for e in ELEMENTS:
        col = f"gap_{e}"
        flags = (
            out[col].astype("boolean")
            if col in out
            else pd.Series(pd.NA, index=out.index, dtype="boolean")
        )
        flags[derived] = hit[e].to_numpy(dtype=bool)[derived]
        out[col] = flags
    joined = [
        ";".join(e for e in ELEMENTS if row[e]) for row in hit[list(ELEMENTS)].to_dict("records")
    ]
    gaps = out["gaps"].astype(object).to_numpy(copy=True)
    gaps[derived] = np.asarray(joined, dtype=object)[derived]
    out["gaps"] = gaps
    source = np.where(recorded, "recorded", np.where(derived, "feedback", None))
    out["gaps_source"] = pd.array(source, dtype="string")
    return out


def _lacking_by_section(comments: pd.DataFrame, method: str = "rules") -> pd.DataFrame:
    """(submission_id, section) -> each element lacking in any of its comments, ``any``."""
    for c in ("submission_id", "sections", "comment"):
        if c not in comments.columns:
            raise ValueError(f"comments: missing column {c!r}")
    c = comments.dropna(subset=["submission_id", "sections", "comment"])
    pieces = [
        (str(sid), sec, text)
        for sid, secs, comment in zip(c["submission_id"], c["sections"], c["comment"])
        for sec, text in _by_section(str(comment), re.split(r"\s*;\s*", str(secs).strip()))
    ]
    long = pd.DataFrame(pieces, columns=["submission_id", "section", "text"])
    read = lacking(long["text"], method=method)
    long[list(ELEMENTS)] = read[list(ELEMENTS)].astype(bool).to_numpy()
    out = long.groupby(["submission_id", "section"])[list(ELEMENTS)].any()
    out["any"] = out.any(axis=1)
    return out


def _by_section(comment: str, sections: list[str]) -> list[tuple[str, str]]:
    """(section, text) pieces of one comment covering ``sections``.

    A core-area comment often names its sections ("Section 1b: the reflection ..."):
    the text from a section's mention up to the next mention is about that section only;
    text before the first mention (or a comment naming none) is about every section.
    """
    sections = [s for s in sections if s]
    if len(sections) < 2:
        return [(s, comment) for s in sections]
    names = "|".join(re.escape(s) for s in sorted(sections, key=len, reverse=True))
    marks = list(re.finditer(rf"(?<![\w.])(?:section\s+)?({names})(?![\w])", comment, re.I))
    if not marks:
        return [(s, comment) for s in sections]
    cuts = [m.start() for m in marks] + [len(comment)]
    out = [(s, comment[: cuts[0]]) for s in sections] if comment[: cuts[0]].strip() else []
    for m, stop in zip(marks, cuts[1:]):
        named = next(s for s in sections if s.lower() == m.group(1).lower())
        out.append((named, comment[m.start() : stop]))
    return out


def apply_comments(recs: Records, comments: pd.DataFrame, file: str = "comments.csv") -> Records:
    """Records whose final-R ratings without gaps take them from ``comments``.

    Returns a new :class:`~cmalt_qa.records.Records` with ``ratings`` as
    :func:`derive_gaps` makes them, and in ``problems`` one line (rule
    ``comment_unknown_submission``) per comment row whose submission is not among the
    valid submissions (its comment text is never echoed).
    """
    ratings = derive_gaps(recs.ratings, comments)
    known = set(recs.submissions["submission_id"].astype(str))
    bad = comments[~comments["submission_id"].astype(str).isin(known)]
    lines = pd.DataFrame(
        {
            "file": file,
            "row": bad["row"].astype("int64") if "row" in bad else -1,
            "column": "submission_id",
            "value": bad["submission_id"].astype(object),
            "rule": "comment_unknown_submission",
            "message": "the comment's submission_id is not a valid submission (unknown or "
            "quarantined); the comment was not read into gaps",
        }
    )
    problems = pd.concat([recs.problems, lines], ignore_index=True) if len(lines) else recs.problems
    return replace(recs, ratings=ratings, problems=problems)


def synthetic_comments(ratings: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Assessors' comments for synthetic records, saying what their gaps say.

    Parameters
    ----------
    ratings : DataFrame
        ``submission_id``, ``section``, ``final`` and ``gaps`` (as
        :func:`cmalt_qa.synthetic.generate` records them).
    seed : int
        Seed for the choice and order of sentences.

    Returns
    -------
    DataFrame
        :data:`COMMENT_COLUMNS` (``area`` blank), one comment per rating with a final
        decision: for an R, a sentence per lacking element and praise for the others;
        otherwise praise. A test fixture for :func:`derive_gaps` and ``qa.load`` (the
        synthetic generator records gaps itself); accuracy is measured on the
        hand-written labelled set, not on these.

    Examples
    --------
    >>> r = pd.DataFrame({"submission_id": ["S1"], "section": ["2a"], "final": ["R"],
    ...                   "gaps": ["reflection"]})
    >>> derive_gaps(r.assign(gaps=np.nan), synthetic_comments(r))["gaps"].tolist()
    ['reflection']
    """
    rng = np.random.default_rng(seed)
    r = ratings[ratings["final"].notna()]
    texts = []
    for final, gaps in zip(r["final"], r["gaps"]):
        lack = set(str(gaps).split(";")) if final == "R" and isinstance(gaps, str) else set()
        parts = [
            rng.choice(lex.SYNTHETIC_LACKING[e] if e in lack else lex.SYNTHETIC_PRAISE[e])
            for e in ELEMENTS
        ]
        texts.append(" ".join(str(p) for p in rng.permutation(parts)))
    return pd.DataFrame(
        {
            "submission_id": r["submission_id"].to_numpy(),
            "area": np.nan,
            "sections": r["section"].to_numpy(),
            "comment": texts,
        }
    )


def gaps_provenance(ratings: pd.DataFrame) -> str:
    """Where the gaps of final-R ratings came from, in one word.

    Returns
    -------
    str
        ``"recorded"`` (every R with gaps had them recorded, or no ``gaps_source``
        column: nothing was derived), ``"feedback"`` (all read from comments),
        ``"mixed"``, or ``"none"`` (no R decision has gaps).

    Examples
    --------
    >>> r = pd.DataFrame({"final": ["R", "R", "A"], "gaps": ["evidence", "reflection", None],
    ...                   "gaps_source": ["recorded", "feedback", None]})
    >>> gaps_provenance(r), gaps_provenance(r.iloc[[1]]), gaps_provenance(r.iloc[[2]])
    ('mixed', 'feedback', 'none')
    """
    has = ratings[(ratings["final"] == "R") & ratings["gaps"].notna()]
    if has.empty:
        return "none"
    if "gaps_source" not in has.columns:
        return "recorded"
    kinds = set(has["gaps_source"].dropna().astype(str))
    return "mixed" if len(kinds) > 1 else (kinds.pop() if kinds else "recorded")


def gap_sources(
    recs: Records,
    by: str | Sequence[str] = ("year",),
    *,
    submission_types: str | Sequence[str] | None = ("first",),
) -> pd.DataFrame:
    """How many final-R decisions had their gaps recorded, read from feedback, or neither.

    Parameters
    ----------
    recs : Records
    by : str or sequence of str
        Grouping columns of the ratings joined with their submissions (e.g. ``year``,
        ``section``, ``pathway``).
    submission_types : str, sequence of str or None
        Kinds of submission counted (default first submissions, as
        :func:`cmalt_qa.referrals.gaps`); None: every kind.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``n_r`` (final R decisions), ``recorded``, ``feedback``
        (gaps derived by :func:`derive_gaps`) and ``missing`` (no gaps either way);
        ``recorded + feedback + missing == n_r``. Without a ``gaps_source`` column every
        R with gaps counts as recorded.

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> t = gap_sources(qa.synthetic.generate(60, seed=1), by=())
    >>> int(t.loc[0, "n_r"]) == int(t.loc[0, "recorded"] + t.loc[0, "missing"])
    True
    """
    from ._analysis import check_args, check_by, filter_types, groups

    args = check_args(recs, by, submission_types=submission_types)
    m = filter_types(recs.merged(), args.submission_types)
    m = m[m["final"] == "R"]
    by_ = check_by(args.by or (), m.columns, what="rating or submission columns")
    source = (
        m["gaps_source"].astype(object)
        if "gaps_source" in m
        else pd.Series(np.where(m["gaps"].notna(), "recorded", None), index=m.index)
    )
    m = m.assign(_source=source.where(m["gaps"].notna()))
    rows = [
        {
            **dict(zip(by_, key)),
            "n_r": len(g),
            "recorded": int((g["_source"] == "recorded").sum()),
            "feedback": int((g["_source"] == "feedback").sum()),
            "missing": int(g["_source"].isna().sum()),
        }
        for key, g in groups(m, by_)
    ]
    return pd.DataFrame(rows, columns=[*by_, "n_r", "recorded", "feedback", "missing"])
