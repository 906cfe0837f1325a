"""The one cluster bootstrap (cmalt_qa._bootstrap): each group's generator comes from
the seed and the group's key, so a group's interval never depends on which other
groups exist (issue 11, item 2), and portfolios are the resampled unit (issue 14, 4)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import cmalt_qa as qa
from cmalt_qa import _bootstrap


def _without(recs, pathway):
    """The same records without one pathway's submissions (and their ratings)."""
    subs = recs.submissions[recs.submissions["pathway"] != pathway]
    rats = recs.ratings[recs.ratings["submission_id"].isin(subs["submission_id"])]
    return dataclasses.replace(recs, submissions=subs, ratings=rats)


GROUPED = {
    "referrals.by_section": lambda r: qa.referrals.by_section(
        r, by=("pathway",), n_boot=200, seed=3
    ),
    "referrals.gaps": lambda r: qa.referrals.gaps(r, by=("pathway",), n_boot=200, seed=3),
    "assessors.nominated_second_effect": lambda r: qa.assessors.nominated_second_effect(
        r, by=("pathway",), n_boot=200, seed=3
    ),
    "agreement.by_section": lambda r: qa.agreement.by_section(
        r, by=("pathway",), n_boot=200, seed=3
    ),
    "agreement.resolution": lambda r: qa.agreement.resolution(
        r, by=("pathway",), n_boot=200, seed=3
    ),
}


@pytest.mark.parametrize("name", list(GROUPED))
def test_a_groups_interval_does_not_depend_on_other_groups(sample_records, name):
    f = GROUPED[name]
    full = f(sample_records)
    for dropped in ("ACMALT", "SCMALT"):
        part = f(_without(sample_records, dropped))
        assert dropped not in set(part["pathway"])
        kept = full[full["pathway"] != dropped].reset_index(drop=True)
        pd.testing.assert_frame_equal(part.reset_index(drop=True), kept, check_dtype=False)


def test_row_order_does_not_matter(sample_records):
    shuffled = dataclasses.replace(
        sample_records,
        submissions=sample_records.submissions.sample(frac=1.0, random_state=1),
        ratings=sample_records.ratings.sample(frac=1.0, random_state=2),
    )
    for f in (GROUPED["referrals.by_section"], GROUPED["agreement.by_section"]):
        pd.testing.assert_frame_equal(f(sample_records), f(shuffled))


def test_group_generators_are_stable_and_distinct():
    draw = lambda seed, key: _bootstrap.group_rng(seed, key).integers(0, 2**31, 4)  # noqa: E731
    np.testing.assert_array_equal(draw(0, ("CMALT", 2024)), draw(0, ("CMALT", np.int64(2024))))
    np.testing.assert_array_equal(draw(0, (1,)), draw(0, (1.0,)))
    assert not np.array_equal(draw(0, ("CMALT",)), draw(0, ("SCMALT",)))
    assert not np.array_equal(draw(0, ("CMALT",)), draw(1, ("CMALT",)))
    assert _bootstrap.key_digest((np.nan,)) == _bootstrap.key_digest((None,))
    # Pinned: a change of derivation would change every published interval.
    assert _bootstrap.key_digest(("1a",)) == [1739479037, 2345708877, 4243709727, 1835217466]
    assert _bootstrap.group_rng(0, ("1a",)).integers(0, 1000, 3).tolist() == [20, 471, 961]


def test_weights_count_the_drawn_indices():
    for n_units, n_boot in [(0, 5), (1, 3), (37, 50)]:
        idx = _bootstrap.cluster_indices(n_units, n_boot, _bootstrap.group_rng(2, ("x",)))
        w = _bootstrap.cluster_weights(n_units, n_boot, _bootstrap.group_rng(2, ("x",)))
        slow = np.array([np.bincount(r, minlength=n_units) for r in idx]).reshape(n_boot, n_units)
        np.testing.assert_array_equal(w, slow)


def test_ratio_replicates_equal_a_loop_and_count_undefined():
    num = np.array([1.0, 0.0, 2.0, 0.0])
    den = np.array([2.0, 0.0, 2.0, 1.0])
    reps = _bootstrap.ratio_replicates(num, den, 300, _bootstrap.group_rng(0, ()))
    idx = _bootstrap.cluster_indices(4, 300, _bootstrap.group_rng(0, ()))
    with np.errstate(invalid="ignore"):
        want = num[idx].sum(axis=1) / den[idx].sum(axis=1)
    np.testing.assert_allclose(reps, want)


def test_resubmission_is_the_same_portfolio(sample_records):
    """Referral rates pooled with resubmissions resample portfolios: the interval is a
    bootstrap over portfolios (wider than Wilson over submissions would be)."""
    t = qa.referrals.by_section(
        sample_records, by=("section",), submission_types=None, n_boot=200, seed=0
    )
    first = qa.referrals.by_section(sample_records, by=("section",), n_boot=200, seed=0)
    from cmalt_qa._stats import wilson_interval

    lo, hi = wilson_interval(first["referred"], first["n"])
    np.testing.assert_allclose(first["ci_low"], lo)  # one decision per portfolio: Wilson
    lo2, _ = wilson_interval(t["referred"], t["n"])
    assert not np.allclose(t["ci_low"], lo2)  # resubmissions: cluster bootstrap
