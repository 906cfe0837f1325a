"""Plots of the agreement tables: they draw what they are given, state the finding."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cmalt_qa.plots import plot_agreement_forest, plot_confusion


def _forest_table(paradox=False):
    return pd.DataFrame(
        {
            "section": ["1a", "3b", "P1"],
            "n": [120, 80, 120],
            "kappa_quadratic": [0.61, 0.42, 0.55],
            "kappa_quadratic_ci_low": [0.50, 0.30, 0.45],
            "kappa_quadratic_ci_high": [0.70, 0.55, 0.64],
            "kappa_paradox": [False, paradox, False],
        }
    )


def test_forest_draws_every_group_with_interval_and_n():
    ax = plot_agreement_forest(_forest_table())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["1a (n=120)", "3b (n=80)", "P1 (n=120)"][::-1] or set(labels) == {
        "1a (n=120)",
        "3b (n=80)",
        "P1 (n=120)",
    }
    assert "3b" in ax.get_title() and "0.42" in ax.get_title()
    alt = ax.figure.get_label()
    assert "3b" in alt and "0.30 to 0.55" in alt
    # One errorbar container with three points and their interval bars.
    (container,) = ax.containers
    x = container.lines[0].get_xdata()
    assert sorted(np.round(x, 2)) == [0.42, 0.55, 0.61]


def test_forest_marks_paradox_and_accepts_ax():
    fig, ax = plt.subplots()
    out = plot_agreement_forest(_forest_table(paradox=True), ax=ax)
    assert out is ax
    assert len(ax.containers) == 2
    assert "paradox" in ax.figure.get_label()


def test_forest_other_coefficient_and_errors():
    t = _forest_table().rename(columns=lambda c: c.replace("kappa_quadratic", "ac1"))
    ax = plot_agreement_forest(t, coefficient="ac1")
    assert "AC1" in ax.get_title()
    with pytest.raises(ValueError, match="lacks"):
        plot_agreement_forest(t)  # no kappa_quadratic columns
    with pytest.raises(TypeError):
        plot_agreement_forest([1, 2])


def _confusion_table():
    rows = []
    counts = {"1a": [[10, 3, 0], [2, 30, 4], [0, 5, 6]], "1b": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}
    for s, m in counts.items():
        for i, lead in enumerate("SAR"):
            for j, second in enumerate("SAR"):
                rows.append((s, lead, second, m[i][j]))
    return pd.DataFrame(rows, columns=["section", "lead", "second", "n"])


def test_confusion_heatmap_annotates_counts():
    ax = plot_confusion(_confusion_table(), section="1a")
    texts = [int(t.get_text().replace(",", "")) for t in ax.texts]
    assert sum(texts) == 60 and texts[0] == 10  # S/S top left
    assert "77%" in ax.get_title()  # (10 + 30 + 6) / 60
    assert "lead R, second A (5" in ax.figure.get_label()
    assert ax.images[0].get_cmap().name == "cividis"


def test_confusion_sums_groups_without_section():
    ax = plot_confusion(_confusion_table())
    assert sum(int(t.get_text()) for t in ax.texts) == 63
    with pytest.raises(ValueError, match="no rows"):
        plot_confusion(_confusion_table(), section="9z")


def test_plots_draw_real_tables(sample_records):
    from cmalt_qa import agreement as ag

    ax = plot_agreement_forest(ag.by_section(sample_records, n_boot=50))
    assert len(ax.get_yticklabels()) == 17
    ax = plot_confusion(ag.confusion(sample_records), section="3a")
    assert ax.figure.get_label()


def test_forest_when_every_large_group_has_no_estimate():
    # Every group of HEADLINE_MIN_N+ pairs is suppressed or too few to estimate: the
    # title ranks nothing (no all-NaN nanargmin), small groups are still described.
    t = _forest_table().assign(suppressed=[True, False, False])
    t.loc[0, ["kappa_quadratic", "kappa_quadratic_ci_low", "kappa_quadratic_ci_high"]] = np.nan
    t.loc[2, ["kappa_quadratic", "kappa_quadratic_ci_low", "kappa_quadratic_ci_high"]] = np.nan
    t.loc[1, "n"] = 8
    ax = plot_agreement_forest(t, min_n=10)
    assert "too few to rank" in ax.get_title()
    assert any(x.get_text() == "too few to estimate" for x in ax.texts)
    assert (
        "3b 0.42" in ax.figure.get_label()
        and "1 group has too few pairs to estimate" in ax.figure.get_label()
    )
    assert len(ax.get_yticklabels()) == 3  # no group silently dropped
    # nothing estimable at all
    t.loc[1, ["kappa_quadratic", "kappa_quadratic_ci_low", "kappa_quadratic_ci_high"]] = np.nan
    ax = plot_agreement_forest(t, min_n=10)
    assert "too few to estimate or suppressed" in ax.get_title()
    plt.close("all")
