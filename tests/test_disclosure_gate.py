"""The report run refuses to write a published report whose disclosure audit fails
(issue 12): no HTML at --out, and the command line says why, naming the table, without
echoing a hidden value.

The audit is made to fail the way a careless edit of the notebook would: the notebook
run is the real sections notebook with one cell added after its parameters (papermill
runs it in the report's own kernel), or with its disclosure step cut off from the
runner. The runner, the gate and the command line are the real ones.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

import cmalt_qa as qa
from cmalt_qa import cli
from cmalt_qa.reports import _runner

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
PERIOD = "2026-05"

# Primary suppression only (what table-by-table suppression would print): the report's
# own audit must then fail on the sample's one-period sections report.
PRIMARY_ONLY = """\
from cmalt_qa.disclosure import Disclosure as _D
_protect = _D.protect
_D.protect = lambda self, **kw: _protect(self, **{**kw, "secondary": False})
"""


def _notebook(tmp_path: Path, *, extra: str = "", edit: tuple[str, str] | None = None) -> Path:
    nb = nbformat.read(ROOT / "notebooks" / "sections.ipynb", as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    if extra:
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(extra))
    if edit:
        for c in nb.cells:
            c.source = c.source.replace(*edit)
    path = tmp_path / "sections.ipynb"
    nbformat.write(nb, path)
    return path


def _run(monkeypatch, capsys, notebook: Path, out: Path) -> tuple[int, str]:
    monkeypatch.setattr(_runner, "notebook_path", lambda kind: notebook)
    argv = ["report", "sections", "--data", str(SAMPLE), "--window", PERIOD]
    argv += ["--first-window", PERIOD, "--out", str(out), "--n-boot", "20", "--no-progress"]
    status = cli.main(argv)
    return status, capsys.readouterr().err


def _hidden_small_values() -> set[int]:
    span = qa.load(SAMPLE).select(PERIOD, PERIOD)
    rates = qa.referrals.by_section(span, n_boot=10)
    return {int(v) for v in rates[["n", "referred"]].to_numpy().ravel() if 0 < v < 5}


def test_a_failed_audit_writes_no_report_and_says_why(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    status, err = _run(monkeypatch, capsys, _notebook(tmp_path, extra=PRIMARY_ONLY), out)
    assert status == 1
    assert not list(out.glob("*.html")), "a report whose audit failed was written"
    assert not list(out.glob("*.disclosure.*")), "the failed audit's intervals were kept"
    assert not (out / "published-ledger.json").exists()
    assert list(out.glob("*.failed.ipynb"))  # kept for whoever investigates
    last = err.strip().splitlines()[-1] if err.strip() else ""
    assert "disclosure audit failed" in err, err
    assert re.search(r"table \w+, row [^,]+", err), f"no table named: {err}"
    # The cell is named by its table, row keys and column; the interval a reader could
    # narrow it to (which, when too narrow, is the hidden value itself) is not printed.
    assert not re.search(r"\d+(\.\d+)? \.\. \d", err), err
    assert "narrowed to an interval" in err or "recovered exactly" in err, err
    assert "partial notebook kept" in err or "kept" in last
    assert _hidden_small_values()  # the sample has small counts in this period


def test_a_notebook_that_skips_the_audit_writes_no_report(tmp_path, monkeypatch, capsys):
    # The disclosure step runs but writes no audit for the runner (a notebook edited
    # by hand): the runner's own gate refuses.
    nb = _notebook(tmp_path, edit=("audit_path=audit_path", 'audit_path=""'))
    out = tmp_path / "out"
    status, err = _run(monkeypatch, capsys, nb, out)
    assert status == 1
    assert not list(out.glob("*.html"))
    assert "disclosure audit did not run" in err, err
    assert list(out.glob("*.failed.ipynb"))


def test_the_gate_refuses_a_recorded_failure_and_drops_its_intervals(tmp_path):
    audit = tmp_path / "sections-x.disclosure.json"
    audit.write_text(json.dumps({"passed": False, "cells": []}), encoding="utf-8")
    audit.with_suffix(".csv").write_text("table,lower,upper\nrates,3,3\n", encoding="utf-8")
    partial = tmp_path / ".partial.ipynb"
    partial.write_text("{}", encoding="utf-8")
    with pytest.raises(_runner.ReportFailed, match="disclosure audit"):
        _runner._check_disclosure("sections", audit, partial, tmp_path / "x.failed.ipynb")
    assert (tmp_path / "x.failed.ipynb").exists()
    assert not audit.exists() and not audit.with_suffix(".csv").exists()
