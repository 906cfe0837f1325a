"""The ``cmalt-qa`` command line (CONTRACT.md section 3).

Subcommands::

    cmalt-qa validate [DATA] [--strict] [--dates MODE] [--problems-out FILE]
    cmalt-qa sample --out DIR [--n N] [--seed S] [--force]
    cmalt-qa anonymise RAW --key-file KEY --out DIR [--new-key]
    cmalt-qa forms FORMS --log LOG --key-file KEY --out DIR [--new-key]

``DATA`` defaults to the embedded sample (``data/sample``). Output is plain text; user
errors (refused input, missing files, bad arguments) print one message to stderr and
exit non-zero, never a traceback.

Exit codes
----------
0   success; for ``validate``, the data were read (quarantined rows are listed but do not
    fail the run unless ``--strict`` is given: quarantine is the loader's normal answer
    to bad rows, refusal is for input that cannot be read at all).
1   refused input (:class:`cmalt_qa.RecordsError`), a dataset with no valid submission
    left, or another user error.
2   bad command-line usage (argparse).

Adding a subcommand
-------------------
Each subcommand is a function ``add_<name>_parser(subparsers)`` that calls
``subparsers.add_parser(...)`` and ``set_defaults(func=fn)`` where
``fn(args: argparse.Namespace) -> int``. Register it by appending it to
:data:`SUBCOMMANDS`. ``report`` (``cmalt-qa report KIND --data DATA [--window W]
[--as-of DATE] [--out reports/]``) is added this way with
:func:`cmalt_qa.reports.add_report_parser`.
Raise :class:`CommandError` (or :class:`cmalt_qa.RecordsError`) for user errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import _csvout, _summary, anonymise, synthetic
from ._dates import DATE_MODES
from .anonymise import AnonymiseError
from .forms import FormsError, add_forms_parser
from .records import Records, RecordsError, load
from .reports import add_report_parser

__all__ = [
    "main",
    "build_parser",
    "default_data",
    "CommandError",
    "SUBCOMMANDS",
    "add_validate_parser",
    "add_sample_parser",
    "add_anonymise_parser",
]


class CommandError(Exception):
    """A user error: printed as ``cmalt-qa: error: <message>``, exit status 1."""


def default_data() -> Path:
    """The embedded sample dataset (``data/sample`` of the source tree).

    Raises
    ------
    CommandError
        If the folder is not there (an installation without the source tree).
    """
    path = Path(__file__).resolve().parents[1] / "data" / "sample"
    if not (path / "submissions.csv").exists():
        raise CommandError(
            f"no DATA given and the embedded sample is not at {path}; pass a data folder"
        )
    return path


def _data_arg(value: str | None) -> Path:
    return default_data() if value is None else Path(value)


# --------------------------------------------------------------------------- validate


def _print_validation(path: Path, recs: Records) -> None:
    top = _summary.headline(recs)
    if top is not None:
        print(top)
    print(f"Data: {path}")
    print()
    print(f"{'file':<28}{'rows read':>10}{'valid':>10}{'quarantined':>13}")
    for name, read, valid, quar in _summary.file_counts(recs):
        print(f"{name:<28}{read:>10}{valid:>10}{quar:>13}")
    print()
    subs = recs.submissions
    if len(subs):
        per = subs.groupby("window").agg(
            submissions=("submission_id", "size"), open=("outcome", lambda s: int(s.isna().sum()))
        )
        print(f"Windows: {per.index.min()} to {per.index.max()} ({len(per)} reporting periods)")
        print(f"{'window':<10}{'submissions':>12}{'open':>8}")
        for w, row in per.iterrows():
            print(f"{w:<10}{int(row['submissions']):>12}{int(row['open']):>8}")
    else:
        print("Windows: none (no valid submissions)")
    print()
    print("\n".join(_summary.summary_lines(recs)))


def _run_validate(args: argparse.Namespace) -> int:
    path = _data_arg(args.data)
    recs = load(path, strict=args.strict, dates=args.dates)
    _print_validation(path, recs)
    if args.problems_out:
        out = _csvout.write_csv(recs.problems, args.problems_out)
        print(f"\nWrote {len(recs.problems)} problem line(s) to {out}")
    if len(recs.submissions) == 0:
        raise CommandError(
            f"{path}: no valid submission is left ({len(recs.problems)} problem(s)); "
            "nothing could be reported from these data"
        )
    return 0


def add_validate_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``validate [DATA] [--strict]``."""
    p = subparsers.add_parser(
        "validate",
        help="check a dataset and list every problem",
        description="Read a dataset (folder of CSVs or .xlsx) and print rows read, valid "
        "and quarantined per file, the reporting periods covered, and every problem "
        "grouped by rule. Exit 1 if the input is refused.",
    )
    p.add_argument(
        "data",
        nargs="?",
        default=None,
        metavar="DATA",
        help="folder or .xlsx workbook (default: the embedded sample)",
    )
    p.add_argument(
        "--strict", action="store_true", help="treat any quarantined row as refusal (exit 1)"
    )
    p.add_argument(
        "--dates",
        choices=DATE_MODES,
        default="auto",
        help="how numeric dates such as 03/04/2025 are read: auto (day first, refusing a "
        "file with dates valid only month first), dayfirst, monthfirst, or iso (YYYY-MM-DD "
        "only)",
    )
    p.add_argument(
        "--problems-out",
        metavar="FILE",
        help="also write every problem line to this CSV file (formulas neutralised)",
    )
    p.set_defaults(func=_run_validate)


