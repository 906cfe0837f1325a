"""Agreement coefficients: cross-checks with libraries, published examples, properties."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from irrCAC.table import CAC
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa

import cmalt_qa as qa
from cmalt_qa import agreement as ag

WEIGHTS = [None, "linear", "quadratic"]
IRR_WEIGHTS = {None: "identity", "linear": "linear", "quadratic": "quadratic"}


def _random_pair(seed: int, k: int, n: int = 60, missing: float = 0.1):
    """Correlated ratings on 1..k with some missing values (NaN)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, k + 1, n).astype(float)
    b = np.clip(a + rng.integers(-1, 2, n), 1, k).astype(float)
    noisy = rng.random(n) < 0.3
    b[noisy] = rng.integers(1, k + 1, noisy.sum())
    a[rng.random(n) < missing] = np.nan
    b[rng.random(n) < missing] = np.nan
    return a, b


def _table(a, b, k):
    """Complete pairs as a k x k integer table over levels 1..k (test-side, pandas)."""
    ok = ~(np.isnan(a) | np.isnan(b))
    ct = pd.crosstab(
        pd.Categorical(a[ok], categories=range(1, k + 1)),
        pd.Categorical(b[ok], categories=range(1, k + 1)),
        dropna=False,
    )
    return ct.to_numpy()


SEEDS = range(12)


# --------------------------------------------------------------- library cross-checks
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weights", WEIGHTS)
def test_kappa_matches_sklearn(seed, weights):
    k = 3 + seed % 3
    a, b = _random_pair(seed, k)
    ok = ~(np.isnan(a) | np.isnan(b))
    expected = cohen_kappa_score(a[ok], b[ok], weights=weights)
    got = ag.cohen_kappa(a, b, weights)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weights", WEIGHTS)
def test_kappa_matches_statsmodels(seed, weights):
    # statsmodels' wt="linear"/"quadratic" are Cohen's (1968) weights on positions.
    k = 3 + seed % 3
    a, b = _random_pair(seed, k)
    t = _table(a, b, k)
    expected = sm_cohens_kappa(t, wt=weights, return_results=False)
    np.testing.assert_allclose(
        ag.cohen_kappa(a, b, weights, categories=range(1, k + 1)), expected, atol=1e-9
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weights", WEIGHTS)
def test_gwet_matches_irrcac(seed, weights):
    # irrCAC rounds its output to `digits` (default 5); digits=15 keeps it unrounded
    # well below the 1e-9 tolerance. The default (rounded) output is checked at 1e-5.
    k = 3 + seed % 3
    a, b = _random_pair(seed, k)
    t = pd.DataFrame(_table(a, b, k))
    got = ag.gwet_ac(a, b, weights, categories=range(1, k + 1))
    exact = CAC(t, weights=IRR_WEIGHTS[weights], digits=15).gwet()["est"]
    np.testing.assert_allclose(got, exact["coefficient_value"], atol=1e-9)
    rounded = CAC(t, weights=IRR_WEIGHTS[weights]).gwet()["est"]["coefficient_value"]
    np.testing.assert_allclose(got, rounded, atol=1e-5)


@pytest.mark.parametrize("seed", SEEDS)
def test_pabak_matches_irrcac_brennan_prediger(seed):
    # Unweighted Brennan-Prediger (1981) = (k p_o - 1)/(k - 1) = PABAK for k categories.
    k = 2 + seed % 4
    a, b = _random_pair(seed, k)
    t = pd.DataFrame(_table(a, b, k))
    expected = CAC(t, digits=15).bp()["est"]["coefficient_value"]
    np.testing.assert_allclose(ag.pabak(a, b, categories=range(1, k + 1)), expected, atol=1e-9)
    pa = CAC(t, digits=15).pa2()["est"]["coefficient_value"]
    np.testing.assert_allclose(ag.percent_agreement(a, b), pa, atol=1e-9)


def test_pabak_two_categories_byrt():
    # Byrt, Bishop & Carlin (1993): for two categories PABAK = 2 p_o - 1.
    a = ["A", "A", "A", "R", "A", "A", "R", "A", "A", "A"]
    b = ["A", "A", "A", "R", "A", "R", "A", "A", "A", "A"]
    # On the S/A/R scale k = 3; as numbers with two levels k = 2.
    na = np.array([1 if x == "A" else 0 for x in a], float)
    nb = np.array([1 if x == "A" else 0 for x in b], float)
    assert ag.pabak(na, nb) == pytest.approx(2 * 0.8 - 1)
    assert ag.pabak(a, b) == pytest.approx((3 * 0.8 - 1) / 2)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_matches_krippendorff_package(seed, level):
    rng = np.random.default_rng(100 + seed)
    n_coders, n_units = 2 + seed % 4, 40
    truth = rng.integers(1, 6, n_units)
    data = np.clip(truth + rng.integers(-1, 2, (n_coders, n_units)), 1, 5).astype(float)
    data[rng.random(data.shape) < 0.2] = np.nan
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    np.testing.assert_allclose(ag.krippendorff_alpha(data, level), expected, atol=1e-9)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_two_coder_table_route_matches_package(level):
    # by_section computes alpha from the 3 x 3 table (coincidences t + t'): same value.
    from cmalt_qa import _agreement_core as core

    rng = np.random.default_rng(7)
    a = rng.integers(0, 3, 80)
    b = np.clip(a + rng.integers(-1, 2, 80), 0, 2)
    t = np.zeros((3, 3))
    np.add.at(t, (a, b), 1)
    values = np.array([1.0, 2.0, 3.0])  # ratio needs positive values
    expected = krippendorff.alpha(
        reliability_data=np.vstack([a, b]) + 1.0, level_of_measurement=level
    )
    np.testing.assert_allclose(core.alpha_from_table(t, level, values), expected, atol=1e-9)


# ---------------------------------------------------------------- published examples
def test_krippendorff_2011_worked_example():
    # Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg
    # School for Communication, Departmental Papers 43; section E, "nominal data, any
    # number of observers, missing data": 4 observers x 12 units, printed
    # alpha = 0.743 (nominal), 0.815 (ordinal), 0.849 (interval), 0.797 (ratio).
    nan = np.nan
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    printed = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}
    for level, value in printed.items():
        assert ag.krippendorff_alpha(data, level) == pytest.approx(value, abs=5e-4), level


