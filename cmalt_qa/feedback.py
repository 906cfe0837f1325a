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
from the scheme's and form's definitions and tuned only on the ``dev`` part of the
labelled set in ``tests/data/feedback_labelled.csv``; the figures on the ``heldout``
part, and how they were obtained, are in ``docs/feedback.md``. Hand-written rather than a
learned model: a few hundred labelled comments are too few for a model to learn
contrast, hedging and "put right" reliably, and every rule here can be read and argued
with.

References
----------
ALT (2023). *CMALT Assessment Form* and *Senior CMALT Guidelines*, section "Description,
Reflection, Evidence". Association for Learning Technology.

Examples
--------
>>> from cmalt_qa import feedback
>>> t = feedback.lacking(["The evidence is excellent; the reflection is rather thin."])
>>> t.loc[0, ["description", "evidence", "reflection"]].tolist()
[False, False, True]
>>> t.loc[0, "reflection_because"]
'the reflection is rather thin.'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Iterable, Sequence

import numpy as np
import pandas as pd

from . import _feedback_lexicon as lex
from .scheme import GAP_ELEMENTS

__all__ = ["ELEMENTS", "lacking", "evaluate", "derive_gaps", "read_comments",
           "COMMENT_COLUMNS"]

ELEMENTS: Final[tuple[str, ...]] = tuple(GAP_ELEMENTS)


