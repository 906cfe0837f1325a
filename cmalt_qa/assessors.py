"""The assessor panel: workload, the pairing rules, severity or leniency.

Two assessors review every portfolio: a lead nominated by ALT, who must have assessed at
least :data:`~cmalt_qa.scheme.LEAD_MIN_PRIOR_ASSESSMENTS` portfolios before, and a second,
who may be nominated by the candidate. New assessors are normally paired with an
experienced one; resubmissions usually go back to the same assessors. Two questions
have a one-call answer::

    assessors.rule_breaches(recs, window="2025-09")   # who broke a pairing rule
    assessors.severity(recs).query("out_of_line")      # is anyone out of line

Audience
--------
Tables whose rows are assessors, or that name assessors (``workload``, ``experience``,
``rule_breaches``, ``severity``, ``severity_drift``), are for ALT staff only. Each carries
``df.attrs["audience"] = "staff"``; the reports keep such tables out of anything
published. They hold pseudonymous keys only, never names. Tables without that mark
(``concentration``, ``rule_counts``, ``nominated_second_effect``) have no assessor keys,
but small counts in them still need the reports' suppression.

Prior assessments (the definitions the rules use)
-------------------------------------------------
An assessor's prior count at a submission is ``recs.assessors.prior_assessments`` (the
portfolios they assessed before the data begin) plus the submissions in the data, as lead
or second, dated strictly earlier. The date is ``allocated_on``, else ``submitted_on``.
Every valid submission counts (first, resubmission, review, open or returned): each is
an assessment. Same-day seats are simultaneous: two portfolios allocated to someone on
the same day do not count toward each other, which keeps the result independent of row
order. An unknown ``prior_assessments`` (NaN, or an assessor missing from the assessors
file) counts as 0 (conservative: a long-serving assessor who joined before the data can
be flagged) and is said so in the ``*_prior_known`` columns and the ``n_unknown_prior``
counts. *Inexperienced* means fewer than 3 prior assessments at the time.

Rules (``rule`` column): ``lead_inexperienced`` (lead with fewer than 3 prior),
``both_inexperienced`` (lead and second both inexperienced), ``resubmission_reassigned``
(an attempt-2 submission whose pair of assessors differs from its attempt-1 row; the same
two people with seats swapped is not a breach). ``seat_changed`` says which seat changed
(lead, second or both). Not modelled: the rule that a Senior CMALT lead holds Senior
CMALT (the data carry no holder status).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from . import _assessors_core as _core
from ._analysis import check_args, check_by, check_records, groups
from ._bootstrap import cluster_weights, group_rng
from ._stats import percentile_interval, wilson_interval
from .records import Records
from .scheme import LEAD_MIN_PRIOR_ASSESSMENTS, RATING_SCORE

__all__ = [
    "RULES",
    "experience",
    "workload",
    "concentration",
    "rule_breaches",
    "rule_counts",
    "severity",
    "severity_drift",
    "nominated_second_effect",
]

RULES: tuple[str, ...] = ("lead_inexperienced", "both_inexperienced", "resubmission_reassigned")
"""Pairing rules checked by :func:`rule_breaches`."""

_CASE_COLUMNS = [
    "submission_id", "window", "portfolio_id", "attempt", "submission_type", "rule",
    "order_date", "lead_assessor", "second_assessor", "lead_prior", "second_prior",
    "lead_prior_known", "second_prior_known", "seat_changed",
    "first_lead_assessor", "first_second_assessor",
]  # fmt: skip


def _staff(df: pd.DataFrame) -> pd.DataFrame:
    df.attrs["audience"] = "staff"
    return df


# --------------------------------------------------------------------------- experience
def experience(recs: Records) -> pd.DataFrame:
    """Each submission with its two assessors' prior assessment counts at the time.

    Returns
    -------
    DataFrame, one row per submission (staff only)
        ``submission_id, window, portfolio_id, attempt, submission_type, order_date,
        lead_assessor, second_assessor, lead_prior, second_prior`` (int),
        ``lead_prior_known, second_prior_known`` (bool: False when the assessors file
        gives no count, which is then taken as 0). See the module docstring.
    """
    s = check_records(recs).allocated().submissions  # awaiting allocation left out
    order_date = (
        s["allocated_on"].fillna(s["submitted_on"]) if "allocated_on" in s else s["submitted_on"]
    )
    if order_date.isna().any():
        bad = s.loc[order_date.isna(), "submission_id"].tolist()
        raise ValueError(f"submissions without allocated_on or submitted_on: {bad[:5]}")
    seats = pd.concat([s["lead_assessor"], s["second_assessor"]], ignore_index=True).astype(str)
    codes, ids = pd.factorize(seats)
    known = pd.Series(np.nan, index=ids)
    a = recs.assessors
    if len(a) and "prior_assessments" in a:
        prior = pd.to_numeric(a["prior_assessments"], errors="coerce")
        known = (
            pd.Series(prior.to_numpy(), index=a["assessor_id"].astype(str)).groupby(level=0).first()
        )
        known = known.reindex(ids)
    base = known.fillna(0).to_numpy(dtype=np.int64)
    day = order_date.to_numpy(dtype="datetime64[D]").astype(np.int64)
    counts = _core.prior_counts(codes, np.r_[day, day], base)
    n = len(s)
    is_known = known.notna().to_numpy()[codes]
    out = pd.DataFrame(
        {
            "submission_id": s["submission_id"].to_numpy(),
            "window": s["window"].to_numpy(),
            "portfolio_id": s["portfolio_id"].to_numpy(),
            "attempt": s["attempt"].to_numpy(),
            "submission_type": s["submission_type"].to_numpy()
            if "submission_type" in s
            else np.nan,
            "order_date": order_date.to_numpy(),
            "lead_assessor": s["lead_assessor"].astype(str).to_numpy(),
            "second_assessor": s["second_assessor"].astype(str).to_numpy(),
            "lead_prior": counts[:n],
            "second_prior": counts[n:],
            "lead_prior_known": is_known[:n],
            "second_prior_known": is_known[n:],
        }
    )
    return _staff(out)


# --------------------------------------------------------------------------- workload
def workload(recs: Records, *, period: Literal["window", "year"] = "window") -> pd.DataFrame:
    """Submissions per assessor per period, as lead and as second.

    Returns
    -------
    DataFrame (staff only)
        ``assessor_id, <period>, as_lead, as_second, total``: one row per assessor and
        period in which they held at least one seat (inactive pairs are not listed).
    """
    s = check_records(recs).allocated().submissions  # awaiting allocation left out
    seats = pd.concat(
        [
            pd.DataFrame({"assessor_id": s["lead_assessor"], period: s[period], "seat": "as_lead"}),
            pd.DataFrame(
                {"assessor_id": s["second_assessor"], period: s[period], "seat": "as_second"}
            ),
        ],
        ignore_index=True,
    )
    seats["assessor_id"] = seats["assessor_id"].astype(str)
    out = (
        seats.groupby(["assessor_id", period, "seat"])
        .size()
        .unstack("seat", fill_value=0)
        .reindex(columns=["as_lead", "as_second"], fill_value=0)
        .reset_index()
    )
    out.columns.name = None
    out["as_lead"] = out["as_lead"].astype(np.int64)
    out["as_second"] = out["as_second"].astype(np.int64)
    out["total"] = out["as_lead"] + out["as_second"]
    return _staff(out.sort_values(["assessor_id", period], ignore_index=True))


def concentration(recs: Records, *, period: Literal["window", "year"] = "window") -> pd.DataFrame:
    """How concentrated the assessment load is in each period.

    Returns
    -------
    DataFrame, one row per period
        ``<period>, n_submissions, n_assessors`` (active: at least one seat),
        ``n_seats`` (2 per submission), ``share_top20pct`` (share of seats held by the
        busiest ceil(20%) of active assessors), ``share_top5`` (by the busiest five),
        ``gini`` (0 = even load), ``hhi`` (Herfindahl-Hirschman index: sum of squared
        seat shares, from 1/n_assessors = even to 1 = one assessor),
        ``effective_assessors`` (1/hhi: how many equally loaded assessors would give the
        same concentration).

    Notes
    -----
    Shares are of seats (a submission has two), counted among assessors active in the
    period: volunteers who took nothing are not in the data, so the Gini describes the
    spread among those who assessed. Gini as :func:`cmalt_qa._assessors_core.gini`.
    """
    w = workload(recs, period=period)
    n_sub = recs.allocated().submissions.groupby(period).size()
    rows = []
    for key, g in w.groupby(period, sort=True):
        load = np.sort(g["total"].to_numpy(dtype=np.float64))[::-1]
        seats = load.sum()
        share = load / seats
        k20 = int(np.ceil(0.2 * load.size))
        hhi = float(np.sum(share**2))
        rows.append(
            {
                period: key,
                "n_submissions": int(n_sub.get(key, 0)),
                "n_assessors": int(load.size),
                "n_seats": int(seats),
                "share_top20pct": float(share[:k20].sum()),
                "share_top5": float(share[:5].sum()),
                "gini": _core.gini(load),
                "hhi": hhi,
                "effective_assessors": 1.0 / hhi,
            }
        )
    cols = [period, "n_submissions", "n_assessors", "n_seats", "share_top20pct", "share_top5",
            "gini", "hhi", "effective_assessors"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- rules
def _all_cases(recs: Records) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(experience table with a ``_resub_checked`` flag, every breach case)."""
    e = experience(recs)
    k = LEAD_MIN_PRIOR_ASSESSMENTS
    lead_new = e["lead_prior"] < k
    second_new = e["second_prior"] < k
    # The first attempt: the latest attempt-1 row (not a review) of the same portfolio
    # dated on or before the resubmission.
    cand = e[(e["attempt"] == 1) & (e["submission_type"] != "review")][
        ["portfolio_id", "order_date", "lead_assessor", "second_assessor"]
    ].rename(columns={"order_date": "_d1", "lead_assessor": "first_lead_assessor",
                      "second_assessor": "first_second_assessor"})  # fmt: skip
    r2 = e.loc[e["attempt"] == 2, ["submission_id", "portfolio_id", "order_date"]].merge(
        cand, on="portfolio_id"
    )
    r2 = r2[r2["_d1"] <= r2["order_date"]].sort_values(["submission_id", "_d1"])
    first = r2.drop_duplicates("submission_id", keep="last")
    e = e.merge(first[["submission_id", "first_lead_assessor", "first_second_assessor"]],
                on="submission_id", how="left")  # fmt: skip
    resub = (e["attempt"] == 2) & e["first_lead_assessor"].notna()
    e["_resub_checked"] = resub
    lead_changed = e["lead_assessor"] != e["first_lead_assessor"]
    second_changed = e["second_assessor"] != e["first_second_assessor"]
    same_pair = (e["lead_assessor"] == e["first_second_assessor"]) & (
        e["second_assessor"] == e["first_lead_assessor"]
    )
    reassigned = resub & (lead_changed | second_changed) & ~same_pair
    seat = np.select(
        [lead_changed & second_changed, lead_changed, second_changed],
        ["both", "lead", "second"],
        "",
    )
    e["seat_changed"] = pd.Series(np.where(reassigned, seat, None), index=e.index, dtype=object)
    parts = []
    for rule, mask in zip(RULES, [lead_new, lead_new & second_new, reassigned]):
        part = e.loc[mask.to_numpy()].copy()
        part["rule"] = rule
        if rule != "resubmission_reassigned":
            part["seat_changed"] = None
        parts.append(part)
    cases = pd.concat(parts, ignore_index=True)[_CASE_COLUMNS]
    for col in ("first_lead_assessor", "first_second_assessor"):
        cases.loc[cases["rule"] != "resubmission_reassigned", col] = np.nan
    cases["rule"] = pd.Categorical(cases["rule"], categories=RULES)
    cases = cases.sort_values(["window", "order_date", "submission_id", "rule"], ignore_index=True)
    cases["rule"] = cases["rule"].astype(str)
    return e, cases


