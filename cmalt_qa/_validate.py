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
OUTCOME_ALIASES: Final = _aliases(
    (c, [scheme.OUTCOME_NAMES[c]]) for c in scheme.OUTCOMES
) | {
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
SECTION_ALIASES: Final = {_key(s): s for s in scheme.SECTIONS} | {
    f"{s}.0": s for s in ("4",)
}
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
    "desc": "description", "reflective": "reflection", "reflect": "reflection",
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
        vals = (value.loc[m] if value is not None else sub[column] if column in sub else "")
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


def _map_codes(col: pd.Series, aliases: dict) -> pd.Series:
    """Map each distinct value once; unknown (non-blank) values become NaN."""
    codes, uniques = pd.factorize(col, sort=False)
    mapped = np.array([aliases.get(_key(u), np.nan) for u in uniques], dtype=object)
    out = np.full(len(col), np.nan, dtype=object)
    ok = codes >= 0
    out[ok] = mapped[codes[ok]]
    return pd.Series(out, index=col.index)


def _parse_dates(col: pd.Series) -> pd.Series:
    """ISO dates (a midnight time, as Excel exports give, is accepted); others NaT."""
    s = col.str.replace(r"[T ]00:00(:00(\.0+)?)?$", "", regex=True)
    return pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")


def _fmt_date(value: object) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def add_months(dates: pd.Series, months: int) -> pd.Series:
    """Vectorised :func:`cmalt_qa.scheme.add_months` for a datetime Series (NaT kept)."""
    ok = dates.notna()
    out = pd.Series(pd.NaT, index=dates.index, dtype="datetime64[ns]")
    if not ok.any():
        return out
    d = dates[ok]
    total = d.dt.year.to_numpy() * 12 + (d.dt.month.to_numpy() - 1) + months
    year, month = total // 12, total % 12 + 1
    first = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1}))
    last_day = first.dt.days_in_month.to_numpy()
    day = np.minimum(d.dt.day.to_numpy(), last_day)
    out.loc[ok] = (first + pd.to_timedelta(day - 1, unit="D")).to_numpy()
    return out


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


def check_personal_cells(file: str, frame: pd.DataFrame) -> None:
    """Refuse a table in which any cell looks like an e-mail address or, in a key
    column, a person's name."""
    for c in frame.columns:
        if c == "row":
            continue
        uniques = pd.unique(frame[c])
        for u in uniques:
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
def _blank(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame:
        return pd.Series(True, index=frame.index)
    return frame[col] == ""


def _required(file: str, frame: pd.DataFrame, cols: Iterable[str], p: _Problems) -> pd.Series:
    bad = pd.Series(False, index=frame.index)
    for c in cols:
        m = _blank(frame, c)
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
) -> tuple[pd.Series, pd.Series]:
    """Normalised column and the mask of rows with an unknown (non-blank) value."""
    raw = frame[col] if col in frame else pd.Series("", index=frame.index)
    mapped = _map_codes(raw, aliases)
    bad = mapped.isna() & (raw != "")
    p.add(
        file, frame, bad, col, "unknown_code",
        lambda r: f"{col} {r[col]!r} is not a known code; expected {expected}",
    )
    return mapped, bad


def _duplicates(
    file: str, frame: pd.DataFrame, keys: list[str], ok: pd.Series, p: _Problems
) -> pd.Series:
    """Rows of ``frame`` (among ``ok``) sharing a key: all of them are quarantined,
    since nothing says which copy is right."""
    sub = frame.loc[ok, keys]
    dup = sub.duplicated(keep=False)
    mask = pd.Series(False, index=frame.index)
    mask.loc[dup[dup].index] = True
    if mask.any():
        first_row = frame.loc[mask].groupby(keys, sort=False)["row"].transform(
            lambda r: ", ".join(map(str, r))
        )
        frame = frame.assign(_rows=first_row.reindex(frame.index))
        label = " and ".join(keys)
        p.add(
            file, frame, mask, keys[-1], "duplicate_key",
            lambda r: f"{label} {' / '.join(r[k] for k in keys)!r} appears on rows "
            f"{r['_rows']}; keys must be unique, so every copy is kept out",
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
) -> Validated:
    """Apply every rule. ``subs``/``rats``/``asrs`` are string tables with a ``row`` column."""
    p = _Problems()
    fs, fr, fa = names["submissions"], names["ratings"], names["assessors"]

    # ---- submissions: cell rules ---------------------------------------------------
    bad_s = _required(fs, subs, SUBMISSION_REQUIRED, p)
    pathway, b = _codes(fs, subs, "pathway", PATHWAY_ALIASES,
                        "ACMALT, CMALT or SCMALT (or Associate / Senior CMALT)", p)
    bad_s |= b
    attempt, b = _codes(fs, subs, "attempt", ATTEMPT_ALIASES, "1 or 2", p)
    bad_s |= b
    outcome, b = _codes(fs, subs, "outcome", OUTCOME_ALIASES,
                        "distinction, pass, minor, major or fail (or the form's phrases)", p)
    bad_s |= b
    stype, b = _codes(fs, subs, "submission_type", TYPE_ALIASES,
                      "first, resubmission or review", p)
    bad_s |= b
    nominated, b = _codes(fs, subs, "second_nominated", BOOL_ALIASES, "true or false", p)
    bad_s |= b

    dates: dict[str, pd.Series] = {}
    for c in DATE_COLUMNS:
        raw = subs[c] if c in subs else pd.Series("", index=subs.index)
        d = _parse_dates(raw)
        m = d.isna() & (raw != "")
        p.add(fs, subs, m, c, "bad_date",
              lambda r, c=c: f"{c} {r[c]!r} is not a date in the form YYYY-MM-DD "
              "(or the day does not exist)")
        bad_s |= m
        dates[c] = d
    order = [("submitted_on", "allocated_on"), ("allocated_on", "assessed_on"),
             ("submitted_on", "assessed_on"), ("submitted_on", "result_on"),
             ("assessed_on", "result_on")]
    for early, late in order:
        m = (dates[late] < dates[early]).fillna(False)
        p.add(fs, subs, m, late, "date_order",
              lambda r, e=early, l=late: f"{l} {r[l]} is before {e} {r[e]}")
        bad_s |= m

    same = (subs["lead_assessor"] == subs["second_assessor"]) & (subs["lead_assessor"] != "")
    p.add(fs, subs, same, "second_assessor", "same_assessor",
          lambda r: f"assessor {r['second_assessor']!r} is both lead and second; "
          "a portfolio needs two different assessors")
    bad_s |= same

    # blank type: from attempt (1 -> first, 2 -> resubmission)
    stype = stype.where(~_blank(subs, "submission_type"),
                        attempt.map({1: "first", 2: "resubmission"}))
    m = ((stype == "resubmission") & (attempt == 1)) | (stype.isin(["first", "review"]) & (attempt == 2))
    p.add(fs, subs, m, "submission_type", "attempt_type",
          lambda r: f"submission_type {r.get('submission_type', '')!r} does not fit attempt "
          f"{r['attempt']}: a first submission or review is attempt 1, a resubmission attempt 2")
    bad_s |= m

    allowed1, allowed2 = scheme.OUTCOMES_BY_ATTEMPT[1], scheme.OUTCOMES_BY_ATTEMPT[2]
    m = outcome.notna() & (((attempt == 1) & ~outcome.isin(allowed1)) |
                           ((attempt == 2) & ~outcome.isin(allowed2)))
    p.add(fs, subs, m, "outcome", "outcome_for_attempt",
          lambda r: f"outcome {r['outcome']!r} is not possible on attempt {r['attempt']}: "
          "a first submission ends in distinction, pass, minor or major referral; "
          "a resubmission in pass or fail")
    bad_s |= m
    m = outcome.notna() & dates["result_on"].isna() & ~_blank(subs, "outcome")
    m &= (subs["result_on"] == "") if "result_on" in subs else True
    p.add(fs, subs, m, "result_on", "outcome_without_result_date",
          lambda r: f"outcome {r['outcome']!r} is given but result_on is blank")
    bad_s |= m
    m = outcome.isna() & dates["result_on"].notna() & _blank(subs, "outcome")
    p.add(fs, subs, m, "outcome", "result_without_outcome",
          lambda r: f"result_on {r['result_on']} is given but the outcome is blank")
    bad_s |= m

    bad_s |= _duplicates(fs, subs, ["submission_id"], ~_blank(subs, "submission_id"), p)

    # ---- ratings: cell rules --------------------------------------------------------
    bad_r = _required(fr, rats, RATING_REQUIRED, p)
    section, b = _codes(fr, rats, "section", SECTION_ALIASES,
                        "one of " + " ".join(scheme.SECTIONS), p)
    bad_r |= b
    rating_cols: dict[str, pd.Series] = {}
    for c in ("lead", "second", "final"):
        rating_cols[c], b = _codes(fr, rats, c, RATING_ALIASES,
                                   "S, A or R (Strong, Adequate, Revisions required)", p)
        bad_r |= b
    gaps_raw = rats["gaps"] if "gaps" in rats else pd.Series("", index=rats.index)
    gap_flags, b = _gaps(gaps_raw)
    p.add(fr, rats, b, "gaps", "unknown_code",
          lambda r: f"gaps {r['gaps']!r} holds an element that is not description, "
          "evidence or reflection (separate elements with ';')")
    bad_r |= b
    key_ok = ~bad_r & ~_blank(rats, "submission_id")
    rats_k = rats.assign(section=section.fillna(""))
    bad_r |= _duplicates(fr, rats_k, ["submission_id", "section"], key_ok, p)

    known = rats["submission_id"].isin(subs["submission_id"])
    m = ~known & ~_blank(rats, "submission_id")
    p.add(fr, rats, m, "submission_id", "unknown_submission",
          lambda r: f"submission_id {r['submission_id']!r} is not in {fs}")
    bad_r |= m

    # ---- cross-table rules, to a fixed point -------------------------------------
    sub_idx = pd.Series(subs.index, index=subs["submission_id"])
    sub_idx = sub_idx[~sub_idx.index.duplicated(keep=False)]
    pathway_of = pd.Series(pathway.to_numpy(), index=subs["submission_id"])
    pathway_of = pathway_of[~pathway_of.index.duplicated(keep=False)]
    rat_path = rats["submission_id"].map(pathway_of)
    # section x pathway lookup by integer codes (vectorised; unknown codes pass here,
    # they are reported by their own rule)
    present = np.array([[scheme.requirement(sc, pw) != "absent" for pw in scheme.PATHWAYS]
                        for sc in scheme.SECTIONS])
    si = pd.Categorical(section, categories=scheme.SECTIONS).codes
    pi = pd.Categorical(rat_path, categories=scheme.PATHWAYS).codes
    known_pair = (si >= 0) & (pi >= 0)
    has = pd.Series(True, index=rats.index)
    has[known_pair] = present[si[known_pair], pi[known_pair]]
    m = ~has & ~bad_r
    p.add(fr, rats.assign(_p=rat_path), m, "section", "section_not_on_pathway",
          lambda r: f"section {r['section']!r} is not assessed on the {r['_p']} pathway")
    bad_r |= m

    # Judge outcomes on every final that parses, even on a row kept out for another
    # reason, so that one bad cell elsewhere does not make the outcome look wrong.
    final_r = rating_cols["final"] == "R"
    has_final = rating_cols["final"].notna()
    any_r = final_r.groupby(rats["submission_id"]).any()
    any_final = has_final.groupby(rats["submission_id"]).any()
    sid = subs["submission_id"]
    s_any_r = pd.Series(any_r.reindex(sid, fill_value=False).to_numpy(dtype=bool), index=subs.index)
    s_any_final = pd.Series(any_final.reindex(sid, fill_value=False).to_numpy(dtype=bool),
                            index=subs.index)
    passing = outcome.isin(list(scheme.PASSING_OUTCOMES))
    needs_r = outcome.isin(list(scheme.REFERRAL_OUTCOMES | {"fail"}))
    m = ~bad_s & ((passing & s_any_r) | (needs_r & s_any_final & ~s_any_r))
    p.add(fs, subs.assign(_o=outcome), m, "outcome", "outcome_contradicts_ratings",
          lambda r: f"outcome {r['_o']!r} contradicts the final ratings: "
          + ("a pass needs every section A or better, yet a final R is recorded"
             if r["_o"] in scheme.PASSING_OUTCOMES
             else "a referral or fail needs at least one final R, yet none is recorded"))
    bad_s |= m

    # resubmissions need a valid, referred first attempt of the same portfolio
    first = ~bad_s & (attempt == 1) & (stype != "review") & outcome.isin(list(scheme.REFERRAL_OUTCOMES))
    referred_portfolios = set(subs.loc[first, "portfolio_id"])
    m = ~bad_s & (attempt == 2) & ~subs["portfolio_id"].isin(referred_portfolios)
    p.add(fs, subs, m, "portfolio_id", "orphan_resubmission",
          lambda r: f"resubmission of portfolio {r['portfolio_id']!r} has no valid first "
          "attempt with a referral (minor or major) in the data")
    bad_s |= m

    # ratings follow their submission out
    bad_ids = set(subs.loc[bad_s, "submission_id"])
    m = rats["submission_id"].isin(bad_ids) & known & ~bad_r
    p.add(fr, rats, m, "submission_id", "submission_quarantined",
          lambda r: f"submission {r['submission_id']!r} was kept out (see {fs}), "
          "so its ratings are too")
    bad_r |= m

    # ---- assessors ----------------------------------------------------------------
    if asrs is None:
        asrs_out = pd.DataFrame({"assessor_id": pd.Series(dtype=object),
                                 "prior_assessments": pd.Series(dtype="float64")})
    else:
        bad_a = _required(fa, asrs, ASSESSOR_REQUIRED, p)
        raw = asrs["prior_assessments"] if "prior_assessments" in asrs else pd.Series("", index=asrs.index)
        num = pd.to_numeric(raw.where(raw != ""), errors="coerce")
        m = (raw != "") & (num.isna() | (num < 0) | (num % 1 != 0))
        p.add(fa, asrs, m, "prior_assessments", "bad_number",
              lambda r: f"prior_assessments {r['prior_assessments']!r} is not a whole number >= 0")
        bad_a |= m
        bad_a |= _duplicates(fa, asrs, ["assessor_id"], ~bad_a, p)
        asrs_out = asrs.loc[~bad_a].assign(prior_assessments=num[~bad_a].astype("float64"))
        asrs_out = _blank_to_nan(asrs_out).reset_index(drop=True)

    # ---- assemble ---------------------------------------------------------------
    ok = ~bad_s
    s = subs.loc[ok].copy()
    s["attempt"] = attempt[ok].astype("int64")
    s["submission_type"] = stype[ok].astype(object)
    s["pathway"] = pathway[ok].astype(object)
    s["outcome"] = outcome[ok].astype(object)
    for c in DATE_COLUMNS:
        s[c] = dates[c][ok].astype("datetime64[ns]")
    s["second_nominated"] = nominated[ok].astype("boolean")
    s = _blank_to_nan(s)
    s["window"] = calendar.windows_of(s["submitted_on"]).astype(object)
    s["year"] = s["window"].str.slice(0, 4).astype("int64")
    s["promise_due"] = add_months(s["submitted_on"], scheme.PROMISE_MONTHS)
    s["turnaround_days"] = (s["result_on"] - s["submitted_on"]).dt.days.astype("float64")
    first_cols = ["submission_id", "portfolio_id", "attempt", "submission_type", "pathway",
                  "submitted_on", "allocated_on", "assessed_on", "result_on", "outcome",
                  "lead_assessor", "second_assessor", "second_nominated", "sector",
                  "window", "year", "promise_due", "turnaround_days"]
    if "sector" not in s:
        s["sector"] = np.nan
    s = s[first_cols + [c for c in s.columns if c not in first_cols]].reset_index(drop=True)

    okr = ~bad_r
    r = rats.loc[okr].copy()
    r["section"] = section[okr].astype(object)
    for c in ("lead", "second", "final"):
        r[c] = rating_cols[c][okr].astype(object)
    r["gaps"] = gap_flags.loc[okr, "gaps"]
    for e in scheme.GAP_ELEMENTS:
        r[f"gap_{e}"] = gap_flags.loc[okr, f"gap_{e}"].astype("boolean")
    r = _blank_to_nan(r)
    rfirst = ["submission_id", "section", "lead", "second", "final", "gaps",
              *[f"gap_{e}" for e in scheme.GAP_ELEMENTS]]
    r = r[rfirst + [c for c in r.columns if c not in rfirst]].reset_index(drop=True)
    return Validated(s, r, asrs_out, p.frame())


