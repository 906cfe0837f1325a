"""Scores of ``cmalt_qa.feedback.lacking`` on the hand-labelled comments.

Reproduce the figures of docs/feedback.md::

    .venv/bin/python tests/feedback_scores.py

The labelled set is ``cmalt_qa/data/feedback_labelled.csv`` (shipped: the hybrid
method's model learns from part of it) (columns ``id, split, text,
description, evidence, reflection``; ``split`` is ``dev`` or ``heldout``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cmalt_qa import feedback

LABELLED = Path(__file__).resolve().parents[1] / "cmalt_qa" / "data" / "feedback_labelled.csv"


SPLITS = ("dev", "heldout", "fresh", "fresh2", "fresh3", "fresh4")


def labelled() -> pd.DataFrame:
    """The labelled comments, labels as booleans."""
    t = pd.read_csv(LABELLED, dtype={"id": str, "split": str, "text": str})
    for e in feedback.ELEMENTS:
        t[e] = t[e].astype(int).astype(bool)
    return t


def scores(split: str, method: str = "rules") -> pd.DataFrame:
    """:func:`cmalt_qa.feedback.evaluate` on one split."""
    t = labelled()
    t = t[t["split"] == split].reset_index(drop=True)
    return feedback.evaluate(feedback.lacking(t["text"], method=method), t)


def main() -> None:
    pd.set_option("display.width", 120)
    for method in ("rules", "hybrid"):
        for split in SPLITS:
            s = scores(split, method).set_index("measure")
            print(f"\n{method}, {split}: {int(s.loc['macro', 'n'])} comments")
            print(s.round(3).to_string())


if __name__ == "__main__":
    main()
