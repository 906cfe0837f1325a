"""Validation: every quarantine rule applied to the tables as read, and the valid rows
assembled into the typed tables of :class:`cmalt_qa.records.Records`.

Input: the three tables exactly as read (every cell a stripped string, "" for blank, and
a ``row`` column). Output: the valid rows, typed and normalised, and one problem line per
rule broken. Every input row ends up valid or in the problems (conservation); a
quarantined submission takes its rating rows with it. The rules themselves are in
:mod:`cmalt_qa._rules`, one named function each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from . import _columns as col
from . import _dates, scheme
from ._columns import Factors, Table
from ._context import Context
from ._errors import PROBLEM_COLUMNS, Refusal
from ._rules import QUARANTINE_RULES, REGISTRY, Finding

__all__ = ["validate", "Validated", "PROBLEM_COLUMNS", "QUARANTINE_RULES"]

# Former homes of these facts, for code that still imports them from here (forms.py):
# the words live in scheme.
PATHWAY_ALIASES = scheme.PATHWAY_ALIASES
TYPE_ALIASES = scheme.SUBMISSION_TYPE_ALIASES
BOOL_ALIASES = scheme.BOOL_ALIASES
_key = scheme.phrase_key

_FILE_ORDER: Final[dict[str, int]] = {t: i for i, t in enumerate(scheme.TABLES)}


@dataclass
class Validated:
    submissions: pd.DataFrame
    ratings: pd.DataFrame
    assessors: pd.DataFrame
    problems: pd.DataFrame


@dataclass
class Problems:
    """Problem lines, collected finding by finding."""

    parts: list[pd.DataFrame] = field(default_factory=list)

    def add(self, table: Table, rule: str, f: Finding) -> None:
        """One line per row of the finding's mask."""
        m = np.asarray(f.mask, dtype=bool)
        if not m.any():
            return
        frame = table.frame if f.frame is None else f.frame
        sub = frame.loc[m]
        vals = f.value.loc[m] if f.value is not None else sub[f.column] if f.column in sub else ""
        vals = pd.Series(vals, index=sub.index).astype(object)
        if callable(f.message):
            msgs = [f.message(r) for _, r in sub.iterrows()]
        else:
            msgs = [f.message] * len(sub)
        self.parts.append(
            pd.DataFrame(
                {
                    "file": table.file,
                    "row": sub["row"].to_numpy(),
                    "column": f.column,
                    "value": vals.to_numpy(),
                    "rule": rule,
                    "message": msgs,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        """Every line, by file (submissions, ratings, assessors) and row; the lines of
        one row in the order the rules are applied."""
        if not self.parts:
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == "row" else "object") for c in PROBLEM_COLUMNS}
            )
        out = pd.concat(self.parts, ignore_index=True)
        out["row"] = out["row"].astype("int64")
        out["value"] = out["value"].where(out["value"] != "", np.nan)
        out["_f"] = out["file"].map(
            lambda f: _FILE_ORDER.get(str(f).rsplit("/", 1)[-1].split(".")[0], 3)
        )
        out = out.sort_values(["_f", "row"], kind="stable").drop(columns="_f")
        return out.reset_index(drop=True)


def validate(
    subs: pd.DataFrame,
    rats: pd.DataFrame,
    asrs: pd.DataFrame | None,
    names: dict[str, str],
    calendar: scheme.Calendar,
    factorized: dict[str, dict[str, Factors]] | None = None,
    dates: str = "auto",
    serials: bool = False,
) -> Validated:
    """Apply every rule of :data:`cmalt_qa._rules.REGISTRY`, in order.

    ``subs``/``rats``/``asrs`` are string tables with a ``row`` column; ``names`` how
    problem lines name each table's file. ``dates``: how numeric dates are read (see
    :mod:`cmalt_qa._dates`); ``serials``: accept Excel serial day numbers (workbooks).
    ``factorized`` (performance only): columns
    the reader has already factorised, as ``{table: {column: (codes, uniques)}}``.
    """
    factorized = factorized or {}
    frames = {"submissions": subs, "ratings": rats, "assessors": asrs}
    tables = {
        t: None if f is None else Table(t, names[t], f, factorized.get(t))
        for t, f in frames.items()
    }
    subs_table = tables["submissions"]
    _dates.check_order(
        (u for c in scheme.DATE_COLUMNS if c in subs for u in subs_table.factors(c)[1]),
        dates,
        names["submissions"],
    )
    _refuse_garbage(tables, calendar, dates, serials)
    ctx = Context(tables, calendar, dates=dates, serials=serials)
    problems = Problems()
    for rule in REGISTRY:
        for finding in rule.find(ctx):
            problems.add(ctx.tables[finding.table], rule.name, finding)  # type: ignore[arg-type]
            ctx.bad[finding.table] = ctx.bad[finding.table] | finding.mask
    return Validated(_submissions(ctx), _ratings(ctx), _assessors(ctx), problems.frame())


