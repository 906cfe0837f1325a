"""Plots for the turnaround tables: time to result, open cases, promise compliance.

Each function takes a table returned by :mod:`cmalt_qa.turnaround` (``km_curves``,
``open_cases``, ``summary``) and ``ax=None``, and returns the Axes. Nothing here imports
the analysis module.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .._words import plural
from ..scheme import PROMISE_MONTHS
from ._style import (
    ACCENT,
    ALERT,
    HEADLINE_MIN_N,
    NEUTRAL,
    OKABE_ITO,
    alt_text,
    mark_suppressed,
    require_columns,
    suppressed_rows,
)

__all__ = ["plot_km_curves", "plot_open_cases", "plot_promise_compliance"]

STATUS_COLOURS = {
    "overdue": ALERT,
    "at risk": OKABE_ITO["orange"],
    "awaiting allocation": OKABE_ITO["sky_blue"],
    "on track": ACCENT,
}

_CYCLE = (
    OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["bluish_green"],
    OKABE_ITO["vermillion"], OKABE_ITO["reddish_purple"], OKABE_ITO["sky_blue"],
    OKABE_ITO["black"], OKABE_ITO["yellow"],
)  # fmt: skip


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    return ax


def _group_columns(table: pd.DataFrame, first_value: str) -> list[str]:
    by = table.attrs.get("by")
    if by is not None:
        return list(by)
    return list(table.columns[: list(table.columns).index(first_value)])


def plot_km_curves(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    max_groups: int = 8,
    show_ci: bool = True,
) -> Axes:
    """Kaplan-Meier curves of the share returned against days since submission.

    Parameters
    ----------
    table : DataFrame
        From ``turnaround.km_curves``: group columns, ``days``, ``share_returned``,
        ``ci_low``, ``ci_high``, ``n``, ``promise_days_min``, ``promise_days_max``,
        ``within_promise``.
    ax : Axes, optional
    max_groups : int
        Draw at most this many groups (the latest, in the table's order).
    show_ci : bool
        Shade the pointwise 95% band.

    Notes
    -----
    The promise is each case's own due date (:func:`cmalt_qa.scheme.promise_due`,
    :data:`~cmalt_qa.scheme.PROMISE_MONTHS` calendar months): the band spans the
    shortest to the longest promise of the cases drawn (``promise_days_min``,
    ``promise_days_max``), and the title and text give each group's share returned
    by its own due dates (``within_promise``, the figure of ``turnaround.summary``),
    not a reading of the curve at a fixed day.

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> ax = plot_km_curves(qa.turnaround.km_curves(recs, by=("pathway",)))
    >>> "within the 3-month promise" in ax.get_title()
    True
    """
    require_columns(
        table,
        ["days", "share_returned", "ci_low", "ci_high", "promise_days_min", "promise_days_max",
         "within_promise"],
        "plot_km_curves",
    )  # fmt: skip
    ax = _axes(ax)
    groups = _km_groups(table, max_groups)
    within: dict[str, float] = {}
    for i, (label, g) in enumerate(groups):
        g = g.sort_values("days")
        colour = _CYCLE[i % len(_CYCLE)]
        n = int(g["n"].iloc[0]) if "n" in g and len(g) else len(g)
        ax.step(
            g["days"], g["share_returned"], where="post", color=colour, label=f"{label} (n={n})"
        )
        if show_ci:
            ax.fill_between(
                g["days"], g["ci_low"], g["ci_high"], step="post", color=colour, alpha=0.15, lw=0
            )
        if len(g) and np.isfinite(g["within_promise"].iloc[0]):
            within[label] = float(g["within_promise"].iloc[0])
    shown = pd.concat([g for _, g in groups]) if groups else table
    band = (float(shown["promise_days_min"].min()), float(shown["promise_days_max"].max()))
    promise = f"promise: {PROMISE_MONTHS} months"
    if all(np.isfinite(band)):
        ax.axvspan(band[0], band[1] + 0.5, color=NEUTRAL, alpha=0.3, lw=0, label=promise)
    ax.set_xlabel("days since submission")
    ax.set_ylabel("share of portfolios returned")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    _km_title(ax, groups, within)
    return ax


def _km_groups(table: pd.DataFrame, max_groups: int) -> list[tuple[str, pd.DataFrame]]:
    """(label, rows) of the groups drawn: the last ``max_groups`` in the table's order."""
    cols = _group_columns(table, "days")
    if not cols:
        return [("all", table)]
    keys = list(dict.fromkeys(map(tuple, table[cols].astype(str).to_numpy())))[-max_groups:]
    return [(" / ".join(k), table[(table[cols].astype(str) == list(k)).all(axis=1)]) for k in keys]


