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

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..disclosure import (
    CellRef,
    DisclosedReport,
    Disclosure,
    DisclosureError,
    Ledger,
    PublishedTable,
    scope_nested,
)
from ._helpers import esc
from ._open import scope_text
from ._published_top import INPUT_TABLE

__all__ = [
    "sections_report",
    "trends_report",
    "published_km_curves",
    "headline_rank",
    "data_sha256",
    "disclose_report",
    "finish_publication",
    "show_published",
    "shown_or",
]

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


def _p_chart_or_empty(span: Any, *, per_section: bool = False) -> pd.DataFrame:
    """The p chart, or no rows when nothing is decided yet (a freshly opened span, no
    ratings): the report then says there is nothing to chart rather than failing."""
    from .. import referrals

    try:
        return referrals.p_chart(span, per_section=per_section)
    except ValueError as e:
        if "no decided first-attempt" not in str(e):
            raise
    cols = ["window", "n", "k", "rate", "centre", "lcl", "ucl", "lower2", "upper2", "signal"]
    empty = pd.DataFrame({c: pd.Series(dtype=float) for c in cols})
    empty["window"] = empty["window"].astype(object)
    empty["signal"] = empty["signal"].astype(object)
    empty["n"] = empty["n"].astype("int64")
    empty["k"] = empty["k"].astype("int64")
    empty["special_cause"] = pd.Series(dtype=bool)
    if per_section:
        empty.insert(0, "section", pd.Series(dtype=object))
    return empty


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
            "centre": [float(chart["centre"].iloc[0]) if len(chart) else 0.0],
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


def _add_submissions(d: Disclosure, span: Any, inputs: Any) -> None:
    """The report's count of submissions; with ``inputs`` (the whole dataset), the
    input rows used and left out that its top shows (``_published_top``)."""
    from ._published_top import add_input_rows

    n = len(span.submissions)
    ref = d.add_number("submissions", n)
    if inputs is not None:
        add_input_rows(d, inputs, submissions=(ref, n))


def _previous(
    d: Disclosure,
    previous: Iterable[Mapping[str, Any]],
    kind: str,
    scope: Mapping[str, Any],
    data_sha256: str | None,
) -> None:
    for e in previous:
        same_data = data_sha256 is None or e.get("data_sha256") == data_sha256
        if e.get("kind") != kind:
            # Other data: other populations, linked within a kind only. Another
            # threshold: its counts from min_count up may pin cells this one must hide,
            # which no suppression here can undo (docs/disclosure.md, the ledger).
            if same_data and e.get("min_count") == d.min_count:
                _other_kind(d, e, kind, scope)
            continue
        # Only the sections report's counts grow with their population; the trends
        # report's turnaround counts (open, returned) also move with its as-of date.
        monotone = kind == "sections"
        d.add_previous(e, nested=monotone and same_data and scope_nested(e.get("scope", {}), scope))


