"""Markdown tables for the validation printouts (no extra dependency)."""

from __future__ import annotations

import pandas as pd


def table(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def measured(table: pd.DataFrame) -> pd.DataFrame:
    """scenario, measure, "value [mc_low, mc_high]", n, target: the printed result table."""
    out = table[["scenario", "measure"]].copy()
    vals = table[["value", "mc_low", "mc_high"]].to_numpy()
    out["measured"] = [f"{v:.3f} [{lo:.3f}, {hi:.3f}]" for v, lo, hi in vals]
    out["n"], out["target"] = table["n"], table["target"]
    return out
