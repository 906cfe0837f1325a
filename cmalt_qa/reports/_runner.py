"""The report runner: a notebook executed by papermill in an isolated kernel, exported to HTML.

:func:`run_report` checks the parameters against the data
(:mod:`cmalt_qa.reports._params`), runs the notebook in an isolated kernel
(:mod:`cmalt_qa.reports._kernel`) and writes ``<out>/<kind>-<params>.html`` beside the
executed ``.ipynb``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

from ._params import (
    KINDS,
    Kind,
    ReportError,
    notebook_path,
    report_stem,
    resolve,
    resolve_data_path,
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
    from .. import __version__
    from ..records import RecordsError, load
    from ._kernel import KERNEL_NAME, isolated_kernel

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
    audit_path = out_dir / f"{stem}.disclosure.json"
    if kind != "window":
        # Published reports: one disclosure step, audited with what the ledger says was
        # published before; the notebook writes its outcome to audit_path.
        from ..disclosure import Ledger

        audit_path.unlink(missing_ok=True)
        nb_params["ledger"] = str(out_dir / Ledger.NAME)
        nb_params["audit_path"] = str(audit_path)
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
    if kind != "window":
        _check_disclosure(kind, audit_path, ipynb)
    page = exporter.result().export_html(executed, title=_TITLES[kind] + f" ({stem})")
    html.write_text(page, encoding="utf-8")
    if kind != "window":
        from ._published import finish_publication

        finish_publication(kind, stem, out_dir, audit_path)
    for problem in exporter.result().audit_html(page):
        print(f"warning: accessibility: {problem}", file=log)
    print(f"wrote {html}\nwrote {ipynb}", file=log)
    return html


def _check_disclosure(kind: str, audit_path: Path, ipynb: Path) -> None:
    """Refuse to write a published report whose disclosure audit did not run or pass."""
    import json

    ok = False
    if audit_path.is_file():
        ok = bool(json.loads(audit_path.read_text(encoding="utf-8")).get("passed"))
    if not ok:
        raise ReportFailed(
            f"the {kind} report's disclosure audit did not run or did not pass "
            f"({audit_path.name}); no HTML written (docs/disclosure.md)",
            ipynb,
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