# --------------------------------------------------------------------------- sample
def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _run_sample(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CommandError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not args.force:
        raise CommandError(
            f"{out} is not empty: writing the sample there would overwrite files (perhaps a "
            "real dataset); choose an empty or new folder, or pass --force"
        )
    recs = synthetic.generate(args.n, seed=args.seed, out=out)
    print(
        f"Wrote {len(recs.submissions)} submissions, {len(recs.ratings)} section ratings and "
        f"{len(recs.assessors)} assessors to {out} (seed {args.seed}); "
        f"planted values in {out / 'truth.json'}; data end {recs.truth['as_of']}."
    )
    if len(recs.problems):  # the generator promises none; say so loudly if it breaks
        raise CommandError(f"the generated data have {len(recs.problems)} problem(s)")
    return 0


def add_sample_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``sample --out DIR [--n N] [--seed S]``."""
    p = subparsers.add_parser(
        "sample",
        help="write a synthetic dataset",
        description="Write a synthetic dataset with planted truths (submissions.csv, "
        "ratings.csv, assessors.csv, truth.json).",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write (created)")
    p.add_argument(
        "--force",
        action="store_true",
        help="write into a folder that is not empty (its CSV files are replaced)",
    )
    p.add_argument(
        "--n",
        type=_positive_int,
        default=synthetic.SAMPLE_N,
        help=f"number of submissions (default {synthetic.SAMPLE_N})",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=synthetic.SAMPLE_SEED,
        help=f"random seed (default {synthetic.SAMPLE_SEED})",
    )
    p.set_defaults(func=_run_sample)


# --------------------------------------------------------------------------- anonymise
def _run_anonymise(args: argparse.Namespace) -> int:
    key_path = Path(args.key_file)
    if args.new_key:
        anonymise.new_key_file(key_path)
        print(f"Created a new key in {key_path}: keep it secret and reuse it for every export.")
    report = anonymise.anonymise(args.raw, key_path, args.out)
    print(report.summary())
    return 0


def add_anonymise_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``anonymise RAW --key-file KEY --out DIR [--new-key]``."""
    p = subparsers.add_parser(
        "anonymise",
        help="replace identifiers of a raw export by keyed pseudonyms",
        description="Turn a raw export (folder of CSVs) into pseudonymous data: "
        "identifiers become HMAC-SHA256 pseudonyms under the secret key in KEY, columns "
        "holding names, e-mail addresses or links are dropped. Same key, same pseudonyms.",
    )
    p.add_argument(
        "raw", metavar="RAW", help="folder holding the raw CSV export, or an .xlsx workbook"
    )
    p.add_argument(
        "--key-file",
        required=True,
        metavar="KEY",
        help="file holding the secret key (at least 32 characters)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write (created)")
    p.add_argument(
        "--new-key",
        action="store_true",
        help="create KEY with a fresh random key first (refused if it exists)",
    )
    p.set_defaults(func=_run_anonymise)


# --------------------------------------------------------------------------- main
SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    add_validate_parser,
    add_sample_parser,
    add_anonymise_parser,
    add_report_parser,
    add_forms_parser,
]
"""Functions registering one subcommand each; append ``add_report_parser`` here."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="cmalt-qa",
        description="Quality-assurance analytics for CMALT portfolio assessment.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` when None.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except SystemExit as exc:  # argparse has printed usage or help
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return int(args.func(args))
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (RecordsError, CommandError, AnonymiseError, FormsError, OSError) as exc:
        print(f"cmalt-qa: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
