"""cmalt_qa.assessors: hand-computed rule cases, workload, severity against references."""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

import cmalt_qa as qa
from cmalt_qa import _assessors_core as core
from cmalt_qa import assessors as A
from cmalt_qa._bootstrap import group_rng
from cmalt_qa._stats import bootstrap_indices
from cmalt_qa.records import PROBLEM_COLUMNS, Records
from cmalt_qa.scheme import RATING_SCORE, default_calendar, sections_for

SCORE = {k: float(v) for k, v in RATING_SCORE.items()}
LETTER = {v: k for k, v in RATING_SCORE.items()}


# --------------------------------------------------------------------------- fixtures
def _sub(
    sid, pid, attempt, submitted, allocated, lead, second, outcome="", result="", nominated=""
):
    return {
        "submission_id": sid, "portfolio_id": pid, "attempt": attempt,
        "submission_type": "first" if attempt == 1 else "resubmission", "pathway": "ACMALT",
        "submitted_on": submitted, "allocated_on": allocated, "assessed_on": "", "result_on": result,
        "outcome": outcome, "lead_assessor": lead, "second_assessor": second,
        "second_nominated": nominated,
    }  # fmt: skip


@pytest.fixture(scope="module")
def rule_recs() -> Records:
    """Hand-built panel; expected breaches are worked out in the comments."""
    ref = dict(outcome="minor", result="2024-03-01")
    rows = [
        # L: 0 prior. a1..a3 are L's 1st-3rd assessments (prior 0, 1, 2: breaches); a4 is
        # the 4th (prior 3: fine).
        _sub("a1", "pa1", 1, "2024-01-02", "2024-01-05", "L", "E1"),
        _sub("a2", "pa2", 1, "2024-01-02", "2024-01-06", "L", "N1"),  # N1 prior 1: both new
        _sub("a3", "pa3", 1, "2024-01-02", "2024-01-07", "L", "U"),  # U unknown -> 0: both new
        _sub("a4", "pa4", 1, "2024-01-02", "2024-01-08", "L", "E2"),
        # T: 2 prior; t1 and t2 on the same day are simultaneous (prior 2 each: breaches);
        # t3 has no allocated_on, so its submitted_on (2024-01-11) counts: prior 4.
        _sub("t1", "pt1", 1, "2024-01-02", "2024-01-10", "T", "E1"),
        _sub("t2", "pt2", 1, "2024-01-02", "2024-01-10", "T", "E2"),
        _sub("t3", "pt3", 1, "2024-01-11", "", "T", "E1"),
        # Referred first attempts and their resubmissions.
        _sub("r1", "pr1", 1, "2024-01-02", "2024-01-03", "E1", "M", **ref),
        _sub("r1b", "pr1", 2, "2024-06-01", "2024-06-05", "E1", "N1"),  # second changed
        _sub("r2", "pr2", 1, "2024-01-02", "2024-01-03", "E2", "M", **ref),
        _sub("r2b", "pr2", 2, "2024-06-01", "2024-06-05", "M", "E2"),  # swapped: same pair
        _sub("r3", "pr3", 1, "2024-01-02", "2024-01-03", "E1", "E2", **ref),
        _sub("r3b", "pr3", 2, "2024-06-01", "2024-06-06", "M", "N1"),  # both changed
    ]
    subs = pd.DataFrame(rows)
    final = {"r1": "R", "r2": "R", "r3": "R"}
    ratings = pd.DataFrame(
        [{"submission_id": r["submission_id"], "section": "1a", "lead": "A", "second": "A",
          "final": final.get(r["submission_id"], "A")} for r in rows]
    )  # fmt: skip
    assessors = pd.DataFrame(
        {
            "assessor_id": ["E1", "E2", "L", "N1", "M", "T"],
            "prior_assessments": ["10", "10", "0", "1", "5", "2"],
        }
    )
    recs = qa.from_frames(subs, ratings, assessors)
    assert recs.problems.empty, recs.problems  # the fixture itself must be valid
    return recs


