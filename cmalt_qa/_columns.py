"""Column work done once per distinct value: the loader's vectorised parsing.

An input table's text columns repeat a few values many times (codes, dates, ids of a
submission on every rating row), so each column is factorised once (``codes`` into
``uniques``, with code ``len(uniques)`` for a missing cell) and every parse or test is
made on the distinct values and spread back over the rows with one ``take``. This is
performance only: each function says what plain pandas expression it equals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from . import scheme

Factors = tuple[np.ndarray, np.ndarray]
"""A text column factorised: ``(codes, uniques)``; code ``len(uniques)`` is a missing cell."""


class Table:
    """One input table (string cells, a ``row`` column) with its columns factorised
    on first use.

    Parameters
    ----------
    name : str
        The table (``submissions``, ``ratings`` or ``assessors``).
    file : str
        How problem lines name the file (``ratings.csv``, ``book.xlsx[ratings]``).
    frame : DataFrame
        The cleaned table; never modified here.
    factors : dict, optional
        Factorisations the reader already made, by column (uniques distinct, codes in
        ``0..len(uniques)``).
    """

    def __init__(
        self,
        name: str,
        file: str,
        frame: pd.DataFrame,
        factors: Mapping[str, Factors] | None = None,
    ) -> None:
        self.name, self.file, self.frame = name, file, frame
        self._factors: dict[str, Factors] = dict(factors or {})

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def index(self) -> pd.Index:
        return self.frame.index

    def __contains__(self, col: str) -> bool:
        return col in self.frame

    def factors(self, col: str) -> Factors:
        """``(codes, uniques)`` of a column, made once."""
        if col not in self._factors:
            codes, uniques = pd.factorize(self.frame[col], sort=False)
            uniques = np.asarray(uniques, dtype=object)
            self._factors[col] = (np.where(codes >= 0, codes, len(uniques)), uniques)
        return self._factors[col]

    def raw(self, col: str) -> pd.Series:
        """The column as read, or blanks when the table has no such column."""
        return self.frame[col] if col in self.frame else pd.Series("", index=self.index)

    def blank(self, col: str) -> pd.Series:
        """``frame[col] == ""`` (True throughout for an absent column)."""
        if col not in self.frame:
            return pd.Series(True, index=self.index)
        codes, uniques = self.factors(col)
        blank_u = np.asarray(uniques == "", dtype=bool) if len(uniques) else np.zeros(0, bool)
        if not blank_u.any():  # performance: no blank value, so no gather over the rows
            return pd.Series(np.zeros(len(self), dtype=bool), index=self.index, name=col)
        return pd.Series(spread(blank_u, codes, False), index=self.index, name=col)

    def mapped(self, col: str, aliases: Mapping) -> tuple[pd.Series, np.ndarray]:
        """The column through ``aliases`` (unknown values NaN) and the mask of unknown
        non-blank cells (see :func:`map_codes_unknown`)."""
        factors = self.factors(col) if col in self.frame else None
        return map_codes_unknown(self.raw(col), aliases, factors)

    def category_codes(
        self, col: str, aliases: Mapping, categories: Iterable[str], mapped: pd.Series
    ) -> np.ndarray:
        """``pd.Categorical(mapped, categories).codes`` (-1 for NaN), where ``mapped``
        is the column through ``aliases``; made per distinct raw value."""
        cats = list(categories)
        if col not in self.frame:
            return pd.Categorical(mapped, categories=cats).codes.astype(np.int64)
        codes, uniques = self.factors(col)
        index = {c: i for i, c in enumerate(cats)}
        per_u = np.array(
            [index.get(aliases.get(scheme.phrase_key(u)), -1) for u in uniques], dtype=np.int64
        )
        return spread(per_u, codes, -1)

    def per_value(self, col: str, fn, dtype, missing) -> np.ndarray:  # type: ignore[no-untyped-def]
        """``fn`` applied to each distinct value of the column, spread over the rows."""
        codes, uniques = self.factors(col)
        return spread(np.array([fn(u) for u in uniques], dtype=dtype), codes, missing)


def spread(per_unique: np.ndarray, codes: np.ndarray, missing: object) -> np.ndarray:
    """Per-distinct-value array (without the missing slot) spread over the rows."""
    full = np.empty(len(per_unique) + 1, dtype=per_unique.dtype)
    full[:-1] = per_unique
    full[-1] = missing
    return full[codes]


def positions(of: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Position of each of ``values`` among the distinct ``of`` (-1 when absent), as
    ``pd.Index(of).get_indexer(values)``.

    Performance: the ratings usually list the submission ids in the submissions' own
    order, so equal arrays (one comparison) give ``arange`` without building a hash
    table of 200,000 ids.
    """
    if len(of) == len(values) and (len(of) == 0 or bool(np.all(of == values))):
        return np.arange(len(values), dtype=np.intp)
    return pd.Index(of).get_indexer(values)