def rule_breaches(
    recs: Records, *, window: str | Sequence[str] | None = None, rules: Sequence[str] | None = None
) -> pd.DataFrame:
    """Every submission that broke a pairing rule: "who broke a pairing rule this window".

    Parameters
    ----------
    recs : Records
    window : str or sequence of str, optional
        Only these reporting periods (raises for a window not in the data).
    rules : sequence of str, optional
        Subset of :data:`RULES`; all when None.

    Returns
    -------
    DataFrame, one row per submission and rule broken (staff only)
        ``submission_id, window, portfolio_id, attempt, submission_type, rule,
        order_date, lead_assessor, second_assessor, lead_prior, second_prior,
        lead_prior_known, second_prior_known, seat_changed`` (lead | second | both, for
        ``resubmission_reassigned``), ``first_lead_assessor, first_second_assessor``
        (the attempt-1 pair, for ``resubmission_reassigned``). Sorted by window and date.
        Prior counts are as defined in the module docstring.
    """
    chosen = list(RULES) if rules is None else list(rules)
    unknown = [r for r in chosen if r not in RULES]
    if unknown:
        raise ValueError(f"unknown rule(s) {unknown}; rules are {list(RULES)}")
    _, cases = _all_cases(recs)
    cases = cases[cases["rule"].isin(chosen)]
    if window is not None:
        wanted = [window] if isinstance(window, str) else list(window)
        present = set(recs.submissions["window"].astype(str))
        absent = [w for w in wanted if w not in present]
        if absent:
            raise ValueError(
                f"window(s) {absent} have no submissions; windows are {sorted(present)}"
            )
        cases = cases[cases["window"].isin(wanted)]
    return _staff(cases.reset_index(drop=True))


