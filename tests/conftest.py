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
settings.register_profile("cmalt", deadline=None)
settings.load_profile("cmalt")

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
