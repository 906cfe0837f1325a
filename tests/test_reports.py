"""Disclosure control, parameter checks, the command line and the HTML checks of reports.

The end-to-end runs of the three notebooks are in ``test_reports_notebooks.py``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest

from cmalt_qa import reports
from cmalt_qa._stats import SUPPRESSED, disclose, suppression_mask
from cmalt_qa.disclosure import PublishedTable
from cmalt_qa.reports import _params
from cmalt_qa.reports._html import PLACEHOLDER_ALT, audit_html

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


# --------------------------------------------------------------------------- disclosure
def test_primary_suppression_small_counts_and_zero_stays_zero():
    t = pd.DataFrame({"g": ["a", "b", "c", "d"], "n": [0, 1, 4, 5]})
    shown = disclose(t, ["n"])
    assert shown["n"].tolist() == ["0", "<5", "<5", "5"]
    assert shown["g"].tolist() == ["a", "b", "c", "d"]
    # min_count is a parameter
    assert disclose(t, ["n"], min_count=3)["n"].tolist() == ["0", "<3", "4", "5"]


def test_rates_from_suppressed_counts_are_suppressed():
    t = pd.DataFrame(
        {
            "section": ["1a", "1b", "1c"],
            "n": [12, 30, 40],
            "referred": [2, 9, 0],
            "rate": [2 / 12, 9 / 30, 0.0],
        }
    )
    shown = disclose(t, ["n", "referred"], derived={"rate": "referred"}, formats={"rate": "{:.0%}"})
    assert shown["referred"].tolist() == ["<5", "9", "0"]
    assert shown["rate"].tolist() == [SUPPRESSED, "30%", "0%"]  # zero stays zero
    assert shown["n"].tolist() == ["12", "30", "40"]


def test_complement_of_a_suppressed_cell_is_suppressed():
    # n = referred + not_referred: hiding referred alone would leave n - not_referred.
    t = pd.DataFrame({"n": [10, 40, 20], "referred": [3, 0, 8], "not_referred": [7, 40, 12]})
    mask = suppression_mask(
        t, ["n", "referred", "not_referred"], parts={"n": ["referred", "not_referred"]}
    )
    assert mask["referred"].tolist() == [True, False, False]
    assert mask["not_referred"].tolist() == [True, False, False]  # the complement
    assert mask["n"].tolist() == [False, False, False]
    shown = disclose(
        t, ["n", "referred", "not_referred"], parts={"n": ["referred", "not_referred"]}
    )
    assert shown.iloc[0].tolist() == ["10", "<5", SUPPRESSED]
    assert shown.iloc[1].tolist() == ["40", "0", "40"]  # zero is not a suppressed cell


def test_implicit_complement_small_hides_the_count():
    # 97 referred of 100 tells the reader that 3 were not.
    t = pd.DataFrame({"n": [100, 100], "referred": [97, 90], "rate": [0.97, 0.9]})
    shown = disclose(
        t,
        ["n", "referred"],
        derived={"rate": "referred"},
        subsets={"referred": "n"},
        formats={"rate": "{:.0%}"},
    )
    assert shown["referred"].tolist() == [SUPPRESSED, "90"]
    assert shown["rate"].tolist() == [SUPPRESSED, "90%"]
    # all referred: the complement is 0, nothing to hide
    t2 = pd.DataFrame({"n": [50], "referred": [50]})
    assert disclose(t2, ["n", "referred"], subsets={"referred": "n"})["referred"].tolist() == ["50"]


def test_row_total_cannot_reveal_a_lone_suppressed_cell():
    # categories with a published total: the next-smallest non-zero cell goes too
    t = pd.DataFrame(
        {
            "year": [2020, 2021, 2022],
            "total": [60, 60, 3],
            "a": [2, 20, 3],
            "b": [40, 20, 0],
            "c": [18, 20, 0],
        }
    )
    parts = {"total": ["a", "b", "c"]}
    mask = suppression_mask(t, ["total", "a", "b", "c"], parts=parts)
    assert mask.loc[0, ["a", "b", "c"]].tolist() == [True, False, True]  # 18 < 40
    assert not mask.loc[0, "total"]
    assert not mask.loc[1, ["a", "b", "c", "total"]].any()
    # a lone non-zero cell beside zeros: hide the total instead (zeros stay zero)
    assert mask.loc[2, ["total", "a", "b", "c"]].tolist() == [True, True, False, False]
    shown = disclose(t, ["total", "a", "b", "c"], parts=parts)
    assert shown.loc[0].tolist() == ["2020", "60", "<5", "40", SUPPRESSED]
    assert shown.loc[2].tolist() == ["2022", "<5", "<5", "0", "0"]


def test_nested_margins_hold_together():
    # n = distinction + pass + referred and referred = minor + major
    t = pd.DataFrame(
        {
            "n": [71],
            "n_distinction": [4],
            "n_pass": [51],
            "referred": [16],
            "n_minor": [12],
            "n_major": [4],
        }
    )
    parts = {"n": ["n_distinction", "n_pass", "referred"], "referred": ["n_minor", "n_major"]}
    mask = suppression_mask(t, list(t.columns), parts=parts).iloc[0]
    assert mask["n_distinction"] and mask["n_major"]
    assert mask["referred"]  # else n - pass - referred gives distinction back
    # minor may stay: distinction + referred = 20 and referred = 12 + major leave
    # distinction + major = 8 with both hidden, so neither is determined
    assert not mask["n_minor"] and not mask["n"] and not mask["n_pass"]
    shown_numbers = [int(v) for v, h in zip(t.iloc[0], mask[t.columns]) if not h]
    assert all(not 1 <= v < 5 for v in shown_numbers)


def test_disclosure_rejects_unknown_columns_and_bad_min_count():
    t = pd.DataFrame({"n": [3]})
    with pytest.raises(KeyError, match="nope"):
        disclose(t, ["nope"])
    with pytest.raises(ValueError, match="min_count"):
        disclose(t, ["n"], min_count=0)


def test_disclosed_refuses_staff_tables_and_hides_values():
    t = pd.DataFrame({"assessor_id": ["A1"], "n": [10], "k": [2]})
    t.attrs["audience"] = "staff"
    with pytest.raises(ValueError, match="staff-only"):
        reports.disclosed(t, "x", counts=["n", "k"])
    t.attrs.clear()
    d = reports.disclosed(t, "caption", counts=["n", "k"])
    assert d.keys == ("assessor_id",)
    assert np.isnan(d.values.loc[0, "k"]) and d.values.loc[0, "n"] == 10
    assert isinstance(d, PublishedTable)  # one published-table type for every report
    html = reports.published_html(d, reports.disclosed_note(d.min_count))
    assert "<caption>caption</caption>" in html and 'scope="col"' in html and 'scope="row"' in html


def test_export_tables_is_tidy_and_hides_suppressed(tmp_path):
    t = pd.DataFrame(
        {"year": [2020, 2021], "n": [40, 50], "referred": [3, 20], "rate": [3 / 40, 0.4]}
    )
    d = reports.disclosed(t, "c", counts=["n", "referred"], derived={"rate": "referred"})
    out = pd.read_csv(reports.export_tables({"t": d}, tmp_path / "x.csv"))
    assert list(out.columns) == ["table", "year", "measure", "value", "suppressed"]
    assert len(out) == 2 * 3
    hidden = out[out["suppressed"]]
    assert set(hidden["measure"]) == {"referred", "rate"} and hidden["value"].isna().all()
    assert out.loc[(out["year"] == 2021) & (out["measure"] == "referred"), "value"].item() == 20


# --------------------------------------------------------------------------- notebook helpers
def test_show_refuses_a_figure_without_alt_text():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="text alternative"):
        reports.show(ax)


def test_setup_notebook_resets_user_style():
    import matplotlib as mpl

    mpl.rcParams["axes.facecolor"] = "red"
    mpl.rcParams["font.size"] = 31
    reports.setup_notebook()
    assert mpl.rcParams["axes.facecolor"] == "white"
    assert mpl.rcParams["font.size"] == reports.REPORT_RC["font.size"]


def test_audit_html_finds_problems():
    bad = (
        "<html><body><h2>a</h2><h1>t</h1><h1>u</h1><h4>x</h4>"
        f'<img src="x.png"><img src="y.png" alt="{PLACEHOLDER_ALT}">'
        "<table><tr><th>h</th></tr></table></body></html>"
    )
    problems = " | ".join(audit_html(bad))
    for needle in (
        "lang",
        "image 1 has no alt",
        "placeholder",
        "exactly one <h1>",
        "first heading",
        "<h1> followed by <h4>",
        "no caption",
        "without scope",
    ):
        assert needle in problems
    good = (
        '<html lang="en"><body><h1>t</h1><h2>a</h2><img alt="finding">'
        '<table><caption>c</caption><tr><th scope="col">h</th></tr></table></body></html>'
    )
    assert audit_html(good) == []


# --------------------------------------------------------------------------- parameters
@pytest.fixture(scope="module")
def recs():
    import cmalt_qa as qa

    return qa.load(SAMPLE)


def test_resolve_defaults_come_from_the_data(recs):
    windows = sorted(recs.submissions["window"].unique())
    p = reports.resolve("window", recs)
    assert p["window"] == windows[-1]
    assert p["as_of"] == reports.latest_date(recs).isoformat()
    s = reports.resolve("sections", recs)
    assert s["last_window"] == windows[-1] and s["first_window"] == windows[-reports.SECTIONS_SPAN]
    assert s["pathway"] is None
    assert reports.resolve("sections", recs, pathway="cmalt")["pathway"] == "CMALT"
    assert reports.resolve("trends", recs) == {
        "first_window": windows[0],
        "last_window": windows[-1],
    }


@pytest.mark.parametrize(
    ("kind", "kwargs", "message"),
    [
        ("weekly", {}, "unknown report 'weekly'; reports: window, sections, trends"),
        ("window", {"window": "1999-01"}, "windows in the data: 2019-01"),
        ("window", {"as_of": "20/10/2026"}, "--as-of must be an ISO date"),
        ("sections", {"pathway": "PhD"}, "unknown pathway 'PhD'; pathways: ACMALT, CMALT, SCMALT"),
        ("sections", {"first_window": "2026-09", "window": "2025-01"}, "is after the last window"),
        ("trends", {"as_of": "2026-01-01"}, "--as-of applies to the window report only"),
    ],
)
def test_resolve_rejects_bad_parameters(recs, kind, kwargs, message):
    with pytest.raises(reports.ReportError) as err:
        reports.resolve(kind, recs, **kwargs)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "weekly", "--data", str(SAMPLE)], "reports: window, sections, trends"),
        (
            ["report", "window", "--data", str(SAMPLE), "--window", "2031-05"],
            "windows in the data: 2019-01, 2019-05",
        ),
        (
            ["report", "window", "--data", "/no/such/folder"],
            "/no/such/folder: no such folder or workbook",
        ),
    ],
)
def test_cli_bad_parameters_exit_nonzero_with_message(argv, message, capsys, tmp_path):
    from cmalt_qa.cli import main

    status = main([*argv, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status != 0
    assert message in err
    assert "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing ran, nothing written


def test_failing_cell_names_the_cell_and_keeps_the_partial_notebook(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell(
        'data: str = ""\nwindow: str = ""\nas_of: str = ""\nn_boot: int = 1'
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell("print('first cell ran')"),
        nbformat.v4.new_code_cell("raise ValueError('no such section: 9z')"),
        nbformat.v4.new_code_cell("print('never')"),
    ]
    (tmp_path / "nb").mkdir()
    nbformat.write(nb, tmp_path / "nb" / "window.ipynb")
    monkeypatch.setattr(_params, "_NOTEBOOK_DIRS", (tmp_path / "nb",))
    with pytest.raises(reports.ReportFailed) as err:
        reports.run_report("window", data=SAMPLE, out=tmp_path / "out", progress=False)
    msg = str(err.value)
    assert "ValueError: no such section: 9z" in msg
    assert f"cell {err.value.cell_index}" in msg and "raise ValueError" in msg
    partial = nbformat.read(err.value.notebook, as_version=4)
    outputs = [o for c in partial.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any("first cell ran" in o.get("text", "") for o in outputs)
    assert any(o.get("ename") == "ValueError" for o in outputs)
    assert err.value.notebook.name.endswith(".failed.ipynb")
    # the failed run wrote no report, and left no half-written file behind
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [err.value.notebook.name]


def test_long_titles_are_wrapped_to_stay_on_the_figure():
    """Titles state findings and can be long; with a fixed figure size (no tight bbox)
    they must be wrapped rather than cut off at the figure's edges."""
    import matplotlib.pyplot as plt

    from cmalt_qa.reports import _helpers

    fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
    ax.set_yticks([0, 1], ["a very long tick label (n=3,221)", "b"])
    ax.set_title("Quadratic-weighted kappa: lowest for 2022 (0.53), highest for 2019 (0.56)")
    _helpers._wrap_titles(fig)
    fig.draw_without_rendering()
    box = ax.title.get_window_extent(fig.canvas.get_renderer())
    assert "\n" in ax.title.get_text()
    assert box.x0 >= fig.bbox.x0 and box.x1 <= fig.bbox.x1
    short, ax2 = plt.subplots(figsize=(5, 3))
    ax2.set_title("Short")
    _helpers._wrap_titles(short)
    assert ax2.title.get_text() == "Short"
