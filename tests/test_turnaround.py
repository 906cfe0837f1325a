"""Turnaround: hand-computed cases, lifelines as the reference, censoring demonstration."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times, qth_survival_time
from scipy import stats

import cmalt_qa as qa
from cmalt_qa import _stats
from cmalt_qa import turnaround as ta

OPEN_CASE_COLUMNS = [
    "submission_id", "window", "pathway", "attempt", "days_open", "promise_due",
    "days_left", "status", "lead_assessor", "second_assessor",
]  # fmt: skip


def make_records(rows: list[dict]) -> qa.Records:
    """Records from short dicts: submission_id, submitted_on, optional dates and fields."""
    base = {
        "portfolio_id": None, "attempt": 1, "submission_type": "first", "pathway": "CMALT",
        "allocated_on": "", "assessed_on": "", "result_on": "", "outcome": "",
        "lead_assessor": "L1", "second_assessor": "S1",
    }  # fmt: skip
    full = []
    for r in rows:
        d = base | r
        d["portfolio_id"] = d["portfolio_id"] or f"p-{d['submission_id']}"
        if d["result_on"] and not d["outcome"]:
            d["outcome"] = "pass"
        full.append(d)
    subs = pd.DataFrame(full)
    ratings = pd.DataFrame(columns=["submission_id", "section", "lead", "second", "final"])
    recs = qa.from_frames(subs, ratings)
    assert recs.problems.empty, recs.problems.to_string()  # fixture sanity, not user input
    return recs


def lifelines_fit(durations, observed) -> KaplanMeierFitter:
    return KaplanMeierFitter().fit(np.asarray(durations, float), np.asarray(observed, bool))


def _inf_to_nan(x: float) -> float:
    return np.nan if np.isinf(x) else float(x)


def lifelines_quantile(kmf: KaplanMeierFitter, q: float) -> tuple[float, float, float]:
    ci = kmf.confidence_interval_
    # Series, not one-column frames: lifelines squeezes a one-row frame to a scalar.
    est = qth_survival_time(q, kmf.survival_function_.iloc[:, 0])
    lo = qth_survival_time(q, ci.iloc[:, 0])
    hi = qth_survival_time(q, ci.iloc[:, 1])
    return _inf_to_nan(est), _inf_to_nan(lo), _inf_to_nan(hi)


# --------------------------------------------------------------------------- hand cases
class TestHandComputed:
    def test_as_of_before_any_result_everything_censored(self):
        recs = make_records([
            {"submission_id": "a", "submitted_on": "2024-01-10", "result_on": "2024-04-01"},
            {"submission_id": "b", "submitted_on": "2024-01-20", "result_on": "2024-04-20"},
            {"submission_id": "c", "submitted_on": "2024-01-31"},
        ])  # fmt: skip
        s = ta.summary(recs, as_of="2024-03-01")
        assert len(s) == 1 and s.loc[0, "window"] == "2024-01"
        row = s.iloc[0]
        assert (row["n"], row["returned"], row["open"], row["breaches"]) == (3, 0, 3, 0)
        assert row["undetermined"] == 3
        # No result yet: the median has not been reached and the share is not yet known.
        for col in ("median_days", "median_days_ci_low", "median_days_ci_high", "p90_days",
                    "within_promise", "within_promise_ci_low", "within_promise_naive"):  # fmt: skip
            assert np.isnan(row[col]), col
        oc = ta.open_cases(recs, as_of="2024-03-01")
        assert set(oc["submission_id"]) == {"a", "b", "c"}
        # 2024 is a leap year: 10 January -> 1 March is 51 days.
        assert oc.set_index("submission_id").loc["a", "days_open"] == 51

    def test_returned_on_due_date_is_within_promise(self):
        recs = make_records([
            {"submission_id": "a", "submitted_on": "2025-01-31", "result_on": "2025-04-30"},
        ])  # fmt: skip
        assert recs.submissions["promise_due"].iloc[0] == pd.Timestamp("2025-04-30")
        row = ta.summary(recs, as_of="2025-06-01").iloc[0]
        assert row["breaches"] == 0 and row["returned"] == 1
        assert row["within_promise"] == 1.0 and row["within_promise_naive"] == 1.0
        assert row["median_days"] == 89.0  # 31 Jan -> 30 Apr 2025

    def test_open_one_day_past_due_is_a_breach(self):
        recs = make_records([
            {"submission_id": "late", "submitted_on": "2024-01-15"},  # due 2024-04-15
            {"submission_id": "today", "submitted_on": "2024-01-16"},  # due 2024-04-16
            {"submission_id": "soon", "submitted_on": "2024-01-17"},  # due 2024-04-17
            {"submission_id": "ok", "submitted_on": "2024-01-17", "result_on": "2024-04-16"},
        ])  # fmt: skip
        row = ta.summary(recs, as_of="2024-04-16").iloc[0]
        # 'late' is a day past due; 'today' reached the end of its due day without a
        # result (as_of is a closed day); 'soon' is not due yet.
        assert row["breaches"] == 2 and row["breaches_open_overdue"] == 2
        assert row["breaches_returned_late"] == 0 and row["undetermined"] == 1
        # KM on time from due date: events {-1}; censored {1, 0, -1}. At -1 the censored
        # 'soon' stays at risk (tie rule): S(-1) = 1 - 1/4, flat to 0, so the share is 1/4.
        assert row["within_promise"] == pytest.approx(0.25)
        assert row["within_promise_naive"] == 1.0
        oc = ta.open_cases(recs, as_of="2024-04-16").set_index("submission_id")
        assert oc.loc["late", "days_left"] == -1 and oc.loc["late", "status"] == "overdue"
        # For staff acting during the day, a case due today can still be returned.
        assert oc.loc["today", "days_left"] == 0 and oc.loc["today", "status"] == "at risk"
        assert "ok" not in oc.index
        before = ta.summary(recs, as_of="2024-04-14").iloc[0]
        assert before["breaches"] == 0 and before["undetermined"] == 4

    def test_leap_years_and_month_ends(self):
        recs = make_records([
            # 30 Nov 2023 + 3 months -> 29 Feb 2024 (leap year, clamped)
            {"submission_id": "leap", "submitted_on": "2023-11-30", "result_on": "2024-02-29"},
            # 30 Nov 2022 + 3 months -> 28 Feb 2023; returned 1 March: one day late
            {"submission_id": "noleap", "submitted_on": "2022-11-30", "result_on": "2023-03-01"},
            # 31 May -> 31 Aug; 31 Jan 2024 -> 30 Apr 2024
            {"submission_id": "may", "submitted_on": "2024-05-31", "result_on": "2024-08-31"},
            {"submission_id": "jan", "submitted_on": "2024-01-31", "result_on": "2024-05-01"},
        ])  # fmt: skip
        subs = recs.submissions.set_index("submission_id")
        assert subs.loc["leap", "promise_due"] == pd.Timestamp("2024-02-29")
        assert subs.loc["noleap", "promise_due"] == pd.Timestamp("2023-02-28")
        s = ta.summary(recs, by=("submission_id",), as_of="2024-12-31").set_index("submission_id")
        assert s.loc["leap", "breaches"] == 0 and s.loc["may", "breaches"] == 0
        assert s.loc["noleap", "breaches_returned_late"] == 1
        assert s.loc["jan", "breaches_returned_late"] == 1
        assert s.loc["leap", "median_days"] == 91.0  # 30 Nov 2023 -> 29 Feb 2024
        assert s.loc["noleap", "median_days"] == 91.0  # 30 Nov 2022 -> 1 Mar 2023
        overall = ta.summary(recs, by=(), as_of="2024-12-31").iloc[0]
        assert overall["within_promise"] == pytest.approx(0.5)
        assert list(ta.summary(recs, by=(), as_of="2024-12-31").columns[:4]) == [
            "n", "returned", "open", "breaches",
        ]  # fmt: skip

    def test_submissions_after_as_of_are_excluded_with_a_note(self):
        recs = make_records([
            {"submission_id": "a", "submitted_on": "2024-01-10", "result_on": "2024-03-01"},
            {"submission_id": "b", "submitted_on": "2024-03-05"},
            {"submission_id": "c", "submitted_on": "2024-03-06", "result_on": "2024-03-20"},
        ])  # fmt: skip
        with pytest.warns(UserWarning, match="2 submission"):
            s = ta.summary(recs, by=(), as_of="2024-03-02")
        assert s.iloc[0]["n"] == 1 and "2 submissions" in s.attrs["note"]
        with pytest.warns(UserWarning):
            oc = ta.open_cases(recs, as_of="2024-03-02")
        assert oc.empty and list(oc.columns[:10]) == OPEN_CASE_COLUMNS
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            full = ta.summary(recs, by=())
        assert full.attrs["note"] == "" and full.attrs["as_of"] == pd.Timestamp("2024-03-20")

    def test_results_after_as_of_are_not_yet_known(self):
        recs = make_records([
            {"submission_id": "a", "submitted_on": "2024-01-10", "allocated_on": "2024-01-20",
             "assessed_on": "2024-03-25", "result_on": "2024-04-01"},
        ])  # fmt: skip
        oc = ta.open_cases(recs, as_of="2024-03-01")
        assert oc.loc[0, "submission_id"] == "a" and pd.isna(oc.loc[0, "assessed_on"])
        assert oc.loc[0, "stage"] == "with assessors" and oc.loc[0, "days_with_assessors"] == 41
        assert ta.summary(recs, as_of="2024-03-01").iloc[0]["open"] == 1
        assert ta.summary(recs, as_of="2024-04-01").iloc[0]["returned"] == 1

    def test_assessor_stage_against_six_and_eight_weeks(self):
        recs = make_records([
            {"submission_id": "a", "submitted_on": "2024-01-10", "allocated_on": "2024-02-01",
             "assessed_on": "2024-03-14", "result_on": "2024-03-20"},  # 42 days: within 6w
            {"submission_id": "b", "submitted_on": "2024-01-10", "allocated_on": "2024-02-01",
             "assessed_on": "2024-03-15", "result_on": "2024-03-20"},  # 43 days: within 8w
            {"submission_id": "c", "submitted_on": "2024-01-10", "allocated_on": "2024-02-01",
             "assessed_on": "2024-04-01", "result_on": "2024-04-05"},  # 60 days: late
            {"submission_id": "d", "submitted_on": "2024-01-10", "allocated_on": "2024-02-01"},
            {"submission_id": "e", "submitted_on": "2024-01-10", "result_on": "2024-04-01"},
        ])  # fmt: skip
        row = ta.summary(recs, as_of="2024-04-10").iloc[0]
        # d: open with assessors 69 days (> 8 weeks: known late); e: no stage dates.
        assert row["stage_n"] == 4 and row["stage_assessed"] == 3
        assert row["within_6w"] == pytest.approx(1 / 4)
        assert row["within_8w"] == pytest.approx(2 / 4)
        lo, hi = stats.binomtest(2, 4).proportion_ci(0.95, method="wilson")
        np.testing.assert_allclose([row["within_8w_ci_low"], row["within_8w_ci_high"]],
                                   [lo, hi], rtol=0, atol=1e-12)  # fmt: skip

    def test_by_columns_and_submission_types(self):
        recs = make_records([
            {"submission_id": "a", "submitted_on": "2024-01-10", "result_on": "2024-03-01"},
            {"submission_id": "b", "submitted_on": "2024-01-12", "pathway": "SCMALT",
             "submission_type": "review", "result_on": "2024-05-01"},
        ])  # fmt: skip
        s = ta.summary(recs, by=("window", "pathway"), as_of="2024-06-01")
        assert list(s.columns[:3]) == ["window", "pathway", "n"]
        assert list(s["pathway"]) == ["CMALT", "SCMALT"]
        only_first = ta.summary(recs, by=(), as_of="2024-06-01", submission_types=["first"])
        assert only_first.iloc[0]["n"] == 1 and only_first.iloc[0]["breaches"] == 0
        with pytest.raises(ValueError, match="not submission columns"):
            ta.summary(recs, by=("nope",))
        with pytest.raises(ValueError, match="unknown submission type"):
            ta.summary(recs, submission_types=["draft"])


# --------------------------------------------------------------------------- open cases
class TestOpenCases:
    @pytest.fixture
    def recs(self):
        return make_records([
            {"submission_id": "ok", "submitted_on": "2025-03-01"},     # due 06-01: 61 left
            {"submission_id": "risk", "submitted_on": "2025-01-20"},   # due 04-20: 19 left
            {"submission_id": "edge", "submitted_on": "2025-01-22"},   # due 04-22: 21 left
            {"submission_id": "over", "submitted_on": "2024-12-15",    # due 03-15: -17
             "allocated_on": "2025-01-02", "lead_assessor": "L2", "second_assessor": "S2"},
            {"submission_id": "done", "submitted_on": "2025-01-02", "result_on": "2025-03-20"},
        ])  # fmt: skip

    def test_columns_status_and_order(self, recs):
        oc = ta.open_cases(recs, as_of=pd.Timestamp("2025-04-01"))
        assert list(oc.columns[:10]) == OPEN_CASE_COLUMNS
        assert list(oc["submission_id"]) == ["over", "risk", "edge", "ok"]
        assert list(oc["days_left"]) == [-17, 19, 21, 61]
        # "ok" has no allocation yet (issue 13): awaiting allocation, not "on track"
        assert list(oc["status"]) == ["overdue", "at risk", "at risk", "awaiting allocation"]
        assert list(oc["days_open"]) == [107, 71, 69, 31]
        assert oc.loc[0, "lead_assessor"] == "L2" and oc.loc[0, "stage"] == "with assessors"
        assert oc.loc[1, "stage"] == "awaiting allocation"
        narrow = ta.open_cases(recs, as_of="2025-04-01", at_risk_days=20)
        assert list(narrow["status"]) == [
            "overdue",
            "at risk",
            "awaiting allocation",
            "awaiting allocation",
        ]

    def test_as_of_is_required_and_validated(self, recs):
        with pytest.raises(TypeError, match="required"):
            ta.open_cases(recs, None)
        with pytest.raises(ValueError, match="ISO date"):
            ta.open_cases(recs, "1 April 2025")
        with pytest.raises(TypeError):
            ta.open_cases(recs, "2025-04-01", at_risk_days=2.5)
        import datetime as dt

        same = ta.open_cases(recs, dt.date(2025, 4, 1))
        pd.testing.assert_frame_equal(same, ta.open_cases(recs, "2025-04-01"))


# --------------------------------------------------------------------------- calendar
def test_calendar_check_counts_against_promise_and_result_month():
    recs = make_records([
        {"submission_id": "on", "submitted_on": "2024-01-31", "result_on": "2024-04-30"},
        {"submission_id": "cal", "submitted_on": "2024-01-15", "result_on": "2024-05-20"},
        {"submission_id": "gap", "submitted_on": "2024-01-10", "result_on": "2024-04-20"},
        {"submission_id": "after", "submitted_on": "2024-01-05", "result_on": "2024-06-03"},
    ])  # fmt: skip
    c = ta.calendar_check(recs, as_of="2024-07-01")
    row = c.set_index("window").loc["2024-01"]
    assert row["result_month"] == "2024-05"
    assert row["result_month_end"] == pd.Timestamp("2024-05-31")
    assert row["promised_before_result_month"] == 4  # every due date is in April or earlier
    assert (row["within_promise"], row["late_within_result_month"], row["after_result_month"],
            row["undetermined"]) == (1, 2, 1, 0)  # fmt: skip
    assert row["share_within_promise"] == pytest.approx(0.25)
    assert row["share_within_result_month"] == pytest.approx(0.75)
    assert row["share_late_within_result_month"] == pytest.approx(0.5)


# --------------------------------------------------------------------------- lifelines
def _random_cases(seed: int, n: int = 60):
    rng = np.random.default_rng(seed)
    t = rng.integers(20, 140, n).astype(float)
    cens = rng.random(n) < 0.3
    # Whole days, as in the data: censorings tie with events (tie rule tested too).
    return t, ~cens


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_km_curve_and_quantiles_match_lifelines(seed):
    t, e = _random_cases(seed)
    fit = _stats.km_fit(t, e)
    kmf = lifelines_fit(t, e)
    sf_ll = kmf.survival_function_.iloc[:, 0].reindex(fit.times).to_numpy()
    np.testing.assert_allclose(fit.sf, sf_ll, rtol=0, atol=1e-12)
    ci = kmf.confidence_interval_.reindex(fit.times).to_numpy()
    np.testing.assert_allclose(fit.sf_low, ci[:, 0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.sf_high, ci[:, 1], rtol=1e-9, atol=1e-12)
    med = median_survival_times(kmf.confidence_interval_).to_numpy().ravel()
    ours = _stats.km_quantile(fit, 0.5)
    np.testing.assert_allclose(ours, [kmf.median_survival_time_, *map(_inf_to_nan, med)])
    np.testing.assert_allclose(_stats.km_quantile(fit, 0.1), lifelines_quantile(kmf, 0.1))
    np.testing.assert_array_equal(fit.at_risk, kmf.event_table["at_risk"].reindex(fit.times))
    np.testing.assert_array_equal(fit.events, kmf.event_table["observed"].reindex(fit.times))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-60, 60), st.booleans()), min_size=1, max_size=40),
    st.floats(0.05, 0.95),
)
def test_km_matches_lifelines_property(cases, q):
    t = np.array([c[0] for c in cases], float)
    e = np.array([c[1] for c in cases])
    fit = _stats.km_fit(t, e)
    kmf = lifelines_fit(t, e)
    np.testing.assert_allclose(
        fit.sf, kmf.survival_function_.iloc[:, 0].reindex(fit.times), rtol=0, atol=1e-12
    )
    # lifelines builds S(t) as exp(sum(log(1 - d/n))), so a curve that sits exactly on q
    # (S = 0.5 after 3 events in 6) reads as 0.5000000000000001 there and crosses one step
    # later; the definition inf{t : S(t) <= q} is ours. Ties within rounding are left out.
    curves = np.concatenate([fit.sf, fit.sf_low, fit.sf_high])
    assume(not np.any(np.isclose(curves, q, rtol=0, atol=1e-9)))
    np.testing.assert_allclose(_stats.km_quantile(fit, q), lifelines_quantile(kmf, q), rtol=1e-9)
    share, lo, hi, undet = _stats.share_by(t, e, 0.0)
    if undet == 0:  # plain proportion, Wilson interval
        k = int(np.sum(e & (t <= 0)))
        assert share == pytest.approx(k / t.size, abs=1e-12)
        ref = stats.binomtest(k, t.size).proportion_ci(0.95, method="wilson")
        np.testing.assert_allclose([lo, hi], [ref.low, ref.high], atol=1e-12)
        # ... which is also what the product-limit estimator gives.
        sf0 = kmf.survival_function_at_times(0.0).iloc[0]
        assert share == pytest.approx(1.0 - sf0, abs=1e-12)
    elif not (0.0 > t.max() and kmf.survival_function_.iloc[-1, 0] > 0):
        assert share == pytest.approx(1.0 - kmf.survival_function_at_times(0.0).iloc[0], abs=1e-12)


def test_summary_estimates_match_lifelines_on_the_same_durations():
    rng = np.random.default_rng(7)
    start = pd.Timestamp("2024-02-01")
    rows = []
    for i in range(80):
        sub = start + pd.Timedelta(days=int(rng.integers(0, 120)))
        res = sub + pd.Timedelta(days=int(rng.integers(40, 130)))
        rows.append({"submission_id": f"s{i:02d}", "submitted_on": sub.date().isoformat(),
                     "result_on": res.date().isoformat()})  # fmt: skip
    recs = make_records(rows)
    as_of = pd.Timestamp("2024-07-15")
    s = ta.summary(recs, by=(), as_of=as_of).iloc[0]
    subs = recs.submissions
    returned = subs["result_on"] <= as_of
    days = np.where(returned, (subs["result_on"] - subs["submitted_on"]).dt.days,
                    (as_of - subs["submitted_on"]).dt.days)  # fmt: skip
    kmf = lifelines_fit(days, returned)
    assert np.isfinite(s[["median_days", "median_days_ci_low", "median_days_ci_high",
                          "p90_days", "within_promise", "within_promise_ci_low",
                          "within_promise_ci_high"]].astype(float)).all()  # fmt: skip
    med = median_survival_times(kmf.confidence_interval_).to_numpy().ravel()
    np.testing.assert_allclose(
        [s["median_days"], s["median_days_ci_low"], s["median_days_ci_high"]],
        [kmf.median_survival_time_, *map(_inf_to_nan, med)],
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        [s["p90_days"], s["p90_days_ci_low"], s["p90_days_ci_high"]],
        lifelines_quantile(kmf, 0.1),
        rtol=1e-9,
    )
    # Within promise: KM on time from each case's due date, censored at as_of - due.
    rel = np.where(returned, (subs["result_on"] - subs["promise_due"]).dt.days,
                   (as_of - subs["promise_due"]).dt.days)  # fmt: skip
    assert s["undetermined"] > 0  # the KM path, not the plain proportion
    kmr = lifelines_fit(rel, returned)
    sf0 = kmr.survival_function_at_times(0.0).iloc[0]
    ci = kmr.confidence_interval_
    ci0 = ci[ci.index <= 0.0].iloc[-1].to_numpy()
    np.testing.assert_allclose(
        [s["within_promise"], s["within_promise_ci_low"], s["within_promise_ci_high"]],
        [1 - sf0, 1 - ci0[1], 1 - ci0[0]],
        rtol=1e-9,
    )
    assert s["n"] == 80 and s["returned"] == int(returned.sum())


# --------------------------------------------------------------------------- demonstration
def test_dropping_open_cases_overstates_compliance_and_censoring_recovers_it():
    """A planted backlog: 60% returned on time; late ones are still open at as_of."""
    rng = np.random.default_rng(2024)
    n, p_true = 600, 0.60
    submitted = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 120, n), "D")
    due = pd.Series([pd.Timestamp(qa.scheme.promise_due(d)) for d in submitted])
    on_time = rng.random(n) < p_true
    # Relative to the due date: on time -> 0..45 days early; late -> 1..90 days late.
    rel = np.where(on_time, -rng.integers(0, 46, n), rng.integers(1, 91, n))
    result = due + pd.to_timedelta(rel, "D")
    recs = make_records([
        {"submission_id": f"s{i:03d}", "submitted_on": submitted[i].date().isoformat(),
         "result_on": result[i].date().isoformat()}
        for i in range(n)
    ])  # fmt: skip
    as_of = "2024-05-15"  # many late cases still open, some cases not yet due
    s = ta.summary(recs, by=(), as_of=as_of).iloc[0]
    assert s["undetermined"] > 0 and s["breaches_open_overdue"] > 0
    # Dropping open cases: share among returned only, far above the planted 60%.
    assert s["within_promise_naive"] > p_true + 0.15
    # Censored estimate: the planted rate is inside its interval.
    assert s["within_promise_ci_low"] <= p_true <= s["within_promise_ci_high"]
    assert abs(s["within_promise"] - p_true) < 0.06
    # Once every case is determined, the estimate is the observed share.
    late = ta.summary(recs, by=(), as_of="2025-01-01").iloc[0]
    assert late["within_promise"] == pytest.approx(on_time.mean())


# --------------------------------------------------------------------------- km_curves
def test_km_curves_table():
    recs = make_records([
        {"submission_id": "a", "submitted_on": "2024-01-10", "result_on": "2024-03-10"},
        {"submission_id": "b", "submitted_on": "2024-01-12", "result_on": "2024-04-20"},
        {"submission_id": "c", "submitted_on": "2024-01-31"},
        {"submission_id": "d", "submitted_on": "2024-02-10", "result_on": "2024-04-01"},
    ])  # fmt: skip
    k = ta.km_curves(recs, as_of="2024-05-01")
    assert list(k.columns[:5]) == ["window", "days", "share_returned", "ci_low", "ci_high"]
    w1 = k[k["window"] == "2024-01"]
    # a: 60 days; c: open 91 days -> censored at 91; b: 99 days, the last one at risk.
    assert w1["days"].tolist() == [0.0, 60.0, 91.0, 99.0]
    np.testing.assert_allclose(w1["share_returned"], [0, 1 / 3, 1 / 3, 1.0])
    assert w1["n"].iloc[0] == 3 and w1["censored"].tolist() == [0, 0, 1, 0]
    assert w1["at_risk"].tolist() == [3, 3, 2, 1]
    w5 = k[k["window"] == "2024-05"]
    np.testing.assert_allclose(w5["share_returned"], [0.0, 1.0])
    # log-log is undefined at S = 0 and 1: zero-width there, as lifelines reports.
    np.testing.assert_allclose(w5[["ci_low", "ci_high"]], [[0.0, 0.0], [1.0, 1.0]])


# --------------------------------------------------------------------------- sample data
@pytest.fixture(scope="module")
def sample_truth(sample_records):
    if sample_records.truth:
        return sample_records.truth
    import json
    from pathlib import Path

    return json.loads((Path(__file__).parents[1] / "data" / "sample" / "truth.json").read_text())


def test_sample_backlog_window_is_the_worst_and_recovered(sample_records, sample_truth):
    backlog = sample_truth["backlog"]
    s = ta.summary(sample_records)
    assert s.attrs["as_of"] == pd.Timestamp(sample_truth["as_of"])
    worst = s.loc[s["within_promise"].idxmin()]
    assert worst["window"] == backlog["window"]
    assert (
        worst["within_promise_ci_low"]
        <= backlog["p_within_promise"]
        <= worst["within_promise_ci_high"]
    )
    others = s[s["window"] != backlog["window"]]
    assert (others["within_promise_ci_low"] > worst["within_promise_ci_high"]).all()
    assert worst["breaches"] == s["breaches"].max()


def test_sample_censoring_recovers_the_backlog_while_it_is_live(sample_records, sample_truth):
    """Mid-backlog, most late cases are still open: dropping them hides the backlog."""
    backlog = sample_truth["backlog"]
    with pytest.warns(UserWarning, match="after as_of"):
        s = ta.summary(sample_records, as_of="2023-08-20")
    row = s.set_index("window").loc[backlog["window"]]
    assert row["undetermined"] > 0 and row["open"] > row["returned"]
    assert row["within_promise_naive"] > backlog["p_within_promise"] + 0.4
    assert (
        row["within_promise_ci_low"] <= backlog["p_within_promise"] <= row["within_promise_ci_high"]
    )


def test_sample_open_cases_are_the_planted_open_submissions(sample_records, sample_truth):
    oc = ta.open_cases(sample_records, as_of=sample_truth["as_of"])
    assert set(oc["submission_id"]) == set(sample_truth["open_submissions"])
    assert (oc["days_left"].diff().dropna() >= 0).all()
    assert list(oc.columns[:10]) == OPEN_CASE_COLUMNS
