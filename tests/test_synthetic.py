"""The synthetic generator: determinism, validity, and planted truths showing in the data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

import cmalt_qa as qa
from cmalt_qa import scheme, synthetic

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
FILES = ("submissions.csv", "ratings.csv", "assessors.csv", "truth.json")


def _write(tmp: Path, n: int, seed: int) -> Path:
    return synthetic.write_csvs(tmp, *synthetic.generate_frames(n, seed))


@pytest.fixture(scope="module")
def recs(sample_records):
    truth = json.loads((SAMPLE / "truth.json").read_text())
    return sample_records, truth


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_bytes(tmp_path):
    a, b = _write(tmp_path / "a", 300, 7), _write(tmp_path / "b", 300, 7)
    for f in FILES:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_different_seed_differs(tmp_path):
    a, b = _write(tmp_path / "a", 300, 7), _write(tmp_path / "b", 300, 8)
    assert (a / "submissions.csv").read_bytes() != (b / "submissions.csv").read_bytes()
    assert (a / "ratings.csv").read_bytes() != (b / "ratings.csv").read_bytes()


def test_sample_is_the_documented_generator_output(tmp_path):
    """data/sample == generate(SAMPLE_N, seed=SAMPLE_SEED), byte for byte (README command)."""
    assert synthetic.SAMPLE_N == 2400 and synthetic.SAMPLE_SEED == 0
    fresh = _write(tmp_path, synthetic.SAMPLE_N, synthetic.SAMPLE_SEED)
    for f in FILES:
        assert (fresh / f).read_bytes() == (SAMPLE / f).read_bytes(), f"data/sample/{f} is stale"
    readme = (SAMPLE / "README.md").read_text()
    assert "sample --out data/sample --n 2400 --seed 0" in readme


def test_generate_writes_and_loads(tmp_path):
    recs = synthetic.generate(250, seed=3, out=tmp_path)
    assert len(recs.submissions) == 250 and recs.problems.empty
    assert recs.truth == json.loads((tmp_path / "truth.json").read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    header = (tmp_path / "submissions.csv").read_text().splitlines()[0].split(",")
    assert header == [
        "submission_id", "portfolio_id", "attempt", "submission_type", "pathway",
        "submitted_on", "allocated_on", "assessed_on", "result_on", "outcome",
        "lead_assessor", "second_assessor", "second_nominated", "sector",
    ]  # fmt: skip


def test_generate_without_out_uses_a_temporary_folder():
    recs = synthetic.generate(60, seed=1)
    assert len(recs.submissions) == 60 and recs.problems.empty
    assert recs.truth["n_submissions"] == 60


@pytest.mark.parametrize("bad", [0, -5])
def test_rejects_non_positive_n(bad):
    with pytest.raises(ValueError, match="at least 1"):
        synthetic.generate_frames(bad)


def test_rejects_non_integer_n():
    with pytest.raises(TypeError):
        synthetic.generate_frames(10.5)  # type: ignore[arg-type]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 400), seed=st.integers(0, 2**32 - 1))
def test_any_size_and_seed_is_valid(n, seed):
    subs, rats, asrs, truth = synthetic.generate_frames(n, seed)
    assert len(subs) == n and subs["submission_id"].is_unique
    recs = qa.from_frames(subs, rats, asrs)
    assert recs.problems.empty, recs.problems.head().to_string()
    # every portfolio has every required section of its pathway, and nothing else
    merged = recs.merged(["pathway"])
    req = scheme.REQUIREMENT.set_index(["pathway", "section"])["requirement"]
    got = req.reindex(pd.MultiIndex.from_frame(merged[["pathway", "section"]]))
    assert got.isin(["required", "optional"]).all()
    n_required = (req == "required").groupby(level="pathway").sum()
    have = merged[got.to_numpy() == "required"].groupby("submission_id").size()
    expected = recs.submissions.set_index("submission_id")["pathway"].map(n_required)
    expected = expected.drop(truth["awaiting_allocation"])  # no ratings yet
    assert (have.reindex(expected.index) == expected).all()
    assert set(recs.submissions["window"]) <= set(truth["windows"])


# --------------------------------------------------------------------------- validity
def test_sample_loads_without_problems(recs):
    r, truth = recs
    assert r.problems.empty
    assert len(r.submissions) == truth["n_submissions"] == 2400
    assert sorted(r.submissions["window"].unique()) == truth["windows"]
    assert len(truth["windows"]) == 24 and truth["windows"][0] == "2019-01"
    assert truth["windows"][-1] == truth["latest_window"] == "2026-09"


def test_dates_are_ordered_and_before_as_of(recs):
    r, truth = recs
    s = r.submissions
    as_of = pd.Timestamp(truth["as_of"])
    seq = ["submitted_on", "allocated_on", "assessed_on", "result_on"]
    for a, b in zip(seq, seq[1:]):
        both = s[a].notna() & s[b].notna()
        assert (s.loc[both, a] <= s.loc[both, b]).all(), (a, b)
    for c in seq:
        assert (s[c].dropna() <= as_of).all()
    alloc = (s["allocated_on"] - s["submitted_on"]).dt.days.dropna()
    assert alloc.between(3, 21).all()
    # pre-2025 periods: submissions in the last two weeks before the deadline
    cal = scheme.default_calendar()
    old = s[s["submitted_on"] < pd.Timestamp(scheme.ROLLING_SINCE)]
    old = old[old["submission_type"] != "resubmission"]
    deadlines = {w: pd.Timestamp(cal.deadline(w)) for w in old["window"].unique()}
    deadline = old["window"].map(deadlines)
    assert ((deadline - old["submitted_on"]).dt.days.between(0, 13)).all()


def test_latest_window_is_in_progress(recs):
    r, truth = recs
    s = r.submissions
    open_ = s[s["outcome"].isna()]
    assert set(open_["submission_id"]) == set(truth["open_submissions"])
    assert len(open_) >= 10 and (open_["window"] == truth["latest_window"]).sum() >= 10
    assert open_["result_on"].isna().all()
    assert not open_["window"].isin(truth["windows"][:-3]).any()  # only recent periods open
    rat = r.ratings[r.ratings["submission_id"].isin(open_["submission_id"])]
    assert rat["final"].isna().all() and rat["gaps"].isna().all()


# --------------------------------------------------------------------------- planted truths
def _first_attempts(r):
    s = r.submissions
    return s[(s["attempt"] == 1) & (s["submission_type"] == "first") & s["outcome"].notna()]


def test_pathway_mix(recs):
    r, truth = recs
    share = r.submissions["pathway"].value_counts(normalize=True)
    for p, expected in truth["pathway_mix"].items():
        assert share[p] == pytest.approx(expected, abs=0.035), p


def test_referral_rate_about_a_third_minor_more_than_major(recs):
    r, truth = recs
    first = _first_attempts(r)
    referred = first["outcome"].isin(["minor", "major"])
    se = np.sqrt(truth["referral_rate"] * (1 - truth["referral_rate"]) / len(first))
    assert abs(referred.mean() - truth["referral_rate"]) < 3.5 * se
    assert 0.28 < referred.mean() < 0.39 and 0.28 < truth["referral_rate"] < 0.39
    counts = first["outcome"].value_counts()
    assert counts["minor"] > counts["major"] > 0 and counts["distinction"] > 0


def test_outcomes_follow_final_ratings(recs):
    r, _ = recs
    has_r = r.ratings.assign(isr=r.ratings["final"] == "R").groupby("submission_id")["isr"].any()
    s = r.submissions.dropna(subset=["outcome"]).set_index("submission_id")
    any_r = has_r.reindex(s.index)
    assert (any_r == s["outcome"].isin(["minor", "major", "fail"])).all()


def test_reflection_is_the_most_common_gap(recs):
    r, truth = recs
    gaps = r.ratings.loc[r.ratings["final"] == "R"]
    assert gaps["gaps"].notna().all()
    shares = {g: gaps[f"gap_{g}"].astype(bool).mean() for g in scheme.GAP_ELEMENTS}
    assert max(shares, key=shares.get) == truth["most_common_gap"] == "reflection"
    for g, s in shares.items():
        assert s == pytest.approx(truth["gap_shares"][g], abs=0.07), g
    assert r.ratings.loc[r.ratings["final"] != "R", "gaps"].isna().all()


def test_wider_context_sections_are_hardest(recs):
    r, truth = recs
    first = _first_attempts(r)
    rat = r.ratings[r.ratings["submission_id"].isin(first["submission_id"])]
    rate = (rat["final"] == "R").groupby(rat["section"]).mean().sort_values(ascending=False)
    assert set(rate.index[:2]) == set(truth["hardest_sections"]) == {"3a", "3b"}
    for s in ("1a", "2a", "3a", "3b", "P1"):
        n = (rat["section"] == s).sum()
        p = truth["final_r_rate_by_section"][s]
        assert abs(rate[s] - p) < 4 * np.sqrt(p * (1 - p) / n) + 0.005, s


def test_lead_second_quadratic_kappa(recs):
    r, truth = recs
    rat = r.ratings.dropna(subset=["lead", "second"])
    k = cohen_kappa_score(rat["lead"], rat["second"], weights="quadratic", labels=["R", "A", "S"])
    assert 0.4 < k < 0.7 and 0.4 < truth["kappa_quadratic"]["overall"] < 0.7
    assert k == pytest.approx(truth["kappa_quadratic"]["overall"], abs=0.04)
    by = truth["kappa_quadratic"]["by_section"]
    assert max(by["3a"], by["3b"]) < min(v for s, v in by.items() if s not in ("3a", "3b"))


def test_backlog_window_is_worst(recs):
    r, truth = recs
    s = r.submissions.dropna(subset=["result_on"])
    within = (s["result_on"] <= s["promise_due"]).groupby(s["window"]).mean()
    backlog = truth["backlog"]
    assert within.idxmin() == backlog["window"] == "2023-05"
    n = (s["window"] == backlog["window"]).sum()
    p = backlog["p_within_promise"]
    assert abs(within[backlog["window"]] - p) < 4 * np.sqrt(p * (1 - p) / n)
    assert p < 0.5 < 0.9 < backlog["p_within_promise_other"]
    others = within.drop(backlog["window"])
    assert others.mean() == pytest.approx(backlog["p_within_promise_other"], abs=0.03)


def test_severe_and_lenient_assessors_show(recs):
    r, truth = recs
    m = r.merged(["lead_assessor"])
    m = m.dropna(subset=["lead"])
    score = m["lead"].map(scheme.RATING_SCORE)
    by = score.groupby(m["lead_assessor"]).mean()
    overall = score.mean()
    assert len(truth["severe_assessors"]) >= 2 and len(truth["lenient_assessors"]) >= 2
    for a, shift in truth["severe_assessors"].items():
        assert shift < 0 and by[a] < overall - 0.1, a
    for a, shift in truth["lenient_assessors"].items():
        assert shift > 0 and by[a] > overall + 0.1, a
    assert set(truth["assessor_shift"]) == set(r.assessors["assessor_id"])
    assert len(truth["assessor_shift"]) == 40


def test_nominated_seconds_are_more_lenient(recs):
    r, truth = recs
    s = r.submissions
    assert s["second_nominated"].mean() == pytest.approx(truth["second_nominated_rate"], abs=0.04)
    m = r.merged(["second_nominated"]).dropna(subset=["second", "lead"])
    diff = m["second"].map(scheme.RATING_SCORE) - m["lead"].map(scheme.RATING_SCORE)
    gap = (
        diff[m["second_nominated"].astype(bool)].mean()
        - diff[~m["second_nominated"].astype(bool)].mean()
    )
    assert truth["nominated_second_shift"] > 0 and gap > 0.05


def test_rule_breaks_are_exactly_the_planted_ones(recs):
    r, truth = recs
    s = r.submissions
    prior = r.assessors.set_index("assessor_id")["prior_assessments"]
    breaks = truth["rule_breaks"]
    assert 3 <= len(breaks["lead_inexperienced"]) and 1 <= len(breaks["inexperienced_pair"])
    flagged = s["submission_id"].isin(breaks["lead_inexperienced"])
    assert (s.loc[flagged, "lead_assessor"].map(prior) < 3).all()
    allocated = s["lead_assessor"].notna()  # awaiting allocation: no assessor yet
    assert (s.loc[~flagged & allocated, "lead_assessor"].map(prior) >= 3).all()
    pair = s[s["submission_id"].isin(breaks["inexperienced_pair"])]
    assert (pair["second_assessor"].map(prior) < 3).all()
    # a planted lead has at most two cases in the data (attempt 1 and its resubmission)
    counts = s["lead_assessor"].value_counts()
    for a in truth["rule_breakers"]:
        assert counts.get(a, 0) + (s["second_assessor"] == a).sum() <= 2


def test_resubmissions(recs):
    r, truth = recs
    s = r.submissions
    re = s[s["attempt"] == 2]
    assert (re["submission_type"] == "resubmission").all() and len(re) > 200
    first = s[s["attempt"] == 1].set_index("portfolio_id")
    parent = first.loc[re["portfolio_id"]]
    assert parent["outcome"].isin(["minor", "major"]).all()
    assert (re["submitted_on"].to_numpy() > parent["result_on"].to_numpy()).all()
    same = (re["lead_assessor"].to_numpy() == parent["lead_assessor"].to_numpy()) & (
        re["second_assessor"].to_numpy() == parent["second_assessor"].to_numpy()
    )
    allocated = re["lead_assessor"].notna().to_numpy()  # awaiting allocation: none yet
    changed = set(re.loc[~same & allocated, "submission_id"])
    planted = set(truth["resubmission_assessors_changed"]) - set(truth["awaiting_allocation"])
    assert changed == planted and 0 < len(changed) < 0.15 * len(re)
    done = re.dropna(subset=["outcome"])
    assert (done["outcome"] == "pass").mean() > 0.75
    assert (done["outcome"] == "pass").mean() == pytest.approx(
        truth["resubmission_pass_rate"], abs=0.06
    )


def test_reviews_and_sectors(recs):
    r, truth = recs
    s = r.submissions
    reviews = s[s["submission_type"] == "review"]
    assert (reviews["attempt"] == 1).all()
    assert len(reviews) / (s["attempt"] == 1).sum() == pytest.approx(
        truth["review_share"], abs=0.02
    )
    share = s["sector"].value_counts(normalize=True)
    assert share.idxmax() == "HE" and set(share.index) == set(truth["sector_mix"])


def test_large_generation_has_the_requested_size():
    # Speed is measured in benchmarks/, never asserted in a test.
    subs, rats, _, _ = synthetic.generate_frames(20_000, seed=11)
    assert len(subs) == 20_000 and len(rats) > 200_000
    assert subs["submission_id"].is_unique
