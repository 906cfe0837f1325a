"""The published tables of the committee (``sections``) and research (``trends``) reports,
with their protection specs, passed through one disclosure step per report.

Which counts a table suppresses travels with the table from here: each builder computes
the analysis tables, registers them with :class:`cmalt_qa.disclosure.Disclosure`
(counts, rates and their denominators, parts, shared margins, the percentages that
stand for an unprinted count), adds the reports published earlier from the ledger, and
returns the :class:`~cmalt_qa.disclosure.DisclosedReport` after its audit has passed.
The notebooks show tables, figures and sentences drawn from that report only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .disclosure import CellRef, DisclosedReport, Disclosure, scope_nested

__all__ = ["sections_report", "trends_report", "published_km_curves", "headline_rank"]

RATE_FMT = {c: "{:.1%}" for c in ("rate", "ci_low", "ci_high")}
ELEMENTS = ("description", "evidence", "reflection")
AGREE_COEFS = [
    "kappa_quadratic",
    "kappa_quadratic_ci_low",
    "kappa_quadratic_ci_high",
    "ac2_quadratic",
    "ac2_quadratic_ci_low",
    "ac2_quadratic_ci_high",
]
OUTCOME_COUNTS = ["n_distinction", "n_pass", "n_minor", "n_major"]
_RATE_SPEC = dict(
    counts=["n", "referred"],
    subsets={"referred": "n"},
    derived={c: ["referred", "n"] for c in RATE_FMT},
    formats=RATE_FMT,
)


def _add_if_holds(
    d: Disclosure, terms: Mapping[CellRef, float], why: str, values: Mapping[CellRef, float]
) -> None:
    """Declare a relation the data satisfy (one that does not hold tells nobody anything)."""
    if abs(sum(values[r] * a for r, a in terms.items())) < 1e-9:
        d.add_relation(terms, why)


def _value(table: pd.DataFrame, i: int, col: str) -> float:
    return float(table[col].iloc[i])


def _agreement(
    d: Disclosure, name: str, table: pd.DataFrame, keys: list[str], caption: str
) -> None:
    """Agreement by group: pairs, percent agreement (a share of the pairs), coefficients."""
    cols = [*keys, "n", "percent_agreement", *AGREE_COEFS, "kappa_paradox"]
    d.add_table(
        name,
        table,
        counts=["n"],
        keys=keys,
        columns=cols,
        shares={"percent_agreement": "n"},
        derived={c: ["n"] for c in [*AGREE_COEFS, "kappa_paradox"]},
        formats={c: "{:.2f}" for c in AGREE_COEFS} | {"percent_agreement": "{:.0%}"},
        caption=caption,
        labels={"n": "pairs"},
    )


def _resolution(d: Disclosure, res: pd.DataFrame, agree: pd.DataFrame, caption: str) -> None:
    """How disagreements were resolved, tied to the agreement table's pairs.

    Each section's disagreements (and differing pairs without a final rating, never
    printed) are one count each, repeated on the section's six rows.
    """
    cols = [
        "section",
        "classification",
        "result",
        "n",
        "n_disagreements",
        "share",
        "ci_low",
        "ci_high",
    ]
    d.add_table(
        "resolution",
        res,
        counts=["n", "n_disagreements"],
        keys=["section", "classification", "result"],
        columns=cols,
        subsets={"n": "n_disagreements"},
        derived={c: ["n", "n_disagreements"] for c in ("share", "ci_low", "ci_high")},
        formats={c: "{:.0%}" for c in ("share", "ci_low", "ci_high")},
        caption=caption,
        labels={"n_disagreements": "disagreements"},
    )
    per = res.drop_duplicates("section")[["section", "n_disagreements", "n_without_final"]]
    per = per.reset_index(drop=True)
    d.add_table(
        "resolution_sections",
        per,
        counts=["n_disagreements", "n_without_final"],
        keys=["section"],
        columns=["section"],
        caption="(not printed)",
    )
    for s_i, sec in enumerate(per["section"].astype(str)):
        g = res[res["section"].astype(str) == sec]
        total = d.cell("resolution_sections", s_i, "n_disagreements")
        for r in g.index:
            d.add_relation(
                {total: 1.0, d.cell("resolution", int(r), "n_disagreements"): -1.0},
                f"resolution {sec}: the same disagreements on every row",
            )
        for cls, h in g.groupby("classification", sort=False):
            terms = {total: 1.0}
            terms.update({d.cell("resolution", int(r), "n"): -1.0 for r in h.index})
            d.add_relation(terms, f"resolution {sec} {cls}: results add up to the disagreements")
        match = np.flatnonzero(agree["section"].astype(str).to_numpy() == sec)
        if (
            len(match) == 1
            and CellRef("agreement", int(match[0]), "percent_agreement x n") in d._index
        ):
            a = int(match[0])
            d.add_relation(
                {
                    d.cell("agreement", a, "n"): 1.0,
                    CellRef("agreement", a, "percent_agreement x n"): -1.0,
                    total: -1.0,
                    d.cell("resolution_sections", s_i, "n_without_final"): -1.0,
                },
                f"agreement {sec}: pairs = agreed + disagreements",
            )


def _p_chart(d: Disclosure, chart: pd.DataFrame, caption: str) -> None:
    """The overall p chart: per period n and k; the centre line is a share of all n."""
    chart = chart.reset_index(drop=True)
    d.add_table(
        "p_chart",
        chart,
        counts=["n", "k"],
        keys=["window"],
        columns=["window", "n", "k", "rate", "lcl", "ucl", "signal"],
        subsets={"k": "n"},
        derived={
            "rate": ["k", "n"],
            "lcl": ["n"],
            "ucl": ["n"],
            "lower2": ["n"],
            "upper2": ["n"],
            "signal": ["k", "n"],
            "special_cause": ["k", "n"],
        },
        formats={c: "{:.1%}" for c in ("rate", "lcl", "ucl")},
        caption=caption,
        labels={"k": "referred"},
    )
    centre = pd.DataFrame(
        {
            "line": ["centre"],
            "n": [int(chart["n"].sum())],
            "centre": [float(chart["centre"].iloc[0])],
        }
    )
    d.add_table(
        "p_chart_centre",
        centre,
        counts=["n"],
        keys=["line"],
        columns=["line", "centre"],
        shares={"centre": "n"},
        formats={"centre": "{:.1%}"},
        caption="Centre line (pooled rate)",
    )
    d.add_relation(
        {
            CellRef("p_chart_centre", 0, "n"): 1.0,
            **{d.cell("p_chart", i, "n"): -1.0 for i in range(len(chart))},
        },
        "p chart: all periods' n",
    )
    d.add_relation(
        {
            CellRef("p_chart_centre", 0, "centre x n"): 1.0,
            **{d.cell("p_chart", i, "k"): -1.0 for i in range(len(chart))},
        },
        "p chart: centre line x n = all periods' referrals",
    )


def _previous(
    d: Disclosure,
    previous: Iterable[Mapping[str, Any]],
    kind: str,
    scope: Mapping[str, Any],
    data_sha256: str | None,
) -> None:
    for e in previous:
        if e.get("kind") != kind:
            continue
        same_data = data_sha256 is None or e.get("data_sha256") == data_sha256
        d.add_previous(e, nested=same_data and scope_nested(e.get("scope", {}), scope))


def sections_report(
    span: Any,
    *,
    scope: Mapping[str, Any],
    min_count: int = 5,
    n_boot: int = 1000,
    previous: Iterable[Mapping[str, Any]] = (),
    data_sha256: str | None = None,
) -> DisclosedReport:
    """Every table of the committee report, disclosed together and audited.

    Parameters
    ----------
    span : Records
        The records of the report's periods (and pathway).
    scope : mapping
        ``first_window``, ``last_window``, ``pathway`` (None: all); names the report in
        the ledger and decides which earlier reports are nested in it.
    min_count, n_boot : int
    previous : iterable of mapping
        Ledger entries of reports published earlier (:meth:`Ledger.entries`).
    data_sha256 : str, optional
        The data's checksum; an earlier report from other data is linked without
        assuming its population is contained in this one.

    Returns
    -------
    DisclosedReport
        Tables ``rates``, ``by_pathway`` (all pathways only), ``p_chart``,
        ``p_chart_centre``, ``signals``, ``gaps``, ``agreement``, ``resolution`` and
        the number ``submissions``; :meth:`~DisclosedReport.check` has passed.

    Raises
    ------
    DisclosureError
        If the audit fails (naming the cell).
    """
    from . import agreement, referrals

    where = f"{scope['first_window']} to {scope['last_window']}" + (
        f", {scope['pathway']} only" if scope.get("pathway") else ", all pathways"
    )
    d = Disclosure(min_count)
    d.add_number("submissions", len(span.submissions))
    rates = referrals.by_section(span, n_boot=n_boot)
    cols = ["section", "n", "referred", "rate", "ci_low", "ci_high"]
    d.add_table(
        "rates",
        rates,
        keys=["section"],
        columns=cols,
        caption=f"Referral rate by section, {where}",
        **_RATE_SPEC,
    )
    if not scope.get("pathway"):
        by_p = referrals.by_section(span, by=("pathway", "section"), n_boot=n_boot)
        d.add_table(
            "by_pathway",
            by_p,
            keys=["pathway", "section"],
            columns=["pathway", *cols],
            caption=f"Referral rate by pathway and section, {where}",
            **_RATE_SPEC,
        )
        d.add_margin("rates", "by_pathway", over=["pathway"], columns=["n", "referred"])
    _p_chart(d, referrals.p_chart(span), f"First-attempt referral rate per period, {where}")
    per_section = referrals.p_chart(span, per_section=True)
    signals = per_section[per_section["special_cause"]].reset_index(drop=True)
    d.add_table(
        "signals",
        signals,
        counts=["n", "k"],
        keys=["section", "window"],
        columns=["section", "window", "n", "k", "rate", "signal"],
        subsets={"k": "n"},
        derived={"rate": ["k", "n"], "signal": ["k", "n"]},
        formats={"rate": "{:.1%}"},
        caption="Sections and periods with a special-cause signal",
        labels={"k": "referred"},
    )
    _gaps(d, referrals.gaps(span, by=("section",), n_boot=n_boot), rates, where)
    agree = agreement.by_section(span, n_boot=n_boot)
    _agreement(d, "agreement", agree, ["section"], f"Agreement by section, {where}")
    _resolution(
        d,
        agreement.resolution(span, n_boot=n_boot),
        agree,
        f"How disagreements were resolved, {where}",
    )
    _previous(d, previous, "sections", scope, data_sha256)
    rep = d.protect()
    rep.check()
    return rep


def _gaps(d: Disclosure, gaps: pd.DataFrame, rates: pd.DataFrame, where: str) -> None:
    rate_cols = [f"{e}_{s}" for e in ELEMENTS for s in ("rate", "ci_low", "ci_high")]
    d.add_table(
        "gaps",
        gaps,
        counts=["n", "n_r", "n_gaps_recorded", *ELEMENTS],
        keys=["section"],
        columns=[
            "section",
            "n",
            "n_r",
            "n_gaps_recorded",
            *[c for e in ELEMENTS for c in (e, f"{e}_rate")],
        ],
        subsets={"n_r": "n", "n_gaps_recorded": "n_r", **{e: "n_gaps_recorded" for e in ELEMENTS}},
        derived={c: [c.split("_")[0], "n_gaps_recorded"] for c in rate_cols},
        formats={c: "{:.0%}" for c in rate_cols},
        caption=f"Elements lacking in R decisions by section, {where}",
        labels={"n": "decisions", "n_r": "rated R", "n_gaps_recorded": "R with gap data"},
    )
    values = {
        CellRef(t, i, c): _value(f, i, c)
        for t, f in (("gaps", gaps), ("rates", rates))
        for i in range(len(f))
        for c in ("n", "n_r", "referred")
        if c in f
    }
    for i, sec in enumerate(gaps["section"].astype(str)):
        j = np.flatnonzero(rates["section"].astype(str).to_numpy() == sec)
        if len(j) != 1:
            continue
        for mine, theirs in (("n", "n"), ("n_r", "referred")):
            _add_if_holds(
                d,
                {CellRef("gaps", i, mine): 1.0, CellRef("rates", int(j[0]), theirs): -1.0},
                f"gaps / rates {sec}: same {theirs}",
                values,
            )


def trends_report(
    span: Any,
    *,
    scope: Mapping[str, Any],
    min_count: int = 5,
    n_boot: int = 1000,
    previous: Iterable[Mapping[str, Any]] = (),
    data_sha256: str | None = None,
) -> DisclosedReport:
    """Every table of the research report, disclosed together and audited.

    Parameters as for :func:`sections_report`.

    Returns
    -------
    DisclosedReport
        Tables ``outcomes_by_year``, ``referral_rate_by_year_pathway``,
        ``elements_lacking_by_year``, ``agreement_by_year``, ``turnaround_by_year`` and
        the number ``submissions``; :meth:`~DisclosedReport.check` has passed.
    """
    from . import agreement, referrals, turnaround

    d = Disclosure(min_count)
    d.add_number("submissions", len(span.submissions))
    yearly = referrals.outcomes(span, by=("year",))
    d.add_table(
        "outcomes_by_year",
        yearly,
        counts=["n", *OUTCOME_COUNTS, "referred"],
        keys=["year"],
        columns=["year", "n", *OUTCOME_COUNTS, "referred", "rate", "ci_low", "ci_high"],
        parts={"n": ["n_distinction", "n_pass", "referred"], "referred": ["n_minor", "n_major"]},
        derived={
            **{c: ["referred", "n"] for c in RATE_FMT},
            **{f"share_{c[2:]}": [c, "n"] for c in OUTCOME_COUNTS},
        },
        formats=RATE_FMT,
        caption="First-submission outcomes by year",
    )
    by_p = referrals.outcomes(span, by=("year", "pathway"))
    d.add_table(
        "referral_rate_by_year_pathway",
        by_p,
        keys=["year", "pathway"],
        columns=["year", "pathway", "n", "referred", "rate", "ci_low", "ci_high"],
        caption="First-attempt referral rate by year and pathway",
        labels={"n": "decided"},
        **_RATE_SPEC,
    )
    d.add_margin(
        "outcomes_by_year",
        "referral_rate_by_year_pathway",
        over=["pathway"],
        columns=["n", "referred"],
    )
    _gaps_by_year(d, referrals.gaps(span, by=("year",), n_boot=n_boot))
    _agreement(
        d,
        "agreement_by_year",
        agreement.by_section(span, by=("year",), n_boot=n_boot),
        ["year"],
        "Agreement by year",
    )
    promise = ["within_promise", "within_promise_ci_low", "within_promise_ci_high"]
    d.add_table(
        "turnaround_by_year",
        turnaround.summary(span, by=("year",)),
        counts=["n", "returned", "open", "breaches"],
        keys=["year"],
        columns=["year", "n", "returned", "open", "breaches", "median_days", *promise],
        parts={"n": ["returned", "open"]},
        subsets={"breaches": "n"},
        derived={
            c: ["n", "returned", "open", "breaches"]
            for c in [*promise, "within_promise_naive", "median_days", "p90_days"]
        },
        formats={**{c: "{:.1%}" for c in promise}, "median_days": "{:.0f}"},
        caption="Turnaround by year",
        labels={"median_days": "median days"},
    )
    _previous(d, previous, "trends", scope, data_sha256)
    rep = d.protect()
    rep.check()
    return rep


def _gaps_by_year(d: Disclosure, gaps: pd.DataFrame) -> None:
    """Elements lacking by year: the shares are printed, their counts are not."""
    d.add_table(
        "elements_lacking_by_year",
        gaps,
        counts=["n", "n_r", "n_gaps_recorded"],
        keys=["year"],
        columns=[
            "year",
            "n",
            "n_r",
            "n_gaps_recorded",
            *[f"{e}_{s}" for e in ELEMENTS for s in ("rate", "ci_low", "ci_high")],
        ],
        subsets={"n_r": "n", "n_gaps_recorded": "n_r"},
        shares={
            f"{e}_rate": ("n_gaps_recorded", [f"{e}_ci_low", f"{e}_ci_high"]) for e in ELEMENTS
        },
        formats={f"{e}_{s}": "{:.0%}" for e in ELEMENTS for s in ("rate", "ci_low", "ci_high")},
        caption="Elements lacking in R decisions by year",
        labels={"n": "decisions", "n_r": "rated R", "n_gaps_recorded": "R with gap data"},
    )


def published_km_curves(
    curves: pd.DataFrame, published: pd.DataFrame, by: str, min_count: int
) -> pd.DataFrame:
    """Kaplan-Meier curves as a published report may draw them.

    Only groups whose ``n`` is published are kept, and each curve stops where fewer
    than ``min_count`` cases remain at risk (the usual rule for publishing survival
    curves: a step at the tail is one or two people's result).

    Examples
    --------
    >>> c = pd.DataFrame({"year": [2024] * 3 + [2025] * 2, "days": [0, 10, 20, 0, 5],
    ...                   "at_risk": [9, 6, 3, 3, 1], "n": [9, 9, 9, 3, 3]})
    >>> p = pd.DataFrame({"year": [2024, 2025], "n": [9.0, np.nan]})
    >>> published_km_curves(c, p, "year", 5)["days"].tolist()
    [0, 10]
    """
    shown = set(published.loc[published["n"].notna(), by].astype(str))
    keep = curves[by].astype(str).isin(shown) & (curves["at_risk"] >= min_count)
    return curves[keep].reset_index(drop=True)


def headline_rank(values: pd.DataFrame, by: str, rate: str, what: str) -> str:
    """A ranking sentence that quotes only what is published.

    Examples
    --------
    >>> t = pd.DataFrame({"section": ["1a", "3b", "4"], "rate": [0.2, 0.4, np.nan]})
    >>> headline_rank(t, "section", "rate", "section")
    '3b is referred most often among the sections shown (40%); 1 section is suppressed.'
    """
    shown = values.dropna(subset=[rate])
    hidden = len(values) - len(shown)
    if shown.empty:
        return f"Every {what} is suppressed: too few submissions to publish."
    top = shown.loc[shown[rate].idxmax()]
    tail = (
        ""
        if not hidden
        else f"; {hidden} {what}{'' if hidden == 1 else 's'} {'is' if hidden == 1 else 'are'} suppressed"
    )
    return f"{top[by]} is referred most often among the {what}s shown ({top[rate]:.0%}){tail}."
