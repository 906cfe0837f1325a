"""Periodic reports: parameterised notebooks run by papermill and exported to HTML.

Three reports, one notebook each in ``notebooks/``:

* ``window`` for ALT staff: one reporting period (a staff document: it names assessors);
* ``sections`` for the CMALT committee: a span of periods, optionally one pathway;
* ``trends`` for researchers: every year in the data, with a tidy CSV of its tables.

:func:`run_report` checks the parameters against the data, runs the notebook in an
isolated kernel (:mod:`cmalt_qa._report_kernel`) and writes
``<out>/<kind>-<params>.html`` beside the executed ``.ipynb``. The notebooks stay thin:
what they need beyond the analysis modules is here (:func:`setup_notebook`,
:func:`show`, :func:`disclosed`, :func:`staff_table`, :func:`provenance`, ...); the
resolution of parameters (:func:`resolve`) is shared by the runner and the notebooks so
a notebook opened by hand in JupyterLab behaves as the command line does.
"""

from __future__ import annotations

import datetime as _dt
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TextIO, get_args

import pandas as pd

from . import _analysis
from ._report_notebook import (
    REPORT_RC,
    STAFF_BANNER,
    DisclosedTable,
    disclosed,
    export_tables,
    provenance,
    say,
    setup_notebook,
    show,
    show_table,
    staff_table,
    subset,
)
from ._report_plots import (
    plot_gap_trends,
    plot_rate_by,
    plot_submission_counts,
    submission_counts,
)

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = [
    "Kind",
    "KINDS",
    "ReportError",
    "ReportFailed",
    "run_report",
    "resolve",
    "resolve_data_path",
    "latest_date",
    "notebook_path",
    "report_stem",
    "add_report_parser",
    "report_command",
    # notebook helpers
    "REPORT_RC",
    "DisclosedTable",
    "setup_notebook",
    "show",
    "show_table",
    "disclosed",
    "staff_table",
    "STAFF_BANNER",
    "subset",
    "submission_counts",
    "plot_submission_counts",
    "plot_rate_by",
    "plot_gap_trends",
    "provenance",
    "say",
    "export_tables",
]

Kind = Literal["window", "sections", "trends"]
KINDS: Final[tuple[str, ...]] = get_args(Kind)

SECTIONS_SPAN: Final[int] = 9
"""Default span of the committee report: the last nine periods (three years)."""

_NOTEBOOK_DIRS: Final[tuple[Path, ...]] = (
    Path(__file__).resolve().parent / "notebooks",  # installed package data
    Path(__file__).resolve().parents[1] / "notebooks",  # source tree
)


class ReportError(ValueError):
    """Bad report parameters or data: raised before any notebook runs."""


class ReportFailed(RuntimeError):
    """A notebook cell failed; the partial executed notebook is kept.

    Attributes
    ----------
    notebook : Path
        The partial executed notebook.
    cell_index : int or None
        Index of the failing cell in that notebook.
    """

    def __init__(self, message: str, notebook: Path, cell_index: int | None = None) -> None:
        super().__init__(message)
        self.notebook = notebook
        self.cell_index = cell_index


# --------------------------------------------------------------------------- parameters
def resolve_data_path(data: str | Path) -> Path:
    """The dataset location: as given, or for a relative path not found from the working
    folder, from its parent (so a notebook opened in ``notebooks/`` finds ``data/sample``).

    Raises
    ------
    ReportError
        If neither exists.
    """
    p = Path(data).expanduser()
    if p.exists():
        return p.resolve()
    if not p.is_absolute() and (Path.cwd().parent / p).exists():
        return (Path.cwd().parent / p).resolve()
    raise ReportError(f"data folder not found: {data} (working folder {Path.cwd()})")


def latest_date(recs: Any) -> _dt.date:
    """The latest date anywhere in the submissions (submitted, allocated, assessed, result).

    This is the default "as of" date of a report: the data's own clock, never the
    machine's (:func:`cmalt_qa._analysis.latest_date`, as for the analyses).

    Raises
    ------
    ReportError
        If the submissions hold no date.
    """
    try:
        return _analysis.latest_date(recs.submissions).date()
    except ValueError:
        raise ReportError("the data holds no dated submissions") from None


def _windows(recs: Any) -> list[str]:
    w = recs.submissions.get("window")
    if w is None or w.dropna().empty:
        raise ReportError("the data holds no submissions with a reporting period (window)")
    return sorted(w.dropna().astype(str).unique())


def _check_window(name: str, value: str, windows: Sequence[str]) -> str:
    if value not in windows:
        raise ReportError(f"unknown {name} {value!r}; windows in the data: {', '.join(windows)}")
    return value


def resolve(
    kind: str,
    recs: Any,
    *,
    window: str | None = None,
    as_of: str | None = None,
    first_window: str | None = None,
    pathway: str | None = None,
) -> dict[str, Any]:
    """Check a report's parameters against the data and fill in the defaults.

    Parameters
    ----------
    kind : {"window", "sections", "trends"}
    recs : Records
    window : str, optional
        ``window``: the period reported (default: the latest in the data). ``sections``
        and ``trends``: the last period covered (default: the latest).
    as_of : str, optional
        ``window`` only: ISO date of the report (default: the latest date in the data).
    first_window : str, optional
        ``sections`` only: the first period covered (default: nine periods, three years,
        up to ``window``).
    pathway : str, optional
        ``sections`` only: one pathway (ACMALT, CMALT, SCMALT); all when None.

    Returns
    -------
    dict
        ``window``: ``window``, ``as_of``. ``sections``: ``first_window``,
        ``last_window``, ``pathway``. ``trends``: ``first_window``, ``last_window``.
        Windows and dates are strings.

    Raises
    ------
    ReportError
        For an unknown kind, window or pathway, an unreadable date, or an option that
        the kind does not take; the message lists the valid values.
    """
    from .scheme import PATHWAYS

    if kind not in KINDS:
        raise ReportError(f"unknown report {kind!r}; reports: {', '.join(KINDS)}")
    windows = _windows(recs)
    last = _check_window("window", window, windows) if window else windows[-1]
    if kind != "window" and as_of:
        raise ReportError(f"--as-of applies to the window report only, not {kind!r}")
    if kind != "sections" and (first_window or pathway):
        raise ReportError(
            f"--first-window and --pathway apply to the sections report only, not {kind!r}"
        )
    if kind == "window":
        latest = latest_date(recs)
        if as_of:
            try:
                day = _dt.date.fromisoformat(str(as_of).strip())
            except ValueError:
                raise ReportError(
                    f"--as-of must be an ISO date (YYYY-MM-DD), got {as_of!r}"
                ) from None
            first = pd.to_datetime(recs.submissions["submitted_on"]).min().date()
            if day < first:
                raise ReportError(
                    f"--as-of {day} is before the first submission in the data ({first})"
                )
        else:
            day = latest
        return {"window": last, "as_of": day.isoformat()}
    upto = [w for w in windows if w <= last]
    if kind == "trends":
        return {"first_window": upto[0], "last_window": last}
    if first_window:
        first_w = _check_window("first window", first_window, windows)
        if first_w > last:
            raise ReportError(f"the first window {first_w} is after the last window {last}")
    else:
        first_w = upto[max(0, len(upto) - SECTIONS_SPAN)]
    if pathway:
        code = str(pathway).strip().upper()
        if code not in PATHWAYS:
            raise ReportError(f"unknown pathway {pathway!r}; pathways: {', '.join(PATHWAYS)}")
        pathway = code
    return {"first_window": first_w, "last_window": last, "pathway": pathway or None}


