"""``cmalt-qa report --dates`` (issue 13 item 1), through the command line.

A copy of a small synthetic dataset with its dates rewritten day first (dd/mm/yyyy) gives
the same report as the ISO original; ``--dates monthfirst`` on unambiguous day-first data
is refused with the loader's message before anything runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from cmalt_qa import cli, synthetic

DATE_COLUMNS = ("submitted_on", "allocated_on", "assessed_on", "result_on")


@pytest.fixture(scope="module")
def iso_and_dayfirst(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("dates")
    iso = root / "iso"
    synthetic.generate(160, seed=5, out=iso)
    uk = root / "uk"
    shutil.copytree(iso, uk)
    subs = pd.read_csv(uk / "submissions.csv", dtype=str, keep_default_na=False)
    for c in DATE_COLUMNS:
        d = pd.to_datetime(subs[c].replace("", None), format="%Y-%m-%d")
        subs[c] = d.dt.strftime("%d/%m/%Y").fillna("")
    assert subs["submitted_on"].str[:2].astype(int).gt(12).any()  # day first beyond doubt
    subs.to_csv(uk / "submissions.csv", index=False)
    return iso, uk


def _figures(data: Path, out: Path, *extra: str) -> str:
    argv = ["report", "window", "--data", str(data), "--out", str(out), "--n-boot", "20",
            "--no-progress", *extra]  # fmt: skip
    assert cli.main(argv) == 0
    (html,) = out.glob("window-*.html")
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    heading = soup.find(id="act-now")
    assert heading is not None
    tables = [t.get_text(" ", strip=True) for t in soup.select("table.cmalt-table")]
    # the provenance tables name the folder, the files' checksums and the time: not figures
    tables = [t for t in tables if "Generated" not in t and "sha256" not in t]
    assert len(tables) >= 3
    return "\n".join([heading.parent.get_text(" ", strip=True), *tables])


def test_day_first_dates_give_the_same_report(iso_and_dayfirst, tmp_path):
    iso, uk = iso_and_dayfirst
    want = _figures(iso, tmp_path / "iso")
    assert _figures(uk, tmp_path / "auto") == want
    assert _figures(uk, tmp_path / "dayfirst", "--dates", "dayfirst") == want


def test_month_first_on_day_first_data_is_refused(iso_and_dayfirst, tmp_path, capsys):
    _, uk = iso_and_dayfirst
    argv = ["report", "trends", "--data", str(uk), "--out", str(tmp_path), "--dates", "monthfirst"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"cmalt-qa report: error: {uk}: no valid submission is left")
    assert "Traceback" not in err and err.count("\n") == 1
    assert "--dates monthfirst" in err and "submitted_on value in submissions.csv" in err, err
    assert f"`cmalt-qa validate {uk} --dates monthfirst` lists each row" in err
    assert not list(tmp_path.iterdir())
