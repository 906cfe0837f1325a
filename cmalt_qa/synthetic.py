"""Synthetic CMALT assessment records with documented, planted truths.

:func:`generate` draws a realistic dataset (``submissions.csv``, ``ratings.csv``,
``assessors.csv``, exactly as CONTRACT.md section 1) from a latent model whose parameters
are known, so that the analyses can be checked against what was planted. Everything is
vectorised numpy and deterministic for a seed: the same ``(n_submissions, seed)`` gives
byte-identical files. ``data/sample`` is ``generate(SAMPLE_N, seed=SAMPLE_SEED)``.

The model
---------
* **Calendar.** Reporting periods ``2019-01`` to ``2026-09`` of
  :func:`cmalt_qa.scheme.default_calendar`, about the same number of first submissions and
  reviews in each. The data end at :data:`AS_OF` (2026-09-20): the last period is still
  taking submissions and has open cases. Until 2024 submissions fall in the last two
  weeks before each deadline; from 1 January 2025 they are spread over the period.
* **Submissions.** Pathways ACMALT/CMALT/SCMALT about 25/55/20 %; 6 % of attempt-1 rows are
  3-yearly reviews (``submission_type`` review, own portfolio key). Optional sections are
  present with probability 5b 0.5, 5c 0.25 (only with 5b), 6b 0.4. Referred first
  submissions resubmit (attempt 2, same ``portfolio_id``) with probability 0.85, 3-12
  weeks after the result, normally to the same two assessors (5 % are given to a new
  pair). Referred reviews have no resubmission in the data.
* **Ratings.** Portfolio quality ``q ~ N(0, 0.9)``; the section's true standing is
  ``t = 2.0 + q + u - d[section]`` with ``u ~ N(0, 0.6)`` and ``d`` the section difficulty
  (3a and 3b hardest). Each assessor sees ``y = t + shift[assessor] + e`` with
  ``e ~ N(0, sigma_e[section])`` (0.5; 0.65 for 3a and 3b), plus
  :data:`NOMINATED_SECOND_SHIFT` (+0.35) for a second nominated by the candidate (40 %);
  a rating is R below 0, S from 2.8, A between. The final
  decision cuts the mean of the two views (so it always lies between lead and second).
  Resubmissions add :data:`RESUBMISSION_BOOST` (1.4) to ``q``. This gives a quadratic
  kappa of lead vs second about 0.55 (0.48 for 3a/3b), a first-attempt referral rate
  about 0.32 (minor 0.20, major 0.11), distinction about 0.07.
* **Outcomes** follow the final ratings: no R -> distinction if at least 75 % of sections
  are S, else pass; one or two R -> minor referral; three or more -> major; attempt 2:
  any R -> fail, else pass.
* **Gaps** (final R only): each element lacking with probability description 0.25,
  evidence 0.40, reflection 0.65, conditioned on at least one.
* **Assessors.** 40 keys ``A001``.. ``A040``: 31 experienced (``prior_assessments`` >= 3,
  the only leads), 5 new (prior 0, join between 2020 and 2025, second only, so always
  paired with an experienced lead), 4 planted rule-breakers (prior 0 or 1) used only in
  the planted cases. Shifts are ``N(0, 0.1)`` except 3 severe (-0.7) and 2 lenient (+0.7).
* **Turnaround.** Allocation 3-21 days after submission, assessment 28-63 days after
  allocation (4 % of cases 14-42 days later still), result 2-10 days after assessment
  (all discrete uniform). In the backlog period :data:`BACKLOG_WINDOW` assessment takes
  56-140 days. Dates after :data:`AS_OF` are blank (open cases: no outcome, no final
  ratings; lead/second ratings only once ``assessed_on`` has passed). A submission not
  yet allocated at :data:`AS_OF` is awaiting allocation: blank assessors, no rating rows.

Truth (``recs.truth`` and ``truth.json``)
-----------------------------------------
``generator``, ``seed``, ``n_submissions``, ``as_of`` (ISO date), ``windows`` (list of
period labels), ``latest_window``; ``pathway_mix``, ``sector_mix``, ``review_share``,
``optional_presence``; ``latent`` (all parameters above); population values from a
Monte-Carlo draw of :data:`MC_SUBMISSIONS` attempt-1 submissions (plus their
resubmissions, ignoring the cut at ``as_of``; standard errors about 0.005-0.01):
``kappa_quadratic`` (``overall`` pooled over sections and ``by_section``, lead vs second,
attempts 1 and 2 together), ``final_r_rate_by_section`` (attempt 1), ``referral_rate``,
``minor_rate``, ``major_rate``, ``distinction_rate`` (first submissions, attempt 1),
``resubmission_pass_rate``; exact values: ``hardest_sections`` (["3a", "3b"]),
``gap_probabilities``, ``gap_shares`` (share of final-R ratings lacking each element),
``most_common_gap`` ("reflection"), ``resubmission_probability``, ``assessor_shift`` (every
key), ``severe_assessors`` and ``lenient_assessors`` (key -> shift),
``nominated_second_shift``, ``second_nominated_rate``, ``delays_days``,
``p_within_promise`` (period -> model probability that the result is on or before
``promise_due``), ``backlog`` (``window``, ``p_within_promise``,
``p_within_promise_other``: the mean over the periods other than the backlog and the
latest); realised in the data:
``rule_breaks`` (``lead_inexperienced``: submissions whose lead had fewer than 3 prior
assessments, by any count; ``inexperienced_pair``: both assessors so), ``rule_breakers``,
``resubmission_assessors_changed`` (resubmissions not given to the same two assessors),
``open_submissions`` (ids with no result at ``as_of``), ``awaiting_allocation`` (open ids
not yet allocated at ``as_of``: blank assessors, no rating rows).
"""

