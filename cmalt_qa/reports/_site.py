"""``cmalt-qa report all``: every period's reports in one folder, rebuilt incrementally.

The site holds the window report (staff only) of every reporting period, the committee
(``sections``) and research (``trends``) reports, and ``index.html`` listing the periods
with their headline figures and links. ``manifest.json`` records, per report, a
fingerprint of everything it is made from: the rows it reads (submissions up to its
report date, their ratings, the assessors and the problems list), its parameters, the
notebook and the toolkit version. A re-run after a new export runs only the reports
whose fingerprint changed (or whose files are missing).

Reports run in ``workers`` processes, each with one kernel kept for all its reports:
the kernel's start and the imports (most of a single report's time) are paid once per
worker, not once per report (see ``benchmarks/bench_site.py``).

Each past period is reported as of the day its last promise fell due (capped at the
data's last date): "how the period went" once every result was due. The latest period
is reported as of the data's last date, like ``cmalt-qa report window``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import html as _html
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

import pandas as pd

from . import _format as fmt

__all__ = ["Job", "plan_site", "build_site", "run_jobs", "fingerprint", "index_html", "MANIFEST"]

MANIFEST: Final[str] = "manifest.json"


@dataclasses.dataclass(frozen=True)
class Job:
    """One report of the site."""

    kind: str
    stem: str
    params: dict[str, Any]  # the notebook's parameters
    fingerprint: str


def _frame_digest(h: Any, frame: pd.DataFrame) -> None:
    h.update(str(list(frame.columns)).encode())
    h.update(pd.util.hash_pandas_object(frame.astype(str), index=False).values.tobytes())


def fingerprint(
    recs: Any,
    kind: str,
    params: Mapping[str, Any],
    notebook: Path,
    *,
    upto: pd.Timestamp | None = None,
) -> str:
    """sha256 of what a report is made from.

    The submissions submitted by ``upto`` (all when None) and their ratings, the
    assessors and problems tables, the parameters (without the data path or output
    names), the notebook's source and the toolkit version.
    """
    from .. import __version__

    h = hashlib.sha256()
    h.update(f"cmalt-qa {__version__}\n{kind}\n".encode())
    h.update(notebook.read_bytes())
    keep = {
        k: v for k, v in params.items() if k not in ("data", "csv_path", "ledger", "audit_path")
    }
    h.update(json.dumps(keep, sort_keys=True, default=str).encode())
    subs = recs.submissions
    if upto is not None:
        subs = subs[pd.to_datetime(subs["submitted_on"]) <= upto]
    subs = subs.sort_values("submission_id")
    rat = recs.ratings[recs.ratings["submission_id"].isin(subs["submission_id"])]
    for frame in (
        subs,
        rat.sort_values(["submission_id", "section"]),
        recs.assessors,
        recs.problems,
    ):
        _frame_digest(h, frame.reset_index(drop=True))
    return h.hexdigest()


def _past_as_of(recs: Any, window: str, latest: _dt.date) -> _dt.date:
    s = recs.submissions
    due = pd.to_datetime(s.loc[s["window"].astype(str) == window, "promise_due"]).max()
    if pd.isna(due):
        return latest
    return min(due.date(), latest)


def plan_site(
    recs: Any,
    data: Path,
    out: Path,
    *,
    min_count: int = 5,
    n_boot: int = 1000,
    periods: int | None = None,
    dates: str = "auto",
    log: TextIO | None = None,
) -> list[Job]:
    """The reports of a site, with their parameters and fingerprints (nothing is run).

    ``periods``: the window reports of the latest ``periods`` periods only (all when None).
    ``dates``: how the notebooks read numeric dates (as ``recs`` were read). A committee or
    research report with no decided submission in its span gets a note on ``log``
    (default ``sys.stderr``), as ``cmalt-qa report`` prints.
    """
    from ._params import (
        latest_date,
        notebook_parameters,
        notebook_path,
        report_stem,
        resolve,
        undecided,
    )

    latest = latest_date(recs)
    windows = sorted(recs.submissions["window"].dropna().astype(str).unique())
    if periods is not None:
        windows = windows[-max(1, int(periods)) :]
    jobs: list[Job] = []
    for i, kind in enumerate(("window",) * len(windows) + ("sections", "trends")):
        if kind == "window":
            w = windows[i]
            day = latest if w == windows[-1] else _past_as_of(recs, w, latest)
            params = resolve("window", recs, window=w, as_of=day.isoformat())
            upto = pd.Timestamp(day)
        else:
            params, upto = resolve(kind, recs), None
            empty = undecided(kind, recs, params)
            if empty:
                print(f"note: {empty}", file=log or sys.stderr)
        stem = report_stem(kind, params)
        nb_params = notebook_parameters(
            kind, data, params, out / f"{stem}.csv", min_count=min_count, n_boot=n_boot
        )
        nb_params["dates"] = dates
        if kind != "window":
            # Published reports: audited against what the site published before
            # (docs/disclosure.md), as ``cmalt-qa report`` does.
            from ..disclosure import Ledger

            nb_params["ledger"] = str(out / Ledger.NAME)
            nb_params["audit_path"] = str(out / f"{stem}.disclosure.json")
        fp = fingerprint(recs, kind, nb_params, notebook_path(kind), upto=upto)
        jobs.append(Job(kind, stem, nb_params, fp))
    return jobs


# --------------------------------------------------------------------------- workers
# A worker is a child process ``python -m cmalt_qa.reports._site --worker SITE`` with one kernel
# for all its reports; it reads jobs as JSON lines on stdin and answers one JSON line per
# job. A plain subprocess, not multiprocessing: a spawned multiprocessing child re-imports
# the caller's main module, which a script without a main guard cannot survive.


def _start_kernel(out: str) -> tuple[Any, Any]:
    """This worker's kernel, started in ``out``; returns (manager, stop function)."""
    import contextlib

    from ._kernel import isolated_kernel

    stack = contextlib.ExitStack()
    km = stack.enter_context(isolated_kernel())
    km.start_kernel(cwd=out)
    # nbclient calls ``cleanup_resources`` on the manager after each notebook, which
    # with local (ipc) sockets removes the socket files the next notebook's client
    # needs; the kernel is cleaned up once, when the worker stops.
    real_cleanup = km.cleanup_resources
    km.cleanup_resources = lambda restart=False: None

    def stop() -> None:
        km.cleanup_resources = real_cleanup
        stack.close()

    return km, stop


