"""Plots for the tables of :mod:`cmalt_qa.referrals`.

Each function takes the returned table and ``ax=None`` and returns the Axes; the title
states the finding and :func:`~cmalt_qa.plots._style.alt_text` stores a sentence with the
numbers. Flags are shown by marker shape and colour together, never colour alone.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .._words import plural
from ._style import (
    ACCENT,
    ALERT,
    GAP_COLOURS,
    HEADLINE_MIN_N,
    NEUTRAL,
    OKABE_ITO,
    PATHWAY_COLOURS,
    alt_text,
    mark_suppressed,
    nothing_to_show,
    require_columns,
    suppressed_rows,
)

__all__ = [
    "plot_section_rates",
    "plot_gaps",
    "plot_outcomes",
    "plot_p_chart",
    "plot_funnel",
]

_OUTCOME_STYLE = {  # colour, hatch: referrals hatched so they read without colour
    "distinction": (OKABE_ITO["blue"], ""),
    "pass": (OKABE_ITO["sky_blue"], ""),
    "minor": (OKABE_ITO["orange"], "//"),
    "major": (OKABE_ITO["vermillion"], "xx"),
}


def _axes(ax: Axes | None, size: tuple[float, float] = (7.0, 5.0)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _err(rate: pd.Series, low: pd.Series, high: pd.Series) -> np.ndarray:
    r = rate.to_numpy(float)
    return np.vstack([r - low.to_numpy(float), high.to_numpy(float) - r])


def plot_section_rates(
    table: pd.DataFrame, *, ax: Axes | None = None, min_n: int = HEADLINE_MIN_N
) -> Axes:
    """Referral rate per section with its interval, sorted (``referrals.by_section``).

    A ``pathway`` column, if present, gives one dodged series per pathway. Rows of a
    published table whose rate is withheld (``suppressed``) are drawn as hatched
    "suppressed" placeholders, and the title ranks only the sections shown.
    """
    require_columns(table, ["section", "rate", "ci_low", "ci_high", "n"], "plot_section_rates")
    ax = _axes(ax)
    hidden = suppressed_rows(table, "rate")
    t = table[(table["n"] > 0) | hidden].copy()
    hidden = hidden[t.index]
    if t.empty:
        return nothing_to_show(ax, "Referral rate by section")
    t["section"] = t["section"].astype(str)
    shown = t[~hidden]
    shown_order = shown.groupby("section")["rate"].mean().sort_values().index.tolist()
    order = [s for s in dict.fromkeys(t.loc[hidden, "section"]) if s not in shown_order]
    order += shown_order
    y = {s: i for i, s in enumerate(order)}
    series = list(t.groupby("pathway", sort=True)) if "pathway" in t else [(None, t)]
    width = 0.8 / len(series)
    drawn_mark = False
    for j, (pw, g) in enumerate(series):
        off = (j - (len(series) - 1) / 2) * width
        colour = PATHWAY_COLOURS.get(pw, ACCENT) if pw is not None else ACCENT
        gh = hidden[g.index]
        g = g[~gh]
        ax.errorbar(
            g["rate"],
            g["section"].map(y) + off,
            xerr=_err(g["rate"], g["ci_low"], g["ci_high"]),
            fmt="o",
            color=colour,
            capsize=3,
            label=pw,
        )
        gone = t.loc[gh[gh].index, "section"].map(y) + off
        mark_suppressed(
            ax,
            gone.tolist(),
            horizontal=True,
            extent=(0.0, 0.3),
            width=width * 0.9,
            text=len(series) == 1,
            legend=not drawn_mark and len(gone) > 0,
        )
        drawn_mark = drawn_mark or len(gone) > 0
    ax.set_yticks(range(len(order)), order)
    ax.set_xlabel("Share of submissions with a final R (95% interval)")
    ax.set_ylabel("Section")
    ax.set_xlim(0, 1)
    if len(series) > 1 or hidden.any():
        ax.legend(title="Pathway" if len(series) > 1 else None, loc="lower right", fontsize="small")
    n_hidden = int(hidden.sum())
    note = (
        f"; {n_hidden} {'row is' if n_hidden == 1 else 'rows are'} suppressed" if n_hidden else ""
    )
    if shown.empty:
        ax.set_title("Every section is suppressed: too few submissions to publish")
        alt_text(ax, f"Referral rate by section: every figure is suppressed{note}.")
        return ax
    big = shown[shown["n"] >= min_n]
    if big.empty or not (big["rate"] > 0).any():
        why = (
            f"every section shown has fewer than {min_n} decisions"
            if big.empty
            else f"no section with {min_n} or more decisions was referred"
        )
        ax.set_title(f"Referral rate by section ({why})")
        alt_text(ax, f"Referral rate by section; {why}{note}.")
        return ax
    top = big.loc[big["rate"].idxmax()]
    who = f" ({top['pathway']})" if "pathway" in t else ""
    among = " among those shown" if n_hidden else ""
    ax.set_title(f"Section {top['section']}{who} is referred most often{among}: {top['rate']:.0%}")
    alt_text(
        ax,
        f"Referral rate by section. Highest{among} (sections of {min_n}+ decisions): section {top['section']}{who}, "
        f"{top['rate']:.0%} of {int(top['n'])} submissions (95% interval "
        f"{top['ci_low']:.0%} to {top['ci_high']:.0%}); lowest: section "
        f"{shown_order[0]}{note}.",
    )
    return ax


def plot_gaps(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Which element is lacking, per section (``referrals.gaps(by=("section",))``).

    Dodged bars: share of R decisions (with gap data) lacking each element, with intervals.
    """
    elements = ("description", "evidence", "reflection")
    cols = ["section", *[f"{e}_rate" for e in elements]]
    require_columns(table, cols, "plot_gaps")
    keep = suppressed_rows(table, f"{elements[-1]}_rate")
    if "n_gaps_recorded" in table:
        keep = keep | (table["n_gaps_recorded"] > 0)
    else:
        keep = pd.Series(True, index=table.index)
    t = table[keep]
    if t["section"].duplicated().any():
        raise ValueError("plot_gaps draws one row per section: filter the table (e.g. one year)")
    ax = _axes(ax)
    t = t.assign(section=t["section"].astype(str)).reset_index(drop=True)
    x = np.arange(len(t))
    width = 0.27
    hatches = {"description": "", "evidence": "..", "reflection": "//"}
    for j, e in enumerate(elements):
        kw = {}
        if f"{e}_rate_ci_low" in t:
            kw["yerr"] = _err(t[f"{e}_rate"], t[f"{e}_rate_ci_low"], t[f"{e}_rate_ci_high"])
        ax.bar(
            x + (j - 1) * width,
            t[f"{e}_rate"],
            width,
            color=GAP_COLOURS[e],
            hatch=hatches[e],
            edgecolor="white",
            label=e.capitalize(),
            capsize=2,
            ecolor="black",
            **kw,
        )
        gone = suppressed_rows(t, f"{e}_rate").to_numpy()
        mark_suppressed(
            ax,
            (x[gone] + (j - 1) * width).tolist(),
            extent=(0.0, 0.3),
            width=width * 0.9,
            text=False,
            legend=j == 0 and gone.any(),
        )
    ax.set_xticks(x, t["section"])
    ax.set_xlabel("Section")
    ax.set_ylabel("Share of R decisions lacking the element")
    ax.set_ylim(0, 1.05)
    ax.legend(title="Element lacking", ncols=3, loc="upper left")
    totals = {e: (t[e].sum() if e in t else np.nan) for e in elements}
    rec = t["n_gaps_recorded"].sum() if "n_gaps_recorded" in t else np.nan
    lead = max(elements, key=lambda e: np.nan_to_num(t[f"{e}_rate"]).mean())
    ax.set_title(f"{lead.capitalize()} is the element most often found lacking")
    share = f"{totals[lead] / rec:.0%} of {int(rec)} R decisions with gap data" if rec else ""
    alt_text(
        ax,
        f"Elements lacking in sections rated R, by section. {lead.capitalize()} "
        f"leads overall: {share}.",
    )
    return ax


