"""The validation rules of CONTRACT.md section 1, applied to raw string tables.

Input: the three tables exactly as read (every cell a string, "" for blank). Output: the
valid rows, typed and normalised, and one problem line per rule broken. Every input row
ends up valid or in the problems (conservation); a quarantined submission takes its
rating rows with it. Each rule has a name (the ``rule`` column) and a message template.

Everything is vectorised over columns; codes are normalised once per distinct value
(``pd.factorize``), which keeps large files fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from . import scheme

PROBLEM_COLUMNS: Final[list[str]] = ["file", "row", "column", "value", "rule", "message"]

SUBMISSION_REQUIRED: Final[tuple[str, ...]] = (
    "submission_id", "portfolio_id", "attempt", "pathway", "submitted_on",
    "lead_assessor", "second_assessor",
)  # fmt: skip
RATING_REQUIRED: Final[tuple[str, ...]] = ("submission_id", "section")
ASSESSOR_REQUIRED: Final[tuple[str, ...]] = ("assessor_id",)
DATE_COLUMNS: Final[tuple[str, ...]] = ("submitted_on", "allocated_on", "assessed_on", "result_on")
ID_COLUMNS: Final[frozenset[str]] = frozenset(
    {"submission_id", "portfolio_id", "lead_assessor", "second_assessor", "assessor_id"}
)

RATING_TEXT_ONLY: Final[frozenset[str]] = frozenset({"section", "lead", "second", "final", "gaps"})
"""Rating columns replaced by their normalised form in the output: their raw text is
read only to quote it in problem lines, so the reader may give them as Categoricals of
the text (performance; validation treats both alike)."""

RULES: Final[dict[str, str]] = {
    "missing_value": "a required cell is blank",
    "unknown_code": "a value that is not one of the codes (or the form's phrases)",
    "bad_date": "a date that is not an ISO date (YYYY-MM-DD) or does not exist",
    "date_order": "dates out of order (e.g. result before submission)",
    "bad_number": "a number that is not a whole number >= 0",
    "duplicate_key": "the same key on more than one row",
    "same_assessor": "the same assessor as lead and second",
    "attempt_type": "the submission type does not fit the attempt",
    "outcome_for_attempt": "an outcome the attempt cannot have",
    "outcome_without_result_date": "an outcome without a result date",
    "result_without_outcome": "a result date without an outcome",
    "outcome_contradicts_ratings": "the outcome contradicts the final section ratings",
    "orphan_resubmission": "a resubmission with no referred first attempt",
    "section_not_on_pathway": "a section the pathway does not have",
    "unknown_submission": "a rating for a submission that is not in submissions",
    "submission_quarantined": "a rating whose submission was kept out",
}
"""Every quarantine rule, by name, with a one-line description."""

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_PERSON_NAME = re.compile(r"^[A-Z][a-z'’\-]+(?:\s+[A-Z][a-z'’\-]+)+$")
_NAME_START = re.compile(r"\n[A-Z][a-z'’\-]+\s")
"""Every match of ``_PERSON_NAME`` starts so, after a newline (a cheap pre-scan of many
values joined by newlines, with one more newline in front). Performance: the same as
``^[A-Z]...`` with ``re.M``, but a pattern that starts with a literal lets ``re`` skip
from newline to newline instead of testing ``^`` at every character (~4x faster)."""
_PERSONAL_COLUMN = re.compile(
    r"(^|_)(first_?name|last_?name|full_?name|given_?name|surname|forename|name|"
    r"e_?mail|email_?address|mail)($|_)"
)


def _key(text: str) -> str:
    """Normalise a code or phrase for lookup: lower case, one space, plain hyphens."""
    t = str(text).strip().lower().replace("–", "-").replace("—", "-")
    t = re.sub(r"\s*-\s*", " - ", t)
    return re.sub(r"\s+", " ", t)


def _aliases(pairs: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, words in pairs:
        out[_key(code)] = code
        for w in words:
            out[_key(w)] = code
    return out


PATHWAY_ALIASES: Final = _aliases(
    (c, [scheme.PATHWAY_NAMES[c], c.replace("CMALT", " CMALT")]) for c in scheme.PATHWAYS
) | {"associate": "ACMALT", "senior": "SCMALT", "a-cmalt": "ACMALT", "s-cmalt": "SCMALT"}
OUTCOME_ALIASES: Final = _aliases((c, [scheme.OUTCOME_NAMES[c]]) for c in scheme.OUTCOMES) | {
    _key("minor revisions required"): "minor",
    _key("major revisions required"): "major",
    _key("referral - minor"): "minor",
    _key("referral - major"): "major",
    _key("minor revisions"): "minor",
    _key("major revisions"): "major",
}
RATING_ALIASES: Final = _aliases((c, [scheme.RATING_NAMES[c]]) for c in scheme.RATINGS) | {
    _key("revision required"): "R",
    _key("revisions"): "R",
}
SECTION_ALIASES: Final = {_key(s): s for s in scheme.SECTIONS} | {f"{s}.0": s for s in ("4",)}
TYPE_ALIASES: Final = {
    "first": "first", "first submission": "first", "1st submission": "first",
    "resubmission": "resubmission", "re-submission": "resubmission",
    "re - submission": "resubmission", "second submission": "resubmission",
    "2nd submission": "resubmission",
    "review": "review", "portfolio review": "review", "3-yearly review": "review",
    "3 - yearly review": "review", "cmalt review": "review",
}  # fmt: skip
ATTEMPT_ALIASES: Final = {"1": 1, "2": 2, "1.0": 1, "2.0": 2, "first": 1, "second": 2}
BOOL_ALIASES: Final = {
    "true": True, "false": False, "yes": True, "no": False, "y": True, "n": False,
    "1": True, "0": False, "t": True, "f": False, "1.0": True, "0.0": False,
}  # fmt: skip
GAP_ALIASES: Final = {e: e for e in scheme.GAP_ELEMENTS} | {
    "desc": "description",
    "reflective": "reflection",
    "reflect": "reflection",
}


class Refusal(Exception):
    """Input that is refused outright; carries the message (records wraps it)."""


# --------------------------------------------------------------------------- helpers
@dataclass
class _Problems:
    parts: list[pd.DataFrame] = field(default_factory=list)

    def add(
        self,
        file: str,
        frame: pd.DataFrame,
        mask: pd.Series | np.ndarray,
        column: str,
        rule: str,
        message: Callable[[pd.Series], str] | str,
        value: pd.Series | None = None,
    ) -> None:
        """Add one line per row of ``frame`` where ``mask`` holds."""
        m = np.asarray(mask, dtype=bool)
        if not m.any():
            return
        sub = frame.loc[m]
        vals = value.loc[m] if value is not None else sub[column] if column in sub else ""
        vals = pd.Series(vals, index=sub.index).astype(object)
        if callable(message):
            msgs = [message(r) for _, r in sub.iterrows()]
        else:
            msgs = [message] * len(sub)
        self.parts.append(
            pd.DataFrame(
                {
                    "file": file,
                    "row": sub["row"].to_numpy(),
                    "column": column,
                    "value": vals.to_numpy(),
                    "rule": rule,
                    "message": msgs,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == "row" else "object") for c in PROBLEM_COLUMNS}
            )
        out = pd.concat(self.parts, ignore_index=True)
        out["row"] = out["row"].astype("int64")
        out["value"] = out["value"].where(out["value"] != "", np.nan)
        order = {"submissions": 0, "ratings": 1, "assessors": 2}
        out["_f"] = out["file"].map(lambda f: order.get(str(f).rsplit("/", 1)[-1].split(".")[0], 3))
        out = out.sort_values(["_f", "row"], kind="stable").drop(columns="_f")
        return out.reset_index(drop=True)


class _Factors:
    """Each text column factorised once (performance): ``(codes, uniques)`` with code
    ``len(uniques)`` for a missing cell, so a per-distinct-value array with one extra
    slot at the end can be spread over the rows with a single ``take``.

    Keyed by the identity of the frame and the column name: valid while the frames
    are not modified, which holds inside :func:`validate` (it never writes to them).
    ``seed``: factorisations already made by the reader, as ``{id(frame): {column:
    (codes, uniques)}}``; uniques must be distinct and codes in ``0..len(uniques)``.
    """

    def __init__(self, seed: dict[int, dict[str, tuple[np.ndarray, np.ndarray]]] | None = None):
        self._cache: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {
            (fid, col): v for fid, cols in (seed or {}).items() for col, v in cols.items()
        }

    def get(self, frame: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
        key = (id(frame), col)
        if key not in self._cache:
            codes, uniques = pd.factorize(frame[col], sort=False)
            uniques = np.asarray(uniques, dtype=object)
            self._cache[key] = (np.where(codes >= 0, codes, len(uniques)), uniques)
        return self._cache[key]


def _spread(per_unique: np.ndarray, codes: np.ndarray, missing: object) -> np.ndarray:
    """Per-distinct-value array (without the missing slot) spread over the rows."""
    full = np.empty(len(per_unique) + 1, dtype=per_unique.dtype)
    full[:-1] = per_unique
    full[-1] = missing
    return full[codes]


def _category_codes(
    frame: pd.DataFrame,
    col: str,
    aliases: dict,
    categories: Iterable[str],
    fz: _Factors,
    mapped: pd.Series,
) -> np.ndarray:
    """``pd.Categorical(mapped, categories=categories).codes`` (-1 for NaN), where
    ``mapped`` is ``frame[col]`` mapped through ``aliases`` (as :func:`_codes` gives it).

    Performance: worked out per distinct raw value and spread with one take, instead of
    hashing every row's mapped value again. ``mapped`` is used only when the column is
    absent.
    """
    cats = list(categories)
    if col not in frame:
        return pd.Categorical(mapped, categories=cats).codes.astype(np.int64)
    codes, uniques = fz.get(frame, col)
    index = {c: i for i, c in enumerate(cats)}
    per_u = np.array([index.get(aliases.get(_key(u)), -1) for u in uniques], dtype=np.int64)
    return _spread(per_u, codes, -1)


def _positions(of: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Position of each of ``values`` among the distinct ``of`` (-1 when absent), as
    ``pd.Index(of).get_indexer(values)``.

    Performance: the ratings usually list the submission ids in the submissions' own
    order, so equal arrays (one comparison) give ``arange`` without building a hash
    table of 200,000 ids.
    """
    if len(of) == len(values) and (len(of) == 0 or bool(np.all(of == values))):
        return np.arange(len(values), dtype=np.intp)
    return pd.Index(of).get_indexer(values)


