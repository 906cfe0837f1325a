"""Plots of the referrals tables: each draws its table, states the finding, sets alt text."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from test_referrals import recs  # noqa: F401  (fixture)

from cmalt_qa import referrals as rf
from cmalt_qa.plots import referrals as pr


def _check(ax, *words):
    assert isinstance(ax, Axes)
    title = ax.get_title()
    alt = ax.figure.get_label()
    assert title and alt
    for w in words:
        assert w in title or w in alt, (w, title, alt)


def test_plot_section_rates(recs):  # noqa: F811
    t = rf.by_section(recs)
    ax = pr.plot_section_rates(t)
    _check(ax, "3a", "50%")
    # by pathway: one series per pathway, on a given Axes
    _, given = plt.subplots()
    out = pr.plot_section_rates(rf.by_section(recs, by=("pathway", "section")), ax=given)
    assert out is given and len(out.get_legend().get_texts()) == 3


def test_plot_gaps(recs):  # noqa: F811
    ax = pr.plot_gaps(rf.gaps(recs, by=("section",)))
    _check(ax, "Reflection")
    with pytest.raises(ValueError, match="one row per section"):
        pr.plot_gaps(pd.concat([rf.gaps(recs, by=("section",))] * 2))


def test_plot_outcomes(recs):  # noqa: F811
    ax = pr.plot_outcomes(rf.outcomes(recs, by=("window",)))
    _check(ax, "67%", "0%", "fell")
    with pytest.raises(ValueError):
        pr.plot_outcomes(rf.outcomes(recs, by=("window", "pathway")))


def _outcomes_table(labels, rates, n=(40, 50, 60)):
    n = np.asarray(n[: len(rates)])
    t = pd.DataFrame({"n": n, "rate": rates})
    for o, share in (("distinction", 0.1), ("pass", 0.5), ("minor", 0.2), ("major", 0.2)):
        t[f"share_{o}"] = share
    return t.assign(**labels)


def test_plot_outcomes_keeps_integer_years():
    # An all-numeric table read row by row turns the year into a float ("2019.0").
    t = _outcomes_table({"year": [2019, 2020, 2021]}, [0.30, 0.35, 0.25])
    ax = pr.plot_outcomes(t, x="year")
    text = ax.get_title() + " " + ax.figure.get_label()
    assert "2019" in text and "2021" in text and ".0" not in text.replace("n=", "")
    assert "fell from 30% to 25%" in ax.get_title()
    assert "(n=40) in 2019" in ax.figure.get_label()


def test_plot_outcomes_by_group_names_highest_and_lowest():
    t = _outcomes_table({"pathway": ["ACMALT", "CMALT", "SCMALT"]}, [0.30, 0.45, 0.20])
    ax = pr.plot_outcomes(t, x="pathway")
    title = ax.get_title()
    assert not any(w in title for w in ("rose", "fell", "held", " from "))
    assert "highest for CMALT (45%)" in title and "lowest for SCMALT (20%)" in title
    assert "CMALT: 45% (n=50)" in ax.figure.get_label()


def test_plot_p_chart_marks_special_causes():
    windows = [f"{y}-{m:02d}" for y in range(2019, 2023) for m in (1, 5, 9)]
    k = np.array([10, 11, 9, 10, 40, 10, 11, 9, 10, 12, 10, 9])
    chart = rf._spc.p_chart(k, np.full(12, 100), baseline=np.arange(12) != 4)
    chart.insert(0, "window", windows)
    ax = pr.plot_p_chart(chart)
    _check(ax, "special cause", windows[4])
    # flagged point drawn with a different marker AND colour
    markers = {tuple(np.round(c.get_facecolor()[0], 3)): c for c in ax.collections}
    assert len(markers) == 2
    per_section = pd.concat([chart.assign(section="3a"), chart.assign(section="3b")])
    with pytest.raises(ValueError, match="section="):
        pr.plot_p_chart(per_section)
    _check(pr.plot_p_chart(per_section, section="3b"), "Section 3b")


def test_plot_funnel(recs):  # noqa: F811
    t = rf.funnel(recs, "sector")
    ax = pr.plot_funnel(t, curve=rf.funnel_curve(t["centre"].iloc[0], 5))
    _check(ax, "sector", "none")
    with pytest.raises(ValueError, match="lacks"):
        pr.plot_funnel(t.drop(columns=["upper_95"]))
