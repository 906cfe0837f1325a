"""Referrals and outcomes: which sections need revision, why, on which pathway, and is it changing.

Every function takes validated :class:`~cmalt_qa.records.Records` and returns a tidy
DataFrame: one row per group, grouping columns first, plain numeric columns.

Populations (SCHEME.md, "Kinds of submission")
-----------------------------------------------
Figures describe **first submissions** unless asked otherwise: ``submission_types``
defaults to ``("first",)``; pass ``None`` for every kind, or e.g. ``("review",)``. Only
**decided** submissions count: those with an outcome or at least one final rating; open
cases are reported (``n_open``) or censored (time to resubmission), never dropped.

Sections: a submission counts for every section its pathway **requires**, and for an
**optional** section only where a rating row exists. A required section with no rating
row, or a row with no final decision, is **missing**: it is left out of ``n`` and
counted in ``n_missing`` (never read as "not referred").

Intervals: a rate with at most one decision per portfolio in each group (e.g. first
submissions with ``section`` a grouping column) gets the Wilson score interval
(:func:`cmalt_qa._stats.wilson_interval`). Where a portfolio gives several decisions to
a group (sections pooled, ``section`` not among the grouping columns; or a first
submission and its resubmission, which is the same portfolio), decisions are clustered
within portfolios, so the interval is a percentile bootstrap resampling portfolios
within the group, each group with its own generator derived from ``seed`` and the
group's key (:mod:`cmalt_qa._bootstrap`): a group's interval does not depend on which
other groups exist.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import _bootstrap, _spc
from ._analysis import check_args, check_by, filter_types, groups, resolve_as_of
from ._bootstrap import group_rng
from ._stats import (
    km_at,
    km_fit,
    km_quantile,
    percentile_interval,
    wilson_interval,
)
from .records import Records
from .scheme import GAP_ELEMENTS, OUTCOMES_BY_ATTEMPT, REFERRAL_OUTCOMES, REQUIREMENT, SECTIONS

__all__ = [
    "by_section",
    "outcomes",
    "section_drivers",
    "co_referrals",
    "gaps",
    "flows",
    "resubmission_time",
    "eventual_pass",
    "p_chart",
    "funnel",
    "funnel_curve",
    "NOT_RESUBMITTED",
    "IN_ASSESSMENT",
]

NOT_RESUBMITTED = "not resubmitted (yet)"
IN_ASSESSMENT = "in assessment"


# --------------------------------------------------------------------------- helpers
def _submissions(
    recs: Records, submission_types: Sequence[str] | None, attempt: int | None = None
) -> pd.DataFrame:
    s = filter_types(recs.submissions, submission_types)
    if attempt is not None:
        s = s[s["attempt"] == attempt]
    return s


def _decided(subs: pd.DataFrame, ratings: pd.DataFrame) -> pd.Series:
    rated = ratings.loc[ratings["final"].notna(), "submission_id"].unique()
    return subs["outcome"].notna() | subs["submission_id"].isin(rated)


def _section_frame(recs: Records, submission_types: Sequence[str] | None) -> pd.DataFrame:
    """One row per decided submission and section it has (required, or optional and rated)."""
    subs = _submissions(recs, submission_types)
    subs = subs[_decided(subs, recs.ratings)].drop(columns=["row"], errors="ignore")
    req = REQUIREMENT[REQUIREMENT["requirement"] != "absent"]
    grid = subs[["submission_id", "pathway"]].merge(req, on="pathway", how="inner")
    rcols = ["submission_id", "section", "final", "gaps", *[f"gap_{e}" for e in GAP_ELEMENTS]]
    rat = recs.ratings[[c for c in rcols if c in recs.ratings]]
    long = grid.merge(rat, on=["submission_id", "section"], how="left", indicator=True)
    long["has_row"] = long.pop("_merge") == "both"
    long = long[(long["requirement"] == "required") | long["has_row"]]
    long = long.drop(columns=["pathway"]).merge(subs, on="submission_id", how="left")
    long["section"] = pd.Categorical(long["section"], categories=SECTIONS, ordered=True)
    long["decided"] = long["final"].notna()
    long["is_r"] = long["final"].eq("R")
    return long.reset_index(drop=True)


def _rate_table(
    df: pd.DataFrame,
    by: tuple[str, ...],
    k_col: str,
    valid_col: str,
    *,
    cluster: bool,
    ci: float,
    n_boot: int,
    seed: int,
    names: tuple[str, str] = ("n", "k"),
) -> pd.DataFrame:
    """Per group: n valid rows, k hits, rate and interval (Wilson, or cluster bootstrap).

    The cluster bootstrap resamples portfolios within the group, with the group's own
    generator (:func:`cmalt_qa._bootstrap.group_rng`: seed and group key).
    """
    rows = []
    for key, g in groups(df, by):
        valid = g[valid_col].to_numpy(bool)
        hit = g[k_col].to_numpy(bool) & valid
        row = dict(zip(by, key))
        n, k = int(valid.sum()), int(hit.sum())
        row.update({names[0]: n, names[1]: k, "n_submissions": g["submission_id"].nunique()})
        if cluster and n > 0:
            unit, n_units = _bootstrap.unit_codes(g["portfolio_id"].to_numpy())
            per_n = np.bincount(unit, weights=valid, minlength=n_units)
            per_k = np.bincount(unit, weights=hit, minlength=n_units)
            reps = _bootstrap.ratio_replicates(
                per_k, per_n, n_boot, _bootstrap.group_rng(seed, key)
            )
            lo, hi = percentile_interval(reps, ci)
        else:
            lo, hi = wilson_interval(k, n, ci)
        row.update({"rate": k / n if n else np.nan, "ci_low": float(lo), "ci_high": float(hi)})
        rows.append(row)
    cols = [*by, names[0], names[1], "rate", "ci_low", "ci_high", "n_submissions"]
    return pd.DataFrame(rows, columns=cols)


def _clustered(df: pd.DataFrame, by: Sequence[str], valid_col: str) -> bool:
    """Whether some portfolio has more than one counted decision in a group of ``by``.

    Then decisions are not independent (sections of a portfolio, or a first submission
    and its resubmission) and the rates need the cluster bootstrap, not Wilson.
    """
    v = df[df[valid_col]]
    return bool(v.duplicated([*by, "portfolio_id"]).any())


# --------------------------------------------------------------------------- sections
def by_section(
    recs: Records,
    by: Sequence[str] = ("section",),
    *,
    submission_types: Sequence[str] | None = ("first",),
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Referral rate of each section (final decision R), by any grouping.

    Parameters
    ----------
    recs : Records
    by : sequence of str
        ``"section"``, ``"requirement"`` and/or submission columns (``pathway``,
        ``window``, ``year``, ``attempt``, ``sector``, ``submission_type``,
        ``lead_assessor``...). Missing keys (e.g. blank sector) form their own group.
    submission_types : sequence of str or None
        Kinds of submission included; first submissions by default, None for all.
    ci : float
        Confidence level.
    n_boot, seed : int
        Bootstrap replicates and seed, used only where a portfolio gives several
        decisions to a group (see the module docstring).

    Returns
    -------
    DataFrame
        The ``by`` columns; ``n`` (decided submissions whose pathway has the section and
        whose section has a final decision: section decisions when ``section`` is not in
        ``by``), ``referred`` (final R), ``rate``, ``ci_low``, ``ci_high``,
        ``n_submissions``, ``n_missing`` (expected sections, i.e. required or optional
        with a rating row, that have no final decision).

    Notes
    -----
    ``rate = referred / n``; Wilson score interval when each portfolio gives at most one
    decision to a group (``section`` in ``by``, first submissions), else a percentile
    bootstrap over portfolios. See the module docstring for who counts.

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> t = by_section(recs)
    >>> list(t.columns[:6])
    ['section', 'n', 'referred', 'rate', 'ci_low', 'ci_high']
    >>> bool(((t["ci_low"] <= t["rate"]) & (t["rate"] <= t["ci_high"])).all())
    True
    """
    check_args(recs, by, submission_types=submission_types, ci=ci, n_boot=n_boot, seed=seed)
    long = _section_frame(recs, submission_types)
    by = check_by(by, long.columns)
    cluster = _clustered(long, by, "decided")
    out = _rate_table(
        long,
        by,
        "is_r",
        "decided",
        cluster=cluster,
        ci=ci,
        n_boot=n_boot,
        seed=seed,
        names=("n", "referred"),
    )
    missing = [int((~g["decided"]).sum()) for _, g in groups(long, by)]
    out["n_missing"] = np.asarray(missing, dtype=np.int64)
    return out


