"""What a report says first: rows kept out, stale data, the act-now box (issues 13.3,
13.4 and 15.1). Data functions and their words, without running a notebook."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from conftest import SAMPLE

import cmalt_qa as qa
from cmalt_qa import reports
from cmalt_qa.reports import _actnow as an


@pytest.fixture(scope="module")
def latest_kept_out(tmp_path_factory):
    """The sample with its latest 100 submissions on an unknown pathway (quarantined)."""
    out = tmp_path_factory.mktemp("kept-out")
    for f in SAMPLE.glob("*.csv"):
        shutil.copy(f, out / f.name)
    subs = pd.read_csv(out / "submissions.csv", dtype=str, keep_default_na=False)
    subs = subs.sort_values("submitted_on", kind="stable")
    subs.loc[subs.index[-100:], "pathway"] = "XCMALT"
    subs.to_csv(out / "submissions.csv", index=False)
    return qa.load(out)


def test_banner_says_what_was_kept_out_and_what_it_changes(latest_kept_out) -> None:
    recs = latest_kept_out
    params = reports.resolve("window", recs)
    lines = reports.notices(recs, params)
    text = " ".join(lines)
    assert "100 rows of submissions.csv" in text
    assert "The latest 100 submissions (to 2026-09-20) were kept out" in text
    assert f"the report covers {params['window']} although the data run to 2026-09" in text
    html = an.notices_html(an.left_out(recs, window=params["window"]))
    assert "kept out of the figures" in html and "unknown" in html


def test_no_banner_when_nothing_was_kept_out(sample_records) -> None:
    left = an.left_out(sample_records, window="2026-09")
    assert left.rows == 0 and an.notices_html(left) == "" and an.notice_lines(left) == []


def test_stale_report_date_is_stated(sample_records) -> None:
    fresh = an.freshness(sample_records, "2027-01-01")
    assert fresh.stale and fresh.gap_days == 103
    assert fresh.sentence() == (
        "The export ends 2026-09-20, 103 days before the report date 2027-01-01: cases shown "
        "overdue may have results not in this export."
    )
    assert not an.freshness(sample_records, "2026-09-25").stale  # within a week
    lines = reports.notices(sample_records, {"window": "2026-09", "as_of": "2027-01-01"})
    assert lines == [fresh.sentence()]


def test_act_now_box_lists_urgent_cases_and_assessors(sample_records) -> None:
    severity = pd.DataFrame(
        {"assessor_id": ["A1", "<img src=x onerror=alert(1)>"], "out_of_line": [False, True]}
    )
    box = an.act_now(sample_records, "2026-09-20", window="2026-09", severity=severity)
    assert len(box.urgent) >= 5 and set(box.urgent["status"]) <= {
        "at risk",
        "overdue",
        "awaiting allocation",
    }
    html = an.act_now_html(box)
    assert "at risk" in html and "overdue" in html
    assert "Assessors to contact" in html and str(box.urgent["submission_id"].iloc[0]) in html
    assert "1 assessor out of line" in html
    assert "<img" not in html  # data values are text, never markup
    late = an.act_now(sample_records, "2027-01-01", window="2026-09")
    html = an.act_now_html(late)
    assert f"{len(late.urgent)} portfolios are overdue" in html and "Stale data" in html
    assert f"The 12 most urgent of {len(late.urgent)}" in html  # the rest under Open cases


def test_nothing_at_risk_is_said_in_words(sample_records) -> None:
    import dataclasses

    box = an.act_now(sample_records, "2019-01-20", window="2019-01")
    box = dataclasses.replace(box, urgent=box.urgent.iloc[:0])
    html = an.act_now_html(box)
    assert "No portfolio is overdue or at risk" in html and "<table" not in html


def test_awaiting_allocation_is_counted_apart_from_the_urgent(sample_records) -> None:
    # The sample holds portfolios awaiting allocation: the "most urgent" list and the
    # sentence above it count overdue and at-risk portfolios only, and agree; those
    # awaiting allocation have a count and a line of their own.
    box = an.act_now(sample_records, "2026-09-20", window="2026-09")
    assert set(box.urgent["status"]) <= {"overdue", "at risk"}
    assert len(box.awaiting) and set(box.awaiting["status"]) == {"awaiting allocation"}
    html = an.act_now_html(box)
    n_over = int((box.urgent["status"] == "overdue").sum())
    n_risk = len(box.urgent) - n_over
    said = re.search(r"(\d+) (?:is|are) at risk", html)
    assert said and int(said.group(1)) == n_risk
    listed = re.findall(r"<td>(overdue|at risk|awaiting allocation)</td>", html)
    assert listed and set(listed) <= {"overdue", "at risk"}
    n = len(box.awaiting)
    assert f"{n} portfolio{'s are' if n > 1 else ' is'} awaiting allocation" in html
    assert str(box.awaiting["submission_id"].iloc[0]) in html
