"""agreement.by_section / confusion / resolution: hand-computed fixtures, the vectorised
bootstrap against a slow loop, interval coverage by simulation, speed."""

from __future__ import annotations

import json
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from conftest import direct_records
from sklearn.metrics import cohen_kappa_score

import cmalt_qa as qa
from cmalt_qa import _agreement_core as core
from cmalt_qa import _stats
from cmalt_qa import agreement as ag
from cmalt_qa._bootstrap import group_rng
from cmalt_qa.records import Records
from cmalt_qa.scheme import RATING_SCORE, SUBMISSION_TYPES

SCALE = ["R", "A", "S"]


@pytest.fixture(scope="module")
def small():
    """Five submissions, hand-checkable; s4 is a portfolio review."""
    subs = pd.DataFrame(
        {
            "submission_id": ["s1", "s2", "s3", "s4", "s5"],
            "portfolio_id": ["p1", "p2", "p3", "p4", "p5"],
            "attempt": [1, 1, 1, 1, 1],
            "submission_type": ["first", "first", "first", "review", "first"],
            "pathway": ["CMALT", "CMALT", "ACMALT", "CMALT", "SCMALT"],
            "submitted_on": ["2024-01-10"] * 5,
            "lead_assessor": ["x1", "x2", "x1", "x2", "x1"],
            "second_assessor": ["y1", "y2", "y2", "y1", "y1"],
        }
    )
    rat = pd.DataFrame(
        {
            "submission_id": ["s1", "s1", "s2", "s2", "s3", "s3", "s4", "s5", "s5"],
            "section": ["1a", "1b", "1a", "1b", "1a", "1b", "1a", "1a", "1b"],
            "lead": ["S", "A", "R", "A", "A", None, "S", "S", "S"],
            "second": ["S", "R", "A", "A", "A", "A", "A", "R", "A"],
            "final": ["S", "A", "A", "A", "A", "A", "A", "A", None],
        }
    )
    recs = qa.from_frames(subs, rat)
    assert len(recs.problems) == 0
    return recs


# ------------------------------------------------------------------- by_section
def test_by_section_columns_and_counts(small, monkeypatch):
    withheld = ag.by_section(small, n_boot=200)  # 3-4 pairs: too few to estimate
    assert withheld["too_few"].all() and withheld["kappa"].isna().all()
    assert withheld["kappa_ci_low"].isna().all() and not withheld["kappa_paradox"].any()
    assert withheld.attrs["min_pairs"] == core.MIN_PAIRS == 10
    monkeypatch.setattr(core, "MIN_PAIRS", 1)  # the hand-checkable values below
    t = ag.by_section(small, n_boot=200)
    assert list(t["section"]) == ["1a", "1b"]
    assert list(t.columns[:2]) == ["section", "n"]
    for name in ag.COEFFICIENTS:
        for suffix in ("", "_ci_low", "_ci_high", "_n_boot_undefined"):
            assert f"{name}{suffix}" in t.columns
    assert "kappa_paradox" in t.columns
    # 1a without the review: s1 S/S, s2 R/A, s3 A/A, s5 S/R -> 4 pairs of 4 rows.
    # 1b: s1 A/R, s2 A/A, s3 -/A, s5 S/A -> 3 pairs of 4 rows.
    row = t.set_index("section")
    assert row.loc["1a", "n"] == 4 and row.loc["1a", "n_rows"] == 4
    assert row.loc["1b", "n"] == 3 and row.loc["1b", "recorded_share"] == pytest.approx(0.75)
    assert row.loc["1b", "n_submissions"] == 3
    assert row.loc["1a", "percent_agreement"] == pytest.approx(0.5)
    assert row.loc["1a", "kappa"] == pytest.approx(
        ag.cohen_kappa(["S", "R", "A", "S"], ["S", "A", "A", "R"])
    )
    assert row.loc["1b", "ac2_quadratic"] == pytest.approx(
        ag.gwet_ac(["A", "A", "S"], ["R", "A", "A"], "quadratic")
    )


