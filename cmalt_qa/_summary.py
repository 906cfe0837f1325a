"""What ``cmalt-qa validate`` prints: counts per file, the reporting periods, and the
problems summarised per rule (count and the first few rows with their values), with a
first line that says so when one rule took a whole column or most of a file, and a guess
why."""

from __future__ import annotations

import re
from typing import Final

import pandas as pd

from . import scheme
from ._words import plural
from .records import Records

__all__ = ["file_counts", "headline", "summary_lines", "SHOWN_PER_RULE"]

SHOWN_PER_RULE: Final[int] = 5
"""Rows shown per rule; the full list goes to ``--problems-out``."""

MOST: Final[float] = 0.5
"""A rule that keeps out more than this share of a file's rows makes the headline."""

_DERIVED: Final[frozenset[str]] = frozenset({"submission_quarantined"})
"""Rules that follow from another rule (never the cause worth a headline)."""


def file_counts(recs: Records) -> list[tuple[str, int, int, int]]:
    """(file name, rows read, valid, quarantined) for each table present."""
    files = recs.source.get("files", {}) or {}
    probs = recs.problems
    out = []
    for t in scheme.TABLES:
        valid = len(getattr(recs, t))
        name = f"{t}.csv"
        if name in files:
            read = int(files[name]["rows"])
        else:  # a workbook: one entry whose "rows" maps table -> count
            book = next((k for k, v in files.items() if isinstance(v.get("rows"), dict)), None)
            if book is not None and t in files[book]["rows"]:
                name, read = f"{book}[{t}]", int(files[book]["rows"][t])
            elif t in scheme.OPTIONAL_TABLES and valid == 0:
                continue  # optional table not given
            else:
                read = -1
        quarantined = int(probs.loc[probs["file"] == name, "row"].nunique()) if len(probs) else 0
        out.append((name, read if read >= 0 else valid + quarantined, valid, quarantined))
    return out


_GUESSES: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4}$"), "they look like dd/mm/yyyy or mm/dd/yyyy dates"),
    (re.compile(r"^\d{5}(?:\.\d+)?$"), "they look like Excel serial day numbers"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}"), "they look like ISO dates out of range or order"),
    (re.compile(r"@"), "they look like e-mail addresses"),
)


def _guess(values: pd.Series, rule: str, column: str) -> str:
    """A plain-English guess at why many values of one column broke one rule."""
    vals = values.dropna().astype(str)
    if rule == "missing_value" or vals.empty:
        return "the column is blank"
    for pattern, text in _GUESSES:
        if vals.str.contains(pattern).mean() > 0.8:
            return text
    if rule == "unknown_submission":
        return "the ratings name submissions not in the submissions file: are both from the same export?"
    return f"for example {vals.iloc[0]!r}"


def headline(recs: Records) -> str | None:
    """One line when a single rule kept out a whole column or most of a file."""
    probs = recs.problems[~recs.problems["rule"].isin(_DERIVED)]
    if probs.empty:
        return None
    sizes = {name: read for name, read, _, _ in file_counts(recs)}
    per = probs.groupby(["file", "column", "rule"], sort=False)["row"].nunique()
    (file, column, rule), n = per.sort_values(ascending=False, kind="stable").index[0], per.max()
    read = sizes.get(file, 0)
    if read == 0 or n <= MOST * read:
        return None
    vals = probs.loc[(probs["file"] == file) & (probs["column"] == column)
                     & (probs["rule"] == rule), "value"]  # fmt: skip
    every = "every" if n == read else f"{n} of {read}"
    return f"{every} {column} value in {file} failed [{rule}]: {_guess(vals, rule, column)}"


def summary_lines(recs: Records, shown: int = SHOWN_PER_RULE) -> list[str]:
    """The problems per rule: the count, then the first ``shown`` lines with values."""
    probs = recs.problems
    if probs.empty:
        return ["Problems: none"]
    rows_out = probs[["file", "row"]].drop_duplicates().shape[0]
    lines = [f"Problems: {len(probs)} ({rows_out} rows kept out)"]
    for rule, group in probs.groupby("rule", sort=True):
        lines += ["", f"[{rule}] {plural(len(group), 'problem')}"]
        for r in group.head(shown).itertuples(index=False):
            value = "" if pd.isna(r.value) else str(r.value)
            lines.append(f"  {r.file} row {r.row}, column {r.column}, value {value!r}: {r.message}")
        if len(group) > shown:
            lines.append(
                f"  ... and {len(group) - shown} more (the full list: --problems-out FILE)"
            )
    return lines