def plot_outcomes(table: pd.DataFrame, *, ax: Axes | None = None, x: str = "window") -> Axes:
    """Stacked shares of first-attempt outcomes per window (``referrals.outcomes``).

    ``x`` is the column with one bar each. For a time column (:data:`_TIME_COLUMNS`:
    ``window``, ``year``) the title says how the referral rate changed from the first bar
    to the last; for any other (``pathway``, ``sector``...) it names the groups with the
    highest and lowest rate.
    """
    kinds = tuple(_OUTCOME_STYLE)
    require_columns(table, [x, "n", "rate", *[f"share_{o}" for o in kinds]], "plot_outcomes")
    if table[x].duplicated().any():
        raise ValueError(
            f"plot_outcomes draws one bar per {x}: group the table by {x} only "
            "or filter it (e.g. one pathway)"
        )
    ax = _axes(ax, (8.0, 4.5))
    t = table.sort_values(x)
    pos = np.arange(len(t))
    bottom = np.zeros(len(t))
    for o in kinds:
        colour, hatch = _OUTCOME_STYLE[o]
        v = t[f"share_{o}"].fillna(0).to_numpy(float)
        ax.bar(pos, v, bottom=bottom, color=colour, hatch=hatch, edgecolor="white", label=o)
        bottom += v
    hidden = suppressed_rows(t, "rate").to_numpy()
    # Outcomes withheld in a year that is shown (e.g. 3 distinctions): the rest of the
    # bar is a hatched "suppressed" segment, never an empty gap that reads as zero.
    part = ~hidden & t[[f"share_{o}" for o in kinds]].isna().any(axis=1).to_numpy()
    part &= t["suppressed"].fillna(False).to_numpy(bool) if "suppressed" in t else False
    for p in pos[part]:
        mark_suppressed(
            ax, [p], extent=(bottom[p], 1.0), text=1.0 - bottom[p] > 0.2, legend=p == pos[part][0]
        )
    mark_suppressed(ax, pos[hidden].tolist(), legend=not part.any())
    t = t.assign(_pos=pos)[~hidden] if hidden.any() else t
    ax.set_xticks(pos, table.sort_values(x)[x].astype(str), rotation=45, ha="right")
    ax.set_xlabel(x.capitalize())
    ax.set_ylabel("Share of decided first submissions")
    ax.set_ylim(0, 1)
    ax.legend(title="Outcome", bbox_to_anchor=(1.01, 1), loc="upper left")
    if t.empty:
        title, alt = (f"Every {x} is suppressed", f"Outcomes per {x}: every figure suppressed.")
    else:
        title, alt = (_outcomes_over_time if x in _TIME_COLUMNS else _outcomes_by_group)(t, x)
    if hidden.any():
        alt += f" {plural(int(hidden.sum()), x.replace('_', ' '))} suppressed."
    ax.set_title(title)
    alt_text(ax, alt)
    return ax