def test_reviews_left_out_unless_asked(small):
    default = ag.by_section(small, n_boot=10).set_index("section")
    everything = ag.by_section(small, n_boot=10, submission_types=None).set_index("section")
    assert default.loc["1a", "n"] == 4 and everything.loc["1a", "n"] == 5


def test_by_any_column_and_overall(small):
    t = ag.by_section(small, by=("pathway", "section"), n_boot=50)
    assert list(t.columns[:3]) == ["pathway", "section", "n"]
    assert t["n"].sum() == 7
    overall = ag.by_section(small, by=(), n_boot=50)
    assert len(overall) == 1 and overall.loc[0, "n"] == 7
    assert ag.by_section(small, by="pathway", n_boot=10)["pathway"].tolist() == [
        "ACMALT",
        "CMALT",
        "SCMALT",
    ]
    with pytest.raises(ValueError, match="unknown grouping"):
        ag.by_section(small, by=("colour",))
    with pytest.raises(ValueError, match="n_boot"):
        ag.by_section(small, n_boot=0)
    with pytest.raises(TypeError, match="Records"):
        ag.by_section(pd.DataFrame())


def test_empty_selection_gives_nan_not_errors(small):
    absent = tuple(set(SUBMISSION_TYPES) - set(small.submissions["submission_type"]))
    assert absent  # a kind that does not occur selects nothing
    none = ag.by_section(small, submission_types=absent, n_boot=10)
    assert none.empty and "kappa_ci_low" in none.columns
    overall = ag.by_section(small, by=(), submission_types=absent, n_boot=10).iloc[0]
    assert overall["n"] == 0 and np.isnan(overall["kappa"]) and not overall["kappa_paradox"]
    assert ag.confusion(small, by=(), submission_types=absent)["n"].sum() == 0
    with pytest.raises(ValueError, match="unknown submission type"):
        ag.by_section(small, submission_types=("nothing",))


