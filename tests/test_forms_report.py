"""Done-when of `cmalt-qa forms`: generated forms and log go through `cmalt-qa forms` and
then `cmalt-qa report window` with the same figures as the records they were written from.

The reference is the generator's own records as `synthetic.write_csvs` writes them (gaps
included), with the identifiers replaced by the pseudonyms the key gives their names, the
assessors of submissions awaiting allocation left blank (as the log has them), and the
generator's placeholder rating rows of unassessed submissions (nothing rated) left out,
since no form exists for them. Both datasets go through the window report; every table, sentence and figure
alt text must agree (the provenance, which names the data folder and file hashes, aside).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from cmalt_qa import reports, scheme, synthetic
from cmalt_qa import synthetic_forms as sf
from cmalt_qa.anonymise import new_key_file, pseudonym, read_key
from cmalt_qa.cli import main

pytestmark = pytest.mark.slow
N_BOOT = 50


def _relabelled(c: sf.FormCorpus, subs: pd.DataFrame, rats: pd.DataFrame, key: bytes):
    name = subs["portfolio_id"].map(c.candidates)
    start = subs[subs["attempt"] == "1"].set_index("portfolio_id")["submitted_on"]
    cycle = subs["portfolio_id"].map(start).fillna(subs["submitted_on"])
    sid = [
        pseudonym(f"{n} {d}", key, "submission", "S") for n, d in zip(name, subs["submitted_on"])
    ]
    s = subs.copy()
    s["submission_id"] = sid
    s["portfolio_id"] = [pseudonym(f"{n} {d}", key, "portfolio", "P") for n, d in zip(name, cycle)]
    allocated = subs["allocated_on"] != ""
    for col in ("lead_assessor", "second_assessor"):
        s[col] = [
            pseudonym(c.assessors[a], key, "assessor", "A") if ok else ""
            for a, ok in zip(subs[col], allocated)
        ]
    r = rats[(rats[["lead", "second", "final"]] != "").any(axis=1)].copy()
    r["submission_id"] = r["submission_id"].map(dict(zip(subs["submission_id"], sid)))
    # rows in the order `forms` writes them: agreement.by_section's bootstrap intervals
    # currently depend on input row order (a shuffle moves them), so the same records in
    # another order would not give the same intervals
    s = s.sort_values(["submitted_on", "submission_id"], kind="stable")
    r = r.assign(order=r["section"].map(scheme.SECTIONS.index))
    r = r.sort_values(["submission_id", "order"], kind="stable").drop(columns="order")
    return s, r


def _figures(html: str) -> list[str]:
    """Every table, heading, paragraph and figure alt text, provenance left out."""
    soup = BeautifulSoup(html, "html.parser")
    for table in soup.find_all("table"):
        caption = table.caption.get_text() if table.caption else ""
        if caption.startswith(("Provenance", "Input files")):
            table.decompose()
    parts = [
        el.get_text(" ", strip=True) for el in soup.find_all(["h1", "h2", "h3", "p", "li", "table"])
    ]
    parts += [img.get("alt", "") for img in soup.find_all("img")]
    return [re.sub(r"\s+", " ", p) for p in parts if "data/" not in p and "/tmp" not in p]


def test_forms_then_window_report_give_the_records_figures(tmp_path):
    c, subs, rats = sf.generate_forms(500, tmp_path / "corpus", seed=5, since="2025-06-01")
    key_file = new_key_file(tmp_path / "key.txt")
    code = main(
        [
            "forms",
            str(c.forms),
            "--log",
            str(c.log),
            "--key-file",
            str(key_file),
            "--out",
            str(tmp_path / "from_forms"),
        ]
    )
    assert code == 0
    s, r = _relabelled(c, subs, rats, read_key(key_file))
    (tmp_path / "records").mkdir()
    for name, df in (("submissions", s), ("ratings", r)):  # as synthetic.write_csvs writes them
        df.to_csv(tmp_path / "records" / f"{name}.csv", index=False, lineterminator="\n")
    as_of = synthetic.AS_OF.isoformat()
    pages = {}
    for name in ("records", "from_forms"):
        html = reports.run_report(
            "window",
            data=tmp_path / name,
            as_of=as_of,
            out=tmp_path / f"report-{name}",
            n_boot=N_BOOT,
            progress=False,
        )
        pages[name] = _figures(html.read_text(encoding="utf-8"))
    assert len(pages["records"]) > 20
    assert pages["from_forms"] == pages["records"]