GARBAGE_HEAD: Final[int] = 1000
"""Rows of a large file looked at first, to stop early on what is not a CMALT export."""
GARBAGE_SHARE: Final[float] = 0.9
"""A file of more than 5 x :data:`GARBAGE_HEAD` rows whose first rows break the cell
rules at least this often is refused before the whole file is validated."""
_CELL_RULES: Final[frozenset[str]] = frozenset({"missing_value", "unknown_code", "bad_date"})


def _refuse_garbage(
    tables: dict[str, Table | None], calendar: scheme.Calendar, dates: str, serials: bool
) -> None:
    """Refuse a large table whose first rows are nearly all broken (not an export:
    validating a million such rows would take minutes and list every one)."""
    for name in ("submissions", "ratings"):
        table = tables[name]
        if table is None or len(table) <= 5 * GARBAGE_HEAD:
            continue
        head = {
            t: None
            if v is None
            else Table(t, v.file, v.frame.iloc[: GARBAGE_HEAD if t == name else 0])
            for t, v in tables.items()
        }
        ctx = Context(head, calendar, dates=dates, serials=serials)
        counts: dict[tuple[str, str], int] = {}
        for rule in REGISTRY:
            if rule.name not in _CELL_RULES:
                continue
            for f in rule.find(ctx):
                if f.table == name:
                    ctx.bad[name] = ctx.bad[name] | f.mask
                    counts[(rule.name, f.column)] = int(np.asarray(f.mask).sum())
        n_bad = int(ctx.bad[name].sum())
        if n_bad >= GARBAGE_SHARE * GARBAGE_HEAD:
            (rule, column), _ = max(counts.items(), key=lambda kv: kv[1])
            raise Refusal(
                f"{table.file}: {n_bad} of its first {GARBAGE_HEAD:,} rows break the basic "
                f"rules (most often [{rule}] in column {column}): this does not look like a "
                f"CMALT export, so reading stopped there ({len(table):,} rows in all). "
                "Check that the right file was given. Nothing was loaded."
            )


# --------------------------------------------------------------------------- assembly
_SUBMISSION_ORDER: Final[list[str]] = [
    *scheme.SUBMISSION_COLUMNS,
    "window",
    "year",
    "promise_due",
    "turnaround_days",
]


def _submissions(ctx: Context) -> pd.DataFrame:
    """The valid submissions, typed, with the derived columns, in the contract's order.

    Performance: built once, from the kept rows of each column (no whole-table take, no
    reindex copy); a column is copied only where it is written.
    """
    subs = ctx.subs
    kept = np.flatnonzero((~ctx.bad["submissions"]).to_numpy())
    every = len(kept) == len(subs)

    def kept_rows(values: pd.Series | np.ndarray) -> np.ndarray:
        arr = np.asarray(values)
        return arr if every else arr[kept]

    cols: dict[str, np.ndarray | pd.api.extensions.ExtensionArray] = {
        c: kept_rows(subs.frame[c].to_numpy()) for c in subs.frame.columns
    }
    att1, att2 = ctx.attempts
    if (att1 | att2)[kept].all():  # performance: attempts are 1 or 2 (no casts)
        cols["attempt"] = kept_rows(np.where(att1, 1, 2).astype("int64"))
    else:
        attempt = ctx.mapped("submissions", "attempt")[0]
        cols["attempt"] = attempt[~ctx.bad["submissions"]].astype("int64").to_numpy()
    cols["submission_type"] = kept_rows(ctx.submission_type.to_numpy(dtype=object))
    for c in ("pathway", "outcome"):  # codes or NaN, never ""
        cols[c] = kept_rows(ctx.mapped("submissions", c)[0].to_numpy(dtype=object))
    for c in scheme.DATE_COLUMNS:
        cols[c] = kept_rows(ctx.dates[c].to_numpy(dtype="datetime64[ns]"))
    cols["second_nominated"] = col.nominated(
        subs, ctx.mapped("submissions", "second_nominated")[0]
    )[kept]
    _blank_text_to_nan(subs, cols, kept_rows, every)
    cols.update(_derived(cols["submitted_on"], cols["result_on"], ctx.calendar))
    if "sector" not in cols:
        cols["sector"] = np.full(len(kept), np.nan)
    order = _SUBMISSION_ORDER + [c for c in cols if c not in _SUBMISSION_ORDER]
    return pd.DataFrame({c: cols[c] for c in order}, index=pd.RangeIndex(len(kept)), copy=False)


