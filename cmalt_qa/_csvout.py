"""Writing CSV files that a spreadsheet opens safely (OWASP "CSV injection"): a cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run as a
formula, so it gets a leading ``'`` (shown as text, the value otherwise unchanged)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

__all__ = ["FORMULA_START", "neutralise", "neutralise_frame", "write_csv"]

FORMULA_START: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet read a cell as a formula (OWASP)."""


def neutralise(text: object) -> object:
    """``'`` in front of a text a spreadsheet would run as a formula; other values as
    they are.

    Examples
    --------
    >>> neutralise("=cmd|' /C calc'!A0"), neutralise("+1+1"), neutralise("pass")
    ("'=cmd|' /C calc'!A0", "'+1+1", 'pass')
    """
    if isinstance(text, str) and text.startswith(FORMULA_START):
        return "'" + text
    return text


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and header) neutralised."""
    out = frame.copy()
    out.columns = [neutralise(c) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if pd.api.types.is_string_dtype(col.dtype):  # object, or pandas' string dtype
            out.isetitem(i, col.map(neutralise, na_action="ignore"))
    return out


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` (without its index) as UTF-8 CSV with formulas neutralised."""
    path = Path(path)
    neutralise_frame(frame).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path
