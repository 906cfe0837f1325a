"""Tests for cmalt_qa.referrals on a small hand-computed dataset.

The fixture (first submissions unless stated; windows 2023-01 and 2023-05):

=====  =========  ========  =======  ===========  =========================================
sub    portfolio  pathway   attempt  outcome      final ratings (A unless listed)
=====  =========  ========  =======  ===========  =========================================
s1     P1         ACMALT    1        minor        3a R (reflection), P1 R (gaps not recorded)
s2     P2         CMALT     1        pass         no row for required 1c; optional 5b A
s3     P3         CMALT     1        major        3a R (evidence;reflection), 3b R
                                                  (description), 2b R (reflection); optional
                                                  5c row without a final decision
s4     P4         SCMALT    1        distinction  all S, optional 6b S (window 2023-05)
s5     P1         ACMALT    2        pass         resubmission of s1, all A
s6     P6         CMALT     1        pass         portfolio review, all A
s7     P7         CMALT     1        (open)       no ratings yet
=====  =========  ========  =======  ===========  =========================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cmalt_qa import _stats
from cmalt_qa import referrals as rf
from cmalt_qa.records import PROBLEM_COLUMNS, Records
from cmalt_qa.scheme import GAP_ELEMENTS, default_calendar, sections_for


def make_records(subs: list[dict], finals: dict[str, dict[str, tuple]]) -> Records:
    """Records from compact specs.

    ``finals[sid]`` maps section -> (final, gaps) overriding the default: every required
    section of the pathway rated ``A`` (or ``S`` when ``default`` is given). A value of
    ``None`` drops the row; optional sections are added only when listed.
    """
    s = pd.DataFrame(subs)
    for c in ("submitted_on", "allocated_on", "assessed_on", "result_on"):
        s[c] = pd.to_datetime(s.get(c, pd.Series([pd.NaT] * len(s))))
    s["outcome"] = s["outcome"].astype(object)
    s["window"] = default_calendar().windows_of(s["submitted_on"]).astype(str)
    s["year"] = s["window"].str[:4].astype(int)
    s["row"] = np.arange(2, len(s) + 2)
    rows = []
    for sub in subs:
        spec = dict(finals.get(sub["submission_id"], {}))
        default = spec.pop("default", ("A", None))
        for sec in sections_for(sub["pathway"], include_optional=False):
            if sec not in spec:
                spec[sec] = default
        for sec, val in spec.items():
            if val is None:
                continue
            final, gaps = val
            rows.append(
                {
                    "submission_id": sub["submission_id"],
                    "section": sec,
                    "lead": final,
                    "second": final,
                    "final": final,
                    "gaps": gaps,
                }
            )
    r = pd.DataFrame(rows)
    r["final"] = r["final"].astype(object)
    for e in GAP_ELEMENTS:
        r[f"gap_{e}"] = pd.array(
            [pd.NA if pd.isna(g) else (e in g.split(";")) for g in r["gaps"]], dtype="boolean"
        )
    r["row"] = np.arange(2, len(r) + 2)
    return Records(
        submissions=s,
        ratings=r,
        assessors=pd.DataFrame(columns=["assessor_id"]),
        problems=pd.DataFrame(columns=PROBLEM_COLUMNS),
        calendar=default_calendar(),
    )


def _sub(sid, pid, pathway, attempt, outcome, submitted, result, sector="HE", stype=None):
    return {
        "submission_id": sid,
        "portfolio_id": pid,
        "pathway": pathway,
        "attempt": attempt,
        "submission_type": stype or ("first" if attempt == 1 else "resubmission"),
        "outcome": outcome,
        "submitted_on": submitted,
        "result_on": result,
        "lead_assessor": "a1",
        "second_assessor": "a2",
        "sector": sector,
    }


@pytest.fixture()
def recs() -> Records:
    subs = [
        _sub("s1", "P1", "ACMALT", 1, "minor", "2023-01-10", "2023-05-01"),
        _sub("s2", "P2", "CMALT", 1, "pass", "2023-01-12", "2023-05-01", sector="FE"),
        _sub("s3", "P3", "CMALT", 1, "major", "2023-01-15", "2023-05-01"),
        _sub("s4", "P4", "SCMALT", 1, "distinction", "2023-05-10", "2023-09-01"),
        _sub("s5", "P1", "ACMALT", 2, "pass", "2023-06-15", "2023-09-01"),
        _sub("s6", "P6", "CMALT", 1, "pass", "2023-01-20", "2023-05-01", stype="review"),
        _sub("s7", "P7", "CMALT", 1, None, "2023-01-20", None),
    ]
    finals = {
        "s1": {"3a": ("R", "reflection"), "P1": ("R", np.nan)},
        "s2": {"1c": None, "5b": ("A", None)},
        "s3": {
            "3a": ("R", "evidence;reflection"),
            "3b": ("R", "description"),
            "2b": ("R", "reflection"),
            "5c": (np.nan, None),
        },
        "s4": {"default": ("S", None), "6b": ("S", None)},
        "s7": {"default": None},
    }
    return make_records(subs, finals)


def row(t: pd.DataFrame, **keys) -> pd.Series:
    m = np.ones(len(t), dtype=bool)
    for k, v in keys.items():
        m &= (t[k].astype(str) == str(v)).to_numpy()
    assert m.sum() == 1, f"{keys}: {m.sum()} rows"
    return t[m].iloc[0]


# --------------------------------------------------------------------------- by_section
def test_by_section_hand_counts(recs):
    t = rf.by_section(recs)
    assert list(t.columns[:6]) == ["section", "n", "referred", "rate", "ci_low", "ci_high"]
    expect = {  # section: (n, referred, n_missing)
        "3a": (4, 2, 0),
        "1c": (2, 0, 1),
        "5b": (2, 0, 0),
        "5c": (0, 0, 1),
        "6b": (1, 0, 0),
        "2b": (3, 1, 0),
        "P1": (4, 1, 0),
        "3b": (3, 1, 0),
        "6a": (1, 0, 0),
    }
    for sec, (n, k, miss) in expect.items():
        r = row(t, section=sec)
        assert (r["n"], r["referred"], r["n_missing"]) == (n, k, miss), sec
        if n:
            assert r["rate"] == pytest.approx(k / n)
    assert np.isnan(row(t, section="5c")["rate"])
    # sections come in the order of the assessment form
    assert list(t["section"].astype(str)) == [
        s
        for s in (
            "1a",
            "1b",
            "1c",
            "2a",
            "2b",
            "3a",
            "3b",
            "4",
            "5a",
            "5b",
            "5c",
            "6a",
            "6b",
            "P1",
            "P2",
            "P3",
            "P4",
        )
    ]


def test_by_section_zero_referrals_interval_starts_at_zero(recs):
    r = row(rf.by_section(recs), section="1c")
    assert r["referred"] == 0 and r["ci_low"] == 0.0 and 0 < r["ci_high"] < 1


def test_by_section_wilson_matches_scipy(recs):
    t = rf.by_section(recs)
    for _, r in t[t["n"] > 0].iterrows():
        ci = stats.binomtest(int(r["referred"]), int(r["n"])).proportion_ci(0.95, "wilson")
        np.testing.assert_allclose([r["ci_low"], r["ci_high"]], [ci.low, ci.high], atol=1e-12)


def test_by_section_groups_and_population(recs):
    t = rf.by_section(recs, by=("pathway", "section"))
    assert list(t.columns[:2]) == ["pathway", "section"]
    assert tuple(row(t, pathway="ACMALT", section="3a")[["n", "referred"]]) == (1, 1)
    assert "1c" not in set(t.loc[t["pathway"] == "ACMALT", "section"].astype(str))
    everyone = rf.by_section(recs, submission_types=None)
    # adds the resubmission s5 and the review s6, both A in 3a
    assert tuple(row(everyone, section="3a")[["n", "referred"]]) == (6, 2)
    reviews = rf.by_section(recs, submission_types=("review",))
    assert row(reviews, section="3a")["n"] == 1


def test_by_section_without_section_uses_cluster_bootstrap(recs):
    t = rf.by_section(recs, by=("window",), n_boot=400)
    r = row(t, window="2023-01")
    # s1: 9 ACMALT sections (2 R); s2: 13 CMALT required - 1c + optional 5b = 13;
    # s3: 13 decided (3 R; its 5c row has no final)
    assert (r["n"], r["referred"], r["n_submissions"]) == (9 + 13 + 13, 5, 3)
    assert r["rate"] == pytest.approx(5 / 35)
    assert r["ci_low"] <= r["rate"] <= r["ci_high"]
    again = rf.by_section(recs, by=("window",), n_boot=400)
    pd.testing.assert_frame_equal(t, again)


def test_by_section_rejects_bad_input(recs):
    with pytest.raises(ValueError, match="cannot group by"):
        rf.by_section(recs, by=("section", "nonsense"))
    with pytest.raises(TypeError):
        rf.by_section(pd.DataFrame())


# --------------------------------------------------------------------------- outcomes
def test_outcomes_by_window(recs):
    t = rf.outcomes(recs, by=("window",))
    a = row(t, window="2023-01")
    assert (a["n"], a["n_open"], a["n_minor"], a["n_major"], a["n_pass"]) == (3, 1, 1, 1, 1)
    assert a["rate"] == pytest.approx(2 / 3) and a["share_pass"] == pytest.approx(1 / 3)
    ci = stats.binomtest(2, 3).proportion_ci(0.95, "wilson")
    np.testing.assert_allclose([a["ci_low"], a["ci_high"]], [ci.low, ci.high], atol=1e-12)
    b = row(t, window="2023-05")
    assert (b["n"], b["n_distinction"], b["referred"], b["ci_low"]) == (1, 1, 0, 0.0)
    shares = t[[f"share_{o}" for o in ("distinction", "pass", "minor", "major")]].sum(axis=1)
    np.testing.assert_allclose(shares, 1.0)


def test_section_drivers(recs):
    t = rf.section_drivers(recs)
    assert tuple(row(t, section="3a")[["n", "with_r", "share"]]) == (2, 2, 1.0)
    assert tuple(row(t, section="P1")[["n", "with_r"]]) == (2, 1)
    assert tuple(row(t, section="2b")[["n", "with_r"]]) == (1, 1)  # s1 (ACMALT) has no 2b
    assert tuple(row(t, section="1c")[["n", "with_r"]]) == (1, 0)


def test_co_referrals(recs):
    t = rf.co_referrals(recs)
    r = row(t, section_a="3a", section_b="P1")
    assert tuple(r[["n", "n_a", "n_b", "n_both"]]) == (4, 2, 1, 1)
    assert r["share_b_given_a"] == pytest.approx(0.5) and r["lift"] == pytest.approx(2.0)
    r = row(t, section_a="3a", section_b="3b")
    assert tuple(r[["n", "n_a", "n_b", "n_both"]]) == (3, 1, 1, 1)
    assert r["lift"] == pytest.approx(3.0)
    r = row(t, section_a="1a", section_b="1b")
    assert r["n_a"] == 0 and np.isnan(r["share_b_given_a"]) and np.isnan(r["lift"])
    assert not ((t["section_a"] == t["section_b"]).any())


# --------------------------------------------------------------------------- gaps
def test_gaps_by_section(recs):
    t = rf.gaps(recs, by=("section",))
    r = row(t, section="3a")
    assert tuple(r[["n", "n_r", "n_missing_gaps", "n_gaps_recorded"]]) == (4, 2, 0, 2)
    assert (r["reflection"], r["evidence"], r["description"]) == (2, 1, 0)
    assert r["reflection_rate"] == 1.0 and r["evidence_rate"] == 0.5
    assert r["reflection_sub_rate"] == pytest.approx(2 / 4)
    ci = stats.binomtest(1, 2).proportion_ci(0.95, "wilson")
    np.testing.assert_allclose(
        [r["evidence_rate_ci_low"], r["evidence_rate_ci_high"]], [ci.low, ci.high]
    )
    # P1: the only R has no gap data -> missing, not "no gap"
    p = row(t, section="P1")
    assert tuple(p[["n_r", "n_missing_gaps", "n_gaps_recorded"]]) == (1, 1, 0)
    assert np.isnan(p["reflection_rate"])
    assert p["reflection_sub_rate"] == 0.0  # over the 3 submissions whose status is known
    b = row(t, section="3b")
    assert b["description_rate"] == 1.0 and b["description_sub_rate"] == pytest.approx(1 / 3)


def test_gaps_by_year_pools_sections(recs):
    t = rf.gaps(recs, by=("year",), n_boot=300)
    r = row(t, year=2023)
    assert tuple(r[["n_r", "n_missing_gaps", "n_gaps_recorded"]]) == (5, 1, 4)
    assert r["reflection_rate"] == pytest.approx(3 / 4)
    assert r["evidence_rate"] == pytest.approx(1 / 4)
    assert r["description_rate"] == pytest.approx(1 / 4)
    assert r["reflection_rate_ci_low"] <= 0.75 <= r["reflection_rate_ci_high"]


# --------------------------------------------------------------------------- resubmission
def test_flows_as_of(recs):
    t = rf.flows(recs)  # as_of = latest date in the data, 2023-09-01
    assert tuple(row(t, from_outcome="minor")[["to_outcome", "n", "share"]]) == ("pass", 1, 1.0)
    assert row(t, from_outcome="major")["to_outcome"] == rf.NOT_RESUBMITTED
    mid = rf.flows(recs, as_of="2023-07-01")
    assert row(mid, from_outcome="minor")["to_outcome"] == rf.IN_ASSESSMENT
    early = rf.flows(recs, as_of="2023-06-01")
    assert row(early, from_outcome="minor")["to_outcome"] == rf.NOT_RESUBMITTED
    before = rf.flows(recs, as_of="2023-04-01")  # no referral result known yet
    assert before.empty


def test_resubmission_time_censors_open(recs):
    t = rf.resubmission_time(recs)
    r = t.iloc[0]
    assert tuple(r[["n", "resubmitted", "censored", "n_invalid"]]) == (2, 1, 1, 0)
    # s1: 45 days (event); s3: censored at 123 days. KM drops to 1/2 at 45 days.
    assert r["median_days"] == 45.0
    assert r["resubmitted_by_horizon"] == pytest.approx(0.5)
    assert r["share_resubmitted"] == 0.5


def test_km_median_matches_lifelines():
    lifelines = pytest.importorskip("lifelines")
    from lifelines.utils import median_survival_times

    rng = np.random.default_rng(3)
    t = rng.integers(5, 400, size=80).astype(float)
    ev = rng.random(80) < 0.7
    med, lo, hi = _stats.km_quantile(_stats.km_fit(t, ev, 0.95, degenerate="nan"), 0.5)
    kmf = lifelines.KaplanMeierFitter().fit(t, ev)
    assert med == pytest.approx(kmf.median_survival_time_)
    ref = median_survival_times(kmf.confidence_interval_).to_numpy().ravel()
    np.testing.assert_allclose([lo, hi], ref)


def test_eventual_pass(recs):
    t = rf.eventual_pass(recs)
    a = row(t, window="2023-01")
    assert tuple(a[["n", "passed_first", "passed_resubmission", "pending", "failed"]]) == (
        3,
        1,
        1,
        1,
        0,
    )
    assert a["rate"] == pytest.approx(2 / 3) and a["rate_max"] == 1.0
    assert tuple(row(t, window="2023-05")[["n", "passed_first", "rate"]]) == (1, 1, 1.0)


# --------------------------------------------------------------------------- monitoring
def test_p_chart_from_records(recs):
    t = rf.p_chart(recs)
    assert list(t["window"]) == ["2023-01", "2023-05"]
    np.testing.assert_array_equal(t["n"], [3, 1])
    np.testing.assert_array_equal(t["k"], [2, 0])
    np.testing.assert_allclose(t["centre"], 0.5)
    sig = np.sqrt(0.25 / np.array([3.0, 1.0]))
    np.testing.assert_allclose(t["ucl"], np.clip(0.5 + 3 * sig, 0, 1))
    np.testing.assert_allclose(t["lcl"], np.clip(0.5 - 3 * sig, 0, 1))
    s = rf.p_chart(recs, per_section=True)
    r = s[(s["section"] == "3a") & (s["window"] == "2023-01")].iloc[0]
    assert (r["n"], r["k"]) == (3, 2)
    b = rf.p_chart(recs, baseline=("2023-05", "2023-05"))
    np.testing.assert_allclose(b["centre"], 0.0)
    with pytest.raises(ValueError, match="baseline"):
        rf.p_chart(recs, baseline=("2030-01", "2030-09"))


def test_funnel_by_sector(recs):
    t = rf.funnel(recs, "sector")
    he = row(t, sector="HE")
    assert (he["n"], he["k"], he["centre"]) == (3, 2, 0.5)
    assert he["lower_95"] == 0.0 and he["upper_95"] == 1.0 and not he["outside_95"]
    assert {"lower_998", "upper_998", "outside_998", "z"} <= set(t.columns)
    c = rf.funnel_curve(0.5, 50)
    assert len(c) == 50 and (c["lower_998"] <= c["lower_95"]).all()


def test_same_tables_through_the_loader(recs):
    """The fixture, passed as raw strings through qa.from_frames, gives the same tables."""
    import cmalt_qa as qa

    subs = recs.submissions.copy()
    for c in ("submitted_on", "result_on"):
        subs[c] = subs[c].dt.strftime("%Y-%m-%d").fillna("")
    subs["outcome"] = subs["outcome"].fillna("")
    subs = subs[
        [
            "submission_id",
            "portfolio_id",
            "attempt",
            "submission_type",
            "pathway",
            "submitted_on",
            "result_on",
            "outcome",
            "lead_assessor",
            "second_assessor",
            "sector",
        ]
    ].astype(str)
    rat = recs.ratings[["submission_id", "section", "lead", "second", "final", "gaps"]]
    rat = rat.astype(object).where(rat.notna(), "").astype(str)
    loaded = qa.from_frames(subs, rat)
    kept_out = set(loaded.problems["row"]) if len(loaded.problems) else set()
    assert not kept_out, loaded.problems.to_string()
    for f in (rf.by_section, rf.outcomes, rf.gaps, rf.eventual_pass):
        pd.testing.assert_frame_equal(
            f(loaded), f(recs), check_dtype=False, check_categorical=False
        )
