"""The learned half of :func:`cmalt_qa.feedback.lacking` (``method="hybrid"``, opt-in).

One logistic regression per element on TF-IDF word 1-2-grams, trained on the
``dev``, ``fresh`` and ``fresh2`` parts of the labelled comments shipped with the package
(``cmalt_qa/data/feedback_labelled.csv``), never on ``heldout``, ``fresh3`` or
``fresh4``. Trained on first use (about a second), in memory, deterministic; nothing is
downloaded. scikit-learn is imported only here, only when the model is used.

Why: the rules read "does this comment ask for anything" well but miss elements named
in words their lexicons lack (macro-F1 about 0.5 on new wording, docs/feedback.md); a
word model trained on a few hundred comments generalised better in the same test (0.78
to 0.79 on parts it had not seen).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from .scheme import GAP_ELEMENTS

LABELLED: Final[Path] = Path(__file__).resolve().parent / "data" / "feedback_labelled.csv"
"""The labelled comments (columns ``id, split, text, description, evidence, reflection``)."""

TRAIN_SPLITS: Final[tuple[str, ...]] = ("dev", "fresh", "fresh2")
"""The parts the model learns from; the others are kept for measuring it."""

THRESHOLD: Final[float] = 0.5
"""Probability at which the model calls an element lacking (fixed before any test)."""


@functools.cache
def _fitted() -> tuple[Any, dict[str, Any]]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    t = pd.read_csv(LABELLED, dtype={"id": str, "split": str, "text": str})
    t = t[t["split"].isin(TRAIN_SPLITS)]
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    x = vec.fit_transform(t["text"])
    models = {
        e: LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000).fit(
            x, t[e].astype(int).to_numpy()
        )
        for e in GAP_ELEMENTS
    }
    return vec, models


def probabilities(texts: list[str]) -> np.ndarray:
    """Probability that each element is lacking: an array ``len(texts) x 3`` (elements in
    :data:`cmalt_qa.scheme.GAP_ELEMENTS` order)."""
    if not texts:
        return np.zeros((0, len(GAP_ELEMENTS)))
    vec, models = _fitted()
    x = vec.transform(texts)
    return np.column_stack([models[e].predict_proba(x)[:, 1] for e in GAP_ELEMENTS])