def report_stem(kind: str, params: Mapping[str, Any]) -> str:
    """File name stem ``<kind>-<params>`` of a report, e.g. ``window-2026-09-as-of-2026-10-20``."""
    if kind == "window":
        return f"window-{params['window']}-as-of-{params['as_of']}"
    stem = f"{kind}-{params['first_window']}-to-{params['last_window']}"
    if params.get("pathway"):
        stem += f"-{params['pathway']}"
    return stem


def notebook_path(kind: str) -> Path:
    """The source notebook of a report kind.

    Raises
    ------
    ReportError
        For an unknown kind or when the notebook cannot be found.
    """
    if kind not in KINDS:
        raise ReportError(f"unknown report {kind!r}; reports: {', '.join(KINDS)}")
    for d in _NOTEBOOK_DIRS:
        if (d / f"{kind}.ipynb").is_file():
            return d / f"{kind}.ipynb"
    raise ReportError(f"notebook {kind}.ipynb not found in {', '.join(map(str, _NOTEBOOK_DIRS))}")


# --------------------------------------------------------------------------- runner
def run_report(
    kind: Kind,
    data: str | Path = "data/sample",
    window: str | None = None,
    as_of: str | None = None,
    out: str | Path = "reports",
    min_count: int = 5,
    *,
    first_window: str | None = None,
    pathway: str | None = None,
    n_boot: int = 1000,
    progress: bool = True,
    execution_timeout: int | None = None,
    log: TextIO | None = None,
) -> Path:
    """Run a report notebook with papermill and write its HTML and executed notebook.

    Parameters
    ----------
    kind : {"window", "sections", "trends"}
    data : str or Path
        Dataset folder or ``.xlsx`` workbook.
    window, as_of, first_window, pathway
        See :func:`resolve` (checked against the data before anything runs).
    out : str or Path
        Output folder (created if needed).
    min_count : int
        Smallest count the committee and research reports publish (disclosure control).
    n_boot : int
        Bootstrap replicates for the agreement intervals.
    progress : bool
        Show papermill's progress bar (on stderr).
    execution_timeout : int, optional
        Seconds a cell may run; no limit when None.
    log : text stream, optional
        Where to write what was written (default ``sys.stderr``).

    Returns
    -------
    Path
        The HTML report, ``<out>/<kind>-<params>.html``; the executed notebook is beside
        it with the suffix ``.ipynb`` (and for ``trends`` the tidy tables as ``.csv``).

    Raises
    ------
    ReportError
        Bad parameters or data (nothing is run).
    ReportFailed
        A cell failed; the message names the cell and the error, and the partial
        notebook is kept.
    """
    from . import __version__
    from ._report_kernel import KERNEL_NAME, isolated_kernel
    from .records import RecordsError, load

    log = log or sys.stderr
    if kind not in KINDS:
        raise ReportError(f"unknown report {kind!r}; reports: {', '.join(KINDS)}")
    if int(min_count) < 1:
        raise ReportError(f"--min-count must be at least 1, got {min_count}")
    if int(n_boot) < 1:
        raise ReportError(f"--n-boot must be at least 1, got {n_boot}")
    source = notebook_path(kind)
    path = resolve_data_path(data)
    try:
        recs = load(path)
    except (RecordsError, OSError) as exc:
        raise ReportError(f"cannot load {path}: {exc}") from exc
    params = resolve(
        kind, recs, window=window, as_of=as_of, first_window=first_window, pathway=pathway
    )
    out_dir = Path(out).expanduser().resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(kind, params)
    ipynb, html = out_dir / f"{stem}.ipynb", out_dir / f"{stem}.html"
    nb_params: dict[str, Any] = {"data": str(path), **params, "n_boot": int(n_boot)}
    if kind != "window":
        nb_params["min_count"] = int(min_count)
    if kind == "sections":
        nb_params["pathway"] = params["pathway"] or ""
    if kind == "trends":
        del nb_params["first_window"]  # trends start at the first period in the data
        nb_params["csv_path"] = str(out_dir / f"{stem}.csv")
    print(f"cmalt-qa {__version__}: {kind} report, {nb_params}", file=log)
    with isolated_kernel() as km:
        # Start the kernel before importing papermill (which imports nbformat and its
        # JSON-schema checkers, about a second): the kernel boots meanwhile, on the other
        # core, instead of after. nbclient uses a kernel manager's running kernel as it
        # is (it starts one only when the manager has none), so the notebook runs in
        # this kernel, in the output folder as before.
        km.start_kernel(cwd=str(out_dir))
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError

        # The HTML exporter (nbconvert's import, the template's compilation) is made
        # ready in a thread while the kernel works: the main thread mostly waits on the
        # kernel's sockets meanwhile.
        exporter = _warm_exporter()
        try:
            executed = pm.execute_notebook(
                str(source),
                str(ipynb),
                parameters=nb_params,
                km=km,
                kernel_name=KERNEL_NAME,
                progress_bar=progress,
                cwd=str(out_dir),
                execution_timeout=execution_timeout,
                # papermill rewrites the whole notebook before and after every cell (34
                # writes of a notebook growing to ~1 MB, ~0.1 s, while the kernel
                # waits). Without them the notebook is written once at the end, or with
                # the failing cell's error when a cell fails. A cell that times out
                # raises past papermill's error handling, so with a timeout the
                # per-cell saves stay on and the partial notebook is still kept.
                request_save_on_cell_execute=execution_timeout is not None,
            )
        except PapermillExecutionError as exc:
            first_line = next((ln for ln in str(exc.source).splitlines() if ln.strip()), "")
            raise ReportFailed(
                f"cell {exc.cell_index} (In [{exc.exec_count}]: {first_line.strip()!r}) "
                f"failed: {exc.ename}: {exc.evalue}\npartial notebook kept: {ipynb}",
                ipynb,
                exc.cell_index,
            ) from None
    # papermill returns the notebook it has just written to ``ipynb``: no need to read
    # it back.
    page = exporter.result().export_html(executed, title=_TITLES[kind] + f" ({stem})")
    html.write_text(page, encoding="utf-8")
    for problem in exporter.result().audit_html(page):
        print(f"warning: accessibility: {problem}", file=log)
    print(f"wrote {html}\nwrote {ipynb}", file=log)
    return html