def _map_codes(col: pd.Series, aliases: dict) -> pd.Series:
    """Map each distinct value once; unknown (non-blank) values become NaN."""
    return _map_codes_unknown(col, aliases)[0]


def _map_codes_unknown(
    col: pd.Series, aliases: dict, factors: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[pd.Series, np.ndarray]:
    """:func:`_map_codes` and the mask of unknown non-blank cells, both from one pass
    over the distinct values (performance: no second scan of the column).
    ``factors``: ``col`` already factorised (see :class:`_Factors`)."""
    if factors is None:
        codes, uniques = pd.factorize(col, sort=False)
    else:
        codes, uniques = factors
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [aliases.get(_key(u), np.nan) for u in uniques]
    mapped[-1] = np.nan  # code -1: a missing cell
    unknown = np.zeros(len(uniques) + 1, dtype=bool)
    unknown[:-1] = [
        (m is np.nan or (isinstance(m, float) and np.isnan(m))) and u != ""
        for u, m in zip(uniques, mapped[:-1])
    ]
    unknown[-1] = True  # a missing cell is not equal to ""
    # performance: on clean data most columns hold only canonical codes (and no missing
    # cell); then the mapped column equals the raw one value for value and no cell is
    # unknown, so the two 2.6 M-row gathers (object and bool) are not needed
    n = len(uniques)
    # no missing cell (code n, or -1 from pd.factorize)
    complete = len(codes) == 0 or (int(codes.min()) >= 0 and int(codes.max()) < n)
    if complete and not unknown[:-1].any():
        unknown_rows = np.zeros(len(codes), dtype=bool)
        if col.dtype == object and all(
            type(m) is str and m == u for m, u in zip(mapped[:-1], uniques)
        ):
            return pd.Series(col.to_numpy(), index=col.index), unknown_rows
        return pd.Series(mapped[codes], index=col.index), unknown_rows
    return pd.Series(mapped[codes], index=col.index), unknown[codes]


def _parse_dates(col: pd.Series, factors: tuple[np.ndarray, np.ndarray] | None = None) -> pd.Series:
    """ISO dates (a midnight time, as Excel exports give, is accepted); others NaT."""
    # performance: parsed once per distinct value (dates repeat a lot)
    codes, uniques = factors if factors is not None else pd.factorize(col, sort=False)
    u = pd.Series(np.asarray(uniques, dtype=object)).str.replace(
        r"[T ]00:00(:00(\.0+)?)?$", "", regex=True
    )
    parsed = np.append(
        pd.to_datetime(u, format="%Y-%m-%d", errors="coerce").to_numpy(dtype="datetime64[ns]"),
        np.datetime64("NaT", "ns"),
    )
    return pd.Series(parsed[codes], index=col.index, name=col.name)


def _fmt_date(value: object) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).date().isoformat()


