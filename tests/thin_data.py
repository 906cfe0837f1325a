"""Valid datasets that leave a report little or nothing to show (issue 18, item 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

import cmalt_qa as qa

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def _frames(n: int, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    subs, rats, assessors, _ = qa.synthetic.generate_frames(n, seed=seed)
    return subs, rats, assessors


def _write(out: Path, subs: pd.DataFrame, rats: pd.DataFrame, assessors: pd.DataFrame) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    subs.to_csv(out / "submissions.csv", index=False)
    rats.to_csv(out / "ratings.csv", index=False)
    assessors.to_csv(out / "assessors.csv", index=False)
    return out


def fresh_period(out: Path) -> Path:
    """The sample plus three submissions in a new period: nothing decided or rated yet."""
    subs = pd.read_csv(SAMPLE / "submissions.csv", dtype=str, keep_default_na=False)
    new = subs.iloc[-3:].copy()
    new["submission_id"] = ["S90001", "S90002", "S90003"]
    new["portfolio_id"] = ["P90001", "P90002", "P90003"]
    new["attempt"], new["submission_type"] = "1", "first"
    new["submitted_on"] = ["2026-10-02", "2026-10-03", "2026-10-05"]
    new["allocated_on"] = ["2026-10-05", "", ""]
    for c in ("assessed_on", "result_on", "outcome"):
        new[c] = ""
    out.mkdir(parents=True, exist_ok=True)
    pd.concat([subs, new]).to_csv(out / "submissions.csv", index=False)
    shutil.copy(SAMPLE / "ratings.csv", out / "ratings.csv")
    shutil.copy(SAMPLE / "assessors.csv", out / "assessors.csv")
    return out


def no_ratings(out: Path, n: int = 60) -> Path:
    """An empty ratings file (header only)."""
    subs, rats, assessors = _frames(n)
    return _write(out, subs, rats.iloc[:0], assessors)


def one_submission(out: Path) -> Path:
    """One decided submission and its ratings."""
    subs, rats, assessors = _frames(60)
    first = subs[(subs["attempt"] == "1") & (subs["result_on"] != "")].iloc[:1]
    return _write(out, first, rats[rats["submission_id"].isin(first["submission_id"])], assessors)


def small(out: Path, n: int) -> Path:
    """A synthetic dataset of ``n`` submissions."""
    return _write(out, *_frames(n))


def all_open(out: Path, n: int = 60) -> Path:
    """Every submission still in assessment: no result, outcome or rating yet."""
    subs, rats, assessors = _frames(n)
    subs = subs[subs["attempt"] == "1"].copy()
    for c in ("assessed_on", "result_on", "outcome"):
        subs[c] = ""
    if "submission_type" in subs:
        subs["submission_type"] = "first"
    return _write(out, subs, rats.iloc[:0], assessors)