from __future__ import annotations

import datetime as _dt
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from . import scheme
from .records import Records, load

__all__ = [
    "generate",
    "generate_frames",
    "write_csvs",
    "AS_OF",
    "FIRST_WINDOW",
    "LAST_WINDOW",
    "BACKLOG_WINDOW",
    "SAMPLE_N",
    "SAMPLE_SEED",
    "NOMINATED_SECOND_SHIFT",
    "RESUBMISSION_BOOST",
    "MC_SUBMISSIONS",
]

AS_OF: Final[_dt.date] = _dt.date(2026, 9, 20)
FIRST_WINDOW: Final[str] = "2019-01"
LAST_WINDOW: Final[str] = "2026-09"
BACKLOG_WINDOW: Final[str] = "2023-05"
SAMPLE_N: Final[int] = 2400
SAMPLE_SEED: Final[int] = 0
MC_SUBMISSIONS: Final[int] = 40_000

PATHWAY_MIX: Final[dict[str, float]] = {"ACMALT": 0.25, "CMALT": 0.55, "SCMALT": 0.20}
SECTOR_MIX: Final[dict[str, float]] = {
    "HE": 0.68, "FE": 0.12, "school": 0.05, "adult": 0.05, "private": 0.10,
}  # fmt: skip
REVIEW_SHARE: Final[float] = 0.06
OPTIONAL_PRESENCE: Final[dict[str, float]] = {"5b": 0.5, "5c": 0.25, "6b": 0.4}

LEVEL: Final[float] = 2.0
SIGMA_Q: Final[float] = 0.9
SIGMA_U: Final[float] = 0.6
CUT_R: Final[float] = 0.0
CUT_S: Final[float] = 2.8
DIFFICULTY: Final[dict[str, float]] = {
    "1a": 0.0, "1b": -0.2, "1c": 0.1, "2a": 0.1, "2b": 0.2, "3a": 0.9, "3b": 1.0,
    "4": 0.0, "5a": 0.2, "5b": 0.3, "5c": 0.3, "6a": 0.4, "6b": 0.4,
    "P1": 0.3, "P2": 0.1, "P3": 0.3, "P4": 0.2,
}  # fmt: skip
SIGMA_E: Final[dict[str, float]] = {s: (0.65 if s in ("3a", "3b") else 0.5) for s in DIFFICULTY}
RESUBMISSION_BOOST: Final[float] = 1.4
NOMINATED_SECOND_SHIFT: Final[float] = 0.35
SECOND_NOMINATED_RATE: Final[float] = 0.4
DISTINCTION_S_SHARE: Final[float] = 0.75
MAJOR_MIN_R: Final[int] = 3
GAP_P: Final[dict[str, float]] = {"description": 0.25, "evidence": 0.40, "reflection": 0.65}
RESUBMIT_P: Final[float] = 0.85
RESUBMIT_AFTER_DAYS: Final[tuple[int, int]] = (21, 84)
CHANGED_ASSESSORS_P: Final[float] = 0.05

ALLOCATION_DAYS: Final[tuple[int, int]] = (3, 21)
ASSESSMENT_DAYS: Final[tuple[int, int]] = (28, 63)
BACKLOG_ASSESSMENT_DAYS: Final[tuple[int, int]] = (56, 140)
LATE_P: Final[float] = 0.04
LATE_EXTRA_DAYS: Final[tuple[int, int]] = (14, 42)
RESULT_DAYS: Final[tuple[int, int]] = (2, 10)

N_EXPERIENCED, N_NEW, N_BREAKERS = 31, 5, 4
SEVERE_SHIFT, LENIENT_SHIFT = -0.7, 0.7
N_SEVERE, N_LENIENT = 3, 2

_SEC = scheme.SECTIONS
_SEC_IDX = {s: i for i, s in enumerate(_SEC)}
_RATING_CODES = np.array(["R", "A", "S"], dtype=object)  # index = RATING_SCORE


# --------------------------------------------------------------------------- assessors
def _assessor_pool(rng: np.random.Generator) -> pd.DataFrame:
    """The pool: id, role (experienced | new | breaker), prior, shift, joined, weight."""
    n = N_EXPERIENCED + N_NEW + N_BREAKERS
    ids = np.array([f"A{i + 1:03d}" for i in rng.permutation(n)])
    role = np.array(["experienced"] * N_EXPERIENCED + ["new"] * N_NEW + ["breaker"] * N_BREAKERS)
    prior = np.concatenate([
        3 + rng.poisson(14, N_EXPERIENCED), np.zeros(N_NEW, int), np.array([0, 1, 0, 1]),
    ])  # fmt: skip
    shift = np.round(rng.normal(0.0, 0.1, n), 3)
    shift[:N_SEVERE] = SEVERE_SHIFT
    shift[N_SEVERE : N_SEVERE + N_LENIENT] = LENIENT_SHIFT
    shift[N_EXPERIENCED + N_NEW :] = 0.0
    joined = np.full(n, np.datetime64("2000-01-01"), dtype="datetime64[D]")
    joined[N_EXPERIENCED : N_EXPERIENCED + N_NEW] = np.datetime64("2020-01-01") + np.sort(
        rng.integers(0, 5 * 365, N_NEW)
    )
    weight = np.where(role == "breaker", 0.0, rng.gamma(4.0, 0.25, n))
    return pd.DataFrame(
        {
            "id": ids,
            "role": role,
            "prior": prior,
            "shift": shift,
            "joined": joined,
            "weight": weight,
        }
    )


