"""The public surface of ../shared/CONTRACT.md section 2, as outside code relies on it."""

from __future__ import annotations

import datetime as dt
import inspect

import numpy as np
import pandas as pd
import pytest

import cmalt_qa as qa


def _defaults(func) -> dict:
    return {k: v.default for k, v in inspect.signature(func).parameters.items()}


def test_names_and_defaults() -> None:
    assert _defaults(qa.load)["strict"] is False
    assert issubclass(qa.RecordsError, Exception)
    assert _defaults(qa.synthetic.generate) == {
        "n_submissions": inspect._empty,
        "seed": 0,
        "out": None,
    }
    assert _defaults(qa.agreement.cohen_kappa)["weights"] is None
    assert _defaults(qa.agreement.gwet_ac)["weights"] is None
    assert _defaults(qa.agreement.krippendorff_alpha)["level"] == "ordinal"
    d = _defaults(qa.agreement.by_section)
    assert (d["by"], d["n_boot"], d["seed"]) == (("section",), 1000, 0)
    assert _defaults(qa.referrals.by_section)["by"] == ("section",)
    d = _defaults(qa.turnaround.summary)
    assert (d["by"], d["as_of"]) == (("window",), None)
    assert "as_of" in inspect.signature(qa.turnaround.open_cases).parameters
    for f in (qa.agreement.percent_agreement, qa.agreement.pabak):
        assert list(inspect.signature(f).parameters)[:2] == ["a", "b"]


def test_scheme_functions() -> None:
    assert qa.scheme.window_of(dt.date(2025, 3, 1)) == "2025-05"
    assert qa.scheme.promise_due(dt.date(2025, 1, 31)) == dt.date(2025, 4, 30)


def test_records_columns(sample_records: qa.Records) -> None:
    s = sample_records.submissions
    for c in ("window", "promise_due", "turnaround_days", "submission_type"):
        assert c in s.columns
    assert s["turnaround_days"].dtype == np.float64
    assert s.loc[s["result_on"].isna(), "turnaround_days"].isna().all()
    assert list(sample_records.problems.columns) == [
        "file",
        "row",
        "column",
        "value",
        "rule",
        "message",
    ]
    for frame in (s, sample_records.ratings):
        text = frame.select_dtypes(object)
        assert not (text == "").any().any()  # blank is missing, never ""


@pytest.mark.parametrize(
    ("a", "b"),
    [(["S", "A", "R", None], ["S", "R", "R", "A"]), ([2, 1, 0, np.nan], [2, 0, 0, 1])],
)
def test_coefficients_accept_codes_or_numbers(a, b) -> None:
    for value in (
        qa.agreement.percent_agreement(a, b),
        qa.agreement.cohen_kappa(a, b),
        qa.agreement.cohen_kappa(a, b, weights="linear"),
        qa.agreement.cohen_kappa(a, b, weights="quadratic"),
        qa.agreement.gwet_ac(a, b),
        qa.agreement.gwet_ac(a, b, weights="quadratic"),
        qa.agreement.pabak(a, b),
    ):
        assert isinstance(value, float)
    assert isinstance(
        qa.agreement.krippendorff_alpha(np.array([[2, 1, 0, np.nan], [2, 0, 0, 1]])), float
    )


def test_table_columns(sample_records: qa.Records) -> None:
    recs = sample_records
    ag = qa.agreement.by_section(recs, n_boot=50)
    assert list(ag.columns[:2]) == ["section", "n"]
    for name in ("kappa", "kappa_quadratic", "ac1", "ac2_quadratic", "pabak", "alpha_ordinal"):
        assert {name, f"{name}_ci_low", f"{name}_ci_high"} <= set(ag.columns)
    ref = qa.referrals.by_section(recs, by=("pathway", "section"))
    assert list(ref.columns[:7]) == [
        "pathway",
        "section",
        "n",
        "referred",
        "rate",
        "ci_low",
        "ci_high",
    ]
    ta = qa.turnaround.summary(recs, by=("window",), as_of="2026-09-20")
    assert list(ta.columns[:5]) == ["window", "n", "returned", "open", "breaches"]
    oc = qa.turnaround.open_cases(recs, "2026-09-20")
    assert list(oc.columns[:10]) == [
        "submission_id", "window", "pathway", "attempt", "days_open", "promise_due",
        "days_left", "status", "lead_assessor", "second_assessor",
    ]  # fmt: skip
    for table in (ag, ref, ta):  # plain numbers, never formatted strings
        num = [c for c in table.columns if c in ("n", "rate", "ci_low", "ci_high", "kappa")]
        assert all(pd.api.types.is_numeric_dtype(table[c]) for c in num)


def test_results_render_in_a_notebook(sample_records: qa.Records) -> None:
    html = sample_records._repr_html_()
    assert "2400 submissions" in html and "problem" in html