def make_records(
    seed: int,
    n_sub: int = 60,
    n_ass: int = 8,
    shift: dict | None = None,
    pairs: pd.DataFrame | None = None,
) -> Records:
    """Random valid-shaped Records built directly (ratings on ACMALT's nine sections).

    ``pairs`` (columns lead_assessor, second_assessor) overrides the random pairing."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"A{i:02d}" for i in range(n_ass)])
    lead = rng.integers(0, n_ass, n_sub)
    second = (lead + rng.integers(1, n_ass, n_sub)) % n_ass
    if pairs is not None:
        code = {a: i for i, a in enumerate(ids)}
        lead = pairs["lead_assessor"].map(code).to_numpy()
        second = pairs["second_assessor"].map(code).to_numpy()
    submitted = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n_sub), unit="D")
    subs = pd.DataFrame(
        {
            "submission_id": [f"s{i:03d}" for i in range(n_sub)],
            "portfolio_id": [f"p{i:03d}" for i in range(n_sub)],
            "attempt": 1, "submission_type": "first", "pathway": "ACMALT",
            "submitted_on": submitted, "allocated_on": submitted + pd.Timedelta(days=7),
            "lead_assessor": ids[lead], "second_assessor": ids[second],
            "second_nominated": pd.array(rng.random(n_sub) < 0.4, dtype="boolean"),
        }
    )  # fmt: skip
    subs["window"] = default_calendar().windows_of(subs["submitted_on"]).astype(str)
    subs["year"] = subs["window"].str[:4].astype(int)
    shift = shift or {}
    secs = sections_for("ACMALT")
    rows = []
    for s in subs.itertuples():
        q = rng.normal(1.0, 0.6)
        for sec in secs:
            lv = q + shift.get(s.lead_assessor, 0.0) + rng.normal(0, 0.5)
            sv = q + shift.get(s.second_assessor, 0.0) + rng.normal(0, 0.5)
            lv, sv = (LETTER[int(np.clip(np.rint(x), 0, 2))] for x in (lv, sv))
            rows.append({"submission_id": s.submission_id, "section": sec, "lead": lv, "second": sv,
                         "final": min(lv, sv, key=lambda c: SCORE[c])})  # fmt: skip
    ratings = pd.DataFrame(rows)
    miss = rng.random(len(ratings)) < 0.05
    ratings.loc[miss, "second"] = np.nan
    return Records(
        submissions=subs, ratings=ratings,
        assessors=pd.DataFrame({"assessor_id": ids, "prior_assessments": 5.0}),
        problems=pd.DataFrame(columns=PROBLEM_COLUMNS), calendar=default_calendar(),
    )  # fmt: skip


def _reindexed(recs: Records, **changes) -> Records:
    fields = dict(submissions=recs.submissions, ratings=recs.ratings, assessors=recs.assessors,
                  problems=recs.problems, calendar=recs.calendar)  # fmt: skip
    fields.update(changes)
    return Records(**fields)


# --------------------------------------------------------------------------- rules
def test_prior_counts_hand(rule_recs):
    e = A.experience(rule_recs).set_index("submission_id")
    assert e.loc[["a1", "a2", "a3", "a4"], "lead_prior"].tolist() == [0, 1, 2, 3]
    assert e.loc[["t1", "t2", "t3"], "lead_prior"].tolist() == [2, 2, 4]
    assert e.loc["a3", "second_prior"] == 0 and not e.loc["a3", "second_prior_known"]
    assert e.loc["a2", "second_prior"] == 1 and e.loc["a2", "second_prior_known"]
    # E1: 10 before the data, then r1 and r3 (01-03), a1 (01-05), t1 (01-10) before t3.
    assert e.loc["t3", "second_prior"] == 14
    # M: 5 before, then r1 and r2 in January; r2b is its 3rd in the data (seat lead).
    assert e.loc["r2b", "lead_prior"] == 7 and e.loc["r3b", "lead_prior"] == 8
    assert A.experience(rule_recs).attrs["audience"] == "staff"


def test_rule_breaches_hand(rule_recs):
    cases = A.rule_breaches(rule_recs)
    got = {(r.submission_id, r.rule) for r in cases.itertuples()}
    expected = {
        ("a1", "lead_inexperienced"), ("a2", "lead_inexperienced"), ("a3", "lead_inexperienced"),
        ("t1", "lead_inexperienced"), ("t2", "lead_inexperienced"),
        ("a2", "both_inexperienced"), ("a3", "both_inexperienced"),
        ("r1b", "resubmission_reassigned"), ("r3b", "resubmission_reassigned"),
    }  # fmt: skip
    assert got == expected
    c = cases.set_index(["submission_id", "rule"])
    assert c.loc[("a3", "lead_inexperienced"), "lead_prior"] == 2  # third assessment
    assert c.loc[("r1b", "resubmission_reassigned"), "seat_changed"] == "second"
    assert c.loc[("r1b", "resubmission_reassigned"), "first_second_assessor"] == "M"
    assert c.loc[("r3b", "resubmission_reassigned"), "seat_changed"] == "both"
    assert pd.isna(c.loc[("a1", "lead_inexperienced"), "seat_changed"])
    assert cases.attrs["audience"] == "staff"
    assert list(cases.columns[:6]) == ["submission_id", "window", "portfolio_id", "attempt",
                                       "submission_type", "rule"]  # fmt: skip


def test_who_broke_a_rule_this_window(rule_recs):
    jan = A.rule_breaches(rule_recs, window="2024-01")
    assert set(jan["window"]) == {"2024-01"} and len(jan) == 7
    assert set(jan["lead_assessor"]) == {"L", "T"}
    sep = A.rule_breaches(rule_recs, window="2024-09", rules=["resubmission_reassigned"])
    assert sorted(sep["submission_id"]) == ["r1b", "r3b"]
    with pytest.raises(ValueError, match="no submissions"):
        A.rule_breaches(rule_recs, window="2024-05")
    with pytest.raises(ValueError, match="unknown rule"):
        A.rule_breaches(rule_recs, rules=["lead_new"])


def test_rule_counts_hand(rule_recs):
    c = A.rule_counts(rule_recs).set_index(["window", "rule"])
    assert c.loc[("2024-01", "lead_inexperienced"), ["n_checked", "n_breaches"]].tolist() == [10, 5]
    assert c.loc[("2024-01", "both_inexperienced"), ["n_breaches", "n_unknown_prior"]].tolist() == [
        2,
        1,
    ]
    assert c.loc[("2024-01", "resubmission_reassigned"), "n_checked"] == 0
    assert np.isnan(c.loc[("2024-01", "resubmission_reassigned"), "rate"])
    row = c.loc[("2024-09", "resubmission_reassigned")]
    assert (row["n_checked"], row["n_breaches"]) == (3, 2)
    ref = stats.binomtest(2, 3).proportion_ci(0.95, method="wilson")
    assert row["ci_low"] == pytest.approx(ref.low, abs=1e-12)
    assert row["ci_high"] == pytest.approx(ref.high, abs=1e-12)
    with pytest.raises(ValueError, match="grouping"):
        A.rule_counts(rule_recs, by="nope")


def test_rules_ignore_row_order(rule_recs):
    subs = rule_recs.submissions.sample(frac=1.0, random_state=3)
    a = A.rule_breaches(rule_recs)
    b = A.rule_breaches(_reindexed(rule_recs, submissions=subs))
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 6)), min_size=0, max_size=30),
       st.lists(st.integers(0, 4), min_size=4, max_size=4))  # fmt: skip
def test_prior_counts_brute_force(seats, base):
    a = np.array([s[0] for s in seats], dtype=np.int64)
    d = np.array([s[1] for s in seats], dtype=np.int64)
    got = core.prior_counts(a, d, base)
    want = [base[a[i]] + int(np.sum((a == a[i]) & (d < d[i]))) for i in range(a.size)]
    assert got.tolist() == want


# --------------------------------------------------------------------------- workload
def test_workload_and_concentration_hand(rule_recs):
    w = A.workload(rule_recs)
    assert w.attrs["audience"] == "staff"
    row = w.set_index(["assessor_id", "window"]).loc[("E1", "2024-01")]
    assert (row["as_lead"], row["as_second"], row["total"]) == (2, 3, 5)  # r1, r3 / a1, t1, t3
    conc = A.concentration(rule_recs).set_index("window")
    s = rule_recs.submissions[rule_recs.submissions["window"] == "2024-01"]
    load = np.array(
        sorted(Counter([*s["lead_assessor"], *s["second_assessor"]]).values(), reverse=True), float
    )
    share = load / load.sum()
    gini_pairwise = np.abs(load[:, None] - load[None, :]).sum() / (2 * load.size**2 * load.mean())
    got = conc.loc["2024-01"]
    assert got["n_submissions"] == 10 and got["n_seats"] == 20 and got["n_assessors"] == load.size
    assert got["gini"] == pytest.approx(gini_pairwise, abs=1e-12)
    assert got["hhi"] == pytest.approx(np.sum(share**2), abs=1e-12)
    assert got["share_top5"] == pytest.approx(share[:5].sum(), abs=1e-12)
    assert got["share_top20pct"] == pytest.approx(
        share[: int(np.ceil(0.2 * load.size))].sum(), abs=1e-12
    )
    assert "audience" not in conc.attrs


@given(st.lists(st.integers(0, 50), min_size=1, max_size=40))
@settings(max_examples=50, deadline=None)
def test_gini_matches_pairwise(x):
    v = np.asarray(x, float)
    if v.sum() == 0:
        assert np.isnan(core.gini(v))
        return
    ref = np.abs(v[:, None] - v[None, :]).sum() / (2 * v.size**2 * v.mean())
    assert core.gini(v) == pytest.approx(ref, abs=1e-12)


# --------------------------------------------------------------------------- severity
def _small_severity_recs() -> Records:
    subs = pd.DataFrame(
        {"submission_id": ["s1", "s2", "s3"], "portfolio_id": ["p1", "p2", "p3"], "attempt": 1,
         "submission_type": "first", "submitted_on": pd.to_datetime(["2024-01-02"] * 3),
         "allocated_on": pd.NaT, "window": "2024-01", "year": 2024,
         "lead_assessor": ["A", "B", "C"], "second_assessor": ["B", "C", "A"],
         "second_nominated": pd.array([True, False, pd.NA], dtype="boolean")}
    )  # fmt: skip
    ratings = pd.DataFrame(
        [("s1", "1a", "S", "A", "A"), ("s1", "1b", "A", "A", "A"),
         ("s2", "1a", "R", "A", "R"), ("s2", "1b", "A", "A", "A"), ("s2", "2a", "A", "S", "S"),
         ("s3", "1a", "A", "A", "A"), ("s3", "1b", "S", np.nan, "S")],
        columns=["submission_id", "section", "lead", "second", "final"],
    )  # fmt: skip
    return Records(subs, ratings, pd.DataFrame(columns=["assessor_id", "prior_assessments"]),
                   pd.DataFrame(columns=PROBLEM_COLUMNS), default_calendar())  # fmt: skip


def test_severity_hand_numbers():
    sev = A.severity(_small_severity_recs(), n_boot=50, min_portfolios=2).set_index("assessor_id")
    # Unadjusted: A: s1 +1, 0 (lead); s3 0 (second; 1b has no second rating) -> 1/3.
    # B: s1 -1, 0; s2 -1, 0, -1 -> -3/5.  C: s2 +1, 0, +1; s3 0 -> 1/2.
    assert sev["severity_unadjusted"].to_dict() == pytest.approx(
        {"A": 1 / 3, "B": -3 / 5, "C": 1 / 2}, abs=1e-15
    )
    assert sev["n_ratings"].to_dict() == {"A": 3, "B": 5, "C": 4}
    assert sev["n_portfolios"].to_dict() == {"A": 2, "B": 2, "C": 2}
    assert sev["severity"].sum() == pytest.approx(0.0, abs=1e-12)  # sum-to-zero constraint
    # Agreement with final: A's own S, A (s1), A (s3 1a; A gave no 1b) vs final A, A, A -> 2/3.
    assert sev.loc["A", "agreement_with_final"] == pytest.approx(2 / 3)
    assert sev.loc["A", "n_final"] == 3
    # C: second on s2 (A, A, S vs final R, A, S) and lead on s3 (A, S vs A, S) -> 4/5.
    assert sev.loc["C", "agreement_with_final"] == pytest.approx(4 / 5)
    ref = stats.binomtest(2, 3).proportion_ci(0.95, method="wilson")
    assert sev.loc["A", "agreement_with_final_ci_low"] == pytest.approx(ref.low, abs=1e-12)
    assert sev.loc["A", "agreement_with_final_ci_high"] == pytest.approx(ref.high, abs=1e-12)
    assert A.severity(_small_severity_recs(), n_boot=10).attrs["audience"] == "staff"


def test_severity_unadjusted_matches_pandas_groupby():
    recs = make_records(5, n_sub=80)
    m = recs.merged(["lead_assessor", "second_assessor"])
    ls, ss = m["lead"].map(SCORE), m["second"].map(SCORE)
    d = pd.concat([pd.DataFrame({"a": m["lead_assessor"], "d": ls - ss}),
                   pd.DataFrame({"a": m["second_assessor"], "d": ss - ls})]).dropna()  # fmt: skip
    ref = d.groupby("a")["d"].agg(["mean", "size"])
    sev = A.severity(recs, n_boot=20).set_index("assessor_id")
    np.testing.assert_allclose(
        sev["severity_unadjusted"], ref["mean"].reindex(sev.index), rtol=0, atol=1e-12
    )
    assert (sev["n_ratings"] == ref["size"].reindex(sev.index)).all()


def _ols_reference(recs: Records):
    """statsmodels OLS on the section rows with portfolio-clustered (CR1) covariance."""
    import statsmodels.api as sm

    m = recs.merged(["portfolio_id", "lead_assessor", "second_assessor", "second_nominated"])
    d = (m["lead"].map(SCORE) - m["second"].map(SCORE)).astype(float)
    m, d = m[d.notna()], d[d.notna()]
    ids = sorted(set(m["lead_assessor"]) | set(m["second_assessor"]))
    x = np.column_stack([(m["lead_assessor"] == a).to_numpy(float) - (m["second_assessor"] == a).to_numpy(float)
                         for a in ids] + [-m["second_nominated"].to_numpy(float)])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rank-deficient by design (sum-to-zero via pinv)
        res = sm.OLS(d.to_numpy(), x).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(m["portfolio_id"])[0]}
        )
    return ids, res


@pytest.mark.parametrize("seed", [3, 4])
def test_joint_model_matches_statsmodels_cluster_ols(seed):
    recs = make_records(seed, n_sub=120, shift={"A01": -0.6})
    ids, res = _ols_reference(recs)
    sev = A.severity(recs).set_index("assessor_id").loc[ids]
    # statsmodels' pinv solution is the minimum-norm one: the same sum-to-zero constraint.
    np.testing.assert_allclose(sev["severity"], res.params[:-1], rtol=0, atol=1e-10)
    np.testing.assert_allclose(sev["se"], res.bse[:-1], rtol=1e-8)
    assert sev.attrs["nominated_effect"] == pytest.approx(res.params[-1], abs=1e-10)
    assert sev.attrs["nominated_effect_se"] == pytest.approx(res.bse[-1], rel=1e-8)
    t = stats.t.ppf(0.975, sev["n_distinct_portfolios"] - 1)
    np.testing.assert_allclose(sev["ci_high"], sev["severity"] + t * sev["se"], rtol=1e-12)


def test_joint_estimate_is_mean_of_adjusted_differences():
    # Normal equations: each a_i is i's mean own-minus-co difference with the co-assessor's
    # fitted effect added back and the nomination term removed.
    recs = make_records(6, n_sub=90)
    sev = A.severity(recs).set_index("assessor_id")
    a, g = sev["severity"], sev.attrs["nominated_effect"]
    m = recs.merged(["lead_assessor", "second_assessor", "second_nominated"])
    ls, ss = m["lead"].map(SCORE), m["second"].map(SCORE)
    nom = m["second_nominated"].astype(float)
    lead = pd.DataFrame(
        {"i": m["lead_assessor"], "y": ls - ss + m["second_assessor"].map(a) + g * nom}
    )
    second = pd.DataFrame(
        {"i": m["second_assessor"], "y": ss - ls + m["lead_assessor"].map(a) - g * nom}
    )
    ref = pd.concat([lead, second]).dropna().groupby("i")["y"].mean()
    np.testing.assert_allclose(sev["severity"], ref.reindex(sev.index), atol=1e-12)


def test_partner_of_severe_lead_is_not_blamed():
    # B sits almost only beside the severe A: the unadjusted mean calls B lenient, the
    # joint model does not.
    recs = make_records(12, n_sub=300, n_ass=8, shift={"A00": -1.2})
    subs = recs.submissions.copy()
    pick = np.random.default_rng(0).random(len(subs)) < 0.35
    subs.loc[pick, "lead_assessor"], subs.loc[pick, "second_assessor"] = "A00", "A01"
    shift = {"A00": -1.2}
    recs2 = make_records(
        12, n_sub=300, n_ass=8, shift=shift, pairs=subs[["lead_assessor", "second_assessor"]]
    )
    sev = A.severity(recs2).set_index("assessor_id")
    assert sev.loc["A00", "out_of_line"] and sev.loc["A00", "severity"] < 0
    assert sev.loc["A01", "severity_unadjusted"] > 0.1
    assert not sev.loc["A01", "out_of_line"]
    # Effects sum to zero, so with 8 assessors the severe one lifts the others by about
    # 0.68 / 7: A01 is level with the other neutral assessors.
    others = sev.loc[[f"A0{i}" for i in range(2, 8)], "severity"].mean()
    assert abs(sev.loc["A01", "severity"] - others) < 0.06


def test_ratio_bootstrap_core_equals_loop():
    rng0 = np.random.default_rng(1)
    group = rng0.integers(0, 4, 40)
    num, den = rng0.normal(size=40), rng0.integers(1, 5, 40).astype(float)
    got = core.ratio_bootstrap(group, num, den, 5, 30, np.random.default_rng(9))  # group 4 empty
    rng = np.random.default_rng(9)
    per_group = core.ratio_bootstrap(group, num, den, 5, 30, [group_rng(9, (g,)) for g in range(5)])
    for g in range(4):
        sel = np.flatnonzero(group == g)
        idx = bootstrap_indices(sel.size, 30, group_rng(9, (g,)))
        want = num[sel][idx].sum(axis=1) / den[sel][idx].sum(axis=1)
        np.testing.assert_allclose(per_group[:, g], want, rtol=1e-12)
    for g in range(4):
        sel = np.flatnonzero(group == g)
        idx = bootstrap_indices(sel.size, 30, rng)
        want = num[sel][idx].sum(axis=1) / den[sel][idx].sum(axis=1)
        np.testing.assert_allclose(got[:, g], want, rtol=1e-12)
    assert np.isnan(got[:, 4]).all()


def test_ratio_variance_reference():
    rng = np.random.default_rng(2)
    x = rng.normal(size=12)
    g = np.zeros(12, dtype=np.int64)
    # One rating per unit: the ratio is the mean and v is the usual s^2 / n.
    assert core.ratio_variance(g, x, np.ones(12), 1)[0] == pytest.approx(
        np.var(x, ddof=1) / 12, rel=1e-12
    )
    den = rng.integers(1, 6, 12).astype(float)
    r = x.sum() / den.sum()
    want = 12 / 11 * np.sum((x - r * den) ** 2) / den.sum() ** 2
    assert core.ratio_variance(g, x, den, 1)[0] == pytest.approx(want, rel=1e-12)
    assert np.isnan(core.ratio_variance(np.array([0]), np.array([1.0]), np.array([1.0]), 1)[0])


def test_dersimonian_laird_matches_statsmodels():
    from statsmodels.stats.meta_analysis import combine_effects

    rng = np.random.default_rng(4)
    for _ in range(5):
        y, v = rng.normal(0, 0.3, 9), rng.uniform(0.005, 0.08, 9)
        ref = combine_effects(y, v, method_re="dl").tau2
        assert core.dersimonian_laird(y, v) == pytest.approx(ref, abs=1e-9)
    assert np.isnan(core.dersimonian_laird([0.1], [0.01]))
    with pytest.raises(ValueError):
        core.dersimonian_laird([0.1, 0.2], [0.0, 0.1])


def test_severity_shrinkage_matches_statsmodels():
    from statsmodels.stats.meta_analysis import combine_effects

    recs = make_records(3, n_sub=120, shift={"A01": -0.6})
    sev = A.severity(recs, n_boot=50)
    use = sev[np.isfinite(sev["shrink_weight"])]
    tau2 = combine_effects(
        use["severity"].to_numpy(), use["se"].to_numpy() ** 2, method_re="dl"
    ).tau2
    assert sev.attrs["tau2"] == pytest.approx(tau2, abs=1e-9)
    b = tau2 / (tau2 + use["se"] ** 2)
    np.testing.assert_allclose(use["shrink_weight"], b, atol=1e-9)
    np.testing.assert_allclose(use["severity_shrunk"], b * use["severity"], atol=1e-9)
    assert (use["severity_shrunk"].abs() <= use["severity"].abs() + 1e-15).all()
    top = sev.set_index("assessor_id")
    assert top.loc["A01", "severity"] < 0 and top.loc["A01", "ci_high"] < 0


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_severity_invariant_to_seat_swap_and_row_order(seed):
    recs = make_records(seed, n_sub=25, n_ass=5)
    # The nomination term belongs to the second seat, so swapping seats is a symmetry of
    # the model only without nominations.
    recs.submissions["second_nominated"] = pd.array(
        [False] * len(recs.submissions), dtype="boolean"
    )
    subs = recs.submissions.rename(
        columns={"lead_assessor": "second_assessor", "second_assessor": "lead_assessor"}
    )
    rat = recs.ratings.rename(columns={"lead": "second", "second": "lead"}).sample(
        frac=1.0, random_state=seed
    )
    swapped = _reindexed(recs, submissions=subs.sample(frac=1.0, random_state=1), ratings=rat)
    a = A.severity(recs, n_boot=30, seed=seed)
    b = A.severity(swapped, n_boot=30, seed=seed)
    cols = ["assessor_id", "n_portfolios", "n_ratings", "severity", "ci_low", "ci_high", "severity_shrunk",
            "agreement_with_final", "out_of_line"]  # fmt: skip
    pd.testing.assert_frame_equal(a[cols], b[cols], check_exact=False, atol=1e-12, rtol=0)


def test_severity_input_errors():
    recs = _small_severity_recs()
    with pytest.raises(ValueError, match="n_boot"):
        A.severity(recs, n_boot=0)
    with pytest.raises(ValueError, match="ci"):
        A.severity(recs, ci=95)
    with pytest.raises(ValueError, match="min_portfolios"):
        A.severity(recs, min_portfolios=1)


def test_severity_drift():
    recs = make_records(8, n_sub=150, n_ass=6)
    drift = A.severity_drift(recs, period="year", min_periods=2, n_boot=30)
    assert drift.attrs["audience"] == "staff"
    assert list(drift.columns[:2]) == ["assessor_id", "year"]
    sev = A.severity(recs).set_index("assessor_id")
    a, g = sev["severity"], sev.attrs["nominated_effect"]
    one = drift[(drift["assessor_id"] == "A00") & (drift["year"] == 2023)].iloc[0]
    m = recs.merged(["lead_assessor", "second_assessor", "second_nominated", "year"])
    m = m[m["year"] == 2023]
    ls, ss, nom = m["lead"].map(SCORE), m["second"].map(SCORE), m["second_nominated"].astype(float)
    d = pd.concat([(ls - ss + m["second_assessor"].map(a) + g * nom)[m["lead_assessor"] == "A00"],
                   (ss - ls + m["lead_assessor"].map(a) - g * nom)[m["second_assessor"] == "A00"]]).dropna()  # fmt: skip
    assert one["severity"] == pytest.approx(d.mean(), abs=1e-12) and one["n_ratings"] == d.size
    # The periods average back (weighted by ratings) to the joint estimate.
    w = (
        drift.assign(x=drift["severity"] * drift["n_ratings"])
        .groupby("assessor_id")[["x", "n_ratings"]]
        .sum()
    )
    np.testing.assert_allclose(w["x"] / w["n_ratings"], a.reindex(w.index), atol=1e-12)


# --------------------------------------------------------------------------- nominated
def test_nominated_second_effect_hand():
    # s1 nominated: second - lead = -1, 0; s2 ALT: +1, 0, +1; s3 unknown: left out.
    eff = A.nominated_second_effect(_small_severity_recs(), n_boot=20)
    row = eff.iloc[0]
    assert (row["n_nominated"], row["n_alt"], row["n_ratings_nominated"], row["n_ratings_alt"]) == (
        1,
        1,
        2,
        3,
    )
    assert row["mean_nominated"] == pytest.approx(-0.5) and row["mean_alt"] == pytest.approx(2 / 3)
    assert row["estimate"] == pytest.approx(-0.5 - 2 / 3)
    assert "audience" not in eff.attrs


def test_nominated_second_bootstrap_equals_slow_loop():
    recs = make_records(12, n_sub=70)
    eff = A.nominated_second_effect(recs, n_boot=200, seed=5).iloc[0]
    m = recs.merged(["second_nominated"])
    m["d"] = m["second"].map(SCORE) - m["lead"].map(SCORE)
    m = m.dropna(subset=["d"])
    rng = group_rng(5, ())  # the (only) group's own generator
    reps = []
    for arm in (True, False):
        per = (
            m[m["second_nominated"] == arm]
            .groupby("submission_id")["d"]
            .agg(["sum", "size"])
            .sort_index()
        )
        idx = bootstrap_indices(len(per), 200, rng)
        reps.append(
            np.array(
                [per["sum"].to_numpy()[i].sum() / per["size"].to_numpy()[i].sum() for i in idx]
            )
        )
        mean = per["sum"].sum() / per["size"].sum()
        assert eff["mean_nominated" if arm else "mean_alt"] == pytest.approx(mean, abs=1e-12)
    lo, hi = np.quantile(reps[0] - reps[1], [0.025, 0.975])
    assert eff["ci_low"] == pytest.approx(lo, abs=1e-12) and eff["ci_high"] == pytest.approx(
        hi, abs=1e-12
    )


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_nominated_effect_flips_sign_when_seats_swap(seed):
    recs = make_records(seed, n_sub=30, n_ass=5)
    rat = recs.ratings.rename(columns={"lead": "second", "second": "lead"})
    a = A.nominated_second_effect(recs, n_boot=40, seed=seed).iloc[0]
    b = A.nominated_second_effect(_reindexed(recs, ratings=rat), n_boot=40, seed=seed).iloc[0]
    assert b["estimate"] == pytest.approx(-a["estimate"], abs=1e-12)
    assert b["ci_low"] == pytest.approx(-a["ci_high"], abs=1e-12)
    assert b["ci_high"] == pytest.approx(-a["ci_low"], abs=1e-12)


def test_nominated_effect_by_group():
    recs = make_records(2, n_sub=90)
    eff = A.nominated_second_effect(recs, by="year", n_boot=20)
    assert list(eff.columns[:2]) == ["year", "n_nominated"]
    assert eff["year"].tolist() == sorted(recs.submissions["year"].unique())
    assert (
        eff["n_nominated"].sum() + eff["n_alt"].sum()
        == recs.submissions["second_nominated"].notna().sum()
    )


# --------------------------------------------------------------------------- plots
def test_plots_return_axes_with_findings():
    from matplotlib.axes import Axes

    from cmalt_qa.plots import plot_severity, plot_workload

    recs = make_records(3, n_sub=120, shift={"A01": -0.8})
    sev = A.severity(recs, n_boot=100)
    ax = plot_severity(sev)
    assert isinstance(ax, Axes)
    n_flag = int(sev["out_of_line"].sum())
    assert ax.get_title().startswith(f"{n_flag} of" if n_flag else "No assessor")
    alt = ax.get_figure().get_label()
    assert "A01" in alt and "intervals" in alt
    ax = plot_workload(A.workload(recs))
    assert isinstance(ax, Axes) and "%" in ax.get_title()
    assert "Heat map" in ax.get_figure().get_label()
    with pytest.raises(ValueError, match="columns?"):
        plot_severity(pd.DataFrame({"x": [1]}))
