"""Done-when of `cmalt-qa forms`: generated forms and log go through `cmalt-qa forms` and
then `cmalt-qa report window` with the same figures as the records they were written from.

The reference is the generator's own records (gaps included) as
`synthetic_forms.as_read` relabels them: identifiers replaced by the pseudonyms the key
gives their names, the assessors of submissions awaiting allocation blank (as the log has
them), the generator's placeholder rating rows of unassessed submissions (nothing rated,
no form) left out, rows in the order `forms` writes them.
Both datasets go through the window report; every table, sentence and figure alt text
must agree (the provenance, which names the data folder and file hashes, aside).
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from cmalt_qa import reports, synthetic
from cmalt_qa import synthetic_forms as sf
from cmalt_qa.anonymise import new_key_file, read_key
from cmalt_qa.cli import main

pytestmark = pytest.mark.slow
N_BOOT = 50


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
    s, r = sf.as_read(c, subs, rats, read_key(key_file))
    s = s.drop(columns="candidate_id")
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
