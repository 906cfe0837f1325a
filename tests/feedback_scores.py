"""Scores of ``cmalt_qa.feedback.lacking`` on the hand-labelled comments.

Reproduce the figures of docs/feedback.md::

    .venv/bin/python tests/feedback_scores.py

The labelled set is ``tests/data/feedback_labelled.csv`` (columns ``id, split, text,
description, evidence, reflection``; ``split`` is ``dev`` or ``heldout``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cmalt_qa import feedback

LABELLED = Path(__file__).resolve().parent / "data" / "feedback_labelled.csv"


def labelled() -> pd.DataFrame:
    """The labelled comments, labels as booleans."""
    t = pd.read_csv(LABELLED, dtype={"id": str, "split": str, "text": str})
    for e in feedback.ELEMENTS:
        t[e] = t[e].astype(int).astype(bool)
    return t


def scores(split: str) -> pd.DataFrame:
    """:func:`cmalt_qa.feedback.evaluate` on one split."""
    t = labelled()
    t = t[t["split"] == split].reset_index(drop=True)
    return feedback.evaluate(feedback.lacking(t["text"]), t)


def main() -> None:
    pd.set_option("display.width", 120)
    for split in ("dev", "heldout", "fresh", "fresh2", "fresh3"):
        s = scores(split).set_index("measure")
        print(f"\n{split}: {int(s.loc['macro', 'n'])} comments")
        print(s.round(3).to_string())


if __name__ == "__main__":
    main()