# --------------------------------------------------------------------------- refusal
def check_columns(file: str, frame: pd.DataFrame, required: Iterable[str]) -> None:
    """Refuse a table that lacks a required column or carries personal data."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise Refusal(
            f"{file}: required column(s) missing: {', '.join(missing)} "
            f"(columns found: {', '.join(map(str, frame.columns)) or 'none'})"
        )
    for c in frame.columns:
        if _PERSONAL_COLUMN.search(str(c)):
            raise Refusal(
                f"{file}: column {c!r} looks like personal data (a name or e-mail "
                "address). The toolkit handles pseudonymous keys only: remove the column, "
                "or run `cmalt-qa anonymise` on the raw export first. Nothing was loaded."
            )


def check_personal_cells(
    file: str, frame: pd.DataFrame, uniques_of: dict[str, np.ndarray] | None = None
) -> None:
    """Refuse a table in which any cell looks like an e-mail address or, in a key
    column, a person's name.

    ``uniques_of`` (performance): a column's distinct values in order of first
    appearance (as ``pd.unique`` gives them), where the reader has them already. They
    are all ``str`` (the reader factorises text columns only), so the per-value type
    scan below is skipped for them (on 200,000 ids it costs ~25 ms a column).
    """
    for c in frame.columns:
        if c == "row":
            continue
        uniques = (uniques_of or {}).get(c)
        known_text = uniques is not None
        if uniques is None:
            uniques = pd.unique(frame[c])
        texts = uniques.tolist() if isinstance(uniques, np.ndarray) else list(uniques)
        if not known_text and not all(type(u) is str for u in texts):
            texts = [str(u) for u in texts]
        joined = "\n".join(texts)
        # performance: the per-value checks below run only where a cheap scan of all
        # the values at once finds a candidate ("@" for an e-mail; for a name, a
        # capitalised word followed by a space at the start of a line)
        if "@" not in joined and not (c in ID_COLUMNS and _NAME_START.search("\n" + joined)):
            continue
        for u in texts:
            u = str(u)
            if "@" in u and _EMAIL.search(u):
                row = int(frame.loc[frame[c] == u, "row"].iloc[0])
                raise Refusal(
                    f"{file}, row {row}, column {c!r}: the cell looks like an e-mail "
                    "address. Personal data is refused, never processed: replace it with "
                    "a pseudonymous key (see `cmalt-qa anonymise`). Nothing was loaded."
                )
            if c in ID_COLUMNS and _PERSON_NAME.match(u):
                row = int(frame.loc[frame[c] == u, "row"].iloc[0])
                raise Refusal(
                    f"{file}, row {row}, column {c!r}: {u!r} looks like a person's name, "
                    "not a pseudonymous key. Personal data is refused, never processed "
                    "(see `cmalt-qa anonymise`). Nothing was loaded."
                )


# --------------------------------------------------------------------------- tables
def _blank(frame: pd.DataFrame, col: str, fz: _Factors | None = None) -> pd.Series:
    if col not in frame:
        return pd.Series(True, index=frame.index)
    if fz is None:
        return frame[col] == ""
    codes, uniques = fz.get(frame, col)
    blank_u = np.asarray(uniques == "", dtype=bool) if len(uniques) else np.zeros(0, bool)
    if not blank_u.any():  # performance: no blank value, so no gather over the rows
        return pd.Series(np.zeros(len(frame), dtype=bool), index=frame.index, name=col)
    return pd.Series(_spread(blank_u, codes, False), index=frame.index, name=col)


def _required(
    file: str,
    frame: pd.DataFrame,
    cols: Iterable[str],
    p: _Problems,
    fz: _Factors | None = None,
) -> pd.Series:
    bad = pd.Series(False, index=frame.index)
    for c in cols:
        m = _blank(frame, c, fz)
        p.add(file, frame, m, c, "missing_value", f"{c} is required but blank")
        bad |= m
    return bad


def _codes(
    file: str,
    frame: pd.DataFrame,
    col: str,
    aliases: dict,
    expected: str,
    p: _Problems,
    fz: _Factors | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Normalised column and the mask of rows with an unknown (non-blank) value."""
    raw = frame[col] if col in frame else pd.Series("", index=frame.index)
    factors = fz.get(frame, col) if (fz is not None and col in frame) else None
    mapped, unknown = _map_codes_unknown(raw, aliases, factors)
    bad = pd.Series(unknown, index=frame.index)
    p.add(
        file,
        frame,
        bad,
        col,
        "unknown_code",
        lambda r: f"{col} {r[col]!r} is not a known code; expected {expected}",
    )
    return mapped, bad


