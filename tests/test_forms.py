"""cmalt-qa forms: completed Word assessment forms + submission log -> records.

The corpus is written by cmalt_qa.synthetic_forms from synthetic.generate_frames records,
with the variations assessors produce; reading it back must give the same records (up to
the keyed pseudonyms, recomputed here from the names the writer gave).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import cmalt_qa as qa
from cmalt_qa import forms, scheme, synthetic
from cmalt_qa import synthetic_forms as sf
from cmalt_qa._forms_docx import parse_day_first, parse_rating
from cmalt_qa.anonymise import AnonymiseError, new_key_file, read_key
from cmalt_qa.cli import main

N = 500  # drawn; only the portfolios first submitted since SINCE are written (~60 rows)
SEED = 5
SINCE = "2025-06-01"
OUTPUTS = ("submissions.csv", "ratings.csv", "comments.csv", "problems.csv")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("forms")
    c, subs, rats = sf.generate_forms(N, root / "corpus", seed=SEED, since=SINCE)
    key = new_key_file(root / "key.txt")
    result = forms.read_forms(c.forms, c.log, key, out=root / "out")
    return {"root": root, "corpus": c, "subs": subs, "rats": rats, "key": key, "result": result}


def _expected(
    c: sf.FormCorpus, subs: pd.DataFrame, rats: pd.DataFrame, key_file: Path
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The records written, with the keys forms.read_forms derives from the names."""
    s, r = sf.as_read(c, subs, rats, read_key(key_file))
    return s[forms.SUBMISSION_COLUMNS], r.assign(gaps="")[forms.RATING_COLUMNS]


# --------------------------------------------------------------------------- values
@pytest.mark.parametrize("typed, code", [
    ("S", "S"), (" s ", "S"), ("Strong.", "S"), ("STRONG", "S"), ("a.", "A"), ("Adequate", "A"),
    ("R", "R"), ("revisions required", "R"), ("Revisions Required.", "R"), ("Strong (S)", "S"),
    ("", None), ("  ", None),
])  # fmt: skip
def test_ratings_as_typed(typed, code):
    assert parse_rating(typed) == code


@pytest.mark.parametrize("typed", ["A/S", "?", "A or S", "Strong (A)", "pass", "SA"])
def test_not_one_rating_is_refused(typed):
    with pytest.raises(ValueError):
        parse_rating(typed)


@pytest.mark.parametrize("typed, day", [
    ("05/04/2025", dt.date(2025, 4, 5)), ("05.04.2025", dt.date(2025, 4, 5)),
    ("5 April 2025", dt.date(2025, 4, 5)), ("7th March 2025", dt.date(2025, 3, 7)),
    ("5/4/25", dt.date(2025, 4, 5)), ("2025-04-05", dt.date(2025, 4, 5)),
    ("1st of Sept 2024", dt.date(2024, 9, 1)), ("March 7th, 2025", dt.date(2025, 3, 7)),
    ("Friday 7 March 2025", dt.date(2025, 3, 7)), ("", None),
    (dt.datetime(2025, 4, 5, 0, 0), dt.date(2025, 4, 5)),
])  # fmt: skip
def test_day_first_dates(typed, day):
    assert parse_day_first(typed) == day


@pytest.mark.parametrize("typed", ["31/02/2025", "next week", "2025", "13/13/2025", "5 Foo 2025"])
def test_bad_dates_are_refused(typed):
    with pytest.raises(ValueError):
        parse_day_first(typed)


def test_every_row_label_maps_to_a_section():
    mapped = {s for _, _, s in scheme.FORM_ROWS}
    assert mapped == set(scheme.SECTIONS)


# --------------------------------------------------------------------------- round trip
def test_forms_read_back_as_the_records_written(corpus):
    res = corpus["result"]
    assert res.problems.empty, res.problems.to_string()
    subs, rats = _expected(corpus["corpus"], corpus["subs"], corpus["rats"], corpus["key"])
    pd.testing.assert_frame_equal(res.submissions, subs)
    pd.testing.assert_frame_equal(res.ratings, rats)


