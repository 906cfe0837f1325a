"""Loading and validation (CONTRACT.md section 1): one fixture per rule, refusal, strict
mode, the .xlsx path, and conservation under random corruption."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cmalt_qa as qa
from cmalt_qa.records import QUARANTINE_RULES

SUB_COLS = [
    "submission_id", "portfolio_id", "attempt", "submission_type", "pathway",
    "submitted_on", "allocated_on", "assessed_on", "result_on", "outcome",
    "lead_assessor", "second_assessor", "second_nominated", "sector",
]  # fmt: skip


def base() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A small valid dataset: a referral and its resubmission, a pass, an open case."""
    subs = pd.DataFrame(
        [
            [
                "S1",
                "P1",
                "1",
                "first",
                "CMALT",
                "2025-01-31",
                "2025-02-05",
                "2025-03-20",
                "2025-03-25",
                "minor",
                "A1",
                "A2",
                "true",
                "HE",
            ],
            [
                "S2",
                "P1",
                "2",
                "resubmission",
                "CMALT",
                "2025-05-10",
                "2025-05-12",
                "2025-06-10",
                "2025-06-12",
                "pass",
                "A1",
                "A2",
                "true",
                "HE",
            ],
            [
                "S3",
                "P3",
                "1",
                "first",
                "ACMALT",
                "2025-02-01",
                "2025-02-03",
                "2025-03-10",
                "2025-03-15",
                "pass",
                "A3",
                "A1",
                "false",
                "FE",
            ],
            [
                "S4",
                "P4",
                "1",
                "",
                "SCMALT",
                "2025-09-01",
                "2025-09-05",
                "",
                "",
                "",
                "A2",
                "A3",
                "",
                "",
            ],
        ],
        columns=SUB_COLS,
    )
    rats = pd.DataFrame(
        [
            ["S1", "1a", "A", "R", "R", "reflection"],
            ["S1", "1c", "S", "S", "S", ""],
            ["S1", "5b", "A", "A", "A", ""],
            ["S2", "1a", "A", "A", "A", ""],
            ["S2", "1c", "S", "A", "S", ""],
            ["S3", "1a", "S", "A", "A", ""],
            ["S3", "P1", "A", "A", "A", ""],
            ["S4", "6a", "A", "", "", ""],
        ],
        columns=["submission_id", "section", "lead", "second", "final", "gaps"],
    )
    asrs = pd.DataFrame({"assessor_id": ["A1", "A2", "A3"], "prior_assessments": ["5", "0", "12"]})
    return subs, rats, asrs


def write(tmp: Path, subs: pd.DataFrame, rats: pd.DataFrame, asrs=None) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    subs.to_csv(tmp / "submissions.csv", index=False)
    rats.to_csv(tmp / "ratings.csv", index=False)
    if asrs is not None:
        asrs.to_csv(tmp / "assessors.csv", index=False)
    return tmp


def conserved(recs: qa.Records, n_subs: int, n_rats: int) -> None:
    """Every input row is valid or listed in problems, never both."""
    probs = recs.problems
    for name, valid, n in (
        ("submissions", recs.submissions, n_subs),
        ("ratings", recs.ratings, n_rats),
    ):
        listed = set(probs.loc[probs["file"].str.startswith(name), "row"])
        kept = set(valid["row"])
        assert not listed & kept, f"{name}: rows both valid and quarantined: {listed & kept}"
        assert listed | kept == set(range(2, n + 2)), f"{name}: rows lost"


