"""Turn a raw CMALT export into pseudonymous records (``cmalt-qa anonymise``).

A raw export is a folder with ``submissions.csv``, ``ratings.csv`` and optionally
``assessors.csv`` whose identifying columns may hold real names, e-mail addresses or
portfolio links. :func:`anonymise` writes the same three files with

* **keys pseudonymised**: ``submission_id`` (prefix ``S``), ``portfolio_id`` (``P``),
  ``lead_assessor``, ``second_assessor`` and ``assessor_id`` (``A``, one namespace, so an
  assessor keeps one key in both files), ``candidate_id`` (``C``) if present. A pseudonym
  is the prefix plus the first :data:`DIGEST_HEX` hex digits of
  ``HMAC-SHA256(key, kind + NUL + normalised value)``; values are normalised by trimming,
  collapsing white space and case-folding, so ``"Jane  Smith"`` and ``"jane smith"`` agree.
  The same key gives the same pseudonyms across windows and exports; another key gives
  unrelated ones; without the key they cannot be reversed or recomputed.
* **only known columns kept**: the other columns of CONTRACT.md section 1 pass through;
  every other column (names, e-mails, links, comments, anything unrecognised) is dropped
  and listed in the report. Pass-through cells that look like an e-mail address or a web
  link are blanked and counted.
* **no raw identifier written**: no mapping table is written, and messages never quote a
  cell value.

If ``portfolio_id`` is missing, it is derived from the first present of
:data:`PORTFOLIO_SOURCES` (e.g. the candidate's e-mail), which is then dropped.

The key file holds the secret (at least :data:`MIN_KEY_LENGTH` characters after trimming);
:func:`new_key_file` creates one. Keep it apart from the data: whoever holds it can test
a guessed identity against a pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from . import _csvout, _readers, scheme
from ._errors import RecordsError

__all__ = [
    "anonymise",
    "pseudonym",
    "pseudonymise",
    "read_key",
    "new_key_file",
    "AnonymiseError",
    "AnonymiseReport",
    "DIGEST_HEX",
    "MIN_KEY_LENGTH",
    "PORTFOLIO_SOURCES",
]

DIGEST_HEX: Final[int] = 12
"""Hex digits kept (48 bits): collisions are unlikely below millions of keys, and checked."""
MIN_KEY_LENGTH: Final[int] = 32

_KEY_COLUMNS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    # file -> column -> (namespace, prefix)
    "submissions": {
        "submission_id": ("submission", "S"),
        "portfolio_id": ("portfolio", "P"),
        "lead_assessor": ("assessor", "A"),
        "second_assessor": ("assessor", "A"),
        "candidate_id": ("candidate", "C"),
    },
    "ratings": {"submission_id": ("submission", "S")},
    "assessors": {"assessor_id": ("assessor", "A")},
}
_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "submissions": scheme.SUBMISSION_COLUMNS,
    "ratings": scheme.RATING_COLUMNS,
    "assessors": scheme.ASSESSOR_COLUMNS,
}
_PASS_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    t: tuple(c for c in cols if c not in scheme.ID_COLUMNS) for t, cols in _COLUMNS.items()
}
"""The contract's columns that are not keys: copied as they are."""
PORTFOLIO_SOURCES: Final[tuple[str, ...]] = (
    "portfolio_link", "portfolio_url", "portfolio", "candidate_email", "candidate_name",
    "candidate",
)  # fmt: skip
_REQUIRED_FILES: Final[tuple[str, ...]] = tuple(
    t for t in scheme.TABLES if t not in scheme.OPTIONAL_TABLES
)
_LOOKS_PERSONAL = re.compile(
    r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}|https?://|www\.", re.IGNORECASE
)


class AnonymiseError(ValueError):
    """The export or the key cannot be used; the message never quotes a cell value."""