def _any(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_ELEMENT_RE: Final = {e: _any(p) for e, p in lex.ELEMENT_CUES.items()}
_FIXED_RE: Final = [(re.compile(p), e) for p, e in lex.FIXED_PHRASES]
_REQUEST_RE: Final = _any(lex.REQUEST_CUES)
_LACK_RE: Final = _any(lex.LACK_CUES)
_PRAISE_RE: Final = re.compile(
    r"(?<!not )(?<!n't )(?<!no )(?<!never )(?:" + _any(lex.PRAISE_CUES).pattern + ")")
_RESOLVED_RE: Final = _any(lex.RESOLVED_CUES)
_PRESENTATION_RE: Final = _any(lex.PRESENTATION_CUES)
_ABSENT_RE: Final = _any(lex.ABSENT_SECTION_CUES)

_SENTENCE_RE: Final = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+")
_CLAUSE_RE: Final = re.compile(
    r"\s*;\s*|:\s+|,\s+and\s+|,?\s+(?=\b(?:but|however|although|though|whereas|while|whilst|yet)\b)",
    re.IGNORECASE)
_SUBORDINATE_RE: Final = re.compile(
    r"^((?:although|though|while|whilst|whereas|despite)\b[^,]*),\s*(.+)$", re.IGNORECASE | re.S)
_LEADING_CONNECTIVE_RE: Final = re.compile(r"^(?:but|however|yet)\b,?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class _Clause:
    """One clause's reading: the elements it names, those it finds lacking, and why."""

    text: str
    named: frozenset[str]
    lacking: frozenset[str]
    resolved: bool


def _clauses(sentence: str) -> list[str]:
    """Split a sentence into clauses (step 1 of the module docstring)."""
    out: list[str] = []
    for part in _CLAUSE_RE.split(sentence):
        part = _LEADING_CONNECTIVE_RE.sub("", part.strip())
        m = _SUBORDINATE_RE.match(part)
        pieces = [m.group(1), m.group(2)] if m else [part]
        out.extend(p.strip() for p in pieces if p and p.strip(" ,.;:"))
    return out


def _fixed_phrases(c: str) -> tuple[str, set[str]]:
    """Blank out phrases that settle an element themselves; return what they settle."""
    settled: set[str] = set()
    for rx, element in _FIXED_RE:
        if rx.search(c):
            if element is not None:
                settled.add(element)
            c = rx.sub(" ", c)
    return c, settled


def _read_clause(original: str, topic: frozenset[str]) -> _Clause:
    """Read one clause (steps 2-5 of the module docstring); ``topic`` is inherited."""
    c = original.lower().replace("\u2019", "'")
    resolved = bool(_RESOLVED_RE.search(c))
    if _PRESENTATION_RE.search(c):
        return _Clause(original, frozenset(), frozenset(), resolved)
    c, settled = _fixed_phrases(c)
    named = frozenset(e for e, rx in _ELEMENT_RE.items() if rx.search(c))
    asks = bool(_REQUEST_RE.search(c)) or c.rstrip().endswith("?")
    states_lack = bool(_LACK_RE.search(c))
    if not (asks or states_lack) or (_PRAISE_RE.search(c) and not asks):
        return _Clause(original, named | settled, frozenset(settled), resolved)
    if named:
        found = named
    elif settled:
        found = frozenset()
    elif _ABSENT_RE.search(c):
        found = frozenset(ELEMENTS)
    else:
        found = topic
    return _Clause(original, named | settled, frozenset(found | settled), resolved)


def _read_comment(text: str) -> dict[str, str]:
    """Element -> the clauses (joined by `` | ``) that found it lacking."""
    because: dict[str, list[str]] = {}
    for sentence in _SENTENCE_RE.split(text.strip()):
        topic: frozenset[str] = frozenset()
        read: list[_Clause] = []
        for clause in _clauses(sentence):
            r = _read_clause(clause, topic)
            if r.resolved:
                read = []  # put right: this clause and the ones before it
                continue
            read.append(r)
            if r.named:
                topic = r.named
        for r in read:
            for e in r.lacking:
                because.setdefault(e, []).append(r.text)
    return {e: " | ".join(dict.fromkeys(v)) for e, v in because.items()}


def lacking(texts: Sequence[str] | pd.Series) -> pd.DataFrame:
    """Which elements each comment finds lacking, and the clause that says so.

    Parameters
    ----------
    texts : sequence of str
        Assessors' comments, one per item. A missing item (None, NaN, blank) is read as
        unknown, not as "nothing lacking".

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
    s = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    readings = []
    for i, u in enumerate(uniques):
        if not isinstance(u, str):
            raise TypeError(f"texts: item of type {type(u).__name__} ({u!r:.40}) is not text")
        readings.append(_read_comment(u) if u.strip() else None)
    return _assemble(codes, readings, s.index)


def _assemble(codes: np.ndarray, readings: list[dict[str, str] | None],
              index: pd.Index) -> pd.DataFrame:
    """Broadcast per-distinct-text readings to one row per text."""
    known = np.array([r is not None for r in readings] + [False], dtype=bool)[codes]
    out: dict[str, pd.api.extensions.ExtensionArray | np.ndarray] = {}
    for e in ELEMENTS:
        hit = np.array([bool(r) and e in r for r in readings] + [False], dtype=bool)[codes]
        out[e] = pd.array(np.where(known, hit, False), dtype="boolean")
        out[e][~known] = pd.NA
    for e in ELEMENTS:
        why = np.array([(r or {}).get(e, np.nan) for r in readings] + [np.nan],
                       dtype=object)[codes]
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
    >>> evaluate(g, g).set_index("measure").loc["macro", "f1"]
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
    rows.append({"measure": "macro", "n": int(len(g)), "support": int(g.sum()),
                 "predicted": int(p.sum()), "tp": int((p & g).sum()),
                 "precision": per["precision"].mean(skipna=False),
                 "recall": per["recall"].mean(skipna=False),
                 "f1": per["f1"].mean(skipna=False)})
    none = ~g.any(axis=1)
    rows.append({"measure": "nothing_asked", "n": int(none.sum()), "support": 0,
                 "predicted": int(p[none].any(axis=1).sum()), "tp": 0,
                 "precision": np.nan, "recall": np.nan, "f1": np.nan,
                 "nothing_rate": float((~p[none].any(axis=1)).mean()) if none.any() else np.nan})
    out = pd.DataFrame(rows)
    out["nothing_rate"] = out.get("nothing_rate", np.nan)
    return out[["measure", "n", "support", "predicted", "tp", "precision", "recall", "f1",
                "nothing_rate"]]


def _prf(name: str, p: np.ndarray, g: np.ndarray) -> dict[str, object]:
    """Precision, recall and F1 of one boolean prediction against its labels."""
    tp = int((p & g).sum())
    precision = tp / p.sum() if p.sum() else np.nan
    recall = tp / g.sum() if g.sum() else np.nan
    f1 = (2 * tp / (p.sum() + g.sum())) if tp else (0.0 if p.sum() + g.sum() else np.nan)
    return {"measure": name, "n": int(len(g)), "support": int(g.sum()),
            "predicted": int(p.sum()), "tp": tp, "precision": float(precision),
            "recall": float(recall), "f1": float(f1)}
