"""Reduced run of validation/severity.py (the full run: ``make validate-stats``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from validation import severity as V  # noqa: E402


@pytest.fixture(scope="module")
def table():
    return V.run(n_datasets=12, seed=1).set_index(["scenario", "measure"])["value"]


def test_null_and_partner_rarely_flagged(table):
    # Targets <= 0.10; 12 datasets: at most 3 flagged keeps a true rate of 0.10 passing
    # with probability 0.97 and fails a rate of 0.5 with probability 0.98.
    assert table["null", "datasets with anyone flagged"] <= 3 / 12
    assert table["severe_partner", "partner flagged"] <= 3 / 12


def test_severe_lead_found(table):
    assert table["severe_partner", "severe lead flagged"] >= 8 / 12


def test_nominated_seconds_not_blamed(table):
    # 48 assessor-datasets; target 0.15.
    assert table["nominated", "nominated seconds' intervals excluding 0"] <= 0.25


def test_rank_recovery(table):
    spearman = "Spearman(estimated, planted): median [5%, 95% of datasets]"
    assert table["sample_like", spearman] >= 0.85
    assert table["team", spearman] >= 0.85
