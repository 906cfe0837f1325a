"""Figures only the reports need (counts of submissions, trend lines over years).

The analysis figures live beside these in :mod:`cmalt_qa.plots`; these draw report-level
views of the same tables, with the same palette (:mod:`cmalt_qa.plots._style`). Each takes a tidy
table, returns the Axes, states its finding in the title and stores a text alternative
with :func:`~cmalt_qa.plots._style.alt_text`. Re-exported by :mod:`cmalt_qa.plots` and :mod:`cmalt_qa.reports`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .._words import plural
from ._style import (
    ACCENT,
    GAP_COLOURS,
    NEUTRAL,
    OKABE_ITO,
    PATHWAY_COLOURS,
    alt_text,
    mark_suppressed,
    nothing_to_show,
    suppressed_rows,
)

__all__ = ["plot_submission_counts", "plot_rate_by", "plot_gap_trends"]

_TYPE_HATCH = {"first": "", "resubmission": "//", "review": ".."}


def plot_submission_counts(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Stacked bars of submissions per pathway, one segment per kind of submission.

    ``table`` as :func:`cmalt_qa.reports.submission_counts` returns with ``by=("pathway",
    "submission_type")``.
    """
    for c in ("pathway", "submission_type", "n"):
        if c not in table:
            raise ValueError(f"plot_submission_counts: table lacks column {c!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 3.6))
    wide = table.pivot_table(
        index="pathway", columns="submission_type", values="n", aggfunc="sum", fill_value=0
    )
    pathways = [p for p in PATHWAY_COLOURS if p in wide.index]
    wide = wide.reindex(pathways)
    left = np.zeros(len(wide))
    for kind in [k for k in _TYPE_HATCH if k in wide.columns]:
        v = wide[kind].to_numpy(float)
        ax.barh(
            range(len(wide)),
            v,
            left=left,
            color=[PATHWAY_COLOURS[p] for p in pathways],
            hatch=_TYPE_HATCH[kind],
            edgecolor="white",
            label=kind,
        )
        left += v
    for i, total in enumerate(left):
        ax.text(total, i, f" {int(total)}", va="center")
    ax.set_yticks(range(len(wide)), pathways)
    ax.set_xlabel("Submissions")
    ax.set_ylabel("Pathway")
    ax.set_xlim(0, max(left.max() * 1.15, 1))
    handles = [
        plt.Rectangle((0, 0), 1, 1, facecolor="white", edgecolor=NEUTRAL, hatch=h)
        for k, h in _TYPE_HATCH.items()
        if k in wide.columns
    ]
    ax.legend(
        handles,
        [k for k in _TYPE_HATCH if k in wide.columns],
        title="Kind",
        loc="lower right",
        frameon=False,
    )
    top = pathways[int(np.argmax(left))] if len(left) else "none"
    ax.set_title(f"{int(left.sum())} submissions; most on {top}")
    parts = ", ".join(f"{p} {int(t)}" for p, t in zip(pathways, left))
    alt_text(ax, f"Bar chart of submissions by pathway: {parts}; the largest group is {top}.")
    return ax


def _mark_withheld(ax: Axes, table: pd.DataFrame, x: str, value: str) -> int:
    """Hatched "suppressed" marks under the points of a line chart that are withheld.

    Returns how many points are withheld (for the alt text).
    """
    gone = suppressed_rows(table, value)
    if not gone.any():
        return 0
    where = sorted({float(ax.xaxis.convert_units(str(v))) for v in table.loc[gone, x]})
    mark_suppressed(ax, where, extent=(0.0, 0.06), width=0.5, text=False)
    ax.legend(frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
    return int(gone.sum())


def plot_rate_by(
    table: pd.DataFrame,
    *,
    x: str = "year",
    group: str | None = "pathway",
    rate: str = "rate",
    what: str = "referral rate",
    ax: Axes | None = None,
) -> Axes:
    """Lines of a rate over ``x`` with interval bands, one per ``group``.

    ``table`` needs ``x``, ``rate``, ``ci_low``/``ci_high`` (or ``<rate>_ci_low`` ...) and
    ``group`` if given; pathway groups take their fixed colours.
    """
    lo_c = f"{rate}_ci_low" if f"{rate}_ci_low" in table else "ci_low"
    hi_c = f"{rate}_ci_high" if f"{rate}_ci_high" in table else "ci_high"
    for c in (x, rate, lo_c, hi_c, *([group] if group else [])):
        if c not in table:
            raise ValueError(f"plot_rate_by: table lacks column {c!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.2))
    series = list(table.groupby(group, sort=True)) if group else [(None, table)]
    palette = [OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "reddish_purple")]
    changes = []
    for j, (name, g) in enumerate(series):
        g = g.sort_values(x)
        colour = PATHWAY_COLOURS.get(name, palette[j % len(palette)]) if name else ACCENT
        xs = g[x].astype(str).to_numpy()
        ax.plot(xs, g[rate], marker="o", color=colour, label=name or what)
        ax.fill_between(xs, g[lo_c].astype(float), g[hi_c].astype(float), color=colour, alpha=0.15)
        valid = g.dropna(subset=[rate])
        if len(valid) >= 2:
            changes.append(
                (
                    name or "all",
                    valid[x].iloc[0],
                    valid[rate].iloc[0],
                    valid[x].iloc[-1],
                    valid[rate].iloc[-1],
                )
            )
    ax.set_xlabel(x.replace("_", " ").capitalize())
    ax.set_ylabel(f"{what.capitalize()} (95% interval)")
    ax.set_ylim(0, 1)
    ax.tick_params(axis="x", rotation=45)
    if group:
        ax.legend(
            title=group.capitalize(), frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left"
        )
    withheld = _mark_withheld(ax, table, x, rate)
    gone = f" {plural(withheld, 'point')} suppressed." if withheld else ""
    if changes:
        big = max(changes, key=lambda c: abs(c[4] - c[2]))
        verb = "rose" if big[4] > big[2] else "fell" if big[4] < big[2] else "held"
        ax.set_title(f"Largest change: {big[0]} {what} {verb} from {big[2]:.0%} to {big[4]:.0%}")
        desc = "; ".join(f"{c[0]} {c[2]:.0%} in {c[1]} and {c[4]:.0%} in {c[3]}" for c in changes)
        alt_text(ax, f"Line chart of the {what} by {x} with 95% interval bands: {desc}.{gone}")
    else:
        ax.set_title(f"Too few {x}s to show a trend in the {what}")
        alt_text(ax, f"Line chart of the {what} by {x}: fewer than two values per group.{gone}")
    return ax


def plot_gap_trends(table: pd.DataFrame, *, x: str = "year", ax: Axes | None = None) -> Axes:
    """Share of R decisions lacking each element, over ``x`` (``referrals.gaps(by=(x,))``)."""
    elements = [e for e in GAP_COLOURS if f"{e}_rate" in table]
    if x not in table or not elements:
        raise ValueError("plot_gap_trends needs the x column and <element>_rate columns")
    if table[x].duplicated().any():
        raise ValueError(f"plot_gap_trends draws one point per {x}: group the table by {x} only")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.2))
    num = [c for c in table.columns if c.startswith(tuple(elements)) and c != x]
    t = table.sort_values(x).astype({c: float for c in num})
    if not t[[f"{e}_rate" for e in elements]].notna().any().any():
        return nothing_to_show(ax, "Elements lacking in R decisions")
    xs = t[x].astype(str).to_numpy()
    markers = {"description": "s", "evidence": "^", "reflection": "o"}
    for e in elements:
        ax.plot(
            xs,
            t[f"{e}_rate"],
            marker=markers.get(e, "o"),
            color=GAP_COLOURS[e],
            label=e.capitalize(),
        )
        if f"{e}_rate_ci_low" in t:
            ax.fill_between(
                xs,
                t[f"{e}_rate_ci_low"].astype(float),
                t[f"{e}_rate_ci_high"].astype(float),
                color=GAP_COLOURS[e],
                alpha=0.15,
            )
    ax.set_xlabel(x.replace("_", " ").capitalize())
    ax.set_ylabel("Share of R decisions lacking it (95% interval)")
    ax.set_ylim(0, 1)
    ax.legend(title="Element lacking", frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
    withheld = sum(_mark_withheld(ax, t, x, f"{e}_rate") for e in elements)
    means = {e: float(np.nanmean(t[f"{e}_rate"].astype(float))) for e in elements}
    lead = max(means, key=means.get)
    x0, x1 = t[x].iloc[0], t[x].iloc[-1]
    r0, r1 = t[f"{lead}_rate"].iloc[0], t[f"{lead}_rate"].iloc[-1]
    ax.set_title(
        f"{lead.capitalize()} is the element most often lacking in every period"
        if all(t[f"{lead}_rate"] >= t[[f"{e}_rate" for e in elements]].max(axis=1))
        else f"{lead.capitalize()} is the element most often lacking on average"
    )
    alt_text(
        ax,
        f"Line chart of the share of R decisions lacking each element by {x}. "
        f"{lead.capitalize()}: {r0:.0%} in {x0} and {r1:.0%} in {x1}; average shares "
        + ", ".join(f"{e} {m:.0%}" for e, m in means.items())
        + "."
        + (f" {withheld} value(s) suppressed." if withheld else ""),
    )
    return ax
