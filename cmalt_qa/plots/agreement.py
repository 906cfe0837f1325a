"""Plots for the tables of :mod:`cmalt_qa.agreement`.

Each function takes the returned table and ``ax=None`` and returns the Axes; the title
states the finding and :func:`~cmalt_qa.plots._style.alt_text` stores a sentence with the
numbers. This module imports no analysis module.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .._words import fixed, plural
from ._style import (
    ACCENT,
    ALERT,
    HEADLINE_MIN_N,
    SEQUENTIAL_CMAP,
    alt_text,
    mark_suppressed,
    require_columns,
    suppressed_rows,
)

__all__ = ["plot_agreement_forest", "plot_confusion"]

_RATINGS = ["S", "A", "R"]  # best first, as cmalt_qa.scheme.RATINGS
_LABELS = {
    "percent_agreement": "percent agreement",
    "kappa": "Cohen's kappa",
    "kappa_linear": "linear-weighted kappa",
    "kappa_quadratic": "quadratic-weighted kappa",
    "ac1": "Gwet's AC1",
    "ac2_linear": "Gwet's AC2 (linear)",
    "ac2_quadratic": "Gwet's AC2 (quadratic)",
    "pabak": "PABAK",
    "alpha_nominal": "Krippendorff's alpha (nominal)",
    "alpha_ordinal": "Krippendorff's alpha (ordinal)",
    "alpha_interval": "Krippendorff's alpha (interval)",
}


def plot_agreement_forest(
    table: pd.DataFrame,
    *,
    coefficient: str = "kappa_quadratic",
    ax: Axes | None = None,
    min_n: int = HEADLINE_MIN_N,
) -> Axes:
    """Forest plot of one coefficient per group with its interval (``by_section``).

    Parameters
    ----------
    table : DataFrame
        From :func:`cmalt_qa.agreement.by_section`: the grouping columns are those
        before ``n``; ``<coefficient>``, ``<coefficient>_ci_low``/``_ci_high``.
    coefficient : str
        Column to draw, e.g. ``"kappa_quadratic"``, ``"ac2_quadratic"``, ``"ac1"``.
    ax : Axes, optional

    Notes
    -----
    Groups are labelled with their pairs count ``n``; a group without an estimate (below
    the minimum number of pairs) reads "too few to estimate", a withheld one "suppressed".
    Rows flagged ``kappa_paradox`` are drawn as vermillion squares (shape and colour) with
    a note to read AC1/AC2.
    """
    lo_col, hi_col = f"{coefficient}_ci_low", f"{coefficient}_ci_high"
    require_columns(table, ["n", coefficient, lo_col, hi_col], "plot_agreement_forest")
    keys = list(table.columns[: list(table.columns).index("n")])
    t = table.reset_index(drop=True)
    gone = suppressed_rows(t, coefficient).to_numpy()  # withheld by disclosure control
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, max(3.0, 0.35 * len(t) + 1.5)))
    label = _LABELS.get(coefficient, coefficient)
    if t.empty:
        ax.set_title(f"No group has a defined {label}")
        alt_text(ax, f"No group has a defined {label}.")
        return ax
    names = [
        (" / ".join(str(r[k]) for k in keys) if keys else "all")
        + (f" (n={int(r['n']):,})" if pd.notna(r["n"]) else "")
        for _, r in t.iterrows()
    ]
    y = np.arange(len(t))[::-1]
    est = t[coefficient].to_numpy(float)
    err = np.vstack([est - t[lo_col].to_numpy(float), t[hi_col].to_numpy(float) - est])
    err = np.where(np.isnan(err), 0.0, np.clip(err, 0.0, None))
    paradox = (
        t["kappa_paradox"].fillna(False).to_numpy(bool)
        if "kappa_paradox" in t
        else np.zeros(len(t), bool)
    )
    too_few = np.isnan(est) & ~gone  # below the minimum number of pairs, or undefined
    ok = ~paradox & ~gone & ~too_few
    mark_suppressed(ax, y[gone].tolist(), horizontal=True, extent=(0.0, 1.0), width=0.6)
    for yy in y[too_few]:
        ax.text(0.5, yy, "too few to estimate", ha="center", va="center", color="0.3",
                fontsize="small")  # fmt: skip
    ax.errorbar(
        est[ok],
        y[ok],
        xerr=err[:, ok],
        fmt="o",
        color=ACCENT,
        capsize=3,
        label="estimate, 95% interval",
    )
    if paradox.any():
        ax.errorbar(
            est[paradox],
            y[paradox],
            xerr=err[:, paradox],
            fmt="s",
            color=ALERT,
            capsize=3,
            label="kappa paradox: read AC1/AC2",
        )
        ax.legend(loc="lower left", fontsize="small")
    ax.set_yticks(y, names)
    ax.axvline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel(f"{label} (point and interval)")
    ax.set_ylabel(" / ".join(keys) if keys else "")
    low = np.nanmin(est - err[0]) if np.isfinite(est).any() else 0.0
    ax.set_xlim(min(-0.05, low - 0.05), 1.02)
    _forest_headline(ax, t, est, names, label, min_n=min_n, paradox=paradox, ci=(lo_col, hi_col),
                     n_few=int(too_few.sum()))  # fmt: skip
    return ax


def _forest_headline(
    ax: Axes,
    t: pd.DataFrame,
    est: np.ndarray,
    names: list[str],
    label: str,
    *,
    min_n: int,
    paradox: np.ndarray,
    ci: tuple[str, str],
    n_few: int = 0,
) -> None:
    # The title ranks only groups of at least min_n pairs; the alt text states the finding.
    lo_col, hi_col = ci
    if not np.isfinite(est).any():
        ax.set_title(f"{label[0].upper()}{label[1:]}: too few to estimate or suppressed")
        alt_text(ax, f"Forest plot of {label}: every group is too few to estimate or suppressed.")
        return
    # Rank only groups with an estimate and at least min_n pairs; when there is none (every
    # large group too few to estimate or suppressed) the extremes of the rest are described
    # but not ranked in the title.
    big = (t["n"].to_numpy(dtype=float) >= min_n) & np.isfinite(est)
    pool = np.where(big, est, np.nan) if big.any() else est
    lo_i, hi_i = int(np.nanargmin(pool)), int(np.nanargmax(pool))
    low_name, high_name = names[lo_i].split(" (n=")[0], names[hi_i].split(" (n=")[0]
    if big.any():
        ax.set_title(
            f"{label[0].upper()}{label[1:]}: lowest for {low_name} ({fixed(est[lo_i])}), "
            f"highest for {high_name} ({fixed(est[hi_i])}) among groups of "
            f"{min_n}+ pairs"
        )
    else:
        ax.set_title(
            f"{label[0].upper()}{label[1:]}: every group with an estimate has fewer than "
            f"{min_n} pairs (too few to rank)"
        )
    sentence = (
        f"Forest plot of {label} for {plural(int(np.isfinite(est).sum()), 'group')} with an "
        f"estimate: lowest {low_name} {fixed(est[lo_i])} "
        f"(interval {fixed(t[lo_col].iloc[lo_i])} to {fixed(t[hi_col].iloc[lo_i])}), "
        f"highest {high_name} {fixed(est[hi_i])} (interval {fixed(t[lo_col].iloc[hi_i])} to "
        f"{fixed(t[hi_col].iloc[hi_i])})."
    )
    if paradox.any():
        sentence += (
            f" {plural(int(paradox.sum()), 'group shows', 'groups show')} the kappa paradox."
        )
    if n_few:
        sentence += f" {plural(n_few, 'group has', 'groups have')} too few pairs to estimate."
    alt_text(ax, sentence)


def plot_confusion(
    table: pd.DataFrame, *, section: str | None = None, ax: Axes | None = None
) -> Axes:
    """Heat map of lead x second counts (``confusion``), counts annotated.

    Parameters
    ----------
    table : DataFrame
        From :func:`cmalt_qa.agreement.confusion`: ``lead``, ``second``, ``n``.
    section : str, optional
        Keep only this section (the table must have a ``section`` column); otherwise
        every group in the table is summed.
    ax : Axes, optional
    """
    require_columns(table, ["lead", "second", "n"], "plot_confusion")
    t = table
    if section is not None:
        require_columns(table, ["section"], "plot_confusion with section=")
        t = table[table["section"].astype(str) == str(section)]
        if t.empty:
            raise ValueError(f"plot_confusion: no rows for section {section!r}")
    m = (
        t.groupby(["lead", "second"])["n"]
        .sum()
        .unstack("second")
        .reindex(index=_RATINGS, columns=_RATINGS)
        .fillna(0)
        .to_numpy(float)
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(5.0, 4.5))
    im = ax.imshow(m, cmap=SEQUENTIAL_CMAP, vmin=0)
    top = m.max() if m.size else 0
    for i in range(3):
        for j in range(3):
            colour = "black" if top and m[i, j] > 0.6 * top else "white"
            ax.text(j, i, f"{int(m[i, j]):,}", ha="center", va="center", color=colour)
    ax.set_xticks(range(3), _RATINGS)
    ax.set_yticks(range(3), _RATINGS)
    ax.set_xlabel("Second assessor's rating")
    ax.set_ylabel("Lead assessor's rating")
    ax.figure.colorbar(im, ax=ax, label="Rated pairs")
    total = m.sum()
    where = f"section {section}" if section is not None else "all groups"
    if total == 0:
        ax.set_title(f"No rated pairs ({where})")
        alt_text(ax, f"Confusion table for {where}: no rated pairs.")
        return ax
    agree = np.trace(m) / total
    off = m.copy()
    np.fill_diagonal(off, -1)
    i, j = np.unravel_index(np.argmax(off), off.shape)
    ax.set_title(f"Lead and second agree on {agree:.0%} of {int(total):,} ratings ({where})")
    alt_text(
        ax,
        (
            f"Lead by second assessor ratings for {where}: they agree on {agree:.0%} of "
            f"{int(total):,} rated pairs; the most common disagreement is lead "
            f"{_RATINGS[i]}, second {_RATINGS[j]} ({int(m[i, j]):,} pairs)."
        ),
    )
    return ax