def _run_one(km: Any, out: Path, job: Mapping[str, Any]) -> dict[str, Any]:
    """Run one report in the worker's kernel and write its HTML (atomically)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from . import _html
    from ._kernel import KERNEL_NAME
    from ._runner import _TITLES, ReportFailed, _check_disclosure, _drop_audit

    t0 = time.perf_counter()
    stem = job["stem"]
    ipynb, html = out / f"{stem}.ipynb", out / f"{stem}.html"
    audit = job["params"].get("audit_path")
    if audit:
        Path(audit).unlink(missing_ok=True)
    try:
        executed = pm.execute_notebook(
            job["source"],
            str(ipynb),
            parameters=job["params"],
            km=km,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            cwd=str(out),
            request_save_on_cell_execute=False,
        )
    except PapermillExecutionError as exc:
        # the partial notebook is not the report: kept as .failed.ipynb, as the runner does
        if ipynb.exists():
            os.replace(ipynb, out / f"{stem}.failed.ipynb")
        if audit:
            _drop_audit(Path(audit))
        return {"stem": stem, "error": f"cell {exc.cell_index} failed: {exc.ename}: {exc.evalue}"}
    if audit:
        try:
            _check_disclosure(job["kind"], Path(audit), ipynb, out / f"{stem}.failed.ipynb")
        except ReportFailed as exc:
            return {"stem": stem, "error": str(exc)}
    page = _html.export_html(executed, title=_TITLES[job["kind"]] + f" ({stem})")
    tmp = html.with_name(html.name + ".tmp")
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, html)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        return {"stem": stem, "error": f"cannot write {html}: {exc.strerror or exc}"}
    return {
        "stem": stem,
        "seconds": time.perf_counter() - t0,
        "problems": _html.audit_html(page),
    }


def _worker_main(out: str) -> int:
    """The worker loop: one job per stdin line, one answer per stdout line."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    sys.stdout = sys.stderr  # anything else printed must not mix with the answers
    km, stop = _start_kernel(out)
    try:
        for line in sys.stdin:
            if line.strip():
                answers.write(json.dumps(_run_one(km, Path(out), json.loads(line))) + "\n")
    finally:
        stop()
    return 0


