"""What the quarantine rules read: the input tables, the rows kept out so far, and each
column parsed once (per distinct value; see :mod:`cmalt_qa._columns`).

A :class:`Context` lives for one validation; its parsed columns are cached on the
instance (never keyed on the identity of a frame).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

import numpy as np
import pandas as pd

from . import _columns as col
from . import _dates, scheme
from ._columns import Table

__all__ = ["Context", "EXPECTED"]

EXPECTED: dict[str, str] = {
    "pathway": "ACMALT, CMALT or SCMALT (or Associate / Senior CMALT)",
    "attempt": "1 or 2",
    "outcome": "distinction, pass, minor, major or fail (or the form's phrases)",
    "submission_type": "first, resubmission or review",
    "second_nominated": "true or false",
    "section": "one of " + " ".join(scheme.SECTIONS),
    "lead": "S, A or R (Strong, Adequate, Revisions required)",
    "second": "S, A or R (Strong, Adequate, Revisions required)",
    "final": "S, A or R (Strong, Adequate, Revisions required)",
}
"""What an ``unknown_code`` message says a coded column may hold."""

ALIASES: dict[tuple[str, str], object] = {
    ("submissions", "pathway"): scheme.PATHWAY_ALIASES,
    ("submissions", "attempt"): scheme.ATTEMPT_ALIASES,
    ("submissions", "outcome"): scheme.OUTCOME_ALIASES,
    ("submissions", "submission_type"): scheme.SUBMISSION_TYPE_ALIASES,
    ("submissions", "second_nominated"): scheme.BOOL_ALIASES,
    ("ratings", "section"): scheme.SECTION_ALIASES,
    **{("ratings", c): scheme.RATING_ALIASES for c in scheme.RATING_COLUMNS_SCORED},
}
"""The coded columns, in the order their problems are listed, with their words."""


class Context:
    """The tables of one validation, the rows kept out so far (``bad``), and the
    parsed columns the rules share."""

    def __init__(
        self,
        tables: dict[str, Table | None],
        calendar: scheme.Calendar,
        dates: str = "auto",
        serials: bool = False,
    ) -> None:
        self.tables = tables
        self.subs: Table = tables["submissions"]  # type: ignore[assignment]
        self.rats: Table = tables["ratings"]  # type: ignore[assignment]
        self.asrs: Table | None = tables["assessors"]
        self.calendar = calendar
        self.date_mode = dates  # see cmalt_qa._dates
        self.serials = serials  # Excel serial day numbers accepted (workbooks)
        self.bad: dict[str, pd.Series] = {
            t.name: pd.Series(False, index=t.index) for t in tables.values() if t is not None
        }
        self._mapped: dict[tuple[str, str], tuple[pd.Series, np.ndarray]] = {}

    def formula_cells(self, table: Table) -> dict[str, pd.Series]:
        """Per column: the cells that held a formula with no stored result (blank now)."""
        found = table.frame.attrs.get("formula_cells", {})
        rows = table.frame["row"]
        return {c: rows.isin(r) for c, r in found.items()}

    # ---------------------------------------------------------------- coded columns
    def mapped(self, table: str, column: str) -> tuple[pd.Series, np.ndarray]:
        """A coded column through its words (unknown -> NaN) and its unknown cells."""
        key = (table, column)
        if key not in self._mapped:
            self._mapped[key] = self.tables[table].mapped(column, ALIASES[key])  # type: ignore[union-attr]
        return self._mapped[key]

    @cached_property
    def _parsed_dates(self) -> dict[str, tuple[pd.Series, pd.Series]]:
        s = self.subs
        nat = np.datetime64("NaT", "ns")
        out = {}
        for c in scheme.DATE_COLUMNS:
            if c not in s:
                out[c] = (
                    pd.Series(np.full(len(s), nat), index=s.index, name=c),
                    pd.Series(False, index=s.index),
                )
                continue
            codes, uniques = s.factors(c)  # performance: parsed per distinct value
            parsed, far = _dates.parse_values(uniques, self.date_mode, self.serials)
            out[c] = (
                pd.Series(col.spread(parsed, codes, nat), index=s.index, name=c),
                pd.Series(col.spread(far, codes, False), index=s.index),
            )
        return out

    @property
    def dates(self) -> dict[str, pd.Series]:
        """Each date column parsed (NaT for blank, not a date, or after 2100)."""
        return {c: d for c, (d, _) in self._parsed_dates.items()}

    @property
    def far_dates(self) -> dict[str, pd.Series]:
        """Each date column's cells that are real dates after :data:`_dates.LATEST`."""
        return {c: f for c, (_, f) in self._parsed_dates.items()}

    @cached_property
    def implausible_dates(self) -> dict[str, pd.Series]:
        """Each date column's implausible dates (:func:`cmalt_qa._dates.implausible`)."""
        flags = _dates.implausible(self.dates.values())
        return {
            c: pd.Series(f, index=self.subs.index) | self.far_dates[c]
            for c, f in zip(self.dates, flags)
        }

    @cached_property
    def awaiting_allocation(self) -> pd.Series:
        """Submissions awaiting allocation: no ``allocated_on``, ``assessed_on``,
        ``result_on`` or outcome, and no rating row (their assessors may be blank)."""
        s = self.subs
        m = s.blank("allocated_on") & s.blank("assessed_on") & s.blank("result_on")
        m &= s.blank("outcome")
        ssid_codes, ssid_uniques = s.factors("submission_id")
        rated = np.zeros(len(ssid_uniques) + 1, dtype=bool)
        pos = self.position
        rated[pos[pos >= 0]] = True
        return m & ~rated[ssid_codes]

    @cached_property
    def attempts(self) -> tuple[np.ndarray, np.ndarray]:
        """Masks: attempt 1, attempt 2 (judged per distinct raw value)."""
        s = self.subs
        if "attempt" in s:
            att = [
                scheme.ATTEMPT_ALIASES.get(scheme.phrase_key(u), np.nan)
                for u in s.factors("attempt")[1]
            ]
            codes = s.factors("attempt")[0]
            return (
                col.spread(np.array([a == 1 for a in att], dtype=bool), codes, False),
                col.spread(np.array([a == 2 for a in att], dtype=bool), codes, False),
            )
        attempt = self.mapped("submissions", "attempt")[0]
        return (attempt == 1).to_numpy(), (attempt == 2).to_numpy()

    @cached_property
    def submission_type(self) -> pd.Series:
        """The mapped type, a blank taken from the attempt (1 first, 2 resubmission)."""
        stype = self.mapped("submissions", "submission_type")[0]
        attempt = self.mapped("submissions", "attempt")[0]
        return stype.where(
            ~self.subs.blank("submission_type"), attempt.map({1: "first", 2: "resubmission"})
        )

    @cached_property
    def type_code(self) -> np.ndarray:
        """Index of the submission type in first, resubmission, review (-1: none)."""
        att1, att2 = self.attempts
        att_type = np.where(att1, 0, np.where(att2, 1, -1))
        return np.where(
            self.subs.blank("submission_type").to_numpy(),
            att_type,
            self.subs.category_codes(
                "submission_type",
                scheme.SUBMISSION_TYPE_ALIASES,
                scheme.SUBMISSION_TYPES,
                self.submission_type,
            ),
        )

    @cached_property
    def outcome_code(self) -> np.ndarray:
        """Index of the outcome in :data:`scheme.OUTCOMES` (-1: blank or unknown)."""
        return self.subs.category_codes(
            "outcome",
            scheme.OUTCOME_ALIASES,
            scheme.OUTCOMES,
            self.mapped("submissions", "outcome")[0],
        )

    def outcome_in(self, values: Iterable[str]) -> np.ndarray:
        """``outcome.isin(values)`` through the codes (code -1, NaN, indexes a False)."""
        table = np.zeros(len(scheme.OUTCOMES) + 1, dtype=bool)
        table[[list(scheme.OUTCOMES).index(v) for v in values if v in scheme.OUTCOMES]] = True
        return table[self.outcome_code]

    @cached_property
    def pathway_code(self) -> np.ndarray:
        """Index of each submission's pathway in :data:`scheme.PATHWAYS` (-1: none)."""
        return self.subs.category_codes(
            "pathway",
            scheme.PATHWAY_ALIASES,
            scheme.PATHWAYS,
            self.mapped("submissions", "pathway")[0],
        )

    # ---------------------------------------------------------------- ratings
    @cached_property
    def gaps(self) -> tuple[dict[str, np.ndarray | pd.arrays.BooleanArray], pd.Series]:
        """The ``gaps`` columns parsed, and the cells holding an unknown element."""
        r = self.rats
        return col.gaps(r.raw("gaps"), r.factors("gaps") if "gaps" in r else None)

    @cached_property
    def section_codes(self) -> np.ndarray:
        """An integer per rating row, equal exactly when the normalised sections are
        equal (an unknown section counts as blank)."""
        raw_codes, raw = self.rats.factors("section")
        sec_of_raw = col.map_codes(pd.Series(raw, dtype=object), scheme.SECTION_ALIASES).fillna("")
        return pd.factorize(np.append(sec_of_raw.to_numpy(dtype=object), ""))[0][raw_codes]

    @cached_property
    def section_index(self) -> np.ndarray:
        """Index of each rating row's section in :data:`scheme.SECTIONS` (-1: none)."""
        raw_codes, raw = self.rats.factors("section")
        sec_of_raw = col.map_codes(pd.Series(raw, dtype=object), scheme.SECTION_ALIASES).fillna("")
        return col.spread(
            pd.Categorical(sec_of_raw.replace("", np.nan), categories=scheme.SECTIONS).codes,
            raw_codes,
            -1,
        )

    # ---------------------------------------------------------------- across tables
    @cached_property
    def rating_ids(self) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, uniques)`` of the ratings' submission ids."""
        return self.rats.factors("submission_id")

    @cached_property
    def position(self) -> np.ndarray:
        """Each distinct rating submission id's position among the distinct submission
        ids (-1: not there); every lookup across the tables goes through it."""
        return col.positions(self.subs.factors("submission_id")[1], self.rating_ids[1])

    def per_rating(self, values: pd.Series | np.ndarray, fill: object) -> np.ndarray:
        """Values given per distinct rating submission id, spread over rating rows."""
        arr = np.asarray(values)
        full = np.append(arr, np.array([fill], dtype=arr.dtype))
        if full.dtype == bool and not full.any():  # performance: nothing to gather
            return np.zeros(len(self.rating_ids[0]), dtype=bool)
        return full[self.rating_ids[0]]

    @cached_property
    def known(self) -> pd.Series:
        """Rating rows whose submission id is in submissions."""
        return pd.Series(self.per_rating(self.position >= 0, False), index=self.rats.index)

    @cached_property
    def single_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Per distinct submission id: on exactly one row?, and its first row."""
        codes, uniques = self.subs.factors("submission_id")
        n = len(uniques)
        once = np.bincount(codes, minlength=n + 1)[:n] == 1
        first_row = np.zeros(n + 1, dtype=np.int64)
        first_row[codes[::-1]] = np.arange(len(self.subs))[::-1]
        return once, first_row[:n]

    @cached_property
    def rating_pathway_code(self) -> np.ndarray:
        """The pathway code of each rating row's submission (-1: none, or an id on
        several submission rows)."""
        once, first_row = self.single_rows
        pw_code_sub_u = np.where(once, self.pathway_code[first_row], -1)
        pw_code_u = (
            np.where(self.position >= 0, pw_code_sub_u[self.position], -1)
            if len(once)
            else np.full(len(self.position), -1, dtype=np.int64)
        )
        return self.per_rating(pw_code_u, -1)

    def rating_pathway_text(self) -> pd.Series:
        """The pathway (text) of each rating row's submission; for problem lines only."""
        once, first_row = self.single_rows
        pathway = self.mapped("submissions", "pathway")[0]
        pos = self.position
        pw_sub_u = np.where(
            once,
            pathway.to_numpy(dtype=object)[first_row]
            if len(self.subs)
            else np.empty(0, dtype=object),
            np.nan,
        )
        pw_u = pd.Series(
            np.where(pos >= 0, pw_sub_u[pos] if len(once) else np.nan, np.nan)
            if len(pos)
            else np.empty(0, dtype=object),
            dtype=object,
        )
        return pd.Series(
            self.per_rating(pw_u.to_numpy(dtype=object), np.nan), index=self.rats.index
        )

    def submissions_with_final(self, which: str) -> pd.Series:
        """Per submission row: has a rating row with a final R (``which="R"``) or with
        any final rating (``which="any"``), judged on every final that parses."""
        r = self.rats
        if "final" in r:  # performance: judged per distinct value of the column
            fin_codes, fin_raw = r.factors("final")
            fin_u = col.map_codes(pd.Series(fin_raw, dtype=object), scheme.RATING_ALIASES)
            hit_u = (fin_u == "R") if which == "R" else fin_u.notna()
            hit = col.spread(hit_u.to_numpy(dtype=bool), fin_codes, False)
        else:
            hit = np.zeros(len(r), dtype=bool)
        rsid_codes, rsid_uniques = self.rating_ids
        # performance: count the ids of the flagged rows only (no float weights)
        any_u = np.bincount(rsid_codes[hit], minlength=len(rsid_uniques) + 1)[:-1] > 0
        ssid_codes, ssid_uniques = self.subs.factors("submission_id")
        rat_u_of_sub_u = np.full(len(ssid_uniques) + 1, -1, dtype=np.int64)
        pos = self.position
        rat_u_of_sub_u[pos[pos >= 0]] = np.flatnonzero(pos >= 0)
        return pd.Series(np.append(any_u, False)[rat_u_of_sub_u[ssid_codes]], index=self.subs.index)

    @cached_property
    def prior_assessments(self) -> tuple[pd.Series, pd.Series]:
        """Assessors' ``prior_assessments``: the raw text and the number (NaN: blank or
        not a number)."""
        a = self.asrs
        raw = a.raw("prior_assessments")  # type: ignore[union-attr]
        return raw, pd.to_numeric(raw.where(raw != ""), errors="coerce")