def _simulate(
    seed: int, n_subs: int, sections: list[str], p_by_class: np.ndarray, missing: float = 0.0
) -> Records:
    """Latent-class generator: each submission draws a class z (equal odds), then each
    section's (lead, second) pair independently from the class's 3 x 3 joint
    distribution p_by_class[z] (cells in R, A, S order). Sections of a submission are
    therefore correlated through z, as in real portfolios."""
    rng = np.random.default_rng(seed)
    z = rng.integers(0, len(p_by_class), n_subs)
    ns = len(sections)
    cells = np.empty((n_subs, ns), dtype=np.int64)
    for c in range(len(p_by_class)):
        m = z == c
        cells[m] = rng.choice(9, size=(m.sum(), ns), p=p_by_class[c].ravel())
    lead = np.array(SCALE, dtype=object)[cells // 3].ravel()
    second = np.array(SCALE, dtype=object)[cells % 3].ravel()
    if missing:
        lead[rng.random(lead.size) < missing] = np.nan
    ids = np.array([f"s{i}" for i in range(n_subs)])
    subs = pd.DataFrame(
        {
            "submission_id": ids,
            "portfolio_id": [f"p{i}" for i in range(n_subs)],
            "submission_type": "first",
            "pathway": np.where(z == 0, "CMALT", "SCMALT"),
        }
    )
    rat = pd.DataFrame(
        {
            "submission_id": np.repeat(ids, ns),
            "section": np.tile(sections, n_subs),
            "lead": lead,
            "second": second,
            "final": second,
        }
    )
    return direct_records(subs, rat)


P_CLASSES = np.array(
    [
        [[0.02, 0.03, 0.00], [0.03, 0.45, 0.07], [0.00, 0.10, 0.30]],  # stronger portfolios
        [[0.25, 0.10, 0.00], [0.12, 0.40, 0.03], [0.01, 0.04, 0.05]],  # weaker portfolios
    ]
)


def _slow_coefficients(lead: list, second: list) -> dict[str, float]:
    """Every coefficient of by_section from raw pairs, via public functions and the
    krippendorff package (NaN where the package refuses: one value only)."""
    out = {
        "percent_agreement": ag.percent_agreement(lead, second),
        "kappa": ag.cohen_kappa(lead, second),
        "kappa_linear": ag.cohen_kappa(lead, second, "linear"),
        "kappa_quadratic": ag.cohen_kappa(lead, second, "quadratic"),
        "ac1": ag.gwet_ac(lead, second),
        "ac2_linear": ag.gwet_ac(lead, second, "linear"),
        "ac2_quadratic": ag.gwet_ac(lead, second, "quadratic"),
        "pabak": ag.pabak(lead, second),
    }
    data = np.array([[RATING_SCORE[x] for x in lead], [RATING_SCORE[x] for x in second]], float)
    for level in ("nominal", "ordinal", "interval"):
        try:
            out[f"alpha_{level}"] = krippendorff.alpha(
                reliability_data=data, level_of_measurement=level
            )
        except ValueError:
            out[f"alpha_{level}"] = np.nan
    return out


@pytest.mark.parametrize("by", [("section",), ()])
def test_vectorised_bootstrap_equals_slow_loop(by):
    # by section: one pair per submission (direct cell counting); by=(): several pairs
    # per submission (per-submission tables under resampling weights). Both must equal
    # a plain loop over the same resampled portfolios (sorted by id), drawn from the
    # group's own generator (_bootstrap.group_rng of the seed and the group's key).
    recs = _simulate(3, 25, ["1a", "1b", "2a"], P_CLASSES, missing=0.1)
    n_boot, seed, ci = 60, 11, 0.9
    fast = ag.by_section(recs, by=by, n_boot=n_boot, seed=seed, ci=ci)
    complete = recs.merged(["portfolio_id"])
    complete = complete[complete["lead"].notna() & complete["second"].notna()]
    groups = complete.groupby("section") if by else [(None, complete)]
    for i, (section, rows) in enumerate(groups):
        row = fast.iloc[i]
        if by:
            assert row["section"] == section
        units = sorted(set(rows["portfolio_id"]))
        pairs = {u: rows[rows["portfolio_id"] == u] for u in units}
        idx = _stats.bootstrap_indices(
            len(units), n_boot, group_rng(seed, (section,) if by else ())
        )
        reps = []
        for b in range(n_boot):
            drawn = pd.concat([pairs[units[j]] for j in idx[b]])
            reps.append(_slow_coefficients(list(drawn["lead"]), list(drawn["second"])))
        reps_df = pd.DataFrame(reps)
        est = _slow_coefficients(list(rows["lead"]), list(rows["second"]))
        t0 = (
            pd.crosstab(rows["lead"], rows["second"])
            .reindex(index=["R", "A", "S"], columns=["R", "A", "S"], fill_value=0)
            .to_numpy(float)
        )
        for name in ag.COEFFICIENTS:
            np.testing.assert_allclose(row[name], est[name], atol=1e-12)
            # the interval from the loop's replicates (same draws) by the same rule
            po, pe = core.PARTS[name](t0)
            lo, hi, und = core.score_interval(
                po, pe, reps_df[name].to_numpy(), len(rows), len(units), ci
            )
            np.testing.assert_allclose(row[f"{name}_ci_low"], lo, atol=1e-12)
            np.testing.assert_allclose(row[f"{name}_ci_high"], hi, atol=1e-12)
            assert row[f"{name}_n_boot_undefined"] == int(reps_df[name].isna().sum()) == und


def test_bootstrap_weights_count_the_drawn_indices():
    # _stats.bootstrap_weights counts with one bincount; a slow per-replicate count of
    # the same draws (_stats.bootstrap_indices) must agree exactly.
    for n_units, n_boot, seed in [(0, 5, 0), (1, 3, 1), (37, 50, 2), (500, 20, 3)]:
        idx = _stats.bootstrap_indices(n_units, n_boot, seed)
        slow = np.array([np.bincount(row, minlength=n_units) for row in idx]).reshape(
            n_boot, n_units
        )
        w = _stats.bootstrap_weights(n_units, n_boot, seed)
        np.testing.assert_array_equal(w, slow)
        assert (w.sum(axis=1) == n_units).all()


def test_deterministic_and_interval_contains_estimate():
    recs = _simulate(5, 200, ["1a", "1b", "2a", "P1"], P_CLASSES)
    t1 = ag.by_section(recs, n_boot=300, seed=4)
    t2 = ag.by_section(recs, n_boot=300, seed=4)
    pd.testing.assert_frame_equal(t1, t2)
    t3 = ag.by_section(recs, n_boot=300, seed=5)
    assert not np.allclose(t1["kappa_ci_low"], t3["kappa_ci_low"])
    for name in ag.COEFFICIENTS:
        assert (t1[f"{name}_ci_low"] <= t1[name]).all(), name
        assert (t1[name] <= t1[f"{name}_ci_high"]).all(), name


def _population_kappa(p: np.ndarray, weights) -> float:
    """Kappa of a known joint distribution via scikit-learn (cells as weighted pairs)."""
    i, j = np.divmod(np.arange(9), 3)
    return cohen_kappa_score(i, j, weights=weights, sample_weight=p.ravel())


def test_recovery_and_interval_coverage():
    # The population table is the class mixture; the planted kappa is its kappa. Over
    # 200 simulated datasets the 95% cluster-bootstrap interval (sections pooled, so
    # rows are correlated within submissions) should cover it about 95% of the time.
    p = P_CLASSES.mean(axis=0)
    truth = {
        "kappa_quadratic": _population_kappa(p, "quadratic"),
        "kappa": _population_kappa(p, None),
    }
    hits = {k: 0 for k in truth}
    est = {k: [] for k in truth}
    n_sims = 200
    for seed in range(n_sims):
        recs = _simulate(1000 + seed, 120, ["1a", "1b", "2a", "P1"], P_CLASSES)
        row = ag.by_section(recs, by=(), n_boot=200, seed=seed).iloc[0]
        for k, v in truth.items():
            est[k].append(row[k])
            hits[k] += row[f"{k}_ci_low"] <= v <= row[f"{k}_ci_high"]
    for k, v in truth.items():
        assert np.mean(est[k]) == pytest.approx(v, abs=0.02), k  # planted level recovered
        assert 0.89 <= hits[k] / n_sims <= 0.99, (k, hits[k])


def test_kappa_paradox_flag():
    # 90 A/A, 5 A/S, 5 S/A: agreement 0.90, A holds 95% of ratings, kappa about -0.05.
    n = 100
    lead = ["A"] * 90 + ["A"] * 5 + ["S"] * 5
    second = ["A"] * 90 + ["S"] * 5 + ["A"] * 5
    ids = [f"s{i}" for i in range(n)]
    subs = pd.DataFrame({"submission_id": ids, "portfolio_id": ids, "submission_type": "first"})
    rat = pd.DataFrame(
        {"submission_id": ids, "section": "1a", "lead": lead, "second": second, "final": lead}
    )
    row = ag.by_section(direct_records(subs, rat), n_boot=100).iloc[0]
    assert row["percent_agreement"] == pytest.approx(0.9)
    assert row["kappa"] < 0 and row["ac1"] > 0.85
    assert row["dominant_rating"] == "A" and row["dominant_share"] == pytest.approx(0.95)
    assert bool(row["kappa_paradox"])
    balanced = ag.by_section(_simulate(1, 200, ["1a"], P_CLASSES), n_boot=1).iloc[0]
    assert not bool(balanced["kappa_paradox"])


def test_by_section_on_a_large_dataset_is_complete():
    # Speed is measured in benchmarks/ (never asserted here); this checks the shape.
    sections = ["1a", "1b", "1c", "2a", "2b", "3a", "3b", "4", "5a", "P1", "P2", "P3", "P4"]
    recs = _simulate(0, 2400, sections, P_CLASSES, missing=0.02)
    t = ag.by_section(recs, n_boot=1000, seed=0)
    assert len(t) == 13
    assert t["kappa_quadratic_ci_low"].notna().all()
    assert (t["kappa_quadratic_ci_low"] <= t["kappa_quadratic"]).all()


# --------------------------------------------------------- confusion / resolution
def test_confusion_matches_crosstab(small):
    c = ag.confusion(small)
    assert list(c.columns) == ["section", "lead", "second", "n", "share"]
    assert len(c) == 2 * 9
    m = small.merged(("submission_type",))
    m = m[(m["submission_type"] != "review")].dropna(subset=["lead", "second"])
    expected = m.groupby(["section", "lead", "second"]).size()
    got = c.set_index(["section", "lead", "second"])["n"]
    assert got[got > 0].sort_index().equals(expected.sort_index().astype(got.dtype))
    assert c.groupby("section")["share"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_resolution_by_hand(small):
    # Disagreements (reviews out): 1a s2 R/A -> A (second, lenient); 1a s5 S/R -> A
    # (neither, neither); 1b s1 A/R -> A (lead, lenient); 1b s5 S/A -> no final.
    r = ag.resolution(small, n_boot=50)
    got = r.set_index(["section", "classification", "result"])
    assert got.loc[("1a", "followed", "second"), "n"] == 1
    assert got.loc[("1a", "followed", "neither"), "n"] == 1
    assert got.loc[("1a", "direction", "more lenient"), "n"] == 1
    assert got.loc[("1a", "direction", "neither"), "n"] == 1
    assert got.loc[("1a", "followed", "lead"), "share"] == 0.0
    assert got.loc[("1b", "followed", "lead"), "n"] == 1
    assert got.loc[("1b", "followed", "lead"), "n_disagreements"] == 1
    assert got.loc[("1b", "followed", "lead"), "n_without_final"] == 1
    overall = ag.resolution(small, by=(), n_boot=50).set_index(["classification", "result"])
    assert overall.loc[("direction", "more lenient"), "n"] == 2
    assert overall.loc[("direction", "more lenient"), "share"] == pytest.approx(2 / 3)
    assert overall["n"].groupby(level=0).sum().tolist() == [3, 3]
    lo, hi = overall.loc[("direction", "more lenient"), ["ci_low", "ci_high"]]
    assert 0 <= lo <= 2 / 3 <= hi <= 1


def test_resolution_severe_vs_lenient_counts():
    recs = _simulate(9, 300, ["1a", "2a"], P_CLASSES)
    rat = recs.ratings.copy()
    lead = rat["lead"].map(RATING_SCORE)
    second = rat["second"].map(RATING_SCORE)
    # final = the more severe rating everywhere
    rat["final"] = np.where(lead <= second, rat["lead"], rat["second"])
    recs2 = direct_records(recs.submissions, rat)
    r = ag.resolution(recs2, by=(), n_boot=1).set_index(["classification", "result"])
    n_diff = int((lead != second).sum())
    assert r.loc[("direction", "more severe"), "n"] == n_diff
    assert r.loc[("direction", "more severe"), "share"] == 1.0
    followed_lead = int(((lead != second) & (lead < second)).sum())
    assert r.loc[("followed", "lead"), "n"] == followed_lead


# ------------------------------------------------------------------ sample data
def test_sample_recovers_planted_kappa(sample_records):
    # The synthetic generator plants a quadratic kappa (lead vs second, attempts 1 and 2,
    # no reviews) per section and overall; truth holds Monte-Carlo population values.
    planted_all = sample_records.truth
    if planted_all is None:  # qa.load does not (yet) attach truth.json
        planted_all = json.loads(
            (Path(__file__).parents[1] / "data" / "sample" / "truth.json").read_text()
        )
    truth = planted_all["kappa_quadratic"]
    t = ag.by_section(sample_records)
    planted = t["section"].map(truth["by_section"])
    assert planted.notna().all()
    covered = (t["kappa_quadratic_ci_low"] <= planted) & (planted <= t["kappa_quadratic_ci_high"])
    assert covered.sum() >= len(t) - 3, t.loc[~covered, "section"].tolist()
    overall = ag.by_section(sample_records, by=()).iloc[0]
    assert overall["kappa_quadratic"] == pytest.approx(truth["overall"], abs=0.03)
    assert (
        overall["kappa_quadratic_ci_low"] <= truth["overall"] <= overall["kappa_quadratic_ci_high"]
    )
    # The generator's final decision lies between lead and second: never "neither"
    # in direction unless a compromise (A between S and R).
    res = ag.resolution(sample_records, by=(), n_boot=1).set_index(["classification", "result"])
    assert res.loc[("direction", "neither"), "n"] == res.loc[("followed", "neither"), "n"]
