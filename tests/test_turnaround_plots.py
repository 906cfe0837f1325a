"""Turnaround plots: each draws its table, returns the Axes, states the finding."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_turnaround import make_records

from cmalt_qa import turnaround as ta
from cmalt_qa.plots import turnaround as pt


@pytest.fixture(scope="module")
def recs():
    rng = np.random.default_rng(3)
    rows = []
    for i in range(40):
        sub = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 150)))
        days = int(rng.integers(50, 120))
        res = sub + pd.Timedelta(days=days)
        rows.append({"submission_id": f"s{i:02d}", "submitted_on": sub.date().isoformat(),
                     "result_on": res.date().isoformat(),
                     "pathway": ["ACMALT", "CMALT", "SCMALT"][i % 3]})  # fmt: skip
    return make_records(rows)


def _alt(ax) -> str:
    return ax.get_figure().get_label()


def test_plot_km_curves(recs):
    table = ta.km_curves(recs, by=("window",), as_of="2024-07-01")
    ax = pt.plot_km_curves(table)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert "own due date" in _alt(ax)
    # The title names the group with the lowest share within the promise, the figure of
    # turnaround.summary (each case's own due date), not the curve at a fixed day.
    summary = ta.summary(recs, by=("window",), as_of="2024-07-01").set_index("window")
    worst = summary["within_promise"].idxmin()
    assert worst in ax.get_title()
    assert f"{summary.loc[worst, 'within_promise']:.0%}" in ax.get_title()
    # The promise band spans the cases' own promise lengths (3 calendar months).
    lengths = (recs.submissions["promise_due"] - recs.submissions["submitted_on"]).dt.days
    assert table["promise_days_min"].min() == lengths.min()
    assert table["promise_days_max"].max() == lengths.max()
    _, given = plt.subplots()
    assert pt.plot_km_curves(ta.km_curves(recs, by=(), as_of="2024-07-01"), ax=given) is given


def test_plot_open_cases(recs):
    oc = ta.open_cases(recs, as_of="2024-07-01")
    ax = pt.plot_open_cases(oc)
    n_over = int((oc["status"] == "overdue").sum())
    assert f"{n_over} overdue" in ax.get_title() and str(len(oc)) in ax.get_title()
    assert f"{n_over} past their promise date" in _alt(ax)
    assert len(ax.get_yticks()) == len(oc)


def test_plot_promise_compliance(recs):
    s = ta.summary(recs, by=("pathway",), as_of="2025-01-01")
    ax = pt.plot_promise_compliance(s)
    i = int(np.nanargmin(s["within_promise"]))
    assert s["pathway"].iloc[i] in ax.get_title()
    assert "95% intervals" in _alt(ax)
    with pytest.raises(ValueError, match="lacks column"):
        pt.plot_promise_compliance(s.drop(columns="within_promise_ci_low"))
    with pytest.raises(TypeError):
        pt.plot_open_cases([1, 2])
