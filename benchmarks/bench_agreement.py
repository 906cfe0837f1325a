"""Benchmark 2: agreement coefficients against their reference packages; ``by_section``.

Coefficients: the lead and second ratings of every rated pair of a synthetic dataset
(3,000 submissions, about 38,000 pairs; ``--quick``: 1,000 submissions), as numbers
R=0, A=1, S=2, given to each coefficient and to its reference on the same arrays:

| ours | reference |
|---|---|
| ``percent_agreement`` | ``sklearn.metrics.accuracy_score`` |
| ``cohen_kappa`` (none, linear, quadratic) | ``sklearn.metrics.cohen_kappa_score`` |
| ``gwet_ac`` (AC1; AC2 linear, quadratic) | ``irrCAC.raw.CAC(...).gwet()`` |
| ``pabak`` | ``irrCAC.raw.CAC(...).bp()`` (Brennan-Prediger = PABAK) |
| ``krippendorff_alpha`` (4 levels) | ``krippendorff.alpha`` |

Each row: the median of interleaved per-pair ratios ours / reference (target <= 1).
The S/A/R-text input path of ``cohen_kappa`` is timed too (against the same numeric
reference), since that is what users pass.

``by_section``: ``qa.agreement.by_section(recs, n_boot=1000)`` on ten years of data
(3,000 submissions) and on 2x, 5x and 10x that; reported are the median time (target
under one second at 1x), the growth t(kx) / t(1x) against k (target: linear, i.e.
about k or less), and, as the same-run reference, the ratio to ``n_boot=0`` (point
estimates only) on the same records.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

import cmalt_qa as qa  # noqa: E402

SCORE = {"R": 0.0, "A": 1.0, "S": 2.0}


def pairs(recs: qa.Records) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Numeric and S/A/R arrays of the complete lead/second pairs."""
    r = recs.ratings.dropna(subset=["lead", "second"])
    return (
        r["lead"].map(SCORE).to_numpy(float),
        r["second"].map(SCORE).to_numpy(float),
        r["lead"].to_numpy(object),
        r["second"].to_numpy(object),
    )