def _km_title(ax: Axes, groups: list[tuple[str, pd.DataFrame]], within: dict[str, float]) -> None:
    """Title and text alternative: the group with the lowest share within the promise."""
    curves = (
        f"Kaplan-Meier curves of the share of portfolios returned by days since submission, "
        f"open cases censored, for {plural(len(groups), 'group')}."
    )
    if not within:
        ax.set_title(f"Share returned within the {PROMISE_MONTHS}-month promise: not known yet")
        alt_text(ax, curves + " No group has been followed up to its due dates yet.")
        return
    worst = min(within, key=within.__getitem__)
    share = within[worst]
    ax.set_title(f"{worst}: {share:.0%} returned within the {PROMISE_MONTHS}-month promise")
    alt_text(
        ax,
        curves + f" Returned by each portfolio's own due date ({PROMISE_MONTHS} calendar "
        f"months after submission), open cases censored: lowest {worst} at {share:.0%}; "
        + "; ".join(f"{k} {v:.0%}" for k, v in within.items())
        + ".",
    )


def plot_open_cases(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    at_risk_days: int = 21,
    max_cases: int = 25,
) -> Axes:
    """Open cases by days left to their promise date, most urgent at the top.

    Parameters
    ----------
    table : DataFrame
        From ``turnaround.open_cases``: ``submission_id``, ``days_left``, ``status``.
    ax : Axes, optional
        Drawn on a new figure sized to the cases drawn when None.
    at_risk_days : int
        Where to draw the "at risk" line (as passed to ``open_cases``).
    max_cases : int
        Draw the most urgent cases only, so that every label stays readable (the title
        counts all, and says how many are drawn; the rest are in the report's table).

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> ax = plot_open_cases(qa.turnaround.open_cases(recs, "2026-06-01"))
    >>> ax.get_xlabel()
    'days left to the promise date (negative: overdue)'
    """
    require_columns(table, ["submission_id", "days_left", "status"], "plot_open_cases")
    if max_cases < 1:
        raise ValueError("max_cases must be at least 1")
    shown = table.sort_values("days_left", kind="stable").head(max_cases).iloc[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, max(2.2, 0.2 * len(shown) + 1.6)))
    counts = table["status"].value_counts()
    n_over, n_risk = int(counts.get("overdue", 0)), int(counts.get("at risk", 0))
    as_of = table.attrs.get("as_of")
    when = f" on {pd.Timestamp(as_of).date()}" if as_of is not None else ""
    if table.empty:
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            f"No portfolio is open{when}",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        alt_text(ax, f"No portfolio is without a result{when}.")
        return ax
    y = np.arange(len(shown))
    colours = [STATUS_COLOURS.get(s, NEUTRAL) for s in shown["status"]]
    ax.hlines(y, 0, shown["days_left"], color=colours, lw=2)
    ax.scatter(shown["days_left"], y, color=colours, zorder=3, s=18)
    ax.set_yticks(y, shown["submission_id"].astype(str), fontsize="x-small")
    ax.set_ylim(-0.7, len(shown) - 0.3)
    ax.axvline(0, color=ALERT, lw=1)
    ax.axvline(at_risk_days, color=OKABE_ITO["orange"], lw=1, ls="--")
    ax.set_xlabel("days left to the promise date (negative: overdue)")
    ax.set_ylabel("submission")
    for status, colour in STATUS_COLOURS.items():
        ax.scatter([], [], color=colour, label=f"{status} ({int(counts.get(status, 0))})")
    ax.legend(loc="lower right", fontsize="small", frameon=True)
    drawn = f" (the {len(shown)} most urgent drawn)" if len(shown) < len(table) else ""
    ax.set_title(f"{len(table)} open{when}: {n_over} overdue, {n_risk} at risk{drawn}")
    alt_text(
        ax,
        f"{len(table)} portfolios without a result{when}: {n_over} past their promise date "
        f"and {n_risk} due within {at_risk_days} days"
        + (
            f"; the {len(shown)} most urgent are drawn, every one is in the table. "
            if drawn
            else ". "
        )
        + (
            f"The most overdue, {table.sort_values('days_left').iloc[0]['submission_id']}, "
            f"is {-int(table['days_left'].min())} days past due."
            if n_over
            else "None is overdue."
        ),
    )
    return ax


