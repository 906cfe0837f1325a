"""Benchmark 3: ``cmalt-qa report window`` end to end against the Papermill floor.

Subject: the command ``cmalt-qa report window --data DATA --out TMP`` in a fresh process
(load, parameter checks, Papermill run of ``notebooks/window.ipynb`` in the isolated
report kernel, HTML export and accessibility audit). DATA is the shipped sample
(``data/sample``, 2,400 submissions, about 100 per reporting period) unless ``--n`` asks
for a synthetic dataset of that size.

Reference (the floor): a fresh process that has Papermill execute, in the same isolated
kernel (:func:`cmalt_qa.reports._kernel.isolated_kernel`), a trivial notebook whose only
code cell imports what the window notebook imports (``import cmalt_qa as qa``;
``from cmalt_qa import plots, reports``). Both are timed wall-clock, interleaved; the
median of the per-pair ratios is reported (target <= 1.5).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

TARGET = 1.5
NOTEBOOK = c.ROOT / "notebooks" / "window.ipynb"

FLOOR = r"""
import sys
import papermill as pm
from cmalt_qa.reports._kernel import KERNEL_NAME, isolated_kernel
with isolated_kernel() as km:
    pm.execute_notebook(sys.argv[1], sys.argv[2], km=km, kernel_name=KERNEL_NAME,
                        progress_bar=False, cwd=sys.argv[3])
"""


def window_imports() -> list[str]:
    """The import lines of the window notebook's code cells."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    lines = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            for ln in "".join(cell["source"]).splitlines():
                if re.match(r"\s*(import|from)\s+\S+", ln) and ln not in lines:
                    lines.append(ln.strip())
    return lines


def trivial_notebook(path: Path) -> list[str]:
    imports = window_imports()
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "imports",
                "metadata": {},
                "outputs": [],
                "source": "\n".join(imports),
            }
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb), encoding="utf-8")
    return imports


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=c.ROOT)
    dt = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stderr[-3000:]}")
    return dt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 repeats instead of 5")
    ap.add_argument(
        "--n", type=int, help="synthetic dataset of N submissions instead of data/sample"
    )
    ap.add_argument("--repeats", type=int)
    args = ap.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    data = c.dataset(args.n) if args.n else c.ROOT / "data" / "sample"
    cli = Path(sys.executable).with_name("cmalt-qa")
    if not cli.exists():
        body = (
            "### 3. Window report end to end\n\nNot measured: the `cmalt-qa` command "
            f"is not installed beside {sys.executable}."
        )
        print(body)
        c.write_section("report", body)
        return 0

    with tempfile.TemporaryDirectory(prefix="cmalt-report-bench-") as tmp:
        tmpd = Path(tmp)
        floor_nb = tmpd / "floor.ipynb"
        imports = trivial_notebook(floor_nb)
        subject = [str(cli), "report", "window", "--data", str(data), "--out", str(tmpd / "out")]
        reference = [
            sys.executable,
            "-c",
            FLOOR,
            str(floor_nb),
            str(tmpd / "floor-out.ipynb"),
            str(tmpd),
        ]
        timed(reference), timed(subject)  # warm-up: caches, font cache, bytecode
        subj, ref = [], []
        for i in range(repeats):
            order = [(ref, reference), (subj, subject)]
            for store, cmd in order if i % 2 == 0 else order[::-1]:
                store.append(timed(cmd))
        html = sorted((tmpd / "out").glob("*.html"))
    t = c.Timing(subj, ref)
    rows = [
        [
            "cmalt-qa report window",
            f"{t.subject_median:.2f}",
            f"{t.reference_median:.2f}",
            f"{t.ratio:.2f}",
            f"<= {TARGET}",
            c.verdict(t.ratio <= TARGET),
        ]
    ]
    body = "\n".join(
        [
            "### 3. Window report end to end",
            "",
            f"Data: `{data.relative_to(c.ROOT) if data.is_relative_to(c.ROOT) else data}`. "
            f"Floor: Papermill runs a one-cell notebook (`{'; '.join(imports)}`) in the same "
            f"isolated kernel. Wall-clock of fresh processes, median of {repeats} interleaved "
            f"pairs. Output checked: {', '.join(h.name for h in html) or 'no HTML written!'}.",
            "",
            c.table_md(["subject", "subject s", "floor s", "ratio", "target", "verdict"], rows),
        ]
    )
    print(body)
    c.write_section("report", body + f"\n\nCommand: `{c.command_line()}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
