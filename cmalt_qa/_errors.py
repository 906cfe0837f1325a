"""The loader's exceptions, at the bottom of the records layer (every reader and rule
module raises them; :mod:`cmalt_qa.records` re-exports :class:`RecordsError`)."""

from __future__ import annotations

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
