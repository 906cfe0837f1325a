"""The report runner: a notebook executed by papermill in an isolated kernel, exported to HTML.

:func:`run_report` checks the parameters against the data
(:mod:`cmalt_qa.reports._params`), runs the notebook in an isolated kernel
(:mod:`cmalt_qa.reports._kernel`) and writes ``<out>/<kind>-<params>.html`` beside the
executed ``.ipynb``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

from ._params import (
    Kind,
    ReportError,
    check_kind,
    check_reportable,
    data_checksum,
    freshness,
    notebook_path,
    notices,
    output_folder,
    report_stem,
    resolve,
    resolve_data_path,
    undecided,
)

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["ReportFailed", "run_report"]


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
    dates: str = "auto",
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
    dates : {"auto", "dayfirst", "monthfirst", "iso"}
        How numeric dates are read, as :func:`cmalt_qa.load`'s ``dates=``; a file the
        mode cannot read is refused (``ReportError``, nothing run).
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
    from .. import __version__

    log = log or sys.stderr
    check_kind(kind)
    for name, value in (("--min-count", min_count), ("--n-boot", n_boot)):
        if int(value) < 1:
            raise ReportError(f"{name} must be at least 1, got {value}")
    source = notebook_path(kind)
    path, recs = _load(data, dates)
    params = resolve(
        kind, recs, window=window, as_of=as_of, first_window=first_window, pathway=pathway
    )
    out_dir = output_folder(out)
    stem = report_stem(
        kind, params, min_count=int(min_count), n_boot=int(n_boot), checksum=data_checksum(recs)
    )
    if dates != "auto":  # the same files read another way are another report
        stem += f"-dates-{dates}"
    nb_params = _notebook_parameters(kind, path, params, int(min_count), int(n_boot))
    nb_params["dates"] = dates
    if kind == "trends":
        nb_params["csv_path"] = str(out_dir / f"{stem}.csv")
    audit_path = out_dir / f"{stem}.disclosure.json"
    if kind != "window":
        nb_params.update(_disclosure_parameters(out_dir, audit_path))
    print(f"cmalt-qa {__version__}: {kind} report, {nb_params}", file=log)
    stale = freshness(recs, params["as_of"]) if kind == "window" else None
    if stale:
        print(f"warning: {stale}", file=log)
    for line in notices(recs, params):
        if not (stale and line.startswith("The export ends")):
            print(f"note: {line}", file=log)
    empty = undecided(kind, recs, params)
    if empty:
        print(f"note: {empty}", file=log)
    with _claim(out_dir, stem):
        partial = out_dir / f".{stem}.partial.ipynb"
        executed, exporter = _execute(source, partial, nb_params, out_dir, progress,
                                      execution_timeout, failed=out_dir / f"{stem}.failed.ipynb")  # fmt: skip
        if kind != "window":
            _check_disclosure(kind, audit_path, partial, out_dir / f"{stem}.failed.ipynb")
        page = exporter.export_html(executed, title=_TITLES[kind] + f" ({stem})")
        html, ipynb = out_dir / f"{stem}.html", out_dir / f"{stem}.ipynb"
        _write_pair(page, partial, html, ipynb)
        if kind != "window":
            from ._published import finish_publication

            finish_publication(kind, stem, out_dir, audit_path)
    for problem in exporter.audit_html(page):
        print(f"warning: accessibility: {problem}", file=log)
    print(f"wrote {html}\nwrote {ipynb}", file=log)
    return html


def _load(data: str | Path, dates: str = "auto") -> tuple[Path, Any]:
    """The dataset's resolved location and its records; a refusal is a ReportError."""
    from .._dates import DATE_MODES
    from ..records import RecordsError, load

    if dates not in DATE_MODES:
        raise ReportError(f"--dates must be one of {', '.join(DATE_MODES)}, got {dates!r}")
    path = resolve_data_path(data)
    try:
        recs = load(path, dates=dates)
    except (RecordsError, OSError) as exc:
        raise ReportError(f"cannot load {path}: {exc}") from exc
    check_reportable(recs, path, dates)
    _refuse_unread_dates(path, recs, dates)
    return path, recs


def _refuse_unread_dates(path: Path, recs: Any, dates: str) -> None:
    """Refuse data whose dates the ``dates`` mode could not read for most of a file (e.g.
    ``--dates monthfirst`` on day-first dates), with the line ``validate`` prints, rather
    than report on what little is left."""
    from .._summary import headline

    top = headline(recs)
    if top and "[bad_date]" in top:
        raise ReportError(
            f"cannot load {path} with --dates {dates}: {top}; `cmalt-qa validate {path} "
            f"--dates {dates}` lists each row"
        )