def outcomes(
    recs: Records,
    by: Sequence[str] = ("window", "pathway"),
    *,
    submission_types: Sequence[str] | None = ("first",),
    ci: float = 0.95,
) -> pd.DataFrame:
    """Distribution of first-attempt outcomes and the referral rate, per group.

    Returns
    -------
    DataFrame
        The ``by`` columns; ``n`` (attempt-1 submissions with an outcome), ``n_open``
        (attempt 1 still without an outcome); ``n_<o>`` and ``share_<o>`` for ``o`` in
        distinction, pass, minor, major; ``referred`` (minor + major), ``rate``,
        ``ci_low``, ``ci_high`` (Wilson).

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> list(outcomes(recs, by=()).columns[:4])
    ['n', 'n_open', 'n_distinction', 'n_pass']
    """
    check_args(recs, by, submission_types=submission_types, ci=ci)
    subs = _submissions(recs, submission_types, attempt=1)
    by = check_by(by, subs.columns)
    kinds = OUTCOMES_BY_ATTEMPT[1]
    rows = []
    for key, g in groups(subs, by):
        done = g["outcome"].notna()
        row = dict(zip(by, key))
        n = int(done.sum())
        row.update({"n": n, "n_open": int((~done).sum())})
        for o in kinds:
            row[f"n_{o}"] = int((g["outcome"] == o).sum())
        for o in kinds:
            row[f"share_{o}"] = row[f"n_{o}"] / n if n else np.nan
        k = int(g["outcome"].isin(REFERRAL_OUTCOMES).sum())
        lo, hi = wilson_interval(k, n, ci)
        row.update(
            {
                "referred": k,
                "rate": k / n if n else np.nan,
                "ci_low": float(lo),
                "ci_high": float(hi),
            }
        )
        rows.append(row)
    cols = [
        *by,
        "n",
        "n_open",
        *[f"n_{o}" for o in kinds],
        *[f"share_{o}" for o in kinds],
        "referred",
        "rate",
        "ci_low",
        "ci_high",
    ]
    return pd.DataFrame(rows, columns=cols)


