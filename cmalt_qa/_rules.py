"""The quarantine rules of CONTRACT.md section 1, one named function each.

A rule reads the :class:`~cmalt_qa._context.Context` (the tables, the rows kept out so
far, the parsed columns) and returns :class:`Finding` s: the rows it quarantines in one
table and column, and the message each gets. :func:`cmalt_qa._validate.validate` runs
:data:`REGISTRY` in order, lists every finding in ``problems`` and keeps its rows out.

The order of :data:`REGISTRY` is the order rules are applied: a rule that looks only at
rows still valid (``ctx.bad``) sees the rows kept out by every rule before it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from . import scheme
from ._context import ALIASES, EXPECTED, Context

__all__ = ["Finding", "Rule", "REGISTRY", "QUARANTINE_RULES"]

Message = str | Callable[[pd.Series], str]


@dataclass
class Finding:
    """Rows of one table quarantined by a rule, for one column.

    ``message``: the same text for every row, or a function of the row (a row of
    ``frame``, which defaults to the table itself). ``value``: what the problem line
    quotes (default: the cell of ``column``).
    """

    table: str
    mask: pd.Series | np.ndarray
    column: str
    message: Message
    value: pd.Series | None = None
    frame: pd.DataFrame | None = None


@dataclass(frozen=True)
class Rule:
    """A quarantine rule: its name (the ``rule`` column of problems), a one-line
    description, and the function that finds its rows."""

    name: str
    description: str
    find: Callable[[Context], list[Finding]]


REGISTRY: list[Rule] = []
"""Every quarantine rule, in the order they are applied."""


def rule(name: str, description: str) -> Callable:
    """Register the decorated function as the rule ``name``."""

    def register(find: Callable[[Context], list[Finding]]) -> Callable:
        REGISTRY.append(Rule(name, description, find))
        return find

    return register


# --------------------------------------------------------------------------- cells
@rule("formula_not_stored", "a workbook formula whose result the file does not hold")
def formula_not_stored(ctx: Context) -> list[Finding]:
    """A workbook cell holding a formula with no stored result (a file written by a
    script and never opened in Excel): read as blank it would change the row's
    meaning (an open case instead of a decided one), so the row is kept out."""
    return [
        Finding(
            t.name,
            mask,
            c,
            f"{c} holds a formula whose result the workbook does not store (saved by a "
            "script?): open the workbook in Excel and save it, or paste the values",
        )
        for t in ctx.tables.values()
        if t is not None
        for c, mask in ctx.formula_cells(t).items()
    ]


_ALLOCATION: Final[frozenset[str]] = frozenset({"lead_assessor", "second_assessor"})
"""Required columns that stay blank while a submission awaits allocation."""


@rule("missing_value", "a required cell is blank")
def missing_value(ctx: Context) -> list[Finding]:
    """A required column left blank, in any table. The assessors of a submission
    awaiting allocation (no allocation date, result or ratings yet) may be blank."""
    out = []
    for t in ctx.tables.values():
        if t is None:
            continue
        for c in scheme.REQUIRED_COLUMNS[t.name]:
            if t.name == "submissions" and c in _ALLOCATION:
                out.append(
                    Finding(
                        t.name,
                        t.blank(c) & ~ctx.awaiting_allocation,
                        c,
                        f"{c} is required but blank (it may be blank only while the "
                        "submission awaits allocation: no allocated_on, result or ratings)",
                    )
                )
            else:
                out.append(Finding(t.name, t.blank(c), c, f"{c} is required but blank"))
    return out


@rule("unknown_code", "a value that is not one of the codes (or the form's phrases)")
def unknown_code(ctx: Context) -> list[Finding]:
    """A coded cell (pathway, outcome, section, rating, ...) that is no known code or
    phrase; a ``gaps`` cell naming no known element."""
    out = [
        Finding(
            table,
            pd.Series(ctx.mapped(table, c)[1], index=ctx.tables[table].index),
            c,
            lambda r, c=c: f"{c} {r[c]!r} is not a known code; expected {EXPECTED[c]}",
        )
        for table, c in ALIASES
    ]
    out.append(
        Finding(
            "ratings",
            ctx.gaps[1],
            "gaps",
            lambda r: (
                f"gaps {r['gaps']!r} holds an element that is not "
                "description, evidence or reflection (separate elements with ';')"
            ),
        )
    )
    return out


_DATE_FORMS: Final[dict[str, str]] = {
    "auto": "YYYY-MM-DD, or day first as in 31/01/2025 or 31 Jan 2025",
    "dayfirst": "YYYY-MM-DD, or day first as in 31/01/2025 or 31 Jan 2025",
    "monthfirst": "YYYY-MM-DD, or month first as in 01/31/2025, or 31 Jan 2025",
    "iso": "YYYY-MM-DD (the dates option is iso)",
}


@rule("bad_date", "a date that cannot be read (see the accepted forms) or does not exist")
def bad_date(ctx: Context) -> list[Finding]:
    """A date cell that does not parse (in the forms of :mod:`cmalt_qa._dates`)."""
    forms = _DATE_FORMS[ctx.date_mode]
    return [
        Finding(
            "submissions",
            ctx.dates[c].isna() & ~ctx.subs.blank(c) & ~ctx.far_dates[c],
            c,
            lambda r, c=c: f"{c} {r[c]!r} is not a date: expected {forms} (a day that exists)",
        )
        for c in scheme.DATE_COLUMNS
    ]


@rule("implausible_date", "a date far outside the data's span (before 2000, far in the future)")
def implausible_date(ctx: Context) -> list[Finding]:
    """A date before 2000, after 2100, or more than a year after every other date of
    the file (a small far tail, e.g. 2062 typed for 2026): see
    :func:`cmalt_qa._dates.implausible`."""
    return [
        Finding(
            "submissions",
            ctx.implausible_dates[c],
            c,
            lambda r, c=c: (
                f"{c} {r[c]!r} is implausible for this export: before 2000, after 2100, or "
                "more than a year after every other date in the file (a typing slip?)"
            ),
        )
        for c in scheme.DATE_COLUMNS
    ]


@rule("date_order", "dates out of order (e.g. result before submission)")
def date_order(ctx: Context) -> list[Finding]:
    """A later step dated before an earlier one (result before submission, ...)."""
    d = ctx.dates
    return [
        Finding(
            "submissions",
            (d[late] < d[early]).fillna(False),
            late,
            lambda r, e=early, la=late: f"{la} {r[la]} is before {e} {r[e]}",
        )
        for early, late in scheme.DATE_ORDER
    ]


@rule("bad_number", "a number that is not a whole number >= 0")
def bad_number(ctx: Context) -> list[Finding]:
    """An assessor's ``prior_assessments`` that is not a whole number >= 0."""
    if ctx.asrs is None:
        return []
    raw, num = ctx.prior_assessments
    m = (raw != "") & (num.isna() | (num < 0) | (num % 1 != 0))
    return [
        Finding(
            "assessors",
            m,
            "prior_assessments",
            lambda r: f"prior_assessments {r['prior_assessments']!r} is not a whole number >= 0",
        )
    ]


