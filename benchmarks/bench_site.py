"""Benchmark 5: ``cmalt-qa report all`` per report against one report run alone.

Subject: ``cmalt-qa report all --data DATA --out TMP --force`` (every period's window
report, the sections and trends reports, the index) in a fresh process, wall clock,
divided by the number of reports it wrote. Reference: ``cmalt-qa report window --data
DATA --out TMP`` (one report, run alone) in a fresh process. Both with the same
``--n-boot``. Target: subject per report <= 0.5 x the reference (one kernel kept for many
reports in each of 2 worker processes, so both cores are used). The two are run
alternately ``repeats`` times; medians are reported. ``--periods N`` builds the window
reports of the latest N periods only (``report all --periods``): a smaller site that
takes minutes on a shared machine; the ratio is per report either way.

A second line measures the incremental re-run: ``report all`` again on unchanged data
(no report rebuilt; the manifest is read and the index rewritten).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402
from bench_report import timed  # noqa: E402

TARGET = 0.5


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 repeat and --n-boot 200")
    ap.add_argument("--repeats", type=int)
    ap.add_argument("--n-boot", type=int)
    ap.add_argument("--periods", type=int, help="window reports of the latest N periods only")
    args = ap.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 2)
    n_boot = str(args.n_boot or (200 if args.quick else 1000))
    data = c.ROOT / "data" / "sample"
    cli = str(Path(sys.executable).with_name("cmalt-qa"))
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="cmalt-site-bench-") as tmp:
        tmpd = Path(tmp)
        one = [
            cli,
            "report",
            "window",
            "--data",
            str(data),
            "--out",
            str(tmpd / "one"),
            "--n-boot",
            n_boot,
            "--no-progress",
        ]
        site = [
            cli,
            "report",
            "all",
            "--data",
            str(data),
            "--out",
            str(tmpd / "site"),
            "--n-boot",
            n_boot,
            "--force",
            *(["--periods", str(args.periods)] if args.periods else []),
        ]
        timed(one)  # warm-up: caches, font cache, bytecode
        singles, sites = [], []
        for _ in range(repeats):
            singles.append(timed(one))
            sites.append(timed(site))
        n_reports = len(json.loads((tmpd / "site" / "manifest.json").read_text())["reports"])
        again = timed([a for a in site if a != "--force"])  # unchanged data: nothing rebuilt
    load_end = os.getloadavg()[0]
    single, whole = statistics.median(singles), statistics.median(sites)
    per = whole / n_reports
    ratio = per / single
    rows = [
        [
            f"report all ({n_reports} reports)",
            f"{whole:.1f}",
            f"{per:.2f}",
            f"{single:.2f}",
            f"{ratio:.2f}",
            f"<= {TARGET}",
            c.verdict(ratio <= TARGET),
        ],
    ]
    body = "\n".join(
        [
            "### 5. Every period's reports: `cmalt-qa report all`",
            "",
            f"Data: `data/sample`, `--n-boot {n_boot}`"
            + (f", `--periods {args.periods}`" if args.periods else "")
            + f". Subject: the whole site in a fresh "
            f"process, divided by its {n_reports} reports; reference: one window report run "
            f"alone. Wall clock, median of {repeats} alternated runs. Re-run on unchanged data "
            f"(nothing rebuilt): {again:.1f} s. One-minute load average {load_start:.1f} at "
            f"the start and {load_end:.1f} at the end (2 cores, shared).",
            "",
            c.table_md(
                [
                    "subject",
                    "site s",
                    "per report s",
                    "one report alone s",
                    "ratio",
                    "target",
                    "verdict",
                ],
                rows,
            ),
        ]
    )
    print(body)
    c.write_section("site", body + f"\n\nCommand: `{c.command_line()}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