def _draw_pairs(
    rng: np.random.Generator, pool: pd.DataFrame, dates: np.ndarray | None, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Lead (experienced) and second (experienced or joined new) pool indices, distinct."""
    role = pool["role"].to_numpy()
    w = pool["weight"].to_numpy()
    exp_idx = np.flatnonzero(role == "experienced")
    lead = rng.choice(exp_idx, size=n, p=w[exp_idx] / w[exp_idx].sum())
    reg_idx = np.flatnonzero(role != "breaker")
    p_reg = w[reg_idx] / w[reg_idx].sum()
    second = rng.choice(reg_idx, size=n, p=p_reg)
    joined = pool["joined"].to_numpy()
    for _ in range(100):
        bad = second == lead
        if dates is not None:
            bad |= joined[second] > dates
        k = int(bad.sum())
        if k == 0:
            break
        second[bad] = rng.choice(reg_idx, size=k, p=p_reg)
    else:  # pragma: no cover - vanishingly unlikely; fall back to any other experienced
        bad = second == lead
        second[bad] = exp_idx[(np.searchsorted(exp_idx, lead[bad]) + 1) % len(exp_idx)]
    return lead, second


# --------------------------------------------------------------------------- ratings
def _sections(rng: np.random.Generator, pathway: np.ndarray) -> np.ndarray:
    """Boolean matrix (submissions x SECTIONS): which sections each portfolio has."""
    req = np.zeros((len(scheme.PATHWAYS), len(_SEC)), dtype=bool)
    for j, p in enumerate(scheme.PATHWAYS):
        for s in scheme.sections_for(p, include_optional=False):
            req[j, _SEC_IDX[s]] = True
    has = req[pathway].copy()
    u = rng.random((len(pathway), 3))
    cm, sc = scheme.PATHWAYS.index("CMALT"), scheme.PATHWAYS.index("SCMALT")
    b5 = (pathway == cm) & (u[:, 0] < OPTIONAL_PRESENCE["5b"])
    has[:, _SEC_IDX["5b"]] |= b5
    has[:, _SEC_IDX["5c"]] |= b5 & (u[:, 1] < OPTIONAL_PRESENCE["5c"])
    has[:, _SEC_IDX["6b"]] |= (pathway == sc) & (u[:, 2] < OPTIONAL_PRESENCE["6b"])
    return has


def _cut(y: np.ndarray) -> np.ndarray:
    return (y >= CUT_R).astype(np.int8) + (y >= CUT_S).astype(np.int8)


def _rate(
    rng: np.random.Generator,
    sub: np.ndarray,
    sec: np.ndarray,
    q: np.ndarray,
    shift_lead: np.ndarray,
    shift_second: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lead, second, final scores (0=R, 1=A, 2=S) for rating rows (sub, sec) of the model."""
    diff = np.array([DIFFICULTY[s] for s in _SEC])[sec]
    sig = np.array([SIGMA_E[s] for s in _SEC])[sec]
    t = LEVEL + q[sub] + rng.normal(0.0, SIGMA_U, len(sub)) - diff
    y_lead = t + shift_lead[sub] + rng.normal(0.0, 1.0, len(sub)) * sig
    y_second = t + shift_second[sub] + rng.normal(0.0, 1.0, len(sub)) * sig
    return _cut(y_lead), _cut(y_second), _cut((y_lead + y_second) / 2.0)


def _outcomes(sub: np.ndarray, final: np.ndarray, n: int, attempt: np.ndarray) -> np.ndarray:
    """Outcome codes from final ratings (see module docstring)."""
    n_r = np.bincount(sub, weights=final == 0, minlength=n)
    n_s = np.bincount(sub, weights=final == 2, minlength=n)
    n_all = np.bincount(sub, minlength=n)
    first = np.where(
        n_r >= MAJOR_MIN_R, "major",
        np.where(n_r > 0, "minor", np.where(n_s >= DISTINCTION_S_SHARE * n_all, "distinction", "pass")),
    )  # fmt: skip
    return np.where(attempt == 2, np.where(n_r > 0, "fail", "pass"), first).astype(object)


def _gaps(rng: np.random.Generator, k: int) -> np.ndarray:
    """Gap strings for k final-R ratings: each element with GAP_P, at least one."""
    p = np.array([GAP_P[g] for g in scheme.GAP_ELEMENTS])
    m = rng.random((k, 3)) < p
    none = ~m.any(axis=1)
    while none.any():
        m[none] = rng.random((int(none.sum()), 3)) < p
        none = ~m.any(axis=1)
    code = m[:, 0] * 1 + m[:, 1] * 2 + m[:, 2] * 4
    names = np.array(
        [";".join(g for j, g in enumerate(scheme.GAP_ELEMENTS) if c >> j & 1) for c in range(8)],
        dtype=object,
    )
    return names[code]


def _qkappa(a: np.ndarray, b: np.ndarray) -> float:
    """Quadratic weighted kappa on the 3-point scale (scores 0..2)."""
    t = np.bincount(a * 3 + b, minlength=9).reshape(3, 3).astype(float)
    t /= t.sum()
    i = np.arange(3)
    w = (i[:, None] - i[None, :]) ** 2 / 4.0
    expected = np.outer(t.sum(1), t.sum(0))
    return float(1.0 - (w * t).sum() / (w * expected).sum())


# --------------------------------------------------------------------------- population truth
def _population(rng: np.random.Generator, pool: pd.DataFrame) -> dict[str, Any]:
    """Monte-Carlo population values of the rating model (see module docstring)."""
    m = MC_SUBMISSIONS
    pathway = rng.choice(3, size=m, p=list(PATHWAY_MIX.values()))
    has = _sections(rng, pathway)
    sub, sec = np.nonzero(has)
    q = rng.normal(0.0, SIGMA_Q, m)
    lead, second = _draw_pairs(rng, pool, None, m)
    shift = pool["shift"].to_numpy()
    nominated = rng.random(m) < SECOND_NOMINATED_RATE
    s_lead, s_second = shift[lead], shift[second] + NOMINATED_SECOND_SHIFT * nominated
    l1, s1, f1 = _rate(rng, sub, sec, q, s_lead, s_second)
    out = _outcomes(sub, f1, m, np.ones(m, int))
    resub = np.flatnonzero(np.isin(out, ["minor", "major"]) & (rng.random(m) < RESUBMIT_P))
    keep = np.isin(sub, resub)
    remap = np.full(m, -1)
    remap[resub] = np.arange(len(resub))
    sub2, sec2 = remap[sub[keep]], sec[keep]
    l2, s2, f2 = _rate(
        rng, sub2, sec2, q[resub] + RESUBMISSION_BOOST, s_lead[resub], s_second[resub]
    )
    out2 = _outcomes(sub2, f2, len(resub), np.full(len(resub), 2))
    la, sa, seca = np.concatenate([l1, l2]), np.concatenate([s1, s2]), np.concatenate([sec, sec2])
    by_section = {s: _qkappa(la[seca == j], sa[seca == j]) for j, s in enumerate(_SEC)}
    r_rate = {s: float(np.mean(f1[sec == j] == 0)) for j, s in enumerate(_SEC)}
    return {
        "kappa_quadratic": {"overall": _qkappa(la, sa), "by_section": by_section},
        "final_r_rate_by_section": r_rate,
        "referral_rate": float(np.isin(out, ["minor", "major"]).mean()),
        "minor_rate": float(np.mean(out == "minor")),
        "major_rate": float(np.mean(out == "major")),
        "distinction_rate": float(np.mean(out == "distinction")),
        "resubmission_pass_rate": float(np.mean(out2 == "pass")),
    }


# --------------------------------------------------------------------------- time
def _uniform_pmf(lo: int, hi: int, size: int) -> np.ndarray:
    p = np.zeros(size)
    p[lo : hi + 1] = 1.0 / (hi - lo + 1)
    return p


def _delay_cdf(backlog: bool) -> np.ndarray:
    """CDF of submission-to-result days under the delay model."""
    size = 400
    assess_lo, assess_hi = BACKLOG_ASSESSMENT_DAYS if backlog else ASSESSMENT_DAYS
    assess = _uniform_pmf(assess_lo, assess_hi, size)
    late = np.convolve(assess, _uniform_pmf(*LATE_EXTRA_DAYS, size))[:size]
    assess = (1 - LATE_P) * assess + LATE_P * late
    total = np.convolve(
        np.convolve(_uniform_pmf(*ALLOCATION_DAYS, size), assess), _uniform_pmf(*RESULT_DAYS, size)
    )
    return np.cumsum(total[:size])


def _delays(rng: np.random.Generator, backlog: np.ndarray) -> tuple[np.ndarray, ...]:
    n = len(backlog)
    alloc = rng.integers(ALLOCATION_DAYS[0], ALLOCATION_DAYS[1] + 1, n)
    assess = np.where(
        backlog,
        rng.integers(BACKLOG_ASSESSMENT_DAYS[0], BACKLOG_ASSESSMENT_DAYS[1] + 1, n),
        rng.integers(ASSESSMENT_DAYS[0], ASSESSMENT_DAYS[1] + 1, n),
    )
    late = rng.random(n) < LATE_P
    assess = assess + late * rng.integers(LATE_EXTRA_DAYS[0], LATE_EXTRA_DAYS[1] + 1, n)
    result = rng.integers(RESULT_DAYS[0], RESULT_DAYS[1] + 1, n)
    return alloc, alloc + assess, alloc + assess + result


def _periods() -> pd.DataFrame:
    t = scheme.default_calendar().span(_dt.date(2018, 6, 1), AS_OF)
    t = t[(t["window"] >= FIRST_WINDOW) & (t["window"] <= LAST_WINDOW)].reset_index(drop=True)
    rolling = np.datetime64(scheme.ROLLING_SINCE, "D")
    deadline = t["deadline"].to_numpy().astype("datetime64[D]")
    opens = t["opens"].to_numpy().astype("datetime64[D]")
    t["first_day"] = np.where(deadline < rolling, deadline - 13, np.maximum(opens, rolling))
    t["last_day"] = np.minimum(deadline, np.datetime64(AS_OF, "D"))
    t["full_days"] = (deadline - t["first_day"].to_numpy().astype("datetime64[D]")).astype(int) + 1
    return t


def _p_within(periods: pd.DataFrame) -> dict[str, float]:
    """Model probability that a result is back by promise_due, per period."""
    out = {}
    cdf = {False: _delay_cdf(False), True: _delay_cdf(True)}
    for row in periods.itertuples():
        days = pd.date_range(row.first_day, row.last_day, freq="D")
        due = (days + pd.DateOffset(months=scheme.PROMISE_MONTHS) - days).days.to_numpy()
        c = cdf[row.window == BACKLOG_WINDOW]
        out[row.window] = float(np.mean(c[due]))
    return out


def _model_truth(
    periods: pd.DataFrame, pool: pd.DataFrame, rng_mc: np.random.Generator
) -> dict[str, Any]:
    """Truth entries that follow from the model (not from the particular draw)."""
    p_within = _p_within(periods)
    others = [v for k, v in p_within.items() if k not in (BACKLOG_WINDOW, LAST_WINDOW)]
    gp = np.array([GAP_P[g] for g in scheme.GAP_ELEMENTS])
    p_any = 1.0 - np.prod(1.0 - gp)
    ids, shift = pool["id"].to_numpy(), pool["shift"].to_numpy()
    severe, lenient = slice(0, N_SEVERE), slice(N_SEVERE, N_SEVERE + N_LENIENT)
    return {
        "as_of": AS_OF.isoformat(),
        "windows": list(periods["window"]),
        "latest_window": LAST_WINDOW,
        "pathway_mix": dict(PATHWAY_MIX),
        "sector_mix": dict(SECTOR_MIX),
        "review_share": REVIEW_SHARE,
        "optional_presence": dict(OPTIONAL_PRESENCE),
        "latent": {
            "level": LEVEL,
            "sigma_q": SIGMA_Q,
            "sigma_u": SIGMA_U,
            "cut_r": CUT_R,
            "cut_s": CUT_S,
            "difficulty": dict(DIFFICULTY),
            "sigma_e": dict(SIGMA_E),
            "resubmission_boost": RESUBMISSION_BOOST,
            "final": "cut of the mean of lead and second latent views",
            "distinction_min_s_share": DISTINCTION_S_SHARE,
            "major_min_r": MAJOR_MIN_R,
        },  # fmt: skip
        **_population(rng_mc, pool),
        "hardest_sections": ["3a", "3b"],
        "gap_probabilities": dict(GAP_P),
        "gap_shares": {g: float(p / p_any) for g, p in zip(scheme.GAP_ELEMENTS, gp)},
        "most_common_gap": "reflection",
        "resubmission_probability": RESUBMIT_P,
        "assessor_shift": {i: float(v) for i, v in sorted(zip(ids, shift))},
        "severe_assessors": {i: float(v) for i, v in sorted(zip(ids[severe], shift[severe]))},
        "lenient_assessors": {i: float(v) for i, v in sorted(zip(ids[lenient], shift[lenient]))},
        "nominated_second_shift": NOMINATED_SECOND_SHIFT,
        "second_nominated_rate": SECOND_NOMINATED_RATE,
        "delays_days": {
            "allocation": list(ALLOCATION_DAYS),
            "assessment": list(ASSESSMENT_DAYS),
            "backlog_assessment": list(BACKLOG_ASSESSMENT_DAYS),
            "late_share": LATE_P,
            "late_extra": list(LATE_EXTRA_DAYS),
            "result": list(RESULT_DAYS),
        },  # fmt: skip
        "p_within_promise": p_within,
        "backlog": {
            "window": BACKLOG_WINDOW,
            "p_within_promise": p_within[BACKLOG_WINDOW],
            "p_within_promise_other": float(np.mean(others)),
        },
    }


# --------------------------------------------------------------------------- generation
def _iso(days: np.ndarray, blank: np.ndarray) -> np.ndarray:
    s = np.datetime_as_string(days.astype("datetime64[D]"), unit="D").astype(object)
    s[blank] = ""
    return s


def generate_frames(
    n_submissions: int, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Draw the raw CSV tables and the truth, without writing or validating.

    Parameters
    ----------
    n_submissions : int
        Exact number of rows of ``submissions`` (first submissions, reviews and
        resubmissions together), at least 1.
    seed : int
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    submissions, ratings, assessors : DataFrame
        All columns text, exactly as written to CSV (blank = ``""``).
    truth : dict
        Planted and population values (module docstring); JSON-serialisable.

    Notes
    -----
    The steps below draw from one generator in a fixed order; reordering them changes
    every file of a seed.
    """
    if not isinstance(n_submissions, (int, np.integer)) or isinstance(n_submissions, bool):
        raise TypeError(f"n_submissions must be an integer, got {n_submissions!r}")
    if n_submissions < 1:
        raise ValueError(f"n_submissions must be at least 1, got {n_submissions}")
    n_out = int(n_submissions)
    n = max(n_out, 50)  # attempt-1 rows drawn; whole portfolios are thinned to n_out rows
    root = np.random.SeedSequence(seed)
    rng, rng_pool, rng_mc = (np.random.default_rng(s) for s in root.spawn(3))
    pool = _assessor_pool(rng_pool)
    periods = _periods()
    g = _first_attempts(rng, pool, periods, n)
    _resubmissions(rng, pool, g)
    _thin(rng, g, n_out)
    subs = _submission_table(g, pool, n_out)
    ratings = _rating_table(rng, g)
    assessors = pd.DataFrame(
        {"assessor_id": pool["id"].to_numpy(), "prior_assessments": pool["prior"].astype(str)}
    ).sort_values("assessor_id", ignore_index=True)
    truth = {
        "generator": "cmalt_qa.synthetic v1",
        "seed": int(seed),
        "n_submissions": n_out,
        **_model_truth(periods, pool, rng_mc),
        **_realised_truth(g, pool, subs),
    }
    return subs, ratings, assessors, truth


def _first_attempts(
    rng: np.random.Generator, pool: pd.DataFrame, periods: pd.DataFrame, n: int
) -> dict[str, Any]:
    """Attempt-1 rows: period, dates, pathway, assessors (with the planted rule breaks),
    ratings, outcome and delays. Returns the working arrays by name."""
    shift = pool["shift"].to_numpy()
    weight = np.ones(len(periods))
    span = (periods["last_day"] - periods["first_day"]).dt.days.to_numpy() + 1
    weight[-1] = span[-1] / periods["full_days"].iloc[-1]
    win = rng.choice(len(periods), size=n, p=weight / weight.sum())
    first_day = periods["first_day"].to_numpy().astype("datetime64[D]")[win]
    submitted = first_day + np.floor(rng.random(n) * span[win]).astype(int)
    pathway = rng.choice(3, size=n, p=list(PATHWAY_MIX.values()))
    review = rng.random(n) < REVIEW_SHARE
    sector = rng.choice(
        np.array(list(SECTOR_MIX), dtype=object), size=n, p=list(SECTOR_MIX.values())
    )
    q = rng.normal(0.0, SIGMA_Q, n)
    lead, second = _draw_pairs(rng, pool, submitted, n)
    nominated = rng.random(n) < SECOND_NOMINATED_RATE
    planted = _plant_rule_breaks(rng, pool, review, submitted, lead, second, nominated)
    has = _sections(rng, pathway)
    sub, sec = np.nonzero(has)
    l1, s1, f1 = _rate(
        rng, sub, sec, q, shift[lead], shift[second] + NOMINATED_SECOND_SHIFT * nominated
    )
    outcome = _outcomes(sub, f1, n, np.ones(n, int))
    window_label = periods["window"].to_numpy()[win]
    alloc, assessed, result = _delays(rng, window_label == BACKLOG_WINDOW)
    return dict(
        n=n,
        submitted=submitted,
        pathway=pathway,
        review=review,
        sector=sector,
        q=q,
        lead=lead,
        second=second,
        nominated=nominated,
        planted=planted,
        sub=sub,
        sec=sec,
        l1=l1,
        s1=s1,
        f1=f1,
        outcome=outcome,
        alloc=alloc,
        assessed=assessed,
        result=result,
    )


def _plant_rule_breaks(
    rng: np.random.Generator,
    pool: pd.DataFrame,
    review: np.ndarray,
    submitted: np.ndarray,
    lead: np.ndarray,
    second: np.ndarray,
    nominated: np.ndarray,
) -> np.ndarray:
    """Give three first submissions returned well before AS_OF to the rule-breakers
    (in place); returns their rows."""
    breakers = np.flatnonzero(pool["role"].to_numpy() == "breaker")
    eligible = np.flatnonzero(
        ~review
        & (submitted >= np.datetime64("2021-01-01"))
        & (submitted < np.datetime64("2024-10-01"))
    )
    planted = rng.choice(eligible, size=min(3, len(eligible)), replace=False)
    for k, i in enumerate(planted):
        lead[i] = breakers[k if k < 2 else 2]
        if k == 2:
            second[i] = breakers[3]
            nominated[i] = False
    return planted


def _resubmissions(rng: np.random.Generator, pool: pd.DataFrame, g: dict[str, Any]) -> None:
    """Attempt-2 rows of referred first submissions, added to ``g``."""
    shift = pool["shift"].to_numpy()
    n, as_of = g["n"], np.datetime64(AS_OF, "D")
    referred = np.isin(g["outcome"], ["minor", "major"])
    resub_on = (
        g["submitted"]
        + g["result"]
        + rng.integers(RESUBMIT_AFTER_DAYS[0], RESUBMIT_AFTER_DAYS[1] + 1, n)
    )
    parent = np.flatnonzero(
        referred & ~g["review"] & (rng.random(n) < RESUBMIT_P) & (resub_on <= as_of)
    )
    m = len(parent)
    lead2, second2 = g["lead"][parent].copy(), g["second"][parent].copy()
    nominated2 = g["nominated"][parent].copy()
    changed = rng.random(m) < CHANGED_ASSESSORS_P
    new_lead, new_second = _draw_pairs(rng, pool, resub_on[parent], m)
    lead2[changed], second2[changed], nominated2[changed] = (
        new_lead[changed],
        new_second[changed],
        False,
    )
    keep = np.isin(g["sub"], parent)
    remap = np.full(n, -1)
    remap[parent] = np.arange(m)
    sub2, sec2 = remap[g["sub"][keep]], g["sec"][keep]
    l2, s2, f2 = _rate(
        rng, sub2, sec2, g["q"][parent] + RESUBMISSION_BOOST,
        shift[lead2], shift[second2] + NOMINATED_SECOND_SHIFT * nominated2,
    )  # fmt: skip
    outcome2 = _outcomes(sub2, f2, m, np.full(m, 2))
    cal = scheme.default_calendar()
    win2 = cal.windows_of(pd.Series(resub_on[parent].astype("datetime64[ns]"))).to_numpy()
    alloc2, assessed2, result2 = _delays(rng, win2 == BACKLOG_WINDOW)
    g.update(
        resub_on=resub_on,
        parent=parent,
        m=m,
        lead2=lead2,
        second2=second2,
        nominated2=nominated2,
        sub2=sub2,
        sec2=sec2,
        l2=l2,
        s2=s2,
        f2=f2,
        outcome2=outcome2,
        alloc2=alloc2,
        assessed2=assessed2,
        result2=result2,
    )


def _thin(rng: np.random.Generator, g: dict[str, Any], n_out: int) -> None:
    """Keep whole portfolios, planted cases first, to exactly ``n_out`` rows; then
    order the kept rows by date (attempt 1 before 2). Adds the row arrays to ``g``."""
    n, parent, planted = g["n"], g["parent"], g["planted"]
    rows = np.ones(n, int)
    rows[parent] = 2
    order = rng.permutation(n)
    order = np.concatenate([planted, order[~np.isin(order, planted)]])
    cum = np.cumsum(rows[order])
    kept = order[cum <= n_out]
    if rows[kept].sum() < n_out:
        kept = np.append(kept, order[(cum > n_out) & (rows[order] == 1)][0])
    kept1 = np.zeros(n, bool)
    kept1[kept] = True
    kept2 = kept1[parent]
    idx1, idx2 = np.flatnonzero(kept1), np.flatnonzero(kept2)
    sub_on = np.concatenate([g["submitted"][idx1], g["resub_on"][parent][idx2]])
    delays = {
        k: np.concatenate([g[k][idx1], g[k + "2"][idx2]]) for k in ("alloc", "assessed", "result")
    }
    origin = np.concatenate([idx1, parent[idx2]])  # attempt-1 row index of the portfolio
    attempt = np.concatenate([np.ones(len(idx1), int), np.full(len(idx2), 2)])
    src = np.concatenate([idx1, idx2])  # index within its attempt's arrays
    order = np.lexsort((attempt, origin, sub_on))
    g.update(
        kept1=kept1,
        kept2=kept2,
        sub_on=sub_on[order],
        origin=origin[order],
        attempt=attempt[order],
        src=src[order],
        **{"d_" + k: v[order] for k, v in delays.items()},
    )


def _pick(g: dict[str, Any], first: np.ndarray, resub: np.ndarray) -> np.ndarray:
    """Per kept row: the attempt-1 value of its portfolio, or its attempt-2 value."""
    a2 = g["attempt"] == 2
    out = first[g["origin"]].copy()
    out[a2] = resub[g["src"][a2]]
    return out


def _submission_table(g: dict[str, Any], pool: pd.DataFrame, n_out: int) -> pd.DataFrame:
    """``submissions.csv`` as text; adds the ids and the open mask to ``g``."""
    as_of = np.datetime64(AS_OF, "D")
    origin, a2, sub_on = g["origin"], g["attempt"] == 2, g["sub_on"]
    the_lead, the_second = _pick(g, g["lead"], g["lead2"]), _pick(g, g["second"], g["second2"])
    the_nom = _pick(g, g["nominated"], g["nominated2"])
    the_outcome = _pick(g, g["outcome"], g["outcome2"])
    on_alloc, on_assess, on_result = (
        sub_on + g["d_alloc"],
        sub_on + g["d_assessed"],
        sub_on + g["d_result"],
    )
    open_ = on_result > as_of
    width = max(5, len(str(n_out)))
    sid = np.array([f"S{i + 1:0{width}d}" for i in range(n_out)], dtype=object)
    _, first_seen = np.unique(origin, return_index=True)
    p_rank = np.empty(len(first_seen), int)
    p_rank[np.argsort(first_seen)] = np.arange(len(first_seen))
    pid_num = p_rank[np.searchsorted(np.unique(origin), origin)]
    pid = np.array([f"P{i + 1:0{width}d}" for i in pid_num], dtype=object)
    ids = pool["id"].to_numpy()
    unallocated = on_alloc > as_of  # awaiting allocation: no assessors named yet
    g.update(
        sid=sid, open_=open_, on_assess=on_assess, the_lead=the_lead, the_second=the_second,
        unallocated=unallocated,
    )  # fmt: skip
    return pd.DataFrame(
        {
            "submission_id": sid,
            "portfolio_id": pid,
            "attempt": g["attempt"].astype(str),
            "submission_type": np.where(
                a2, "resubmission", np.where(g["review"][origin], "review", "first")
            ),
            "pathway": np.array(scheme.PATHWAYS, dtype=object)[g["pathway"][origin]],
            "submitted_on": _iso(sub_on, np.zeros(n_out, bool)),
            "allocated_on": _iso(on_alloc, on_alloc > as_of),
            "assessed_on": _iso(on_assess, on_assess > as_of),
            "result_on": _iso(on_result, open_),
            "outcome": np.where(open_, "", the_outcome),
            "lead_assessor": np.where(unallocated, "", ids[the_lead]),
            "second_assessor": np.where(unallocated, "", ids[the_second]),
            "second_nominated": np.where(the_nom, "true", "false"),
            "sector": g["sector"][origin],
        }
    )


def _rating_table(rng: np.random.Generator, g: dict[str, Any]) -> pd.DataFrame:
    """``ratings.csv`` as text: rows in submission order, sections in form order."""
    as_of = np.datetime64(AS_OF, "D")
    a2, src = g["attempt"] == 2, g["src"]
    pos = {1: np.full(g["n"], -1), 2: np.full(g["m"], -1)}
    pos[1][src[~a2]] = np.flatnonzero(~a2)
    pos[2][src[a2]] = np.flatnonzero(a2)
    rat_parts = []
    for att, rsub, rsec, rl, rs, rf in (
        (1, g["sub"], g["sec"], g["l1"], g["s1"], g["f1"]),
        (2, g["sub2"], g["sec2"], g["l2"], g["s2"], g["f2"]),
    ):
        ok = (g["kept1"] if att == 1 else g["kept2"])[rsub]
        rat_parts.append((pos[att][rsub[ok]], rsec[ok], rl[ok], rs[ok], rf[ok]))
    r_row, r_sec, r_l, r_s, r_f = (np.concatenate(x) for x in zip(*rat_parts))
    o = np.lexsort((r_sec, r_row))
    r_row, r_sec, r_l, r_s, r_f = r_row[o], r_sec[o], r_l[o], r_s[o], r_f[o]
    unseen = (g["on_assess"] > as_of)[r_row]
    final_blank = g["open_"][r_row]
    gaps = np.full(len(r_row), "", dtype=object)
    need = (r_f == 0) & ~final_blank
    gaps[need] = _gaps(rng, int(need.sum()))
    table = pd.DataFrame(
        {
            "submission_id": g["sid"][r_row],
            "section": np.array(_SEC, dtype=object)[r_sec],
            "lead": np.where(unseen, "", _RATING_CODES[r_l]),
            "second": np.where(unseen, "", _RATING_CODES[r_s]),
            "final": np.where(final_blank, "", _RATING_CODES[r_f]),
            "gaps": gaps,
        }
    )
    # a submission awaiting allocation has no rating rows yet
    return table[~g["unallocated"][r_row]].reset_index(drop=True)


def _realised_truth(g: dict[str, Any], pool: pd.DataFrame, subs: pd.DataFrame) -> dict[str, Any]:
    """The truths realised in the drawn rows (rule breaks, changed assessors, open)."""
    ids, role = pool["id"].to_numpy(), pool["role"].to_numpy()
    breaker_ids = set(ids[role == "breaker"])
    lead_break = subs["lead_assessor"].isin(breaker_ids)
    pair_break = lead_break & subs["second_assessor"].isin(breaker_ids)
    a2, origin = g["attempt"] == 2, g["origin"]
    moved = a2 & ((g["the_lead"] != g["lead"][origin]) | (g["the_second"] != g["second"][origin]))
    return {
        "rule_breaks": {
            "lead_inexperienced": list(subs.loc[lead_break, "submission_id"]),
            "inexperienced_pair": list(subs.loc[pair_break, "submission_id"]),
        },
        "rule_breakers": sorted(breaker_ids),
        "resubmission_assessors_changed": list(g["sid"][moved]),
        "open_submissions": list(g["sid"][g["open_"]]),
        "awaiting_allocation": list(g["sid"][g["unallocated"]]),
    }


def write_csvs(
    out: str | Path,
    submissions: pd.DataFrame,
    ratings: pd.DataFrame,
    assessors: pd.DataFrame,
    truth: dict[str, Any] | None = None,
) -> Path:
    """Write the three CSVs (UTF-8, LF, blank for missing) and ``truth.json`` to ``out``."""
    path = Path(out)
    path.mkdir(parents=True, exist_ok=True)
    for name, df in (("submissions", submissions), ("ratings", ratings), ("assessors", assessors)):
        df.to_csv(path / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")
    if truth is not None:
        text = json.dumps(truth, indent=2, sort_keys=True, ensure_ascii=True)
        (path / "truth.json").write_text(text + "\n", encoding="utf-8")
    return path


def generate(n_submissions: int, seed: int = 0, out: str | Path | None = None) -> Records:
    """Generate a synthetic dataset with planted truths and load it as users would.

    Parameters
    ----------
    n_submissions : int
        Exact number of submissions (rows of ``submissions.csv``), resubmissions included.
        ``SAMPLE_N`` (2400) gives about 100 per reporting period.
    seed : int
        Random seed; the same ``(n_submissions, seed)`` gives byte-identical files.
    out : str or Path, optional
        Folder to write ``submissions.csv``, ``ratings.csv``, ``assessors.csv`` and
        ``truth.json`` to (created if needed). When None a temporary folder is used and
        removed afterwards.

    Returns
    -------
    Records
        ``cmalt_qa.load(out)`` of the written files, with ``truth`` set to the planted
        values (keys in the module docstring). With ``out=None``, ``source["path"]``
        names the temporary folder, which no longer exists.

    Examples
    --------
    >>> recs = generate(500, seed=1)            # doctest: +SKIP
    >>> recs.truth["backlog"]["window"]         # doctest: +SKIP
    '2023-05'
    """
    subs, ratings, assessors, truth = generate_frames(n_submissions, seed)
    if out is None:
        with tempfile.TemporaryDirectory(prefix="cmalt-qa-") as tmp:
            recs = load(write_csvs(tmp, subs, ratings, assessors, truth))
    else:
        recs = load(write_csvs(out, subs, ratings, assessors, truth))
    return replace(recs, truth=truth)
