"""The published reports attacked the way issue 12 lists: parse the written HTML, collect
the numbers, and solve for every hidden count (scipy's linprog, written here apart from
the package's own audit). Small synthetic datasets (600 and 900 submissions), one-period
and one-pathway reports, ``--min-count 10``; and the ledger across two overlapping
periods."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from scipy.optimize import linprog

import cmalt_qa as qa
from cmalt_qa import reports
from cmalt_qa.disclosure import DisclosureError, Ledger
from cmalt_qa.reports import _published as rt

pytestmark = pytest.mark.slow
M = 10  # --min-count
N_BOOT = 20


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Two synthetic datasets and the reports written from them."""
    root = tmp_path_factory.mktemp("disclosure")
    qa.synthetic.generate(600, seed=3, out=root / "d600")
    qa.synthetic.generate(900, seed=4, out=root / "d900")
    recs600 = qa.load(root / "d600")
    last = sorted(recs600.submissions["window"].dropna().astype(str).unique())[-2]
    out = root / "out"
    common = dict(out=out, min_count=M, n_boot=N_BOOT, progress=False)
    sec = reports.run_report(
        "sections", data=root / "d600", window=last, first_window=last, pathway="CMALT", **common
    )
    tr = reports.run_report("trends", data=root / "d900", **common)
    return {
        "root": root,
        "out": out,
        "sections": sec,
        "trends": tr,
        "last": last,
        "recs600": recs600,
    }


# --------------------------------------------------------------------------- parsing
def _cell(text: str) -> str:
    """A printed count without its thousands separators ("1,204" -> "1204")."""
    return text.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", text) else text


def _tables(html) -> dict[str, pd.DataFrame]:
    """Every table by caption, its columns named by the analysis column each heading shows
    (``data-col``; people read the label), its cells as printed."""
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    out = {}
    for t in soup.find_all("table", class_="cmalt-table"):
        cap = t.find("caption").get_text()
        head = [th.get("data-col") or th.get_text() for th in t.find("thead").find_all("th")]
        rows = [
            [_cell(c.get_text()) for c in tr.find_all(["th", "td"])]
            for tr in t.find("tbody").find_all("tr")
        ]
        out[cap] = pd.DataFrame(rows, columns=head)
    return out


def _find(tables, start):
    hits = [v for k, v in tables.items() if k.startswith(start)]
    return hits[0] if hits else None


class Attack:
    """A reader's linear system: every printed number fixed, every hidden one unknown."""

    def __init__(self):
        self.names: list[str] = []
        self.eq: list[tuple[dict[int, float], float]] = []
        self.ub: list[tuple[dict[int, float], float]] = []

    def term(self, text: str, name: str):
        """A printed count (a number) or a hidden one (an unknown's index)."""
        if text == "suppressed":
            self.names.append(name)
            return len(self.names) - 1
        return float(text)

    def equal(self, lhs, rhs_terms):
        """lhs = sum(rhs_terms); each a number or an unknown's index."""
        coef, const = {}, 0.0
        for t, sign in [(lhs, 1.0), *[(r, -1.0) for r in rhs_terms]]:
            if isinstance(t, int):
                coef[t] = coef.get(t, 0.0) + sign
            else:
                const -= sign * t
        if coef:
            self.eq.append((coef, const))

    def at_most(self, a, b):
        """a <= b."""
        coef, const = {}, 0.0
        for t, sign in ((a, 1.0), (b, -1.0)):
            if isinstance(t, int):
                coef[t] = coef.get(t, 0.0) + sign
            else:
                const -= sign * t
        if coef:
            self.ub.append((coef, const))

    def ranges(self) -> dict[str, tuple[float, float]]:
        n = len(self.names)
        a_eq = np.zeros((len(self.eq), n))
        b_eq = np.array([c for _, c in self.eq])
        for r, (coef, _) in enumerate(self.eq):
            for j, v in coef.items():
                a_eq[r, j] = v
        a_ub = np.zeros((len(self.ub), n))
        b_ub = np.array([c for _, c in self.ub])
        for r, (coef, _) in enumerate(self.ub):
            for j, v in coef.items():
                a_ub[r, j] = v
        out = {}
        for k, name in enumerate(self.names):
            lim = []
            for sign in (1, -1):
                c = np.zeros(n)
                c[k] = sign
                res = linprog(
                    c,
                    A_eq=a_eq if len(self.eq) else None,
                    b_eq=b_eq if len(self.eq) else None,
                    A_ub=a_ub if len(self.ub) else None,
                    b_ub=b_ub if len(self.ub) else None,
                    bounds=[(1, 1e6)] * n,
                    method="highs",
                )
                assert res.status == 0, res.message
                lim.append(sign * res.fun)
            out[name] = (lim[0], lim[1])
        return out


