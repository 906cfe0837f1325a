"""The top of the published reports (issue 13's banner, issue 12's provenance counts)
and the ledger across report kinds (issue 12, item 5)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import cmalt_qa as qa
from cmalt_qa.disclosure import Disclosure
from cmalt_qa.reports import _published as rt
from cmalt_qa.reports import _published_top as top
from tests.thin_data import SAMPLE


def _published(recs, min_count=5):
    d = Disclosure(min_count)
    top.add_input_rows(d, recs)
    return d.protect()


def _with_bad_dates(tmp_path, n_bad: int):
    subs = pd.read_csv(SAMPLE / "submissions.csv", dtype=str, keep_default_na=False)
    newest = subs.sort_values("submitted_on", kind="stable").index[-n_bad:]
    subs.loc[newest, "pathway"] = "NOPE"  # an unknown pathway: the rows are left out
    subs.to_csv(tmp_path / "submissions.csv", index=False)
    for f in ("ratings.csv", "assessors.csv"):
        (tmp_path / f).write_bytes((SAMPLE / f).read_bytes())
    return qa.load(tmp_path)


def test_the_banner_counts_rows_left_out_through_the_disclosure_step(tmp_path):
    recs = _with_bad_dates(tmp_path, 100)
    rep = _published(recs)
    left = top.input_rows(recs)
    assert left["left_out"].sum() == len(recs.problems.drop_duplicates(["file", "row"]))
    html = top.published_notices_html(rep, recs, {"last_window": "2026-05"})
    text = re.sub(r"<[^>]+>", "", html)
    n = int(left["left_out"].sum())
    assert f"{n:,} input rows were left out of the figures" in text
    assert "cmalt-qa validate" in text
    assert "these figures cover periods up to 2026-05 although the data run to 2026-09" in text
    last = qa.reports.latest_date(recs)  # freshness: the last date of the rows used
    assert f"Data as of {last}" in text and str(last) < "2026-09-20"


def test_a_small_count_of_rows_left_out_is_suppressed(tmp_path):
    recs = _with_bad_dates(tmp_path, 3)
    rep = _published(recs)
    shown = rep.table(top.INPUT_TABLE).shown
    assert shown.loc[0, "left_out"] == "suppressed"
    html = top.published_notices_html(rep, recs, {"last_window": "2026-09"})
    assert "how many is suppressed" in html
    assert not re.search(r"\b3 input rows", html)
    assert rep.audit()["protected"].all()


def test_no_left_out_paragraph_when_nothing_was_left_out():
    recs = qa.load(SAMPLE)
    html = top.published_notices_html(_published(recs), recs, {"last_window": "2026-09"})
    assert "left out" not in html and "Data as of 2026-09-20" in html


# --------------------------------------------------------------------------- ledger
M = 10


@pytest.fixture(scope="module")
def d600(tmp_path_factory):
    out = tmp_path_factory.mktemp("d600")
    qa.synthetic.generate(600, seed=3, out=out)
    recs = qa.load(out)
    return recs, rt.data_sha256(recs)


def _entry(rep, kind, scope, sha):
    return {"report": f"{kind}-x", "kind": kind, "scope": scope, "data_sha256": sha,
            "cells": rep.ledger_cells(), "min_count": M}  # fmt: skip


def _rests(sections, trends_cells, last: str) -> list[tuple[str, str, float]]:
    """What a reader subtracts: each trends year minus the sections p chart's periods
    of that year, where every one of them is printed."""
    chart = sections.values("p_chart")
    out = []
    for c in trends_cells:
        if c["table"] != "outcomes_by_year" or c["column"] not in ("n", "referred"):
            continue
        year, col = c["row"]["year"], {"n": "n", "referred": "k"}[c["column"]]
        rows = chart[chart["window"].astype(str).str[:4] == year]
        rows = rows[rows["window"].astype(str) <= last]
        if len(rows) and c["value"] is not None and rows[col].notna().all():
            out.append((year, c["column"], c["value"] - rows[col].sum()))
    return out


def test_a_sections_report_is_audited_against_a_trends_report_of_the_same_data(d600):
    recs, sha = d600
    t_scope = {"first_window": None, "last_window": None, "pathway": None}
    trends = rt.trends_report(recs.select(last_window=None), scope=t_scope, min_count=M,
                              n_boot=10, inputs=recs)  # fmt: skip
    s_scope = {"first_window": "2024-01", "last_window": "2026-05", "pathway": None}
    span = recs.select("2024-01", "2026-05", None)
    alone = rt.sections_report(span, scope=s_scope, min_count=M, n_boot=10, inputs=recs)
    cells = trends.ledger_cells()
    leaks = [r for r in _rests(alone, cells, "2026-09") if 0 < r[2] < M]
    # Without the link, the trends year minus the sections periods gives the rest of
    # the year (the 2026-09 period here), a small count: the case the link is for.
    assert leaks, "no cross-kind difference on this dataset: the test would be vacuous"
    entry = _entry(trends, "trends", {**t_scope, "last_window": "2026-09"}, sha)
    linked = rt.sections_report(span, scope=s_scope, min_count=M, n_boot=10,
                                previous=[entry], data_sha256=sha, inputs=recs)  # fmt: skip
    assert [r for r in _rests(linked, cells, "2026-09") if 0 < r[2] < M] == []
    assert linked.audit()["protected"].all()
    # and the submissions number and the input rows are linked too
    assert any(c["table"] == "text" and c["column"] == "submissions" for c in cells)


def test_a_trends_report_is_audited_against_a_sections_report_of_the_same_data(d600):
    recs, sha = d600
    s_scope = {"first_window": "2024-01", "last_window": "2026-05", "pathway": None}
    span = recs.select("2024-01", "2026-05", None)
    sections = rt.sections_report(span, scope=s_scope, min_count=M, n_boot=10, inputs=recs)
    entry = _entry(sections, "sections", s_scope, sha)
    t_scope = {"first_window": None, "last_window": None, "pathway": None}
    trends = rt.trends_report(recs.select(last_window=None), scope=t_scope, min_count=M,
                              n_boot=10, previous=[entry], data_sha256=sha,
                              inputs=recs)  # fmt: skip
    pub = [{**c, "value": c["value"]} for c in trends.ledger_cells()]
    sec = sections.values("p_chart")
    for year, col, rest in _rests(sections, pub, "2026-09"):
        assert not 0 < rest < M, f"{year} {col}: the rest {rest} is a small count"
    assert len(sec) and trends.audit()["protected"].all()
