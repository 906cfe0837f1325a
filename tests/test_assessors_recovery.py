"""cmalt_qa.assessors on the sample data: the planted cases of qa.synthetic are found.

The truth is ``recs.truth`` when the loader carries it, else ``data/sample/truth.json``
written beside the CSVs by :func:`cmalt_qa.synthetic.generate` (keys documented in that
module's docstring).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cmalt_qa import assessors as A

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def truth(sample_records) -> dict:
    if sample_records.truth is not None:
        return sample_records.truth
    return json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sev(sample_records) -> pd.DataFrame:
    return A.severity(sample_records, n_boot=1000, seed=0)


def test_rule_breaches_are_the_planted_ones(sample_records, truth):
    cases = A.rule_breaches(sample_records)
    got = {r: sorted(cases.loc[cases["rule"] == r, "submission_id"]) for r in A.PAIRING_RULES}
    assert got["lead_inexperienced"] == sorted(truth["rule_breaks"]["lead_inexperienced"])
    assert got["both_inexperienced"] == sorted(truth["rule_breaks"]["inexperienced_pair"])
    assert got["resubmission_reassigned"] == sorted(truth["resubmission_assessors_changed"])
    experience_cases = cases[cases["rule"] != "resubmission_reassigned"]
    assert set(experience_cases["lead_assessor"]) <= set(truth["rule_breakers"])
    # One call per window answers "who broke a rule this window".
    w = cases.loc[cases["rule"] == "lead_inexperienced", "window"].iloc[0]
    one = A.rule_breaches(sample_records, window=w)
    assert (one["window"] == w).all() and len(one) == (cases["window"] == w).sum()
    counts = A.rule_counts(sample_records)
    assert counts["n_breaches"].sum() == len(cases)


def test_planted_severe_and_lenient_are_out_of_line(sev, truth):
    severe, lenient = set(truth["severe_assessors"]), set(truth["lenient_assessors"])
    planted = severe | lenient
    ranked = sev[np.isfinite(sev["ci_low"])].sort_values("severity")["assessor_id"].tolist()
    assert set(ranked[: len(severe)]) == severe
    assert set(ranked[-len(lenient) :]) == lenient
    s = sev.set_index("assessor_id")
    assert (s.loc[sorted(severe), "ci_high"] < 0).all()
    assert (s.loc[sorted(lenient), "ci_low"] > 0).all()
    # "Is anyone out of line": exactly the planted assessors.
    assert set(s.index[s["out_of_line"]]) == planted
    ordinary = s[np.isfinite(s["ci_low"]) & ~s.index.isin(planted)]
    covers_zero = (ordinary["ci_low"] <= 0) & (ordinary["ci_high"] >= 0)
    assert covers_zero.mean() > 0.5
    # Estimated severities follow the planted shifts (rank correlation).
    shift = pd.Series(truth["assessor_shift"]).reindex(ordinary.index.union(sorted(planted)))
    rho = stats.spearmanr(shift, s.loc[shift.index, "severity"]).statistic
    assert rho >= 0.85  # issue 14 target (0.69 with the unadjusted mean of own - co)
    # Planted assessors also agree less often with the final decision than ordinary ones.
    assert (
        s.loc[sorted(planted), "agreement_with_final"].max()
        < ordinary["agreement_with_final"].median()
    )


def _model_expected_score(mu: np.ndarray, sigma: np.ndarray, latent: dict) -> np.ndarray:
    """E[score] for a latent view y ~ N(mu, sigma): P(y >= cut_r) + P(y >= cut_s)."""
    return stats.norm.cdf((mu - latent["cut_r"]) / sigma) + stats.norm.cdf(
        (mu - latent["cut_s"]) / sigma
    )


def test_nominated_second_leniency_recovered(sample_records, truth):
    eff = A.nominated_second_effect(sample_records, by="attempt", n_boot=1000, seed=0).set_index(
        "attempt"
    )
    row = eff.loc[1]
    # The planted shift is on the latent scale; its value on the score scale follows from
    # the generator's model, given who rated what. For attempt 1 the portfolio quality is
    # q ~ N(0, sigma_q) with no selection, so each view is marginally
    # N(level - difficulty + shift, sqrt(sigma_q^2 + sigma_u^2 + sigma_e^2)).
    lat = truth["latent"]
    m = sample_records.merged(["attempt", "lead_assessor", "second_assessor", "second_nominated"])
    m = m[
        (m["attempt"] == 1)
        & m["lead"].notna()
        & m["second"].notna()
        & m["second_nominated"].notna()
    ]
    shift = truth["assessor_shift"]
    base = lat["level"] - m["section"].map(lat["difficulty"]).to_numpy()
    sig = np.sqrt(
        lat["sigma_q"] ** 2 + lat["sigma_u"] ** 2 + m["section"].map(lat["sigma_e"]).to_numpy() ** 2
    )
    nom = m["second_nominated"].to_numpy(dtype=bool)
    s_lead = m["lead_assessor"].map(shift).to_numpy()
    s_second = m["second_assessor"].map(shift).to_numpy() + truth["nominated_second_shift"] * nom
    d = _model_expected_score(base + s_second, sig, lat) - _model_expected_score(
        base + s_lead, sig, lat
    )
    expected = d[nom].mean() - d[~nom].mean()
    assert row["ci_low"] <= expected <= row["ci_high"]
    assert row["ci_low"] > 0  # nominated seconds are detectably more lenient
    # Arm sizes: submissions with a known nomination and at least one section both rated.
    r = sample_records.ratings
    rated = set(r.loc[r["lead"].notna() & r["second"].notna(), "submission_id"])
    subs = sample_records.submissions
    subs = subs[
        subs["submission_id"].isin(rated)
        & subs["second_nominated"].notna()
        & (subs["attempt"] == 1)
    ]
    assert row["n_nominated"] == int(subs["second_nominated"].astype(bool).sum())
    assert row["n_alt"] == int((~subs["second_nominated"].astype(bool)).sum())


def test_staff_tables_are_marked(sample_records, sev):
    assert sev.attrs["audience"] == "staff"
    assert A.workload(sample_records).attrs["audience"] == "staff"
    assert A.severity_drift(sample_records, n_boot=50).attrs["audience"] == "staff"
    assert "audience" not in A.concentration(sample_records).attrs
    assert "audience" not in A.rule_counts(sample_records).attrs
