"""Plots for the assessor tables: a severity caterpillar and a workload heat map.

Both draw tables returned by :mod:`cmalt_qa.assessors` (staff-only material: the figures
name pseudonymous assessor keys and belong in staff reports only).
"""

from __future__ import annotations

from typing import Literal

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from .._words import plural
from ._style import ACCENT, ALERT, NEUTRAL, SEQUENTIAL_CMAP, alt_text, require_columns

__all__ = ["plot_severity", "plot_workload"]


def plot_severity(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    estimate: Literal["severity", "severity_shrunk"] = "severity",
    max_labels: int = 60,
) -> Axes:
    """Caterpillar plot of assessor severity with bootstrap intervals.

    Parameters
    ----------
    table : DataFrame
        From :func:`cmalt_qa.assessors.severity`. Rows without an interval (fewer
        portfolios than ``min_portfolios``) are left out and counted in the alt text.
    ax : Axes, optional
    estimate : {"severity", "severity_shrunk"}
        Which estimate orders the assessors and is drawn as the main point; the other
        is drawn as a small grey cross, so the effect of shrinkage is visible.
    max_labels : int
        Label each assessor on the y axis when there are at most this many.

    Returns
    -------
    Axes
        Sorted from most severe (bottom) to most lenient (top), zero line, out-of-line
        assessors as vermilion diamonds, the others as blue circles.
    """
    require_columns(table, ["assessor_id", "severity", "severity_shrunk", "ci_low", "ci_high", "out_of_line"],
          "plot_severity")  # fmt: skip
    if estimate not in ("severity", "severity_shrunk"):
        raise ValueError(f"estimate must be 'severity' or 'severity_shrunk', got {estimate!r}")
    other = "severity_shrunk" if estimate == "severity" else "severity"
    shown = table[np.isfinite(table["ci_low"]) & np.isfinite(table["ci_high"])]
    shown = shown.sort_values(estimate, kind="stable").reset_index(drop=True)
    left_out = len(table) - len(shown)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, max(3.0, 0.18 * len(shown) + 1.5)))
    y = np.arange(len(shown))
    flag = shown["out_of_line"].to_numpy(dtype=bool)
    est = shown[estimate].to_numpy(dtype=float)
    err = np.vstack([est - shown["ci_low"].to_numpy(float), shown["ci_high"].to_numpy(float) - est])
    ax.axvline(0.0, color=NEUTRAL, lw=1, ls="--", zorder=0)
    for mask, colour, marker in ((~flag, ACCENT, "o"), (flag, ALERT, "D")):
        if mask.any():
            ax.errorbar(est[mask], y[mask], xerr=np.abs(err[:, mask]), fmt=marker, color=colour,
                        ms=5, elinewidth=1.2, capsize=0)  # fmt: skip
    ax.plot(shown[other].to_numpy(float), y, "x", color=NEUTRAL, ms=4)
    if len(shown) <= max_labels:
        ax.set_yticks(y, shown["assessor_id"].astype(str).tolist(), fontsize=7)
    else:
        ax.set_yticks([])
    ax.set_ylabel("assessor (sorted)")
    ax.set_xlabel(f"{'raw' if estimate == 'severity' else 'shrunken'} mean score difference from "
                  "co-assessor per section\n(negative = more severe; R=0, A=1, S=2)")  # fmt: skip
    ax.legend(
        handles=[
            Line2D([], [], marker="o", color=ACCENT, ls="", label="in line"),
            Line2D([], [], marker="D", color=ALERT, ls="", label="out of line"),
            Line2D([], [], marker="x", color=NEUTRAL, ls="", label=other.replace("_", " ")),
        ],
        loc="lower right", fontsize=7, frameon=False,
    )  # fmt: skip
    n_flag = int(flag.sum())
    names = ", ".join(f"{a} ({v:+.2f})" for a, v in zip(shown.loc[flag, "assessor_id"], est[flag]))
    if n_flag:
        title = f"{n_flag} of {len(shown)} assessors out of line with their co-assessors"
        finding = f"{title}: {names}."
    else:
        title = f"No assessor of {len(shown)} is out of line with their co-assessors"
        finding = f"{title}."
    ax.set_title(title, fontsize=10)
    rng = (
        f" Severity ranges from {est.min():+.2f} to {est.max():+.2f} score points."
        if len(shown)
        else ""
    )
    tail = (
        f" {plural(left_out, 'assessor')} with too few portfolios "
        f"{plural(left_out, 'is', 'are', number=False)} not shown."
        if left_out
        else ""
    )
    alt_text(ax, f"Caterpillar plot of assessor severity with {int(100 * table.attrs.get('ci', 0.95))}% "
                 f"intervals. {finding}{rng}{tail}")  # fmt: skip
    return ax