def map_codes(col: pd.Series, aliases: Mapping) -> pd.Series:
    """Map each distinct value once; unknown (non-blank) values become NaN."""
    return map_codes_unknown(col, aliases)[0]


def map_codes_unknown(
    col: pd.Series, aliases: Mapping, factors: Factors | None = None
) -> tuple[pd.Series, np.ndarray]:
    """:func:`map_codes` and the mask of unknown non-blank cells, both from one pass
    over the distinct values (performance: no second scan of the column).
    ``factors``: ``col`` already factorised (see :class:`Table`)."""
    if factors is None:
        codes, uniques = pd.factorize(col, sort=False)
    else:
        codes, uniques = factors
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [aliases.get(scheme.phrase_key(u), np.nan) for u in uniques]
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


def nominated(table: Table, mapped: pd.Series) -> pd.arrays.BooleanArray:
    """``mapped.astype("boolean")`` (values True, False or NaN), made per distinct
    value of the raw ``second_nominated`` column (performance: no per-cell type
    inference)."""
    if "second_nominated" not in table:
        return mapped.astype("boolean").array
    codes, uniques = table.factors("second_nominated")
    found = [scheme.BOOL_ALIASES.get(scheme.phrase_key(u), None) for u in uniques]
    value_u = np.array([m is True for m in found] + [False], dtype=bool)
    na_u = np.array([m is None for m in found] + [True], dtype=bool)
    return pd.arrays.BooleanArray(value_u[codes], na_u[codes])


def blank_to_nan(frame: pd.DataFrame, no_blank: Iterable[str] = ()) -> pd.DataFrame:
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


def _gap_value(u: str) -> tuple[str | None, bool]:
    """One ``gaps`` cell: its canonical text (None when blank) and whether it holds an
    unknown element."""
    parts = [t for t in re.split(r"[;,/|+]|\band\b", scheme.phrase_key(u)) if t.strip()]
    elems = {scheme.GAP_ALIASES.get(t.strip(), None) for t in parts}
    if u.strip() == "" or not parts:
        return None, False
    if None in elems:
        return None, True
    return ";".join(e for e in scheme.GAP_ELEMENTS if e in elems), False


def gaps(
    raw: pd.Series, factors: Factors | None = None
) -> tuple[dict[str, np.ndarray | pd.arrays.BooleanArray], pd.Series]:
    """Parse ``gaps`` cells into canonical text and three nullable flags, per distinct value.

    Returns the columns by name, one value per row (``gaps`` object, ``gap_<element>``
    nullable boolean, NA when the cell is blank or bad) and the mask of cells holding an
    unknown element.
    """
    codes, uniques = factors if factors is not None else pd.factorize(raw, sort=False)
    n_el = len(scheme.GAP_ELEMENTS)
    # one slot per distinct value, and a last one for a missing cell (code -1)
    canon = np.full(len(uniques) + 1, np.nan, dtype=object)
    flags = np.zeros((len(uniques) + 1, n_el), dtype=bool)
    na = np.ones(len(uniques) + 1, dtype=bool)
    bad = np.zeros(len(uniques) + 1, dtype=bool)
    for i, u in enumerate(uniques):
        text, bad[i] = _gap_value(u)
        if text is not None:
            canon[i] = text
            flags[i] = [e in text.split(";") for e in scheme.GAP_ELEMENTS]
            na[i] = False
    # performance: intp codes (numpy would convert int32 codes on every gather), one
    # contiguous 1-D gather per flag instead of a 2-D fancy index, and no gather of
    # ``bad`` when no distinct value is bad
    codes = np.asarray(codes, dtype=np.intp)
    rows_na = na[codes]
    out: dict[str, np.ndarray | pd.arrays.BooleanArray] = {"gaps": canon[codes]}
    for j, e in enumerate(scheme.GAP_ELEMENTS):
        out[f"gap_{e}"] = pd.arrays.BooleanArray(
            np.ascontiguousarray(flags[:, j])[codes], rows_na.copy()
        )
    bad_rows = bad[codes] if bad.any() else np.zeros(len(codes), dtype=bool)
    return out, pd.Series(bad_rows, index=raw.index)