_TIME_COLUMNS: tuple[str, ...] = ("window", "year")
"""Columns :func:`plot_outcomes` reads as time (a change from first to last)."""


def _bar(t: pd.DataFrame, x: str, i: int) -> tuple[object, float, int]:
    # Label, rate and n of one bar, each read from its own column: a row read whole
    # (t.iloc[i]) shares one dtype, which turns an integer year into 2019.0.
    return t[x].iloc[i], float(t["rate"].iloc[i]), int(t["n"].iloc[i])


def _outcomes_over_time(t: pd.DataFrame, x: str) -> tuple[str, str]:
    # Only bars with a published rate and some decisions are compared: a suppressed or
    # empty first or last period must not print as "nan%".
    t = t[t["rate"].notna() & t["n"].notna() & (t["n"] > 0)]
    if t.empty:
        return (
            f"First-attempt outcomes per {x}: nothing to show yet",
            f"Stacked shares of first-attempt outcomes per {x}: none decided or every "
            "figure suppressed.",
        )
    (a, ra, na), (b, rb, nb) = _bar(t, x, 0), _bar(t, x, -1)
    if f"{ra:.0%}" == f"{rb:.0%}" or not (ra < rb or ra > rb):
        title = f"First-attempt referral rate held at {ra:.0%} from {a} to {b}"
    else:
        trend = "rose" if rb > ra else "fell"
        title = f"First-attempt referral rate {trend} from {ra:.0%} to {rb:.0%}"
    alt = (
        f"Stacked shares of first-attempt outcomes per {x}, {a} to {b}. "
        f"Referral rate {ra:.0%} (n={na}) in {a} and {rb:.0%} (n={nb}) in {b}."
    )
    return title, alt


