"""Benchmark 1: ``cmalt_qa.load`` (read + validation) against a plain pandas read.

Subject: ``qa.load(folder)`` on a synthetic dataset of 200,000 submissions (about 2.6
million rating rows; ``--quick``: 20,000). Reference: ``pandas.read_csv`` of the same
three CSV files with the pyarrow engine (the C engine when pyarrow is missing), nothing
else. Reported: the median of interleaved per-pair ratios load / read (target <= 2).

With ``--before REV`` the package as it was at git revision REV (``git archive REV
cmalt_qa``) is timed against the same reference in the same run, for a before/after
record. Only read-only git commands are used.
"""

from __future__ import annotations

import argparse
import importlib
import io
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

import cmalt_qa as qa  # noqa: E402

TARGET = 2.0
DEFAULT_BEFORE = "c4dee08"  # the last commit before the loader's performance work


def pandas_read(folder: Path) -> Callable[[], list[pd.DataFrame]]:
    try:
        import pyarrow  # noqa: F401

        engine = "pyarrow"
    except ImportError:
        engine = "c"

    def read() -> list[pd.DataFrame]:
        return [pd.read_csv(f, engine=engine) for f in sorted(folder.glob("*.csv"))]

    return read


def loader_at(rev: str, workdir: Path) -> ModuleType:
    """The package as at git revision ``rev`` (the loader is spread over several
    modules), importable under another name (``cmalt_qa_before``)."""
    dst = workdir / "cmalt_qa_before"
    archive = subprocess.run(
        ["git", "archive", rev, "cmalt_qa"], cwd=c.ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(workdir, filter="data")
    (workdir / "cmalt_qa").rename(dst)
    sys.path.insert(0, str(workdir))
    return importlib.import_module("cmalt_qa_before")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20,000 submissions, 3 repeats")
    ap.add_argument("--n", type=int, help="number of submissions (default 200,000)")
    ap.add_argument("--repeats", type=int, help="interleaved pairs (default 5; quick 3)")
    ap.add_argument(
        "--before",
        metavar="REV",
        nargs="?",
        const=DEFAULT_BEFORE,
        help=f"also time the loader at git revision REV (default {DEFAULT_BEFORE})",
    )
    args = ap.parse_args(argv)
    n = args.n or (20_000 if args.quick else 200_000)
    repeats = args.repeats or (3 if args.quick else 5)

    folder = c.dataset(n)
    rows = c.csv_rows(folder)
    read = pandas_read(folder)
    recs = qa.load(folder)
    assert len(recs.problems) == 0, "synthetic data should load cleanly"
    after = c.interleaved(lambda: qa.load(folder), read, repeats)

    lines = [
        f"### 1. load + validation, {n:,} submissions",
        "",
        f"Data: {rows.get('submissions', 0):,} submission rows, {rows.get('ratings', 0):,} "
        f"rating rows, {rows.get('assessors', 0)} assessor rows "
        f"({sum(f.stat().st_size for f in folder.glob('*.csv')) / 1e6:.0f} MB of CSV).",
        "Reference: `pd.read_csv(engine='pyarrow')` of the same three files. "
        f"Median of {repeats} interleaved pairs.",
        "",
    ]
    table = [
        [
            "load (working tree)",
            f"{after.subject_median:.2f}",
            f"{after.reference_median:.2f}",
            f"{after.ratio:.2f}",
            f"<= {TARGET}",
            c.verdict(after.ratio <= TARGET),
        ]
    ]
    if args.before:
        with tempfile.TemporaryDirectory(prefix="cmalt-before-") as tmp:
            old = loader_at(args.before, Path(tmp))
            reps = max(2, repeats - 2)  # the old loader is slow; fewer pairs suffice
            before = c.interleaved(lambda: old.load(folder), read, reps, warmup=0)
        table.insert(
            0,
            [
                f"load at {args.before} (before)",
                f"{before.subject_median:.2f}",
                f"{before.reference_median:.2f}",
                f"{before.ratio:.2f}",
                f"<= {TARGET}",
                c.verdict(before.ratio <= TARGET),
            ],
        )
        table.append(
            ["speed-up before/after", "", "", f"{before.ratio / after.ratio:.1f}x", "", ""]
        )
    lines.append(
        c.table_md(
            [
                "subject",
                "subject s (median)",
                "pandas read s (median)",
                "ratio",
                "target",
                "verdict",
            ],
            table,
        )
    )
    body = "\n".join(lines)
    print(body)
    c.write_section("load", body + f"\n\nCommand: `{c.command_line()}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