# --------------------------------------------------------------------------- submissions
@rule("same_assessor", "the same assessor as lead and second")
def same_assessor(ctx: Context) -> list[Finding]:
    """Lead and second assessor are the same key."""
    # performance: on integer codes, with each distinct second assessor located among
    # the distinct lead assessors (-2: blank, missing or not a lead id, never equal)
    lead_codes, lead_u = ctx.subs.factors("lead_assessor")
    sec_codes, sec_u = ctx.subs.factors("second_assessor")
    sec_in_lead = np.append(pd.Index(lead_u).get_indexer(sec_u), -2)
    sec_in_lead[:-1][np.asarray(sec_u == "", dtype=bool)] = -2
    sec_in_lead[sec_in_lead == -1] = -2
    same = pd.Series(lead_codes == sec_in_lead[sec_codes], index=ctx.subs.index)
    return [
        Finding(
            "submissions",
            same,
            "second_assessor",
            lambda r: (
                f"assessor {r['second_assessor']!r} is both lead and second; "
                "a portfolio needs two different assessors"
            ),
        )
    ]


@rule("attempt_type", "the submission type does not fit the attempt")
def attempt_type(ctx: Context) -> list[Finding]:
    """A first submission or review on attempt 2, a resubmission on attempt 1."""
    att1, att2 = ctx.attempts
    code = ctx.type_code
    m = ((code == 1) & att1) | (((code == 0) | (code == 2)) & att2)
    return [
        Finding(
            "submissions",
            pd.Series(m, index=ctx.subs.index),
            "submission_type",
            lambda r: (
                f"submission_type {r.get('submission_type', '')!r} does not "
                f"fit attempt {r['attempt']}: a first submission or review is attempt 1, "
                "a resubmission attempt 2"
            ),
        )
    ]


@rule("outcome_for_attempt", "an outcome the attempt cannot have")
def outcome_for_attempt(ctx: Context) -> list[Finding]:
    """Fail on attempt 1; a referral or distinction on attempt 2."""
    att1, att2 = ctx.attempts
    known = ctx.outcome_code >= 0
    m = known & (
        (att1 & ~ctx.outcome_in(scheme.OUTCOMES_BY_ATTEMPT[1]))
        | (att2 & ~ctx.outcome_in(scheme.OUTCOMES_BY_ATTEMPT[2]))
    )
    return [
        Finding(
            "submissions",
            pd.Series(m, index=ctx.subs.index),
            "outcome",
            lambda r: (
                f"outcome {r['outcome']!r} is not possible on attempt "
                f"{r['attempt']}: a first submission ends in distinction, pass, minor "
                "or major referral; a resubmission in pass or fail"
            ),
        )
    ]


