"""Hostile data values never become markup in a report (issue 18 item 1).

Every assessor key and submission key of the sample is replaced by an HTML payload; the
staff window report, run through the command line, must show them as text only.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from cmalt_qa import cli

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def _hostile_copy(out: Path) -> Path:
    subs = pd.read_csv(SAMPLE / "submissions.csv", dtype=str, keep_default_na=False)
    rats = pd.read_csv(SAMPLE / "ratings.csv", dtype=str, keep_default_na=False)
    asrs = pd.read_csv(SAMPLE / "assessors.csv", dtype=str, keep_default_na=False)
    a_key = {a: f"<img src=x onerror=alert({i})>" for i, a in enumerate(asrs["assessor_id"])}
    s_key = {s: f"<script>alert('{i}')</script>" for i, s in enumerate(subs["submission_id"])}
    asrs["assessor_id"] = asrs["assessor_id"].map(a_key)
    for col in ("lead_assessor", "second_assessor"):
        subs[col] = subs[col].map(lambda v: a_key.get(v, v))
    subs["submission_id"] = subs["submission_id"].map(s_key)
    rats["submission_id"] = rats["submission_id"].map(s_key)
    out.mkdir()
    subs.to_csv(out / "submissions.csv", index=False)
    rats.to_csv(out / "ratings.csv", index=False)
    asrs.to_csv(out / "assessors.csv", index=False)
    return out


def test_html_payloads_in_keys_give_a_report_without_live_markup(tmp_path, capsys):
    data = _hostile_copy(tmp_path / "hostile")
    code = cli.main(
        [
            "report",
            "window",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "out"),
            "--n-boot",
            "50",
            "--no-progress",
        ]  # fmt: skip
    )
    err = capsys.readouterr().err
    assert code == 0, err
    page = next((tmp_path / "out").glob("window-*.html")).read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "html.parser")
    for tag in soup.find_all(True):
        handlers = [a for a in tag.attrs if a.lower().startswith("on")]
        assert not handlers, f"<{tag.name}> carries an event handler: {handlers}"
        if tag.name == "img":
            assert tag.get("src", "").startswith("data:image/png;base64,")
    for script in soup.find_all("script"):
        assert "alert(" not in script.get_text(), "a payload became a live script"
    text = soup.get_text(" ")
    # The payloads are there, as text: at least in the tables of assessors and open cases.
    assert re.search(r"<img src=x onerror=alert\(\d+\)>", text)
    assert re.search(r"<script>alert\('\d+'\)</script>", text)
