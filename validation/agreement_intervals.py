"""Simulation check of the agreement intervals (:func:`cmalt_qa.agreement.by_section`).

Coverage of the 95% interval of every coefficient at n = 10, 20 and 50 rated pairs (one
pair per portfolio, as for a section of first submissions), and how often an interval
has zero width. Each dataset draws n (lead, second) pairs from a planted 3 x 3 table of
cell probabilities (R, A, S); the truth is the coefficient of that table (its
large-sample value). The estimate and interval are the library's own code path: the
cluster bootstrap of :mod:`cmalt_qa._bootstrap` (portfolios resampled), the
coefficients' parts (:data:`cmalt_qa._agreement_core.PARTS`) and
:func:`cmalt_qa._agreement_core.score_interval`.

Scenarios (what is planted; "agree" is the chance that the second copies the lead,
otherwise both draw independently from the margins):

* ``sample_like``: margins R 8%, A 55%, S 37%, agree 0.55 (like the sample);
* ``balanced``: margins 1/3 each, agree 0.4;
* ``skewed_high``: margins R 5%, A 80%, S 15%, agree 0.7 (the kappa paradox zone);
* ``near_perfect``: margins R 10%, A 60%, S 30%, agree 0.93;
* ``ordinal``: disagreements mostly between neighbouring ratings.

Run: ``python -m validation.agreement_intervals [n_datasets]``.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from cmalt_qa import _agreement_core as core
from cmalt_qa import _bootstrap
from cmalt_qa._stats import wilson_interval

K = 3
CI = 0.95
SIZES = (10, 20, 50)
N_BOOT = 500
_ORDINAL = np.array([[0.05, 0.04, 0.0], [0.03, 0.45, 0.08], [0.0, 0.07, 0.28]])


def _copy_model(margins: list[float], agree: float) -> np.ndarray:
    m = np.asarray(margins, dtype=np.float64)
    return agree * np.diag(m) + (1.0 - agree) * np.outer(m, m)


SCENARIOS: dict[str, np.ndarray] = {
    "sample_like": _copy_model([0.08, 0.55, 0.37], 0.55),
    "balanced": _copy_model([1 / 3, 1 / 3, 1 / 3], 0.4),
    "skewed_high": _copy_model([0.05, 0.80, 0.15], 0.7),
    "near_perfect": _copy_model([0.10, 0.60, 0.30], 0.93),
    "ordinal": _ORDINAL / _ORDINAL.sum(),
}


def truth(p: np.ndarray) -> dict[str, float]:
    """Each coefficient of the planted cell probabilities (large-sample value)."""
    big = p * 1e12
    return {name: float(core.chance_corrected(*parts(big))) for name, parts in core.PARTS.items()}


def _tables(cells: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(datasets, 1 + n_boot, K, K): each dataset's table and its bootstrap tables."""
    r, n = cells.shape
    idx = _bootstrap.cluster_indices(n, n_boot * r, rng).reshape(r, n_boot, n)
    drawn = np.concatenate(
        [
            cells[:, None, :],
            np.take_along_axis(np.broadcast_to(cells[:, None, :], (r, n_boot, n)), idx, axis=2),
        ],
        axis=1,
    )
    off = (np.arange(r * (1 + n_boot)) * K * K).reshape(r, 1 + n_boot, 1)
    flat = np.bincount((drawn + off).ravel(), minlength=r * (1 + n_boot) * K * K)
    return flat.reshape(r, 1 + n_boot, K, K).astype(np.float64)


def simulate(
    p: np.ndarray,
    n: int,
    n_datasets: int,
    *,
    n_boot: int = N_BOOT,
    seed: int = 0,
    chunk: int = 200,
) -> pd.DataFrame:
    """One row per dataset and coefficient: estimate, limits, covered, zero width."""
    rng = np.random.default_rng([seed, n])
    true = truth(p)
    rows = []
    for start in range(0, n_datasets, chunk):
        r = min(chunk, n_datasets - start)
        cells = rng.choice(K * K, size=(r, n), p=p.ravel())
        tables = _tables(cells, n_boot, rng)
        for name, parts in core.PARTS.items():
            po, pe = parts(tables)
            theta = core.chance_corrected(po, pe)
            low, high, undefined = core.score_interval(
                po[:, 0], pe[:, 0], theta[:, 1:], np.full(r, n), np.full(r, n), CI
            )
            rows.append(
                pd.DataFrame(
                    {
                        "coefficient": name,
                        "estimate": theta[:, 0],
                        "low": low,
                        "high": high,
                        "truth": true[name],
                        "n_boot_undefined": undefined,
                    }
                )
            )
    out = pd.concat(rows, ignore_index=True)
    out["defined"] = out["estimate"].notna()
    out["covered"] = (out["low"] <= out["truth"] + 1e-12) & (out["truth"] - 1e-12 <= out["high"])
    out["zero_width"] = (out["high"] - out["low"]) <= 1e-12
    return out


def run(
    n_datasets: int = 2000, seed: int = 0, *, sizes: tuple[int, ...] = SIZES, n_boot: int = N_BOOT
) -> pd.DataFrame:
    """Coverage per scenario, size and coefficient (over datasets with an estimate)."""
    rows = []
    for scen, p in SCENARIOS.items():
        for n in sizes:
            sim = simulate(p, n, n_datasets, n_boot=n_boot, seed=seed)
            for name, g in sim.groupby("coefficient", sort=False):
                d = g[g["defined"]]
                k, m = int(d["covered"].sum()), len(d)
                lo, hi = wilson_interval(k, m)
                rows.append(
                    {
                        "scenario": scen,
                        "n_pairs": n,
                        "coefficient": name,
                        "datasets": m,
                        "coverage": k / m if m else np.nan,
                        "mc_low": float(lo),
                        "mc_high": float(hi),
                        "zero_width": float(d["zero_width"].mean()) if m else np.nan,
                        "mean_width": float((d["high"] - d["low"]).mean()) if m else np.nan,
                        "undefined_estimates": 1.0 - m / len(g),
                    }
                )
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Lowest coverage over the scenarios, per coefficient and size."""
    worst = table.loc[table.groupby(["coefficient", "n_pairs"], sort=False)["coverage"].idxmin()]
    return worst[
        ["coefficient", "n_pairs", "coverage", "mc_low", "mc_high", "scenario", "zero_width"]
    ].reset_index(drop=True)


def _md(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    n_datasets = int(argv[0]) if argv and argv[0] else 1000
    table = run(n_datasets)
    wide = table.pivot_table(
        index=["coefficient", "n_pairs"], columns="scenario", values="coverage", sort=False
    ).reset_index()
    print(
        f"Coverage of the nominal 95% interval, {n_datasets} datasets per cell, "
        f"{N_BOOT} bootstrap replicates; lowest over the scenarios:\n"
    )
    print(_md(summary(table)))
    print("\nBy scenario:\n")
    print(_md(wide))
    print(f"\nZero-width intervals: {table['zero_width'].max():.3f} (largest share in any cell)")


if __name__ == "__main__":
    main(sys.argv[1:])
