"""Simulation checks of the estimators (``make validate-stats``; see docs/validation.md).

Each module has ``run(n_datasets, seed)`` returning its result table(s) and a ``main``
that prints them as Markdown; the test suite runs reduced versions.
"""