@rule("outcome_without_result_date", "an outcome without a result date")
def outcome_without_result_date(ctx: Context) -> list[Finding]:
    """An outcome is given and ``result_on`` is blank."""
    m = (ctx.outcome_code >= 0) & ctx.dates["result_on"].isna() & ~ctx.subs.blank("outcome")
    m &= ctx.subs.blank("result_on")  # True throughout when the column is absent
    return [
        Finding(
            "submissions",
            m,
            "result_on",
            lambda r: f"outcome {r['outcome']!r} is given but result_on is blank",
        )
    ]


@rule("result_without_outcome", "a result date without an outcome")
def result_without_outcome(ctx: Context) -> list[Finding]:
    """A result date is given and the outcome is blank."""
    m = ~(ctx.outcome_code >= 0) & ctx.dates["result_on"].notna() & ctx.subs.blank("outcome")
    return [
        Finding(
            "submissions",
            m,
            "outcome",
            lambda r: f"result_on {r['result_on']} is given but the outcome is blank",
        )
    ]


# --------------------------------------------------------------------------- keys
def _duplicates(
    ctx: Context,
    table: str,
    keys: list[str],
    ok: pd.Series,
    key_codes: np.ndarray,
    frame: pd.DataFrame | None = None,
) -> list[Finding]:
    """Rows (among ``ok``) sharing a key: all of them, since nothing says which copy is
    right. ``key_codes``: one integer per row, equal exactly when the keys are equal."""
    t = ctx.tables[table]
    frame = t.frame if frame is None else frame  # type: ignore[union-attr]
    okn = np.asarray(ok, dtype=bool)
    counts = np.bincount(key_codes[okn], minlength=int(key_codes.max(initial=0)) + 1)
    mask = pd.Series(okn & (counts[key_codes] > 1), index=frame.index)
    if not mask.any():
        return []
    rows = (
        frame.loc[mask].groupby(keys, sort=False)["row"].transform(lambda r: ", ".join(map(str, r)))
    )
    frame = frame.assign(_rows=rows.reindex(frame.index))
    label = " and ".join(keys)
    return [
        Finding(
            table,
            mask,
            keys[-1],
            lambda r: (
                f"{label} {' / '.join(r[k] for k in keys)!r} appears on rows "
                f"{r['_rows']}; keys must be unique, so every copy is kept out"
            ),
            value=frame[keys[-1]],
            frame=frame,
        )
    ]


@rule("duplicate_key", "the same key on more than one row")
def duplicate_key(ctx: Context) -> list[Finding]:
    """The same submission id, submission id and section, or assessor id twice."""
    s, r = ctx.subs, ctx.rats
    out = _duplicates(
        ctx,
        "submissions",
        ["submission_id"],
        ~s.blank("submission_id"),
        s.factors("submission_id")[0].astype(np.int64),
    )
    key_ok = ~ctx.bad["ratings"] & ~r.blank("submission_id")
    # performance: the ratings' keys as one integer per row; the table copied only
    # when a key repeats
    pair = (
        ctx.rating_ids[0].astype(np.int64) * (len(r.factors("section")[1]) + 2) + ctx.section_codes
    )
    ok_n = key_ok.to_numpy()
    if (np.bincount(pair if ok_n.all() else pair[ok_n], minlength=1) > 1).any():
        section = ctx.mapped("ratings", "section")[0]
        keys = pd.DataFrame(
            {
                "submission_id": r.frame["submission_id"],
                "section": section.fillna(""),
                "row": r.frame["row"],
            }
        )
        out += _duplicates(ctx, "ratings", ["submission_id", "section"], key_ok, pair, keys)
    if ctx.asrs is not None:
        codes = ctx.asrs.factors("assessor_id")[0].astype(np.int64)
        out += _duplicates(ctx, "assessors", ["assessor_id"], ~ctx.bad["assessors"], codes)
    return out


# --------------------------------------------------------------------------- ratings
@rule("unknown_submission", "a rating for a submission that is not in submissions")
def unknown_submission(ctx: Context) -> list[Finding]:
    """A rating row whose submission id is not in submissions."""
    m = ~ctx.known & ~ctx.rats.blank("submission_id")
    return [
        Finding(
            "ratings",
            m,
            "submission_id",
            lambda r: f"submission_id {r['submission_id']!r} is not in {ctx.subs.file}",
        )
    ]