def _duplicates(
    file: str,
    frame: pd.DataFrame,
    keys: list[str],
    ok: pd.Series,
    p: _Problems,
    key_codes: np.ndarray | None = None,
) -> pd.Series:
    """Rows of ``frame`` (among ``ok``) sharing a key: all of them are quarantined,
    since nothing says which copy is right.

    ``key_codes`` (performance): one integer per row, equal exactly when the ``keys``
    are equal; the check then runs on integers instead of the text columns.
    """
    if key_codes is not None:
        okn = np.asarray(ok, dtype=bool)
        counts = np.bincount(key_codes[okn], minlength=int(key_codes.max(initial=0)) + 1)
        mask = pd.Series(okn & (counts[key_codes] > 1), index=frame.index)
    else:
        sub = frame.loc[ok, keys]
        dup = sub.duplicated(keep=False)
        mask = pd.Series(False, index=frame.index)
        mask.loc[dup[dup].index] = True
    if mask.any():
        first_row = (
            frame.loc[mask]
            .groupby(keys, sort=False)["row"]
            .transform(lambda r: ", ".join(map(str, r)))
        )
        frame = frame.assign(_rows=first_row.reindex(frame.index))
        label = " and ".join(keys)
        p.add(
            file,
            frame,
            mask,
            keys[-1],
            "duplicate_key",
            lambda r: (
                f"{label} {' / '.join(r[k] for k in keys)!r} appears on rows "
                f"{r['_rows']}; keys must be unique, so every copy is kept out"
            ),
            value=frame[keys[-1]],
        )
    return mask


@dataclass
class Validated:
    submissions: pd.DataFrame
    ratings: pd.DataFrame
    assessors: pd.DataFrame
    problems: pd.DataFrame