def run_jobs(
    jobs: Sequence[Job],
    out: Path,
    *,
    workers: int = 2,
    log: TextIO | None = None,
) -> list[dict[str, Any]]:
    """Run reports in ``workers`` processes, each keeping one kernel for all its reports.

    Returns one answer per job (``stem`` and ``seconds``, ``problems``; or ``error``).
    """
    import queue
    import subprocess
    import threading

    from ._params import notebook_path

    log = log or sys.stderr
    todo: queue.Queue[Job] = queue.Queue()
    for j in jobs:
        todo.put(j)
    answers: list[dict[str, Any]] = []
    lock = threading.Lock()

    def drive() -> None:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cmalt_qa.reports._site", "--worker", str(out)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        assert proc.stdin is not None and proc.stdout is not None  # pipes asked for above
        try:
            while True:
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    break
                msg = {
                    "kind": job.kind,
                    "stem": job.stem,
                    "params": job.params,
                    "source": str(notebook_path(job.kind)),
                }
                proc.stdin.write(json.dumps(msg) + "\n")
                proc.stdin.flush()
                line = proc.stdout.readline()
                answer = json.loads(line) if line else {"stem": job.stem, "error": "worker died"}
                with lock:
                    if "error" not in answer and "audit_path" in job.params:
                        # one writer of the publication ledger at a time
                        from ._published import finish_publication

                        finish_publication(job.kind, job.stem, out, Path(job.params["audit_path"]))
                    answers.append(answer)
                    if "error" in answer:
                        print(f"failed: {job.stem}: {answer['error']}", file=log)
                    else:
                        for p in answer["problems"]:
                            print(f"warning: {job.stem}: accessibility: {p}", file=log)
                        print(
                            f"wrote {out / (job.stem + '.html')} ({answer['seconds']:.1f} s)",
                            file=log,
                        )
                if not line:
                    break
        finally:
            proc.stdin.close()
            proc.wait()

    threads = [threading.Thread(target=drive) for _ in range(max(1, min(workers, len(jobs))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


# --------------------------------------------------------------------------- index
def _headlines(recs: Any, as_of: _dt.date, min_n: int) -> pd.DataFrame:
    """Per period: within-promise share (with interval), first-attempt referral rate, open."""
    from .. import referrals, turnaround

    t = turnaround.summary(recs, by=("window",), as_of=as_of.isoformat())
    o = referrals.outcomes(recs, by=("window",))
    t = t.set_index(t["window"].astype(str))
    o = o.set_index(o["window"].astype(str))
    rows = []
    for w in t.index:
        tr, oc = t.loc[w], (o.loc[w] if w in o.index else None)
        small_t = tr["returned"] < min_n
        small_o = oc is None or oc["n"] < min_n
        rows.append(
            {
                "window": w,
                "submissions": fmt.count(tr["n"]),
                "within": fmt.TOO_FEW
                if small_t
                else fmt.estimate(
                    tr["within_promise"], tr["within_promise_ci_low"], tr["within_promise_ci_high"]
                ),
                "referral": fmt.TOO_FEW
                if small_o
                else fmt.estimate(oc["rate"], oc["ci_low"], oc["ci_high"]),
                "open": fmt.count(tr["open"]),
            }
        )
    return pd.DataFrame(rows)


FAILED_REASON_CHARS: Final[int] = 300
"""A failed report's reason is shown in the index up to this many characters."""


def _report_link(job: Job, text: str, mark: str, failed: Mapping[str, str]) -> str:
    """A link to a report; a report that failed to build is shown as failed, with the
    reason and no link (an older file of the same name may still be on disk)."""
    esc = _html.escape
    if job.stem in failed:
        reason = " ".join(str(failed[job.stem]).split())
        if len(reason) > FAILED_REASON_CHARS:
            reason = reason[: FAILED_REASON_CHARS - 1] + "\u2026"
        return (
            f'{esc(text)}: <strong class="failed">failed to build</strong> '
            f'<span class="reason">({esc(reason)})</span>'
        )
    return f'<a href="{esc(job.stem)}.html">{esc(text)}</a> {mark}'


def index_html(
    recs: Any, jobs: Sequence[Job], *, min_n: int = 5, failed: Mapping[str, str] | None = None
) -> str:
    """The site's ``index.html``: the periods with their headline figures, and links.

    ``failed`` (stem -> reason): reports that failed to build, shown as failed with
    their reason instead of a link.
    """
    from ._params import latest_date

    esc = _html.escape
    failed = dict(failed or {})
    latest = latest_date(recs)
    heads = _headlines(recs, latest, min_n).set_index("window")
    win = {j.params["window"]: j for j in jobs if j.kind == "window"}
    staff, public = (
        '<span class="staff">staff only</span>',
        '<span class="public">for publication</span>',
    )
    rows = []
    for w in sorted(win, reverse=True):
        j, h = win[w], heads.loc[w]
        link = _report_link(j, f"window report as of {j.params['as_of']}", staff, failed)
        rows.append(
            f'<tr><th scope="row">{esc(w)}</th><td>{esc(h["submissions"])}</td>'
            f"<td>{esc(h['within'])}</td><td>{esc(h['referral'])}</td><td>{esc(h['open'])}</td>"
            f"<td>{link}</td></tr>"
        )
    others = "".join(
        f"<li>{_report_link(j, _LABEL[j.kind], public, failed)}</li>"
        for j in jobs
        if j.kind != "window"
    )
    from .. import __version__

    notice = (
        f'<p class="failed-notice" role="alert"><strong>{esc(fmt.plural(len(failed), "report"))} '
        f"failed to build</strong>: marked below, with the reason; the command line printed "
        "the same.</p>"
        if failed
        else ""
    )
    return _INDEX.format(
        notice=notice,
        latest=esc(str(latest)),
        rows="".join(rows),
        others=others,
        min_n=min_n,
        version=esc(__version__),
    )


_LABEL: Final[Mapping[str, str]] = {
    "sections": "Sections report for the committee",
    "trends": "Trends report for researchers (with a CSV of its tables)",
}

_INDEX: Final[str] = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CMALT reports: every period</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 72em; margin: 1em auto; padding: 0 1em;
  color: #1a1a1a; }}
table {{ border-collapse: collapse; }}
caption {{ text-align: left; font-weight: bold; padding-bottom: 0.3em; }}
th, td {{ border: 1px solid #767676; padding: 0.25em 0.6em; white-space: nowrap; }}
thead th {{ background: #e8e8e8; white-space: normal; }}
td {{ text-align: right; }}
.staff {{ color: #8a1c00; font-weight: bold; }}
.public {{ color: #0b5d1e; font-weight: bold; }}
.failed {{ color: #8a1c00; }}
.reason {{ white-space: normal; }}
td:last-child {{ text-align: left; white-space: normal; }}
.failed-notice {{ border: 3px solid #8a1c00; background: #fff4e5; padding: 0.4em 1em; }}
a {{ color: #0b3d91; }}
</style></head>
<body>
<h1>CMALT reports: every period</h1>
{notice}<p>Data to {latest}; toolkit cmalt-qa {version}. Reports marked <span class="staff">staff
only</span> name assessors and must not be published; those marked
<span class="public">for publication</span> passed disclosure control.</p>
<h2>Reporting periods</h2>
<table><caption>Headline figures per period (95% intervals); figures from fewer than
{min_n} portfolios read "too few to estimate"</caption>
<thead><tr><th scope="col">Period</th><th scope="col">Submissions</th>
<th scope="col">Returned within the promise</th><th scope="col">First-attempt referral rate</th>
<th scope="col">Open now</th><th scope="col">Report</th></tr></thead>
<tbody>{rows}</tbody></table>
<h2>Committee and research reports</h2>
<ul>{others}</ul>
</body></html>
"""


# --------------------------------------------------------------------------- build
def _read_manifest(out: Path) -> dict[str, Any]:
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _to_run(jobs: Sequence[Job], manifest: Mapping[str, Any], out: Path) -> list[Job]:
    built = manifest.get("reports", {})
    return [
        j
        for j in jobs
        if built.get(j.stem, {}).get("fingerprint") != j.fingerprint
        or not (out / f"{j.stem}.html").is_file()
    ]


def build_site(
    data: str | Path = "data/sample",
    out: str | Path = "site",
    *,
    min_count: int = 5,
    n_boot: int = 1000,
    workers: int = 2,
    periods: int | None = None,
    force: bool = False,
    dates: str = "auto",
    log: TextIO | None = None,
) -> dict[str, Any]:
    """Write every period's window report, the committee and research reports and an index.

    Parameters
    ----------
    data : str or Path
        Dataset folder or workbook.
    out : str or Path
        The site folder (created if needed).
    min_count, n_boot
        As for :func:`cmalt_qa.reports.run_report`.
    workers : int
        Processes running reports at once, each with its own kernel kept for all its
        reports.
    periods : int, optional
        Window reports of the latest ``periods`` periods only (default: every period).
    force : bool
        Rebuild every report, whatever the manifest says.
    dates : {"auto", "dayfirst", "monthfirst", "iso"}
        How numeric dates are read, for every report of the site, as
        :func:`cmalt_qa.reports.run_report`'s ``dates=``.

    Returns
    -------
    dict
        ``built`` (stems run), ``kept`` (stems up to date), ``seconds`` (wall clock),
        ``index`` (path of index.html).
    """
    from ._params import ReportError, notices, output_folder
    from ._runner import _load

    log = log or sys.stderr
    t0 = time.perf_counter()
    if int(min_count) < 1 or int(n_boot) < 1 or int(workers) < 1:
        raise ReportError("--min-count, --n-boot and --workers must be at least 1")
    if periods is not None and int(periods) < 1:
        raise ReportError(f"--periods must be at least 1, got {periods}")
    path, recs = _load(data, dates)  # refuses data with no valid submission left
    site = output_folder(out)  # one line for a file or a folder that cannot be written
    jobs = plan_site(
        recs, path, site, min_count=min_count, n_boot=n_boot, periods=periods, dates=dates,
        log=log,
    )  # fmt: skip
    for line in notices(recs, {}):
        print(f"note: {line}", file=log)
    manifest = {} if force else _read_manifest(site)
    todo = _to_run(jobs, manifest, site)
    print(
        f"cmalt-qa report all: {len(jobs)} reports, {len(todo)} to build "
        f"({len(jobs) - len(todo)} up to date)",
        file=log,
    )
    # The costly reports first, so that the workers finish together.
    todo.sort(key=lambda j: j.kind == "window")
    answers = run_jobs(todo, site, workers=workers, log=log) if todo else []
    built = [a["stem"] for a in answers if "error" not in a]
    failed = {a["stem"]: a["error"] for a in answers if "error" in a}
    from .. import __version__

    entry = {
        j.stem: {
            "kind": j.kind,
            "fingerprint": j.fingerprint,
            "params": {k: v for k, v in j.params.items() if k != "data"},
        }
        for j in jobs
        if j.stem not in failed
    }
    (site / "index.html").write_text(
        index_html(recs, jobs, min_n=min_count, failed=failed), encoding="utf-8"
    )
    tmp = site / (MANIFEST + ".tmp")
    tmp.write_text(
        json.dumps(
            {"toolkit": __version__, "data": str(path), "reports": entry}, indent=1, sort_keys=True
        ),
        encoding="utf-8",
    )
    os.replace(tmp, site / MANIFEST)
    secs = time.perf_counter() - t0
    print(
        f"wrote {site / 'index.html'} ({len(built)} built, {len(jobs) - len(todo)} kept, "
        + (f"{len(failed)} FAILED, " if failed else "")
        + f"{secs:.1f} s)",
        file=log,
    )
    return {
        "built": sorted(built),
        "kept": sorted(j.stem for j in jobs if j not in todo),
        "failed": failed,
        "seconds": secs,
        "index": site / "index.html",
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        sys.exit(_worker_main(sys.argv[2]))
    sys.exit("usage: python -m cmalt_qa.reports._site --worker SITE")