def _no_small_count_printed(tables):
    for cap, t in tables.items():
        if cap.startswith(("Provenance", "Input files", "Quarantined")):
            continue
        for col in t.columns[1:]:
            for v in t[col]:
                if re.fullmatch(r"\d+", v) and 0 < int(v) < M and "median" not in col:
                    raise AssertionError(f"{cap}: a count {v} below {M} is printed in {col}")


# --------------------------------------------------------------------------- the tests
def test_audits_passed_and_the_ledger_holds_no_hidden_value(small):
    led = json.loads((small["out"] / Ledger.NAME).read_text())
    entries = [e for es in led["datasets"].values() for e in es]
    assert {e["kind"] for e in entries} == {"sections", "trends"}
    for e in entries:
        assert all(c["value"] is None or c["value"] == 0 or c["value"] >= M for c in e["cells"])
    assert not list(small["out"].glob("*.disclosure.json"))  # consumed by the runner
    audits = list(small["out"].glob("*.disclosure.csv"))
    assert len(audits) == 2
    for a in audits:
        t = pd.read_csv(a)
        assert t["protected"].all() and (t.loc[t["sensitive"], "width"] >= M).all()


def test_one_period_one_pathway_sections_report_resists_the_attacks(small):
    tables = _tables(small["sections"])
    _no_small_count_printed(tables)
    rates = _find(tables, "Referral rate by section")
    gaps = _find(tables, "Elements lacking")
    res = _find(tables, "How disagreements")
    att = Attack()
    for _, r in rates.iterrows():
        s = r.iloc[0]
        n, k = att.term(r["n"], f"rates {s} n"), att.term(r["referred"], f"rates {s} referred")
        att.at_most(k, n)
        g = gaps[gaps.iloc[:, 0] == s]
        if len(g):
            g = g.iloc[0]
            gn, gr = att.term(g["n"], f"gaps {s} n"), att.term(g["n_r"], f"gaps {s} R")
            rec = att.term(g["n_gaps_recorded"], f"gaps {s} rec")
            att.equal(gn, [n])
            att.equal(gr, [k])
            att.at_most(rec, gr)
            for e in ("description", "evidence", "reflection"):
                att.at_most(att.term(g[e], f"gaps {s} {e}"), rec)
    for (s, cls), g in res.groupby([res.columns[0], res.columns[1]]):
        dis = att.term(g["n_disagreements"].iloc[0], f"res {s} disagreements")
        att.equal(dis, [att.term(v, f"res {s} {cls} {i}") for i, v in enumerate(g["n"])])
    truth = qa.referrals.by_section(
        reports.subset(small["recs600"], small["last"], small["last"], "CMALT"), n_boot=10
    )
    ranges = att.ranges()
    for _, row in truth.iterrows():
        for col, name in (("referred", "referred"), ("n", "n")):
            key = f"rates {row['section']} {name}"
            if 0 < row[col] < M:
                lo, hi = ranges[key]
                assert hi - lo >= M, f"{key} recovered within {lo}..{hi}"


def _trends_attack(tables) -> Attack:
    """Parts within rows (outcomes, turnaround) and the year / year x pathway margins."""
    yearly = _find(tables, "First-submission outcomes by year")
    by_p = _find(tables, "First-attempt referral rate by year and pathway")
    turn = _find(tables, "Turnaround by year")
    att = Attack()
    cells = {}
    for _, r in yearly.iterrows():
        y = r.iloc[0]
        v = {
            c: att.term(r[c], f"year {y} {c}")
            for c in ("n", "n_distinction", "n_pass", "n_minor", "n_major", "referred")
        }
        cells[y] = v
        att.equal(v["n"], [v["n_distinction"], v["n_pass"], v["referred"]])
        att.equal(v["referred"], [v["n_minor"], v["n_major"]])
    for y, g in by_p.groupby(by_p.columns[0]):
        ns = [att.term(x, f"yp {y} {p} n") for p, x in zip(g.iloc[:, 1], g["n"])]
        ks = [att.term(x, f"yp {y} {p} k") for p, x in zip(g.iloc[:, 1], g["referred"])]
        att.equal(cells[y]["n"], ns)
        att.equal(cells[y]["referred"], ks)
    for _, r in turn.iterrows():
        y = r.iloc[0]
        att.equal(
            att.term(r["n"], f"turn {y} n"),
            [att.term(r["returned"], f"turn {y} ret"), att.term(r["open"], f"turn {y} open")],
        )
    return att