def _outcomes_by_group(t: pd.DataFrame, x: str) -> tuple[str, str]:
    rate = t["rate"].reset_index(drop=True)
    if rate.isna().all():
        return (
            f"No decided first submissions in any {x}",
            f"Stacked shares of first-attempt outcomes per {x}: none decided yet.",
        )
    (hi, rh, nh), (lo, rl, nl) = _bar(t, x, int(rate.idxmax())), _bar(t, x, int(rate.idxmin()))
    title = f"First-attempt referral rate highest for {hi} ({rh:.0%}), lowest for {lo} ({rl:.0%})"
    alt = (
        f"Stacked shares of first-attempt outcomes per {x}. Referral rate highest in "
        f"{hi}: {rh:.0%} (n={nh}); lowest in {lo}: {rl:.0%} (n={nl})."
    )
    return title, alt


def plot_p_chart(
    table: pd.DataFrame, *, ax: Axes | None = None, section: str | None = None
) -> Axes:
    """p chart with centre, inner (2-sigma) lines and control limits; special causes as red triangles.

    The limits are whatever the table holds (:func:`cmalt_qa.referrals.p_chart`: exact
    probability limits by default, 3-sigma with ``limits="sigma"``).
    """
    require_columns(
        table, ["window", "rate", "centre", "lcl", "ucl", "special_cause"], "plot_p_chart"
    )
    t = table
    if "section" in t:
        if section is None and t["section"].nunique() > 1:
            raise ValueError("the chart has several sections: pass section=")
        if section is not None:
            t = t[t["section"].astype(str) == section]
    if t.empty:
        return nothing_to_show(_axes(ax, (8.0, 4.5)), "Referral rate per period")
    ax = _axes(ax, (8.0, 4.5))
    x = np.arange(len(t))
    ax.plot(x, t["rate"], "-", color=NEUTRAL, zorder=1)
    ax.step(x, t["ucl"], where="mid", color="black", lw=1, ls="--", label="control limits")
    ax.step(x, t["lcl"], where="mid", color="black", lw=1, ls="--")
    if "upper2" in t:
        ax.step(x, t["upper2"], where="mid", color=NEUTRAL, lw=0.8, ls=":", label="inner lines")
        ax.step(x, t["lower2"], where="mid", color=NEUTRAL, lw=0.8, ls=":")
    c0 = t["centre"].iloc[0]
    centre_text = "suppressed" if pd.isna(c0) else f"{c0:.1%}"  # withheld: disclosure control
    ax.plot(x, t["centre"], color=ACCENT, lw=1.2, label=f"centre {centre_text}")
    # A withheld period (disclosure control) has no point, limits or signal: NaN.
    sc = t["special_cause"].fillna(False).to_numpy(bool)
    gone = suppressed_rows(t, "rate").to_numpy()
    mark_suppressed(ax, x[gone].tolist(), extent=(0.0, 0.12), width=0.6, text=False)
    ax.scatter(x[~sc], t["rate"][~sc], marker="o", color=NEUTRAL, zorder=3, label="common cause")
    ax.scatter(x[sc], t["rate"][sc], marker="^", s=70, color=ALERT, zorder=4, label="special cause")
    ax.set_xticks(x, t["window"].astype(str), rotation=45, ha="right")
    ax.set_xlabel("Window")
    ax.set_ylabel("Referral rate" + (f" (section {section})" if section else ""))
    ax.legend(bbox_to_anchor=(1.01, 1), loc="upper left", fontsize="small")
    what = f"Section {section} referral rate" if section else "First-attempt referral rate"
    flagged = t.loc[sc, "window"].astype(str).tolist()
    if flagged:
        rules = sorted({r for s in t.loc[sc, "signal"] for r in s.split("; ") if r})
        title = f"{what}: special cause in {plural(len(flagged), 'window')}"
        desc = f"Special causes ({', '.join(rules)}) in {', '.join(flagged)}."
    else:
        title = f"{what}: common-cause variation only"
        desc = "No special-cause signal."
    ax.set_title(title)
    alt_text(
        ax,
        f"p chart of the {what.lower()} over {len(t)} windows, centre {centre_text}. {desc}",
    )
    return ax


