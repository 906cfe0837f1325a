"""Benchmark 4: peak memory of ``cmalt_qa.load`` against the size of the loaded tables.

Each measurement runs in a fresh child interpreter, which imports what it needs, records
its resident set after the imports (``VmRSS`` from ``/proc/self/status``), does one thing
and reports its peak resident set, ``VmHWM`` from ``/proc/self/status`` (KiB). Not
``resource.getrusage(RUSAGE_SELF).ru_maxrss``: on Linux that keeps the high-water mark
of the process image replaced by ``exec``, so a child forked from a big parent reports
the parent's peak (seen here: both children reported the runner's 2.4 GB).
``ru_maxrss`` is still recorded, for comparison. The figure is the peak increase over
the post-import baseline:

* subject: ``qa.load(folder)`` of 200,000 submissions (``--quick``: 20,000);
* reference: ``pd.read_csv(engine="pyarrow")`` of the same three files;
* size of the loaded tables: ``DataFrame.memory_usage(deep=True).sum()`` over
  ``recs.submissions``, ``recs.ratings``, ``recs.assessors`` and ``recs.problems``,
  measured in the loading child. ``deep=True`` counts every string cell's object in
  full, even where cells share one object, so it can exceed what the tables really hold.

Target: the load's peak increase within 3x the loaded tables. Children are run
alternately (reference, load, ...) and the median of the repeats is reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402
import bench_load  # noqa: E402

TARGET = 3.0

CHILD = r"""
import json, re, resource, sys
from pathlib import Path
import pandas as pd
import cmalt_qa as qa

def status_kib(field):
    text = Path("/proc/self/status").read_text()
    return int(re.search(field + r":\s*(\d+)", text).group(1))

def rss_kib():
    return status_kib("VmRSS")

what, folder = sys.argv[1], Path(sys.argv[2])
if what == "before":  # the loader at another revision (see bench_load.loader_at)
    sys.path.insert(0, sys.argv[3])
    import cmalt_qa_before as qa
base = rss_kib()
out = {"baseline_kib": base}
if what in ("load", "before"):
    recs = qa.load(folder)
    tables = [recs.submissions, recs.ratings, recs.assessors, recs.problems]
    peak = status_kib("VmHWM")
    out["tables_bytes"] = int(sum(t.memory_usage(deep=True).sum() for t in tables))
else:
    frames = [pd.read_csv(f, engine="pyarrow") for f in sorted(folder.glob("*.csv"))]
    peak = status_kib("VmHWM")
    out["tables_bytes"] = int(sum(t.memory_usage(deep=True).sum() for t in frames))
out["peak_kib"] = peak
out["ru_maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out["held_kib"] = rss_kib()
print(json.dumps(out))
"""


def child(what: str, folder: Path, *extra: str) -> dict[str, int]:
    return json.loads(c.run_child(CHILD, what, str(folder), *extra).strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20,000 submissions, 2 repeats")
    ap.add_argument("--n", type=int, help="number of submissions (default 200,000)")
    ap.add_argument("--repeats", type=int, help="children of each kind (default 3)")
    ap.add_argument(
        "--before",
        metavar="REV",
        nargs="?",
        const=bench_load.DEFAULT_BEFORE,
        help=f"also measure the loader at git revision REV (default {bench_load.DEFAULT_BEFORE})",
    )
    args = ap.parse_args(argv)
    n = args.n or (20_000 if args.quick else 200_000)
    repeats = args.repeats or (2 if args.quick else 3)
    folder = c.dataset(n)

    runs: dict[str, list[dict[str, int]]] = {"read": [], "load": [], "before": []}
    with tempfile.TemporaryDirectory(prefix="cmalt-before-") as tmp:
        if args.before:
            bench_load.loader_at(args.before, Path(tmp))
        for _ in range(repeats):
            for what in ("read", "load", "before") if args.before else ("read", "load"):
                runs[what].append(child(what, folder, tmp))

    def med(what: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[what])

    mib = 1024.0
    load_inc = med("load", "peak_kib") - med("load", "baseline_kib")
    read_inc = med("read", "peak_kib") - med("read", "baseline_kib")
    tables = med("load", "tables_bytes") / 1024**2
    read_tables = med("read", "tables_bytes") / 1024**2
    ratio = load_inc / mib / tables
    rows = [
        [
            "qa.load",
            f"{med('load', 'baseline_kib') / mib:.0f}",
            f"{med('load', 'peak_kib') / mib:.0f}",
            f"{load_inc / mib:.0f}",
            f"{tables:.0f}",
            f"{ratio:.2f}",
        ],
        [
            "pd.read_csv(engine='pyarrow')",
            f"{med('read', 'baseline_kib') / mib:.0f}",
            f"{med('read', 'peak_kib') / mib:.0f}",
            f"{read_inc / mib:.0f}",
            f"{read_tables:.0f}",
            f"{read_inc / mib / read_tables:.2f}",
        ],
    ]
    if args.before:
        b_inc = med("before", "peak_kib") - med("before", "baseline_kib")
        b_tab = med("before", "tables_bytes") / 1024**2
        rows.insert(
            0,
            [
                f"qa.load at {args.before} (before)",
                f"{med('before', 'baseline_kib') / mib:.0f}",
                f"{med('before', 'peak_kib') / mib:.0f}",
                f"{b_inc / mib:.0f}",
                f"{b_tab:.0f}",
                f"{b_inc / mib / b_tab:.2f}",
            ],
        )
    body = "\n".join(
        [
            f"### 4. Peak memory of load, {n:,} submissions",
            "",
            "Peak RSS (`VmHWM`) of a fresh child minus its RSS after imports; tables = "
            "`memory_usage(deep=True)` summed over the loaded tables. Median of "
            f"{repeats} children of each kind, run alternately.",
            "",
            c.table_md(
                [
                    "child",
                    "RSS after imports MiB",
                    "peak RSS MiB",
                    "peak increase MiB",
                    "tables MiB (deep)",
                    "increase / tables",
                ],
                rows,
            ),
            "",
            f"load peak increase / loaded tables = {ratio:.2f} (target <= {TARGET}): "
            f"{c.verdict(ratio <= TARGET)}. Load peak increase / plain read peak increase = "
            f"{load_inc / read_inc:.2f}.",
        ]
    )
    print(body)
    c.write_section("memory", body + f"\n\nCommand: `{c.command_line()}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
