"""End to end: each report notebook run once through papermill on the sample data.

The three runs are module-scoped (about half a minute in all, with few bootstrap
replicates); every check reads their outputs. One more run, in a subprocess with a hostile
matplotlib and Jupyter set-up, must draw the same figures.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest
from bs4 import BeautifulSoup

import cmalt_qa
from cmalt_qa import reports
from cmalt_qa.reports._html import PLACEHOLDER_ALT, audit_html

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
N_BOOT = 100
MIN_COUNT = 5

PARAMETERS = {
    "window": {"data", "dates", "window", "as_of", "n_boot"},
    "sections": {
        "data",
        "dates",
        "first_window",
        "last_window",
        "pathway",
        "min_count",
        "n_boot",
        "ledger",
        "audit_path",
    },
    "trends": {
        "data",
        "dates",
        "last_window",
        "min_count",
        "n_boot",
        "csv_path",
        "ledger",
        "audit_path",
    },
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """kind -> (html path, parsed page); each notebook executed once."""
    out = tmp_path_factory.mktemp("reports")
    result = {}
    for kind in reports.KINDS:
        html = reports.run_report(kind, data=SAMPLE, out=out, n_boot=N_BOOT, progress=False)
        result[kind] = (html, BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser"))
    return result


def _pngs(soup: BeautifulSoup) -> list[bytes]:
    return [base64.b64decode(img["src"].split(",", 1)[1]) for img in soup.find_all("img")]


@pytest.mark.parametrize("kind", reports.KINDS)
def test_notebooks_document_their_parameters(kind):
    found = pm.inspect_notebook(str(ROOT / "notebooks" / f"{kind}.ipynb"))
    assert set(found) == PARAMETERS[kind]
    assert found["data"]["default"] == '"data/sample"'
    for name, p in found.items():
        assert p["help"], f"{kind}.{name} has no comment saying what it is"
        assert p["inferred_type_name"] in ("str", "int")


@pytest.mark.parametrize("kind", reports.KINDS)
def test_committed_notebooks_have_no_outputs(kind):
    nb = nbformat.read(ROOT / "notebooks" / f"{kind}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


@pytest.mark.parametrize("kind", reports.KINDS)
def test_outputs_are_written_beside_each_other(runs, kind):
    html, _ = runs[kind]
    assert html.name.startswith(f"{kind}-") and html.suffix == ".html"
    executed = nbformat.read(html.with_suffix(".ipynb"), as_version=4)
    assert any(c.get("outputs") for c in executed.cells if c.cell_type == "code")
    if kind == "trends":
        assert html.with_suffix(".csv").exists()


@pytest.mark.parametrize("kind", reports.KINDS)
def test_html_has_no_code_and_passes_the_accessibility_checks(runs, kind):
    html, soup = runs[kind]
    text = html.read_text(encoding="utf-8")
    assert not soup.select(
        ".jp-CodeCell .jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt, .highlight"
    )
    assert "import cmalt_qa" not in text and "reports.setup_notebook" not in text
    assert "Traceback" not in text
    assert soup.html["lang"] == "en"
    assert PLACEHOLDER_ALT not in text
    imgs = soup.find_all("img")
    assert imgs and all(img.get("alt", "").strip() for img in imgs)
    assert audit_html(text) == []


@pytest.mark.parametrize("kind", reports.KINDS)
def test_every_section_has_a_figure(runs, kind):
    _, soup = runs[kind]
    figures: dict[str, int] = {}
    current = None
    for el in soup.find_all(["h2", "img"]):
        if el.name == "h2":
            current = el.get_text(" ", strip=True).rstrip("#").strip()
            figures[current] = 0
        elif current is not None:
            figures[current] += 1
    # The act-now box and the provenance tables are not analyses: no figure expected.
    for box in ("Act now", "Provenance"):
        figures.pop(box, None)
    assert len(figures) >= 3
    assert all(figures.values()), f"sections without a figure: {figures}"


@pytest.mark.parametrize("kind", reports.KINDS)
def test_report_states_its_provenance(runs, kind):
    """The committee and research reports open with their provenance; the staff report
    opens with what to do now and closes with its provenance section (issue 15)."""
    _, soup = runs[kind]
    if kind == "window":
        heading = next(h for h in soup.find_all("h2") if h.get_text().startswith("Provenance"))
        tables = heading.find_all_next("table")
    else:
        tables = soup.find("h2").find_all_previous("table")
    captions = [t.find("caption").get_text() for t in tables]
    assert any(c.startswith("Provenance") for c in captions)
    assert any(c.startswith("Input files") for c in captions)
    text = " ".join(t.get_text(" ", strip=True) for t in tables)
    for name in ("submissions.csv", "ratings.csv", "assessors.csv"):
        digest = hashlib.sha256((SAMPLE / name).read_bytes()).hexdigest()
        assert digest in text
    recs = cmalt_qa.load(SAMPLE)
    if kind == "window":
        assert f"submissions: {len(recs.submissions)}" in text
        assert "Rows quarantined" in text
    else:  # counts through the disclosure step only, with the tables' wording
        rows = next(t for t in tables if t.find("caption").get_text().startswith("Input rows"))
        cells = [c.get_text(strip=True) for c in rows.find_all(["th", "td"])]
        assert "submissions" in cells
        n = len(recs.submissions)
        assert str(n) in cells or f"{n:,}" in cells or "suppressed" in cells
        assert not re.search(r"<\d", text), "the old '<5' display"
    assert f"cmalt-qa {cmalt_qa.__version__}" in text
    assert re.search(r"Generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", text)
    assert f"bootstrap replicates: {N_BOOT}" in text


def test_window_report_is_marked_staff_only(runs):
    _, soup = runs["window"]
    banner = soup.select_one(".cmalt-staff-banner")
    assert banner is not None
    assert "Staff only — contains assessor-level figures; do not publish" in banner.get_text()
    assert banner.find_next("h1") is not None  # at the top, before the title


@pytest.mark.parametrize("kind", ["sections", "trends"])
def test_public_reports_publish_no_small_counts(runs, kind):
    _, soup = runs[kind]
    assert soup.select_one(".cmalt-staff-banner") is None
    cells = [td.get_text(strip=True) for td in soup.find_all("td")]
    assert cells
    small = [c for c in cells if re.fullmatch(r"\d+", c) and 1 <= int(c) < MIN_COUNT]
    assert not small, f"counts below {MIN_COUNT} published: {small}"
    if kind == "sections":  # the sample has small cells there: they read "suppressed"
        assert "suppressed" in cells
    # and no count hides in a longer cell ("3 of 4"), except in the provenance tables
    for table in soup.find_all("table"):
        caption = table.caption.get_text() if table.caption else ""
        if caption.startswith(("Provenance", "Input files")):
            continue
        for td in table.find_all("td"):
            # a number may carry thousands separators ("2,759"); the low end of a
            # percentage interval ("6% (3–14%)") is not a count
            for number in re.findall(r"(?<![\d.,<])\d[\d,]*(?![\d.%\u2013])", td.get_text()):
                value = int(number.rstrip(",").replace(",", ""))
                assert not 1 <= value < MIN_COUNT, (caption, td.get_text())


def test_trends_csv_is_tidy_and_disclosure_controlled(runs):
    html, _ = runs["trends"]
    csv = pd.read_csv(html.with_suffix(".csv"))
    assert {"table", "year", "measure", "value", "suppressed"} <= set(csv.columns)
    assert csv["suppressed"].dtype == bool
    assert csv.loc[csv["suppressed"], "value"].isna().all()
    counts = csv[
        csv["measure"].isin(
            [
                "n",
                "referred",
                "n_distinction",
                "n_pass",
                "n_minor",
                "n_major",
                "returned",
                "open",
                "breaches",
            ]
        )
    ]
    v = counts["value"].dropna()
    assert not ((v >= 1) & (v < MIN_COUNT)).any()


def test_report_renders_the_same_in_a_hostile_environment(runs, tmp_path):
    """A user matplotlibrc, an interactive backend and no Jupyter kernels registered."""
    rc = tmp_path / "matplotlibrc"
    rc.write_text(
        "figure.facecolor: black\naxes.facecolor: yellow\nfont.size: 31\nlines.linewidth: 9\n"
        "figure.dpi: 37\nsavefig.dpi: 41\naxes.prop_cycle: cycler('color', ['ff00ff'])\n"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {
        **os.environ,
        "MPLBACKEND": "TkAgg",
        "MATPLOTLIBRC": str(rc),
        "MPLCONFIGDIR": str(tmp_path),
        "JUPYTER_PATH": str(empty),
        "JUPYTER_DATA_DIR": str(empty),
        "JUPYTER_CONFIG_DIR": str(empty),
        "IPYTHONDIR": str(empty),
        "DISPLAY": "",
    }
    html, soup = runs["window"]
    out = tmp_path / "out"
    cli = Path(sys.executable).with_name("cmalt-qa")
    proc = subprocess.run(
        [
            str(cli),
            "report",
            "window",
            "--data",
            str(SAMPLE),
            "--out",
            str(out),
            "--n-boot",
            str(N_BOOT),
            "--no-progress",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    hostile = BeautifulSoup((out / html.name).read_text(encoding="utf-8"), "html.parser")
    assert _pngs(hostile) == _pngs(soup)