OUTCOME_COLS = ("n_distinction", "n_pass", "n_minor", "n_major", "referred")


def _narrowed(ranges, truth) -> list[str]:
    bad = []
    for _, row in truth.iterrows():
        for c in OUTCOME_COLS:
            key = f"year {int(row['year'])} {c}"  # a row read whole is all floats
            if 0 < row[c] < M and key in ranges and ranges[key][1] - ranges[key][0] < M:
                bad.append(f"{key} = {row[c]} within {ranges[key]}")
    return bad


def test_trends_report_resists_parts_and_margins(small):
    tables = _tables(small["trends"])
    _no_small_count_printed(tables)
    truth = qa.referrals.outcomes(qa.load(small["root"] / "d900"), by=("year",))
    ranges = _trends_attack(tables).ranges()
    assert any(k.startswith("year ") for k in ranges)  # small counts are hidden, and attacked
    assert _narrowed(ranges, truth) == []


def test_the_html_attack_finds_a_planted_leak(small):
    # Print every secondary suppression of the outcome tables with its true value (what
    # table-by-table suppression would print): the same attack must then narrow a small
    # count. The attack is not blind.
    tables = _tables(small["trends"])
    recs = qa.load(small["root"] / "d900")
    yearly = _find(tables, "First-submission outcomes by year")
    by_p = _find(tables, "First-attempt referral rate by year and pathway")
    truth = qa.referrals.outcomes(recs, by=("year",))
    truth_p = qa.referrals.outcomes(recs, by=("year", "pathway"))
    for i, r in yearly.iterrows():
        t = truth[truth["year"].astype(str) == r.iloc[0]].iloc[0]
        for c in ("n", *OUTCOME_COLS):
            if r[c] == "suppressed" and not 0 < t[c] < M:
                yearly.loc[i, c] = str(int(t[c]))
    for i, r in by_p.iterrows():
        t = truth_p[(truth_p["year"].astype(str) == r.iloc[0]) & (truth_p["pathway"] == r.iloc[1])]
        for c, col in (("n", "n"), ("referred", "referred")):
            if r[c] == "suppressed" and not 0 < t[col].iloc[0] < M:
                by_p.loc[i, c] = str(int(t[col].iloc[0]))
    if not (yearly == "suppressed").any().any():
        pytest.skip("nothing small is hidden in the outcome tables of this dataset")
    assert _narrowed(_trends_attack(tables).ranges(), truth)


def test_the_attack_recovers_a_planted_leak(small):
    # Primary suppression only, on the same data: the audit names the cell it recovers.
    span = reports.subset(qa.load(small["root"] / "d900"), last_window=None)
    with pytest.raises(DisclosureError, match=r"table \w+, row .+, column \w+"):
        rt.trends_report(
            span,
            scope={"first_window": None, "last_window": None, "pathway": None},
            min_count=M,
            n_boot=10,
            secondary=False,
        )


def test_overlapping_periods_are_audited_together(small):
    # A second sections report, one period later, audited against the first via the ledger.
    windows = sorted(small["recs600"].submissions["window"].dropna().astype(str).unique())
    nxt = windows[-1]
    html = reports.run_report(
        "sections",
        data=small["root"] / "d600",
        window=nxt,
        first_window=small["last"],
        pathway="CMALT",
        out=small["out"],
        min_count=M,
        n_boot=N_BOOT,
        progress=False,
    )
    first = _tables(small["sections"])
    second = _tables(html)
    _no_small_count_printed(second)
    r1, r2 = (_find(t, "Referral rate by section") for t in (first, second))
    r1, r2 = r1.set_index(r1.columns[0]), r2.set_index(r2.columns[0])
    for s in r1.index.intersection(r2.index):
        for c in ("n", "referred"):
            a, b = r1.loc[s, c], r2.loc[s, c]
            if a != "suppressed" and b != "suppressed":
                d = int(b) - int(a)
                assert not 0 < d < M, f"section {s} {c}: the difference {d} is a small count"
    led = json.loads((small["out"] / Ledger.NAME).read_text())
    assert len([e for es in led["datasets"].values() for e in es if e["kind"] == "sections"]) == 2
