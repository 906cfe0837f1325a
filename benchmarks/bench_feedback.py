"""Benchmark 5: ``cmalt_qa.feedback.lacking`` on 10,000 comments.

Subject: ``feedback.lacking(texts)`` on 10,000 distinct comments, each two comments of
the hand-labelled set (``cmalt_qa/data/feedback_labelled.csv``) joined, with a distinct
reference number so that no reading is reused (``--quick``: 2,000). Reference: a plain
regex pass over the same texts (one compiled search for the three element words per
text, the least any reader of the words must do). Reported: median seconds of each over
interleaved repeats, and the ratio. Target: at most 10 s for 10,000 comments.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

from cmalt_qa import feedback  # noqa: E402

TARGET_SECONDS = 10.0
LABELLED = c.ROOT / "cmalt_qa" / "data" / "feedback_labelled.csv"
_WORDS = re.compile(r"\b(?:descri\w*|evidenc\w*|reflect\w*)", re.IGNORECASE)


def comments(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct comments of two labelled comments each."""
    texts = pd.read_csv(LABELLED)["text"].to_numpy()
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, len(texts), n), rng.integers(0, len(texts), n)
    return [f"{texts[i]} {texts[j]} (Ref {k}.)" for k, (i, j) in enumerate(zip(a, b))]


def regex_pass(texts: list[str]) -> list[bool]:
    return [_WORDS.search(t) is not None for t in texts]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2,000 comments, 3 repeats")
    ap.add_argument("--n", type=int, help="number of comments (default 10,000)")
    ap.add_argument("--repeats", type=int, help="interleaved pairs (default 5; quick 3)")
    args = ap.parse_args(argv)
    n = args.n or (2_000 if args.quick else 10_000)
    repeats = args.repeats or (3 if args.quick else 5)
    texts = comments(n)
    rows = []
    for method in ("rules", "hybrid"):
        t = c.interleaved(
            lambda m=method: feedback.lacking(texts, method=m), lambda: regex_pass(texts), repeats
        )
        scaled = t.subject_median * 10_000 / n
        rows.append(
            [
                f"feedback.lacking(method={method!r})",
                f"{t.subject_median:.2f}",
                f"{t.reference_median:.4f}",
                f"{t.ratio:.0f}",
                f"{scaled:.2f}",
                f"<= {TARGET_SECONDS:.0f} s",
                c.verdict(scaled <= TARGET_SECONDS),
            ]
        )
    body = "\n".join(
        [
            f"### 5. feedback.lacking, {n:,} comments",
            "",
            f"Data: {n:,} distinct comments (two labelled comments each, mean "
            f"{np.mean([len(x) for x in texts]):.0f} characters). Reference: one regex search "
            f"for the element words per text. Median of {repeats} interleaved pairs.",
            "",
            c.table_md(
                [
                    "subject",
                    "lacking s (median)",
                    "regex pass s (median)",
                    "ratio",
                    "s per 10,000",
                    "target",
                    "verdict",
                ],
                rows,
            ),
        ]
    )
    print(body)
    c.write_section("feedback", body + f"\n\nCommand: `{c.command_line()}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