def validate(
    subs: pd.DataFrame,
    rats: pd.DataFrame,
    asrs: pd.DataFrame | None,
    names: dict[str, str],
    calendar: scheme.Calendar,
    factorized: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] | None = None,
) -> Validated:
    """Apply every rule. ``subs``/``rats``/``asrs`` are string tables with a ``row`` column.

    ``factorized`` (performance only): columns the reader has already factorised, as
    ``{"submissions" | "ratings": {column: (codes, uniques)}}`` (see :class:`_Factors`).
    """
    factorized = factorized or {}
    fz = _Factors(
        {id(subs): factorized.get("submissions", {}), id(rats): factorized.get("ratings", {})}
    )
    p = _Problems()
    fs, fr, fa = names["submissions"], names["ratings"], names["assessors"]

    # ---- submissions: cell rules ---------------------------------------------------
    bad_s = _required(fs, subs, SUBMISSION_REQUIRED, p, fz)
    pathway, b = _codes(
        fs,
        subs,
        "pathway",
        PATHWAY_ALIASES,
        "ACMALT, CMALT or SCMALT (or Associate / Senior CMALT)",
        p,
        fz,
    )
    bad_s |= b
    attempt, b = _codes(fs, subs, "attempt", ATTEMPT_ALIASES, "1 or 2", p, fz)
    bad_s |= b
    outcome, b = _codes(
        fs,
        subs,
        "outcome",
        OUTCOME_ALIASES,
        "distinction, pass, minor, major or fail (or the form's phrases)",
        p,
        fz,
    )
    bad_s |= b
    stype, b = _codes(
        fs, subs, "submission_type", TYPE_ALIASES, "first, resubmission or review", p, fz
    )
    bad_s |= b
    nominated, b = _codes(fs, subs, "second_nominated", BOOL_ALIASES, "true or false", p, fz)
    bad_s |= b

    dates: dict[str, pd.Series] = {}
    for c in DATE_COLUMNS:
        raw = subs[c] if c in subs else pd.Series("", index=subs.index)
        d = _parse_dates(raw, fz.get(subs, c) if c in subs else None)
        # performance: "not blank" from the distinct values (no object comparison)
        m = d.isna() & ~_blank(subs, c, fz)
        p.add(
            fs,
            subs,
            m,
            c,
            "bad_date",
            lambda r, c=c: (
                f"{c} {r[c]!r} is not a date in the form YYYY-MM-DD (or the day does not exist)"
            ),
        )
        bad_s |= m
        dates[c] = d
    order = [
        ("submitted_on", "allocated_on"),
        ("allocated_on", "assessed_on"),
        ("submitted_on", "assessed_on"),
        ("submitted_on", "result_on"),
        ("assessed_on", "result_on"),
    ]
    for early, late in order:
        m = (dates[late] < dates[early]).fillna(False)
        p.add(
            fs,
            subs,
            m,
            late,
            "date_order",
            lambda r, e=early, la=late: f"{la} {r[la]} is before {e} {r[e]}",
        )
        bad_s |= m

    # performance: on integer codes, with each distinct second assessor located among
    # the distinct lead assessors (-2: blank, missing or not a lead id, never equal)
    lead_codes, lead_u = fz.get(subs, "lead_assessor")
    sec_codes_s, sec_u = fz.get(subs, "second_assessor")
    sec_in_lead = np.append(pd.Index(lead_u).get_indexer(sec_u), -2)
    sec_in_lead[:-1][np.asarray(sec_u == "", dtype=bool)] = -2
    sec_in_lead[sec_in_lead == -1] = -2
    same = pd.Series(lead_codes == sec_in_lead[sec_codes_s], index=subs.index)
    p.add(
        fs,
        subs,
        same,
        "second_assessor",
        "same_assessor",
        lambda r: (
            f"assessor {r['second_assessor']!r} is both lead and second; "
            "a portfolio needs two different assessors"
        ),
    )
    bad_s |= same

    # blank type: from attempt (1 -> first, 2 -> resubmission)
    stype = stype.where(
        ~_blank(subs, "submission_type", fz), attempt.map({1: "first", 2: "resubmission"})
    )
    # performance: each comparison of an object column is made once, on small codes
    if "attempt" in subs:  # attempt == 1 / == 2 judged per distinct raw value
        att_codes, att_raw = fz.get(subs, "attempt")
        att_u = [ATTEMPT_ALIASES.get(_key(u), np.nan) for u in att_raw]
        att1 = _spread(np.array([a == 1 for a in att_u], dtype=bool), att_codes, False)
        att2 = _spread(np.array([a == 2 for a in att_u], dtype=bool), att_codes, False)
    else:
        att1, att2 = (attempt == 1).to_numpy(), (attempt == 2).to_numpy()
    types = ["first", "resubmission", "review"]
    # the codes of stype (after the blank fill above): a blank cell takes its attempt's
    att_type = np.where(att1, 0, np.where(att2, 1, -1))
    type_code = np.where(
        _blank(subs, "submission_type", fz).to_numpy(),
        att_type,
        _category_codes(subs, "submission_type", TYPE_ALIASES, types, fz, stype),
    )
    out_code = _category_codes(subs, "outcome", OUTCOME_ALIASES, scheme.OUTCOMES, fz, outcome)
    out_known = out_code >= 0  # outcome.notna(): mapped outcomes are codes or NaN

    def outcome_in(values: Iterable[str]) -> np.ndarray:
        """``outcome.isin(values)`` through the codes (code -1, NaN, indexes a False)."""
        table = np.zeros(len(scheme.OUTCOMES) + 1, dtype=bool)
        table[[list(scheme.OUTCOMES).index(v) for v in values if v in scheme.OUTCOMES]] = True
        return table[out_code]

    m = pd.Series(
        ((type_code == 1) & att1) | (((type_code == 0) | (type_code == 2)) & att2), index=subs.index
    )
    p.add(
        fs,
        subs,
        m,
        "submission_type",
        "attempt_type",
        lambda r: (
            f"submission_type {r.get('submission_type', '')!r} does not fit attempt "
            f"{r['attempt']}: a first submission or review is attempt 1, a resubmission attempt 2"
        ),
    )
    bad_s |= m

    allowed1, allowed2 = scheme.OUTCOMES_BY_ATTEMPT[1], scheme.OUTCOMES_BY_ATTEMPT[2]
    m = pd.Series(
        out_known & ((att1 & ~outcome_in(allowed1)) | (att2 & ~outcome_in(allowed2))),
        index=subs.index,
    )
    p.add(
        fs,
        subs,
        m,
        "outcome",
        "outcome_for_attempt",
        lambda r: (
            f"outcome {r['outcome']!r} is not possible on attempt {r['attempt']}: "
            "a first submission ends in distinction, pass, minor or major referral; "
            "a resubmission in pass or fail"
        ),
    )
    bad_s |= m
    m = out_known & dates["result_on"].isna() & ~_blank(subs, "outcome", fz)
    m &= _blank(subs, "result_on", fz)  # True throughout when the column is absent
    p.add(
        fs,
        subs,
        m,
        "result_on",
        "outcome_without_result_date",
        lambda r: f"outcome {r['outcome']!r} is given but result_on is blank",
    )
    bad_s |= m
    m = ~out_known & dates["result_on"].notna() & _blank(subs, "outcome", fz)
    p.add(
        fs,
        subs,
        m,
        "outcome",
        "result_without_outcome",
        lambda r: f"result_on {r['result_on']} is given but the outcome is blank",
    )
    bad_s |= m

    bad_s |= _duplicates(
        fs,
        subs,
        ["submission_id"],
        ~_blank(subs, "submission_id", fz),
        p,
        key_codes=fz.get(subs, "submission_id")[0].astype(np.int64),
    )

    # ---- ratings: cell rules --------------------------------------------------------
    bad_r = _required(fr, rats, RATING_REQUIRED, p, fz)
    section, b = _codes(
        fr, rats, "section", SECTION_ALIASES, "one of " + " ".join(scheme.SECTIONS), p, fz
    )
    bad_r |= b
    rating_cols: dict[str, pd.Series] = {}
    for c in ("lead", "second", "final"):
        rating_cols[c], b = _codes(
            fr, rats, c, RATING_ALIASES, "S, A or R (Strong, Adequate, Revisions required)", p, fz
        )
        bad_r |= b
    gaps_raw = rats["gaps"] if "gaps" in rats else pd.Series("", index=rats.index)
    gap_flags, b = _gaps(gaps_raw, fz.get(rats, "gaps") if "gaps" in rats else None)
    p.add(
        fr,
        rats,
        b,
        "gaps",
        "unknown_code",
        lambda r: (
            f"gaps {r['gaps']!r} holds an element that is not description, "
            "evidence or reflection (separate elements with ';')"
        ),
    )
    bad_r |= b
    key_ok = ~bad_r & ~_blank(rats, "submission_id", fz)
    # performance: the duplicate check needs the keys and ``row`` only, not a copy of
    # the whole table; submission ids are factorised once for the cross-table rules
    rsid_codes, rsid_uniques = fz.get(rats, "submission_id")
    # the normalised section (blank for unknown), as codes: from the distinct raw values
    raw_sec_codes, raw_sec = fz.get(rats, "section")
    sec_of_raw = _map_codes(pd.Series(raw_sec, dtype=object), SECTION_ALIASES).fillna("")
    sec_codes = pd.factorize(np.append(sec_of_raw.to_numpy(dtype=object), ""))[0][raw_sec_codes]
    pair = rsid_codes.astype(np.int64) * (len(raw_sec) + 2) + sec_codes
    key_ok_n = key_ok.to_numpy()
    # performance: no compress when every row takes part
    if (np.bincount(pair if key_ok_n.all() else pair[key_ok_n], minlength=1) > 1).any():
        rats_k = pd.DataFrame(
            {
                "submission_id": rats["submission_id"],
                "section": section.fillna(""),
                "row": rats["row"],
            }
        )
        bad_r |= _duplicates(fr, rats_k, ["submission_id", "section"], key_ok, p, key_codes=pair)

    def per_rating(values: pd.Series | np.ndarray, fill: object) -> np.ndarray:
        """Values given per distinct rating submission_id, spread over rating rows."""
        arr = np.asarray(values)
        full = np.append(arr, np.array([fill], dtype=arr.dtype))
        if full.dtype == bool and not full.any():  # performance: nothing to gather
            return np.zeros(len(rsid_codes), dtype=bool)
        return full[rsid_codes]

    # performance: each distinct rating submission_id is looked up once among the
    # distinct submission ids (integer positions, -1 when absent); every cross-table
    # lookup below goes through these positions instead of hashing the ids again
    ssid_codes, ssid_uniques = fz.get(subs, "submission_id")
    pos = _positions(ssid_uniques, rsid_uniques)
    known = pd.Series(per_rating(pos >= 0, False), index=rats.index)
    m = ~known & ~_blank(rats, "submission_id", fz)
    p.add(
        fr,
        rats,
        m,
        "submission_id",
        "unknown_submission",
        lambda r: f"submission_id {r['submission_id']!r} is not in {fs}",
    )
    bad_r |= m

    # ---- cross-table rules, to a fixed point -------------------------------------
    # the pathway of each distinct submission id that occurs on exactly one row
    # (a duplicated id has no pathway here), then of each distinct rating id
    n_sub_u = len(ssid_uniques)
    once = np.bincount(ssid_codes, minlength=n_sub_u + 1)[:n_sub_u] == 1
    first_row = np.zeros(n_sub_u + 1, dtype=np.int64)
    first_row[ssid_codes[::-1]] = np.arange(len(subs))[::-1]

    def pathway_of_rating_ids() -> pd.Series:
        """The pathway (text) of each distinct rating id; for problem lines only."""
        pw_sub_u = np.where(
            once,
            pathway.to_numpy(dtype=object)[first_row[:n_sub_u]]
            if len(subs)
            else np.empty(0, dtype=object),
            np.nan,
        )
        return pd.Series(
            np.where(pos >= 0, pw_sub_u[pos] if n_sub_u else np.nan, np.nan)
            if len(pos)
            else np.empty(0, dtype=object),
            dtype=object,
        )

    # performance: the same as pathway codes (index in scheme.PATHWAYS, -1 for none),
    # from integer codes instead of object arrays and a Categorical of 200,000 values
    path_code = _category_codes(subs, "pathway", PATHWAY_ALIASES, scheme.PATHWAYS, fz, pathway)
    pw_code_sub_u = np.where(once, path_code[first_row[:n_sub_u]], -1)
    pw_code_u = (
        np.where(pos >= 0, pw_code_sub_u[pos], -1)
        if n_sub_u
        else np.full(len(pos), -1, dtype=np.int64)
    )
    # section x pathway lookup by integer codes (vectorised; unknown codes pass here,
    # they are reported by their own rule)
    # performance: one extra row and column of True, so code -1 (unknown section or
    # pathway, which passes here) indexes it directly: one gather, no masking
    present = np.ones((len(scheme.SECTIONS) + 1, len(scheme.PATHWAYS) + 1), dtype=bool)
    present[:-1, :-1] = [
        [scheme.requirement(sc, pw) != "absent" for pw in scheme.PATHWAYS] for sc in scheme.SECTIONS
    ]
    # performance: category codes per distinct value, then spread over the rows
    si = _spread(
        pd.Categorical(sec_of_raw.replace("", np.nan), categories=scheme.SECTIONS).codes,
        raw_sec_codes,
        -1,
    )
    pi = per_rating(pw_code_u, -1)
    has = present[si, pi]
    m = ~has & ~bad_r
    if m.any():  # performance: assign copies the table
        pw_u = pathway_of_rating_ids()
        rat_path = pd.Series(per_rating(pw_u.to_numpy(dtype=object), np.nan), index=rats.index)
        p.add(
            fr,
            rats.assign(_p=rat_path),
            m,
            "section",
            "section_not_on_pathway",
            lambda r: f"section {r['section']!r} is not assessed on the {r['_p']} pathway",
        )
    bad_r |= m

    # Judge outcomes on every final that parses, even on a row kept out for another
    # reason, so that one bad cell elsewhere does not make the outcome look wrong.
    if "final" in rats:  # performance: judged per distinct value of the column
        fin_codes, fin_raw = fz.get(rats, "final")
        fin_u = _map_codes(pd.Series(fin_raw, dtype=object), RATING_ALIASES)
        final_r = pd.Series(_spread((fin_u == "R").to_numpy(), fin_codes, False), index=rats.index)
        has_final = pd.Series(_spread(fin_u.notna().to_numpy(), fin_codes, False), index=rats.index)
    else:
        final_r = pd.Series(False, index=rats.index)
        has_final = pd.Series(False, index=rats.index)
    n_sid = len(rsid_uniques) + 1  # the last slot: a missing id, which groupby drops
    # performance: count the ids of the flagged rows only (no float weights)
    any_r = pd.Series(
        np.bincount(rsid_codes[final_r.to_numpy(dtype=bool)], minlength=n_sid)[:-1] > 0,
        index=rsid_uniques,
    )
    any_final = pd.Series(
        np.bincount(rsid_codes[has_final.to_numpy(dtype=bool)], minlength=n_sid)[:-1] > 0,
        index=rsid_uniques,
    )
    # each submission row: the value of its id among the rating ids (False if none)
    rat_u_of_sub_u = np.full(n_sub_u + 1, -1, dtype=np.int64)
    rat_u_of_sub_u[pos[pos >= 0]] = np.flatnonzero(pos >= 0)
    r_of_row = rat_u_of_sub_u[ssid_codes]
    s_any_r = pd.Series(np.append(any_r.to_numpy(dtype=bool), False)[r_of_row], index=subs.index)
    s_any_final = pd.Series(
        np.append(any_final.to_numpy(dtype=bool), False)[r_of_row], index=subs.index
    )
    passing = outcome_in(scheme.PASSING_OUTCOMES)
    needs_r = outcome_in(scheme.REFERRAL_OUTCOMES | {"fail"})
    m = ~bad_s & ((passing & s_any_r) | (needs_r & s_any_final & ~s_any_r))
    if m.any():  # performance: assign copies the table
        p.add(
            fs,
            subs.assign(_o=outcome),
            m,
            "outcome",
            "outcome_contradicts_ratings",
            lambda r: (
                f"outcome {r['_o']!r} contradicts the final ratings: "
                + (
                    "a pass needs every section A or better, yet a final R is recorded"
                    if r["_o"] in scheme.PASSING_OUTCOMES
                    else "a referral or fail needs at least one final R, yet none is recorded"
                )
            ),
        )
    bad_s |= m

    # resubmissions need a valid, referred first attempt of the same portfolio
    first = ~bad_s & att1 & (type_code != 2) & outcome_in(scheme.REFERRAL_OUTCOMES)
    # performance: by distinct portfolio id (codes), not by hashing the ids again
    pf_codes, pf_uniques = fz.get(subs, "portfolio_id")
    referred_u = np.zeros(len(pf_uniques) + 1, dtype=bool)
    referred_u[pf_codes[first.to_numpy()]] = True
    referred_u[-1] = False  # a missing id is never "in" a set of ids
    m = ~bad_s & att2 & ~referred_u[pf_codes]
    p.add(
        fs,
        subs,
        m,
        "portfolio_id",
        "orphan_resubmission",
        lambda r: (
            f"resubmission of portfolio {r['portfolio_id']!r} has no valid first "
            "attempt with a referral (minor or major) in the data"
        ),
    )
    bad_s |= m

    # ratings follow their submission out
    bad_sub_u = np.zeros(n_sub_u + 1, dtype=bool)
    bad_sub_u[ssid_codes[bad_s.to_numpy()]] = True
    m = (
        pd.Series(per_rating(np.where(pos >= 0, bad_sub_u[pos], False), False), index=rats.index)
        & known
        & ~bad_r
    )
    p.add(
        fr,
        rats,
        m,
        "submission_id",
        "submission_quarantined",
        lambda r: (
            f"submission {r['submission_id']!r} was kept out (see {fs}), so its ratings are too"
        ),
    )
    bad_r |= m

    # ---- assessors ----------------------------------------------------------------
    if asrs is None:
        asrs_out = pd.DataFrame(
            {
                "assessor_id": pd.Series(dtype=object),
                "prior_assessments": pd.Series(dtype="float64"),
            }
        )
    else:
        bad_a = _required(fa, asrs, ASSESSOR_REQUIRED, p)
        raw = (
            asrs["prior_assessments"]
            if "prior_assessments" in asrs
            else pd.Series("", index=asrs.index)
        )
        num = pd.to_numeric(raw.where(raw != ""), errors="coerce")
        m = (raw != "") & (num.isna() | (num < 0) | (num % 1 != 0))
        p.add(
            fa,
            asrs,
            m,
            "prior_assessments",
            "bad_number",
            lambda r: f"prior_assessments {r['prior_assessments']!r} is not a whole number >= 0",
        )
        bad_a |= m
        bad_a |= _duplicates(fa, asrs, ["assessor_id"], ~bad_a, p)
        asrs_out = asrs.loc[~bad_a].assign(prior_assessments=num[~bad_a].astype("float64"))
        asrs_out = _blank_to_nan(asrs_out).reset_index(drop=True)

    # ---- assemble ---------------------------------------------------------------
    # performance: the submissions table is built once, in its final column order,
    # from the kept rows of each column (no whole-table take, no reindex copy)
    ok = ~bad_s
    kept = np.flatnonzero(ok.to_numpy())
    every_s = len(kept) == len(subs)

    def kept_rows(values: pd.Series | np.ndarray) -> np.ndarray:
        arr = np.asarray(values)
        return arr if every_s else arr[kept]

    scols: dict[str, np.ndarray | pd.api.extensions.ExtensionArray] = {
        c: kept_rows(subs[c].to_numpy()) for c in subs.columns
    }
    both = att1 | att2
    if both[kept].all():  # performance: attempts are 1 or 2 here (int64 without casts)
        scols["attempt"] = kept_rows(np.where(att1, 1, 2).astype("int64"))
    else:
        scols["attempt"] = attempt[ok].astype("int64").to_numpy()
    scols["submission_type"] = kept_rows(stype.to_numpy(dtype=object))
    scols["pathway"] = kept_rows(pathway.to_numpy(dtype=object))
    scols["outcome"] = kept_rows(outcome.to_numpy(dtype=object))
    for c in DATE_COLUMNS:
        scols[c] = kept_rows(dates[c].to_numpy(dtype="datetime64[ns]"))
    scols["second_nominated"] = _nominated(subs, fz, nominated)[kept]
    # blank text to NaN in every object column (as _blank_to_nan); a column still
    # shared with ``subs`` (nothing dropped) is copied before it is written
    mapped_cols = {"submission_type", "pathway", "outcome"}  # codes or NaN, never ""
    for c, arr in scols.items():
        if c in mapped_cols:
            continue
        if isinstance(arr, np.ndarray) and arr.dtype == object:
            # performance: blanks found from the distinct values of the raw column
            blank = kept_rows(_blank(subs, c, fz).to_numpy()) if c in subs else arr == ""
            if blank.any():
                arr = arr.copy() if every_s else arr
                arr[blank] = np.nan
                scols[c] = arr
    # performance: windows and promise dates per distinct submission date (both are
    # element-wise functions of the date), spread with one take
    submitted = pd.Series(scols["submitted_on"])
    sub_codes, sub_days = pd.factorize(submitted, sort=False)
    day_windows = calendar.windows_of(pd.Series(sub_days)).to_numpy(dtype=object)
    window = _spread(day_windows, sub_codes, pd.NA)
    scols["window"] = window
    w_codes, w_uniques = pd.factorize(window, sort=False)
    if (w_codes >= 0).all():  # performance: the year of each distinct window
        scols["year"] = (
            pd.Series(w_uniques, dtype=object).str.slice(0, 4).astype("int64").to_numpy()[w_codes]
        )
    else:
        scols["year"] = pd.Series(window, dtype=object).str.slice(0, 4).astype("int64").to_numpy()
    # The promise rule lives once, in scheme; applied per distinct submission date.
    due = np.array(
        [np.datetime64(scheme.promise_due(d), "ns") for d in sub_days], dtype="datetime64[ns]"
    )
    scols["promise_due"] = _spread(due, sub_codes, np.datetime64("NaT", "ns"))
    scols["turnaround_days"] = (
        (pd.Series(scols["result_on"]) - submitted).dt.days.astype("float64").to_numpy()
    )
    first_cols = [
        "submission_id",
        "portfolio_id",
        "attempt",
        "submission_type",
        "pathway",
        "submitted_on",
        "allocated_on",
        "assessed_on",
        "result_on",
        "outcome",
        "lead_assessor",
        "second_assessor",
        "second_nominated",
        "sector",
        "window",
        "year",
        "promise_due",
        "turnaround_days",
    ]
    if "sector" not in scols:
        scols["sector"] = np.full(len(kept), np.nan)
    s = pd.DataFrame(
        {c: scols[c] for c in first_cols + [c for c in scols if c not in first_cols]},
        index=pd.RangeIndex(len(kept)),
        copy=False,
    )

    # performance: the ratings table is built once, in its final column order, from
    # the kept rows of each column (no intermediate copies of the whole table)
    keep = np.flatnonzero((~bad_r).to_numpy())
    rfirst = [
        "submission_id",
        "section",
        "lead",
        "second",
        "final",
        "gaps",
        *[f"gap_{e}" for e in scheme.GAP_ELEMENTS],
    ]
    made: dict[str, np.ndarray | pd.api.extensions.ExtensionArray] = {
        "section": section.to_numpy(dtype=object),
        **{c: rating_cols[c].to_numpy(dtype=object) for c in ("lead", "second", "final")},
        "gaps": gap_flags["gaps"],
        **{f"gap_{e}": gap_flags[f"gap_{e}"] for e in scheme.GAP_ELEMENTS},
    }
    order = [*rfirst, *[c for c in rats.columns if c not in rfirst]]
    # copy=False: every array is new and owned here (or, with nothing to drop, taken
    # from this function's own working tables), so no copy and no consolidation (one
    # block per column, as the old column-by-column assignment left them)
    every = len(keep) == len(rats)
    cols = {}
    for c in order:
        col = made[c] if c in made else rats[c].to_numpy()
        cols[c] = col if every else col[keep]
    r = pd.DataFrame(cols, index=pd.RangeIndex(len(keep)), copy=False)
    # these hold no blank text by construction: mapped codes or NaN, and a required key
    r = _blank_to_nan(r, no_blank=("submission_id", "section", "lead", "second", "final", "gaps"))
    return Validated(s, r, asrs_out, p.frame())


