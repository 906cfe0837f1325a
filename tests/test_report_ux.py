"""Reports people can read (issue 15) and that run on every valid dataset (issue 18.2).

Every report is built through the command line (``cmalt-qa report all``, in-process) and
its text checked for the problems issue 15 lists: ``nan``, ``-0.00``, raw column names,
a Python dict in a cell, wrong plurals, headlines of zero, empty header rows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import thin_data
from report_text import text_problems, visible_text

pytestmark = pytest.mark.slow


def _check(pages: dict) -> None:
    for stem, e in pages.items():
        problems = text_problems(Path(e["html"]).read_text(encoding="utf-8"))
        assert not problems, f"{stem}:\n" + "\n".join(problems[:10])


@pytest.mark.parametrize("kind", ["window", "sections", "trends"])
def test_sample_report_reads_cleanly(report_pages, kind) -> None:
    assert set(report_pages) == {"window", "sections", "trends"}
    _check({kind: {"html": report_pages[kind]}})


def test_window_report_top_says_what_to_do(report_pages) -> None:
    text = visible_text(report_pages["window"].read_text(encoding="utf-8"))
    act = text.index("Act now")
    assert act < text.index("Submissions by pathway")
    assert "at risk" in text[act : act + 600]
    assert "Assessors to contact" in text


# ---------------------------------------------------------------- thin data (issue 18.2)
# The committee and research reports on valid datasets that leave little or nothing to
# show: each must run through the command line, print no nan and say what is missing.
THIN_PUBLISHED = {
    "no ratings": (thin_data.no_ratings, ()),
    "everything open": (thin_data.all_open, ()),
    "30 submissions": (lambda p: thin_data.small(p, 30), ()),
    "60 submissions, min-count 1000": (lambda p: thin_data.small(p, 60), ("--min-count", "1000")),
}


@pytest.mark.parametrize("case", list(THIN_PUBLISHED))
def test_published_reports_run_on_thin_data(tmp_path, case) -> None:
    from cmalt_qa import cli

    build, extra = THIN_PUBLISHED[case]
    data = build(tmp_path / "data")
    for kind in ("sections", "trends"):
        out = tmp_path / kind
        argv = ["report", kind, "--data", str(data), "--out", str(out), "--n-boot", "20"]
        assert cli.main([*argv, "--no-progress", *extra]) == 0, f"{kind} failed on {case}"
        (page,) = out.glob(f"{kind}-*.html")
        text = visible_text(page.read_text(encoding="utf-8"))
        html = page.read_text(encoding="utf-8")
        assert not re.search(
            r"\bnan\b", text + " ".join(re.findall(r'alt="([^"]*)"', html)), flags=re.IGNORECASE
        ), f"{kind} on {case} prints nan"
        assert "Of the 0 " not in text
        if case == "everything open":  # nothing is decided: nothing was suppressed either
            assert "suppressed: too few" not in text, f"{kind} calls undecided suppressed"
        _check({f"{kind} on {case}": {"html": page}})


# The staff report on the same kind of data, and on a period that has just opened (its
# default period: nothing decided or rated yet), when staff most need the at-risk list.
THIN_WINDOW = {
    "fresh period": thin_data.fresh_period,
    "one submission": thin_data.one_submission,
    "no ratings": thin_data.no_ratings,
    "everything open": thin_data.all_open,
    "30 submissions": lambda p: thin_data.small(p, 30),
}


@pytest.mark.parametrize("case", list(THIN_WINDOW))
def test_window_report_runs_on_thin_data(tmp_path, case) -> None:
    import cmalt_qa as qa
    from cmalt_qa import cli

    data = THIN_WINDOW[case](tmp_path / "data")
    out = tmp_path / "out"
    argv = ["report", "window", "--data", str(data), "--out", str(out), "--n-boot", "20"]
    assert cli.main([*argv, "--no-progress"]) == 0, f"window failed on {case}"
    (page,) = out.glob("window-*.html")
    html = page.read_text(encoding="utf-8")
    text = visible_text(html)
    assert not re.search(
        r"\bnan\b", text + " ".join(re.findall(r'alt="([^"]*)"', html)), flags=re.IGNORECASE
    ), f"window on {case} prints nan"
    assert "Act now" in text
    if case == "fresh period":  # the default period is the newest, with its open cases
        latest = qa.load(data).submissions["window"].max()
        assert f"Reporting period {latest}" in text


# ---------------------------------------------------------------- issue 15's done-when
@pytest.mark.parametrize("kind", ["window", "sections", "trends"])
def test_report_on_300_submissions_at_min_count_10_reads_cleanly(tmp_path, kind) -> None:
    # A 300-submission dataset with a stricter publication threshold: no nan, -0.00,
    # raw column names, wrong plurals or empty headers in any of the three reports.
    from cmalt_qa import cli

    data = thin_data.small(tmp_path / "data", 300)
    out = tmp_path / "out"
    argv = ["report", kind, "--data", str(data), "--out", str(out), "--n-boot", "20"]
    assert cli.main([*argv, "--no-progress", "--min-count", "10"]) == 0, f"{kind} failed"
    (page,) = out.glob(f"{kind}-*.html")
    _check({f"{kind} on 300 submissions": {"html": page}})
    assert kind == "window" or "min10" in page.name  # the threshold reached the report