def test_gwet_handbook_abstractors_example():
    # Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed.: 100 pregnant
    # women classified by two abstractors (Ectopic, AIU, NIU); as printed in the irrCAC
    # documentation (irrCAC.table module docstring, dataset table_cont3x3abstractors):
    # AC1 = 0.84933 (pa 0.89, pe 0.26992); AC2 quadratic = 0.94024 (pa 0.9725).
    t = np.array([[13, 0, 0], [0, 20, 7], [0, 4, 56]])
    a = np.repeat(np.repeat([1, 2, 3], 3), t.ravel())
    b = np.repeat(np.tile([1, 2, 3], 3), t.ravel())
    assert ag.gwet_ac(a, b) == pytest.approx(0.84933, abs=5e-6)
    assert ag.gwet_ac(a, b, "quadratic") == pytest.approx(0.94024, abs=5e-6)
    assert ag.percent_agreement(a, b) == pytest.approx(0.89)


def test_cohen_1960_example():
    # Cohen (1960), Table 1: 200 units, 3 categories, p_o = 0.70, p_c = 0.41,
    # printed kappa = 0.492. Table (rows judge A, columns judge B):
    t = np.array([[88, 14, 18], [10, 40, 10], [2, 6, 12]])
    a = np.repeat(np.repeat([0, 1, 2], 3), t.ravel())
    b = np.repeat(np.tile([0, 1, 2], 3), t.ravel())
    assert ag.percent_agreement(a, b) == pytest.approx(0.70)
    assert ag.cohen_kappa(a, b) == pytest.approx(0.492, abs=5e-4)


# ------------------------------------------------------------------------- input
def test_rating_codes_case_and_words():
    a = ["S", "a", "Strong", "R", None, "revisions required", ""]
    b = ["s", "A", "adequate", "r", "S", "Revisions Required", "A"]
    na = [2, 1, 2, 0, np.nan, 0, np.nan]
    nb = [2, 1, 1, 0, 2, 0, 1]
    for w in WEIGHTS:
        assert ag.cohen_kappa(a, b, w) == pytest.approx(
            ag.cohen_kappa(na, nb, w, categories=[0, 1, 2])
        )