def test_corpus_has_the_variations(corpus):
    c = corpus["corpus"]
    subs = corpus["subs"]
    assert set(subs["pathway"]) == set(scheme.PATHWAYS)
    assert (subs["attempt"] == "2").any() and (subs["assessed_on"] == "").any()
    assert (subs["allocated_on"] == "").any()  # awaiting allocation: blank assessors in the log
    assert len(c.files) == int((subs["assessed_on"] != "").sum())
    assert c.log.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r\n" in c.log.read_bytes()


def _awaiting_allocation_refused(recs: qa.Records) -> bool:
    """The loader before CONTRACT allowed blank assessors awaiting allocation (h-loader)."""
    p = recs.problems
    return not p.empty and set(p["column"]) <= {"lead_assessor", "second_assessor"}


def test_output_loads_without_problems(corpus):
    recs = qa.load(corpus["root"] / "out")
    if _awaiting_allocation_refused(recs):
        pytest.xfail("the loader does not yet accept submissions awaiting allocation")
    assert recs.problems.empty, recs.problems.to_string()
    assert len(recs.submissions) == len(corpus["subs"])


def test_open_submissions_are_in_the_at_risk_list(corpus):
    recs = qa.load(corpus["root"] / "out")
    if _awaiting_allocation_refused(recs):
        pytest.xfail("the loader does not yet accept submissions awaiting allocation")
    subs = corpus["result"].submissions
    open_ = qa.turnaround.open_cases(recs, as_of=synthetic.AS_OF).set_index("submission_id")
    assert set(open_.index) == set(subs.loc[subs["result_on"] == "", "submission_id"])
    awaiting = subs.loc[subs["allocated_on"] == "", "submission_id"]
    assert len(awaiting) and (open_.loc[awaiting, "stage"] == "awaiting allocation").all()
    assert open_.loc[awaiting, "lead_assessor"].isna().all()


def test_same_inputs_and_key_give_identical_bytes(corpus, tmp_path):
    c = corpus["corpus"]
    forms.read_forms(c.forms, c.log, corpus["key"], out=tmp_path)
    for name in OUTPUTS:
        assert (tmp_path / name).read_bytes() == (corpus["root"] / "out" / name).read_bytes()


def _name_parts(c: sf.FormCorpus) -> set[str]:
    parts = set()
    for n in [*c.candidates.values(), *c.assessors.values(), "Office Staffmember"]:
        parts |= set(re.split(r"[\s\-]+", n))
    return parts


def test_no_name_email_or_link_reaches_an_output(corpus):
    parts = _name_parts(corpus["corpus"])
    for name in OUTPUTS:
        text = (corpus["root"] / "out" / name).read_text(encoding="utf-8")
        words = set(re.findall(r"[^\W\d_]+", text.casefold()))
        assert not {p.casefold() for p in parts} & words, name
        assert "@" not in text and "http" not in text and "www." not in text
    com = corpus["result"].comments
    assert com["comment"].str.contains(r"\[candidate\]").any()
    assert com["comment"].str.contains(r"\[assessor\]").any()


def test_comments_carry_area_and_sections(corpus):
    com = corpus["result"].comments
    assert set(com["area"]) <= {"overall", "1", "2", "3", "4", "5", "6", "P"}
    assert set(com.loc[com["area"] == "3", "sections"]) <= {"3a;3b"}


