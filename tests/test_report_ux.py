"""Reports people can read (issue 15) and that run on every valid dataset (issue 18.2).

Every report is built through the command line (``cmalt-qa report all``, in-process) and
its text checked for the problems issue 15 lists: ``nan``, ``-0.00``, raw column names,
a Python dict in a cell, wrong plurals, headlines of zero, empty header rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from report_text import text_problems, visible_text

pytestmark = pytest.mark.slow


def _check(pages: dict) -> None:
    for stem, e in pages.items():
        problems = text_problems(Path(e["html"]).read_text(encoding="utf-8"))
        assert not problems, f"{stem}:\n" + "\n".join(problems[:10])


def test_sample_window_report_reads_cleanly(report_pages) -> None:
    assert set(report_pages) == {"window", "sections", "trends"}
    _check({"window": {"html": report_pages["window"]}})


def test_window_report_top_says_what_to_do(report_pages) -> None:
    text = visible_text(report_pages["window"].read_text(encoding="utf-8"))
    act = text.index("Act now")
    assert act < text.index("Submissions by pathway")
    assert "at risk" in text[act : act + 600]
    assert "Assessors to contact" in text