@dataclass
class AnonymiseReport:
    """What :func:`anonymise` did.

    Attributes
    ----------
    out : Path
        Folder written.
    rows : dict
        File name -> rows written.
    pseudonymised : dict
        File name -> columns replaced by pseudonyms.
    dropped : dict
        File name -> columns dropped.
    blanked : dict
        ``"file:column"`` -> number of pass-through cells blanked (e-mail or link).
    portfolio_source : str or None
        The column ``portfolio_id`` was derived from, when it was missing.
    """

    out: Path
    rows: dict[str, int] = field(default_factory=dict)
    pseudonymised: dict[str, list[str]] = field(default_factory=dict)
    dropped: dict[str, list[str]] = field(default_factory=dict)
    blanked: dict[str, int] = field(default_factory=dict)
    portfolio_source: str | None = None

    def summary(self) -> str:
        """Plain-text account for the command line (column names only, no values)."""
        lines = [f"Wrote pseudonymous data to {self.out}"]
        for name, n in self.rows.items():
            lines.append(f"  {name}: {n} rows")
            if self.pseudonymised.get(name):
                lines.append(f"    pseudonymised: {', '.join(self.pseudonymised[name])}")
            if self.dropped.get(name):
                lines.append(f"    dropped: {', '.join(self.dropped[name])}")
        if self.portfolio_source:
            lines.append(f"  portfolio_id derived from {self.portfolio_source}")
        for where, n in self.blanked.items():
            lines.append(f"  blanked {n} cell(s) looking like an e-mail address or link in {where}")
        return "\n".join(lines)


def read_key(key_file: str | Path) -> bytes:
    """The secret key in ``key_file`` (surrounding white space removed).

    Raises
    ------
    AnonymiseError
        If the file is missing, unreadable, empty or shorter than :data:`MIN_KEY_LENGTH`.
    """
    path = Path(key_file)
    if not path.is_file():
        raise AnonymiseError(
            f"key file {path} not found: anonymise needs a secret key "
            "(create one with --new-key and keep it for every export)"
        )
    key = path.read_bytes().strip()
    if not key:
        raise AnonymiseError(f"key file {path} is empty")
    if len(key) < MIN_KEY_LENGTH:
        raise AnonymiseError(
            f"key in {path} is too short ({len(key)} characters; at least {MIN_KEY_LENGTH})"
        )
    return key


def new_key_file(path: str | Path) -> Path:
    """Write a fresh random key (64 hex characters) to ``path``, readable by the owner only.

    Raises
    ------
    AnonymiseError
        If ``path`` exists (a key is never overwritten: pseudonyms would change).
    """
    p = Path(path)
    if p.exists():
        raise AnonymiseError(f"{p} exists; refusing to overwrite a key (pseudonyms would change)")
    p.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return p


def _normalise(value: str) -> str:
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.split()).casefold()


def pseudonym(value: str, key: bytes, kind: str, prefix: str) -> str:
    """Keyed pseudonym of one identifier (see the module docstring)."""
    msg = f"{kind}\x00{_normalise(value)}".encode()
    return prefix + hmac.new(key, msg, hashlib.sha256).hexdigest()[:DIGEST_HEX]


def pseudonymise(values: pd.Series, key: bytes, kind: str, prefix: str) -> pd.Series:
    """Pseudonyms for a column; blank cells stay blank.

    Raises
    ------
    AnonymiseError
        If two different identifiers get the same pseudonym (a truncation collision).
    """
    text = values.fillna("").astype(str)
    blank = text.str.strip() == ""
    uniq = pd.unique(text[~blank].map(_normalise))
    mapped = {u: pseudonym(u, key, kind, prefix) for u in uniq}
    if len(set(mapped.values())) < len(mapped):
        raise AnonymiseError(
            f"two different {kind} identifiers share a pseudonym; raise DIGEST_HEX"
        )
    out = text.map(lambda v: mapped[_normalise(v)] if v.strip() else "")
    return out.where(~blank, "")


def _read(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig"
        )
    except UnicodeDecodeError:
        raise AnonymiseError(f"{path}: not UTF-8 text; save the file as CSV UTF-8") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        raise AnonymiseError(f"{path}: not a readable CSV file with a header row") from None
    return _normal_headers(df, str(path))


def _normal_headers(df: pd.DataFrame, where: str) -> pd.DataFrame:
    df.columns = [re.sub(r"[\s\-]+", "_", str(c).strip().lower()) for c in df.columns]
    if df.columns.duplicated().any():
        raise AnonymiseError(f"{where}: duplicate column names after normalising")
    return df


