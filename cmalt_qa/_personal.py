"""Personal data is refused, never processed (CONTRACT.md section 1): a column whose
header names a person or an e-mail address, any cell that looks like an e-mail
address, and a key cell that looks like a person's name."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

import numpy as np
import pandas as pd

from . import scheme
from ._errors import Refusal

__all__ = ["check_columns", "check_personal_cells", "looks_like_name"]

_EMAIL = re.compile(r"[\w.%+\-']+@[\w.\-]+\.[^\W\d_]{2,}")

_NAME_WORDS: Final = (
    r"first|last|full|given|family|middle|maiden|sur|fore|display|preferred|legal|"
    r"assessor|candidate|lead|second|person|user|applicant|reviewer|mentor|student|"
    r"staff|contact|author|owner|participant|member"
)
_PERSONAL_COLUMN = re.compile(
    rf"^(?:(?:.*_)?(?:{_NAME_WORDS})_?names?|names?|"
    r"(?:.*_)?(?:surname|forename|initials|e_?mails?|mail))(?:_.*)?$"
)
"""A header (normalised by :func:`_normal_header`) that names a person or an e-mail:
``name``, ``Full Name``, ``First name``, ``Last-Name``, ``Assessor Name``, ``E-mail``,
``Email Address``; not ``pathway_name`` or ``section_name`` (a name of a thing)."""

_NOT_A_PERSON: Final = frozenset(
    "team group panel pool unit board committee cohort round batch window period "
    "alpha beta gamma delta red blue green north south east west assessor reviewer "
    "candidate portfolio submission section pathway test sample example".split()
)
"""Words that make two capitalised words a label, not a person (``Team Alpha``)."""


def _normal_header(name: object) -> str:
    """Lower case, runs of anything but letters and digits as one ``_``."""
    return re.sub(r"[\W_]+", "_", str(name).strip().lower()).strip("_")


def looks_like_name(value: str) -> bool:
    """Two to four capitalised words of letters (any script), apostrophes or hyphens
    inside (``José García``, ``Siobhán O'Brien``, ``Ian McDonald``, ``Anne-Marie Roy``),
    none of them a label word (``Team Alpha``).

    Examples
    --------
    >>> [looks_like_name(v) for v in ["José García", "Siobhán O'Brien", "Ian McDonald"]]
    [True, True, True]
    >>> [looks_like_name(v) for v in ["Team Alpha", "A001", "S 12", "HE"]]
    [False, False, False, False]
    """
    words = value.split()
    if not 2 <= len(words) <= 4:
        return False
    for w in words:
        letters = w.replace("'", "").replace("’", "").replace("-", "")
        if not (letters.isalpha() and w[0].isupper() and any(ch.islower() for ch in w)):
            return False
        if w.lower() in _NOT_A_PERSON:
            return False
    return True


def check_columns(file: str, frame: pd.DataFrame, required: Iterable[str]) -> None:
    """Refuse a table that lacks a required column or carries personal data."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise Refusal(
            f"{file}: required column(s) missing: {', '.join(missing)} "
            f"(columns found: {', '.join(map(str, frame.columns)) or 'none'})"
        )
    for c in frame.columns:
        if _PERSONAL_COLUMN.match(_normal_header(c)):
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
        # the values at once finds a candidate ("@" for an e-mail; a space or tab for
        # a name: pseudonymous keys hold none)
        name_candidate = c in scheme.ID_COLUMNS and (" " in joined or "\t" in joined)
        if "@" not in joined and not name_candidate:
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
            if name_candidate and looks_like_name(u):
                row = int(frame.loc[frame[c] == u, "row"].iloc[0])
                raise Refusal(  # the value is never echoed
                    f"{file}, row {row}, column {c!r}: the cell looks like a person's name, "
                    "not a pseudonymous key. Personal data is refused, never processed "
                    "(see `cmalt-qa anonymise`). Nothing was loaded."
                )
