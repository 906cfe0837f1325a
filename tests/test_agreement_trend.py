"""Yearly agreement standardised to a fixed mix of sections (issue 14, item 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import direct_records

from cmalt_qa import agreement as ag
from cmalt_qa.records import Records


def _pairs(year: int, section: str, agree: int, disagree: int, start: int) -> pd.DataFrame:
    n = agree + disagree
    lead = ["A"] * agree + ["A"] * disagree
    second = ["A"] * agree + ["S"] * disagree
    # vary the categories so that kappa is defined: half the agreements are S/S
    lead[: agree // 2] = second[: agree // 2] = ["S"] * (agree // 2)
    ids = [f"{year}-{section}-{start + i}" for i in range(n)]
    return pd.DataFrame(
        {"submission_id": ids, "year": year, "section": section, "lead": lead, "second": second}
    )


def _records(rows: list[pd.DataFrame]) -> Records:
    rat = pd.concat(rows, ignore_index=True)
    subs = rat[["submission_id", "year"]].assign(
        portfolio_id=rat["submission_id"], submission_type="first"
    )
    return direct_records(subs, rat.drop(columns="year").assign(final=rat["second"]))


def test_a_change_of_section_mix_is_not_a_change_of_agreement():
    # Within each section agreement is the same both years (1a: 90%, 3a: 50%); 2024
    # has mostly 1a, 2025 mostly 3a. Pooled, 2025 looks much worse; standardised, not.
    recs = _records(
        [
            _pairs(2024, "1a", 72, 8, 0),
            _pairs(2024, "3a", 10, 10, 0),
            _pairs(2025, "1a", 18, 2, 0),
            _pairs(2025, "3a", 40, 40, 0),
        ]
    )
    pooled = ag.by_section(recs, by=("year",), n_boot=50).set_index("year")
    std = ag.trend(recs, by=("year",), n_boot=50).set_index("year")
    assert pooled.loc[2024, "percent_agreement"] - pooled.loc[2025, "percent_agreement"] > 0.2
    assert std.loc[2024, "percent_agreement"] == pytest.approx(std.loc[2025, "percent_agreement"])
    assert std.loc[2024, "percent_agreement"] == pytest.approx(0.5 * 0.9 + 0.5 * 0.5)
    w = std.attrs["weights"]
    assert w == pytest.approx({"1a": 0.5, "3a": 0.5})
    assert (std["n_strata"] == 2).all()


def test_one_stratum_is_by_section(sample_records):
    t = ag.trend(sample_records, by=("year", "section"), n_boot=20).set_index(["year", "section"])
    b = ag.by_section(
        sample_records, by=("year", "section"), submission_types=("first",), n_boot=20
    ).set_index(["year", "section"])
    for name in ("percent_agreement", "kappa", "ac1", "alpha_ordinal"):
        np.testing.assert_allclose(t[name], b.loc[t.index, name], atol=1e-12)


def test_results_concatenate(sample_records):
    # attrs hold plain values: pandas compares attrs in pd.concat (a Series there failed).
    a = ag.trend(sample_records, by=("year",), n_boot=20)
    b = ag.trend(sample_records, by=("year",), strata=("section", "pathway"), n_boot=20, seed=2)
    both = pd.concat([a, a])
    assert len(both) == 2 * len(a) and both.attrs == a.attrs
    assert len(pd.concat([a, b])) == len(a) + len(b)
    assert all(isinstance(v, float) for v in b.attrs["weights"].values())
    assert all(isinstance(k, tuple) and len(k) == 2 for k in b.attrs["weights"])