def _nominated(subs: pd.DataFrame, fz: _Factors, nominated: pd.Series) -> pd.arrays.BooleanArray:
    """``nominated.astype("boolean")`` (values True, False or NaN), made per distinct
    value of the raw column (performance: no per-cell type inference)."""
    if "second_nominated" not in subs:
        return nominated.astype("boolean").array
    codes, uniques = fz.get(subs, "second_nominated")
    mapped = [BOOL_ALIASES.get(_key(u), None) for u in uniques]
    value_u = np.array([m is True for m in mapped] + [False], dtype=bool)
    na_u = np.array([m is None for m in mapped] + [True], dtype=bool)
    return pd.arrays.BooleanArray(value_u[codes], na_u[codes])


def _blank_to_nan(frame: pd.DataFrame, no_blank: Iterable[str] = ()) -> pd.DataFrame:
    """Blank text to NaN in every object column.

    Performance: column by column (``mask`` keeps the object dtype, so this equals
    masking all object columns at once), only columns that hold a blank are rewritten,
    and ``no_blank`` names columns known to hold none, which are not scanned.
    """
    skip = set(no_blank)
    for c in frame.columns:
        if c in skip or frame[c].dtype != object:
            continue
        blank = frame[c].to_numpy() == ""
        if blank.any():
            frame[c] = frame[c].mask(blank)
    return frame