def cases(recs: qa.Records) -> list[tuple[str, Callable[[], object], str, Callable[[], object]]]:
    import krippendorff
    from irrCAC.raw import CAC
    from sklearn.metrics import accuracy_score, cohen_kappa_score

    ag = qa.agreement
    a, b, sa, sb = pairs(recs)
    raw = pd.DataFrame({"lead": a, "second": b})
    data = np.vstack([a, b])
    irr_w = {None: "identity", "linear": "linear", "quadratic": "quadratic"}
    out: list[tuple[str, Callable[[], object], str, Callable[[], object]]] = [
        (
            "percent_agreement",
            lambda: ag.percent_agreement(a, b),
            "sklearn accuracy_score",
            lambda: accuracy_score(a, b),
        ),
    ]
    for w in (None, "linear", "quadratic"):
        out.append(
            (
                f"cohen_kappa({w})",
                lambda w=w: ag.cohen_kappa(a, b, weights=w),
                f"sklearn cohen_kappa_score({w})",
                lambda w=w: cohen_kappa_score(a, b, weights=w),
            )
        )
    out.append(
        (
            "cohen_kappa(None), S/A/R text",
            lambda: ag.cohen_kappa(sa, sb),
            "sklearn cohen_kappa_score(None), numbers",
            lambda: cohen_kappa_score(a, b),
        )
    )
    for w in (None, "linear", "quadratic"):
        out.append(
            (
                f"gwet_ac({w})",
                lambda w=w: ag.gwet_ac(a, b, weights=w),
                f"irrCAC raw gwet({irr_w[w]})",
                lambda w=w: CAC(raw, weights=irr_w[w]).gwet(),
            )
        )
    out.append(("pabak", lambda: ag.pabak(a, b), "irrCAC raw bp()", lambda: CAC(raw).bp()))
    for level in ("nominal", "ordinal", "interval", "ratio"):
        out.append(
            (
                f"krippendorff_alpha({level})",
                lambda level=level: ag.krippendorff_alpha(data, level),
                f"krippendorff.alpha({level})",
                lambda level=level: krippendorff.alpha(
                    reliability_data=data, level_of_measurement=level
                ),
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, fewer repeats")
    ap.add_argument("--repeats", type=int, help="interleaved pairs (default 7; quick 3)")
    args = ap.parse_args(argv)
    base = 1_000 if args.quick else 3_000
    repeats = args.repeats or (3 if args.quick else 7)

    recs = qa.load(c.dataset(base))
    n_pairs = len(pairs(recs)[0])
    rows = []
    for name, ours, ref_name, ref in cases(recs):
        t = c.interleaved(ours, ref, repeats)
        rows.append(
            [
                name,
                ref_name,
                f"{t.subject_median * 1e3:.1f}",
                f"{t.reference_median * 1e3:.1f}",
                f"{t.ratio:.2f}",
                c.verdict(t.ratio <= 1.0),
            ]
        )
    coef = c.table_md(
        ["ours", "reference", "ours ms", "reference ms", "ratio", "target <= 1"], rows
    )

    factors = (1, 2) if args.quick else (1, 2, 5, 10)
    boot_rows = []
    base_time = None
    for k in factors:
        r = qa.load(c.dataset(base * k))
        t = c.interleaved(
            lambda r=r: qa.agreement.by_section(r, n_boot=1000),
            lambda r=r: qa.agreement.by_section(r, n_boot=0),
            max(3, repeats - 2 * (k > 2)),
        )
        base_time = base_time or t.subject_median
        growth = t.subject_median / base_time
        boot_rows.append(
            [
                f"{k}x",
                f"{base * k:,}",
                r.submissions["window"].nunique(),
                f"{t.subject_median:.3f}",
                f"{growth:.2f}",
                f"{t.ratio:.1f}",
            ]
        )
    # linear: from each size to the next, time grows at most 1.25x as fast as the data
    # (a fixed overhead makes small sizes grow slower, which is fine)
    steps = [
        (float(b_[4]) / float(a_[4]), int(b_[0][:-1]) / int(a_[0][:-1]))
        for a_, b_ in zip(boot_rows, boot_rows[1:])
    ]
    growth_ok = all(t_ratio <= 1.25 * d_ratio for t_ratio, d_ratio in steps)
    first_ok = float(boot_rows[0][3]) < 1.0
    boot = c.table_md(
        [
            "data",
            "submissions",
            "windows",
            "by_section(n_boot=1000) s",
            "growth vs 1x",
            "ratio to n_boot=0",
        ],
        boot_rows,
    )

    body = "\n".join(
        [
            f"### 2. Agreement coefficients ({base:,} submissions, {n_pairs:,} rated pairs)",
            "",
            f"Same numeric arrays (R=0, A=1, S=2) to ours and the reference; median of "
            f"{repeats} interleaved pairs.",
            "",
            coef,
            "",
            "### 2b. `by_section`, 1,000 bootstrap replicates",
            "",
            boot,
            "",
            f"Target under 1 s at 1x: {c.verdict(first_ok)} ({boot_rows[0][3]} s). "
            f"Linear growth (each step: time ratio <= 1.25 x data ratio; steps "
            + ", ".join(f"{t_:.2f}x time for {d_:.1f}x data" for t_, d_ in steps)
            + f"): {c.verdict(growth_ok)}.",
            "Note: the synthetic generator spreads any size over the same "
            f"{boot_rows[0][2]} reporting periods (2019-01 to 2026-09), so 1x is "
            f"{base:,} submissions in {boot_rows[0][2]} windows rather than 30 x 100.",
        ]
    )
    print(body)
    c.write_section("agreement", body + f"\n\nCommand: `{c.command_line()}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