def test_xlsx_log_reads_the_same(corpus, tmp_path):
    c = corpus["corpus"]
    log = pd.read_csv(c.log, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    log.to_excel(tmp_path / "log.xlsx", index=False)
    res = forms.read_forms(c.forms, tmp_path / "log.xlsx", corpus["key"])
    pd.testing.assert_frame_equal(res.submissions, corpus["result"].submissions)


# --------------------------------------------------------------------------- one form
def _record(**kw) -> sf.FormRecord:
    base = dict(
        candidate="Aisling Blackwood",
        pathway="CMALT",
        lead="Fergus Abernethy",
        second="Tamsin Ogilvie",
        attempt=1,
        outcome="minor",
        assessed_on=dt.date(2025, 4, 5),
        ratings={s: ("A", "A", "A") for s in scheme.sections_for("CMALT", include_optional=False)},
    )
    base["ratings"]["3a"] = ("R", "A", "R")
    base.update(kw)
    return sf.FormRecord(**base)


def _log(path: Path, rows: list[dict]) -> Path:
    cols = {
        "Candidate": "Aisling Blackwood",
        "Pathway": "CMALT",
        "Submission type": "First submission",
        "Submitted on": "01/02/2025",
        "Allocated on": "10/02/2025",
        "Result on": "15/04/2025",
        "Lead assessor": "Fergus Abernethy",
        "Second assessor": "Tamsin Ogilvie",
    }
    pd.DataFrame([{**cols, **r} for r in rows]).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _read_one(tmp_path: Path, rec: sf.FormRecord, style: sf.FormStyle, rows=None):
    sf.write_form(tmp_path / "forms" / "Aisling Blackwood form.docx", rec, style)
    key = new_key_file(tmp_path / "key.txt")
    return forms.read_forms(
        tmp_path / "forms", _log(tmp_path / "log.csv", rows or [{}]), key, out=tmp_path / "out"
    )


@pytest.mark.parametrize("marking", ["delete", "blank", "strike"])
@pytest.mark.parametrize("unused", ["untouched", "emptied", "na"])
def test_outcome_marked_as_assessors_do(tmp_path, marking, unused):
    res = _read_one(tmp_path, _record(), sf.FormStyle(marking=marking, unused=unused))
    assert res.problems.empty
    assert res.submissions.loc[0, ["outcome", "attempt", "assessed_on"]].tolist() == [
        "minor",
        "1",
        "2025-04-05",
    ]


@pytest.mark.parametrize("show_referral", [True, False])
def test_resubmission_form_with_earlier_referral(tmp_path, show_referral):
    rec = _record(
        attempt=2,
        outcome="pass",
        earlier_outcome="major",
        ratings={s: ("A", "S", "A") for s in scheme.sections_for("CMALT", include_optional=False)},
    )
    rows = [{"Result on": "", "Submitted on": "01/10/2024"}, {"Submission type": "Resubmission"}]
    res = _read_one(
        tmp_path, rec, sf.FormStyle(marking="strike", show_referral=show_referral), rows
    )
    assert res.problems.empty, res.problems.to_string()
    s = res.submissions.set_index("submitted_on")
    assert s.loc["2025-02-01", ["attempt", "outcome"]].tolist() == ["2", "pass"]
    assert s.loc["2024-10-01", "outcome"] == ""  # the first attempt's form is not in the folder
    assert s["portfolio_id"].nunique() == 1


def test_bold_only_outcome_is_a_problem_not_a_guess(tmp_path):
    res = _read_one(tmp_path, _record(), sf.FormStyle(marking="bold"))
    assert res.submissions.empty and res.ratings.empty
    p = res.problems.iloc[0]
    assert p["rule"] == "outcome_bold_only" and "1st submission" in p["place"]
    assert p["file"] == "[candidate] form.docx"


def test_a_rating_that_is_not_one_is_a_problem_for_that_cell(tmp_path):
    rec = _record(typed={("1b", 1): "A/S", ("P2", 2): "?"})
    res = _read_one(tmp_path, rec, sf.FormStyle())
    probs = res.problems.set_index("place")
    assert set(probs["rule"]) == {"bad_rating"}
    assert probs.loc["section 1b, 2nd Assessor", "value"] == "A/S"
    assert probs.loc["section P2, Final decision", "value"] == "?"
    r = res.ratings.set_index("section")
    assert r.loc["1b", "second"] == "" and r.loc["1b", "lead"] == "A"
    assert len(res.submissions) == 1


@pytest.mark.parametrize("pathway", ["ACMALT", "SCMALT"])
def test_associate_and_senior_layouts(tmp_path, pathway):
    secs = scheme.sections_for(pathway)
    rec = _record(pathway=pathway, outcome="pass", ratings={s: ("A", "S", "A") for s in secs})
    res = _read_one(
        tmp_path,
        rec,
        sf.FormStyle(third_row="Policy"),
        [{"Pathway": scheme.PATHWAY_NAMES[pathway]}],
    )
    assert res.problems.empty, res.problems.to_string()
    assert tuple(res.ratings["section"]) == secs
    assert res.submissions.loc[0, "pathway"] == pathway


def test_form_without_log_row_and_log_row_without_form(tmp_path):
    rows = [
        {
            "Candidate": "Zebedee Zouche",
            "Result on": "",
            "Allocated on": "",
            "Lead assessor": "",
            "Second assessor": "",
        }
    ]
    res = _read_one(tmp_path, _record(), sf.FormStyle(), rows)
    assert res.problems["rule"].tolist() == ["no_log_row"]
    s = res.submissions.iloc[0]
    assert (s["outcome"], s["lead_assessor"], s["second_assessor"]) == ("", "", "")
    assert "Zouche" not in (tmp_path / "out" / "problems.csv").read_text()


def test_form_that_contradicts_its_log_row_is_left_out(tmp_path):
    res = _read_one(tmp_path, _record(), sf.FormStyle(), [{"Pathway": "Senior CMALT"}])
    assert res.problems["rule"].tolist() == ["log_conflict"] and res.submissions.empty


# --------------------------------------------------------------------------- bad input
def test_bad_files_are_listed_and_the_rest_still_read(tmp_path):
    sf.write_form(tmp_path / "forms" / "good.docx", _record(), sf.FormStyle())
    (tmp_path / "forms" / "corrupt.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "forms" / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 binary word")
    (tmp_path / "forms" / "~$good.docx").write_bytes(b"lock")
    import docx

    other = docx.Document()
    other.add_paragraph("Minutes of the committee meeting")
    (tmp_path / "forms" / "sub").mkdir()
    other.save(tmp_path / "forms" / "sub" / "minutes.docx")
    with zipfile.ZipFile(tmp_path / "forms" / "sheet.docx", "w") as z:
        z.writestr("hello.txt", "not a word package")
    key = new_key_file(tmp_path / "key.txt")
    res = forms.read_forms(tmp_path / "forms", _log(tmp_path / "log.csv", [{}]), key)
    rules = dict(zip(res.problems["file"], res.problems["rule"]))
    assert rules == {
        "corrupt.docx": "not_docx",
        "old.doc": "old_doc",
        "~$good.docx": "lock_file",
        "sub/minutes.docx": "not_a_form",
        "sheet.docx": "not_docx",
    }
    assert len(res.submissions) == 1 and res.submissions.loc[0, "outcome"] == "minor"


def test_refusals(tmp_path):
    (tmp_path / "empty").mkdir()
    key = new_key_file(tmp_path / "key.txt")
    log = _log(tmp_path / "log.csv", [{}])
    with pytest.raises(forms.FormsError, match="no .docx"):
        forms.read_forms(tmp_path / "empty", log, key)
    with pytest.raises(forms.FormsError, match="not found"):
        forms.read_forms(tmp_path / "empty", tmp_path / "nolog.csv", key)
    with pytest.raises(AnonymiseError, match="not found"):
        forms.read_forms(tmp_path / "empty", log, tmp_path / "nokey.txt")
    pd.DataFrame({"Candidate": ["x"]}).to_csv(tmp_path / "thin.csv", index=False)
    with pytest.raises(forms.FormsError, match="pathway"):
        forms.read_forms(tmp_path / "empty", tmp_path / "thin.csv", key)


def test_formula_like_cells_are_neutralised(tmp_path):
    rec = _record(overall='=HYPERLINK("http://x")', comments={"1": "+1 well done"})
    res = _read_one(tmp_path, rec, sf.FormStyle())
    written = pd.read_csv(tmp_path / "out" / "comments.csv", dtype=str)
    assert sorted(written["comment"]) == ["'+1 well done", '\'=HYPERLINK("[link]")']
    assert len(res.comments) == 2


# --------------------------------------------------------------------------- command line
def test_cli_forms(corpus, tmp_path, capsys):
    c = corpus["corpus"]
    code = main(
        [
            "forms",
            str(c.forms),
            "--log",
            str(c.log),
            "--key-file",
            str(corpus["key"]),
            "--out",
            str(tmp_path),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0 and "Read" in out and err == ""
    words = set(re.findall(r"[^\W\d_]+", (out + err).casefold()))
    assert not {p.casefold() for p in _name_parts(c)} & words
    assert (tmp_path / "submissions.csv").read_bytes() == (
        corpus["root"] / "out" / "submissions.csv"
    ).read_bytes()


def test_cli_refuses_without_key_or_log(tmp_path, capsys):
    (tmp_path / "f").mkdir()
    _log(tmp_path / "log.csv", [{}])
    code = main(
        [
            "forms",
            str(tmp_path / "f"),
            "--log",
            str(tmp_path / "log.csv"),
            "--key-file",
            str(tmp_path / "key.txt"),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 1 and err.startswith("cmalt-qa: error: key file") and "Traceback" not in err
    assert err.count("\n") == 1
    code = main(
        [
            "forms",
            str(tmp_path / "f"),
            "--key-file",
            str(tmp_path / "key.txt"),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2  # --log is required
    capsys.readouterr()
    code = main(
        [
            "forms",
            str(tmp_path / "f"),
            "--log",
            str(tmp_path / "nolog.csv"),
            "--key-file",
            str(tmp_path / "key.txt"),
            "--out",
            str(tmp_path / "o"),
            "--new-key",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 1 and "log" in err and err.count("\n") == 1
    assert not (tmp_path / "key.txt").exists()  # no key made for a run refused anyway


def test_feedback_recovers_the_gaps_from_the_comments(corpus):
    """comments.csv is what cmalt_qa.feedback reads next: the writer's comments name the
    lacking elements of each final R, and feedback finds them again."""
    from cmalt_qa import feedback

    out = corpus["root"] / "out"
    recs = qa.load(out)
    derived = feedback.derive_gaps(recs.ratings, feedback.read_comments(out / "comments.csv"))
    _, rats = sf.as_read(corpus["corpus"], corpus["subs"], corpus["rats"], read_key(corpus["key"]))
    key = ["submission_id", "section"]
    want = rats[rats["final"] == "R"].set_index(key)["gaps"].sort_index()
    got = derived[derived["final"] == "R"].set_index(key)["gaps"].sort_index()
    assert len(want) > 5
    assert got.astype(str).to_dict() == want.astype(str).to_dict()


def test_form_in_progress_keeps_its_ratings_and_stays_open(tmp_path):
    ratings = {s: ("A", "S", "") for s in scheme.sections_for("CMALT", include_optional=False)}
    rec = _record(outcome=None, ratings=ratings)
    res = _read_one(tmp_path, rec, sf.FormStyle(unused="emptied"), [{"Result on": ""}])
    assert res.problems.empty
    s = res.submissions.iloc[0]
    assert (s["outcome"], s["attempt"], s["assessed_on"], s["result_on"]) == (
        "",
        "1",
        "2025-04-05",
        "",
    )
    assert set(res.ratings["final"]) == {""} and set(res.ratings["second"]) == {"S"}


def test_bad_log_rows_are_listed_and_left_out(tmp_path):
    rows = [{"Submitted on": "31/02/2025"}, {"Candidate": "Zebedee Zouche", "Pathway": "Gold"}]
    res = _read_one(tmp_path, _record(), sf.FormStyle(), rows)
    probs = res.problems.set_index("rule")
    assert probs.loc["log_bad_value", "place"].tolist() == [
        "row 2, column submitted_on", "row 3, column pathway"]  # fmt: skip
    assert "no_log_row" in probs.index and res.submissions.empty
    assert "Zouche" not in res.problems.to_csv()


def test_xlsx_log_with_date_cells(tmp_path):
    sf.write_form(tmp_path / "forms" / "a.docx", _record(), sf.FormStyle())
    log = pd.read_csv(_log(tmp_path / "log.csv", [{}]), dtype=str, encoding="utf-8-sig")
    for col in ("Submitted on", "Allocated on", "Result on"):
        log[col] = pd.to_datetime(log[col], dayfirst=True)
    log.to_excel(tmp_path / "log.xlsx", index=False)
    key = new_key_file(tmp_path / "key.txt")
    res = forms.read_forms(tmp_path / "forms", tmp_path / "log.xlsx", key)
    assert res.problems.empty
    s = res.submissions.iloc[0]
    assert (s["submitted_on"], s["allocated_on"], s["result_on"]) == (
        "2025-02-01", "2025-02-10", "2025-04-15")  # fmt: skip
