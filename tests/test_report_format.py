"""The reports' formatting layer: numbers and tables for people (issue 15, item 2)."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from cmalt_qa.reports import _format as fmt


def test_doctests() -> None:
    res = doctest.testmod(fmt)
    assert res.attempted > 5 and res.failed == 0


@pytest.mark.parametrize(
    "value, expected",
    [
        (0.7251, "73%"),
        (0.0, "0%"),
        (-0.0001, "0%"),
        (1.0, "100%"),
        (np.nan, fmt.TOO_FEW),
        (None, fmt.TOO_FEW),
        (pd.NA, fmt.TOO_FEW),
        ("suppressed", "suppressed"),
        ("<5", "<5"),
    ],
)
def test_pct(value, expected) -> None:
    assert fmt.pct(value) == expected


def test_num_never_negative_zero_or_nan() -> None:
    assert fmt.num(-0.001) == "0.00"
    assert fmt.num(-0.004, signed=True) == "0.00"
    assert fmt.num(-0.25, signed=True) == "\u22120.25"
    assert fmt.num(float("nan")) == fmt.TOO_FEW
    assert fmt.num(np.float64(0.5549)) == "0.55"


def test_estimate_in_one_cell() -> None:
    assert fmt.estimate(0.549, 0.231, 0.778, kind="num") == "0.55 (0.23\u20130.78)"
    assert fmt.estimate(0.7251, 0.61, 0.82) == "73% (61\u201382%)"
    assert fmt.estimate(0.5, np.nan, 0.9) == "50%"  # an end missing: the estimate alone
    assert fmt.estimate(np.nan, 0.1, 0.2) == fmt.TOO_FEW
    assert fmt.estimate("suppressed", np.nan, np.nan) == "suppressed"
    assert fmt.estimate(-0.001, -0.2, 0.1, kind="signed") == "0.00 (\u22120.20 to +0.10)"


def test_plural() -> None:
    assert fmt.plural(1, "portfolio") == "1 portfolio"
    assert fmt.plural(0, "portfolio") == "0 portfolios"
    assert fmt.plural(2, "is", "are", number=False) == "are"
    assert fmt.plural(1200, "row") == "1,200 rows"


def test_format_table_labels_intervals_markers() -> None:
    t = pd.DataFrame(
        {
            "section": ["1a", "1b", "2a"],
            "n": [30, 3, 12],
            "kappa_quadratic": [0.55, np.nan, -0.0001],
            "kappa_quadratic_ci_low": [0.2, np.nan, -0.3],
            "kappa_quadratic_ci_high": [0.8, np.nan, 0.3],
            "within_promise": [0.7, 0.5, np.nan],
        }
    )
    markers = pd.DataFrame({"within_promise": [None, "suppressed", None]}, index=t.index)
    shown = fmt.format_table(
        t,
        [
            "section",
            fmt.col("n", "count"),
            fmt.col(
                ("kappa_quadratic", "kappa_quadratic_ci_low", "kappa_quadratic_ci_high"), "num"
            ),
            fmt.col("within_promise", "pct"),
        ],
        markers=markers,
    )
    assert list(shown.columns) == ["Section", "n", "Kappa (quadratic)", "Within the promise"]
    assert shown["Kappa (quadratic)"].tolist() == [
        "0.55 (0.20\u20130.80)",
        fmt.TOO_FEW,
        "0.00 (\u22120.30 to 0.30)",
    ]
    assert shown["Within the promise"].tolist() == ["70%", "suppressed", fmt.TOO_FEW]
    text = " ".join(shown.to_numpy().ravel())
    assert "nan" not in text.lower() and "-0.00" not in text


def test_html_table_empty_state_collapse_sortable() -> None:
    empty = fmt.html_table(
        pd.DataFrame(columns=["Submission"]), "At risk", empty="No portfolio is at risk."
    )
    assert "<table" not in empty and "No portfolio is at risk." in empty
    shown = pd.DataFrame({"Submission": [f"S{i}" for i in range(30)], "Days left": ["1"] * 30})
    html = fmt.html_table(shown, "At risk", keys=["Submission"], sortable=True, collapse_after=10)
    assert html.startswith("<details") and "Show all 30 rows" in html
    assert 'class="cmalt-table cmalt-sortable"' in html and 'type="search"' in html
    assert '<th scope="row">S0</th>' in html


def test_html_table_escapes_values() -> None:
    shown = pd.DataFrame({"Assessor": ["<img src=x onerror=alert(1)>"]})
    html = fmt.html_table(shown, "<b>caption</b>", keys=["Assessor"])
    assert "<img" not in html and "<b>" not in html
