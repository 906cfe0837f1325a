"""Reports people can read (issue 15) and that run on every valid dataset (issue 18.2).

Every report is built through the command line (``cmalt-qa report all``, in-process) and
its text checked for the problems issue 15 lists: ``nan``, ``-0.00``, raw column names,
a Python dict in a cell, wrong plurals, headlines of zero, empty header rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import thin_data
from conftest import SAMPLE, build_site
from report_text import text_problems, visible_text

import cmalt_qa as qa

pytestmark = pytest.mark.slow


def _check(pages: dict) -> None:
    for stem, e in pages.items():
        problems = text_problems(Path(e["html"]).read_text(encoding="utf-8"))
        assert not problems, f"{stem}:\n" + "\n".join(problems[:10])


def test_sample_reports_read_cleanly(report_pages) -> None:
    assert set(report_pages) == {"window", "sections", "trends"}
    _check({k: {"html": v} for k, v in report_pages.items()})


def test_300_submission_reports_read_cleanly(tmp_path) -> None:
    data = thin_data.small(tmp_path / "data", 300)
    _check(build_site(data, tmp_path / "site"))


def test_min_count_10_reports_read_cleanly(tmp_path) -> None:
    _check(build_site(SAMPLE, tmp_path / "site", "--min-count", "10"))


def test_window_report_top_says_what_to_do(report_pages) -> None:
    text = visible_text(report_pages["window"].read_text(encoding="utf-8"))
    act = text.index("Act now")
    assert act < text.index("Submissions by pathway")
    assert "at risk" in text[act : act + 600]
    assert "Assessors to contact" in text


THIN = {
    "fresh period": thin_data.fresh_period,
    "no ratings": thin_data.no_ratings,
    "one submission": thin_data.one_submission,
    "30 submissions": lambda p: thin_data.small(p, 30),
    "everything open": thin_data.all_open,
}


@pytest.mark.parametrize("case", list(THIN))
def test_every_report_runs_on_thin_data(tmp_path, case) -> None:
    data = THIN[case](tmp_path / "data")
    pages = build_site(data, tmp_path / "site")
    assert {e["kind"] for e in pages.values()} == {"window", "sections", "trends"}
    _check(pages)


def test_reports_run_with_60_submissions_and_a_very_high_min_count(tmp_path) -> None:
    data = thin_data.small(tmp_path / "data", 60)
    pages = build_site(data, tmp_path / "site", "--min-count", "1000")
    _check(pages)


def test_fresh_period_is_the_default_and_lists_its_open_cases(tmp_path) -> None:
    data = thin_data.fresh_period(tmp_path / "data")
    pages = build_site(data, tmp_path / "site")
    window = next(e for e in pages.values() if e["kind"] == "window")
    assert window["params"]["window"] == qa.load(data).submissions["window"].max()
    text = visible_text(Path(window["html"]).read_text(encoding="utf-8"))
    assert "S90001" in text or "No portfolio is overdue or at risk" in text
    assert "nothing to show yet" in text.lower()
