"""Shared test set-up: a headless matplotlib backend and the sample data."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# Speed is measured in benchmarks, never in timed tests: a shared CI machine must not turn
# a slow example into a failure, so no Hypothesis example has a deadline.
# The same examples on every run: CI on a clean clone must not fail on an example no one
# has seen before (a property found failing there is reproduced locally with
# HYPOTHESIS_PROFILE=explore, which draws new examples each run).
settings.register_profile("cmalt", deadline=None, derandomize=True, print_blob=True)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "cmalt"))

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="session")
def sample_records():
    """The committed sample dataset, loaded once per test session."""
    import cmalt_qa as qa

    return qa.load(SAMPLE)


UX_N_BOOT = "20"


def run_report_all(data: Path, out: Path, *extra: str, periods: int = 1) -> int:
    """``cmalt-qa report all`` through the command line, in-process; its exit status."""
    from cmalt_qa import cli

    argv = ["report", "all", "--data", str(data), "--out", str(out)]
    return cli.main([*argv, "--periods", str(periods), "--n-boot", UX_N_BOOT, *extra])


def build_site(data: Path, out: Path, *extra: str) -> dict:
    """``cmalt-qa report all --periods 1`` through the command line, in-process; returns
    the manifest's reports (stem -> entry) with the HTML path added."""
    import json

    rc = run_report_all(data, out, *extra)
    assert rc == 0, f"report all failed on {data}"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["reports"]
    for stem, e in entries.items():
        e["html"] = out / f"{stem}.html"
    return entries


@pytest.fixture(scope="session")
def report_pages(tmp_path_factory) -> dict:
    """kind -> HTML page of the latest period's reports on the sample (built once)."""
    out = tmp_path_factory.mktemp("site-sample")
    entries = build_site(SAMPLE, out)
    return {e["kind"]: e["html"] for e in entries.values()}


def direct_records(submissions, ratings):
    """Records built without validation, for hand-made or large simulated data (speed)."""
    import pandas as pd

    from cmalt_qa.records import Records
    from cmalt_qa.scheme import default_calendar

    return Records(
        submissions=submissions,
        ratings=ratings,
        assessors=pd.DataFrame(),
        problems=pd.DataFrame(),
        calendar=default_calendar(),
    )
