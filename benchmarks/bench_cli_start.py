"""Benchmark 6: how long the command line takes to start.

Subject: ``cmalt-qa --help`` (the installed script beside this interpreter: Python's
start, the console-script shim, ``import cmalt_qa.cli`` and the argument parser with
every subcommand). Also measured: ``cmalt-qa --version`` and ``python -c "import
cmalt_qa"``. Reference: ``python -c "import pandas"`` in the same interpreter, a floor
for any command that reads data (``validate`` needs pandas anyway). Each run is a fresh
process; subject and reference alternate.

Reported: median times and the median of per-pair ratios subject / reference; target
``--help`` within 2x of the pandas import (before the lazy imports: 2.5-3.4 s, matplotlib
and scipy imported at every start).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

TARGET = 2.0  # --help within 2x of `python -c "import pandas"`


def _script() -> str:
    return str(Path(sys.executable).with_name("cmalt-qa"))


def _runner(argv: list[str]):
    def run() -> None:
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=c.ROOT)

    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args(argv)
    repeats = 5 if args.quick else 15
    pandas = _runner([sys.executable, "-c", "import pandas"])
    subjects = {
        "`cmalt-qa --help`": _runner([_script(), "--help"]),
        "`cmalt-qa --version`": _runner([_script(), "--version"]),
        '`python -c "import cmalt_qa"`': _runner([sys.executable, "-c", "import cmalt_qa"]),
    }
    rows, help_ratio = [], None
    for name, fn in subjects.items():
        t = c.interleaved(fn, pandas, repeats)
        help_ratio = t.ratio if help_ratio is None else help_ratio
        rows.append(
            [name, f"{t.subject_median:.2f}", f"{t.reference_median:.2f}", f"{t.ratio:.2f}"]
        )
    rows[0].append(f"<= {TARGET:.0f}x: {c.verdict(help_ratio <= TARGET)}")
    for r in rows[1:]:
        r.append("")
    body = "\n".join(
        [
            "### 6. Command-line start: `cmalt-qa --help` against `import pandas`",
            "",
            f"Fresh processes, {repeats} interleaved pairs after a warm-up.",
            "",
            c.table_md(
                ["subject", "subject s (median)", "`import pandas` s (median)", "ratio", "target"],
                rows,
            ),
            "",
            f"Command: `{c.command_line()}`",
        ]
    )
    c.write_section("cli_start", body)
    print(body)
    return 0 if help_ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
