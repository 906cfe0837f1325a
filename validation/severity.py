"""Simulation check of the joint assessor-severity model (:func:`cmalt_qa.assessors.severity`).

Each dataset follows the latent model of :mod:`cmalt_qa.synthetic` (portfolio quality,
section difficulty and noise, assessor shifts on the latent scale, +0.35 for a second
nominated by the candidate in 40% of submissions, cuts at 0 and 2.8 into R/A/S), with a
sample-sized design: about 1,900 first submissions, resubmissions back to the same pair,
31 experienced assessors (leads and seconds) and 5 new ones (seconds only). The fit and
the flag are the library's own core (:func:`cmalt_qa._assessors_core.joint_fit` and
:func:`~cmalt_qa._assessors_core.severity_flags`, the code path of ``severity``).

Scenarios (what is planted):

* ``null``: every assessor shift 0 (the nomination term still present);
* ``severe_partner``: background shifts N(0, 0.1); one experienced lead at -0.7; a
  neutral new assessor (shift 0) with 80% of their seats beside that lead;
* ``nominated``: background N(0, 0.1); four assessors with shift 0 who sit almost only as
  candidate-nominated seconds;
* ``sample_like``: the sample's pool: N(0, 0.1), three at -0.7, two at +0.7;
* ``team``: as ``sample_like``, and 70% of second seats go to a team of five new
  assessors who share a shift of +0.3.

Run: ``python -m validation.severity [n_datasets]``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from cmalt_qa import _assessors_core as core
from cmalt_qa import scheme
from cmalt_qa import synthetic as syn

from . import _md

N_FIRST = 1900
N_EXP, N_NEW = 31, 5
CI, THRESHOLD, MIN_PORTFOLIOS = 0.95, 0.15, 3
_DIFF = np.array([syn.DIFFICULTY[s] for s in scheme.SECTIONS])
_SIGE = np.array([syn.SIGMA_E[s] for s in scheme.SECTIONS])
_REQ = np.array([[s in scheme.sections_for(p, include_optional=False) for s in scheme.SECTIONS]
                 for p in scheme.PATHWAYS])  # fmt: skip


@dataclass
class Design:
    lead: np.ndarray
    second: np.ndarray
    nominated: np.ndarray
    portfolio: np.ndarray
    resub: np.ndarray  # attempt 2 rows
    shift: np.ndarray


def _pool_shift(rng: np.random.Generator, scenario: str, k: int) -> np.ndarray:
    if scenario == "null":
        return np.zeros(k)
    shift = rng.normal(0.0, 0.1, k)
    if scenario in ("sample_like", "team"):
        shift[:3], shift[3:5] = syn.SEVERE_SHIFT, syn.LENIENT_SHIFT
    return shift


def _pairs(
    rng: np.random.Generator, n: int, k: int, second_pool: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    w = rng.gamma(4.0, 0.25, k)
    lead = rng.choice(N_EXP, n, p=w[:N_EXP] / w[:N_EXP].sum())
    p2 = w[second_pool] / w[second_pool].sum()
    second = rng.choice(second_pool, n, p=p2)
    while (bad := second == lead).any():
        second[bad] = rng.choice(second_pool, int(bad.sum()), p=p2)
    return lead, second


def design(rng: np.random.Generator, scenario: str) -> Design:
    """Pairs, nominations and shifts of one dataset (attempt-1 rows; resubmissions added later)."""
    k = N_EXP + N_NEW + (4 if scenario == "nominated" else 0)
    n = N_FIRST
    shift = _pool_shift(rng, scenario, k)
    regular = np.arange(N_EXP + N_NEW)
    lead, second = _pairs(rng, n, k, regular)
    nominated = rng.random(n) < syn.SECOND_NOMINATED_RATE
    if scenario == "severe_partner":
        severe, partner = 0, N_EXP  # an experienced lead; a new assessor
        shift[severe], shift[partner] = syn.SEVERE_SHIFT, 0.0
        second[second == partner] = rng.choice(np.arange(1, N_EXP), int((second == partner).sum()))
        take = rng.random(n) < 0.07
        second[take] = partner
        lead[take] = np.where(rng.random(int(take.sum())) < 0.8, severe,
                              rng.choice(np.arange(1, N_EXP), int(take.sum())))  # fmt: skip
    elif scenario == "nominated":
        team = np.arange(N_EXP + N_NEW, k)
        shift[team] = 0.0
        take = nominated & (rng.random(n) < 0.6)
        second[take] = rng.choice(team, int(take.sum()))
    elif scenario == "team":
        team = np.arange(N_EXP, N_EXP + N_NEW)
        shift[team] = 0.3
        take = rng.random(n) < 0.7
        second[take] = rng.choice(team, int(take.sum()))
        second[~take & np.isin(second, team)] = rng.choice(
            np.arange(5, N_EXP), int((~take & np.isin(second, team)).sum())
        )
        second = np.where(second == lead, (lead + 1) % N_EXP, second)
    return Design(lead, second, nominated, np.arange(n), np.zeros(n, bool), shift)


def ratings(rng: np.random.Generator, d: Design) -> tuple[np.ndarray, ...]:
    """Unit arrays (lead, second, nominated, num, den, portfolio) with resubmissions."""
    n = d.lead.size
    pathway = rng.choice(3, n, p=list(syn.PATHWAY_MIX.values()))
    q = rng.normal(0.0, syn.SIGMA_Q, n)

    def rate(sub_q, lead, second, nom, path):
        sub, sec = np.nonzero(_REQ[path])
        t = syn.LEVEL + sub_q[sub] + rng.normal(0.0, syn.SIGMA_U, sub.size) - _DIFF[sec]
        yl = t + d.shift[lead][sub] + rng.normal(0.0, 1.0, sub.size) * _SIGE[sec]
        ys = (
            t
            + d.shift[second][sub]
            + syn.NOMINATED_SECOND_SHIFT * nom[sub]
            + rng.normal(0.0, 1.0, sub.size) * _SIGE[sec]
        )
        cut = lambda y: (y >= syn.CUT_R).astype(float) + (y >= syn.CUT_S)  # noqa: E731
        sl, ss = cut(yl), cut(ys)
        num = np.bincount(sub, weights=sl - ss, minlength=sub_q.size)
        den = np.bincount(sub, minlength=sub_q.size).astype(float)
        referred = np.bincount(sub, weights=cut((yl + ys) / 2.0) == 0, minlength=sub_q.size) > 0
        return num, den, referred

    num1, den1, ref = rate(q, d.lead, d.second, d.nominated, pathway)
    back = np.flatnonzero(ref & (rng.random(n) < syn.RESUBMIT_P))
    num2, den2, _ = rate(q[back] + syn.RESUBMISSION_BOOST, d.lead[back], d.second[back], d.nominated[back],
                         pathway[back])  # fmt: skip
    cat = lambda a, b: np.r_[a, b]  # noqa: E731
    return (cat(d.lead, d.lead[back]), cat(d.second, d.second[back]), cat(d.nominated, d.nominated[back]),
            cat(num1, num2), cat(den1, den2), cat(d.portfolio, d.portfolio[back]))  # fmt: skip


def latent_scale(d: Design) -> np.ndarray:
    return d.shift


def fit_dataset(
    rng: np.random.Generator, scenario: str
) -> tuple[Design, core.SeverityFlags, np.ndarray, np.ndarray]:
    """One simulated dataset through the library's core: (design, flags, estimates, eligible)."""
    d = design(rng, scenario)
    lead, second, nom, num, den, port = ratings(rng, d)
    k = d.shift.size
    fit = core.joint_fit(lead, second, -nom[:, None].astype(float), num, den, port, k)
    code = np.r_[lead, second]
    n_units = np.bincount(code, minlength=k)
    distinct = (
        pd.Series(np.r_[port, port])
        .groupby(code)
        .nunique()
        .reindex(range(k), fill_value=0)
        .to_numpy()
    )
    est, var = fit.coef[:k], np.diag(fit.cov)[:k]
    eligible = n_units >= MIN_PORTFOLIOS
    flags = core.severity_flags(est, var, distinct, eligible, ci=CI, threshold=THRESHOLD)
    return d, flags, est, eligible