@rule("section_not_on_pathway", "a section the pathway does not have")
def section_not_on_pathway(ctx: Context) -> list[Finding]:
    """A section the submission's pathway does not have (6a on CMALT, ...)."""
    # one extra row and column of True, so code -1 (unknown section or pathway, which
    # passes here and is reported by its own rule) indexes it directly
    present = np.ones((len(scheme.SECTIONS) + 1, len(scheme.PATHWAYS) + 1), dtype=bool)
    present[:-1, :-1] = [
        [scheme.requirement(sc, pw) != "absent" for pw in scheme.PATHWAYS] for sc in scheme.SECTIONS
    ]
    m = ~present[ctx.section_index, ctx.rating_pathway_code] & ~ctx.bad["ratings"]
    if not m.any():  # performance: assign copies the table
        return []
    frame = ctx.rats.frame.assign(_p=ctx.rating_pathway_text())
    return [
        Finding(
            "ratings",
            m,
            "section",
            lambda r: f"section {r['section']!r} is not assessed on the {r['_p']} pathway",
            frame=frame,
        )
    ]


# --------------------------------------------------------------------------- across
@rule("outcome_contradicts_ratings", "the outcome contradicts the final section ratings")
def outcome_contradicts_ratings(ctx: Context) -> list[Finding]:
    """A pass with a final R; a referral or fail with final ratings and no R."""
    # judged on every final that parses, even on a row kept out for another reason,
    # so that one bad cell elsewhere does not make the outcome look wrong
    any_r = ctx.submissions_with_final("R")
    any_final = ctx.submissions_with_final("any")
    passing = ctx.outcome_in(scheme.PASSING_OUTCOMES)
    needs_r = ctx.outcome_in(scheme.REFERRAL_OUTCOMES | {"fail"})
    m = ~ctx.bad["submissions"] & ((passing & any_r) | (needs_r & any_final & ~any_r))
    if not m.any():  # performance: assign copies the table
        return []
    frame = ctx.subs.frame.assign(_o=ctx.mapped("submissions", "outcome")[0])
    return [Finding("submissions", m, "outcome", _contradiction, frame=frame)]


def _contradiction(r: pd.Series) -> str:
    why = (
        "a pass needs every section A or better, yet a final R is recorded"
        if r["_o"] in scheme.PASSING_OUTCOMES
        else "a referral or fail needs at least one final R, yet none is recorded"
    )
    return f"outcome {r['_o']!r} contradicts the final ratings: {why}"


@rule("orphan_resubmission", "a resubmission with no referred first attempt")
def orphan_resubmission(ctx: Context) -> list[Finding]:
    """Attempt 2 with no valid, referred attempt 1 of the same portfolio."""
    att1, att2 = ctx.attempts
    ok = ~ctx.bad["submissions"]
    first = ok & att1 & (ctx.type_code != 2) & ctx.outcome_in(scheme.REFERRAL_OUTCOMES)
    # performance: by distinct portfolio id (codes), not by hashing the ids again
    codes, uniques = ctx.subs.factors("portfolio_id")
    referred = np.zeros(len(uniques) + 1, dtype=bool)
    referred[codes[first.to_numpy()]] = True
    referred[-1] = False  # a missing id is never "in" a set of ids
    return [
        Finding(
            "submissions",
            ok & att2 & ~referred[codes],
            "portfolio_id",
            lambda r: (
                f"resubmission of portfolio {r['portfolio_id']!r} has no "
                "valid first attempt with a referral (minor or major) in the data"
            ),
        )
    ]


@rule("submission_quarantined", "a rating whose submission was kept out")
def submission_quarantined(ctx: Context) -> list[Finding]:
    """A rating row of a submission kept out (its ratings follow it)."""
    codes, uniques = ctx.subs.factors("submission_id")
    bad_u = np.zeros(len(uniques) + 1, dtype=bool)
    bad_u[codes[ctx.bad["submissions"].to_numpy()]] = True
    pos = ctx.position
    m = (
        pd.Series(
            ctx.per_rating(np.where(pos >= 0, bad_u[pos], False), False), index=ctx.rats.index
        )
        & ctx.known
        & ~ctx.bad["ratings"]
    )
    return [
        Finding(
            "ratings",
            m,
            "submission_id",
            lambda r: (
                f"submission {r['submission_id']!r} was kept out (see "
                f"{ctx.subs.file}), so its ratings are too"
            ),
        )
    ]


QUARANTINE_RULES: Final[dict[str, str]] = {r.name: r.description for r in REGISTRY}
"""Every quarantine rule, by name, with a one-line description (in the order applied):
the values of the ``rule`` column of ``Records.problems``."""