def plot_promise_compliance(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    estimate: str = "within_promise",
    min_n: int = HEADLINE_MIN_N,
) -> Axes:
    """Share returned within the promise per group, with its interval.

    Parameters
    ----------
    table : DataFrame
        From ``turnaround.summary``: group columns (before ``n``), ``n``, ``estimate``,
        ``<estimate>_ci_low``, ``<estimate>_ci_high``; ``within_promise_naive`` is drawn
        as a hollow marker when present.
    ax : Axes, optional
    estimate : str
        Column to draw (``within_promise``, ``within_6w``, ``within_8w``).
    min_n : int
        The title names the lowest group only among groups of at least ``min_n``.

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(200, seed=1)
    >>> ax = plot_promise_compliance(qa.turnaround.summary(recs, by=("pathway",)))
    >>> ax.get_title()
    'Lowest share within promise: CMALT at 88%'
    """
    lo_c, hi_c = f"{estimate}_ci_low", f"{estimate}_ci_high"
    require_columns(table, ["n", estimate, lo_c, hi_c], "plot_promise_compliance")
    ax = _axes(ax)
    cols = list(table.columns[: list(table.columns).index("n")])
    labels = (
        table[cols].astype(str).agg(" / ".join, axis=1) if cols else pd.Series(["all"] * len(table))
    )
    x = np.arange(len(table))
    est = table[estimate].to_numpy(dtype=float)
    lo = table[lo_c].to_numpy(dtype=float)
    hi = table[hi_c].to_numpy(dtype=float)
    ax.bar(x, est, color=ACCENT, alpha=0.8, label="estimate (open cases censored)")
    mark_suppressed(ax, x[suppressed_rows(table, estimate).to_numpy()].tolist())
    err = np.vstack([est - lo, hi - est])
    ok = np.isfinite(err).all(axis=0)
    ax.errorbar(x[ok], est[ok], yerr=err[:, ok], fmt="none", ecolor="black", capsize=3, lw=1,
                label="95% interval")  # fmt: skip
    if estimate == "within_promise" and "within_promise_naive" in table:
        ax.scatter(x, table["within_promise_naive"], facecolor="none", edgecolor=ALERT, zorder=3,
                   label="returned cases only (biased)")  # fmt: skip
    ax.set_xticks(x, labels, rotation=90 if len(x) > 8 else 0, fontsize="small")
    ax.set_ylim(0, 1.2)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel(f"share {estimate.replace('_', ' ')}")
    ax.set_xlabel(" / ".join(cols) if cols else "")
    ax.legend(loc="upper center", ncols=3, fontsize="small", frameon=False)
    big = np.isfinite(est) & (table["n"].to_numpy(dtype=float) >= min_n)
    if big.any():
        i = int(np.nanargmin(np.where(big, est, np.nan)))
        ax.set_title(f"Lowest share {estimate.replace('_', ' ')}: {labels.iloc[i]} at {est[i]:.0%}")
        alt_text(
            ax,
            f"Bar chart of the share {estimate.replace('_', ' ')} for {plural(len(x), 'group')}, "
            f"with 95% intervals. Lowest: {labels.iloc[i]} at {est[i]:.0%} "
            f"(n={int(table['n'].iloc[i])}); highest: {labels.iloc[int(np.nanargmax(est))]} "
            f"at {np.nanmax(est):.0%}.",
        )
    elif np.isfinite(est).any():
        ax.set_title(
            f"Share {estimate.replace('_', ' ')}: every group has fewer than {min_n} portfolios"
        )
        alt_text(
            ax,
            f"Bar chart of the share {estimate.replace('_', ' ')} for "
            f"{plural(len(x), 'group')}, each with fewer than {min_n} portfolios.",
        )
    else:
        ax.set_title(f"No {estimate.replace('_', ' ')} estimate yet")
        alt_text(ax, f"No group has a {estimate.replace('_', ' ')} estimate yet.")
    return ax
