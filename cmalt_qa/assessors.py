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

The severity model
------------------
For a section rated by both, with scores R=0, A=1, S=2,

.. math:: \\text{lead} - \\text{second} = a_{\\text{lead}} - a_{\\text{second}}
          - g\\,\\text{nominated} + e,

where :math:`a_i` is assessor i's effect (added to every score they give),
:math:`g` the leniency of a second nominated by the candidate (a term of the
submission, so it is not charged to whoever sits second) and :math:`e` noise
correlated within a portfolio. Least squares on all section differences at once
(:func:`cmalt_qa._assessors_core.joint_fit`), identified by
:math:`\\sum_i a_i = 0` (per connected set of assessors), standard errors clustered
by portfolio (CR1 sandwich). Then :math:`\\hat a_i` equals the mean of i's
own-minus-co differences after adding back each co-assessor's :math:`\\hat a` and
removing the nomination term, so a neutral assessor who mostly sits beside a severe
lead is no longer made to look lenient. Submissions with ``second_nominated``
unknown get a term of their own. Intervals, shrinkage and the flag:
:func:`cmalt_qa._assessors_core.severity_flags`.

Relation to the many-facet Rasch model (Linacre's FACETS). MFRM puts portfolio
quality, section difficulty and assessor severity on one logit scale,
:math:`\\log(P_{k}/P_{k-1}) = B_n - D_s - C_i - F_k`, fitted to every rating.
This model is its linear, paired-difference counterpart on the score scale:
differencing the two ratings of the same section removes portfolio quality and
section difficulty (both assessors see the same section of the same portfolio),
leaving only the assessor terms; no distributional model of the ratings is needed
and the standard errors hold under any correlation within a portfolio. The price:
effects are in score points, not logits, so one latent shift moves scores less
on sections far from a boundary (it is attenuated and slightly non-additive), and
ratings given without a co-rating carry no information. Ranks of assessors agree
closely with a latent-scale truth (``docs/validation.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from . import _assessors_core as _core
from ._analysis import check_args, check_by, check_records, groups
from ._bootstrap import cluster_weights, group_rng
from ._lazy import renamed
from ._stats import percentile_interval, wilson_interval
from .records import Records
from .scheme import LEAD_MIN_PRIOR_ASSESSMENTS, RATING_SCORE

__all__ = [
    "PAIRING_RULES",
    "experience",
    "workload",
    "concentration",
    "rule_breaches",
    "rule_counts",
    "severity",
    "severity_drift",
    "nominated_second_effect",
]

PAIRING_RULES: tuple[str, ...] = (
    "lead_inexperienced",
    "both_inexperienced",
    "resubmission_reassigned",
)
"""Pairing rules checked by :func:`rule_breaches` (not the loader's quarantine rules,
:data:`cmalt_qa.records.QUARANTINE_RULES`)."""

# Former name of PAIRING_RULES: still answers, with a DeprecationWarning.
__getattr__ = renamed(__name__, {"RULES": "PAIRING_RULES"})

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
    for rule, mask in zip(PAIRING_RULES, [lead_new, lead_new & second_new, reassigned]):
        part = e.loc[mask.to_numpy()].copy()
        part["rule"] = rule
        if rule != "resubmission_reassigned":
            part["seat_changed"] = None
        parts.append(part)
    cases = pd.concat(parts, ignore_index=True)[_CASE_COLUMNS]
    for col in ("first_lead_assessor", "first_second_assessor"):
        cases.loc[cases["rule"] != "resubmission_reassigned", col] = np.nan
    cases["rule"] = pd.Categorical(cases["rule"], categories=PAIRING_RULES)
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
        Subset of :data:`PAIRING_RULES`; all when None.

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
    chosen = list(PAIRING_RULES) if rules is None else list(rules)
    unknown = [r for r in chosen if r not in PAIRING_RULES]
    if unknown:
        raise ValueError(f"unknown rule(s) {unknown}; rules are {list(PAIRING_RULES)}")
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
        for rule in PAIRING_RULES:
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
    units: pd.DataFrame,
    keys: list[str],
    *,
    n_boot: int,
    seed: int,
    ci: float,
    min_portfolios: int,
) -> pd.DataFrame:
    """Ratio mean ``sum(num) / sum(den)`` per group of ``keys`` with bootstrap intervals.

    ``units`` has one row per seat and submission (``num``: summed difference, ``den``:
    sections). Intervals: percentile bootstrap of the group's submissions
    (:func:`cmalt_qa._assessors_core.ratio_bootstrap`), NaN below ``min_portfolios``.
    """
    table = units[keys].drop_duplicates().sort_values(keys, ignore_index=True)
    code = (
        pd.MultiIndex.from_frame(table)
        .get_indexer(pd.MultiIndex.from_frame(units[keys]))
        .astype(np.int64)
    )
    num = units["num"].to_numpy(np.float64)
    den = units["den"].to_numpy(np.float64)
    k = len(table)
    n_units = np.bincount(code, minlength=k)
    eligible = n_units >= min_portfolios
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
    table["severity"] = _core.ratio_by_group(code, num, den, k)
    table["ci_low"], table["ci_high"] = low, high
    return table


def _joint_units(recs: Records, extra: Sequence[str] = ()) -> tuple[pd.DataFrame, pd.Index]:
    """One row per submission with both scores on some section: the joint model's units.

    Columns ``submission_id, portfolio_id, lead, second`` (assessor codes into the
    returned index of assessor keys), ``num`` (sum of lead - second scores), ``den``
    (sections), ``nominated``, ``nominated_unknown`` (0/1), and the ``extra`` columns.
    """
    cols = ["portfolio_id", "lead_assessor", "second_assessor", "second_nominated", *extra]
    m = check_records(recs).merged(list(dict.fromkeys(cols)))
    _, ids = pd.factorize(
        pd.concat([m["lead_assessor"], m["second_assessor"]]).astype(str), sort=True
    )
    score = {k: float(v) for k, v in RATING_SCORE.items()}
    m["d"] = m["lead"].map(score).astype(np.float64) - m["second"].map(score).astype(np.float64)
    m = m[m["d"].notna()]
    keys = ["submission_id", *dict.fromkeys(cols)]
    u = m.groupby("submission_id", sort=True).agg(
        **{c: (c, "first") for c in keys[1:]}, num=("d", "sum"), den=("d", "size")).reset_index()  # fmt: skip
    nom = u["second_nominated"].astype("boolean")
    u["nominated"] = nom.fillna(False).astype(np.float64)
    u["nominated_unknown"] = nom.isna().astype(np.float64)
    u["lead"] = ids.get_indexer(u["lead_assessor"].astype(str))
    u["second"] = ids.get_indexer(u["second_assessor"].astype(str))
    return u, ids


def _fit_units(u: pd.DataFrame, k: int) -> tuple[_core.JointFit, list[str]]:
    """The joint model on units from :func:`_joint_units`; nuisance terms named."""
    names = ["nominated"] + (["nominated_unknown"] if u["nominated_unknown"].any() else [])
    # Columns enter with a minus sign, so each term is the leniency (second minus lead)
    # it adds to a nominated (or unknown) second's scores, as nominated_second_effect.
    z = -u[names].to_numpy(np.float64)
    fit = _core.joint_fit(u["lead"].to_numpy(), u["second"].to_numpy(), z, u["num"].to_numpy(np.float64),
                          u["den"].to_numpy(np.float64), u["portfolio_id"].astype(str).to_numpy(), k)  # fmt: skip
    return fit, names


def _seats(u: pd.DataFrame, fit: _core.JointFit, names: list[str], k: int) -> pd.DataFrame:
    """Each unit twice (lead's side, second's side) with the adjusted difference sums.

    ``num`` is the sum over the unit's sections of own - co; ``adj`` the same with the
    co-assessor's fitted effect and the nuisance terms removed
    (:func:`cmalt_qa._assessors_core.adjusted_differences`).
    """
    a, g = fit.coef[:k], fit.coef[k:]
    term = u[names].to_numpy(np.float64) @ g  # leniency added to the second, per section
    m = u["den"].to_numpy(np.float64)
    sides = []
    for own, co, sign in (("lead", "second", 1.0), ("second", "lead", -1.0)):
        side = u.drop(columns=["lead", "second"]).assign(assessor=u[own].to_numpy(), role=own)
        side["num"] = sign * u["num"].to_numpy(np.float64)
        side["adj"] = side["num"] + m * (a[u[co].to_numpy()] + sign * term)
        sides.append(side)
    return pd.concat(sides, ignore_index=True)


def severity(
    recs: Records,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
    min_portfolios: int = 3,
    threshold: float = 0.15,
) -> pd.DataFrame:
    """Each assessor's severity, estimated jointly with their co-assessors': "is anyone out of line".

    Parameters
    ----------
    recs : Records
    n_boot, seed
        Accepted (and checked) for the common calling convention; the intervals are
        analytic (cluster-robust), so nothing is resampled.
    ci : float
        Interval level.
    min_portfolios : int
        Assessors with fewer submissions (with paired ratings) get the estimate only:
        no interval, no shrinkage, never flagged; they are left out of tau^2 (they stay
        in the model, so their co-assessors are still adjusted for them).
    threshold : float
        Minimum ``|severity_shrunk|`` (score points per section) to flag: 0.15 is about
        two sections of a 13-section portfolio a whole step (A for S) away, every time.

    Returns
    -------
    DataFrame, one row per assessor (staff only)
        ``assessor_id, n_portfolios`` (submissions with a paired rating), ``n_ratings``,
        ``severity`` (the assessor's effect in the joint model, score points per section;
        negative = more severe), ``ci_low, ci_high`` (t interval from the cluster-robust
        standard error), ``se``, ``severity_shrunk``, ``shrink_weight``,
        ``agreement_with_final`` (share of own ratings equal to the final),
        ``agreement_with_final_ci_low/_ci_high`` (Wilson), ``n_final``, ``out_of_line``
        (interval excludes 0 and ``|severity_shrunk| > threshold``); added:
        ``n_distinct_portfolios`` (the clusters behind the estimate),
        ``severity_unadjusted`` (the plain mean of own - co-assessor score, which blames
        an assessor for their partners' severity; for comparison only). ``attrs``:
        ``tau2``, ``threshold``, ``ci``, ``n_boot``, ``nominated_effect`` and
        ``nominated_effect_se`` (the nomination term), ``n_clusters``, ``model``.

    Notes
    -----
    Lead - second = a_lead - a_second - g * nominated + noise, by least squares with
    sum-to-zero effects and portfolio-clustered errors (module docstring, "The severity
    model"). Where the many-facet Rasch model puts quality, difficulty and severity on
    one logit scale, this differences the two ratings of a section, which removes
    quality and difficulty. Flag: :func:`cmalt_qa._assessors_core.severity_flags`.
    Simulation checks: ``docs/validation.md``.

    References
    ----------
    Linacre, J. M. (1989). *Many-facet Rasch Measurement*. MESA Press.
    Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. *Journal of Human Resources* 50(2), 317-372.
    DerSimonian, R. & Laird, N. (1986). Meta-analysis in clinical trials. Controlled
    Clinical Trials 7(3), 177-188.

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.load("data/sample")  # doctest: +SKIP
    >>> sev = qa.assessors.severity(recs)  # doctest: +SKIP
    >>> sev.loc[sev["out_of_line"], "assessor_id"].tolist()  # doctest: +SKIP
    """
    check_args(recs, n_boot=n_boot, ci=ci, seed=seed)
    if min_portfolios < 2:
        raise ValueError("min_portfolios must be at least 2 (a variance needs two submissions)")
    u, ids = _joint_units(recs)
    out = _severity_base(recs, u, ids)
    k = len(ids)
    if len(u):
        fit, names = _fit_units(u, k)
        est, var = fit.coef[:k], np.diag(fit.cov)[:k]
    else:
        fit, names, est, var = None, [], np.full(k, np.nan), np.full(k, np.nan)
    n_units = out["n_portfolios"].to_numpy()
    flags = _core.severity_flags(est, var, out["n_distinct_portfolios"].to_numpy(), n_units >= min_portfolios,
                                 ci=ci, threshold=threshold)  # fmt: skip
    out["severity"], out["ci_low"], out["ci_high"], out["se"] = est, flags.low, flags.high, flags.se
    out["severity_shrunk"], out["shrink_weight"] = flags.shrunk, flags.weight
    out = _with_agreement(recs, out, ci)
    out["out_of_line"] = flags.out_of_line
    out.attrs.update(
        tau2=flags.tau2, threshold=threshold, ci=ci, n_boot=n_boot, **_fit_attrs(fit, names, k)
    )
    return _staff(out[_SEVERITY_COLUMNS])


def _fit_attrs(fit: _core.JointFit | None, names: list[str], k: int) -> dict[str, object]:
    """The joint fit's summary for ``attrs``: the nomination term, its SE, clusters."""
    if fit is None or "nominated" not in names:
        return {"model": "joint paired-difference LS", "nominated_effect": np.nan,
                "nominated_effect_se": np.nan, "n_clusters": 0 if fit is None else fit.n_clusters}  # fmt: skip
    j = k + names.index("nominated")
    return {"model": "joint paired-difference LS", "nominated_effect": float(fit.coef[j]),
            "nominated_effect_se": float(np.sqrt(fit.cov[j, j])), "n_clusters": fit.n_clusters}  # fmt: skip


_SEVERITY_COLUMNS = [
    "assessor_id", "n_portfolios", "n_ratings", "severity", "ci_low", "ci_high", "se", "severity_shrunk",
    "shrink_weight", "agreement_with_final", "agreement_with_final_ci_low", "agreement_with_final_ci_high",
    "n_final", "out_of_line", "n_distinct_portfolios", "severity_unadjusted",
]  # fmt: skip


def _severity_base(recs: Records, u: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """Counts and the unadjusted mean difference per assessor (every key in ``ids``)."""
    k = len(ids)
    code = np.r_[u["lead"].to_numpy(), u["second"].to_numpy()].astype(np.int64)
    num = np.r_[u["num"].to_numpy(np.float64), -u["num"].to_numpy(np.float64)]
    den = np.r_[u["den"].to_numpy(np.float64), u["den"].to_numpy(np.float64)]
    port = np.r_[u["portfolio_id"].astype(str).to_numpy(), u["portfolio_id"].astype(str).to_numpy()]
    distinct = pd.Series(port).groupby(code).nunique().reindex(range(k), fill_value=0)
    return pd.DataFrame({
        "assessor_id": np.asarray(ids, dtype=object),
        "n_portfolios": np.bincount(code, minlength=k).astype(np.int64),
        "n_ratings": np.bincount(code, weights=den, minlength=k).astype(np.int64),
        "n_distinct_portfolios": distinct.to_numpy(np.int64),
        "severity_unadjusted": _core.ratio_by_group(code, num, den, k),
    })  # fmt: skip


def _with_agreement(recs: Records, out: pd.DataFrame, ci: float) -> pd.DataFrame:
    """Add each assessor's agreement with the final decision (Wilson interval)."""
    long = _paired(recs)
    fin = long[long["own"].notna() & long["final"].notna()]
    agree = (fin["own"] == fin["final"]).groupby(fin["assessor_id"]).agg(["sum", "size"])
    agree = agree.reindex(out["assessor_id"], fill_value=0)
    k, n = agree["sum"].to_numpy(np.int64), agree["size"].to_numpy(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["agreement_with_final"] = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    lo, hi = wilson_interval(k, n, ci)
    out["agreement_with_final_ci_low"], out["agreement_with_final_ci_high"] = lo, hi
    out["n_final"] = n
    return out


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
        ``assessor_id, <period>, n_portfolios, n_ratings, severity, ci_low, ci_high``:
        ``severity`` is the assessor's mean own-minus-co score difference in the period,
        adjusted as in :func:`severity` (each co-assessor's joint effect added back, the
        nomination term removed), unshrunk; intervals are percentile bootstraps of the
        assessor's submissions in the period (NaN below ``min_portfolios``).

    Notes
    -----
    The joint model is fitted once on all periods. By its normal equations an
    assessor's adjusted differences average exactly to their :func:`severity` estimate,
    so the periods of one assessor, weighted by ``n_ratings``, average to it: the drift
    is a split of that estimate over time, not a second model. The co-assessors' effects
    are held at their all-period values (their own drift is not modelled), and the
    intervals leave out the uncertainty of those fitted effects.
    """
    check_args(recs, n_boot=n_boot, ci=ci, seed=seed)
    if min_portfolios < 1:
        raise ValueError("min_portfolios must be at least 1")
    u, ids = _joint_units(recs, extra=[period])
    cols = ["assessor_id", period, "n_portfolios", "n_ratings", "severity", "ci_low", "ci_high"]
    if u.empty:
        return _staff(pd.DataFrame(columns=cols))
    fit, names = _fit_units(u, len(ids))
    seats = _seats(u, fit, names, len(ids))
    seats["assessor_id"] = np.asarray(ids, dtype=object)[seats["assessor"].to_numpy()]
    seats["num"] = seats["adj"]
    active = seats.groupby("assessor_id")[period].nunique()
    seats = seats[seats["assessor_id"].isin(active[active >= min_periods].index)]
    out = _severity_table(seats, ["assessor_id", period], n_boot=n_boot, seed=seed, ci=ci,
                          min_portfolios=min_portfolios)  # fmt: skip
    return _staff(out[cols].reset_index(drop=True))


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
        ci_high`` (percentile bootstrap of submissions, resampled within each arm);
        added: ``estimate_adjusted, estimate_adjusted_ci_low, estimate_adjusted_ci_high``:
        the nomination term of the joint model of :func:`severity` fitted within the
        group (the leniency a nomination adds beyond who the two assessors are; t
        interval from the portfolio-clustered standard error; NaN if an arm is empty).

    Notes
    -----
    Each arm's mean is :math:`\\sum_j D_j / \\sum_j M_j` over its submissions, with
    :math:`D_j` the sum of (second - lead) over sections both rated and :math:`M_j` their
    number. Submissions with ``second_nominated`` unknown are left out. Each group's
    generator (from ``seed`` and the group's key) draws the nominated arm then the ALT
    arm. The
    comparison ``estimate`` is descriptive: nominated seconds may differ from ALT's in
    who they are as well as in how they were chosen; ``estimate_adjusted`` compares
    the same assessors with and without a nomination (on the score scale, so a latent
    shift is attenuated alike in both).
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
    out = pd.DataFrame(rows, columns=[*cols, *names])
    return _with_adjusted_nomination(recs, out, cols, ci)


def _with_adjusted_nomination(
    recs: Records, out: pd.DataFrame, cols: list[str], ci: float
) -> pd.DataFrame:
    """Add the joint model's nomination term per group (``estimate_adjusted`` and interval)."""
    u, _ = _joint_units(recs, extra=cols)
    u = u[u["nominated_unknown"] == 0]
    adj = []
    for key, g in groups(u, cols):
        # The group's own assessors only: its fit must not depend on other groups.
        codes = np.unique(np.r_[g["lead"], g["second"]], return_inverse=True)[1]
        g = g.assign(lead=codes[: len(g)], second=codes[len(g) :])
        k = int(codes.max()) + 1 if codes.size else 0
        fit, _ = _fit_units(g, k) if g["nominated"].nunique() == 2 else (None, [])
        est = float(fit.coef[k]) if fit else np.nan
        se = float(np.sqrt(fit.cov[k, k])) if fit else np.nan
        half = stats.t.ppf(0.5 + ci / 2.0, max(fit.n_clusters - 1, 1)) * se if fit else np.nan
        adj.append({**dict(zip(cols, key)), "estimate_adjusted": est,
                    "estimate_adjusted_ci_low": est - half, "estimate_adjusted_ci_high": est + half})  # fmt: skip
    extra = ["estimate_adjusted", "estimate_adjusted_ci_low", "estimate_adjusted_ci_high"]
    adj_t = pd.DataFrame(adj, columns=[*cols, *extra])
    if not cols:
        for c in extra:
            out[c] = adj_t[c].iloc[0] if len(adj_t) and len(out) else np.nan
        return out
    return out.merge(adj_t, on=cols, how="left")
