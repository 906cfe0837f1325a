"""One palette for every figure: Okabe-Ito (colour-blind safe), fixed per rating and pathway."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import pandas as pd
from matplotlib.axes import Axes

__all__ = [
    "OKABE_ITO",
    "RATING_COLOURS",
    "PATHWAY_COLOURS",
    "GAP_COLOURS",
    "SEQUENTIAL_CMAP",
    "ACCENT",
    "ALERT",
    "NEUTRAL",
    "alt_text",
    "nothing_to_show",
    "require_columns",
    "SUPPRESSED_LABEL",
    "suppressed_rows",
    "mark_suppressed",
]

# Okabe, M. & Ito, K. (2008). Color Universal Design. https://jfly.uni-koeln.de/color/
OKABE_ITO: Final[Mapping[str, str]] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}

RATING_COLOURS: Final[Mapping[str, str]] = {
    "S": OKABE_ITO["blue"],
    "A": OKABE_ITO["sky_blue"],
    "R": OKABE_ITO["vermillion"],
}
"""Strong, Adequate, Revisions required."""

PATHWAY_COLOURS: Final[Mapping[str, str]] = {
    "ACMALT": OKABE_ITO["orange"],
    "CMALT": OKABE_ITO["bluish_green"],
    "SCMALT": OKABE_ITO["reddish_purple"],
}

GAP_COLOURS: Final[Mapping[str, str]] = {
    "description": OKABE_ITO["sky_blue"],
    "evidence": OKABE_ITO["orange"],
    "reflection": OKABE_ITO["vermillion"],
}

SEQUENTIAL_CMAP: Final[str] = "cividis"
"""Perceptually uniform and readable with colour-vision deficiency (Nuñez et al. 2018)."""

ACCENT: Final[str] = OKABE_ITO["blue"]
ALERT: Final[str] = OKABE_ITO["vermillion"]
NEUTRAL: Final[str] = OKABE_ITO["grey"]


HEADLINE_MIN_N: Final[int] = 10
"""A figure's title names a group (lowest, highest, most often) only among groups with
at least this many behind them; smaller groups are drawn but never headlined."""


def alt_text(ax: Axes, text: str) -> Axes:
    """Attach a text alternative that states the figure's finding to ``ax``'s figure.

    Stored as the figure's label (read back with ``fig.get_label()``), so the reports can
    put it in the image's ``alt`` attribute instead of nbconvert's placeholder.
    """
    fig = ax.get_figure()
    if fig is not None:
        fig.set_label(text)
    return ax


def nothing_to_show(ax: Axes, what: str) -> Axes:
    """An empty figure that says so: no data yet (nothing decided, rated or published).

    Thin datasets (a period just opened, no ratings) must give a readable report, not a
    crash or an empty frame; the title and the text alternative say the same.
    """
    ax.set_axis_off()
    ax.text(0.5, 0.5, "nothing to show yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(f"{what}: nothing to show yet")
    alt_text(ax, f"{what}: nothing to show yet (no decided or published figures).")
    return ax


def require_columns(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise a clear error when a plot is given something other than the table it draws.

    Raises
    ------
    TypeError
        ``table`` is not a DataFrame.
    ValueError
        ``table`` lacks one of ``columns`` (named in the message with ``what``).
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{what} takes a DataFrame, got {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what}: the table lacks column(s) {missing}")


SUPPRESSED_LABEL: Final[str] = "suppressed"
"""The word a published figure writes where a group's figures are withheld."""


def suppressed_rows(table: pd.DataFrame, value: str) -> pd.Series:
    """Rows whose ``value`` is withheld by disclosure control (a published table's
    ``suppressed`` column says which rows had a cell hidden; there a missing value is
    hidden, not undefined)."""
    if "suppressed" not in table:
        return pd.Series(False, index=table.index)
    return table["suppressed"].fillna(False).astype(bool) & table[value].isna()


def mark_suppressed(
    ax: Axes,
    positions: Sequence[float],
    *,
    horizontal: bool = False,
    extent: tuple[float, float] = (0.0, 1.0),
    width: float = 0.8,
    text: bool = True,
    legend: bool = True,
) -> None:
    """Draw a hatched grey placeholder reading "suppressed" at each position.

    A group withheld by disclosure control stays visible as withheld: it is never an
    absent bar (which reads as zero) nor a silently missing point.

    Parameters
    ----------
    ax : Axes
    positions : sequence of float
        Bar positions (x, or y when ``horizontal``).
    horizontal : bool
        Bars along x at y positions (forest and dot plots by section).
    extent : (float, float)
        Where the placeholder spans along the value axis.
    width : float
        Its thickness across the position axis.
    text : bool
        Write "suppressed" on each placeholder (off where placeholders are too thin;
        the legend then says what the hatching means).
    legend : bool
        Give the first placeholder the legend label "suppressed".
    """
    from matplotlib.patches import Rectangle

    for k, p in enumerate(positions):
        lo, hi = extent
        xy, w, h = (
            ((lo, p - width / 2), hi - lo, width)
            if horizontal
            else ((p - width / 2, lo), width, hi - lo)
        )
        ax.add_patch(
            Rectangle(
                xy,
                w,
                h,
                facecolor="none",
                edgecolor=NEUTRAL,
                hatch="///",
                lw=0.8,
                zorder=0,
                label=SUPPRESSED_LABEL if k == 0 and legend else None,
            )
        )
        if not text:
            continue
        cx, cy = ((lo + hi) / 2, p) if horizontal else (p, (lo + hi) / 2)
        ax.text(
            cx,
            cy,
            SUPPRESSED_LABEL,
            ha="center",
            va="center",
            fontsize="x-small",
            rotation=0 if horizontal else 90,
            color="black",
            zorder=5,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )
