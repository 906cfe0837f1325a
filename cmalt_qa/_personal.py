"""Personal data is refused, never processed (CONTRACT.md section 1): a column whose
header names a person or an e-mail address, any cell that looks like an e-mail
address, and a key cell that looks like a person's name."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from . import scheme
from ._errors import Refusal

__all__ = ["check_columns", "check_personal_cells"]

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
        if "@" not in joined and not (c in scheme.ID_COLUMNS and _NAME_START.search("\n" + joined)):
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
            if c in scheme.ID_COLUMNS and _PERSON_NAME.match(u):
                row = int(frame.loc[frame[c] == u, "row"].iloc[0])
                raise Refusal(
                    f"{file}, row {row}, column {c!r}: {u!r} looks like a person's name, "
                    "not a pseudonymous key. Personal data is refused, never processed "
                    "(see `cmalt-qa anonymise`). Nothing was loaded."
                )
