"""Shared helpers for the benchmark scripts: timing, datasets, machine facts, RESULTS.md.

Timing rule (the machine is shared, so absolute times are noisy): every figure is a
ratio against a reference timed in the same run, subject and reference runs are
interleaved (ref, subject, ref, subject, ...), and the median of the per-pair ratios is
reported together with the median times.
"""

from __future__ import annotations

import gc
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
DATA_ROOT = Path(os.environ.get("CMALT_BENCH_DATA", Path(tempfile.gettempdir()) / "cmalt-qa-bench"))
"""Generated datasets live here (a temp dir, never in the repository)."""


@dataclass(frozen=True)
class Timing:
    """Interleaved timings of a subject against its reference."""

    subject: list[float]
    reference: list[float]

    @property
    def subject_median(self) -> float:
        return statistics.median(self.subject)

    @property
    def reference_median(self) -> float:
        return statistics.median(self.reference)

    @property
    def ratio(self) -> float:
        """Median of the per-pair ratios subject / reference."""
        return statistics.median(s / r for s, r in zip(self.subject, self.reference))


def clock(fn: Callable[[], object]) -> float:
    """Seconds for one call (garbage collected before, so runs start alike)."""
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def interleaved(
    subject: Callable[[], object], reference: Callable[[], object], repeats: int, warmup: int = 1
) -> Timing:
    """Time ``subject`` and ``reference`` alternately, ``repeats`` pairs after warm-up."""
    for _ in range(warmup):
        reference()
        subject()
    subj: list[float] = []
    ref: list[float] = []
    for i in range(repeats):
        # alternate which goes first, so a slow spell does not always hit the same one
        if i % 2 == 0:
            ref.append(clock(reference))
            subj.append(clock(subject))
        else:
            subj.append(clock(subject))
            ref.append(clock(reference))
    return Timing(subj, ref)


def dataset(n_submissions: int, seed: int = 0) -> Path:
    """Folder with a synthetic dataset of ``n_submissions`` (generated once, then reused)."""
    import cmalt_qa as qa

    out = DATA_ROOT / f"n{n_submissions}-s{seed}"
    if not (out / "ratings.csv").exists():
        tmp = DATA_ROOT / f".tmp-n{n_submissions}-s{seed}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        qa.synthetic.generate(n_submissions, seed=seed, out=tmp)
        tmp.rename(out)
    return out


def csv_rows(folder: Path) -> dict[str, int]:
    """Data rows of each CSV in a dataset folder."""
    rows = {}
    for f in sorted(folder.glob("*.csv")):
        with open(f, "rb") as fh:
            rows[f.stem] = sum(1 for _ in fh) - 1
    return rows


def machine() -> dict[str, str]:
    """nproc, CPU model, RAM, Python/numpy/pandas versions, relevant environment."""
    import numpy as np
    import pandas as pd

    cpu = "unknown"
    try:
        text = Path("/proc/cpuinfo").read_text()
        m = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    ram = "unknown"
    try:
        m = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        ram = f"{int(m.group(1)) / 1024**2:.1f} GiB" if m else ram
    except OSError:
        pass
    try:
        import pyarrow

        arrow = pyarrow.__version__
    except ImportError:
        arrow = "not installed"
    blas = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "unknown"
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "pyarrow": arrow,
        "OPENBLAS_* env": ", ".join(f"{k}={v}" for k, v in sorted(blas.items())) or "none set",
        "load average at start": load,
    }


def machine_md() -> str:
    return "\n".join(f"- {k}: {v}" for k, v in machine().items())


def table_md(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-markdown table."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def verdict(ok: bool) -> str:
    return "met" if ok else "**MISSED**"


def write_section(key: str, body: str) -> None:
    """Replace (or append) the section ``key`` of RESULTS.md, delimited by markers."""
    start, end = f"<!-- BEGIN {key} -->", f"<!-- END {key} -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + block
    )
    RESULTS.write_text(text.rstrip() + "\n", encoding="utf-8")


def command_line() -> str:
    return "python " + " ".join([str(Path(sys.argv[0]).resolve().relative_to(ROOT)), *sys.argv[1:]])


def run_child(code: str, *args: str, timeout: float = 1800) -> str:
    """Run ``code`` in a fresh interpreter (same venv) and return its stdout."""
    res = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    if res.returncode != 0:
        raise RuntimeError(f"child failed ({res.returncode}):\n{res.stderr[-3000:]}")
    return res.stdout