def _rate(measure: str, k: int, n: int, target: str) -> dict:
    r = stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
    return {
        "measure": measure,
        "value": k / n,
        "mc_low": r.low,
        "mc_high": r.high,
        "n": n,
        "target": target,
    }


def _scenario(rng: np.random.Generator, scenario: str, n_datasets: int) -> list[dict]:
    """Run one scenario and return its measured rows."""
    any_flag = severe = partner = excl = n_nom = 0
    rhos = []
    for _ in range(n_datasets):
        d, f, est, el = fit_dataset(rng, scenario)
        any_flag += bool(f.out_of_line.any())
        severe += bool(f.out_of_line[0])
        partner += bool(f.out_of_line[N_EXP])
        team = np.arange(N_EXP + N_NEW, d.shift.size)
        excl += int(((f.low[team] > 0) | (f.high[team] < 0)).sum())
        n_nom += team.size
        if scenario in ("sample_like", "team"):
            rhos.append(stats.spearmanr(d.shift[el], est[el]).statistic)
    n = n_datasets
    if scenario == "null":
        return [_rate("datasets with anyone flagged", any_flag, n, "<= 0.10")]
    if scenario == "severe_partner":
        return [
            _rate("partner flagged", partner, n, "<= 0.10"),
            _rate("severe lead flagged", severe, n, ">= 0.80"),
        ]
    if scenario == "nominated":
        return [_rate("nominated seconds' intervals excluding 0", excl, n_nom, "<= 0.15")]
    r = np.asarray(rhos)
    return [{"measure": "Spearman(estimated, planted): median [5%, 95% of datasets]", "value": float(np.median(r)),
             "mc_low": float(np.quantile(r, 0.05)), "mc_high": float(np.quantile(r, 0.95)), "n": n,
             "target": ">= 0.85"}]  # fmt: skip


