"""Dates as spreadsheets write them (issue 13): UK dates, datetimes, Excel serials; no
date ever read in the wrong order; implausible dates quarantined (issue 18)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import cmalt_qa as qa
from cmalt_qa import _analysis, cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
DATES = ["submitted_on", "allocated_on", "assessed_on", "result_on"]


def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / name, dtype=str, keep_default_na=False)


def _restyle(fmt: str) -> pd.DataFrame:
    subs = _raw("submissions.csv")
    for c in DATES:
        d = pd.to_datetime(subs[c].replace("", None))
        subs[c] = [x.strftime(fmt) if not pd.isna(x) else "" for x in d]
    return subs


def _write(folder: Path, subs: pd.DataFrame, rats: pd.DataFrame | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subs.to_csv(folder / "submissions.csv", index=False)
    (rats if rats is not None else _raw("ratings.csv")).to_csv(folder / "ratings.csv", index=False)
    shutil.copy(SAMPLE / "assessors.csv", folder / "assessors.csv")
    return folder


@pytest.fixture(scope="module")
def iso() -> qa.Records:
    return qa.load(SAMPLE)


@pytest.mark.parametrize("fmt", ["%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d %b %Y", "%Y-%m-%d %H:%M"])
def test_uk_dates_give_the_same_figures_as_the_iso_twin(fmt, iso, tmp_path: Path) -> None:
    recs = qa.load(_write(tmp_path, _restyle(fmt)))
    assert recs.problems.empty
    keep = [c for c in iso.submissions.columns if c not in DATES]
    pd.testing.assert_frame_equal(
        recs.submissions.drop(columns=DATES), iso.submissions.drop(columns=DATES)
    )
    for c in DATES:
        assert recs.submissions[c].equals(iso.submissions[c])
    pd.testing.assert_frame_equal(recs.ratings, iso.ratings)
    assert keep  # the derived columns (window, promise_due, ...) are compared too
    a = qa.turnaround.summary(iso, as_of="2026-09-20")
    b = qa.turnaround.summary(recs, as_of="2026-09-20")
    pd.testing.assert_frame_equal(a, b)


def _planted() -> tuple[pd.DataFrame, pd.DataFrame]:
    subs = _raw("submissions.csv").iloc[:40].copy()
    rats = _raw("ratings.csv")
    return subs, rats[rats["submission_id"].isin(subs["submission_id"])]


def test_ambiguous_dates_are_never_read_in_the_wrong_order(tmp_path: Path) -> None:
    subs, rats = _planted()
    truth = pd.to_datetime(subs["submitted_on"])
    first = subs["attempt"] == "1"
    ambiguous = subs.index[(truth.dt.day <= 12) & first]
    late = subs.index[(truth.dt.day > 12) & first][:2]
    subs, truth = subs.loc[[*ambiguous, *late]], truth.loc[[*ambiguous, *late]]
    rats = rats[rats["submission_id"].isin(subs["submission_id"])]
    ids = subs["submission_id"]
    # every date day-first (the UK convention): ambiguous ones (05/03/2019) included
    subs["submitted_on"] = [d.strftime("%d/%m/%Y") for d in truth]
    recs = qa.load(_write(tmp_path / "uk", subs, rats))
    got = recs.submissions.set_index("submission_id")["submitted_on"]
    assert len(got) == len(subs)
    assert all(got[ids[i]] == truth[i] for i in subs.index)
    # one date valid only month-first: the file is refused, never half read
    us = subs.copy()
    us.loc[late[0], "submitted_on"] = truth[late[0]].strftime("%m/%d/%Y")
    us.loc[late[1], "submitted_on"] = truth[late[1]].strftime("%m/%d/%Y")
    us.loc[ambiguous, "submitted_on"] = [truth[i].strftime("%m/%d/%Y") for i in ambiguous]
    with pytest.raises(qa.RecordsError, match="only month-first") as err:
        qa.load(_write(tmp_path / "us", us, rats))
    assert "--dates" in str(err.value)
    # read month-first when told so: every date right
    recs = qa.load(tmp_path / "us", dates="monthfirst")
    got = recs.submissions.set_index("submission_id")["submitted_on"]
    assert len(got) == len(subs) and all(got[ids[i]] == truth[i] for i in subs.index)
    # both orders in one file: refused, saying so
    mixed = subs.copy()
    mixed.loc[late[0], "submitted_on"] = truth[late[0]].strftime("%m/%d/%Y")
    with pytest.raises(qa.RecordsError, match="mix two orders"):
        qa.load(_write(tmp_path / "mixed", mixed, rats))
    # settled by the option: what is valid in the chosen order is read in that order and
    # the rest quarantined; never a date in the wrong order
    for mode, right, wrong in (("monthfirst", late[0], late[1]), ("dayfirst", late[1], late[0])):
        recs = qa.load(tmp_path / "mixed", dates=mode)
        by_id = recs.submissions.set_index("submission_id")["submitted_on"]
        assert by_id[ids[right]] == truth[right]
        bad = recs.problems[recs.problems["rule"] == "bad_date"]
        assert bad["value"].tolist() == [mixed.loc[wrong, "submitted_on"]]
        if mode == "dayfirst":
            assert all(by_id[ids[i]] == truth[i] for i in ambiguous)
    recs = qa.load(tmp_path / "mixed", dates="iso")
    assert recs.problems["rule"].eq("bad_date").sum() == len(subs)


def test_option_is_checked() -> None:
    subs, rats = _planted()
    with pytest.raises(ValueError, match="dates must be one of"):
        qa.from_frames(subs, rats, dates="us")


def test_datetimes_and_excel_serials_in_a_workbook(tmp_path: Path) -> None:
    subs, rats = _planted()
    subs = subs.astype(object)
    first = pd.Timestamp(subs.loc[0, "submitted_on"])
    subs.loc[0, "submitted_on"] = (first - pd.Timestamp("1899-12-30")).days  # a serial
    subs.loc[1, "allocated_on"] = subs.loc[1, "allocated_on"] + " 15:42:07"
    subs.loc[2, "allocated_on"] = subs.loc[2, "allocated_on"] + "T09:05"
    book = tmp_path / "book.xlsx"
    with pd.ExcelWriter(book) as w:
        subs.to_excel(w, sheet_name="submissions", index=False)
        rats.to_excel(w, sheet_name="ratings", index=False)
    recs = qa.load(book)
    assert recs.problems.empty
    assert recs.submissions.loc[0, "submitted_on"] == first
    # a bare number in a CSV is not a date: serials are read from workbooks only
    csv = subs.copy()
    csv.loc[0, "submitted_on"] = str(csv.loc[0, "submitted_on"])
    recs = qa.load(_write(tmp_path / "csv", csv, rats))
    assert recs.problems.loc[0, "rule"] == "bad_date"


@pytest.mark.parametrize(
    "value", ["2062-03-01", "1677-09-22", "2262-04-10", "9999-12-31", "1925-01-01"]
)
def test_implausible_dates_are_quarantined_and_ignored(value, tmp_path: Path) -> None:
    subs, rats = _planted()
    decided = subs.index[subs["result_on"] != ""][0]
    subs.loc[decided, "result_on"] = value
    recs = qa.from_frames(subs, rats)
    probs = recs.problems[recs.problems["file"] == "submissions"]
    lines = probs[probs["rule"] == "implausible_date"]
    assert lines["value"].tolist() == [value]  # (an early one is also out of order)
    assert set(probs["rule"]) <= {"implausible_date", "date_order"}
    # the default report date is the data's own latest plausible date
    assert _analysis.latest_date(recs.submissions) <= pd.Timestamp("2027-01-01")


def test_a_real_pause_in_a_long_record_is_not_implausible() -> None:
    subs, rats = _planted()
    later = pd.to_datetime(subs[DATES[0]]).max() + pd.Timedelta(days=800)
    half = subs.index[len(subs) // 2 :]
    for c in DATES:  # the second half of the file moves 800 days on
        d = pd.to_datetime(subs.loc[half, c].replace("", None))
        subs.loc[half, c] = [
            x.strftime("%Y-%m-%d") if not pd.isna(x) else "" for x in d + pd.Timedelta(days=800)
        ]
    recs = qa.from_frames(subs, rats)
    assert "implausible_date" not in set(recs.problems["rule"])
    assert later.year > 2019


# --------------------------------------------------------------------------- awaiting
def test_awaiting_allocation_loads_and_is_listed(iso) -> None:
    s = iso.submissions
    waiting = s[s["lead_assessor"].isna()]
    assert len(waiting) >= 5
    assert waiting["allocated_on"].isna().all() and waiting["outcome"].isna().all()
    assert not iso.ratings["submission_id"].isin(waiting["submission_id"]).any()
    oc = qa.turnaround.open_cases(iso, as_of="2026-09-20")
    listed = oc[oc["submission_id"].isin(waiting["submission_id"])]
    assert len(listed) == len(waiting)
    assert set(listed["status"]) <= {"awaiting allocation", "at risk", "overdue"}
    assert "awaiting allocation" in set(listed["status"])
    # every assessor analysis leaves them out
    for table in (qa.assessors.workload(iso), qa.assessors.experience(iso)):
        for c in [c for c in table.columns if "assessor" in c]:
            assert table[c].notna().all()


def test_blank_assessors_are_still_refused_once_allocated() -> None:
    subs, rats = _planted()
    subs.loc[3, "lead_assessor"] = ""  # allocated, with ratings
    recs = qa.from_frames(subs, rats)
    line = recs.problems[recs.problems["file"] == "submissions"].iloc[0]
    assert line["rule"] == "missing_value" and "awaits allocation" in line["message"]


# --------------------------------------------------------------------------- command line
def test_validate_dates_option_and_month_first_refusal(tmp_path: Path, capsys) -> None:
    subs = _restyle("%m/%d/%Y")
    folder = _write(tmp_path, subs)
    assert cli.main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "only month-first" in err and "--dates" in err and "Traceback" not in err
    assert cli.main(["validate", str(folder), "--dates", "monthfirst"]) == 0
    assert "Problems: none" in capsys.readouterr().out


def test_validate_headline_summary_and_problems_file(tmp_path: Path, capsys) -> None:
    subs = _restyle("%d/%m/%Y")
    subs.loc[0, "sector"] = "=cmd|' /C calc'!A0"
    folder = _write(tmp_path, subs)
    out_csv = tmp_path / "problems.csv"
    code = cli.main(["validate", str(folder), "--dates", "iso", "--problems-out", str(out_csv)])
    assert code == 1  # no valid submission is left
    cap = capsys.readouterr()
    first = cap.out.splitlines()[0]
    assert first.startswith("every submitted_on value in submissions.csv failed [bad_date]")
    assert "dd/mm/yyyy" in first
    assert "no valid submission" in cap.err
    assert "... and" in cap.out and len(cap.out.splitlines()) < 200
    written = pd.read_csv(out_csv, dtype=str, keep_default_na=False)
    assert len(written) == len(qa.load(folder, dates="iso").problems)


def _implausible_by_sorting(cols: list[pd.Series]) -> list[pd.Series]:
    """The implausible-date rule as first written (sort every date cell): the oracle
    for the counting version in ``_dates.implausible``."""
    import numpy as np

    from cmalt_qa._dates import EARLIEST, LATEST, TAIL_GAP_DAYS, TAIL_SHARE

    lo, hi = np.datetime64(EARLIEST, "ns"), np.datetime64(LATEST, "ns")
    flags = [(c < lo) | (c > hi) for c in cols]
    ok = np.sort(
        np.concatenate([c[~f & c.notna()].to_numpy("datetime64[ns]") for c, f in zip(cols, flags)])
    ).astype(np.int64)

    def start(ordered):
        if len(ordered) < 2:
            return None
        far = np.flatnonzero(np.diff(ordered) > TAIL_GAP_DAYS * 86_400 * 10**9) + 1
        small = far[len(ordered) - far <= TAIL_SHARE * len(ordered)]
        return int(small[0]) if len(small) else None

    high, low = start(ok), start(-ok[::-1])
    if high is not None:
        flags = [f | (c >= np.datetime64(int(ok[high]), "ns")) for c, f in zip(cols, flags)]
    if low is not None:
        flags = [f | (c <= np.datetime64(int(ok[::-1][low]), "ns")) for c, f in zip(cols, flags)]
    return flags


def test_implausible_dates_by_counting_equal_the_sorting_rule() -> None:
    import numpy as np

    from cmalt_qa._dates import implausible

    rng = np.random.default_rng(18)
    tails = 0
    for _ in range(300):
        cols = []
        for _ in range(int(rng.integers(1, 4))):
            n = int(rng.integers(0, 300))
            days = rng.integers(-2000, 2000, n)
            odd = rng.random(n) < rng.choice([0, 0.01, 0.05, 0.2])
            days[odd] += rng.choice([-40000, -9000, -400, 400, 9000, 40000], odd.sum())
            c = pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(days, "D"))
            c[rng.random(n) < 0.1] = pd.NaT
            cols.append(c)
        want, got = _implausible_by_sorting(cols), implausible(cols)
        assert all(w.equals(g) for w, g in zip(want, got))
        tails += sum(int(w.sum()) for w in want) > 0
    assert tails > 100  # most cases flag some dates
