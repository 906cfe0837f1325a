"""The loader's exceptions, at the bottom of the records layer (every reader and rule
module raises them; :mod:`cmalt_qa.records` re-exports :class:`RecordsError`)."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Final

import pandas as pd

PROBLEM_COLUMNS: Final[list[str]] = ["file", "row", "column", "value", "rule", "message"]
"""The columns of ``Records.problems``."""


class RecordsError(ValueError):
    """Input refused outright (missing file or column, personal data), or strict mode.

    Attributes
    ----------
    problems : DataFrame
        The problems that caused it (columns as :attr:`Records.problems`); may be empty
        for a refusal that concerns a whole file.
    """

    def __init__(self, message: str, problems: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.problems = problems if problems is not None else pd.DataFrame(columns=PROBLEM_COLUMNS)


class Refusal(Exception):
    """Input that is refused outright, before the file's name is known to the raiser;
    the caller puts the name in front and raises :class:`RecordsError`."""


def os_error_words(exc: OSError, path: str | Path | None = None) -> str:
    """An OS error as a person reads it: the file, then the reason in words.

    ``"/x/report.csv: permission denied"``, never ``"[Errno 13] ..."``; for a path under
    a regular file, that file is named ("/x/notes.txt is a file, not a folder").

    Examples
    --------
    >>> os_error_words(PermissionError(13, "Permission denied", "/srv/out"))
    '/srv/out: permission denied'
    """
    where = path if path is not None else exc.filename
    reason = (exc.strerror or str(exc)).lower()
    if exc.errno == errno.ENOTDIR and where is not None:
        blocker = next((q for q in Path(where).parents if q.is_file()), None)
        if blocker is not None:
            reason = f"{blocker} is a file, not a folder"
    if where is None:
        return reason
    if exc.filename2 is not None and path is None:
        return f"{where} -> {exc.filename2}: {reason}"
    return f"{where}: {reason}"