def _notebook_parameters(
    kind: str, path: Path, params: Mapping[str, Any], min_count: int, n_boot: int
) -> dict[str, Any]:
    """The values given to the notebook's parameters cell."""
    nb_params: dict[str, Any] = {"data": str(path), **params, "n_boot": n_boot}
    if kind != "window":
        nb_params["min_count"] = min_count
    if kind == "sections":
        nb_params["pathway"] = params["pathway"] or ""
    if kind == "trends":
        del nb_params["first_window"]  # trends start at the first period in the data
    return nb_params


@contextlib.contextmanager
def _claim(out_dir: Path, stem: str) -> Iterator[None]:
    """Hold ``<out>/.<stem>.lock`` while a report is made: a second run of the same report
    into the same folder stops with a ReportError instead of both claiming success.

    The lock file is created exclusively (``O_EXCL``) and removed on exit; one left by a
    killed run names its process, and is taken over when that process is gone.
    """
    lock = out_dir / f".{stem}.lock"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            if _holder_alive(lock):
                raise ReportError(
                    f"another run is writing this report into {out_dir} "
                    f"(lock {lock.name}); wait for it, or use another --out"
                ) from None
            lock.unlink(missing_ok=True)  # left by a run that was killed
    else:
        raise ReportError(f"cannot take the lock {lock}")
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


def _holder_alive(lock: Path) -> bool:
    try:
        pid = int(lock.read_text().strip() or "0")
    except (OSError, ValueError):
        return True  # being written just now: treat as held
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _execute(
    source: Path,
    partial: Path,
    nb_params: Mapping[str, Any],
    out_dir: Path,
    progress: bool,
    execution_timeout: int | None,
    *,
    failed: Path,
) -> tuple[Any, Any]:
    """Run the notebook into ``partial``; return it and the warmed HTML exporter module.

    A failing cell raises :class:`ReportFailed` with the partial notebook moved to
    ``failed``: the report of an earlier run, if any, stays as it was, both files.
    """
    from ._kernel import KERNEL_NAME, isolated_kernel

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
                str(partial),
                parameters=dict(nb_params),
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
            os.replace(partial, failed)
            first_line = next((ln for ln in str(exc.source).splitlines() if ln.strip()), "")
            raise ReportFailed(
                f"cell {exc.cell_index} (In [{exc.exec_count}]: {first_line.strip()!r}) "
                f"failed: {exc.ename}: {exc.evalue}\npartial notebook kept: {failed}",
                failed,
                exc.cell_index,
            ) from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return executed, exporter.result()


def _write_pair(page: str, partial: Path, html: Path, ipynb: Path) -> None:
    """Put the HTML and the executed notebook in place together.

    The page goes to a temporary file in the same folder first (a full disk fails there,
    never under the final name); then both are renamed, which is atomic on one file
    system. A report of an earlier run is replaced only when both new files exist.
    """
    tmp = html.with_name(f".{html.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(page)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, ipynb)
        os.replace(tmp, html)
    finally:
        tmp.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)


def _disclosure_parameters(out_dir: Path, audit_path: Path) -> dict[str, str]:
    """Published reports: one disclosure step, audited with what the ledger says was
    published before; the notebook writes its outcome to ``audit_path``."""
    from ..disclosure import Ledger

    audit_path.unlink(missing_ok=True)
    return {"ledger": str(out_dir / Ledger.NAME), "audit_path": str(audit_path)}


def _check_disclosure(kind: str, audit_path: Path, partial: Path, failed: Path) -> None:
    """Refuse to write a published report whose disclosure audit did not run or pass
    (the executed notebook is kept as ``failed``)."""
    import json

    ok = False
    if audit_path.is_file():
        ok = bool(json.loads(audit_path.read_text(encoding="utf-8")).get("passed"))
    if not ok:
        os.replace(partial, failed)
        raise ReportFailed(
            f"the {kind} report's disclosure audit did not run or did not pass "
            f"({audit_path.name}); no HTML written (docs/disclosure.md)",
            failed,
        )


def _warm_exporter() -> Future[Any]:
    """The :mod:`cmalt_qa.reports._html` module, imported and warmed up in a thread.

    :func:`cmalt_qa.reports._html.warm_up` builds the exporter and compiles its template;
    the first export otherwise pays for both. ``result()`` gives the module (and
    re-raises anything the warm-up raised).
    """
    import concurrent.futures
    import threading

    future: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def work() -> None:
        try:
            from . import _html

            _html.warm_up()
            future.set_result(_html)
        except BaseException as exc:  # handed to the caller by result()
            future.set_exception(exc)

    threading.Thread(target=work, name="cmalt-qa-html-warm-up", daemon=True).start()
    return future


_TITLES: Final[Mapping[str, str]] = {
    "window": "CMALT window report (staff only)",
    "sections": "CMALT sections report for the committee",
    "trends": "CMALT trends report",
}
