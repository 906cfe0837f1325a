"""Simulation check of the per-section control charts (:func:`cmalt_qa.referrals.p_chart`).

The design is the sample's: the 17 sections' numbers of decided first-attempt
submissions in each of the last 9 periods of ``data/sample`` (about 75 per period for a
required section, down to 2-8 for 5c and 6b; the last period is partial), and each
section's pooled rate of a final R over those periods (3a: 0.176). Counts are binomial.
Each dataset is charted as the sections report charts it: all 17 sections together at a
family-wise level of 0.05 (:func:`cmalt_qa._spc.family_levels`), exact probability limits
plus the step-change test, through the library's own :func:`cmalt_qa._spc.p_chart`.

Scenarios:

* ``in_control``: no change anywhere: the share of datasets with any signal (any
  section, any period, either test) is the family-wise false-alarm rate;
* ``doubling_from_<w>``: section 3a's rate doubles (0.176 to 0.352) from period w of 9
  on and stays there: the share of datasets in which 3a signals is the power;
* ``overdispersed``: no change, but each period's rate varies around the section's rate
  (beta-binomial, Laney's sigma_z about 1.5), charted with ``laney=True`` (one sigma_z
  pooled over the 17 charts, beta-binomial limits and step-test null); the same data
  charted as binomial; and 3a doubling from period 5 on such data.

:func:`edge_bounds` gives the most any test could detect of a doubling at the edges of
the span (the first or the last period alone on one side of the change).

For comparison the same in-control datasets are charted the old way (3-sigma normal
limits with the four Making Data Count rules, every chart at its own level).

Run: ``python -m validation.control_charts [n_datasets]``.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from cmalt_qa import _spc

from . import _md

ALPHA = 0.05
N_PERIODS = 9
SECTION = "3a"


@lru_cache(maxsize=1)
def sample_design() -> tuple[list[str], np.ndarray, np.ndarray]:
    """(sections, n of shape (17, 9), pooled rate of shape (17,)) from data/sample."""
    import cmalt_qa as qa

    recs = qa.load(Path(__file__).resolve().parents[1] / "data" / "sample")
    t = qa.referrals.p_chart(recs, per_section=True, n_sim=99)
    last = sorted(t["window"].unique())[-N_PERIODS:]
    t = t[t["window"].isin(last)]
    n = t.pivot(index="section", columns="window", values="n").fillna(0).astype(int)
    k = t.pivot(index="section", columns="window", values="k").fillna(0).astype(int)
    return list(n.index), n.to_numpy(), k.sum(axis=1).to_numpy() / n.sum(axis=1).to_numpy()


def chart_family(
    k: np.ndarray,
    n: np.ndarray,
    rng: np.random.Generator,
    *,
    laney: bool = False,
    old: bool = False,
) -> np.ndarray:
    """Which of the charts (rows) signal anywhere, charted together as the report does.

    New: :func:`cmalt_qa._spc.family_signals` (what ``p_chart`` computes, all charts at
    once) at the family levels. Old: each chart alone, 3-sigma limits and the run rules.
    """
    rows = np.flatnonzero((n > 0).any(axis=1))
    if old:
        out = np.zeros(n.shape[0], dtype=bool)
        for i in rows:
            use = n[i] > 0
            c = _spc.p_chart(k[i, use], n[i, use], limits="sigma")
            out[i] = bool(c[["beyond_limits", "shift", "trend", "two_of_three"]].to_numpy().any())
        return out
    a_point, a_step = _spc.family_alphas(k, n, ALPHA, laney=laney)
    beyond, step_p, _ = _spc.family_signals(
        k, n, alpha_point=a_point, alpha_step=a_step, laney=laney, rng=rng
    )
    return beyond.any(axis=1) | (step_p <= a_step)


def draw(
    rng: np.random.Generator,
    n: np.ndarray,
    p: np.ndarray,
    *,
    start: int | None = None,
    row: int = 0,
    sigma_z: float = 1.0,
) -> np.ndarray:
    """Counts for one dataset: binomial at each section's rate; a doubling in ``row`` from ``start``."""
    rate = np.broadcast_to(p[:, None], n.shape).copy()
    if start is not None:
        rate[row, start:] *= 2.0
    if sigma_z > 1.0:  # beta-binomial between periods: Var(rate) = (sigma_z^2 - 1) p(1-p)/n_bar
        nbar = np.maximum(n.mean(axis=1, keepdims=True), 2.0)
        rho = np.clip((sigma_z**2 - 1.0) / (nbar - 1.0), 1e-6, 0.5)
        a, b = rate * (1 / rho - 1), (1 - rate) * (1 / rho - 1)
        rate = rng.beta(a, b)
    return rng.binomial(n, rate)