def _read_export(src: Path) -> dict[str, pd.DataFrame]:
    """The raw tables of a folder of CSVs or an ``.xlsx`` workbook (read as
    :func:`cmalt_qa.load` reads it: every cell as text, dates as ``YYYY-MM-DD``)."""
    tables: dict[str, pd.DataFrame] = {}
    if src.is_file() and src.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            sheets = _readers.workbook_sheets(src)
        except RecordsError as exc:
            raise AnonymiseError(str(exc)) from None
        for name, df in sheets.items():
            if df is not None:
                tables[name] = _normal_headers(_readers.text_table(df), f"{src}[{name}]")
        return tables
    if not src.is_dir():
        raise AnonymiseError(
            f"{src}: not a folder or .xlsx workbook (expected the raw export's CSV files)"
        )
    for name in scheme.TABLES:
        f = src / f"{name}.csv"
        if f.exists():
            tables[name] = _read(f)
        elif name in _REQUIRED_FILES:
            raise AnonymiseError(f"{src}: {name}.csv is missing")
    return tables


def anonymise(raw: str | Path, key_file: str | Path, out: str | Path) -> AnonymiseReport:
    """Pseudonymise a raw export folder into ``out``.

    Parameters
    ----------
    raw : str or Path
        Folder with ``submissions.csv``, ``ratings.csv`` and optionally ``assessors.csv``,
        or an ``.xlsx`` workbook with sheets of those names.
    key_file : str or Path
        File holding the secret key (:func:`read_key`).
    out : str or Path
        Folder to write the pseudonymous files to (created; must not be ``raw``).

    Returns
    -------
    AnonymiseReport

    Raises
    ------
    AnonymiseError
        Missing key or files, unreadable CSV, ``out`` equal to ``raw``, a missing key
        column with no source to derive it from, a pseudonym collision, or an ``out``
        holding a table of an earlier run that this export would not replace.

    Notes
    -----
    Cells a spreadsheet would run as formulas (starting ``=``, ``+``, ``-``, ``@``, tab
    or carriage return) are written with a leading ``'`` (OWASP).
    """
    key = read_key(key_file)
    src, dst = Path(raw), Path(out)
    if dst.resolve() == src.resolve():
        raise AnonymiseError(
            "--out must differ from the raw folder (raw files are never overwritten)"
        )
    tables = _read_export(src)
    stale = [f"{t}.csv" for t in scheme.TABLES if t not in tables and (dst / f"{t}.csv").exists()]
    if stale:
        raise AnonymiseError(
            f"{dst} already holds {', '.join(stale)} from an earlier run, which this export "
            "would not replace (it has no such table): remove it or choose another --out, "
            "so that old and new pseudonyms are never mixed"
        )
    report = AnonymiseReport(out=dst)
    subs = tables["submissions"]
    if "portfolio_id" not in subs.columns:
        source = next((c for c in PORTFOLIO_SOURCES if c in subs.columns), None)
        if source is None:
            raise AnonymiseError(
                "submissions.csv has no portfolio_id and none of "
                f"{', '.join(PORTFOLIO_SOURCES)} to derive it from"
            )
        subs["portfolio_id"] = subs[source]
        report.portfolio_source = source
    written: dict[str, pd.DataFrame] = {}
    for name, df in tables.items():
        keys, passing = _KEY_COLUMNS[name], _PASS_COLUMNS[name]
        res = pd.DataFrame(index=df.index)
        for col in df.columns:
            if col in keys:
                kind, prefix = keys[col]
                res[col] = pseudonymise(df[col], key, kind, prefix)
            elif col in passing:
                cells = df[col].astype(str)
                bad = cells.str.contains(_LOOKS_PERSONAL, na=False).to_numpy()
                if bad.any():
                    report.blanked[f"{name}.csv:{col}"] = int(bad.sum())
                res[col] = np.where(bad, "", cells)
        report.pseudonymised[f"{name}.csv"] = [c for c in df.columns if c in keys]
        report.dropped[f"{name}.csv"] = [
            c for c in df.columns if c not in keys and c not in passing
        ]
        written[name] = res
    dst.mkdir(parents=True, exist_ok=True)
    for name, df in written.items():
        _csvout.write_csv(df, dst / f"{name}.csv")  # formula-like cells neutralised
        report.rows[f"{name}.csv"] = len(df)
    return report