def plot_funnel(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    curve: pd.DataFrame | None = None,
    label: str | None = None,
) -> Axes:
    """Funnel plot (``referrals.funnel``); ``curve`` from ``referrals.funnel_curve``.

    Without ``curve`` the limits are drawn through the groups' own sizes.
    """
    require_columns(
        table,
        ["n", "rate", "centre", "lower_95", "upper_95", "lower_998", "upper_998"],
        "plot_funnel",
    )
    ax = _axes(ax)
    label = label or table.columns[0]
    lim = (curve if curve is not None else table).sort_values("n")
    ax.plot(lim["n"], lim["upper_95"], color=NEUTRAL, ls="--", drawstyle="steps-mid", label="95%")
    ax.plot(lim["n"], lim["lower_95"], color=NEUTRAL, ls="--", drawstyle="steps-mid")
    ax.plot(lim["n"], lim["upper_998"], color="black", ls=":", drawstyle="steps-mid", label="99.8%")
    ax.plot(lim["n"], lim["lower_998"], color="black", ls=":", drawstyle="steps-mid")
    ax.axhline(table["centre"].iloc[0], color=ACCENT, lw=1, label="pooled rate")
    out = (
        table["outside_998"].to_numpy(bool)
        if "outside_998" in table
        else np.zeros(len(table), bool)
    )
    ax.scatter(
        table["n"][~out],
        table["rate"][~out],
        marker="o",
        color=NEUTRAL,
        zorder=3,
        label="within 99.8%",
    )
    ax.scatter(
        table["n"][out],
        table["rate"][out],
        marker="^",
        s=70,
        color=ALERT,
        zorder=4,
        label="outside 99.8%",
    )
    for _, r in table.iterrows():
        ax.annotate(
            str(r[label]),
            (r["n"], r["rate"]),
            fontsize="x-small",
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax.set_xlabel("Decided first submissions (n)")
    ax.set_ylabel("First-attempt referral rate")
    ax.set_ylim(0, 1)
    ax.legend(fontsize="small")
    names = table.loc[out, label].astype(str).tolist()
    ax.set_title(
        f"{len(names)} of {len(table)} {label} groups outside the 99.8% limits"
        if names
        else f"Every {label} group is within the 99.8% limits"
    )
    alt_text(
        ax,
        f"Funnel plot of the referral rate by {label} against the pooled rate "
        f"{table['centre'].iloc[0]:.0%}. Outside 99.8% limits: "
        f"{', '.join(names) if names else 'none'}.",
    )
    return ax
