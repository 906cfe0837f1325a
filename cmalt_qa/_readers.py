"""Reading the input files fast: CSV through pyarrow (pandas as the reference and
fallback), workbooks through pandas/openpyxl, every cell as stripped text, and each text
column factorised once (``(codes, uniques)``) for the validation rules to reuse.

Everything here is performance or file handling; the rules are in
:mod:`cmalt_qa._rules`. The fast CSV path provably gives what the pandas reader gives
(a test compares them).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from . import scheme
from ._errors import RecordsError, Refusal

__all__ = ["read_dataset", "clean_table", "sha256_file", "RATING_TEXT_ONLY"]

RATING_TEXT_ONLY: Final[frozenset[str]] = frozenset(scheme.RATING_COLUMNS) - {"submission_id"}
"""Rating columns replaced by their normalised form in the output: their raw text is
read only to quote it in problem lines, so the reader may give them as Categoricals of
the text (performance; validation treats both alike)."""


_Factors = tuple[np.ndarray, np.ndarray]
"""A text column factorised: ``(codes, uniques)``, codes into the distinct values."""


def clean_table(
    frame: pd.DataFrame,
    cells_clean: list[_Factors] | None = None,
    factors: dict[str, _Factors] | None = None,
) -> pd.DataFrame:
    """Headers stripped and lower-cased, every cell a stripped string ("" for blank),
    and ``row``: the line a spreadsheet shows (header = 1).

    Performance only: ``cells_clean``, when given, holds the factorisation of each column
    (by position) of a frame whose cells are already stripped text (from
    :func:`_arrow_frame`, not shared), so only the headers and ``row`` are done. The
    factorisation of each text column is put in ``factors`` (by cleaned name) for the
    validation to reuse.
    """
    if cells_clean is None:
        frame = frame.copy()
    frame.columns = [_header(c) for c in frame.columns]
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()].tolist()
        raise Refusal(f"column(s) appear twice: {', '.join(dup)}")
    found: list[_Factors | None]
    if cells_clean is None:
        found = []
        for i in range(frame.shape[1]):
            col, fac = _clean_cells(frame.iloc[:, i])
            frame.isetitem(i, col)
            found.append(fac)
    else:
        found = list(cells_clean)
    if factors is not None:
        factors.update({c: f for c, f in zip(frame.columns, found) if f is not None})
    rows = frame.attrs.pop("rows", None)  # the reader's, when it skipped blank rows
    row = (
        np.asarray(rows, dtype=np.int64)
        if rows is not None
        else np.arange(2, len(frame) + 2, dtype=np.int64)
    )
    # one column added to a frame kept at one block per column on purpose (no
    # consolidation copy): pandas would warn of fragmentation on a wide file, which
    # costs nothing here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        frame["row"] = row
    return frame


def _header(name: object) -> str:
    """A column name as :func:`_clean` normalises it."""
    return str(name).strip().lstrip("\ufeff").strip().lower()


def _clean_cells(col: pd.Series) -> tuple[pd.Series, _Factors | None]:
    """Every cell as stripped text ("" for blank), and the column's factorisation when
    it was made.

    Performance: text is stripped once per distinct value. Only an all-``str`` column is
    factorised: equal-comparing values of other types (1, 1.0, True) have different
    texts, so a mixed column goes cell by cell through :func:`_cell_text`.
    """
    if col.dtype == object and pd.api.types.infer_dtype(col, skipna=False) == "string":
        codes, uniques = pd.factorize(col, sort=False)
        stripped = np.empty(len(uniques), dtype=object)
        stripped[:] = [str(u).strip() for u in uniques]
        fac = _refactor(codes, stripped)
        return pd.Series(stripped[codes], index=col.index, name=col.name), fac
    return col.map(_cell_text).str.strip(), None


def _refactor(codes: np.ndarray, values: np.ndarray) -> _Factors:
    """Codes into the distinct values of ``values[codes]`` (stripping may have made
    two distinct raw values equal); first-appearance order is kept."""
    sub, distinct = pd.factorize(values, sort=False)
    return sub[codes], np.asarray(distinct, dtype=object)


def _cell_text(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT or v is pd.NA:
        return ""
    if isinstance(v, _dt.datetime):  # includes pd.Timestamp; Excel gives midnight times
        return v.date().isoformat() if v.time() == _dt.time(0) else v.isoformat()
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_csv(path: Path, table: str = "") -> tuple[pd.DataFrame, str, list[_Factors] | None]:
    """The table (every cell text), the file's sha256, and, when the cells are already
    stripped (see :func:`_arrow_frame`), each column's factorisation.

    ``table``: which table the file holds; for ``"ratings"`` the columns of
    :data:`RATING_TEXT_ONLY` may come as Categoricals of the text
    (performance; see :func:`_arrow_frame`)."""
    data = path.read_bytes()
    # performance: hashlib releases the GIL, so the digest is computed in a second
    # thread while the file is parsed
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        fast = _arrow_frame(data)
        digest = hashing.result()
    if fast is not None:
        frame = fast[0]
        if table != "ratings":
            # the Categorical columns of _arrow_frame are for the ratings table only
            for i, col in enumerate(frame.dtypes):
                if isinstance(col, pd.CategoricalDtype):
                    frame.isetitem(i, np.asarray(frame.iloc[:, i], dtype=object))
        return frame, digest, fast[1]
    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8-sig",
            skipinitialspace=True,
            skip_blank_lines=False,  # counted, so that row numbers match the file's lines
        )
    except UnicodeDecodeError as exc:
        raise RecordsError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as CSV UTF-8"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise RecordsError(f"{path}: the file is empty (a header row is required)") from exc
    except pd.errors.ParserError as exc:
        raise RecordsError(f"{path}: not a readable CSV file: {exc}") from exc
    return _without_blank_rows(frame), digest, None


def _without_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The table without its wholly blank rows; ``attrs["rows"]`` holds the row number a
    spreadsheet shows for each row kept (header = 1), blank lines counted."""
    rows = np.arange(2, len(frame) + 2, dtype=np.int64)
    blank = np.ones(len(frame), dtype=bool)
    for i in range(frame.shape[1]):
        blank &= frame.iloc[:, i].astype(str).str.strip().to_numpy() == ""
    if blank.any():
        frame = frame.loc[~blank].reset_index(drop=True)
        rows = rows[~blank]
    frame.attrs["rows"] = tuple(rows.tolist())  # a tuple: attrs are compared by pandas
    return frame


