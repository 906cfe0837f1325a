"""Disclosure control for published reports: suppression chosen over the whole report,
checked by linear programming, with a ledger of what has been published.

A published report (the committee's ``sections`` report, the researchers' ``trends``
report) shows counts of people's portfolios. A count from 1 to ``min_count - 1`` is
*sensitive*: it must not be shown, and nothing else the report shows may give it back.
Hiding small cells table by table is not enough: a reader with a calculator recovers a
hidden cell from a total minus the visible parts, from a margin shared with another
table, from a percentage and its denominator, or from the difference between this
report and an earlier one. This module treats the report as one system of linear
relations, the way statistical offices do (tau-argus, sdcTable):

1. Every published table is registered with :meth:`Disclosure.add_table`: which
   columns are counts, which are rates of which counts, which columns are parts of
   which totals. Relations between tables (shared margins) and with numbers in the
   prose are added with :meth:`Disclosure.add_margin`, :meth:`Disclosure.add_relation`
   and :meth:`Disclosure.add_number`.
2. :meth:`Disclosure.protect` hides the sensitive cells (primary suppression), then
   greedily hides further cells (secondary suppression) until the audit passes.
3. The audit (:meth:`Disclosure.audit`) solves, for every sensitive cell, the attacker's
   problem: the smallest and the largest value consistent with everything published
   (``scipy.optimize.linprog``, refined with integer programming, ``milp``). The cell
   is protected when that interval is at least ``min_count`` wide.

The rules in full, with what the audit cannot protect against, are in
``docs/disclosure.md``.

Examples
--------
A table whose rows are split by pathway, and the same counts by section alone:

>>> import pandas as pd
>>> by_pathway = pd.DataFrame({"pathway": ["A", "C", "S"], "n": [3, 40, 12]})
>>> total = pd.DataFrame({"all": ["all"], "n": [55]})
>>> d = Disclosure(min_count=5)
>>> d.add_table("total", total, counts=["n"], keys=["all"])
>>> d.add_table("by_pathway", by_pathway, counts=["n"], keys=["pathway"])
>>> d.add_margin("total", "by_pathway", over=["pathway"], columns=["n"])
>>> rep = d.protect()
>>> rep.shown("by_pathway")["n"].tolist()   # 3 is hidden, and 12 with it
['suppressed', '40', 'suppressed']
>>> a = rep.audit()
>>> a.loc[a["sensitive"], ["table", "row", "lower", "upper", "protected"]].to_dict("records")
[{'table': 'by_pathway', 'row': 'pathway=A', 'lower': 1.0, 'upper': 14.0, 'protected': True}]
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_MIN_COUNT",
    "SUPPRESSED",
    "COARSE_STEPS",
    "DisclosureError",
    "CellRef",
    "Disclosure",
    "DisclosedReport",
    "PublishedTable",
    "Ledger",
    "share_step",
    "suppress_counts",
    "suppression_mask",
    "disclose",
]

DEFAULT_MIN_COUNT: Final[int] = 5
"""The smallest count published by default; 1 .. 4 are sensitive."""

SUPPRESSED: Final[str] = "suppressed"
"""What a hidden cell reads in a published table."""

COARSE_STEPS: Final[tuple[float, ...]] = (0.001, 0.01, 0.05, 0.1, 0.2, 0.25)
"""Rounding steps a percentage may be printed at, finest first (see :func:`share_step`)."""

_HUGE: Final[float] = 1e7  # an upper bound no count in these reports reaches


class DisclosureError(ValueError):
    """A published report would reveal a sensitive count; the message names the cell."""


@dataclass(frozen=True, order=True)
class CellRef:
    """One cell of a registered table: table name, row position, column."""

    table: str
    row: int
    column: str


# --------------------------------------------------------------------------- the model
@dataclass
class _Cell:
    ref: CellRef
    value: float
    label: str  # "table / row keys / column", for messages
    published: bool  # printed in a table (False: implicit, e.g. a complement)
    hidden: bool = False
    fixed: bool = False  # published earlier (ledger): cannot be hidden now
    lower: float = 0.0  # what the attacker knows without the table
    sensitive_range: bool = False  # sensitivity judged from the feasible range (ledger)


@dataclass
class _Share:
    """A printed percentage ``num / den`` whose numerator is not printed itself."""

    ref: CellRef  # the percentage cell
    num: int  # cell index of the (implicit) numerator
    den: int  # cell index of the denominator
    value: float
    base_step: float
    companions: tuple[str, ...] = ()  # e.g. its interval limits: shown at base step only
    step: float = 0.0  # chosen rounding step; 0 = not shown
    forced_hidden: bool = False


@dataclass
class PublishedTable:
    """A table as published: display strings, numbers with hidden cells blanked.

    Attributes
    ----------
    name, caption : str
    keys : tuple of str
        Grouping columns (row headers).
    columns : tuple of str
        The columns shown, in order.
    shown : DataFrame of str
        What the report prints (``"suppressed"`` where hidden; ``"≈80%"`` where a
        percentage is printed coarser than its format).
    values : DataFrame
        Every column of the analysis table, with every hidden cell NaN and every
        coarsened percentage rounded to its printed step: draw figures and sentences
        from this, never from the analysis table.
    hidden : DataFrame of bool
        True where a cell is hidden (any column of ``values``).
    min_count : int
    labels : mapping
        Column headings.
    """

    name: str
    caption: str
    keys: tuple[str, ...]
    columns: tuple[str, ...]
    shown: pd.DataFrame
    values: pd.DataFrame
    hidden: pd.DataFrame
    min_count: int = DEFAULT_MIN_COUNT
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def n_suppressed_rows(self) -> int:
        """Rows with at least one hidden shown cell."""
        cols = [c for c in self.columns if c in self.hidden.columns]
        return int(self.hidden[cols].any(axis=1).sum()) if cols else 0


@dataclass
class _Table:
    name: str
    frame: pd.DataFrame
    keys: list[str]
    columns: list[str]
    counts: list[str]
    derived: dict[str, list[str]]
    shares: dict[str, str]
    formats: dict[str, Any]
    caption: str
    labels: dict[str, str]
    companions: dict[str, tuple[str, ...]] = field(default_factory=dict)


def share_step(denominator: float, min_count: int, base_step: float = 0.01) -> float:
    """The rounding step a percentage of ``denominator`` may be printed at.

    A percentage ``p`` printed rounded to a step ``s`` tells a reader that the count
    behind it lies in ``[(p - s/2) n, (p + s/2) n]``, an interval ``s n`` wide. The
    percentage may be printed at step ``s`` only when ``s n >= min_count``; the finest
    such step of :data:`COARSE_STEPS` (no finer than ``base_step``, the format's own) is
    used, and when even 25-point steps are too fine the percentage is not printed.

    Parameters
    ----------
    denominator : float
        The count the percentage is of.
    min_count : int
    base_step : float
        The step of the format (0.01 for ``"{:.0%}"``, 0.001 for ``"{:.1%}"``).

    Returns
    -------
    float
        The step, or 0.0 when the percentage must not be printed.

    Examples
    --------
    >>> share_step(1000, 5, 0.001), share_step(300, 5), share_step(30, 5), share_step(12, 5)
    (0.01, 0.05, 0.2, 0.0)
    """
    if not np.isfinite(denominator) or denominator <= 0:
        return 0.0
    for s in COARSE_STEPS:
        if s + 1e-12 >= base_step and s * denominator >= min_count:
            return s
    return 0.0


def _format_step(fmt: Any) -> float:
    """The rounding step of a display format (``"{:.1%}"`` -> 0.001); 0.01 by default."""
    if isinstance(fmt, str):
        m = re.search(r"\.(\d+)([%f])", fmt)
        if m:
            digits = int(m.group(1)) + (2 if m.group(2) == "%" else 0)
            return 10.0 ** (-digits)
    return 0.01


def _row_label(frame: pd.DataFrame, keys: Sequence[str], i: int) -> str:
    if not keys:
        return f"row {i}"
    return ", ".join(f"{k}={frame[k].iloc[i]}" for k in keys)


def _narrowing(width: float, min_count: int) -> str:
    """How far a failing cell can be narrowed, in words that never state its value: the
    bounds of a too-narrow interval are the hidden count itself, or nearly (a failed
    audit's message reaches the command line and the kept notebook).

    Examples
    --------
    >>> _narrowing(0, 5), _narrowing(2, 5)
    ('can be recovered exactly from what is published (an interval at least 5 wide is required)', 'can be narrowed to an interval 2 wide from what is published (at least 5 required)')
    """
    if width < 0.5:
        return (
            "can be recovered exactly from what is published (an interval at least "
            f"{min_count} wide is required)"
        )
    return (
        f"can be narrowed to an interval {width:g} wide from what is published "
        f"(at least {min_count} required)"
    )


def _list(cols: str | Sequence[str] | None) -> list[str]:
    if cols is None:
        return []
    return [cols] if isinstance(cols, str) else list(cols)


class Disclosure:
    """The disclosure step of one published report.

    Parameters
    ----------
    min_count : int
        Counts from 1 to ``min_count - 1`` are sensitive (zero stays visible: a true
        zero reveals nobody). Every sensitive cell is hidden, and the audit requires the
        interval of values consistent with everything published to be at least
        ``min_count`` wide for each of them.

    Notes
    -----
    The attacker is assumed to know every number the report prints, the relations
    declared here (each checked against the true values when :meth:`protect` runs),
    that counts are whole numbers, and that a hidden cell of a published table is not
    zero (zeros are always shown). See ``docs/disclosure.md``.

    Examples
    --------
    Parts in a row: ``n = passed + referred`` and ``referred = minor + major``.

    >>> t = pd.DataFrame({"year": [2025], "n": [40], "passed": [30], "referred": [10],
    ...                   "minor": [8], "major": [2]})
    >>> d = Disclosure(min_count=5)
    >>> d.add_table("outcomes", t, counts=["n", "passed", "referred", "minor", "major"],
    ...             parts={"n": ["passed", "referred"], "referred": ["minor", "major"]})
    >>> d.protect().shown("outcomes").iloc[0].tolist()
    ['2025', '40', '30', '10', 'suppressed', 'suppressed']
    """

    def __init__(self, min_count: int = DEFAULT_MIN_COUNT) -> None:
        if int(min_count) < 1:
            raise ValueError(f"min_count must be at least 1, got {min_count}")
        self.min_count = int(min_count)
        self._tables: dict[str, _Table] = {}
        self._cells: list[_Cell] = []
        self._index: dict[CellRef, int] = {}
        self._equalities: list[tuple[dict[int, float], str]] = []
        self._shares: list[_Share] = []
        self._derived: dict[CellRef, list[int]] = {}
        self._hidden_derived: set[CellRef] = set()

    # ---------------------------------------------------------------- registration
    def _new_cell(
        self, ref: CellRef, value: float, label: str, *, published: bool, lower: float = 0.0
    ) -> int:
        if ref in self._index:
            raise ValueError(f"cell registered twice: {label}")
        self._index[ref] = len(self._cells)
        self._cells.append(_Cell(ref, float(value), label, published, lower=lower))
        return self._index[ref]

    def cell(self, table: str, row: int, column: str) -> CellRef:
        """The reference of a registered count cell (raises KeyError if unknown)."""
        ref = CellRef(table, int(row), column)
        if ref not in self._index:
            raise KeyError(f"no count cell {column!r} in row {row} of table {table!r}")
        return ref

    def add_table(
        self,
        name: str,
        table: pd.DataFrame,
        *,
        counts: str | Sequence[str],
        keys: Sequence[str] | None = None,
        columns: Sequence[str] | None = None,
        parts: Mapping[str, Sequence[str]] | None = None,
        subsets: Mapping[str, str] | None = None,
        derived: Mapping[str, str | Sequence[str]] | None = None,
        shares: Mapping[str, str | tuple[str, Sequence[str]]] | None = None,
        formats: Mapping[str, str | Callable[[Any], str]] | None = None,
        caption: str = "",
        labels: Mapping[str, str] | None = None,
    ) -> None:
        """Register a table the report publishes, with its protection spec.

        Parameters
        ----------
        name : str
            Unique within the report; also the table's name in the ledger.
        table : DataFrame
            As the analysis returned it (unrounded); one row per group.
        counts : str or sequence of str
            Columns that count people or their records. Only those among ``columns``
            are published; a count left out of ``columns`` is not.
        keys : sequence of str, optional
            Grouping columns (default: the columns before the first count).
        columns : sequence of str, optional
            The columns printed (default all).
        parts : mapping, optional
            ``{total: [part, ...]}``: in every row the parts add up to the total.
        subsets : mapping, optional
            ``{count: total}``: the count is part of the total; the rest
            (``total - count``, never printed) is a count too, and is protected.
        derived : mapping, optional
            ``{column: count column(s)}``: a rate, interval limit, coefficient or label
            computed from those counts; hidden whenever one of them is hidden.
        shares : mapping, optional
            ``{column: denominator}`` or ``{column: (denominator, [companion, ...])}``:
            a percentage of the denominator whose numerator is not printed (e.g.
            percent agreement of the pairs). The numerator becomes a count of its own,
            protected; the percentage is printed at the step :func:`share_step`
            allows, or hidden. Companions (its interval limits) are shown only while the
            percentage is printed at its format's own precision.
        formats : mapping, optional
            Display formats (``"{:.1%}"`` or a callable) by column.
        caption : str
        labels : mapping, optional
            Column headings.

        Raises
        ------
        ValueError
            If the name is taken, a column is missing, or the table is marked
            ``attrs["audience"] == "staff"`` (assessor-level figures are never published).
        """
        if name in self._tables:
            raise ValueError(f"table {name!r} registered twice")
        if table.attrs.get("audience") == "staff":
            raise ValueError(
                f"table {name!r} is marked staff-only (assessor-level figures): it may "
                "appear in the window report, never in a published report"
            )
        count_cols = _list(counts)
        cols = list(columns) if columns is not None else list(table.columns)
        if keys is None:
            first = min(table.columns.get_loc(c) for c in count_cols)
            keys = list(table.columns[:first])
        parts_map = {k: _list(v) for k, v in (parts or {}).items()}
        derived_map = {k: _list(v) for k, v in (derived or {}).items()}
        share_map, companions = {}, {}
        for col, spec in (shares or {}).items():
            den, comp = (spec, ()) if isinstance(spec, str) else (spec[0], tuple(spec[1]))
            share_map[col], companions[col] = den, comp
        named = {
            *[c for v in companions.values() for c in v],
            *count_cols,
            *cols,
            *keys,
            *parts_map,
            *derived_map,
            *share_map,
            *share_map.values(),
            *(subsets or {}),
            *(subsets or {}).values(),
            *[c for v in [*parts_map.values(), *derived_map.values()] for c in v],
        }
        missing = sorted(c for c in named if c not in table.columns)
        if missing:
            raise ValueError(f"table {name!r}: column(s) {missing} not in the table")
        frame = table.reset_index(drop=True)
        published = [c for c in count_cols if c in cols]
        t = _Table(
            name,
            frame,
            list(keys),
            cols,
            published,
            derived_map,
            share_map,
            dict(formats or {}),
            caption,
            dict(labels or {}),
            companions,
        )
        self._tables[name] = t
        # Every count named in a relation is a cell, printed or not.
        related = {
            *parts_map,
            *[c for v in parts_map.values() for c in v],
            *(subsets or {}),
            *(subsets or {}).values(),
            *share_map.values(),
        }
        self._register_cells(
            t, dict.fromkeys([*count_cols, *[c for c in related if c in count_cols]])
        )
        for i in range(len(frame)):
            self._register_row(t, i, parts_map, dict(subsets or {}))

    def _register_cells(self, t: _Table, count_cols: Iterable[str]) -> None:
        # One cell per non-missing count of the table, printed or not.
        for c in count_cols:
            for i in range(len(t.frame)):
                v = pd.to_numeric(t.frame[c].iloc[i], errors="coerce")
                if pd.isna(v):
                    continue
                self._new_cell(
                    CellRef(t.name, i, c),
                    float(v),
                    f"{t.name} / {_row_label(t.frame, t.keys, i)} / {c}",
                    published=c in t.counts,
                    lower=0.0,
                )

    def _register_row(
        self, t: _Table, i: int, parts_map: Mapping[str, list[str]], subsets: Mapping[str, str]
    ) -> None:
        idx = self._index
        row = _row_label(t.frame, t.keys, i)
        for total, cols in parts_map.items():
            refs = [CellRef(t.name, i, c) for c in [total, *cols]]
            if all(r in idx for r in refs):
                terms = {idx[refs[0]]: 1.0}
                for r in refs[1:]:
                    terms[idx[r]] = terms.get(idx[r], 0.0) - 1.0
                self._equalities.append((terms, f"{t.name} / {row}: {total} = " + " + ".join(cols)))
        for part, total in subsets.items():
            a, b = CellRef(t.name, i, part), CellRef(t.name, i, total)
            if a in idx and b in idx:
                rest = self._new_cell(
                    CellRef(t.name, i, f"{total} - {part}"),
                    self._cells[idx[b]].value - self._cells[idx[a]].value,
                    f"{t.name} / {row} / {total} - {part} (not printed)",
                    published=False,
                )
                self._equalities.append(
                    (
                        {idx[b]: 1.0, idx[a]: -1.0, rest: -1.0},
                        f"{t.name} / {row}: {total} = {part} + rest",
                    )
                )
        for col, sources in t.derived.items():
            self._derived[CellRef(t.name, i, col)] = [
                idx[CellRef(t.name, i, s)] for s in sources if CellRef(t.name, i, s) in idx
            ]
        for col, den in t.shares.items():
            p = pd.to_numeric(t.frame[col].iloc[i], errors="coerce")
            dref = CellRef(t.name, i, den)
            if pd.isna(p) or dref not in idx:
                continue
            d = idx[dref]
            num = self._new_cell(
                CellRef(t.name, i, f"{col} x {den}"),
                round(float(p) * self._cells[d].value),
                f"{t.name} / {row} / count behind {col} (not printed)",
                published=False,
            )
            rest = self._new_cell(
                CellRef(t.name, i, f"{den} - {col} x {den}"),
                self._cells[d].value - self._cells[num].value,
                f"{t.name} / {row} / rest behind {col} (not printed)",
                published=False,
            )
            self._equalities.append(
                (
                    {d: 1.0, num: -1.0, rest: -1.0},
                    f"{t.name} / {row}: {den} = count behind {col} + rest",
                )
            )
            self._shares.append(
                _Share(
                    CellRef(t.name, i, col),
                    num,
                    d,
                    float(p),
                    _format_step(t.formats.get(col)),
                    t.companions.get(col, ()),
                )
            )
            self._derived.setdefault(CellRef(t.name, i, col), []).append(d)

    def add_relation(self, terms: Mapping[CellRef, float], why: str) -> None:
        """Declare ``sum(coef * cell) == 0`` over registered cells.

        Parameters
        ----------
        terms : mapping of CellRef to float
        why : str
            Stated in messages (e.g. ``"sections: 3b = sum over pathways"``).
        """
        self._equalities.append(
            (
                {
                    self._index[self.cell(r.table, r.row, r.column)]: float(c)
                    for r, c in terms.items()
                },
                why,
            )
        )

    def add_margin(
        self, total: str, detail: str, *, over: Sequence[str], columns: Sequence[str]
    ) -> None:
        """Declare that ``total`` is ``detail`` summed over the ``over`` columns.

        Every row of ``total`` equals the sum of the rows of ``detail`` that share its
        other keys (e.g. referrals by section = the sum over pathways of referrals by
        pathway and section), for each of ``columns``.
        """
        t, d = self._tables[total], self._tables[detail]
        common = [k for k in d.keys if k not in over and k in t.keys]
        for i in range(len(t.frame)):
            match = np.ones(len(d.frame), dtype=bool)
            for k in common:
                match &= (d.frame[k].astype(str) == str(t.frame[k].iloc[i])).to_numpy()
            rows = np.flatnonzero(match)
            for c in columns:
                ref = CellRef(total, i, c)
                if ref not in self._index:
                    continue
                terms = {ref: 1.0}
                terms.update(
                    {
                        CellRef(detail, int(j), c): -1.0
                        for j in rows
                        if CellRef(detail, int(j), c) in self._index
                    }
                )
                self.add_relation(
                    terms,
                    f"{total} / {_row_label(t.frame, t.keys, i)} / {c}"
                    f" = sum over {', '.join(over)} in {detail}",
                )

    def add_number(self, name: str, value: float, *, equals: Iterable[CellRef] = ()) -> CellRef:
        """Register a count quoted in the prose (a headline, an alt text).

        Parameters
        ----------
        name : str
            What it is, for messages.
        value : float
        equals : iterable of CellRef
            Registered cells it is the sum of (its relation to the tables).

        Returns
        -------
        CellRef
            ``CellRef("text", k, name)``.
        """
        ref = CellRef("text", len([c for c in self._cells if c.ref.table == "text"]), name)
        i = self._new_cell(ref, value, f"text / {name}", published=True)
        eq = list(equals)
        if eq:
            terms = {i: 1.0}
            for r in eq:
                terms[self._index[r]] = terms.get(self._index[r], 0.0) - 1.0
            self._equalities.append((terms, f"text / {name} = sum of cells"))
        return ref

    def add_previous(
        self,
        entry: Mapping[str, Any],
        *,
        nested: bool,
        direction: int | None = None,
        tables: Iterable[str] | None = None,
    ) -> int:
        """Include a report published earlier (a :class:`Ledger` entry) in the audit.

        Every count cell of the earlier report that has a counterpart here (same
        table, row keys and column; numbers quoted in the prose by their name) is
        linked to it: ``now = then + change``. The change is the count of a table of its
        own (the records added since), protected like any count: its feasible interval
        must not narrow into 1 .. min_count - 1.

        Parameters
        ----------
        entry : mapping
            As :meth:`Ledger.entries` gives it.
        nested : bool
            The earlier report's population is contained in this one's (same first
            period or earlier, same or wider pathway filter, same data): then the
            change cannot be negative.
        direction : {1, -1, 0}, optional
            Overrides ``nested``: 1, the change is not negative; -1, not positive (this
            report's population is inside the earlier one's); 0, either.
        tables : iterable of str, optional
            Link only the cells of these tables (``"text"``: the numbers in prose).

        Returns
        -------
        int
            Number of linked cells.
        """
        tag = f"{entry.get('report', 'earlier report')}"
        sign = (1 if nested else 0) if direction is None else int(direction)
        keep = None if tables is None else set(tables)
        linked = 0
        for c in entry.get("cells", []):
            here = self._match(c) if keep is None or c["table"] in keep else None
            if here is None:
                continue
            old = self._then_cell(c, tag)
            delta = self._change_cell(
                f"{c['table']} / {c['row']} / {c['column']}: change since {tag}", sign
            )
            # now = then + change (change >= 0), or now = then - change (change >= 0)
            terms = {here: 1.0, old: -1.0, delta: -1.0 if sign >= 0 else 1.0}
            self._equalities.append((terms, f"{self._cells[here].label} = {tag} + change"))
            linked += 1
        return linked

    def add_previous_sum(
        self,
        total: CellRef | Mapping[str, Any],
        parts: Sequence[CellRef | Mapping[str, Any]],
        *,
        tag: str,
        why: str,
    ) -> None:
        """Link cells of this report and of one published earlier that add up:
        ``total = sum(parts) + rest``, where the rest (the records the parts leave out,
        e.g. the periods of a year outside a report's span) is at least 0 and protected
        like any count.

        ``total`` and each part is a cell here (a :class:`CellRef`) or a cell of the
        earlier report (a ledger cell, as in :meth:`Ledger.entries`).
        """

        def index(x: CellRef | Mapping[str, Any]) -> int:
            if isinstance(x, CellRef):
                return self._index[self.cell(x.table, x.row, x.column)]
            return self._then_cell(x, tag)

        terms = {index(total): 1.0}
        for p in parts:
            k = index(p)
            terms[k] = terms.get(k, 0.0) - 1.0
        rest = self._change_cell(f"{why}: the rest", 1)
        terms[rest] = -1.0
        self._equalities.append((terms, why))

    def find(self, table: str, row: Mapping[str, Any], column: str) -> CellRef | None:
        """The count cell of ``table`` whose keys are ``row`` (``"text"``: a number in
        the prose, by its name as ``column``); None when there is none."""
        i = self._match({"table": table, "row": row, "column": column})
        return None if i is None else self._cells[i].ref

    def keys(self, table: str) -> pd.DataFrame:
        """The key columns of a registered table, one row per row (as strings)."""
        t = self._tables[table]
        return t.frame[t.keys].astype(str)

    def _then_cell(self, c: Mapping[str, Any], tag: str) -> int:
        """A cell of an earlier report: fixed, hidden (at least 1) when it was hidden."""
        value = c.get("value")
        old = self._new_cell(
            CellRef(f"[{tag}] {c['table']}", len(self._cells), c["column"]),
            np.nan if value is None else float(value),
            f"{tag} / {c['table']} / {c['row']} / {c['column']}",
            published=True,
            lower=1.0 if value is None else 0.0,
        )
        self._cells[old].fixed = True
        self._cells[old].hidden = value is None
        return old

    def _change_cell(self, label: str, sign: int) -> int:
        """A count the report does not know (a change, a rest): sensitive by its range."""
        i = self._new_cell(
            CellRef("[change]", len(self._cells), label),
            np.nan,
            label,
            published=False,
            lower=0.0 if sign != 0 else -_HUGE,
        )
        self._cells[i].sensitive_range = True
        return i

    def _match(self, c: Mapping[str, Any]) -> int | None:
        if c["table"] == "text":  # a number quoted in the prose, by its name
            hits = [
                i
                for i, x in enumerate(self._cells)
                if x.ref.table == "text" and x.ref.column == c["column"] and not x.fixed
            ]
            return hits[0] if len(hits) == 1 else None
        t = self._tables.get(c["table"])
        if t is None:
            return None
        row = {str(k): str(v) for k, v in c["row"].items()}
        if set(row) != set(t.keys):
            return None
        match = np.ones(len(t.frame), dtype=bool)
        for k, v in row.items():
            match &= (t.frame[k].astype(str) == v).to_numpy()
        hits = np.flatnonzero(match)
        if len(hits) != 1:
            return None
        return self._index.get(CellRef(t.name, int(hits[0]), c["column"]))

    # ---------------------------------------------------------------- protection
    def _check_relations(self) -> None:
        for terms, why in self._equalities:
            vals = [self._cells[i].value * a for i, a in terms.items()]
            if any(np.isnan(v) for v in vals):
                continue
            if abs(sum(vals)) > 1e-6:
                raise ValueError(f"declared relation does not hold on the data: {why}")

    def _sensitive(self, i: int) -> bool:
        c = self._cells[i]
        if c.fixed:
            return False
        if c.sensitive_range:
            return True
        return 0 < c.value < self.min_count

    def _propagate(self) -> None:
        """Hide derived cells whose sources are hidden; pick each share's step."""
        self._hidden_derived = {
            ref for ref, src in self._derived.items() if any(self._cells[s].hidden for s in src)
        }
        for s in self._shares:
            den = self._cells[s.den]
            if s.forced_hidden or s.ref in self._hidden_derived or den.hidden:
                s.step = 0.0
            elif self._pinned(s.num):
                s.step = s.base_step  # its count follows from printed cells anyway
            else:
                s.step = share_step(den.value, self.min_count, s.base_step)
            if s.step == 0.0:
                self._hidden_derived.add(s.ref)
            if s.step == 0.0 or s.step > s.base_step + 1e-12:
                self._hidden_derived.update(
                    CellRef(s.ref.table, s.ref.row, c) for c in s.companions
                )

    def _pinned(self, i: int) -> bool:
        """Cell ``i`` follows exactly from printed cells through one relation."""
        for terms, _ in self._equalities:
            if i in terms and all(not self._is_free(j) for j in terms if j != i):
                return True
        return False

    def _primary(self) -> None:
        for c in self._cells:
            if c.published and not c.fixed and 0 < c.value < self.min_count:
                c.hidden = True
        self._propagate()

    def protect(self, *, secondary: bool = True, max_steps: int = 2000) -> DisclosedReport:
        """Choose the suppressions and audit them.

        Primary suppression hides every sensitive printed count. Then, while the audit
        finds a sensitive cell (printed or not) whose feasible interval is narrower
        than ``min_count``, one more printed cell linked to it is hidden: in a relation
        with it, the smallest value that makes the hidden group at least
        ``min_count + 2`` large, else the largest (a greedy heuristic; never a zero).
        A printed percentage that pins it is hidden instead.

        Parameters
        ----------
        secondary : bool
            False: primary suppression only (for tests of the audit).
        max_steps : int
            Cells the heuristic may hide before giving up.

        Returns
        -------
        DisclosedReport

        Raises
        ------
        DisclosureError
            If a sensitive cell cannot be protected (the message names it).
        ValueError
            If a declared relation does not hold on the data.
        """
        self._check_relations()
        for c in self._cells:
            if not c.fixed:
                c.hidden = False
        for s in self._shares:
            s.step, s.forced_hidden = 0.0, False
        self._primary()
        if secondary:
            steps = 0
            for i in range(len(self._cells)):
                if not self._sensitive(i):
                    continue
                while not self._protected(i, integer=False):
                    if steps >= max_steps or not self._hide_one_for(i):
                        raise DisclosureError(self._message(i))
                    steps += 1
        return DisclosedReport(self)

    def _candidates(self, i: int, limit: int = 12) -> list[tuple[str, int, float]]:
        """Printed cells (``"cell"``) and percentages (``"share"``) linked to cell ``i``.

        Nearest first; among cells at the same distance the smallest value that makes
        the hidden group at least ``min_count + 2`` large, then the largest; never a zero.
        """
        target = self._cells[i]
        need = self.min_count + 2 - (0 if np.isnan(target.value) else target.value)
        reach = self._linked(i)
        out = []
        for j, depth in reach.items():
            c = self._cells[j]
            if c.hidden or c.fixed or not c.published or c.value <= 0:
                continue
            out.append(("cell", j, depth * 1e9 + (c.value if c.value >= need else 1e8 - c.value)))
        for k, s in enumerate(self._shares):
            linked = [reach.get(s.num, 9), reach.get(s.den, 9), 0 if s.num == i else 9]
            if s.step > 0 and not s.forced_hidden and min(linked) < 9:
                out.append(("share", k, min(linked) * 1e9))
        return sorted(out, key=lambda c: c[2])[:limit]

    def _apply(self, kind: str, k: int) -> None:
        if kind == "cell":
            self._cells[k].hidden = True
        else:
            self._shares[k].forced_hidden = True
        self._propagate()

    def _undo(self, kind: str, k: int) -> None:
        if kind == "cell":
            self._cells[k].hidden = False
        else:
            self._shares[k].forced_hidden = False
        self._propagate()

    def _n_withheld(self) -> int:
        return sum(c.hidden for c in self._cells) + len(self._hidden_derived)

    def _hide_one_for(self, i: int) -> bool:
        """Withhold one more printed cell or percentage for cell ``i``.

        Each candidate (:meth:`_candidates`) is tried: the one that protects cell ``i``
        while withholding the fewest printed figures (a count drags its rates and
        coefficients with it) is kept; if none protects it alone, the one that widens
        its interval most per figure withheld; if none widens it, the nearest. False
        when no candidate is left.
        """
        base = self._n_withheld()
        lo0, hi0 = self._range(i, integer=False)
        best: tuple[tuple[float, ...], str, int] | None = None
        candidates = self._candidates(i)
        for order, (kind, k, _) in enumerate(candidates):
            self._apply(kind, k)
            cost = self._n_withheld() - base
            lo, hi = self._range(i, integer=False)
            self._undo(kind, k)
            gain = (hi - lo) - (hi0 - lo0)
            key = (0.0, cost, order) if self._ok(i, lo, hi) else (1.0, -gain / cost, order)
            if gain > 0 and (best is None or key < best[0]):
                best = (key, kind, k)
        if best is None and candidates:
            # No single step widens it (the cell is pinned through two printed cells,
            # e.g. a total repeated in another table): withhold the nearest and go on.
            best = ((), candidates[0][0], candidates[0][1])
        if best is None:
            return False
        self._apply(best[1], best[2])
        return True

    def _linked(self, i: int, depth: int = 3) -> dict[int, int]:
        """Cells reachable from ``i`` through relations, with their distance."""
        seen = {i: 0}
        frontier = [i]
        for d in range(1, depth + 1):
            nxt = []
            for a in frontier:
                for terms, _ in self._equalities:
                    if a not in terms:
                        continue
                    for b in terms:
                        if b not in seen:
                            seen[b] = d
                            # walk on through hidden or unprinted cells only
                            cb = self._cells[b]
                            if cb.hidden or not cb.published:
                                nxt.append(b)
            frontier = nxt
        seen.pop(i)
        return seen

    # ---------------------------------------------------------------- the audit
    def _is_free(self, i: int) -> bool:
        c = self._cells[i]
        return c.hidden or not c.published or np.isnan(c.value)

    def _active_shares(self) -> list[_Share]:
        return [s for s in self._shares if s.step > 0 and s.ref not in self._hidden_derived]

    def _component(self, i: int) -> tuple[list[int], list[int], list[_Share]]:
        """The free cells linked to cell ``i``, and the relations among them.

        The attacker's problem splits into independent pieces: relations only link
        cells through cells that are not known exactly. Solving each cell over its own
        piece gives the same bounds as the whole system, much faster.
        """
        if getattr(self, "_eq_of_size", -1) != len(self._equalities):
            self._eq_of: dict[int, list[int]] = {}
            for k, (terms, _) in enumerate(self._equalities):
                for j in terms:
                    self._eq_of.setdefault(j, []).append(k)
            self._eq_of_size = len(self._equalities)
        eq_of = self._eq_of
        shares = self._active_shares()
        share_of: dict[int, list[int]] = {}
        for k, sh in enumerate(shares):
            share_of.setdefault(sh.num, []).append(k)
            share_of.setdefault(sh.den, []).append(k)
        cells, eqs, shs = {i}, set(), set()
        todo = [i]
        while todo:
            a = todo.pop()
            linked = [self._equalities[k][0] for k in eq_of.get(a, ()) if k not in eqs]
            eqs.update(eq_of.get(a, ()))
            for k in share_of.get(a, ()):
                if k not in shs:
                    shs.add(k)
                    linked.append({shares[k].num: 1.0, shares[k].den: 1.0})
            for terms in linked:
                for j in terms:
                    if j not in cells and self._is_free(j):
                        cells.add(j)
                        todo.append(j)
        return sorted(cells), sorted(eqs), [shares[k] for k in sorted(shs)]

    def _system(self, free: list[int], eqs: list[int], shares: list[_Share]) -> tuple[Any, ...]:
        """``A_eq x = b_eq``, ``A_ub x <= b_ub`` and bounds over the ``free`` cells.

        Dense: a piece holds a handful to a few hundred cells, where scipy's sparse
        set-up costs more than it saves.
        """
        col = {i: k for k, i in enumerate(free)}
        known = lambda j: self._cells[j].value  # noqa: E731 - a cell known exactly
        rows, cols, vals, b_eq = [], [], [], []
        for r, k in enumerate(eqs):
            terms = self._equalities[k][0]
            b_eq.append(-sum(a * known(j) for j, a in terms.items() if j not in col))
            for j, a in terms.items():
                if j in col:
                    rows.append(r), cols.append(col[j]), vals.append(a)
        a_eq = np.zeros((len(b_eq), len(free)))
        np.add.at(a_eq, (np.asarray(rows, dtype=int), np.asarray(cols, dtype=int)), vals)
        urows, ucols, uvals, b_ub = [], [], [], []
        for s in shares:
            shown = round(s.value / s.step) * s.step
            lo, hi = shown - s.step / 2, shown + s.step / 2
            for coef_num, coef_den in ((-1.0, lo), (1.0, -hi)):  # lo*d <= n <= hi*d
                rhs = 0.0
                for j, a in ((s.num, coef_num), (s.den, coef_den)):
                    if j in col:
                        urows.append(len(b_ub)), ucols.append(col[j]), uvals.append(a)
                    else:
                        rhs -= a * known(j)
                b_ub.append(rhs)
        a_ub = np.zeros((len(b_ub), len(free)))
        np.add.at(a_ub, (np.asarray(urows, dtype=int), np.asarray(ucols, dtype=int)), uvals)
        bounds = [
            (
                1.0
                if (self._cells[i].published and self._cells[i].hidden)
                else self._cells[i].lower,
                _HUGE,
            )
            for i in free
        ]
        return free, a_eq, np.asarray(b_eq), a_ub, np.asarray(b_ub), bounds

    def _range(self, i: int, *, integer: bool) -> tuple[float, float]:
        """Smallest and largest value of cell ``i`` consistent with what is published."""
        from scipy.optimize import Bounds, LinearConstraint, linprog, milp

        if not self._is_free(i):
            v = self._cells[i].value
            return v, v
        free, a_eq, b_eq, a_ub, b_ub, bounds = self._system(*self._component(i))
        k = free.index(i)
        if a_eq.shape[0] == 0 and a_ub.shape[0] == 0:
            return bounds[k]
        out = []
        for sign in (1.0, -1.0):
            cost = np.zeros(len(free))
            cost[k] = sign
            res = linprog(
                cost,
                A_ub=a_ub if a_ub.shape[0] else None,
                b_ub=b_ub if a_ub.shape[0] else None,
                A_eq=a_eq if a_eq.shape[0] else None,
                b_eq=b_eq if a_eq.shape[0] else None,
                bounds=bounds,
                method="highs",
            )
            # An integral vertex is also the integer optimum: integer programming is
            # needed only where the linear optimum is fractional.
            if integer and res.status == 0 and np.abs(res.x - np.round(res.x)).max() > 1e-7:
                cons = []
                if a_eq.shape[0]:
                    cons.append(LinearConstraint(a_eq, b_eq, b_eq))
                if a_ub.shape[0]:
                    cons.append(LinearConstraint(a_ub, -np.inf, b_ub))
                lb, ub = np.array(bounds).T
                res = milp(
                    cost, constraints=cons, integrality=np.ones(len(free)), bounds=Bounds(lb, ub)
                )
            if res.status != 0 or res.x is None:
                raise DisclosureError(
                    f"the disclosure audit could not be solved for {self._cells[i].label} "
                    f"({res.message}): the published figures are inconsistent with the "
                    "declared relations"
                )
            out.append(sign * res.fun)
        return math.ceil(out[0] - 1e-6), math.floor(out[1] + 1e-6)

    def _ok(self, i: int, lo: float, hi: float) -> bool:
        c = self._cells[i]
        if c.sensitive_range and (
            (lo >= -0.5 and hi <= 0.5)
            or lo >= self.min_count - 0.5
            or hi <= -(self.min_count - 0.5)
        ):
            # a change known to be 0, or known to be at least min_count either way
            return True
        return hi - lo >= self.min_count - 1e-9

    def _protected(self, i: int, *, integer: bool) -> bool:
        c = self._cells[i]
        if c.published and not c.hidden and not c.fixed:
            return False  # a sensitive count printed as is
        lo, hi = self._range(i, integer=integer)
        return self._ok(i, lo, hi)

    def _message(self, i: int) -> str:
        c = self._cells[i]
        if c.published and not c.hidden:
            return (
                f"disclosure audit failed: {c.label} is a count below {self.min_count} and printed"
            )
        lo, hi = self._range(i, integer=False)
        return f"disclosure audit failed: {c.label} {_narrowing(hi - lo, self.min_count)}"

    def audit(self, *, integer: bool = True) -> pd.DataFrame:
        """The attacker's problem for every hidden or sensitive cell.

        Parameters
        ----------
        integer : bool
            Refine the linear-programming bounds with integer programming
            (``scipy.optimize.milp``): an attacker knows counts are whole numbers.

        Returns
        -------
        DataFrame
            One row per cell that is hidden, unprinted or sensitive: ``table``,
            ``row``, ``column``, ``label``, ``hidden``, ``printed``, ``sensitive``,
            ``lower``, ``upper`` (the feasible interval), ``width`` and ``protected``
            (True for non-sensitive cells; for sensitive ones: hidden and
            ``upper - lower >= min_count``). Cell values are not included: the audit
            table is safe to keep beside a published report.
        """
        rows = []
        for i, c in enumerate(self._cells):
            sens = self._sensitive(i)
            if c.fixed or not (sens or (c.published and c.hidden)):
                continue
            if c.published and not c.hidden:
                lo = hi = c.value
            else:
                lo, hi = self._range(i, integer=False)
                if integer and sens and hi - lo < 1e6:
                    lo, hi = self._range(i, integer=True)
            row = c.ref.row
            tab = self._tables.get(c.ref.table)
            rows.append(
                {
                    "table": c.ref.table,
                    "row": _row_label(tab.frame, tab.keys, row) if tab else "",
                    "column": c.ref.column,
                    "label": c.label,
                    "hidden": c.hidden,
                    "printed": c.published,
                    "sensitive": sens,
                    "lower": float(lo),
                    "upper": float(hi),
                    "width": float(hi - lo),
                    "protected": (not sens)
                    or (bool(c.hidden or not c.published) and self._ok(i, lo, hi)),
                }
            )
        cols = [
            "table",
            "row",
            "column",
            "label",
            "hidden",
            "printed",
            "sensitive",
            "lower",
            "upper",
            "width",
            "protected",
        ]
        return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- results
class DisclosedReport:
    """The outcome of :meth:`Disclosure.protect`: published tables and their audit."""

    def __init__(self, disclosure: Disclosure) -> None:
        self._d = disclosure
        self.min_count = disclosure.min_count
        self._audit: pd.DataFrame | None = None
        self.extra: dict[str, pd.DataFrame] = {}
        """Further published frames a builder derived from the tables (e.g. curves)."""

    @property
    def names(self) -> list[str]:
        """The registered tables, in order."""
        return list(self._d._tables)

    @property
    def public_names(self) -> list[str]:
        """The registered tables that print at least one column beyond their keys."""
        return [n for n, t in self._d._tables.items() if set(t.columns) - set(t.keys)]

    def audit(self, *, integer: bool = True) -> pd.DataFrame:
        """The audit table (:meth:`Disclosure.audit`), computed once."""
        if self._audit is None:
            self._audit = self._d.audit(integer=integer)
        return self._audit

    def check(self) -> pd.DataFrame:
        """Run the audit; raise :class:`DisclosureError` naming the first failing cell.

        Returns the audit table when every sensitive cell is protected.
        """
        a = self.audit()
        bad = a[~a["protected"]]
        if len(bad):
            r = bad.iloc[0]
            more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
            raise DisclosureError(
                f"disclosure audit failed: {r['label']} (table {r['table']}, row "
                f"{r['row']}, column {r['column']}) "
                f"{_narrowing(r['width'], self.min_count)}{more}"
            )
        return a

    def number(self, name: str) -> float:
        """A number registered with :meth:`Disclosure.add_number`: NaN when hidden."""
        for c in self._d._cells:
            if c.ref.table == "text" and c.ref.column == name:
                return np.nan if c.hidden else c.value
        raise KeyError(f"no number {name!r} registered")

    def hidden(self, name: str) -> pd.DataFrame:
        """Which cells of table ``name`` are hidden (every column of the table)."""
        t = self._d._tables[name]
        mask = pd.DataFrame(False, index=t.frame.index, columns=t.frame.columns)
        for ref, i in self._d._index.items():
            if ref.table == name and ref.column in mask.columns and self._d._cells[i].hidden:
                mask.loc[ref.row, ref.column] = True
        for ref in self._d._hidden_derived:
            if ref.table == name and ref.column in mask.columns:
                mask.loc[ref.row, ref.column] = True
        return mask

    def _steps(self, name: str) -> dict[tuple[int, str], float]:
        return {
            (s.ref.row, s.ref.column): s.step
            for s in self._d._shares
            if s.ref.table == name and s.step > 0
        }

    def values(self, name: str) -> pd.DataFrame:
        """Table ``name`` with hidden cells NaN and coarsened percentages rounded.

        A column ``suppressed`` is added: True for a row with a printed cell hidden
        (figures draw a "suppressed" placeholder there, never an absent bar).
        """
        t = self._d._tables[name]
        out = t.frame.copy()
        mask = self.hidden(name)
        out["suppressed"] = mask[[c for c in t.columns if c in mask]].any(axis=1)
        for c in mask.columns:
            if mask[c].any():
                out[c] = out[c].where(~mask[c])
        for (row, col), step in self._steps(name).items():
            base = _format_step(t.formats.get(col))
            if step > base + 1e-12:
                out.loc[row, col] = round(float(out.loc[row, col]) / step) * step
        return out

    def shown(self, name: str) -> pd.DataFrame:
        """The display strings of the printed columns of table ``name``."""
        t = self._d._tables[name]
        mask = self.hidden(name)
        steps = self._steps(name)
        out = pd.DataFrame(index=t.frame.index)
        for col in t.columns:
            fmt = t.formats.get(col)
            is_count = col in t.counts
            cells = []
            for i, v in enumerate(t.frame[col]):
                if mask[col].iloc[i]:
                    cells.append(SUPPRESSED)
                    continue
                step = steps.get((i, col))
                if step and step > _format_step(fmt) + 1e-12:
                    cells.append(f"\u2248{round(float(v) / step) * step:.0%}")
                else:
                    cells.append(_format_value(v, fmt, is_count, "n/a"))
            out[col] = cells
        return out

    def table(self, name: str) -> PublishedTable:
        """Table ``name`` as published."""
        t = self._d._tables[name]
        return PublishedTable(
            name,
            t.caption,
            tuple(k for k in t.keys if k in t.columns),
            tuple(t.columns),
            self.shown(name),
            self.values(name),
            self.hidden(name),
            self.min_count,
            dict(t.labels),
        )

    def ledger_cells(self) -> list[dict[str, Any]]:
        """What this report publishes, as ledger cells: printed counts only.

        Each is ``{"table", "row": {key: value}, "column", "value"}`` with ``value``
        None where hidden; a number quoted in the prose is ``{"table": "text", "row":
        {}, "column": its name, ...}``. Hidden values are never written.
        """
        out = []
        for ref, i in self._d._index.items():
            c = self._d._cells[i]
            t = self._d._tables.get(ref.table)
            if not c.published or c.fixed or (t is None and ref.table != "text"):
                continue
            row = {} if t is None else {k: str(t.frame[k].iloc[ref.row]) for k in t.keys}
            out.append(
                {
                    "table": ref.table,
                    "row": row,
                    "column": ref.column,
                    "value": None if c.hidden else int(round(c.value)),
                }
            )
        return out


# --------------------------------------------------------------------------- ledger
class Ledger:
    """What has been published, kept beside the reports (``published-ledger.json``).

    Each entry records one published report: its name, kind, scope (first and last
    period, pathway), the sha256 of the data it was made from, when, and every count
    cell it printed (hidden cells recorded as hidden, never with their value). The next
    report's audit includes the earlier entries (:meth:`Disclosure.add_previous`), so
    that subtracting two published tables gives nothing away.

    Parameters
    ----------
    path : str or Path
        The ledger file (created on the first :meth:`record`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     led = Ledger(pathlib.Path(tmp) / "published-ledger.json")
    ...     led.record("sections-2024-01-to-2026-05", kind="sections", data_sha256="ab",
    ...                scope={"first_window": "2024-01", "last_window": "2026-05",
    ...                       "pathway": None}, cells=[])
    ...     [e["report"] for e in Ledger(led.path).entries()]
    ['sections-2024-01-to-2026-05']
    """

    NAME: Final[str] = "published-ledger.json"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"version": 1, "datasets": {}}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DisclosureError(
                f"the publication ledger {self.path} cannot be read ({exc}); it records "
                "what has been published and is needed for the audit: restore it"
            ) from exc
        if not isinstance(data, dict) or "datasets" not in data:
            raise DisclosureError(f"the publication ledger {self.path} is not a ledger")
        return data

    def entries(self, data_sha256: str | None = None) -> list[dict[str, Any]]:
        """Earlier entries, oldest first (only those of one dataset when given)."""
        data = self._load()
        out = []
        for sha, entries in data["datasets"].items():
            if data_sha256 is None or sha == data_sha256:
                out.extend({**e, "data_sha256": sha} for e in entries)
        return sorted(out, key=lambda e: e.get("written", ""))

    def record(
        self,
        report: str,
        *,
        kind: str,
        data_sha256: str,
        scope: Mapping[str, Any],
        cells: list[dict[str, Any]],
        min_count: int | None = None,
    ) -> None:
        """Add (or replace) the entry of a published report; written atomically.

        ``min_count`` is the threshold it was published at (kept with the entry)."""
        data = self._load()
        entries = data["datasets"].setdefault(data_sha256, [])
        entries[:] = [e for e in entries if e.get("report") != report]
        entries.append(
            {
                "report": report,
                "kind": kind,
                "scope": dict(scope),
                "written": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                "cells": cells,
                **({} if min_count is None else {"min_count": int(min_count)}),
            }
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".ledger-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)


def scope_nested(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """True when the earlier scope's population is inside the new one.

    Scopes are ``{"first_window", "last_window", "pathway"}`` (pathway None: all).

    Examples
    --------
    >>> scope_nested({"first_window": "2024-01", "last_window": "2026-05", "pathway": None},
    ...              {"first_window": "2024-01", "last_window": "2026-09", "pathway": None})
    True
    """
    first_ok = str(new.get("first_window") or "") <= str(old.get("first_window") or "")
    last_ok = str(old.get("last_window") or "") <= str(new.get("last_window") or "\uffff")
    path_ok = not new.get("pathway") or new.get("pathway") == old.get("pathway")
    return bool(first_ok and last_ok and path_ok)


__all__ += ["scope_nested"]


# --------------------------------------------------------------------------- per table
# The table-by-table rules of the first version, kept for callers that format one
# table on its own (the staff report formats with them, suppressing nothing).


def suppress_counts(counts: pd.Series, min_count: int = DEFAULT_MIN_COUNT) -> pd.Series:
    """Primary small-count suppression: True where 0 < count < ``min_count``.

    Zero stays visible (a true zero reveals nobody).

    Examples
    --------
    >>> suppress_counts(pd.Series([0, 1, 4, 5])).tolist()
    [False, True, True, False]
    """
    c = pd.to_numeric(counts, errors="coerce")
    return (c > 0) & (c < min_count)


def _check_columns(table: pd.DataFrame, cols: Iterable[str], what: str) -> None:
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise KeyError(
            f"{what}: column(s) {missing} not in the table (columns: {list(table.columns)})"
        )


def suppression_mask(
    table: pd.DataFrame,
    counts: str | Sequence[str],
    *,
    derived: Mapping[str, str | Sequence[str]] | None = None,
    parts: Mapping[str, Sequence[str]] | None = None,
    subsets: Mapping[str, str] | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
) -> pd.DataFrame:
    """Which cells of one table must be hidden, within its rows.

    The table-by-table rule: primary suppression, derived cells, a second part when
    one part of a row is hidden, a count whose complement is small. It does not see
    other tables, nor relations across rows: a published report uses
    :class:`Disclosure`, which does.

    Parameters
    ----------
    table : DataFrame
    counts : str or sequence of str
        Count columns; 1 .. ``min_count - 1`` is hidden, zero stays.
    derived : mapping, optional
        ``{column: count column(s)}``, hidden when one of them is.
    parts : mapping, optional
        ``{total: parts}``; a lone hidden part takes the next-smallest non-zero part
        (or the total) with it.
    subsets : mapping, optional
        ``{count: total}``; the count is hidden when ``total - count`` is small.
    min_count : int

    Returns
    -------
    DataFrame of bool (True: hide)

    Raises
    ------
    KeyError
        If a named column is not in ``table``.
    ValueError
        If ``min_count`` is below 1.

    Examples
    --------
    >>> t = pd.DataFrame({"n": [10, 40], "referred": [3, 0], "not_referred": [7, 40]})
    >>> suppression_mask(t, ["n", "referred", "not_referred"],
    ...                  parts={"n": ["referred", "not_referred"]}).to_dict("list")
    {'n': [False, False], 'referred': [True, False], 'not_referred': [True, False]}
    """
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}")
    count_cols = _list(counts)
    derived_map = {k: _list(v) for k, v in (derived or {}).items()}
    parts_map = {k: _list(v) for k, v in (parts or {}).items()}
    subsets_map = dict(subsets or {})
    _check_columns(table, count_cols, "counts")
    _check_columns(table, derived_map, "derived")
    for k, v in derived_map.items():
        _check_columns(table, v, f"derived[{k!r}]")
    for k, v in parts_map.items():
        _check_columns(table, [k, *v], f"parts[{k!r}]")
    for k, v in subsets_map.items():
        _check_columns(table, [k, v], f"subsets[{k!r}]")
    part_cols = [c for v in parts_map.values() for c in v]
    cells = list(
        dict.fromkeys(
            [*count_cols, *parts_map, *part_cols, *subsets_map, *subsets_map.values(), *derived_map]
        )
    )
    values = table[cells].apply(pd.to_numeric, errors="coerce")
    mask = pd.DataFrame(False, index=table.index, columns=cells)
    for c in dict.fromkeys([*count_cols, *parts_map, *part_cols]):
        mask[c] = suppress_counts(values[c], min_count).to_numpy()
    for k, total in subsets_map.items():
        complement = values[total] - values[k]
        mask[k] |= (suppress_counts(complement, min_count) & (values[k] > 0)).to_numpy()
    while True:
        before = mask.to_numpy().copy()
        _hide_lone_parts(mask, values, parts_map)
        for col, sources in derived_map.items():
            mask[col] |= mask[sources].any(axis=1)
        if np.array_equal(before, mask.to_numpy()):
            return mask


def _hide_lone_parts(
    mask: pd.DataFrame, values: pd.DataFrame, parts_map: Mapping[str, list[str]]
) -> None:
    for total, cols in parts_map.items():
        part_vals = values[cols].to_numpy(dtype=np.float64)
        for i in range(len(mask)):
            hidden = mask[cols].to_numpy()[i]
            if hidden.sum() != 1 or mask[total].iloc[i]:
                continue
            free = (~hidden) & (np.nan_to_num(part_vals[i], nan=0.0) > 0)
            if free.any():
                j = int(np.argmin(np.where(free, part_vals[i], np.inf)))
                mask.iloc[i, mask.columns.get_loc(cols[j])] = True
            else:
                mask.iloc[i, mask.columns.get_loc(total)] = True


def disclose(
    table: pd.DataFrame,
    counts: str | Sequence[str],
    *,
    derived: Mapping[str, str | Sequence[str]] | None = None,
    parts: Mapping[str, Sequence[str]] | None = None,
    subsets: Mapping[str, str] | None = None,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
    missing: str = "n/a",
) -> pd.DataFrame:
    """Format one table, hiding the cells :func:`suppression_mask` marks.

    Parameters
    ----------
    table : DataFrame
    counts, derived, parts, subsets, min_count
        As for :func:`suppression_mask`.
    formats : mapping, optional
        ``{column: format}``: a ``str.format`` pattern or a callable; counts default to
        whole numbers, other numbers to ``"{:.3g}"``.
    missing : str
        Shown for a missing value that is not hidden.

    Returns
    -------
    DataFrame of str. A count hidden by primary suppression reads ``"<5"`` (with
    ``min_count`` 5); any other hidden cell :data:`SUPPRESSED`; zero stays ``"0"``.

    Examples
    --------
    >>> t = pd.DataFrame({"section": ["1a", "1b"], "n": [12, 30], "referred": [2, 9],
    ...                   "rate": [2 / 12, 9 / 30]})
    >>> disclose(t, ["n", "referred"], derived={"rate": "referred"},
    ...          formats={"rate": "{:.0%}"}).to_dict("list")
    {'section': ['1a', '1b'], 'n': ['12', '30'], 'referred': ['<5', '9'], 'rate': ['suppressed', '30%']}
    """
    count_cols = _list(counts)
    mask = suppression_mask(
        table, count_cols, derived=derived, parts=parts, subsets=subsets, min_count=min_count
    )
    is_count = {*count_cols, *(parts or {}), *[c for v in (parts or {}).values() for c in v]}
    fmts = dict(formats or {})
    out = pd.DataFrame(index=table.index)
    for col in table.columns:
        small = suppress_counts(table[col], min_count) if col in is_count else None
        shown = []
        for i, value in enumerate(table[col]):
            if col in mask.columns and mask[col].iloc[i]:
                shown.append(f"<{min_count}" if small is not None and small.iloc[i] else SUPPRESSED)
            else:
                shown.append(_format_value(value, fmts.get(col), col in is_count, missing))
        out[col] = shown
    return out


def _format_value(
    value: Any, fmt: str | Callable[[Any], str] | None, is_count: bool, missing: str
) -> str:
    if value is None or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)
    ):
        return missing
    if callable(fmt):
        return str(fmt(value))
    if fmt is not None:
        return fmt.format(value)
    if is_count:
        return f"{int(round(float(value)))}"
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return (
            str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:.3g}"
        )
    return str(value)
