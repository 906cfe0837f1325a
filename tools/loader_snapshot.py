"""Snapshot every table ``qa.load`` / ``qa.from_frames`` returns on the sample and on
deterministic corrupted variants, to compare the loader before and after a change.

    python tools/loader_snapshot.py save DIR      # pickles one file per case into DIR
    python tools/loader_snapshot.py compare DIR   # compares the current loader with DIR

Cases: the committed sample (CSV folder, fast reader and pandas reader), a workbook of a
slice of it, and seeded random corruptions of a slice (codes, blanks, swapped dates,
duplicates, whitespace, case, bad numbers, dropped columns), each run through
``from_frames`` and through ``load`` on CSV files.
"""

from __future__ import annotations

import pickle
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import cmalt_qa as qa  # noqa: E402

SAMPLE = ROOT / "data" / "sample"
N_CASES = 80


def _raw() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    read = lambda n: pd.read_csv(SAMPLE / n, dtype=str, keep_default_na=False)  # noqa: E731
    return read("submissions.csv"), read("ratings.csv"), read("assessors.csv")


def _corrupt(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    subs, rats, asrs = _raw()
    rng = np.random.default_rng(seed)
    subs = subs.iloc[: 60 + seed % 40].copy().reset_index(drop=True)
    ids = set(subs["submission_id"])
    rats = rats[rats["submission_id"].isin(ids) | (rng.random(len(rats)) < 0.0005)]
    rats = rats.copy().reset_index(drop=True)
    asrs = asrs.copy()
    values = [
        "??",
        "",
        "  x ",
        "2025-13-01",
        "31/01/2025",
        "2019-01-18 15:42",
        "3",
        "-1",
        "R",
        "S",
        "pass",
        "fail",
        "minor",
        "distinction",
        "review",
        "resubmission",
        "first",
        "2",
        "1",
        "yes",
        "maybe",
        "ACMALT",
        "Senior CMALT",
        "6a",
        "5c",
        "P4",
        "reflection;evidence",
        "desc, typo",
        "2030-01-01",
        "1999-12-31",
    ]
    for _ in range(int(rng.integers(1, 12))):
        op = rng.integers(0, 8)
        t = [subs, rats, asrs][int(rng.integers(0, 3)) if op != 2 else 0]
        if len(t) == 0:
            continue
        r = int(rng.integers(0, len(t)))
        c = t.columns[int(rng.integers(0, len(t.columns)))]
        if op in (0, 1):
            t.loc[r, c] = values[int(rng.integers(0, len(values)))]
        elif op == 2:
            # swap two dates of a row (among those an earlier corruption left in place)
            dated = [
                d
                for d in ("submitted_on", "allocated_on", "assessed_on", "result_on")
                if d in t.columns
            ]
            if len(dated) >= 2:
                a, b = rng.choice(dated, 2, replace=False)
                t.loc[r, [a, b]] = t.loc[r, [b, a]].to_numpy()
        elif op == 3:
            t.loc[len(t)] = t.loc[r].to_numpy()
        elif op == 4:
            t.loc[r, c] = f"  {t.loc[r, c]}\t"
        elif op == 5:
            t.loc[r, c] = str(t.loc[r, c]).swapcase()
        elif op == 6:
            t.loc[r, c] = t.loc[int(rng.integers(0, len(t))), c]
        elif op == 7 and c not in (
            "submission_id",
            "section",
            "assessor_id",
            "portfolio_id",
            "attempt",
            "pathway",
            "submitted_on",
            "lead_assessor",
            "second_assessor",
        ):
            t.drop(columns=c, inplace=True)
    return subs, rats, (asrs if seed % 5 else None)


def _targeted():
    """One case per rule the random corruptions rarely reach, and refusals."""
    subs, rats, asrs = _raw()
    subs, rats = (
        subs.iloc[:80].copy(),
        rats[rats["submission_id"].isin(subs["submission_id"].iloc[:80])].copy(),
    )
    edits = {
        "same": ("submissions", 3, "second_assessor", subs.loc[3, "lead_assessor"]),
        "type": ("submissions", 4, "submission_type", "resubmission"),
        "fail1": ("submissions", 5, "outcome", "fail"),
        "distinction_phrase": ("submissions", 6, "outcome", "Pass with Distinction"),
        "blank_pid": ("submissions", 7, "portfolio_id", ""),
        "blank_section": ("ratings", rats.index[3], "section", ""),
        "pass_with_r": ("ratings", rats.index[5], "final", "R"),
        "email": ("submissions", 8, "sector", "jo@example.org"),
        "name": ("submissions", 9, "lead_assessor", "Jane Smith"),
        "bad_attempt": ("submissions", 10, "attempt", "3"),
        "blank_attempt": ("submissions", 11, "attempt", ""),
        "nominated": ("submissions", 12, "second_nominated", "perhaps"),
    }
    for name, (table, row, column, value) in edits.items():
        s, r = subs.copy(), rats.copy()
        (s if table == "submissions" else r).loc[row, column] = value
        yield f"t_{name}", lambda s=s, r=r: qa.from_frames(s, r, asrs)
    yield (
        "t_no_type_column",
        lambda: qa.from_frames(subs.drop(columns=["submission_type", "sector"]), rats),
    )
    yield "t_personal_header", lambda: qa.from_frames(subs.assign(email="x"), rats)
    yield "t_empty", lambda: qa.from_frames(subs.iloc[:0], rats.iloc[:0])


def _out(fn) -> object:
    try:
        r = fn()
    except qa.RecordsError as exc:
        return ("refused", str(exc))
    return {
        "submissions": r.submissions,
        "ratings": r.ratings,
        "assessors": r.assessors,
        "problems": r.problems,
    }


def cases():
    """(name, callable) pairs."""
    try:
        import cmalt_qa._readers as records
    except ImportError:  # the loader before the readers had a module of their own
        import cmalt_qa.records as records

    yield "sample", lambda: qa.load(SAMPLE)
    yield "sample_frames", lambda: qa.from_frames(*_raw())
    tmp = Path(tempfile.mkdtemp())
    for seed in range(N_CASES):
        s, r, a = _corrupt(seed)
        yield f"frames{seed}", lambda s=s, r=r, a=a: qa.from_frames(s, r, a)
        folder = tmp / f"c{seed}"
        folder.mkdir()
        s.to_csv(folder / "submissions.csv", index=False)
        r.to_csv(folder / "ratings.csv", index=False)
        if a is not None:
            a.to_csv(folder / "assessors.csv", index=False)
        yield f"csv{seed}", lambda f=folder: qa.load(f)
    yield from _targeted()
    s, r, a = _corrupt(7)
    book = tmp / "book.xlsx"
    with pd.ExcelWriter(book) as w:
        s.to_excel(w, sheet_name="submissions", index=False)
        r.to_excel(w, sheet_name="ratings", index=False)
    yield "xlsx", lambda: qa.load(book)
    slow = records._arrow_frame
    records._arrow_frame = lambda data: None
    try:
        yield "sample_pandas_reader", lambda: qa.load(SAMPLE)
    finally:
        records._arrow_frame = slow


def _same(a: object, b: object) -> str | None:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return None if a == b else f"{a!r:.300} != {b!r:.300}"
    for k in a:
        try:
            pd.testing.assert_frame_equal(a[k], b[k], check_exact=True)
        except AssertionError as exc:
            return f"{k}: {str(exc)[:600]}"
    return None


def main(argv: list[str]) -> int:
    mode, folder = argv[0], Path(argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    bad = 0
    n = 0
    for name, fn in cases():
        got = _out(fn)
        n += 1
        f = folder / f"{name}.pkl"
        if mode == "save":
            f.write_bytes(pickle.dumps(got))
            continue
        diff = _same(pickle.loads(f.read_bytes()), got)
        if diff:
            bad += 1
            print(f"DIFF {name}: {diff}")
    print(f"{mode}: {n} cases, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