def section_drivers(
    recs: Records,
    by: Sequence[str] = (),
    *,
    submission_types: Sequence[str] | None = ("first",),
    ci: float = 0.95,
) -> pd.DataFrame:
    """Which sections drive referrals: share of referred submissions with R in each section.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``section``; ``n`` (referred attempt-1 submissions whose
        section has a final decision), ``with_r`` (final R in the section), ``share``,
        ``ci_low``, ``ci_high`` (Wilson), ``n_submissions``.

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> list(section_drivers(recs).columns[:4])
    ['section', 'n', 'with_r', 'share']
    """
    check_args(recs, by, submission_types=submission_types, ci=ci)
    long = _section_frame(recs, submission_types)
    long = long[(long["attempt"] == 1) & long["outcome"].isin(REFERRAL_OUTCOMES)]
    by = check_by(by, long.columns)
    out = _rate_table(
        long,
        (*by, "section"),
        "is_r",
        "decided",
        cluster=False,
        ci=ci,
        n_boot=0,
        seed=0,
        names=("n", "with_r"),
    )
    return out.rename(columns={"rate": "share"})


def co_referrals(
    recs: Records,
    by: Sequence[str] = (),
    *,
    submission_types: Sequence[str] | None = ("first",),
    ci: float = 0.95,
) -> pd.DataFrame:
    """Which sections are referred together: ordered pairs of sections.

    Returns
    -------
    DataFrame, one row per group and ordered pair ``section_a != section_b``
        ``n`` (submissions with a final decision on both), ``n_a`` (R in a), ``n_b``
        (R in b), ``n_both`` (R in both), ``share_b_given_a`` = n_both / n_a with Wilson
        ``ci_low``, ``ci_high``, and ``lift`` = n_both n / (n_a n_b) (1 = independent;
        NaN when n_a or n_b is 0).

    Notes
    -----
    With indicator matrices D (decided) and R (final R), submissions x sections, the
    tables are :math:`D^TD`, :math:`R^TD`, :math:`D^TR` and :math:`R^TR`.

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> list(co_referrals(recs).columns[:4])
    ['section_a', 'section_b', 'n', 'n_a']
    """
    check_args(recs, by, submission_types=submission_types, ci=ci)
    long = _section_frame(recs, submission_types)
    by = check_by(by, long.columns)
    frames = []
    for key, g in groups(long, by):
        unit, _ = pd.factorize(g["submission_id"])
        sec = g["section"].cat.codes.to_numpy()
        D = np.zeros((unit.max() + 1 if unit.size else 0, len(SECTIONS)), dtype=np.int64)
        R = D.copy()
        D[unit, sec] = g["decided"].to_numpy(np.int64)
        R[unit, sec] = g["is_r"].to_numpy(np.int64)
        n, n_a, n_b, both = D.T @ D, R.T @ D, D.T @ R, R.T @ R
        ia, ib = np.where(~np.eye(len(SECTIONS), dtype=bool) & (n > 0))
        lo, hi = wilson_interval(both[ia, ib], n_a[ia, ib], ci)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(n_a[ia, ib] > 0, both[ia, ib] / n_a[ia, ib], np.nan)
            denom = (n_a[ia, ib] * n_b[ia, ib]).astype(float)
            lift = np.where(denom > 0, both[ia, ib] * n[ia, ib] / denom, np.nan)
        f = pd.DataFrame(
            {
                "section_a": np.asarray(SECTIONS)[ia],
                "section_b": np.asarray(SECTIONS)[ib],
                "n": n[ia, ib],
                "n_a": n_a[ia, ib],
                "n_b": n_b[ia, ib],
                "n_both": both[ia, ib],
                "share_b_given_a": share,
                "ci_low": lo,
                "ci_high": hi,
                "lift": lift,
            }
        )
        for c, v in zip(by, key):
            f.insert(list(by).index(c), c, v)
        frames.append(f)
    cols = [
        *by,
        "section_a",
        "section_b",
        "n",
        "n_a",
        "n_b",
        "n_both",
        "share_b_given_a",
        "ci_low",
        "ci_high",
        "lift",
    ]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def gaps(
    recs: Records,
    by: Sequence[str] = ("section", "year"),
    *,
    submission_types: Sequence[str] | None = ("first",),
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Which elements (description, evidence, reflection) were found lacking.

    Returns
    -------
    DataFrame
        The ``by`` columns; ``n`` (section decisions), ``n_r`` (final R),
        ``n_missing_gaps`` (R with no gap data), ``n_gaps_recorded``; for each element
        ``e``: ``e`` (R decisions lacking it), ``e_rate``, ``e_rate_ci_low``,
        ``e_rate_ci_high`` (per R decision with gap data) and ``e_sub_rate``,
        ``e_sub_rate_ci_low``, ``e_sub_rate_ci_high`` (per section decision whose gap
        status is known, i.e. n minus n_missing_gaps; with ``section`` in ``by`` this is
        per submission).

    Notes
    -----
    Missing gap data is never read as "no gap": those R decisions leave both
    denominators. Intervals as in the module docstring (Wilson with ``section`` in
    ``by`` and one decision per portfolio, otherwise a bootstrap over portfolios).

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> t = gaps(recs, by=("section",))
    >>> [c for c in t.columns if c.startswith("reflection")][:4]
    ['reflection', 'reflection_rate', 'reflection_rate_ci_low', 'reflection_rate_ci_high']
    """
    check_args(recs, by, submission_types=submission_types, ci=ci, n_boot=n_boot, seed=seed)
    long = _section_frame(recs, submission_types)
    by = check_by(by, long.columns)
    long = long[long["decided"]].copy()
    known = ~(long["is_r"] & long["gap_reflection"].isna())
    long["r_known"] = long["is_r"] & known
    long["known"] = known
    cluster = _clustered(long, by, "known")
    head = [
        {
            **dict(zip(by, key)),
            "n": len(g),
            "n_r": int(g["is_r"].sum()),
            "n_missing_gaps": int((g["is_r"] & ~g["known"]).sum()),
        }
        for key, g in groups(long, by)
    ]
    out = pd.DataFrame(head, columns=[*by, "n", "n_r", "n_missing_gaps"])
    out["n_gaps_recorded"] = out["n_r"] - out["n_missing_gaps"]
    for e in GAP_ELEMENTS:
        long[f"lack_{e}"] = long["is_r"] & long[f"gap_{e}"].fillna(False).astype(bool)
        per_r = _rate_table(
            long, by, f"lack_{e}", "r_known", cluster=cluster, ci=ci, n_boot=n_boot, seed=seed
        )
        per_s = _rate_table(
            long, by, f"lack_{e}", "known", cluster=cluster, ci=ci, n_boot=n_boot, seed=seed
        )
        out[e] = per_r["k"].to_numpy()
        out[f"{e}_rate"] = per_r["rate"].to_numpy()
        out[f"{e}_rate_ci_low"] = per_r["ci_low"].to_numpy()
        out[f"{e}_rate_ci_high"] = per_r["ci_high"].to_numpy()
        out[f"{e}_sub_rate"] = per_s["rate"].to_numpy()
        out[f"{e}_sub_rate_ci_low"] = per_s["ci_low"].to_numpy()
        out[f"{e}_sub_rate_ci_high"] = per_s["ci_high"].to_numpy()
    return out


# --------------------------------------------------------------------------- resubmission
def _referral_pairs(recs: Records, as_of: pd.Timestamp) -> pd.DataFrame:
    """Referred first attempts known by ``as_of``, with their resubmission as of ``as_of``."""
    s = recs.submissions
    first = s[(s["attempt"] == 1) & (s["submission_type"] != "review")]
    first = first[first["outcome"].isin(REFERRAL_OUTCOMES)]
    known = first["result_on"].isna() | (first["result_on"] <= as_of)
    first = first[known].drop(columns=["row"], errors="ignore")
    second = s[(s["attempt"] == 2) & (s["submitted_on"] <= as_of)]
    second = second.sort_values("submitted_on").drop_duplicates("portfolio_id")
    second = second[["portfolio_id", "submitted_on", "result_on", "outcome", "pathway"]]
    second = second.rename(columns=lambda c: c if c == "portfolio_id" else f"resub_{c}")
    out = first.merge(second, on="portfolio_id", how="left")
    decided = out["resub_outcome"].notna() & (
        out["resub_result_on"].isna() | (out["resub_result_on"] <= as_of)
    )
    out["to_outcome"] = np.where(
        out["resub_submitted_on"].isna(),
        NOT_RESUBMITTED,
        np.where(decided, out["resub_outcome"].astype(object), IN_ASSESSMENT),
    )
    return out


def flows(recs: Records, by: Sequence[str] = (), *, as_of: object | None = None) -> pd.DataFrame:
    """Attempt-1 referral -> attempt-2 outcome, as of a date.

    Parameters
    ----------
    as_of : date or None
        Resubmissions and results after this date are not yet known; None = latest
        date in the data (never the clock).

    Returns
    -------
    DataFrame
        The ``by`` columns (of the first attempt), ``from_outcome`` (minor | major),
        ``to_outcome`` (pass | fail | "in assessment" | "not resubmitted (yet)"), ``n``,
        ``share`` (of the from-outcome within the group).

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> list(flows(recs).columns)
    ['from_outcome', 'to_outcome', 'n', 'share']
    """
    check_args(recs, by, as_of=as_of)
    pairs = _referral_pairs(recs, resolve_as_of(recs.submissions, as_of))
    by = check_by(by, pairs.columns)
    pairs = pairs.rename(columns={"outcome": "from_outcome"})
    keys = [*by, "from_outcome", "to_outcome"]
    out = pairs.groupby(keys, dropna=False, sort=True).size().rename("n").reset_index()
    out["share"] = out["n"] / out.groupby([*by, "from_outcome"], dropna=False)["n"].transform("sum")
    return out


def resubmission_time(
    recs: Records,
    by: Sequence[str] = (),
    *,
    as_of: object | None = None,
    ci: float = 0.95,
    horizon_days: float = 365.0,
) -> pd.DataFrame:
    """Time from a referral's result to the resubmission, as time-to-event.

    Portfolios not resubmitted by ``as_of`` are censored at ``as_of`` (right-censored),
    not dropped.

    Returns
    -------
    DataFrame
        The ``by`` columns; ``n`` (referred first attempts with a result by ``as_of``),
        ``resubmitted``, ``censored``, ``share_resubmitted`` with Wilson
        ``share_resubmitted_ci_low``, ``share_resubmitted_ci_high`` (crude: ignores
        follow-up time); ``median_days`` with ``median_days_ci_low``,
        ``median_days_ci_high`` (Kaplan-Meier; NaN if not reached; named as in
        :func:`cmalt_qa.turnaround.summary`);
        ``resubmitted_by_horizon`` (1 - KM survival at ``horizon_days``; beyond the
        longest follow-up the last value is carried on) and ``n_invalid`` (no result
        date, or resubmitted before the result: left out).

    Notes
    -----
    Kaplan-Meier via :func:`cmalt_qa._stats.km_fit` (``scipy.stats.ecdf`` on
    ``CensoredData``); the median's interval is where the pointwise log-log
    (exponential Greenwood) band crosses 0.5 (Brookmeyer & Crowley 1982, see
    :func:`cmalt_qa._stats.km_quantile`), as lifelines'
    ``median_survival_times(confidence_interval_)``, except where a limit would reach
    0.5 only at the point S = 0 (the last case resubmitted): the band is undefined there
    and the limit is NaN (``km_fit(..., degenerate="nan")``), where lifelines gives
    that time.

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> list(resubmission_time(recs).columns[4:9])
    ['share_resubmitted_ci_low', 'share_resubmitted_ci_high', 'median_days', 'median_days_ci_low', 'median_days_ci_high']
    """
    check_args(recs, by, as_of=as_of, ci=ci)
    when = resolve_as_of(recs.submissions, as_of)
    pairs = _referral_pairs(recs, when)
    by = check_by(by, pairs.columns)
    end = pairs["resub_submitted_on"].fillna(when)
    pairs["days"] = (end - pairs["result_on"]).dt.days.astype(float)
    pairs["event"] = pairs["resub_submitted_on"].notna()
    pairs["valid"] = pairs["days"].notna() & (pairs["days"] >= 0)
    rows = [
        dict(zip(by, key)) | _resubmission_row(g, ci, horizon_days) for key, g in groups(pairs, by)
    ]
    cols = [*by, "n", "resubmitted", "censored", "share_resubmitted", "share_resubmitted_ci_low",
            "share_resubmitted_ci_high", "median_days", "median_days_ci_low",
            "median_days_ci_high", "resubmitted_by_horizon", "n_invalid"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def _resubmission_row(g: pd.DataFrame, ci: float, horizon_days: float) -> dict[str, float]:
    """One group's row of :func:`resubmission_time` (Wilson share, Kaplan-Meier median)."""
    v = g[g["valid"]]
    t, ev = v["days"].to_numpy(float), v["event"].to_numpy(bool)
    n, k = len(v), int(ev.sum())
    lo, hi = wilson_interval(k, n, ci)
    # Limits undefined where S is 0 (scipy's NaN), unlike turnaround's lifelines
    # convention: a group whose every case resubmitted gets no median limit there.
    fit = km_fit(t, ev, ci, degenerate="nan")
    med, mlo, mhi = km_quantile(fit, 0.5)
    return {
        "n": n,
        "resubmitted": k,
        "censored": n - k,
        "share_resubmitted": k / n if n else np.nan,
        "share_resubmitted_ci_low": float(lo),
        "share_resubmitted_ci_high": float(hi),
        "median_days": med,
        "median_days_ci_low": mlo,
        "median_days_ci_high": mhi,
        "resubmitted_by_horizon": 1.0 - km_at(fit, horizon_days, beyond="last")[0],
        "n_invalid": int((~g["valid"]).sum()),
    }


def eventual_pass(
    recs: Records,
    by: Sequence[str] = ("window",),
    *,
    as_of: object | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Eventual pass rate of first submissions (first time, or on resubmission).

    Returns
    -------
    DataFrame
        The ``by`` columns (of the first submission); ``n`` (first submissions with an
        outcome by ``as_of``), ``passed_first``, ``passed_resubmission``, ``failed``,
        ``pending`` (referred, not resubmitted yet or resubmission in assessment),
        ``eventual_pass``, ``rate`` = eventual_pass / n with Wilson ``ci_low``,
        ``ci_high``, and ``rate_max`` = (eventual_pass + pending) / n.

    Notes
    -----
    While ``pending > 0`` the rate is a lower bound and ``rate_max`` an upper bound.

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> t = eventual_pass(recs, by=())
    >>> bool((t["rate"] <= t["rate_max"]).all())
    True
    """
    check_args(recs, by, as_of=as_of, ci=ci)
    when = resolve_as_of(recs.submissions, as_of)
    s = recs.submissions
    first = s[(s["attempt"] == 1) & (s["submission_type"] != "review")]
    first = first[
        first["outcome"].notna() & (first["result_on"].isna() | (first["result_on"] <= when))
    ]
    by = check_by(by, first.columns)
    pairs = _referral_pairs(recs, when).set_index("submission_id")["to_outcome"]
    first = first.assign(to=first["submission_id"].map(pairs))
    rows = []
    for key, g in groups(first, by):
        n = len(g)
        p1 = int((~g["outcome"].isin(REFERRAL_OUTCOMES)).sum())
        p2 = int((g["to"] == "pass").sum())
        fail = int((g["to"] == "fail").sum())
        pend = int(g["to"].isin([NOT_RESUBMITTED, IN_ASSESSMENT]).sum())
        lo, hi = wilson_interval(p1 + p2, n, ci)
        rows.append(
            {
                **dict(zip(by, key)),
                "n": n,
                "passed_first": p1,
                "passed_resubmission": p2,
                "failed": fail,
                "pending": pend,
                "eventual_pass": p1 + p2,
                "rate": (p1 + p2) / n if n else np.nan,
                "ci_low": float(lo),
                "ci_high": float(hi),
                "rate_max": (p1 + p2 + pend) / n if n else np.nan,
            }
        )
    cols = [
        *by,
        "n",
        "passed_first",
        "passed_resubmission",
        "failed",
        "pending",
        "eventual_pass",
        "rate",
        "ci_low",
        "ci_high",
        "rate_max",
    ]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- monitoring
def p_chart(
    recs: Records,
    *,
    per_section: bool = False,
    baseline: tuple[str, str] | None = None,
    laney: bool = False,
    run: int = 7,
    submission_types: Sequence[str] | None = ("first",),
    alpha: float = 0.05,
    limits: str = "exact",
    n_sim: int = 9999,
    seed: int = 0,
) -> pd.DataFrame:
    """p chart of the first-attempt referral rate over windows (overall or per section).

    Parameters
    ----------
    per_section : bool
        False: share of decided attempt-1 submissions referred (minor or major). True:
        per section, share of decided attempt-1 submissions with a final R there.
    baseline : (first_window, last_window) or None
        Inclusive span of windows that sets the centre line (and sigma_z); all if None.
    laney : bool
        Laney's p' chart (limits widened by sigma_z for overdispersion). One sigma_z is
        estimated from the moving ranges of all the charts returned together
        (:func:`cmalt_qa._spc.pooled_sigma_z`): a chart's own nine periods are too few.
    run : int
        Points for the shift and trend rules (NHS default 7).
    alpha : float
        Family-wise false-alarm level: the chance that any point or step test of the
        charts returned together (every section when ``per_section``) signals when
        nothing changed (:func:`cmalt_qa._spc.family_levels`).
    limits : {"exact", "sigma"}
        Exact probability limits (default) or the classic 3-sigma limits.
    n_sim, seed
        Monte Carlo draws and seed of the step-change test (each chart draws from a
        generator derived from ``seed`` and its section).

    Returns
    -------
    DataFrame, one row per window (per section first when ``per_section``)
        ``window, n, k, rate, centre, sigma, lcl, ucl, lower2, upper2, z, sigma_z,
        baseline``, booleans ``beyond_limits, shift, trend, two_of_three,
        special_cause`` and ``signal`` (text); added: ``step_change``,
        ``step_p_value``, ``step_from`` (window where the best step starts),
        ``alpha_point``, ``alpha_step`` (the per-point and per-chart levels),
        ``alpha_family``, ``n_charts``. ``special_cause`` is a point beyond the exact
        limits or a significant step change; the run rules are computed but not
        family-calibrated, so they are not part of it. See :func:`cmalt_qa._spc.p_chart`.

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> list(p_chart(recs).columns[:4])
    ['window', 'n', 'k', 'rate']
    """
    check_args(recs, submission_types=submission_types, seed=seed)
    counts, keys = _p_chart_counts(recs, per_section, submission_types)
    charts = [
        (key, g[g["n"] > 0].sort_values("window"))
        for key, g in counts.groupby(keys, observed=True, sort=True)
    ]
    charts = [(key, g) for key, g in charts if len(g)]
    if not charts:
        raise ValueError("no decided first-attempt submissions to chart")
    n_points = sum(len(g) for _, g in charts)
    a_point, a_step = _spc.family_levels(alpha, len(charts), n_points)
    bases = [_baseline_mask(g, baseline) for _, g in charts]
    sz = (_spc.pooled_sigma_z((g["k"].to_numpy()[b], g["n"].to_numpy()[b])
                              for (_, g), b in zip(charts, bases)) if laney else None)  # fmt: skip
    drawn = [(key, g["window"].astype(str).to_numpy(),
              _spc.p_chart(g["k"].to_numpy(), g["n"].to_numpy(), baseline=b, laney=laney, sigma_z=sz,
                           run=run, limits=limits, alpha_point=a_point))
             for (key, g), b in zip(charts, bases)]  # fmt: skip
    if limits == "exact":  # the level the discrete points leave unused goes to the step tests
        used = sum(_spc.points_size(c["centre"].iloc[0], c["n"], a_point, c["sigma_z"].iloc[0])
                   for _, _, c in drawn)  # fmt: skip
        a_point, a_step = _spc.family_levels(alpha, len(charts), n_points, used)
    frames = []
    for key, w, chart in drawn:
        name = key[0] if isinstance(key, tuple) else key
        chart = _spc.with_step_test(chart, a_step, n_sim=n_sim,
                                    rng=group_rng(seed, name if per_section else "all"))  # fmt: skip
        chart.insert(0, "window", w)
        if per_section:
            chart.insert(0, "section", name)
        chart["step_from"] = (
            w[chart["step_start"].iloc[0]] if chart["step_start"].iloc[0] > 0 else None
        )
        frames.append(chart.drop(columns="step_start"))
    out = pd.concat(frames, ignore_index=True)
    out["alpha_point"], out["alpha_step"], out["alpha_family"], out["n_charts"] = (
        a_point,
        a_step,
        alpha,
        len(charts),
    )
    return out


def _baseline_mask(g: pd.DataFrame, baseline: tuple[str, str] | None) -> np.ndarray:
    """The chart's windows inside the inclusive baseline span (all when None)."""
    w = g["window"].astype(str).to_numpy()
    if baseline is None:
        return np.ones(w.size, dtype=bool)
    base = (w >= baseline[0]) & (w <= baseline[1])
    if not base.any():
        raise ValueError(f"baseline {baseline} contains none of the windows {list(w)}")
    return base


def _p_chart_counts(
    recs: Records, per_section: bool, submission_types: Sequence[str] | None
) -> tuple[pd.DataFrame, list[str]]:
    """Decided attempt-1 counts per window (and section): ``n``, ``k`` (referred / final R)."""
    if per_section:
        long = _section_frame(recs, submission_types)
        long = long[(long["attempt"] == 1) & long["decided"]]
        counts = (
            long.groupby(["section", "window"], observed=True, sort=True)
            .agg(n=("decided", "sum"), k=("is_r", "sum"))
            .reset_index()
        )
        return counts, ["section"]
    subs = _submissions(recs, submission_types, attempt=1)
    subs = subs[subs["outcome"].notna()]
    counts = (
        subs.groupby("window", sort=True)
        .agg(n=("outcome", "size"), k=("outcome", lambda o: o.isin(REFERRAL_OUTCOMES).sum()))
        .reset_index()
    )
    counts["_all"] = 0
    return counts, ["_all"]


def funnel(
    recs: Records,
    group: str = "sector",
    *,
    submission_types: Sequence[str] | None = ("first",),
    levels: tuple[float, float] = (0.95, 0.998),
) -> pd.DataFrame:
    """Funnel table: each group's first-attempt referral rate against the pooled rate.

    Parameters
    ----------
    group : str
        A submission column: ``sector``, ``pathway``, ``lead_assessor`` (staff use only:
        assessor-level tables identify people)...
    levels : (float, float)
        Coverage of the inner and outer limits.

    Returns
    -------
    DataFrame, one row per group
        ``group`` column, ``n``, ``k``, ``rate``, ``centre`` (pooled), ``lower_95``,
        ``upper_95``, ``lower_998``, ``upper_998`` (exact binomial quantiles, see
        :func:`cmalt_qa._spc.funnel_limits`), ``outside_95``, ``outside_998``, ``z``.
        Column suffixes follow the levels (0.95 -> ``95``, 0.998 -> ``998``).

    Examples
    --------
    >>> import cmalt_qa as qa
    >>> recs = qa.synthetic.generate(40, seed=1)
    >>> t = funnel(recs, "pathway")
    >>> list(t["pathway"])
    ['ACMALT', 'CMALT', 'SCMALT']
    """
    check_args(recs, group, submission_types=submission_types)
    subs = _submissions(recs, submission_types, attempt=1)
    subs = subs[subs["outcome"].notna()]
    check_by(group, subs.columns)
    t = (
        subs.groupby(group, dropna=False, sort=True)
        .agg(n=("outcome", "size"), k=("outcome", lambda o: o.isin(REFERRAL_OUTCOMES).sum()))
        .reset_index()
    )
    if t.empty:
        raise ValueError("no decided first-attempt submissions")
    centre = t["k"].sum() / t["n"].sum()
    t["rate"] = t["k"] / t["n"]
    t["centre"] = centre
    limits = _spc.funnel_limits(centre, t["n"].to_numpy(), levels)
    for level, (lo, hi) in limits.items():
        tag = _level_tag(level)
        t[f"lower_{tag}"], t[f"upper_{tag}"] = lo, hi
        t[f"outside_{tag}"] = (t["rate"] < lo) | (t["rate"] > hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        t["z"] = (t["rate"] - centre) / np.sqrt(centre * (1 - centre) / t["n"])
    return t


def _level_tag(level: float) -> str:
    return f"{level * 100:g}".replace(".", "")


def funnel_curve(
    centre: float, n_max: int, *, n_min: int = 1, levels: tuple[float, float] = (0.95, 0.998)
) -> pd.DataFrame:
    """Funnel limits for every size ``n_min..n_max`` (for drawing the funnel).

    Returns
    -------
    DataFrame: ``n``, ``centre``, ``lower_<tag>``, ``upper_<tag>`` per level.

    Examples
    --------
    >>> funnel_curve(0.3, 5).shape
    (5, 6)
    """
    if n_max < n_min or n_min < 1:
        raise ValueError("need 1 <= n_min <= n_max")
    n = np.arange(n_min, n_max + 1)
    out = pd.DataFrame({"n": n, "centre": centre})
    for level, (lo, hi) in _spc.funnel_limits(centre, n, levels).items():
        out[f"lower_{_level_tag(level)}"], out[f"upper_{_level_tag(level)}"] = lo, hi
    return out