def _blank_text_to_nan(subs: Table, cols: dict, kept_rows, every: bool) -> None:  # type: ignore[no-untyped-def]
    """Blank text to NaN in every object column taken from the input (as
    :func:`cmalt_qa._columns.blank_to_nan`); a column still shared with the input
    (nothing dropped) is copied before it is written."""
    mapped = {"submission_type", "pathway", "outcome"}
    for c, arr in cols.items():
        if c in mapped or not (isinstance(arr, np.ndarray) and arr.dtype == object):
            continue
        # performance: blanks found from the distinct values of the raw column
        blank = kept_rows(subs.blank(c).to_numpy()) if c in subs else arr == ""
        if blank.any():
            arr = arr.copy() if every else arr
            arr[blank] = np.nan
            cols[c] = arr


def _derived(
    submitted_on: np.ndarray, result_on: np.ndarray, calendar: scheme.Calendar
) -> dict[str, np.ndarray]:
    """``window``, ``year``, ``promise_due`` and ``turnaround_days`` of each row.

    Performance: windows and promise dates per distinct submission date (both are
    element-wise functions of the date), spread with one take.
    """
    submitted = pd.Series(submitted_on)
    sub_codes, sub_days = pd.factorize(submitted, sort=False)
    day_windows = calendar.windows_of(pd.Series(sub_days)).to_numpy(dtype=object)
    window = col.spread(day_windows, sub_codes, pd.NA)
    w_codes, w_uniques = pd.factorize(window, sort=False)
    if (w_codes >= 0).all():  # performance: the year of each distinct window
        year = (
            pd.Series(w_uniques, dtype=object).str.slice(0, 4).astype("int64").to_numpy()[w_codes]
        )
    else:
        year = pd.Series(window, dtype=object).str.slice(0, 4).astype("int64").to_numpy()
    # The promise rule lives once, in scheme; applied per distinct submission date.
    due = np.array(
        [np.datetime64(scheme.promise_due(d), "ns") for d in sub_days], dtype="datetime64[ns]"
    )
    return {
        "window": window,
        "year": year,
        "promise_due": col.spread(due, sub_codes, np.datetime64("NaT", "ns")),
        "turnaround_days": (pd.Series(result_on) - submitted).dt.days.astype("float64").to_numpy(),
    }


def _ratings(ctx: Context) -> pd.DataFrame:
    """The valid rating rows, normalised, with the gap flags.

    Performance: built once, in its final column order, from the kept rows of each
    column (no intermediate copies of the whole table).
    """
    rats = ctx.rats
    keep = np.flatnonzero((~ctx.bad["ratings"]).to_numpy())
    first = [*scheme.RATING_COLUMNS, *[f"gap_{e}" for e in scheme.GAP_ELEMENTS]]
    gap_flags = ctx.gaps[0]
    made: dict[str, np.ndarray | pd.api.extensions.ExtensionArray] = {
        "section": ctx.mapped("ratings", "section")[0].to_numpy(dtype=object),
        **{
            c: ctx.mapped("ratings", c)[0].to_numpy(dtype=object)
            for c in scheme.RATING_COLUMNS_SCORED
        },
        "gaps": gap_flags["gaps"],
        **{f"gap_{e}": gap_flags[f"gap_{e}"] for e in scheme.GAP_ELEMENTS},
    }
    order = [*first, *[c for c in rats.frame.columns if c not in first]]
    # copy=False: every array is new and owned here (or, with nothing to drop, taken
    # from this validation's own working tables), so no copy and no consolidation
    every = len(keep) == len(rats)
    cols = {}
    for c in order:
        values = made[c] if c in made else rats.frame[c].to_numpy()
        cols[c] = values if every else values[keep]
    r = pd.DataFrame(cols, index=pd.RangeIndex(len(keep)), copy=False)
    # these hold no blank text by construction: mapped codes or NaN, and a required key
    return col.blank_to_nan(r, no_blank=scheme.RATING_COLUMNS)


def _assessors(ctx: Context) -> pd.DataFrame:
    """The valid assessor rows (empty, with the columns, when none were given)."""
    if ctx.asrs is None:
        return pd.DataFrame(
            {
                "assessor_id": pd.Series(dtype=object),
                "prior_assessments": pd.Series(dtype="float64"),
            }
        )
    ok = ~ctx.bad["assessors"]
    num = ctx.prior_assessments[1]
    out = ctx.asrs.frame.loc[ok].assign(prior_assessments=num[ok].astype("float64"))
    return col.blank_to_nan(out).reset_index(drop=True)
