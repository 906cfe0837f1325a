"""``cmalt-qa report all``: every period's reports, an index, incremental rebuilds (issue 15.5)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import thin_data
from conftest import run_report_all

from cmalt_qa import cli
from cmalt_qa.reports._site import MANIFEST

pytestmark = pytest.mark.slow


def _run(data: Path, out: Path, *extra: str) -> int:
    return run_report_all(data, out, *extra, periods=3)


def _built(capsys) -> list[str]:
    err = capsys.readouterr().err
    return sorted(
        Path(line.split()[1]).stem
        for line in err.splitlines()
        if line.startswith("wrote ")
        and line.split()[1].endswith(".html")
        and "index.html" not in line
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return thin_data.small(tmp_path_factory.mktemp("site-data"), 120)


def test_site_builds_then_rebuilds_only_what_changed(data, tmp_path, capsys) -> None:
    site = tmp_path / "site"
    assert _run(data, site) == 0
    first = _built(capsys)
    manifest = json.loads((site / MANIFEST).read_text())["reports"]
    assert len(first) == len(manifest) == 5  # three periods, sections, trends
    index = (site / "index.html").read_text(encoding="utf-8")
    for stem in manifest:
        assert f'href="{stem}.html"' in index
    assert "staff only" in index and "for publication" in index
    assert "Returned within the promise" in index and "First-attempt referral rate" in index

    # Nothing changed: nothing rebuilt.
    assert _run(data, site) == 0
    assert _built(capsys) == []

    # A new export: one more result in the latest period. The latest period, the
    # committee and research reports are rebuilt; the earliest period is not.
    subs = pd.read_csv(data / "submissions.csv", dtype=str, keep_default_na=False)
    latest = max(e["params"]["window"] for e in manifest.values() if e["kind"] == "window")
    earliest = min(e["params"]["window"] for e in manifest.values() if e["kind"] == "window")
    new = subs.iloc[[-1]].copy()
    new["submission_id"], new["portfolio_id"] = "S99999", "P99999"
    new["attempt"], new["submission_type"] = "1", "first"
    new["allocated_on"] = new["assessed_on"] = new["result_on"] = new["outcome"] = ""
    pd.concat([subs, new]).to_csv(data / "submissions.csv", index=False)
    assert _run(data, site) == 0
    rebuilt = _built(capsys)
    kinds = {s.split("-")[0] for s in rebuilt}
    assert {"sections", "trends", "window"} <= kinds
    assert any(s.startswith(f"window-{latest}") for s in rebuilt)
    assert not any(s.startswith(f"window-{earliest}") for s in rebuilt)

    # Other parameters: everything rebuilt.
    assert _run(data, site, "--min-count", "7") == 0
    assert set(_built(capsys)) >= {s for s in manifest if not s.startswith("window")}


def test_report_all_refuses_single_report_options(data, tmp_path, capsys) -> None:
    assert (
        cli.main(
            ["report", "all", "--data", str(data), "--out", str(tmp_path), "--window", "2026-09"]
        )
        == 2
    )
    assert "does not apply" in capsys.readouterr().err


def test_a_failed_report_is_shown_failed_not_linked(data, tmp_path, capsys, monkeypatch) -> None:
    # The first window report fails (as a notebook cell would); the others "build".
    from cmalt_qa.reports import _site

    def run_jobs(todo, site, *, workers, log):
        bad = next(j for j in todo if j.kind == "window")
        return [
            {"stem": j.stem, "error": "cell 7 failed: ValueError: <b>boom</b>"}
            if j is bad
            else {"stem": j.stem, "seconds": 0.0, "problems": []}
            for j in todo
        ]

    monkeypatch.setattr(_site, "run_jobs", run_jobs)
    site = tmp_path / "site"
    assert _run(data, site) == 1
    err = capsys.readouterr().err
    (line,) = [x for x in err.splitlines() if x.startswith("cmalt-qa report all: failed: ")]
    stem = line.split()[4].rstrip(":")
    assert "ValueError" in line and "1 FAILED" in err
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f'href="{stem}.html"' not in index  # no link to a report that was not written
    assert "1 report failed to build" in index and "failed to build" in index
    assert "cell 7 failed: ValueError: &lt;b&gt;boom&lt;/b&gt;" in index  # the reason, escaped
    assert stem not in json.loads((site / MANIFEST).read_text())["reports"]  # rebuilt next run