def _plain_header(data: bytes) -> tuple[bytes, list[str]] | None:
    """The body (without a byte-order mark) and the header names of a CSV file that
    the fast reader may take (see :func:`_arrow_frame`), or None."""
    if b'"' in data:
        return None
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    ends = [i for i in (body.find(b"\n"), body.find(b"\r")) if i >= 0]
    try:
        header = body[: min(ends) if ends else len(body)].decode("utf-8")
    except UnicodeDecodeError:
        return None
    names = header.split(",")
    stripped = [n.strip() for n in names]
    if len(names) < 2 or "" in stripped or len(set(stripped)) < len(stripped):
        return None
    return body, names


def _arrow_frame(data: bytes) -> tuple[pd.DataFrame, list[_Factors]] | None:
    """Fast path for plain CSV: the table with every cell stripped text and each
    column's factorisation, or None.

    Performance only: the result equals ``_clean_cells`` applied to what the pandas
    reader in :func:`_read_csv` gives, so this path is taken only where the two readers
    provably agree: a file with no quote character (no quoting rules apply, so a line is
    split on commas alone), at least two columns (a blank or whitespace-only line is then
    a short row, which pyarrow refuses, rather than a row pandas would skip), and unique,
    non-blank header names (pandas renames duplicates). Anything else, and any error
    (short or long rows, bad UTF-8, an empty file), falls back to pandas, which gives
    the messages users see.
    """
    plain = _plain_header(data)
    if plain is None:
        return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pyarrow is optional: the pandas reader is the reference
        return None
    body, names = plain
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            # an empty line is a short row, refused here (the pandas reader then
            # counts it, so that row numbers stay right)
            read_options=pacsv.ReadOptions(use_threads=True),
            parse_options=pacsv.ParseOptions(
                delimiter=",", quote_char=False, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, ValueError):
        return None
    if table.column_names != names or any(table.column(n).null_count for n in names):
        return None
    return _encoded_frame(table, names)