# --------------------------------------------------------------------------- valid input
def test_valid_dataset_loads_with_derived_columns(tmp_path: Path) -> None:
    subs, rats, asrs = base()
    recs = qa.load(write(tmp_path, subs, rats, asrs))
    assert recs.problems.empty
    s = recs.submissions.set_index("submission_id")
    assert list(s.index) == ["S1", "S2", "S3", "S4"]
    assert s.loc["S1", "window"] == "2025-01" and s.loc["S3", "window"] == "2025-05"
    assert s.loc["S1", "promise_due"] == pd.Timestamp("2025-04-30")
    assert s.loc["S1", "turnaround_days"] == 53.0
    assert np.isnan(s.loc["S4", "turnaround_days"]) and pd.isna(s.loc["S4", "outcome"])
    assert s.loc["S4", "submission_type"] == "first"  # blank type: from attempt
    assert s.loc["S2", "second_nominated"] is np.True_ or s.loc["S2", "second_nominated"]
    assert pd.isna(s.loc["S4", "sector"])  # blank is missing, never ""
    assert s["attempt"].dtype == np.int64
    assert pd.api.types.is_datetime64_any_dtype(s["submitted_on"])
    r = recs.ratings
    assert r.loc[0, "gaps"] == "reflection" and bool(r.loc[0, "gap_reflection"])
    assert pd.isna(r.loc[1, "gap_reflection"])  # no gaps recorded: missing, not False
    assert pd.isna(r.loc[7, "final"])
    assert recs.assessors["prior_assessments"].tolist() == [5.0, 0.0, 12.0]
    assert set(recs.source["files"]) == {"submissions.csv", "ratings.csv", "assessors.csv"}
    assert len(recs.source["files"]["ratings.csv"]["sha256"]) == 64
    assert "problem" in recs._repr_html_()