def _workload_bars(table: pd.DataFrame, grid: pd.DataFrame, period: str, ax: Axes | None) -> Axes:
    """One period: seats per assessor as horizontal bars (a one-column heat map hides them)."""
    col = grid.columns[0]
    seats = grid[col].fillna(0).iloc[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, max(2.5, 0.2 * len(seats) + 1.4)))
    y = np.arange(len(seats))
    ax.barh(y, seats.to_numpy(float), color=ACCENT)
    ax.set_yticks(y, seats.index.astype(str).tolist(), fontsize=7)
    ax.set_ylim(-0.7, len(seats) - 0.3)
    ax.set_xlabel("portfolios assessed (lead + second)")
    ax.set_ylabel(f"assessor (busiest {len(seats)})")
    total = int(seats.sum())
    title = (
        f"Busiest assessor, {seats.idxmax()}, held {int(seats.max())} of {total} seats in {col}"
        if total
        else f"No assessments in {col}"
    )
    ax.set_title(title, fontsize=10)
    alt_text(
        ax,
        f"Bar chart of portfolios per assessor in {col}. {title}; "
        f"{int(table['assessor_id'].nunique())} assessors in all.",
    )
    return ax


def plot_workload(table: pd.DataFrame, *, ax: Axes | None = None, top: int = 30) -> Axes:
    """Heat map of portfolios per assessor (rows) and period (columns).

    Parameters
    ----------
    table : DataFrame
        From :func:`cmalt_qa.assessors.workload` (``assessor_id``, a period column
        ``window`` or ``year``, ``total``).
    ax : Axes, optional
    top : int
        Show the ``top`` busiest assessors over all periods.

    Returns
    -------
    Axes
        Cells coloured by the number of seats held (lead + second); blank = none.
    """
    period = "window" if "window" in table.columns else "year"
    require_columns(table, ["assessor_id", period, "total"], "plot_workload")
    if top < 1:
        raise ValueError("top must be at least 1")
    grid = table.pivot_table(index="assessor_id", columns=period, values="total", aggfunc="sum")
    per_period = grid.sum(axis=0)
    shares = grid.max(axis=0) / per_period
    grid = grid.loc[grid.sum(axis=1).sort_values(ascending=False, kind="stable").index[:top]]
    if grid.shape[1] == 1:
        return _workload_bars(table, grid, period, ax)
    if ax is None:
        _, ax = plt.subplots(
            figsize=(max(5.0, 0.35 * grid.shape[1] + 2.5), max(3.0, 0.2 * len(grid) + 1.5))
        )
    im = ax.imshow(np.ma.masked_invalid(grid.to_numpy(float)), aspect="auto", cmap=SEQUENTIAL_CMAP,
                   interpolation="nearest")  # fmt: skip
    ax.set_xticks(np.arange(grid.shape[1]), [str(c) for c in grid.columns], rotation=90, fontsize=7)
    ax.set_yticks(np.arange(len(grid)), grid.index.astype(str).tolist(), fontsize=7)
    ax.set_xlabel(period)
    ax.set_ylabel(f"assessor (busiest {len(grid)})")
    ax.get_figure().colorbar(im, ax=ax, label="portfolios (lead + second)")
    if len(shares):
        worst = shares.idxmax()
        title = f"Busiest assessor held {shares.max():.0%} of the seats in {worst}"
        finding = (f"{title}; {int(table['assessor_id'].nunique())} assessors held "
                   f"{int(per_period.sum())} seats over {len(per_period)} {period}s.")  # fmt: skip
    else:
        title, finding = "No assessments in the table", "No assessments in the table."
    ax.set_title(title, fontsize=10)
    alt_text(ax, f"Heat map of portfolios per assessor per {period}. {finding}")
    return ax