def oracle_power(n: int, p0: float, p1: float, alpha: float) -> float:
    """Power of the most powerful level-``alpha`` test of Binomial(n, p0) against Binomial(n, p1).

    The Neyman-Pearson test (one-sided, randomised at the boundary so that its size is
    exactly ``alpha``): an upper bound for any test that sees these n decisions, since
    it is also told the rate before the change, its direction and when it happens.
    """
    up = p1 > p0
    dist0, dist1 = stats.binom(n, p0), stats.binom(n, p1)
    c = dist0.isf(alpha) if up else dist0.ppf(alpha)  # reject beyond c, randomise at c
    beyond0 = dist0.sf(c) if up else dist0.cdf(c - 1)
    beyond1 = dist1.sf(c) if up else dist1.cdf(c - 1)
    gamma = (alpha - beyond0) / dist0.pmf(c)
    return float(beyond1 + gamma * dist1.pmf(c))


def edge_bounds(target_false_alarm: float = 0.10) -> pd.DataFrame:
    """Upper bounds on the power to signal a doubling of 3a at the edges of the span.

    A change at the last period leaves one (partial) period after it: even a test told
    the rate before the change (0.176), that it doubles and that it starts at the last
    period has at most :func:`oracle_power` on that period's decisions. A procedure that
    treats the 17 sections alike and keeps the family's false-alarm rate at
    ``target_false_alarm`` can spend at most ``1 - (1 - target)^(1/17)`` on each section
    (the sections are independent); the whole budget spent on 3a alone is shown too.
    The same bound for a change at period 2 (the first period alone before it, against
    the known doubled rate) shows that one is not out of reach in principle.
    """
    sections, n, p = sample_design()
    row = sections.index(SECTION)
    fair = 1.0 - (1.0 - target_false_alarm) ** (1.0 / len(sections))
    p0, p1 = float(p[row]), 2.0 * float(p[row])
    rows = []
    for period, m, a, b in ((N_PERIODS, int(n[row, -1]), p0, p1), (2, int(n[row, 0]), p1, p0)):
        for level, what in ((fair, "each section's share"), (target_false_alarm, "whole budget")):
            rows.append({"change_from": period, "decisions": m, "level": level, "budget": what,
                         "oracle_power": oracle_power(m, a, b, level)})  # fmt: skip
    return pd.DataFrame(rows)


def _row(scenario: str, measure: str, k: int, n: int, target: str) -> dict:
    ci = stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
    return {"scenario": scenario, "measure": measure, "value": k / n, "mc_low": ci.low, "mc_high": ci.high,
            "n": n, "target": target}  # fmt: skip


def run(
    n_datasets: int = 400,
    seed: int = 20261130,
    starts: tuple[int, ...] = tuple(range(1, N_PERIODS)),
) -> pd.DataFrame:
    """Measured false-alarm rates and power (one row per scenario and measure)."""
    sections, n, p = sample_design()
    row = sections.index(SECTION)
    ss = iter(np.random.SeedSequence(seed).spawn(3 + len(starts)))  # the third is spare
    rows = []
    rng = np.random.default_rng(next(ss))
    new = old = 0
    for _ in range(n_datasets):
        k = draw(rng, n, p)
        new += bool(chart_family(k, n, rng).any())
        old += bool(chart_family(k, n, rng, old=True).any())
    rows.append(
        _row(
            "in_control",
            "datasets with any signal (17 sections, 9 periods)",
            new,
            n_datasets,
            "<= 0.10",
        )
    )
    rows.append(
        _row("in_control", "same, old charts (3-sigma + run rules)", old, n_datasets, "(was 0.53)")
    )
    rows += _overdispersed(n_datasets, n, p, row, np.random.default_rng(next(ss)))
    for start in starts:
        rng = np.random.default_rng(next(ss))
        hits = 0
        for _ in range(n_datasets):
            hits += bool(chart_family(draw(rng, n, p, start=start, row=row), n, rng)[row])
        rows.append(_row(f"doubling_from_{start + 1}", f"{SECTION} signalled (rate doubles from period "
                         f"{start + 1} of {N_PERIODS})", hits, n_datasets, ">= 0.60"))  # fmt: skip
    return pd.DataFrame(rows)


def _overdispersed(
    n_datasets: int, n: np.ndarray, p: np.ndarray, row: int, rng: np.random.Generator
) -> list[dict]:
    """Over-dispersed periods (sigma_z 1.5): Laney charts' false alarms and power, and the
    false alarms of the binomial charts on the same data."""
    laney = binomial = power = 0
    for _ in range(n_datasets):
        k = draw(rng, n, p, sigma_z=1.5)
        laney += bool(chart_family(k, n, rng, laney=True).any())
        binomial += bool(chart_family(k, n, rng).any())
        k = draw(rng, n, p, sigma_z=1.5, start=4, row=row)
        power += bool(chart_family(k, n, rng, laney=True)[row])
    return [
        _row("overdispersed", "datasets with any signal (Laney, pooled sigma_z)", laney,
             n_datasets, "<= 0.10"),
        _row("overdispersed", "same data, binomial charts", binomial, n_datasets, "(no target)"),
        _row("overdispersed", f"{SECTION} signalled, rate doubles from period 5 (Laney)", power,
             n_datasets, "(no target)"),
    ]  # fmt: skip


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 and argv[1] else 400
    print(_md.table(_md.measured(run(n))))
    print()
    print(_md.table(edge_bounds().round(3)))


if __name__ == "__main__":
    main(sys.argv)