def test_tolerates_bom_crlf_spaces_case_and_long_phrases(tmp_path: Path) -> None:
    subs, rats, _ = base()
    subs.loc[0, "pathway"] = "  cmalt "
    subs.loc[0, "outcome"] = "Referral – minor revisions required"
    subs.loc[2, "pathway"] = "Associate CMALT"
    subs.loc[2, "outcome"] = "Pass"
    subs.loc[3, "pathway"] = "Senior CMALT"
    rats.loc[0, ["lead", "second", "final"]] = ["adequate", "Revisions required", " r "]
    rats.loc[1, "section"] = "1C"
    rats.loc[0, "gaps"] = "Reflection; Evidence"
    text = subs.to_csv(index=False, lineterminator="\r\n").replace(",", " , ", 3)
    tmp_path.joinpath("submissions.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    rats.to_csv(tmp_path / "ratings.csv", index=False)
    recs = qa.load(tmp_path)
    assert recs.problems.empty, recs.problems
    s = recs.submissions
    assert s["pathway"].tolist() == ["CMALT", "CMALT", "ACMALT", "SCMALT"]
    assert s["outcome"].iloc[0] == "minor"
    assert recs.ratings.loc[0, ["lead", "second", "final"]].tolist() == ["A", "R", "R"]
    assert recs.ratings.loc[0, "gaps"] == "evidence;reflection"
    assert recs.ratings.loc[1, "section"] == "1c"


def test_from_frames_matches_load(tmp_path: Path) -> None:
    subs, rats, asrs = base()
    a = qa.load(write(tmp_path, subs, rats, asrs))
    b = qa.from_frames(subs, rats, asrs)
    pd.testing.assert_frame_equal(a.submissions, b.submissions)
    pd.testing.assert_frame_equal(a.ratings, b.ratings)


def test_xlsx_workbook(tmp_path: Path) -> None:
    subs, rats, asrs = base()
    # Excel keeps dates as dates and numbers as numbers: the loader must read both.
    subs = subs.assign(attempt=subs["attempt"].astype(int))
    subs["submitted_on"] = pd.to_datetime(subs["submitted_on"])
    path = tmp_path / "cmalt.xlsx"
    with pd.ExcelWriter(path) as xw:
        subs.to_excel(xw, sheet_name="submissions", index=False)
        rats.to_excel(xw, sheet_name="Ratings", index=False)
        asrs.to_excel(xw, sheet_name="assessors", index=False)
    recs = qa.load(path)
    assert recs.problems.empty, recs.problems
    assert len(recs.submissions) == 4 and len(recs.ratings) == 8
    assert recs.submissions["submitted_on"].iloc[0] == pd.Timestamp("2025-01-31")


# --------------------------------------------------------------------------- refusal
def test_missing_file_and_column_are_refused(tmp_path: Path) -> None:
    subs, rats, _ = base()
    with pytest.raises(qa.RecordsError, match="ratings.csv is missing"):
        subs.to_csv(tmp_path / "submissions.csv", index=False)
        qa.load(tmp_path)
    with pytest.raises(
        qa.RecordsError, match=r"submissions.csv: required column\(s\) missing: pathway"
    ):
        qa.load(write(tmp_path, subs.drop(columns="pathway"), rats))
    with pytest.raises(qa.RecordsError, match="no such folder"):
        qa.load(tmp_path / "nowhere")


def test_name_column_is_refused(tmp_path: Path) -> None:
    subs, rats, _ = base()
    subs["candidate_name"] = "x"
    with pytest.raises(
        qa.RecordsError, match=r"submissions.csv: column 'candidate_name' looks like personal data"
    ):
        qa.load(write(tmp_path, subs, rats))
    subs = subs.drop(columns="candidate_name").assign(Email="x")
    with pytest.raises(qa.RecordsError, match="personal data"):
        qa.load(write(tmp_path, subs, rats))


def test_email_in_free_text_is_refused(tmp_path: Path) -> None:
    subs, rats, _ = base()
    subs["notes"] = ["", "", "contact jo.bloggs@example.ac.uk", ""]
    with pytest.raises(qa.RecordsError, match=r"submissions.csv, row 4, column 'notes'.*e-mail"):
        qa.load(write(tmp_path, subs, rats))


def test_name_as_assessor_key_is_refused(tmp_path: Path) -> None:
    subs, rats, _ = base()
    subs.loc[1, "lead_assessor"] = "Jane Smith"
    with pytest.raises(qa.RecordsError, match=r"row 3, column 'lead_assessor'.*person's name"):
        qa.load(write(tmp_path, subs, rats))


# --------------------------------------------------------------------------- quarantine
def _subs_rule(mutate, rule: str, row: int, column: str, tmp_path: Path) -> qa.Records:
    subs, rats, asrs = base()
    mutate(subs, rats)
    recs = qa.load(write(tmp_path, subs, rats, asrs))
    hit = recs.problems[(recs.problems["rule"] == rule)]
    assert not hit.empty, f"rule {rule} did not fire:\n{recs.problems}"
    assert (hit["row"] == row).any() and (hit.loc[hit["row"] == row, "column"] == column).all()
    assert rule in QUARANTINE_RULES
    assert hit["message"].str.len().min() > 20
    conserved(recs, len(subs), len(rats))
    return recs


@pytest.mark.parametrize(
    ("rule", "row", "column", "mutate"),
    [
        (
            "missing_value",
            3,
            "pathway",
            lambda s, r: s.__setitem__("pathway", ["CMALT", "", "ACMALT", "SCMALT"]),
        ),
        (
            "unknown_code",
            4,
            "pathway",
            lambda s, r: s.loc.__setitem__((2, "pathway"), "Master CMALT"),
        ),
        ("unknown_code", 2, "attempt", lambda s, r: s.loc.__setitem__((0, "attempt"), "3")),
        (
            "unknown_code",
            5,
            "second_nominated",
            lambda s, r: s.loc.__setitem__((3, "second_nominated"), "maybe"),
        ),
        (
            "bad_date",
            4,
            "submitted_on",
            lambda s, r: s.loc.__setitem__((2, "submitted_on"), "2025-02-30"),
        ),
        (
            "bad_date",
            4,
            "result_on",
            lambda s, r: s.loc.__setitem__((2, "result_on"), "31/02/2025"),
        ),
        (
            "date_order",
            4,
            "result_on",
            lambda s, r: s.loc.__setitem__((2, "result_on"), "2025-01-15"),
        ),
        (
            "duplicate_key",
            5,
            "submission_id",
            lambda s, r: s.loc.__setitem__((3, "submission_id"), "S3"),
        ),
        (
            "same_assessor",
            4,
            "second_assessor",
            lambda s, r: s.loc.__setitem__((2, "second_assessor"), "A3"),
        ),
        (
            "attempt_type",
            4,
            "submission_type",
            lambda s, r: s.loc.__setitem__((2, "submission_type"), "resubmission"),
        ),
        (
            "outcome_for_attempt",
            4,
            "outcome",
            lambda s, r: s.loc.__setitem__((2, "outcome"), "fail"),
        ),
        (
            "outcome_for_attempt",
            3,
            "outcome",
            lambda s, r: s.loc.__setitem__((1, "outcome"), "Pass with Distinction"),
        ),
        (
            "outcome_without_result_date",
            4,
            "result_on",
            lambda s, r: s.loc.__setitem__((2, "result_on"), ""),
        ),
        (
            "result_without_outcome",
            4,
            "outcome",
            lambda s, r: s.loc.__setitem__((2, "outcome"), ""),
        ),
        (
            "outcome_contradicts_ratings",
            4,
            "outcome",
            lambda s, r: r.loc.__setitem__((5, "final"), "R"),
        ),
        (
            "outcome_contradicts_ratings",
            2,
            "outcome",
            lambda s, r: r.loc.__setitem__((0, "final"), "A"),
        ),
        (
            "orphan_resubmission",
            3,
            "portfolio_id",
            lambda s, r: s.loc.__setitem__((1, "portfolio_id"), "P9"),
        ),
    ],
)
def test_each_submission_rule(rule, row, column, mutate, tmp_path: Path) -> None:
    recs = _subs_rule(mutate, rule, row, column, tmp_path)
    assert row not in set(recs.submissions["row"])


def test_quarantined_submission_takes_its_ratings(tmp_path: Path) -> None:
    subs, rats, _ = base()
    subs.loc[2, "second_assessor"] = "A3"  # S3 kept out
    recs = qa.load(write(tmp_path, subs, rats))
    gone = recs.problems[recs.problems["rule"] == "submission_quarantined"]
    assert sorted(gone["row"]) == [7, 8]  # both S3 rating rows, each listed
    assert "S3" not in set(recs.ratings["submission_id"])


def test_referral_quarantined_orphans_its_resubmission(tmp_path: Path) -> None:
    subs, rats, _ = base()
    subs.loc[0, "lead_assessor"] = "A2"  # S1 same assessor -> S2 has no referred first attempt
    recs = qa.load(write(tmp_path, subs, rats))
    assert set(recs.problems.loc[recs.problems["file"] == "submissions.csv", "row"]) == {2, 3}
    conserved(recs, 4, 8)


@pytest.mark.parametrize(
    ("rule", "row", "column", "mutate"),
    [
        ("missing_value", 3, "section", lambda r: r.loc.__setitem__((1, "section"), "")),
        ("unknown_code", 3, "section", lambda r: r.loc.__setitem__((1, "section"), "7a")),
        ("unknown_code", 4, "second", lambda r: r.loc.__setitem__((2, "second"), "B")),
        (
            "unknown_code",
            2,
            "gaps",
            lambda r: r.loc.__setitem__((0, "gaps"), "reflection;spelling"),
        ),
        ("duplicate_key", 3, "section", lambda r: r.loc.__setitem__((1, "section"), "1A")),
        (
            "unknown_submission",
            9,
            "submission_id",
            lambda r: r.loc.__setitem__((7, "submission_id"), "S99"),
        ),
        ("section_not_on_pathway", 8, "section", lambda r: r.loc.__setitem__((6, "section"), "5a")),
        ("section_not_on_pathway", 4, "section", lambda r: r.loc.__setitem__((2, "section"), "6b")),
    ],
)
def test_each_rating_rule(rule, row, column, mutate, tmp_path: Path) -> None:
    subs, rats, _ = base()
    mutate(rats)
    recs = qa.load(write(tmp_path, subs, rats))
    hit = recs.problems[(recs.problems["rule"] == rule) & (recs.problems["file"] == "ratings.csv")]
    assert (hit["row"] == row).any(), recs.problems
    assert (hit.loc[hit["row"] == row, "column"] == column).all()
    conserved(recs, len(subs), len(rats))


def test_assessor_rules(tmp_path: Path) -> None:
    subs, rats, asrs = base()
    asrs = pd.concat(
        [asrs, pd.DataFrame({"assessor_id": ["A1", "A9"], "prior_assessments": ["1", "two"]})]
    )
    recs = qa.load(write(tmp_path, subs, rats, asrs))
    p = recs.problems[recs.problems["file"] == "assessors.csv"]
    assert set(p["rule"]) == {"duplicate_key", "bad_number"}
    assert set(p["row"]) == {2, 5, 6}
    assert recs.assessors["assessor_id"].tolist() == ["A2", "A3"]


def test_problem_value_is_as_entered_and_blank_is_missing(tmp_path: Path) -> None:
    subs, rats, _ = base()
    subs.loc[2, "pathway"] = "Masters"
    subs.loc[1, "portfolio_id"] = ""
    recs = qa.load(write(tmp_path, subs, rats))
    p = recs.problems.set_index(["row", "rule"])
    assert p.loc[(4, "unknown_code"), "value"] == "Masters"
    assert pd.isna(p.loc[(3, "missing_value"), "value"])
    assert list(recs.problems.columns) == ["file", "row", "column", "value", "rule", "message"]


def test_strict_mode_lists_every_problem(tmp_path: Path) -> None:
    subs, rats, _ = base()
    subs.loc[2, "pathway"] = "Masters"
    rats.loc[1, "lead"] = "Z"
    with pytest.raises(qa.RecordsError) as err:
        qa.load(write(tmp_path, subs, rats), strict=True)
    msg = str(err.value)
    assert "submissions.csv row 4, column pathway" in msg
    assert "ratings.csv row 3, column lead" in msg
    assert len(err.value.problems) == len(qa.load(tmp_path).problems)


# --------------------------------------------------------------------------- property
_CORRUPTIONS = st.sampled_from(["code", "swap_dates", "delete", "duplicate", "whitespace", "case"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ops=st.lists(
        st.tuples(_CORRUPTIONS, st.integers(0, 10_000), st.integers(0, 10_000)), max_size=6
    )
)
def test_random_corruption_conserves_rows(ops) -> None:
    subs, rats, asrs = base()
    for op, i, j in ops:
        t = subs if j % 2 else rats
        r = i % len(t)
        c = t.columns[j % len(t.columns)]
        if op == "code":
            t.loc[r, c] = "??"
        elif op == "swap_dates":
            subs.loc[r % len(subs), ["submitted_on", "result_on"]] = subs.loc[
                r % len(subs), ["result_on", "submitted_on"]
            ].to_numpy()
        elif op == "delete":
            t.loc[r, c] = ""
        elif op == "duplicate":
            t.loc[len(t)] = t.loc[r].to_numpy()
        elif op == "whitespace":
            t.loc[r, c] = f"  {t.loc[r, c]}\t"
        elif op == "case":
            t.loc[r, c] = str(t.loc[r, c]).swapcase()
    try:
        recs = qa.from_frames(subs, rats, asrs)
    except qa.RecordsError as exc:  # the only error allowed: a refusal with a message
        assert str(exc)
        return
    conserved(recs, len(subs), len(rats))
    assert recs.problems["message"].str.len().min() > 10 if len(recs.problems) else True
    assert not (recs.submissions.select_dtypes(object) == "").any().any()


def test_today_is_never_used() -> None:
    """Derived columns depend on the data only (no clock): loading twice is identical."""
    subs, rats, asrs = base()
    a = qa.from_frames(subs, rats, asrs).submissions
    b = qa.from_frames(subs, rats, asrs).submissions
    pd.testing.assert_frame_equal(a, b)
    assert dt.date.today() not in set(a["promise_due"].dt.date)


@pytest.mark.parametrize("variant", ["plain", "spaces_crlf_bom", "quoted"])
def test_fast_csv_reader_equals_the_pandas_reader(
    variant: str, tmp_path: Path, monkeypatch
) -> None:
    """The pyarrow fast path is performance only: same tables, problems and source."""
    import cmalt_qa._readers as readers

    subs, rats, asrs = base()
    subs.loc[2, "pathway"] = "Masters"  # a problem, so problems are compared too
    rats.loc[1, "lead"] = "  a "
    if variant == "quoted":
        subs.loc[0, "sector"] = "HE, FE"
    write(tmp_path, subs, rats, asrs)
    if variant == "spaces_crlf_bom":
        text = (tmp_path / "ratings.csv").read_text().replace("\n", "\r\n").replace(",", " ,")
        (tmp_path / "ratings.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    fast = qa.load(tmp_path)
    monkeypatch.setattr(readers, "_arrow_frame", lambda data: None)
    slow = qa.load(tmp_path)
    pd.testing.assert_frame_equal(fast.submissions, slow.submissions)
    pd.testing.assert_frame_equal(fast.ratings, slow.ratings)
    pd.testing.assert_frame_equal(fast.problems, slow.problems)
    assert fast.source == slow.source
