"""Pseudonymising a raw export: keyed, stable, and never writing an identifier out."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest

import cmalt_qa as qa
from cmalt_qa import anonymise as an
from cmalt_qa import cli

FIRST = ["Alice", "Bilal", "Chen", "Dafydd", "Eilidh", "Fatima", "Gareth", "Hannah"]
LAST = ["Archer", "Begum", "Clarke", "Davies", "Evans", "Fraser", "Gupta", "Hughes"]


def _raw_export(folder: Path, seed: int = 2, n: int = 90) -> dict[str, list[str]]:
    """A generated dataset dressed up as a raw export with names, e-mails and links.

    Returns the identifying strings written, by kind.
    """
    subs, rats, asrs, _ = qa.synthetic.generate_frames(n, seed)
    ids = sorted(asrs["assessor_id"])
    name = {a: f"{FIRST[i % 8]} {LAST[(i // 8) % 8]}" for i, a in enumerate(ids)}
    email = {
        a: f"{name[a].lower().replace(' ', '.')}{i}@uni{i}.example.ac.uk" for i, a in enumerate(ids)
    }
    # assessors as e-mails in one file, names in the other: both are identifiers
    subs["lead_assessor"] = subs["lead_assessor"].map(name)
    subs["second_assessor"] = subs["second_assessor"].map(name)
    asrs["assessor_id"] = asrs["assessor_id"].map(name)
    asrs["assessor_email"] = [email[a] for a in ids]
    cand = {p: f"Candidate {LAST[i % 8]}{i}" for i, p in enumerate(subs["portfolio_id"].unique())}
    subs["candidate_name"] = subs["portfolio_id"].map(cand)
    subs["candidate_email"] = (
        subs["candidate_name"].str.lower().str.replace(" ", ".") + "@college.example.org"
    )
    subs["portfolio_link"] = "https://sites.example.com/" + subs["portfolio_id"].str.lower()
    subs["comments"] = "Well done " + subs["candidate_name"]
    original = subs["submission_id"].copy()
    subs["submission_id"] = (
        "form-" + subs["candidate_name"].str.replace(" ", "_") + "-" + subs["attempt"]
    )
    rat_map = dict(zip(original, subs["submission_id"]))
    rats["submission_id"] = rats["submission_id"].map(rat_map)
    subs.drop(columns="portfolio_id").to_csv(folder / "submissions.csv", index=False)
    rats.to_csv(folder / "ratings.csv", index=False)
    asrs.rename(columns={"assessor_id": "Assessor ID"}).to_csv(
        folder / "assessors.csv", index=False
    )
    return {
        "names": list(name.values()) + list(cand.values()),
        "emails": list(email.values()) + list(subs["candidate_email"]),
        "links": list(subs["portfolio_link"]),
        "submission_ids": list(subs["submission_id"]),
    }


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> tuple[Path, dict[str, list[str]]]:
    folder = tmp_path_factory.mktemp("raw")
    return folder, _raw_export(folder)


@pytest.fixture
def key(tmp_path) -> Path:
    return an.new_key_file(tmp_path / "secret.key")


def _out_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()))


def test_no_raw_identifier_in_output(raw, key, tmp_path):
    folder, idents = raw
    raw_bytes = _out_bytes(folder).lower()
    assert all(v.lower().encode() in raw_bytes for vs in idents.values() for v in vs)
    with pytest.raises(qa.RecordsError):  # the raw export is refused by the loader
        qa.load(folder)
    out = tmp_path / "out"
    report = an.anonymise(folder, key, out)
    data = _out_bytes(out).lower()
    for kind, values in idents.items():
        for v in set(values):
            assert v.lower().encode() not in data, (kind, v)
    assert b"@" not in data and b"http" not in data
    for name in FIRST + LAST:  # not even a fragment of a name
        assert name.lower().encode() not in data
    assert sorted(p.name for p in out.iterdir()) == [
        "assessors.csv",
        "ratings.csv",
        "submissions.csv",
    ]
    assert {"candidate_name", "candidate_email", "portfolio_link", "comments"} <= set(
        report.dropped["submissions.csv"]
    )
    assert report.dropped["assessors.csv"] == ["assessor_email"]
    assert report.portfolio_source == "portfolio_link"
    summary = report.summary()
    assert "@" not in summary and "Alice" not in summary


def test_output_is_valid_pseudonymous_data(raw, key, tmp_path):
    folder, _ = raw
    an.anonymise(folder, key, tmp_path / "out")
    recs = qa.load(tmp_path / "out")
    assert recs.problems.empty
    assert len(recs.submissions) == 90
    s = recs.submissions
    assert s["lead_assessor"].str.fullmatch(r"A[0-9a-f]{12}").all()
    assert s["submission_id"].str.fullmatch(r"S[0-9a-f]{12}").all()
    # one portfolio key for a first attempt and its resubmission
    assert s.groupby("portfolio_id")["attempt"].apply(lambda a: sorted(a) in ([1], [1, 2])).all()
    # assessor keys agree between submissions.csv and assessors.csv
    assert set(s["lead_assessor"]) | set(s["second_assessor"]) <= set(recs.assessors["assessor_id"])
    assert set(recs.ratings["submission_id"]) == set(s["submission_id"])


def test_same_key_same_pseudonyms_other_key_differs(raw, key, tmp_path):
    folder, _ = raw
    an.anonymise(folder, key, tmp_path / "a")
    an.anonymise(folder, key, tmp_path / "b")
    assert _out_bytes(tmp_path / "a") == _out_bytes(tmp_path / "b")
    other = an.new_key_file(tmp_path / "other.key")
    an.anonymise(folder, other, tmp_path / "c")
    a = pd.read_csv(tmp_path / "a" / "assessors.csv")["assessor_id"]
    c = pd.read_csv(tmp_path / "c" / "assessors.csv")["assessor_id"]
    assert not set(a) & set(c)


def test_stable_across_exports(tmp_path, key):
    """An assessor keeps one pseudonym across two separate exports (another window)."""
    k = an.read_key(key)
    assert an.pseudonym("Jane Smith", k, "assessor", "A") == an.pseudonym(
        "  jane   SMITH ", k, "assessor", "A"
    )
    assert an.pseudonym("Jane Smith", k, "assessor", "A") != an.pseudonym(
        "Jane Smith", k, "portfolio", "A"
    )
    e1, e2 = tmp_path / "e1", tmp_path / "e2"
    e1.mkdir(), e2.mkdir()
    _raw_export(e1, seed=5, n=40)
    _raw_export(e2, seed=6, n=40)
    an.anonymise(e1, key, tmp_path / "o1")
    an.anonymise(e2, key, tmp_path / "o2")
    a1 = pd.read_csv(tmp_path / "o1" / "assessors.csv")["assessor_id"]
    a2 = pd.read_csv(tmp_path / "o2" / "assessors.csv")["assessor_id"]
    assert set(a1) == set(a2)  # the same 40 names in both exports


def test_pseudonyms_are_hmac_sha256(key):
    import hashlib
    import hmac

    k = an.read_key(key)
    expected = "P" + hmac.new(k, b"portfolio\x00x-1", hashlib.sha256).hexdigest()[:12]
    assert an.pseudonym("X-1", k, "portfolio", "P") == expected


def test_refuses_without_a_usable_key(raw, tmp_path):
    folder, _ = raw
    with pytest.raises(an.AnonymiseError, match="not found"):
        an.anonymise(folder, tmp_path / "missing.key", tmp_path / "out")
    (tmp_path / "empty.key").write_text("\n")
    with pytest.raises(an.AnonymiseError, match="empty"):
        an.anonymise(folder, tmp_path / "empty.key", tmp_path / "out")
    (tmp_path / "short.key").write_text("hunter2\n")
    with pytest.raises(an.AnonymiseError, match="too short"):
        an.anonymise(folder, tmp_path / "short.key", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_new_key_file(tmp_path):
    p = an.new_key_file(tmp_path / "k")
    assert len(an.read_key(p)) == 64
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    with pytest.raises(an.AnonymiseError, match="refusing to overwrite"):
        an.new_key_file(p)
    assert an.read_key(an.new_key_file(tmp_path / "k2")) != an.read_key(p)


def test_blanks_identifiers_in_kept_columns_and_refuses_bad_folders(tmp_path, key):
    raw = tmp_path / "raw"
    raw.mkdir()
    subs, rats, _, _ = qa.synthetic.generate_frames(20, seed=1)
    subs.loc[0, "sector"] = "someone@example.org"
    subs.to_csv(raw / "submissions.csv", index=False)
    rats.to_csv(raw / "ratings.csv", index=False)
    report = an.anonymise(raw, key, tmp_path / "out")
    assert report.blanked == {"submissions.csv:sector": 1}
    assert b"someone" not in _out_bytes(tmp_path / "out")
    with pytest.raises(an.AnonymiseError, match="differ"):
        an.anonymise(raw, key, raw)
    (raw / "ratings.csv").unlink()
    with pytest.raises(an.AnonymiseError, match="ratings.csv is missing"):
        an.anonymise(raw, key, tmp_path / "out2")


def test_cli_anonymise(raw, tmp_path, capsys):
    folder, idents = raw
    keyfile, out = tmp_path / "cli.key", tmp_path / "cli-out"
    argv = ["anonymise", str(folder), "--key-file", str(keyfile), "--out", str(out)]
    assert cli.main(argv) == 1  # no key yet
    err = capsys.readouterr().err
    assert "key file" in err and "Traceback" not in err and not out.exists()
    assert cli.main([*argv, "--new-key"]) == 0
    text = capsys.readouterr().out
    assert "Created a new key" in text and "dropped: " in text
    assert not any(v in text for v in idents["names"] + idents["emails"])
    first = _out_bytes(out)
    assert cli.main(argv) == 0  # same key again: same bytes
    assert _out_bytes(out) == first
    assert cli.main([*argv, "--new-key"]) == 1  # never overwrites a key
    assert "refusing to overwrite" in capsys.readouterr().err


def test_cli_anonymise_reads_a_workbook_as_load_does(raw, key, tmp_path, capsys):
    folder, idents = raw
    book = tmp_path / "export.xlsx"
    with pd.ExcelWriter(book) as w:
        for name in ("submissions", "ratings", "assessors"):
            df = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
            if name == "submissions":  # dates as a spreadsheet holds them
                df["submitted_on"] = pd.to_datetime(df["submitted_on"])
            df.to_excel(w, sheet_name=name.title(), index=False)
    argv = ["anonymise", str(book), "--key-file", str(key), "--out", str(tmp_path / "o")]
    assert cli.main(argv) == 0
    from_csv = an.anonymise(folder, key, tmp_path / "o-csv")
    assert from_csv.rows == an.anonymise(book, key, tmp_path / "o2").rows
    assert _out_bytes(tmp_path / "o") == _out_bytes(tmp_path / "o-csv")
    assert not any(v.encode() in _out_bytes(tmp_path / "o") for v in idents["emails"])
    capsys.readouterr()


def test_cli_anonymise_neutralises_formulas_and_refuses_a_stale_assessors_file(
    tmp_path, key, capsys
):
    raw = tmp_path / "raw"
    raw.mkdir()
    subs, rats, asrs, _ = qa.synthetic.generate_frames(20, seed=1)
    attacks = ["=cmd|' /C calc'!A0", "+1+1", "@SUM(1,2)", "-2+3", "\tx", "\rx"]
    subs.loc[: len(attacks) - 1, "sector"] = attacks
    subs.to_csv(raw / "submissions.csv", index=False)
    rats.to_csv(raw / "ratings.csv", index=False)
    out = tmp_path / "out"
    assert cli.main(["anonymise", str(raw), "--key-file", str(key), "--out", str(out)]) == 0
    written = pd.read_csv(out / "submissions.csv", dtype=str, keep_default_na=False)
    for cell in written["sector"]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert written["sector"].iloc[0] == "'=cmd|' /C calc'!A0"
    # an assessors.csv left by an earlier run (another export, perhaps another key)
    asrs.to_csv(out / "assessors.csv", index=False)
    before = _out_bytes(out)
    assert cli.main(["anonymise", str(raw), "--key-file", str(key), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "assessors.csv" in err and "earlier run" in err and "Traceback" not in err
    assert _out_bytes(out) == before


def test_cli_sample_refuses_a_non_empty_folder(tmp_path, capsys):
    out = tmp_path / "data"
    out.mkdir()
    (out / "submissions.csv").write_text("real data\n")
    assert cli.main(["sample", "--out", str(out), "--n", "30"]) == 1
    err = capsys.readouterr().err
    assert "not empty" in err and "--force" in err
    assert (out / "submissions.csv").read_text() == "real data\n"
    assert cli.main(["sample", "--out", str(out), "--n", "30", "--force"]) == 0
    assert (out / "submissions.csv").read_text() != "real data\n"