def test_sar_is_always_on_the_three_point_scale():
    # Only S and A occur; the scale still has R, which changes AC1's chance term and
    # the weights of AC2 / weighted kappa.
    a = ["S", "A", "S", "A", "A", "A", "S", "A"]
    b = ["S", "A", "A", "A", "A", "S", "S", "A"]
    na = [2 if x == "S" else 1 for x in a]
    nb = [2 if x == "S" else 1 for x in b]
    full = ag.gwet_ac(na, nb, categories=[0, 1, 2])
    assert ag.gwet_ac(a, b) == pytest.approx(full)
    assert ag.gwet_ac(na, nb) != pytest.approx(full)
    assert ag.cohen_kappa(a, b, "linear") == pytest.approx(
        ag.cohen_kappa(na, nb, "linear", categories=[0, 1, 2])
    )
    assert ag.pabak(a, b) == pytest.approx((3 * 0.75 - 1) / 2)


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="unknown rating"):
        ag.cohen_kappa(["S", "X"], ["S", "A"])
    with pytest.raises(TypeError, match="mix"):
        ag.cohen_kappa(["S", 1], ["S", "A"])
    with pytest.raises(ValueError, match="not in categories"):
        ag.cohen_kappa([1, 2], [1, 3], categories=[1, 2])
    with pytest.raises(ValueError, match="equal length"):
        ag.cohen_kappa([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="weights"):
        ag.cohen_kappa([1, 2], [1, 2], weights="cubic")
    with pytest.raises(ValueError, match="level"):
        ag.krippendorff_alpha([[1, 2], [1, 2]], level="cardinal")
    with pytest.raises(TypeError, match="categories"):
        ag.cohen_kappa(["S"], ["A"], categories=[0, 1, 2])


def test_krippendorff_accepts_sar_strings():
    data = [["S", "A", "R", "A", None], ["S", "A", "A", "A", "R"], ["s", "a", "r", None, "R"]]
    scored = [[2, 1, 0, 1, np.nan], [2, 1, 1, 1, 0], [2, 1, 0, np.nan, 0]]
    for level in ("nominal", "ordinal", "interval"):
        assert ag.krippendorff_alpha(data, level) == pytest.approx(
            krippendorff.alpha(reliability_data=np.array(scored, float), level_of_measurement=level)
        )


# -------------------------------------------------------------- undefined cases
def test_undefined_cases_are_nan_not_errors():
    one = ["A"] * 10
    assert ag.percent_agreement(one, one) == 1.0
    assert np.isnan(ag.cohen_kappa(one, one))  # chance agreement is 1
    assert np.isnan(ag.cohen_kappa(one, one, "quadratic"))
    assert ag.gwet_ac(one, one) == 1.0  # AC1 stays defined: chance term 0
    assert np.isnan(ag.krippendorff_alpha([one, one]))  # no variation: D_e = 0
    nothing = [None, np.nan, ""]
    for f in (ag.percent_agreement, ag.cohen_kappa, ag.gwet_ac, ag.pabak):
        assert np.isnan(f(nothing, ["S", "A", "R"]))
    assert np.isnan(ag.krippendorff_alpha([[1, np.nan], [np.nan, 2]]))  # nothing pairable
    assert np.isnan(ag.gwet_ac([3, 3], [3, 3]))  # numeric, one level: k = 1
    assert np.isnan(ag.pabak([3, 3], [3, 3]))


# ------------------------------------------------------------------ properties
ratings = st.lists(st.sampled_from(["S", "A", "R", None]), min_size=2, max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["S", "A", "R"]), min_size=2, max_size=40))
def test_perfect_agreement_gives_one(x):
    for w in WEIGHTS:
        assert ag.gwet_ac(x, x, w) == pytest.approx(1.0)
        k = ag.cohen_kappa(x, x, w)
        assert np.isnan(k) if len(set(x)) == 1 else k == pytest.approx(1.0)
    assert ag.percent_agreement(x, x) == 1.0
    assert ag.pabak(x, x) == pytest.approx(1.0)
    for level in ("nominal", "ordinal", "interval"):
        al = ag.krippendorff_alpha([x, x], level)
        assert np.isnan(al) if len(set(x)) == 1 else al == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_swap_and_permute_change_nothing(data):
    a = data.draw(ratings)
    b = data.draw(
        st.lists(st.sampled_from(["S", "A", "R", None]), min_size=len(a), max_size=len(a))
    )
    perm = data.draw(st.permutations(range(len(a))))
    pa, pb = [a[i] for i in perm], [b[i] for i in perm]
    for f in (ag.percent_agreement, ag.pabak):
        np.testing.assert_allclose(f(b, a), f(a, b), atol=1e-12)
        np.testing.assert_allclose(f(pa, pb), f(a, b), atol=1e-12)
    for f in (ag.cohen_kappa, ag.gwet_ac):
        for w in WEIGHTS:
            np.testing.assert_allclose(f(b, a, w), f(a, b, w), atol=1e-12)
            np.testing.assert_allclose(f(pa, pb, w), f(a, b, w), atol=1e-12)
    np.testing.assert_allclose(
        ag.krippendorff_alpha([b, a]), ag.krippendorff_alpha([a, b]), atol=1e-12
    )


def test_module_surface():
    assert qa.agreement is ag
    for name in (
        "percent_agreement",
        "cohen_kappa",
        "gwet_ac",
        "pabak",
        "krippendorff_alpha",
        "by_section",
        "confusion",
        "resolution",
    ):
        assert name in ag.__all__