def _blank_to_nan(frame: pd.DataFrame) -> pd.DataFrame:
    obj = [c for c in frame.columns if frame[c].dtype == object]
    if obj:
        frame[obj] = frame[obj].mask(frame[obj] == "")
    return frame


def _gaps(raw: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Parse ``gaps`` cells into canonical text and three nullable flags, per distinct value."""
    codes, uniques = pd.factorize(raw, sort=False)
    parsed = []
    for u in uniques:
        parts = [t for t in re.split(r"[;,/|+]|\band\b", _key(u)) if t.strip()]
        elems = {GAP_ALIASES.get(t.strip(), None) for t in parts}
        if u.strip() == "" or not parts:
            parsed.append((np.nan, pd.NA, pd.NA, pd.NA, False))
        elif None in elems:
            parsed.append((np.nan, pd.NA, pd.NA, pd.NA, True))
        else:
            canon = ";".join(e for e in scheme.GAP_ELEMENTS if e in elems)
            parsed.append((canon, *(e in elems for e in scheme.GAP_ELEMENTS), False))
    table = pd.DataFrame(
        parsed, columns=["gaps", *[f"gap_{e}" for e in scheme.GAP_ELEMENTS], "_bad"]
    )
    out = table.iloc[np.where(codes >= 0, codes, 0)].reset_index(drop=True) if len(uniques) else \
        pd.DataFrame(index=range(len(raw)), columns=table.columns)
    out.index = raw.index
    return out.drop(columns="_bad"), out["_bad"].astype(bool)
