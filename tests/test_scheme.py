"""The scheme model: calendar boundaries, promise dates, sections per pathway."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmalt_qa import scheme


@pytest.mark.parametrize(
    ("date", "window"),
    [
        ("2025-01-31", "2025-01"),  # the deadline itself belongs to its period
        ("2025-02-01", "2025-05"),  # the day after belongs to the next
        ("2025-05-31", "2025-05"),
        ("2025-06-01", "2025-09"),
        ("2025-09-30", "2025-09"),
        ("2025-10-01", "2026-01"),  # SCHEME.md's own example
        ("2024-12-31", "2025-01"),
        ("2020-10-30", "2020-09"),  # autumn 2020 deadline moved to 30 October
        ("2020-10-31", "2021-01"),
        ("2022-04-30", "2022-01"),  # 2022's January deadline moved to 30 April
        ("2022-05-01", "2022-05"),
        ("2010-03-01", "2010-05"),  # outside the default table: the standard rule
        ("2040-12-01", "2041-01"),
    ],
)
def test_window_boundaries(date: str, window: str) -> None:
    assert scheme.window_of(date) == window
    assert scheme.window_of(dt.date.fromisoformat(date)) == window
    assert scheme.window_of(pd.Timestamp(date)) == window


@pytest.mark.parametrize(
    ("submitted", "due"),
    [
        ("2025-01-31", "2025-04-30"),  # SCHEME.md's example: clamped to month end
        ("2023-11-30", "2024-02-29"),  # into a leap February
        ("2024-11-30", "2025-02-28"),  # into an ordinary February
        ("2023-11-29", "2024-02-29"),
        ("2024-02-29", "2024-05-29"),
        ("2025-05-31", "2025-08-31"),
        ("2025-10-15", "2026-01-15"),  # across the year end
        ("2025-12-31", "2026-03-31"),
    ],
)
def test_promise_due(submitted: str, due: str) -> None:
    assert scheme.promise_due(submitted) == dt.date.fromisoformat(due)


@settings(deadline=None)  # timing is not under test (the CI machine is shared)
@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31)))
def test_promise_is_three_calendar_months(d: dt.date) -> None:
    due = scheme.promise_due(d)
    months = (due.year - d.year) * 12 + due.month - d.month
    assert months == 3
    assert due.day == d.day or due.day < d.day  # clamped, never later in the month
    # and the offset agrees with pandas' calendar-month arithmetic
    assert pd.Timestamp(d) + pd.DateOffset(months=3) == pd.Timestamp(due)


@settings(deadline=None)
@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2060, 12, 31)))
def test_every_date_has_the_first_period_ending_on_or_after_it(d: dt.date) -> None:
    w = scheme.window_of(d)
    cal = scheme.default_calendar()
    deadline = cal.deadline(w)
    assert deadline >= d
    span = cal.span(d - dt.timedelta(days=400), d)
    earlier = span[span["deadline"] < pd.Timestamp(deadline)]
    assert (earlier["deadline"] < pd.Timestamp(d)).all()


def test_vectorised_windows_match_scalar() -> None:
    dates = pd.Series(pd.to_datetime(["2019-01-15", "2025-10-01", None, "2022-03-03"]))
    out = scheme.default_calendar().windows_of(dates)
    assert out.iloc[0] == "2019-01" and out.iloc[1] == "2026-01"
    assert pd.isna(out.iloc[2]) and out.iloc[3] == "2022-01"


def test_calendar_is_data_a_user_can_override() -> None:
    table = pd.DataFrame(
        {"window": ["2025-01", "2025-06"], "deadline": ["2025-01-31", "2025-06-30"]}
    )
    cal = scheme.Calendar(table)
    assert scheme.window_of("2025-06-15", cal) == "2025-06"
    with pytest.raises(ValueError):
        scheme.Calendar(pd.DataFrame({"window": ["x"]}))


def test_result_months_including_the_published_exceptions() -> None:
    cal = scheme.default_calendar()
    assert cal.result_month("2023-01") == "2023-05"
    assert cal.result_month("2023-05") == "2023-09"
    assert cal.result_month("2023-09") == "2024-01"
    assert cal.result_month("2021-09") == "2022-04"  # ran late
    with pytest.raises(KeyError):
        cal.window_info("2023-02")


def test_sections_per_pathway() -> None:
    assert scheme.sections_for("ACMALT") == ("1a", "1b", "2a", "3a", "4", "P1", "P2", "P3", "P4")
    assert "5c" in scheme.sections_for("CMALT")
    assert "5c" not in scheme.sections_for("CMALT", include_optional=False)
    assert scheme.requirement("6a", "SCMALT") == "required"
    assert scheme.requirement("6b", "SCMALT") == "optional"
    assert scheme.requirement("6a", "CMALT") == "absent"
    assert len(scheme.REQUIREMENT) == len(scheme.SECTIONS) * len(scheme.PATHWAYS)


def test_outcomes_by_attempt() -> None:
    assert "fail" not in scheme.OUTCOMES_BY_ATTEMPT[1]
    assert set(scheme.OUTCOMES_BY_ATTEMPT[2]) == {"pass", "fail"}
    assert scheme.LEAD_MIN_PRIOR_ASSESSMENTS == 3
    assert scheme.ASSESSOR_TARGET_WEEKS == (6, 8)
