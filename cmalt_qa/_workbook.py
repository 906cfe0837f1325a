"""Reading an ``.xlsx`` workbook safely: bounded, cell by cell, never the sheet's grid.

A workbook is a zip of XML files; a sheet may claim a range far beyond its data (one
stray cell at ``XFD1048576`` makes a 5 KB file describe 17 billion cells) or unpack to
gigabytes. This reader:

* refuses a file that is not a workbook with words for what it is: an encrypted
  (password-protected) workbook or an old ``.xls`` (both OLE2 files), a zip that is not a
  workbook, or a workbook that unpacks to more than :data:`MAX_UNPACKED` bytes;
* reads only the cells present in the XML (openpyxl's streaming parser), keeps the
  columns that have a header, skips wholly blank rows and keeps each row's number as the
  spreadsheet shows it;
* marks formula cells whose result was never stored (workbooks written by scripts), so
  the loader lists them instead of reading them as blank;
* refuses two sheets that both mean the same table (``submissions`` and ``Submissions ``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, Final

import pandas as pd

from . import scheme
from ._errors import RecordsError

__all__ = ["read_workbook", "MAX_UNPACKED", "FORMULA_NOT_STORED"]

MAX_UNPACKED: Final[int] = 1 << 30
"""A workbook that unpacks to more than this (1 GiB) is refused: no CMALT export is
near it, and a zip bomb is."""

MAX_COLUMNS: Final[int] = 500
"""Header cells read from the first row; columns beyond are not data of the contract."""

FORMULA_NOT_STORED: Final[str] = "\x00formula-not-stored"
"""The cell value given to a formula whose result the file does not hold."""

_OLE2: Final[bytes] = bytes.fromhex("d0cf11e0a1b11ae1")


def _check_container(path: Path) -> None:
    """Refuse, in words, a file that is not a readable ``.xlsx`` workbook."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == _OLE2:
        raise RecordsError(
            f"{path}: this is an encrypted (password-protected) workbook or an old .xls "
            "file, which cannot be read. Open it in Excel, remove the password (File > Info "
            "> Protect Workbook) or save it as .xlsx, and try again."
        )
    if not zipfile.is_zipfile(path):
        raise RecordsError(
            f"{path}: not an .xlsx workbook (an .xlsx file is a zip archive; this is not). "
            "Save the export as an Excel workbook (.xlsx) or as CSV files."
        )
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        if "xl/workbook.xml" not in names:
            raise RecordsError(
                f"{path}: a zip archive, but not an Excel workbook (it has no "
                "xl/workbook.xml). Save the export from Excel as .xlsx."
            )
        unpacked = sum(i.file_size for i in z.infolist())
    if unpacked > MAX_UNPACKED:
        raise RecordsError(
            f"{path}: the workbook unpacks to {unpacked / 2**30:.1f} GiB, far more than a "
            "CMALT export holds; refused (export the three tables as CSV files instead)."
        )


def _parser_class() -> Any:
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):  # type: ignore[misc]
        """The streaming parser, with stored results only (``data_only``), marking a
        formula without one."""

        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = FORMULA_NOT_STORED
            return cell

    return Parser


def _sheet_frame(ws: Any, wb: Any, parser_class: Any) -> pd.DataFrame:
    """The cells present in one sheet: the first row as headers, then the rows holding
    at least one value under a header; ``attrs["rows"]`` their row numbers."""
    header: dict[int, object] = {}
    rows: list[int] = []
    data: list[dict[int, object]] = []
    with ws._get_source() as src:
        parser = parser_class(
            src,
            ws._shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        for idx, cells in parser.parse():
            values = {
                c["column"]: c["value"]
                for c in cells
                if c["value"] is not None and c["column"] <= MAX_COLUMNS
            }
            if not header:
                header = {k: v for k, v in values.items() if str(v).strip() != ""}
                continue
            kept = {k: v for k, v in values.items() if k in header and str(v).strip() != ""}
            if kept:
                rows.append(idx)
                data.append(kept)
    cols = sorted(header)
    frame = (
        pd.DataFrame({i: [r.get(k) for r in data] for i, k in enumerate(cols)}, dtype=object)
        if data
        else pd.DataFrame({i: pd.Series(dtype=object) for i in range(len(cols))})
    )
    frame.columns = [header[k] for k in cols]
    frame.attrs["rows"] = tuple(rows)  # a tuple: attrs are compared by pandas
    return frame


def read_workbook(path: Path) -> dict[str, pd.DataFrame | None]:
    """The tables of a workbook by name (sheet names matched ignoring case and
    surrounding spaces; None for a missing optional table), cells as stored."""
    _check_container(path)
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise RecordsError(
            f"{path}: a damaged .xlsx workbook ({type(exc).__name__}); "
            "open it in Excel and save it again"
        ) from None
    try:
        by_name: dict[str, str] = {}
        for name in wb.sheetnames:
            key = str(name).strip().lower()
            if key in by_name and key in scheme.TABLES:
                raise RecordsError(
                    f"{path}: two sheets both mean {key!r} ({by_name[key]!r} and {name!r}); "
                    "delete or rename one, so that it is clear which holds the data"
                )
            by_name[key] = name
        tables: dict[str, pd.DataFrame | None] = {}
        parser_class = _parser_class()
        for t in scheme.TABLES:
            if t not in by_name:
                if t in scheme.OPTIONAL_TABLES:
                    tables[t] = None
                    continue
                raise RecordsError(
                    f"{path}: the workbook has no sheet named {t!r} "
                    f"(sheets: {', '.join(map(str, wb.sheetnames))})"
                )
            tables[t] = _sheet_frame(wb[by_name[t]], wb, parser_class)
        return tables
    finally:
        wb.close()