def _gaps(
    raw: pd.Series, factors: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[dict[str, np.ndarray | pd.arrays.BooleanArray], pd.Series]:
    """Parse ``gaps`` cells into canonical text and three nullable flags, per distinct value.

    Returns the columns by name, one value per row (``gaps`` object, ``gap_<element>``
    nullable boolean, NA when the cell is blank or bad) and the mask of cells holding an unknown element.
    ``factors``: ``raw`` already factorised (see :class:`_Factors`).
    """
    codes, uniques = factors if factors is not None else pd.factorize(raw, sort=False)
    n_el = len(scheme.GAP_ELEMENTS)
    # one slot per distinct value, and a last one for a missing cell (code -1)
    canon = np.full(len(uniques) + 1, np.nan, dtype=object)
    flags = np.zeros((len(uniques) + 1, n_el), dtype=bool)
    na = np.ones(len(uniques) + 1, dtype=bool)
    bad = np.zeros(len(uniques) + 1, dtype=bool)
    for i, u in enumerate(uniques):
        parts = [t for t in re.split(r"[;,/|+]|\band\b", _key(u)) if t.strip()]
        elems = {GAP_ALIASES.get(t.strip(), None) for t in parts}
        if u.strip() == "" or not parts:
            continue
        if None in elems:
            bad[i] = True
            continue
        canon[i] = ";".join(e for e in scheme.GAP_ELEMENTS if e in elems)
        flags[i] = [e in elems for e in scheme.GAP_ELEMENTS]
        na[i] = False
    # performance: intp codes (numpy would convert int32 codes on every gather), one
    # contiguous 1-D gather per flag instead of a 2-D fancy index, and no gather of
    # ``bad`` when no distinct value is bad
    codes = np.asarray(codes, dtype=np.intp)
    rows_na = na[codes]
    # performance: plain arrays, not a DataFrame (no block consolidation copies)
    out: dict[str, np.ndarray | pd.arrays.BooleanArray] = {"gaps": canon[codes]}
    for j, e in enumerate(scheme.GAP_ELEMENTS):
        out[f"gap_{e}"] = pd.arrays.BooleanArray(
            np.ascontiguousarray(flags[:, j])[codes], rows_na.copy()
        )
    bad_rows = bad[codes] if bad.any() else np.zeros(len(codes), dtype=bool)
    return out, pd.Series(bad_rows, index=raw.index)