def _warm_exporter() -> Future[Any]:
    """The :mod:`cmalt_qa._report_html` module, imported and warmed up in a thread.

    :func:`cmalt_qa._report_html.warm_up` builds the exporter and compiles its template;
    the first export otherwise pays for both. ``result()`` gives the module (and
    re-raises anything the warm-up raised).
    """
    import concurrent.futures
    import threading

    future: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def work() -> None:
        try:
            from . import _report_html

            _report_html.warm_up()
            future.set_result(_report_html)
        except BaseException as exc:  # handed to the caller by result()
            future.set_exception(exc)

    threading.Thread(target=work, name="cmalt-qa-html-warm-up", daemon=True).start()
    return future


_TITLES: Final[Mapping[str, str]] = {
    "window": "CMALT window report (staff only)",
    "sections": "CMALT sections report for the committee",
    "trends": "CMALT trends report",
}


# --------------------------------------------------------------------------- command line
def add_report_parser(subparsers: Any) -> Any:
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
    p.add_argument("kind", metavar="KIND", help=f"one of: {', '.join(KINDS)}")
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
    p.set_defaults(func=report_command)
    return p


def report_command(args: Any) -> int:
    """Run ``cmalt-qa report`` from parsed arguments; returns the exit status.

    0 on success; 2 for bad parameters or data (message on stderr, nothing run); 1 when
    a cell fails (the cell and error on stderr, the partial notebook kept).
    """
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
            progress=getattr(args, "progress", True),
        )
    except ReportError as exc:
        print(f"cmalt-qa report: error: {exc}", file=sys.stderr)
        return 2
    except ReportFailed as exc:
        print(f"cmalt-qa report: failed: {exc}", file=sys.stderr)
        return 1
    print(html)
    return 0