def _encoded_frame(table: Any, names: list[str]) -> tuple[pd.DataFrame, list[_Factors]]:
    """An Arrow table of strings as a DataFrame of stripped text, with each column's
    factorisation.

    Each column is dictionary-encoded in Arrow and stripped once per distinct value; the
    object column is then one ``take``, except for the columns named in
    :data:`RATING_TEXT_ONLY`, which are Categoricals of the same text
    (:func:`_read_csv` turns them into object columns in tables other than ratings).
    """
    # Arrow releases the GIL while it hashes, so the columns are encoded in parallel
    workers = max(1, min(len(names), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        encoded = list(pool.map(lambda n: _dictionary_encode(table.column(n)), names))
    columns: list[np.ndarray | pd.Categorical] = []
    factors: list[_Factors] = []
    for name, (indices, dictionary, may_strip) in zip(names, encoded):
        stripped = np.empty(len(dictionary), dtype=object)
        if not may_strip:
            stripped[:] = dictionary  # no value changes when stripped
            codes, uniques = indices, stripped
        else:
            stripped[:] = [u.strip() for u in dictionary]
            if stripped.tolist() == dictionary:
                codes, uniques = indices, stripped  # nothing to strip: already distinct
            else:
                codes, uniques = _refactor(indices, stripped)
        if _header(name) in RATING_TEXT_ONLY:
            # performance: no 2.6 M-row object column for text that validation reads
            # only to quote it in problem lines (the same strings, as a Categorical)
            columns.append(
                pd.Categorical.from_codes(
                    codes,
                    dtype=pd.CategoricalDtype(pd.Index(uniques, dtype=object)),
                    validate=False,
                )
            )
        else:
            columns.append(uniques[codes])
        factors.append((codes, uniques))
    # copy=False: the arrays are new and ours, so no copy and no consolidation (one
    # block per column, as the pandas reader's cleaning leaves them)
    frame = pd.DataFrame(
        dict(zip(range(len(names)), columns)), index=pd.RangeIndex(table.num_rows), copy=False
    )
    frame.columns = pd.Index(names, dtype=object)
    return frame, factors


# Python's ``str.strip()`` whitespace among ASCII characters: \t \n \v \f \r,
# \x1c-\x1f and space (an RE2 pattern: ``^``/``$`` are the ends of the value)
_ASCII_EDGE_SPACE = r"^[\t-\r\x1c-\x1f ]|[\t-\r\x1c-\x1f ]$"


def _may_need_strip(dictionary: Any) -> bool:
    """False when no value of the Arrow string array changes under ``str.strip()``.

    Performance: checked in Arrow (no GIL) instead of stripping every distinct value in
    Python (~55 ms for the 370,000 distinct ids of 200,000 submissions). Exact for ASCII
    values; any non-ASCII value answers True (then every value is stripped in Python).
    """
    import pyarrow.compute as pc

    if len(dictionary) == 0:
        return False
    if not pc.all(pc.string_is_ascii(dictionary)).as_py():
        return True
    return bool(pc.any(pc.match_substring_regex(dictionary, _ASCII_EDGE_SPACE)).as_py())


def _dictionary_encode(col: Any) -> tuple[np.ndarray, list[str], bool]:
    """Codes (int), distinct values (first-appearance order) of an Arrow string column,
    and whether a distinct value may change when stripped (:func:`_may_need_strip`).

    Arrow encodes the chunks of a chunked array with one growing memo table, so every
    chunk's dictionary is a prefix of the last one's and the chunks' indices share it.
    That is checked (cheaply, on the dictionaries); if it ever fails, the chunks are
    combined and encoded as one array.
    """
    import pyarrow as pa

    enc = col.dictionary_encode()
    if enc.num_chunks == 0:
        return np.empty(0, dtype=np.int32), [], False
    last = enc.chunk(enc.num_chunks - 1).dictionary
    if all(ch.dictionary.equals(last.slice(0, len(ch.dictionary))) for ch in enc.chunks):
        indices = np.concatenate([ch.indices.to_numpy(zero_copy_only=False) for ch in enc.chunks])
        return indices, last.to_pylist(), _may_need_strip(last)
    one = pa.concat_arrays(col.chunks).dictionary_encode()
    return (
        one.indices.to_numpy(zero_copy_only=False),
        one.dictionary.to_pylist(),
        _may_need_strip(one.dictionary),
    )


def read_dataset(
    path: Path,
) -> tuple[
    dict[str, pd.DataFrame | None], dict[str, str], dict[str, Any], dict[str, list[_Factors]]
]:
    """Raw tables, their display names, the source description, and for the tables
    whose cells are already stripped text (see :func:`_arrow_frame`) the factorisation
    of each column."""
    if path.is_dir():
        return _read_folder(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_workbook(path)
    if not path.exists():
        raise RecordsError(f"{path}: no such folder or workbook")
    raise RecordsError(f"{path}: expected a folder of CSV files or an .xlsx workbook")


def _read_folder(path: Path):  # type: ignore[no-untyped-def]
    """:func:`read_dataset` of a folder of CSV files."""
    files: dict[str, Any] = {}
    clean_cells: dict[str, list[_Factors]] = {}
    tables: dict[str, pd.DataFrame | None] = {}
    names = {}
    for t in scheme.TABLES:
        f = path / f"{t}.csv"
        names[t] = f"{t}.csv"
        if not f.exists():
            if t in scheme.OPTIONAL_TABLES:
                tables[t] = None
                continue
            raise RecordsError(
                f"{path}: {t}.csv is missing (a dataset folder needs "
                "submissions.csv and ratings.csv; assessors.csv is optional)"
            )
        tables[t], digest, fac = _read_csv(f, t)
        if fac is not None:
            clean_cells[t] = fac
        files[f.name] = {"sha256": digest, "rows": len(tables[t])}
    return tables, names, {"path": str(path), "files": files}, clean_cells


def workbook_sheets(path: Path) -> dict[str, pd.DataFrame | None]:
    """The tables of an ``.xlsx`` workbook by name (sheet names matched ignoring case
    and surrounding spaces; None for a missing optional table), cells as stored; read
    safely by :func:`cmalt_qa._workbook.read_workbook`."""
    from ._workbook import read_workbook  # openpyxl is imported only for workbooks

    return read_workbook(path)


def text_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the stripped text the loader reads ("" for blank, and for a formula
    with no stored result; a date as ``YYYY-MM-DD``), headers as they are."""
    from ._workbook import FORMULA_NOT_STORED

    out = frame.copy()
    for i in range(out.shape[1]):
        col = _clean_cells(out.iloc[:, i])[0]
        out.isetitem(i, col.mask(col == FORMULA_NOT_STORED, ""))  # no result stored
    return out


def _read_workbook(path: Path):  # type: ignore[no-untyped-def]
    """:func:`read_dataset` of an ``.xlsx`` workbook."""
    tables = workbook_sheets(path)
    names = {t: f"{path.name}[{t}]" for t in scheme.TABLES}
    files = {
        path.name: {
            "sha256": sha256_file(path),
            "rows": {t: len(v) for t, v in tables.items() if v is not None},
        }
    }
    return tables, names, {"path": str(path), "files": files}, {}
