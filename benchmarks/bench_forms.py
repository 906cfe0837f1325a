"""Benchmark 7: ``cmalt-qa forms`` reading 1,000 completed Word assessment forms.

Subject: :func:`cmalt_qa.forms.read_forms` on a generated corpus of about 1,000 forms
plus their submission log (``cmalt_qa.synthetic_forms.generate_forms``; ``--quick``:
about 100), everything included: finding the files, reading each form, the log,
matching, pseudonyms, redacting comments, writing the four CSV files. Reference:
``docx.Document(path)`` of the same files, nothing else (python-docx's plain open, the
first step any python-docx reader takes). The process is pinned to one core.

Reported: forms per second of CPU time on the one core (target >= 100; CPU time, from
``time.process_time`` over one more run of each, because on a shared machine the wall
clock also counts the time other processes hold the core), the same by wall clock, and
the median of interleaved per-pair wall-time ratios subject / reference (below 1: the
whole command is faster than merely opening the files with ``docx.Document``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

TARGET = 100.0  # forms per second, one core


def corpus(n_forms: int) -> tuple[Path, Path, Path]:
    """Forms folder, log and key of a corpus with about ``n_forms`` forms (made once)."""
    from cmalt_qa import synthetic_forms as sf
    from cmalt_qa.anonymise import new_key_file

    out = c.DATA_ROOT / f"forms-{n_forms}"
    if not (out / "key.txt").exists():
        # about 3% of the generated submissions are still unassessed (no form)
        sf.generate_forms(int(n_forms * 1.04) + 2, out, seed=0)
        new_key_file(out / "key.txt")
    return out / "forms", out / "log.csv", out / "key.txt"


def cpu_seconds(fn: Callable[[], object]) -> float:
    """CPU time of one call of ``fn`` in this process (the core it is pinned to)."""
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="about 100 forms, fewer repeats")
    args = ap.parse_args(argv)
    n, repeats = (100, 3) if args.quick else (1000, 3)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import docx

    from cmalt_qa.forms import read_forms

    forms, log, key = corpus(n)
    files = sorted(forms.rglob("*.docx"))
    with tempfile.TemporaryDirectory() as tmp:
        result = read_forms(forms, log, key, out=tmp)
        if not result.problems.empty:
            raise RuntimeError("the generated corpus should read without problems")
        subject = lambda: read_forms(forms, log, key, out=tmp)  # noqa: E731
        reference = lambda: [docx.Document(str(f)) for f in files]  # noqa: E731
        t = c.interleaved(subject, reference, repeats)
        cpu_subject, cpu_reference = cpu_seconds(subject), cpu_seconds(reference)
    rate = len(files) / cpu_subject
    wall_rate = len(files) / t.subject_median
    body = "\n".join(
        [
            "### 7. `cmalt-qa forms`: completed Word forms + log -> records (one core)",
            "",
            f"{len(files)} generated forms (`synthetic_forms.generate_forms`), their log of "
            f"{result.files['log_rows']} rows; {repeats} interleaved repeats after a warm-up.",
            "",
            c.table_md(
                [
                    "subject",
                    "forms",
                    "wall s (median)",
                    "`docx.Document` open wall s (median)",
                    "ratio subject / open",
                    "CPU s",
                    "open CPU s",
                    "forms per CPU second",
                    "forms per wall second",
                    "target",
                    "verdict",
                ],
                [
                    [
                        "`read_forms` (all steps, 4 CSVs written)",
                        len(files),
                        f"{t.subject_median:.2f}",
                        f"{t.reference_median:.2f}",
                        f"{t.ratio:.2f}",
                        f"{cpu_subject:.2f}",
                        f"{cpu_reference:.2f}",
                        f"{rate:.0f}",
                        f"{wall_rate:.0f}",
                        f">= {TARGET:.0f}/s",
                        c.verdict(rate >= TARGET),
                    ]
                ],
            ),  # fmt: skip
            "",
            f"Command: `{c.command_line()}`",
        ]
    )
    c.write_section("forms", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