def rule_counts(
    recs: Records, by: Sequence[str] | str = ("window",), *, ci: float = 0.95
) -> pd.DataFrame:
    """Breaches of each pairing rule per group, with rates and Wilson intervals.

    Returns
    -------
    DataFrame, one row per group and rule
        The ``by`` columns, ``rule``, ``n_checked`` (submissions the rule applies to:
        all for the experience rules, resubmissions with their first attempt in the data
        for ``resubmission_reassigned``), ``n_breaches``, ``rate``, ``ci_low``,
        ``ci_high`` (Wilson; NaN when ``n_checked`` is 0), ``n_unknown_prior`` (breaches
        in which an assessor's prior count was unknown and taken as 0).
    """
    check_args(recs, by, ci=ci)
    cols = list(check_by(by, recs.submissions.columns))
    e, cases = _all_cases(recs)
    group_keys = recs.allocated().submissions[["submission_id", *cols]]
    e = e[["submission_id", "_resub_checked"]].merge(group_keys, on="submission_id")
    cases = cases.drop(columns=[c for c in cols if c != "submission_id"], errors="ignore").merge(
        group_keys, on="submission_id"
    )
    cases["unknown"] = ~(cases["lead_prior_known"] & cases["second_prior_known"])
    cases.loc[cases["rule"] == "lead_inexperienced", "unknown"] = ~cases["lead_prior_known"]
    cases.loc[cases["rule"] == "resubmission_reassigned", "unknown"] = False
    rows = []
    for key, g in groups(e, cols):
        sel = cases
        for c, v in zip(cols, key):
            sel = sel[sel[c] == v]
        for rule in RULES:
            n = int(g["_resub_checked"].sum()) if rule == "resubmission_reassigned" else len(g)
            hit = sel[sel["rule"] == rule]
            rows.append({**dict(zip(cols, key)), "rule": rule, "n_checked": n,
                         "n_breaches": len(hit), "n_unknown_prior": int(hit["unknown"].sum())})  # fmt: skip
    out = pd.DataFrame(rows, columns=[*cols, "rule", "n_checked", "n_breaches", "n_unknown_prior"])
    k, n = out["n_breaches"].to_numpy(), out["n_checked"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rate"] = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    out["ci_low"], out["ci_high"] = wilson_interval(k, n, ci)
    return out[
        [*cols, "rule", "n_checked", "n_breaches", "rate", "ci_low", "ci_high", "n_unknown_prior"]
    ]


# --------------------------------------------------------------------------- severity
def _paired(recs: Records, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Long table: one row per rating row and seat with own, co-assessor and final scores."""
    m = check_records(recs).merged(["lead_assessor", "second_assessor", *extra])
    score = {k: float(v) for k, v in RATING_SCORE.items()}
    sc = {c: m[c].map(score).astype(np.float64) for c in ("lead", "second", "final")}
    base = {"submission_id": m["submission_id"].to_numpy(), **{c: m[c].to_numpy() for c in extra}}
    lead = pd.DataFrame({**base, "assessor_id": m["lead_assessor"].astype(str).to_numpy(), "role": "lead",
                         "own": sc["lead"], "co": sc["second"], "final": sc["final"]})  # fmt: skip
    second = pd.DataFrame({**base, "assessor_id": m["second_assessor"].astype(str).to_numpy(), "role": "second",
                           "own": sc["second"], "co": sc["lead"], "final": sc["final"]})  # fmt: skip
    return pd.concat([lead, second], ignore_index=True)


def _severity_table(
    long: pd.DataFrame,
    keys: list[str],
    *,
    n_boot: int,
    seed: int,
    ci: float,
    min_portfolios: int,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Raw severity per group of ``keys`` with bootstrap intervals and cluster variances."""
    p = long[long["own"].notna() & long["co"].notna()].copy()
    p["d"] = p["own"] - p["co"]
    units = (
        p.groupby([*keys, "submission_id"], sort=True)
        .agg(num=("d", "sum"), den=("d", "size"))
        .reset_index()
    )
    table = long[keys].drop_duplicates().sort_values(keys, ignore_index=True)
    code = pd.MultiIndex.from_frame(table).get_indexer(pd.MultiIndex.from_frame(units[keys]))
    code = code.astype(np.int64)
    num = units["num"].to_numpy(np.float64)
    den = units["den"].to_numpy(np.float64)
    k = len(table)
    n_units = np.bincount(code, minlength=k)
    eligible = n_units >= min_portfolios
    est = _core.ratio_by_group(code, num, den, k)
    var = _core.ratio_variance(code, num, den, k)
    keep = eligible[code]
    remap = np.cumsum(eligible) - 1
    rngs = [group_rng(seed, key) for key in table.loc[eligible, keys].itertuples(index=False)]
    reps = _core.ratio_bootstrap(
        remap[code[keep]], num[keep], den[keep], int(eligible.sum()), n_boot, rngs
    )
    low, high = np.full(k, np.nan), np.full(k, np.nan)
    if eligible.any():  # percentile_interval fails on a (n_boot, 0) array
        low[eligible], high[eligible] = percentile_interval(reps, ci, axis=0)
    table["n_portfolios"] = n_units.astype(np.int64)
    table["n_ratings"] = np.bincount(code, weights=den, minlength=k).astype(np.int64)
    table["severity"], table["ci_low"], table["ci_high"] = est, low, high
    return table, var, eligible


def severity(
    recs: Records,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
    min_portfolios: int = 3,
    threshold: float = 0.15,
) -> pd.DataFrame:
    """Each assessor's severity relative to their co-assessors: "is anyone out of line".

    Parameters
    ----------
    recs : Records
    n_boot, seed, ci
        Bootstrap replicates, seed, interval level.
    min_portfolios : int
        Assessors with fewer submissions (with paired ratings) get the raw estimate only:
        no interval, no shrinkage, never flagged; they are left out of tau^2.
    threshold : float
        Minimum ``|severity_shrunk|`` (score points per section) to flag. The default
        0.15 is about two sections of a 13-section CMALT portfolio rated a whole step
        (e.g. A instead of S) away from the co-assessor, on every portfolio: a difference
        a reader of the feedback would notice, where a statistically clear but smaller
        one (an assessor with hundreds of ratings) is not worth a conversation.

    Returns
    -------
    DataFrame, one row per assessor (staff only)
        ``assessor_id, n_portfolios`` (submissions with a paired rating), ``n_ratings``,
        ``severity`` (mean of own - co-assessor score; negative = more severe),
        ``ci_low, ci_high`` (percentile bootstrap over the assessor's submissions),
        ``se`` (cluster-level standard error), ``severity_shrunk``, ``shrink_weight``,
        ``agreement_with_final`` (share of own ratings equal to the final),
        ``agreement_with_final_ci_low/_ci_high`` (Wilson), ``n_final``, ``out_of_line``
        (interval excludes 0 and ``|severity_shrunk| > threshold``). ``attrs`` holds
        ``tau2``, ``threshold``, ``ci``, ``n_boot``.

    Notes
    -----
    Scores are :data:`~cmalt_qa.scheme.RATING_SCORE` (R=0, A=1, S=2). Per section
    :math:`d = \\text{own} - \\text{co}`; the assessor's severity is
    :math:`\\hat\\theta_i = \\sum_j S_{ij} / \\sum_j M_{ij}` over their submissions j (sum
    and count of d), so each portfolio is its own control. Bootstrap: the assessor's
    submissions resampled with replacement (:mod:`cmalt_qa._bootstrap`, each assessor with
    a generator of its own from ``seed`` and its id). Sampling variance
    :math:`v_i` from the submission level (ratio-estimator linearisation; where it is
    exactly 0, as when every submission gives the same mean difference, it is replaced
    by the panel's pooled per-rating variance of d divided by ``n_ratings``). Shrinkage: normal-normal empirical Bayes
    toward 0 (the panel's mean difference is 0 by construction: each pair enters once with
    each sign), :math:`\\tau^2` by DerSimonian-Laird over eligible assessors with
    :math:`v_i > 0`, :math:`B_i = \\tau^2/(\\tau^2+v_i)`, shrunk :math:`= B_i\\hat\\theta_i`.
    The agreement interval treats ratings as independent, so it is somewhat too narrow
    for assessors whose ratings cluster within portfolios.

    References
    ----------
    Efron, B. & Morris, C. (1975). Data analysis using Stein's estimator and its
    generalizations. JASA 70(350), 311-319.
    DerSimonian, R. & Laird, N. (1986). Meta-analysis in clinical trials. Controlled
    Clinical Trials 7(3), 177-188.
    """
    check_args(recs, n_boot=n_boot, ci=ci, seed=seed)
    if min_portfolios < 2:
        raise ValueError("min_portfolios must be at least 2 (a variance needs two submissions)")
    long = _paired(recs)
    out, var, eligible = _severity_table(long, ["assessor_id"], n_boot=n_boot, seed=seed, ci=ci,
                                         min_portfolios=min_portfolios)  # fmt: skip
    est = out["severity"].to_numpy()
    both = long["own"].notna() & long["co"].notna()
    pooled = float(np.var((long["own"] - long["co"])[both], ddof=1)) if both.sum() > 1 else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        floor = pooled / out["n_ratings"].to_numpy(np.float64)
    var = np.where(var == 0, floor, var)
    use = eligible & np.isfinite(var) & (var > 0) & np.isfinite(est)
    tau2 = _core.dersimonian_laird(est[use], var[use])
    b = np.where(eligible, _core.shrink_weight(tau2, var), np.nan)
    out["se"] = np.sqrt(var)
    out["severity_shrunk"] = b * est
    out["shrink_weight"] = b
    fin = long[long["own"].notna() & long["final"].notna()]
    agree = (fin["own"] == fin["final"]).groupby(fin["assessor_id"]).agg(["sum", "size"])
    agree = agree.reindex(out["assessor_id"], fill_value=0)
    k, n = agree["sum"].to_numpy(np.int64), agree["size"].to_numpy(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["agreement_with_final"] = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    lo, hi = wilson_interval(k, n, ci)
    out["agreement_with_final_ci_low"], out["agreement_with_final_ci_high"] = lo, hi
    out["n_final"] = n
    excludes = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    out["out_of_line"] = (
        (excludes & (out["severity_shrunk"].abs() > threshold)).fillna(False).astype(bool)
    )
    out.attrs.update(tau2=tau2, threshold=threshold, ci=ci, n_boot=n_boot)
    return _staff(out)


def severity_drift(
    recs: Records,
    *,
    period: Literal["year", "window"] = "year",
    min_periods: int = 3,
    n_boot: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
    min_portfolios: int = 3,
) -> pd.DataFrame:
    """Severity per assessor per period, for assessors active in at least ``min_periods``.

    Returns
    -------
    DataFrame, one row per assessor and period (staff only)
        ``assessor_id, <period>, n_portfolios, n_ratings, severity, ci_low, ci_high``
        as :func:`severity` (raw, unshrunk; intervals NaN below ``min_portfolios``).
    """
    check_args(recs, n_boot=n_boot, ci=ci, seed=seed)
    if min_portfolios < 1:
        raise ValueError("min_portfolios must be at least 1")
    long = _paired(recs, extra=[period])
    active = long[long["own"].notna() & long["co"].notna()].groupby("assessor_id")[period].nunique()
    long = long[long["assessor_id"].isin(active[active >= min_periods].index)]
    out, _, _ = _severity_table(long, ["assessor_id", period], n_boot=n_boot,
                                seed=seed, ci=ci, min_portfolios=min_portfolios)  # fmt: skip
    return _staff(out[out["n_ratings"] > 0].reset_index(drop=True))


# --------------------------------------------------------------------------- nominated
def nominated_second_effect(
    recs: Records,
    by: Sequence[str] | str = (),
    *,
    n_boot: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Are candidate-nominated second assessors more lenient than ALT-nominated ones?

    Returns
    -------
    DataFrame, one row per group (one row when ``by`` is empty)
        The ``by`` columns, ``n_nominated, n_alt`` (submissions per arm),
        ``n_ratings_nominated, n_ratings_alt``, ``mean_nominated, mean_alt`` (mean
        second - lead score per section in each arm), ``estimate`` (nominated minus ALT:
        positive = nominated seconds more lenient relative to their leads), ``ci_low,
        ci_high`` (percentile bootstrap of submissions, resampled within each arm).

    Notes
    -----
    Each arm's mean is :math:`\\sum_j D_j / \\sum_j M_j` over its submissions, with
    :math:`D_j` the sum of (second - lead) over sections both rated and :math:`M_j` their
    number. Submissions with ``second_nominated`` unknown are left out. Each group's
    generator (from ``seed`` and the group's key) draws the nominated arm then the ALT arm. The
    comparison is descriptive: nominated seconds may differ from ALT's in who they are
    as well as in how they were chosen.
    """
    check_args(recs, by, n_boot=n_boot, ci=ci, seed=seed)
    cols = list(check_by(by, recs.submissions.columns))
    if "second_nominated" not in recs.submissions:
        raise ValueError("the submissions have no second_nominated column")
    m = recs.merged(["second_nominated", *cols])
    sc = {k: float(v) for k, v in RATING_SCORE.items()}
    m["d"] = m["second"].map(sc) - m["lead"].map(sc)
    m = m[m["d"].notna() & m["second_nominated"].notna()]
    units = m.groupby([*cols, "second_nominated", "submission_id"], sort=True, dropna=False).agg(
        num=("d", "sum"), den=("d", "size")).reset_index()  # fmt: skip
    units["second_nominated"] = units["second_nominated"].astype(bool)
    rows = []
    for key, g in groups(units, cols):
        rng = group_rng(seed, key)  # the group's own generator: independent of other groups
        row: dict[str, object] = dict(zip(cols, key))
        reps = []
        for arm, name in ((True, "nominated"), (False, "alt")):
            u = g[g["second_nominated"] == arm]
            num, den = u["num"].to_numpy(np.float64), u["den"].to_numpy(np.float64)
            row[f"n_{name}"], row[f"n_ratings_{name}"] = len(u), int(den.sum())
            row[f"mean_{name}"] = num.sum() / den.sum() if len(u) else np.nan
            if len(u):
                w = cluster_weights(len(u), n_boot, rng).astype(np.float64)
                reps.append((w @ num) / (w @ den))
            else:
                reps.append(np.full(n_boot, np.nan))
        row["estimate"] = row["mean_nominated"] - row["mean_alt"]  # type: ignore[operator]
        row["ci_low"], row["ci_high"] = (
            float(x) for x in percentile_interval(reps[0] - reps[1], ci)
        )
        rows.append(row)
    names = ["n_nominated", "n_alt", "n_ratings_nominated", "n_ratings_alt", "mean_nominated", "mean_alt",
             "estimate", "ci_low", "ci_high"]  # fmt: skip
    return pd.DataFrame(rows, columns=[*cols, *names])
