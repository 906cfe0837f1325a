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
[--as-of DATE] [--out reports/]``) is added this way with :func:`add_report_parser`.
Raise :class:`CommandError` (or :class:`cmalt_qa.RecordsError`) for user errors.

Start-up
--------
``cmalt-qa --help`` and ``validate`` import neither matplotlib nor the report machinery:
a subcommand imports what it needs when it runs (``benchmarks/bench_cli_start.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from ._dates import DATE_MODES
from ._errors import os_error_words
from ._words import plural
from .reports._params import KINDS

if TYPE_CHECKING:
    from .records import Records

__all__ = [
    "main",
    "build_parser",
    "default_data",
    "CommandError",
    "SUBCOMMANDS",
    "add_validate_parser",
    "add_sample_parser",
    "add_anonymise_parser",
    "add_report_parser",
    "add_forms_parser",
    "report_command",
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
    from . import _summary

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
    from . import _csvout
    from .records import load

    path = _data_arg(args.data)
    if args.problems_out:
        _check_out_file(Path(args.problems_out), "--problems-out")
    recs = load(path, strict=args.strict, dates=args.dates)
    _print_validation(path, recs)
    if args.problems_out:
        out = _csvout.write_csv(recs.problems, args.problems_out)
        print(f"\nWrote {plural(len(recs.problems), 'problem line')} to {out}")
    if len(recs.submissions) == 0:
        raise CommandError(
            f"{path}: no valid submission is left ({plural(len(recs.problems), 'problem')}); "
            "nothing could be reported from these data"
        )
    return 0


def _file_in_the_way(path: Path) -> Path | None:
    """The nearest existing part of ``path``'s folders when it is a file, else None."""
    blocker = next((q for q in path.parents if q.exists()), None)
    return blocker if blocker is not None and not blocker.is_dir() else None


def _check_out_file(path: Path, option: str) -> None:
    """Refuse, before any work, a file that cannot be written where it is asked for."""
    if path.is_dir():
        raise CommandError(f"{option} {path} is a folder; give a file name")
    blocker = _file_in_the_way(path)
    if blocker is not None:
        raise CommandError(f"cannot write {option} {path}: {blocker} is a file, not a folder")
    if not path.parent.is_dir():
        raise CommandError(f"cannot write {option} {path}: the folder {path.parent} does not exist")


def _check_out_folder(path: Path, option: str = "--out") -> None:
    """Refuse, before any work, an output folder that is a file or under one."""
    if path.exists() and not path.is_dir():
        raise CommandError(f"{option} {path} is a file, not a folder")
    blocker = _file_in_the_way(path)
    if blocker is not None:
        raise CommandError(
            f"cannot create the folder {option} {path}: {blocker} is a file, not a folder"
        )


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
    from . import synthetic

    out = Path(args.out)
    _check_out_folder(out)
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
        raise CommandError(f"the generated data have {plural(len(recs.problems), 'problem')}")
    return 0


def add_sample_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``sample --out DIR [--n N] [--seed S]``."""
    from . import synthetic  # its defaults; numpy and pandas, no plotting

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
    from . import anonymise

    key_path = Path(args.key_file)
    _check_out_folder(Path(args.out))  # before a new key is made
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
        description="Turn a raw export (folder of CSVs or .xlsx workbook) into pseudonymous data: "
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


# --------------------------------------------------------------------------- report
def add_report_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``report`` sub-command to an ``argparse`` sub-parsers object.

    Returns the new parser, whose default ``func`` is :func:`report_command`.
    """
    p = subparsers.add_parser(
        "report",
        help="run a report notebook and write HTML (and the executed notebook)",
        description=(
            "Run a report notebook with papermill and write <out>/<kind>-<params>.html "
            "beside the executed notebook. Reports: window (ALT staff, one period; "
            "contains assessor-level figures), sections (the committee, a span of "
            "periods), trends (researchers, all years, with a CSV of its tables)."
        ),
    )
    p.add_argument(
        "kind",
        metavar="KIND",
        help=f"one of: {', '.join(KINDS)}; or all: every period's window report, the "
        "sections and trends reports and an index.html, rebuilding only what changed",
    )
    p.add_argument(
        "--data", default="data/sample", help="dataset folder or .xlsx (default data/sample)"
    )
    p.add_argument(
        "--window", default=None, help="reporting period YYYY-MM (default: the latest in the data)"
    )
    p.add_argument(
        "--as-of",
        dest="as_of",
        default=None,
        help="window report: ISO date (default: the latest date in the data)",
    )
    p.add_argument(
        "--first-window",
        dest="first_window",
        default=None,
        help="sections report: first period (default: three years back)",
    )
    p.add_argument(
        "--pathway", default=None, help="sections report: ACMALT, CMALT or SCMALT (default: all)"
    )
    p.add_argument("--out", default="reports", help="output folder (default reports/)")
    p.add_argument(
        "--dates",
        choices=DATE_MODES,
        default="auto",
        help="how numeric dates such as 03/04/2025 are read, as for validate (for all: in "
        "every report of the site): auto (day first, refusing a file with dates valid only "
        "month first), dayfirst, monthfirst, or iso",
    )
    p.add_argument(
        "--min-count",
        dest="min_count",
        type=int,
        default=5,
        help="smallest count published (default 5)",
    )
    p.add_argument(
        "--n-boot",
        dest="n_boot",
        type=int,
        default=1000,
        help="bootstrap replicates (default 1000)",
    )
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    p.add_argument(
        "--periods",
        type=int,
        default=None,
        help="all: window reports of the latest N periods only (default: every period)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=2,
        help="all: reports run at once, each worker keeping one kernel (default 2)",
    )
    p.add_argument("--force", action="store_true", help="all: rebuild every report")
    p.set_defaults(func=report_command)
    return p


def report_command(args: argparse.Namespace) -> int:
    """Run ``cmalt-qa report`` from parsed arguments; returns the exit status.

    0 on success; 2 for bad parameters or data, or an ``--out`` that cannot be written
    (one line on stderr, nothing run); 1 when a cell fails (the cell and error on
    stderr, the partial notebook kept) or a write fails late (a full disk: one line).
    """
    from .reports import ReportError, ReportFailed, run_report

    if args.kind == "all":
        return _site_command(args)
    try:
        html = run_report(
            args.kind,
            data=args.data,
            window=args.window,
            as_of=args.as_of,
            out=args.out,
            min_count=args.min_count,
            first_window=getattr(args, "first_window", None),
            pathway=getattr(args, "pathway", None),
            n_boot=getattr(args, "n_boot", 1000),
            dates=getattr(args, "dates", "auto"),
            progress=getattr(args, "progress", True),
        )
    except ReportError as exc:
        print(f"cmalt-qa report: error: {exc}", file=sys.stderr)
        return 2
    except ReportFailed as exc:
        print(f"cmalt-qa report: failed: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. the disk filled up while the report was written
        print(f"cmalt-qa report: error: {os_error_words(exc)}", file=sys.stderr)
        return 1
    print(html)
    return 0


def _site_command(args: argparse.Namespace) -> int:
    """``cmalt-qa report all``: the site (:func:`cmalt_qa.reports.build_site`)."""
    from .reports import ReportError, build_site

    for name in ("window", "as_of", "first_window", "pathway"):
        if getattr(args, name, None):
            print(
                f"cmalt-qa report all: error: --{name.replace('_', '-')} does not apply to "
                "all (it reports every period)",
                file=sys.stderr,
            )
            return 2
    try:
        result = build_site(
            args.data,
            args.out,
            min_count=args.min_count,
            n_boot=args.n_boot,
            workers=args.workers,
            periods=args.periods,
            force=args.force,
            dates=getattr(args, "dates", "auto"),
        )
    except ReportError as exc:
        print(f"cmalt-qa report all: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"cmalt-qa report all: error: {os_error_words(exc)}", file=sys.stderr)
        return 1
    if result["failed"]:
        for stem, err in result["failed"].items():
            print(f"cmalt-qa report all: failed: {stem}: {err}", file=sys.stderr)
        return 1
    print(result["index"])
    return 0


# --------------------------------------------------------------------------- forms
def _run_forms(args: argparse.Namespace) -> int:
    from .forms import run_command

    _check_out_folder(Path(args.out))
    return run_command(args.forms, args.log, args.key_file, args.out, args.new_key)


def add_forms_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``forms FORMS --log LOG --key-file KEY --out DIR [--new-key]``."""
    p = subparsers.add_parser(
        "forms",
        help="read completed assessment forms (.docx) and the submission log into records",
        description="Read every completed CMALT Assessment Form (.docx) under FORMS and "
        "ALT's submission log (CSV or .xlsx), and write pseudonymous submissions.csv, "
        "ratings.csv, comments.csv and problems.csv to DIR (docs/forms.md). Names become "
        "keyed pseudonyms (the key in KEY, as for anonymise); no name, e-mail address or "
        "link is written or printed.",
    )
    p.add_argument("forms", metavar="FORMS", help="folder holding the forms (searched recursively)")
    p.add_argument("--log", required=True, metavar="LOG", help="the submission log, CSV or .xlsx")
    p.add_argument(
        "--key-file", required=True, metavar="KEY",
        help="file holding the secret key (at least 32 characters)",
    )  # fmt: skip
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write (created)")
    p.add_argument(
        "--new-key", action="store_true",
        help="create KEY with a fresh random key first (refused if it exists)",
    )  # fmt: skip
    p.set_defaults(func=_run_forms)


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
    parser.add_argument("--version", action="version", version=f"cmalt-qa {__version__}")
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
    try:
        return _run(argv)
    except KeyboardInterrupt:  # Ctrl-C: one line, the shell's status for SIGINT
        print("cmalt-qa: interrupted", file=sys.stderr)
        return 130


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except SystemExit as exc:  # argparse has printed usage or help
        return exc.code if isinstance(exc.code, int) else 2
    from .anonymise import AnonymiseError
    from .forms import FormsError
    from .records import RecordsError

    try:
        return int(args.func(args))
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        print(f"cmalt-qa: error: {os_error_words(exc)}", file=sys.stderr)
        return 1
    except (RecordsError, CommandError, AnonymiseError, FormsError) as exc:
        print(f"cmalt-qa: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