def _other_kind(d: Disclosure, e: Mapping[str, Any], kind: str, scope: Mapping[str, Any]) -> None:
    """Link a report of the other published kind, made from the same data.

    The sections report's population (its periods, one pathway or all) is inside the
    trends report's (every period up to its last) when it ends no later: its count of
    submissions is then at most the trends report's, and the input rows (same data) are
    the same. And each year's decided first submissions and referrals in the trends
    report are the p chart's periods of that year plus the periods it leaves out.
    """
    sections, trends = (scope, e.get("scope", {})) if kind == "sections" else (e["scope"], scope)
    last_t = str(trends.get("last_window") or "\uffff")  # None: every period
    inside = str(sections.get("last_window") or "") <= last_t
    # now = then + change: change >= 0 when now is the trends report and holds the other
    direction = (1 if kind == "trends" else -1) if inside else 0
    d.add_previous(e, nested=False, direction=direction, tables={"text", INPUT_TABLE})
    pathway = sections.get("pathway") or None
    table = "referral_rate_by_year_pathway" if pathway else "outcomes_by_year"
    cells = e.get("cells", [])
    tag = str(e.get("report", "earlier report"))
    for col, part_col in (("n", "n"), ("referred", "k")):
        if kind == "sections":  # then: the trends years; now: this p chart's periods
            windows = d.keys("p_chart")["window"] if "p_chart" in d._tables else []
            for c in cells:
                if c["table"] != table or c["column"] != col:
                    continue
                if pathway and str(c["row"].get("pathway")) != pathway:
                    continue
                year = str(c["row"].get("year"))
                parts = [
                    d.find("p_chart", {"window": w}, part_col)
                    for w in windows
                    if w[:4] == year and w <= last_t
                ]
                if parts and all(p is not None for p in parts):
                    why = f"{tag} / {table} / {year} / {col} = this p chart's periods + the rest"
                    d.add_previous_sum(c, parts, tag=tag, why=why)
        else:  # now: this report's years; then: the earlier p chart's periods
            if table not in d._tables:
                continue
            for _, keys in d.keys(table).iterrows():
                if pathway and keys.get("pathway") != pathway:
                    continue
                year = keys["year"]
                parts = [
                    c
                    for c in cells
                    if c["table"] == "p_chart"
                    and c["column"] == part_col
                    and str(c["row"].get("window", ""))[:4] == year
                    and str(c["row"].get("window", "")) <= last_t
                ]
                total = d.find(table, dict(keys), col)
                if parts and total is not None:
                    why = f"{table} / {year} / {col} = {tag}'s p chart periods + the rest"
                    d.add_previous_sum(total, parts, tag=tag, why=why)