SCENARIOS = ("null", "severe_partner", "nominated", "sample_like", "team")


def run(
    n_datasets: int = 400, seed: int = 20261130, scenarios: tuple[str, ...] = SCENARIOS
) -> pd.DataFrame:
    """Every target in one table: scenario, measure, value, Monte Carlo interval, n, target.

    ``mc_low, mc_high``: Wilson 95% interval of a rate over the datasets (or assessor-
    datasets); for a rank correlation, its 5% and 95% quantiles over the datasets.
    """
    children = dict(zip(SCENARIOS, np.random.SeedSequence(seed).spawn(len(SCENARIOS))))
    rows = []
    for scenario in scenarios:
        rng = np.random.default_rng(children[scenario])
        rows += [{"scenario": scenario, **r} for r in _scenario(rng, scenario, n_datasets)]
    return pd.DataFrame(rows)


def sample_rank_correlation() -> float:
    """Spearman between ``severity`` and the planted shifts on ``data/sample``."""
    import json
    from pathlib import Path

    import cmalt_qa as qa

    root = Path(__file__).resolve().parents[1] / "data" / "sample"
    sev = qa.assessors.severity(qa.load(root))
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))["assessor_shift"]
    ok = sev[np.isfinite(sev["ci_low"])]
    return float(stats.spearmanr(ok["assessor_id"].map(truth), ok["severity"]).statistic)


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 else 400
    table = run(n)
    print(_md.table(_md.measured(table)))
    print(f"\nSample (data/sample): Spearman {sample_rank_correlation():.3f} (target >= 0.85)")


if __name__ == "__main__":
    main(sys.argv)