def sections_report(
    span: Any,
    *,
    scope: Mapping[str, Any],
    min_count: int = 5,
    n_boot: int = 1000,
    previous: Iterable[Mapping[str, Any]] = (),
    data_sha256: str | None = None,
    secondary: bool = True,
    inputs: Any = None,
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
    secondary : bool
        False: primary suppression only, which the audit then rejects wherever a
        hidden count can be recovered (for tests of the audit).
    inputs : Records, optional
        The whole dataset: its input rows used and left out are published too
        (table ``input_rows``, number ``rows left out``), for the report's top.

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
    return _audited(
        "sections",
        span,
        lambda d: _sections_tables(d, span, scope, min_count, n_boot),
        scope=scope,
        min_count=min_count,
        previous=previous,
        data_sha256=data_sha256,
        secondary=secondary,
        inputs=inputs,
    )


def _audited(
    kind: str,
    span: Any,
    register: Callable[[Disclosure], None],
    *,
    scope: Mapping[str, Any],
    min_count: int,
    previous: Iterable[Mapping[str, Any]],
    data_sha256: str | None,
    secondary: bool,
    inputs: Any = None,
) -> DisclosedReport:
    """One report's disclosure step: its submission count and the tables ``register``
    adds, with the reports published earlier, protected together and audited."""
    d = Disclosure(min_count)
    _add_submissions(d, span, inputs)
    register(d)
    _previous(d, previous, kind, scope, data_sha256)
    rep = d.protect(secondary=secondary)
    rep.check()
    return rep


def _sections_tables(
    d: Disclosure, span: Any, scope: Mapping[str, Any], min_count: int, n_boot: int
) -> None:
    """Register the committee report's tables (:func:`sections_report`)."""
    from .. import agreement, referrals

    where = scope_text(scope)
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
    _p_chart(d, _p_chart_or_empty(span), f"First-attempt referral rate per period, {where}")
    per_section = _p_chart_or_empty(span, per_section=True)
    # A listed signal says something about its period's counts (beyond a limit, a run):
    # only periods whose referred and not-referred counts are both publishable are
    # listed, so that neither a row nor its absence points at a small count.
    k, n = per_section["k"], per_section["n"]
    listable = per_section["special_cause"] & (k >= min_count) & (n - k >= min_count)
    signals = per_section[listable].reset_index(drop=True)
    d.add_table(
        "signals",
        signals,
        counts=["n", "k"],
        keys=["section", "window"],
        columns=["section", "window", "n", "k", "rate", "signal"],
        subsets={"k": "n"},
        derived={"rate": ["k", "n"], "signal": ["k", "n"]},
        formats={"rate": "{:.1%}"},
        caption="Sections and periods with a special-cause signal (periods with at least "
        f"{min_count} referred and {min_count} not referred)",
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


def _add_gaps(
    d: Disclosure, name: str, gaps: pd.DataFrame, key: str, per_element: Iterable[str], caption: str
) -> None:
    """Elements lacking in R decisions: the counts, and each element's count printed
    beside its shares, so the shares are exact (a share printed without its count
    would have to be coarsened, :func:`~cmalt_qa.disclosure.share_step`)."""
    rate_cols = [f"{e}_{s}" for e in ELEMENTS for s in ("rate", "rate_ci_low", "rate_ci_high")]
    d.add_table(
        name,
        gaps,
        counts=["n", "n_r", "n_gaps_recorded", *ELEMENTS],
        keys=[key],
        columns=[
            key,
            "n",
            "n_r",
            "n_gaps_recorded",
            *[f"{e}{suffix}" for e in ELEMENTS for suffix in per_element],
        ],
        subsets={"n_r": "n", "n_gaps_recorded": "n_r", **{e: "n_gaps_recorded" for e in ELEMENTS}},
        derived={c: [c.split("_")[0], "n_gaps_recorded"] for c in rate_cols},
        formats={c: "{:.0%}" for c in rate_cols},
        caption=caption,
        labels={"n": "decisions", "n_r": "rated R", "n_gaps_recorded": "R with gap data"},
    )


def _gaps(d: Disclosure, gaps: pd.DataFrame, rates: pd.DataFrame, where: str) -> None:
    _add_gaps(
        d,
        "gaps",
        gaps,
        "section",
        ("", "_rate"),
        f"Elements lacking in R decisions by section, {where}",
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
    secondary: bool = True,
    inputs: Any = None,
) -> DisclosedReport:
    """Every table of the research report, disclosed together and audited.

    Parameters as for :func:`sections_report`.

    Returns
    -------
    DisclosedReport
        Tables ``outcomes_by_year``, ``referral_rate_by_year_pathway``,
        ``elements_lacking_by_year``, ``agreement_by_year``, ``turnaround_by_year`` and
        the number ``submissions``; :meth:`~DisclosedReport.check` has passed.
        ``extra["km_curves"]``: the Kaplan-Meier curves by year as they may be drawn
        (:func:`published_km_curves`).
    """
    from .. import turnaround

    rep = _audited(
        "trends",
        span,
        lambda d: _trends_tables(d, span, n_boot),
        scope=scope,
        min_count=min_count,
        previous=previous,
        data_sha256=data_sha256,
        secondary=secondary,
        inputs=inputs,
    )
    curves = turnaround.km_curves(span, by=("year",))
    rep.extra["km_curves"] = published_km_curves(
        curves, rep.values("turnaround_by_year"), "year", min_count
    )
    return rep


def _trends_tables(d: Disclosure, span: Any, n_boot: int) -> None:
    """Register the research report's tables (:func:`trends_report`)."""
    from .. import agreement, referrals

    _outcomes_by_year(d, span)
    _gaps_by_year(d, referrals.gaps(span, by=("year",), n_boot=n_boot))
    # Pooling sections and attempts would make a year with more resubmissions or more of
    # a hard section look worse: hold the section mix fixed, first submissions only.
    yearly_agreement = agreement.trend(span, by=("year",), strata=("section",), n_boot=n_boot)
    yearly_agreement.attrs.clear()  # the stratum weights are not published
    _agreement(
        d,
        "agreement_by_year",
        yearly_agreement,
        ["year"],
        "Agreement by year (stratified by section, first submissions only)",
    )
    _turnaround_by_year(d, span)


def _outcomes_by_year(d: Disclosure, span: Any) -> None:
    """Outcomes by year, and the referral rate by year and pathway (its margin)."""
    from .. import referrals

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


def _turnaround_by_year(d: Disclosure, span: Any) -> None:
    """Turnaround by year: returned and open portfolios, breaches of the promise."""
    from .. import turnaround

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


def _gaps_by_year(d: Disclosure, gaps: pd.DataFrame) -> None:
    _add_gaps(
        d,
        "elements_lacking_by_year",
        gaps,
        "year",
        ("", "_rate", "_rate_ci_low", "_rate_ci_high"),
        "Elements lacking in R decisions by year",
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

    ``values`` is a published table's values (hidden cells NaN); rows whose ``rate`` is
    hidden are counted as suppressed, never ranked.

    Examples
    --------
    >>> t = pd.DataFrame({"section": ["1a", "3b", "4"], "rate": [0.2, 0.4, np.nan],
    ...                   "n": [50, 60, 40], "ci_low": [0.1, 0.28, np.nan],
    ...                   "ci_high": [0.33, 0.53, np.nan]})
    >>> headline_rank(t, "section", "rate", "section")
    'Section 3b is referred most often among the sections shown: 40% of 60 (95% interval 28% to 53%); 1 section is suppressed.'
    >>> headline_rank(t.iloc[:0], "section", "rate", "section")
    'No section has a decided submission in these periods yet: nothing to rank.'
    """
    shown = values.dropna(subset=[rate])
    hidden = len(values) - len(shown)
    if values.empty:  # nothing decided yet: no row at all, so nothing was suppressed
        return f"No {what} has a decided submission in these periods yet: nothing to rank."
    if shown.empty:
        return f"Every {what} is suppressed: too few submissions to publish."
    top = shown.loc[shown[rate].idxmax()]
    among = f" among the {what}s shown" if hidden else ""
    tail = (
        ""
        if not hidden
        else f"; {hidden} {what}{'' if hidden == 1 else 's'} "
        + ("is suppressed" if hidden == 1 else "are suppressed")
    )
    detail = ""
    if "n" in top and pd.notna(top["n"]):
        detail = f" of {top['n']:.0f}"
    if {"ci_low", "ci_high"} <= set(top.index) and pd.notna(top["ci_low"]):
        detail += f" (95% interval {top['ci_low']:.0%} to {top['ci_high']:.0%})"
    return (
        f"{what.capitalize()} {esc(top[by])} is referred most often{among}: "
        f"{top[rate]:.0%}{detail}{tail}."
    )


# --------------------------------------------------------------------------- in a report
NOTE = (
    "\u201csuppressed\u201d: withheld because it is a count from 1 to {m1}, or because it "
    "would reveal one; \u201c\u2248\u201d: a percentage rounded to 5, 10, 20 or 25 points so "
    "that it cannot reveal one."
)


def data_sha256(recs: Any) -> str:
    """One checksum of a dataset: sha256 over its files' names and checksums."""
    import hashlib

    files = (getattr(recs, "source", None) or {}).get("files") or {}
    lines = []
    for name, info in sorted(files.items()):
        sha = info.get("sha256") if isinstance(info, Mapping) else info
        lines.append(f"{name}:{sha}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def disclose_report(
    kind: str,
    recs: Any,
    span: Any,
    params: Mapping[str, Any],
    *,
    min_count: int,
    n_boot: int,
    ledger: str | Path = "",
    audit_path: str | Path = "",
) -> DisclosedReport:
    """The disclosure step of a published report, as a notebook calls it.

    Builds every table of the report (:func:`sections_report` or :func:`trends_report`),
    with the reports published earlier from ``ledger`` in the audit, and, when
    ``audit_path`` is given, writes there what :func:`finish_publication` needs: the
    audit's outcome and the cells to add to the ledger once the report is written.

    Raises
    ------
    DisclosureError
        When the audit fails (the report must not be written); the message names the
        cell.
    """
    scope = {
        "first_window": params.get("first_window"),
        "last_window": params.get("last_window"),
        "pathway": params.get("pathway") or None,
    }
    sha = data_sha256(recs)
    previous = Ledger(ledger).entries() if ledger else []
    build = {"sections": sections_report, "trends": trends_report}[kind]
    rep = build(
        span,
        scope=scope,
        min_count=min_count,
        n_boot=n_boot,
        previous=previous,
        data_sha256=sha,
        inputs=recs,
    )
    if audit_path:
        audit = rep.audit()
        record = {
            "kind": kind,
            "scope": scope,
            "data_sha256": sha,
            "min_count": min_count,
            "passed": bool(audit["protected"].all()),
            "cells": rep.ledger_cells(),
            "earlier_reports": [e.get("report") for e in previous],
        }
        Path(audit_path).write_text(json.dumps(record), encoding="utf-8")
        audit.drop(columns=["label"]).to_csv(Path(audit_path).with_suffix(".csv"), index=False)
    return rep


def finish_publication(kind: str, stem: str, out_dir: Path, audit_path: Path) -> None:
    """Check the disclosure step ran and passed; then record the report in the ledger.

    Called by the report runner after the notebook ran and before the HTML is kept.

    Raises
    ------
    DisclosureError
        When the notebook wrote no passing audit (nothing may be published).
    """
    if not audit_path.is_file():
        raise DisclosureError(
            f"the {kind} report ran no disclosure audit ({audit_path.name} missing): a "
            "published report must draw every figure from tables that passed it"
        )
    record = json.loads(audit_path.read_text(encoding="utf-8"))
    if not record.get("passed"):
        raise DisclosureError(f"the disclosure audit of the {kind} report failed")
    Ledger(out_dir / Ledger.NAME).record(
        stem,
        kind=kind,
        data_sha256=record["data_sha256"],
        scope=record["scope"],
        cells=record["cells"],
        min_count=record.get("min_count"),
    )
    audit_path.unlink()


def show_published(table: PublishedTable, note: str | None = None) -> None:
    """Display a published table for people (human headings, each estimate with its
    interval, caption, row headers, the suppression note; :func:`published_html`)."""
    from IPython.display import HTML, display

    from ._people import published_html

    text = NOTE.format(m1=table.min_count - 1) + (f" {note}" if note else "")
    display(HTML(published_html(table, text)))


def last_gap_sentence(values: pd.DataFrame, by: str = "year", element: str = "reflection") -> str:
    """How often ``element`` was lacking in the last ``by`` with published gap data.

    ``values`` is the published ``elements_lacking_by_year`` table's values (hidden cells
    NaN). A last row whose share is suppressed is named as such, never printed as nan.

    Examples
    --------
    >>> t = pd.DataFrame({"year": [2025, 2026], "reflection_rate": [0.5, np.nan],
    ...                   "n_gaps_recorded": [10.0, np.nan]})
    >>> last_gap_sentence(t)
    'In 2026, how often reflection was lacking is suppressed (too few R decisions with gap data to publish).'
    >>> last_gap_sentence(t.iloc[:0])
    'No R decision with gap data yet: nothing to show yet.'
    """
    if values.empty:
        return "No R decision with gap data yet: nothing to show yet."
    ordered = values.sort_values(by)
    last, key = ordered.iloc[-1], esc(ordered[by].iloc[-1])
    rate, n = last.get(f"{element}_rate"), last.get("n_gaps_recorded")
    if rate is None or pd.isna(rate) or n is None or pd.isna(n):
        return (
            f"In {key}, how often {element} was lacking is suppressed "
            "(too few R decisions with gap data to publish)."
        )
    if n == 0:
        return f"In {key}, no R decision has gap data: too few to estimate."
    ci = f"{element}_rate_ci" if f"{element}_rate_ci_low" in values else f"{element}_ci"
    low, high = last.get(f"{ci}_low"), last.get(f"{ci}_high")
    interval = (
        f" (95% interval {low:.0%} to {high:.0%})"
        if low is not None and high is not None and pd.notna(low) and pd.notna(high)
        else ""
    )
    return (
        f"In {key}, {element} was lacking in {rate:.0%} of {n:.0f} R decisions "
        f"with gap data{interval}."
    )


def shown_or(value: float, fmt: str = "{:.0%}", hidden: str = "suppressed") -> str:
    """Format a published value; a withheld one reads ``hidden``.

    Examples
    --------
    >>> shown_or(0.25), shown_or(float("nan"))
    ('25%', 'suppressed')
    """
    return hidden if value is None or pd.isna(value) else fmt.format(value)
