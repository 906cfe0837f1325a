"""``cmalt-qa report`` refuses, up front, what it cannot report on (issue 13, the rest).

Through the command line as a user runs it (``cli.main``, in-process). Nothing here starts
a kernel: the runner's ``_execute`` and the site's ``run_jobs`` are replaced by stand-ins
that record being reached, so each test shows what happens *before* the long work.

- A dataset with no valid submission left (every row quarantined) is refused by every
  kind of report and by ``report all``: one line on stderr saying how many rows were kept
  out and by which rules, pointing to ``cmalt-qa validate``; nothing is written at --out.
- The near cases: a well-formed period whose rows were all kept out names them; a span
  and pathway with no submission is refused; a span with submissions but none decided
  runs (issue 18.2: the reports say what is missing) with a note on the command line.
- An unwritable --out (a path under a regular file, a folder the OS will not let us
  write, a full disk while writing) gets one line naming the path and the reason, before
  any kernel starts where that can be known.
- ``report all --dates`` reads every report's data as ``report KIND --dates`` does.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
import thin_data

import cmalt_qa as qa
from cmalt_qa import cli
from cmalt_qa.reports import _params, _runner, _site

KINDS = ("window", "sections", "trends", "all")
DATE_COLUMNS = ("submitted_on", "allocated_on", "assessed_on", "result_on")


class Reached(Exception):
    """Raised by the stand-ins: the command got as far as starting a kernel."""


@pytest.fixture(autouse=True)
def no_kernel(monkeypatch):
    """No kernel in this module: reaching one raises :class:`Reached` (single reports);
    ``report all`` gets a stand-in that builds nothing and returns the jobs it was given."""
    planned: list = []

    def execute(*args, **kwargs):
        raise Reached

    def run_jobs(jobs, out, **kwargs):
        planned.extend(jobs)
        return []

    monkeypatch.setattr(_runner, "_execute", execute)
    monkeypatch.setattr(_site, "run_jobs", run_jobs)
    return planned


def _rewrite(src: Path, dst: Path, change) -> Path:
    shutil.copytree(src, dst)
    subs = pd.read_csv(dst / "submissions.csv", dtype=str, keep_default_na=False)
    change(subs).to_csv(dst / "submissions.csv", index=False)
    return dst


def _day_first(subs: pd.DataFrame) -> pd.DataFrame:
    for c in DATE_COLUMNS:
        d = pd.to_datetime(subs[c].replace("", None), format="%Y-%m-%d")
        subs[c] = d.dt.strftime("%d/%m/%Y").fillna("")
    return subs


def _latest_unreadable(subs: pd.DataFrame) -> pd.DataFrame:
    late = subs["submitted_on"] >= "2026-06-01"  # the latest period, 2026-09
    assert late.any()
    subs.loc[late, "submitted_on"] = subs.loc[late, "submitted_on"].str.replace("-", "")
    return subs


def _unknown_pathway(subs: pd.DataFrame) -> pd.DataFrame:
    subs["pathway"] = "PGCert"
    return subs


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("refusals")
    iso = thin_data.small(root / "iso", 120)
    return {
        "iso": iso,
        "uk": _rewrite(iso, root / "uk", _day_first),
        "late": _rewrite(iso, root / "late", _latest_unreadable),
        "pgcert": _rewrite(iso, root / "pgcert", _unknown_pathway),
        "open": thin_data.all_open(root / "open"),
    }


def _run(capsys, kind: str, data: Path, out: Path, *extra: str) -> tuple[int, str]:
    argv = ["report", kind, "--data", str(data), "--out", str(out), "--n-boot", "5"]
    status = cli.main([*argv, "--no-progress", *extra])
    return status, capsys.readouterr().err


def _one_line(err: str) -> str:
    assert err.count("\n") == 1 and "Traceback" not in err and "Errno" not in err, err
    return err


# ----------------------------------------------------------- no valid submission left
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("case", "extra", "rule"),
    [("uk", ("--dates", "iso"), "bad_date"), ("pgcert", (), "unknown_code")],
)
def test_no_valid_submission_is_refused_up_front(data, tmp_path, capsys, kind, case, extra, rule):
    out = tmp_path / "out"
    status, err = _run(capsys, kind, data[case], out, *extra)
    assert status == 2
    _one_line(err)
    assert "no valid submission is left to report on" in err
    assert "all 120 submission rows were kept out of the figures" in err
    assert f"by rule: {rule} 120" in err
    assert f"cmalt-qa validate {data[case]}" in err
    assert not out.exists()  # nothing written, not even the folder


def test_validate_and_report_agree_on_it(data, capsys):
    assert cli.main(["validate", str(data["pgcert"])]) == 1
    assert "no valid submission is left" in capsys.readouterr().err


# ----------------------------------------------------------------- the near cases
@pytest.mark.parametrize("kind", ["window", "sections"])
def test_a_period_whose_rows_were_all_kept_out_says_so(data, tmp_path, capsys, kind):
    status, err = _run(capsys, kind, data["late"], tmp_path / "out", "--window", "2026-09")
    assert status == 2
    _one_line(err)
    assert "no valid submission in the window 2026-09" in err
    assert "windows in the data: 2019-01, " in err and ", 2026-05 (" in err
    assert "did you mean" not in err  # not a typo: the rows are there, kept out
    n = (qa.load(data["late"]).problems["rule"] == "bad_date").sum()
    assert f"({n} submission rows were kept out of the figures, by rule: bad_date {n}" in err
    assert f"cmalt-qa validate {data['late']}" in err
    assert not (tmp_path / "out").exists()


def test_a_pathway_with_no_submission_in_the_span_is_refused(data, tmp_path, capsys):
    subs = qa.load(data["iso"]).submissions
    have = set(zip(subs["window"], subs["pathway"], strict=True))
    window, pathway = next(
        (w, p) for w in sorted(subs["window"].unique(), reverse=True)
        for p in ("ACMALT", "CMALT", "SCMALT") if (w, p) not in have
    )  # fmt: skip
    extra = ("--first-window", window, "--window", window, "--pathway", pathway)
    status, err = _run(capsys, "sections", data["iso"], tmp_path / "out", *extra)
    assert status == 2
    _one_line(err)
    assert f"no submission from {window} to {window} on the {pathway} pathway" in err
    assert f"{pathway} submissions run from " in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["sections", "trends"])
def test_a_span_with_nothing_decided_runs_with_a_note(data, capsys, tmp_path, kind):
    # issue 18.2: the published reports run on valid thin data and say what is missing;
    # the command line says it first
    with pytest.raises(Reached):
        _run(capsys, kind, data["open"], tmp_path / "out")
    err = capsys.readouterr().err
    subs = qa.load(data["open"]).submissions
    first = "2024-01" if kind == "sections" else subs["window"].min()  # nine periods back
    n = int((subs["window"] >= first).sum())
    assert f"note: none of the {n} submissions from {first} to 2026-09 is decided yet " in err
    assert f"(no outcome or final rating): the {kind} report has no decisions to show" in err


def test_a_period_with_nothing_decided_is_the_window_report_s_daily_case(data, capsys, tmp_path):
    with pytest.raises(Reached):  # the open cases are the point: no refusal, no note
        _run(capsys, "window", data["open"], tmp_path / "out")
    assert "decided yet" not in capsys.readouterr().err


def test_the_site_notes_reports_with_nothing_decided(data, capsys, tmp_path, no_kernel):
    status, err = _run(capsys, "all", data["open"], tmp_path / "site")
    assert status == 0
    assert err.count("is decided yet") == 2  # sections and trends
    assert {j.kind for j in no_kernel} == {"window", "sections", "trends"}


# ----------------------------------------------------------------- unwritable --out
@pytest.mark.parametrize("kind", KINDS)
def test_out_under_a_regular_file_is_one_line_naming_it(data, tmp_path, capsys, kind):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    status, err = _run(capsys, kind, data["iso"], a_file / "reports")
    assert status == 2
    _one_line(err)
    assert f"cannot create the folder --out {a_file / 'reports'}" in err
    assert f"{a_file} is a file, not a folder; nothing was run" in err
    assert a_file.read_text() == "mine"


@pytest.mark.parametrize("kind", ["window", "all"])
def test_a_folder_that_cannot_be_written_is_one_line(data, tmp_path, capsys, monkeypatch, kind):
    # chmod does not stop root (CI runs as root): the write probe is made to fail as a
    # folder without permission makes it fail for anyone else
    def refuse(folder):
        raise PermissionError(errno.EACCES, "Permission denied", str(folder))

    monkeypatch.setattr(_params, "_probe_write", refuse)
    out = tmp_path / "locked"
    status, err = _run(capsys, kind, data["iso"], out)
    assert status == 2
    _one_line(err)
    assert f"cannot write to the folder --out {out}: permission denied; nothing was run" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod")
def test_a_folder_without_write_permission_is_one_line(data, tmp_path, capsys):
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o500)
    try:
        status, err = _run(capsys, "window", data["iso"], out)
    finally:
        out.chmod(0o700)
    assert status == 2 and "permission denied; nothing was run" in _one_line(err)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_folder_no_one_may_write_is_found_before_anything_runs(data, capsys):
    # /proc/self refuses new files even to root: os.access says yes, the probe says no
    status, err = _run(capsys, "window", data["iso"], Path("/proc/self"))
    assert status == 2
    assert "cannot write to the folder --out /proc/self" in _one_line(err)


def test_missing_parents_of_out_are_created(data, tmp_path, capsys, no_kernel):
    out = tmp_path / "a" / "b" / "reports"
    with pytest.raises(Reached):
        _run(capsys, "window", data["iso"], out)
    assert out.is_dir() and not list(out.iterdir())  # the lock is gone again
    site = tmp_path / "c" / "d" / "site"
    assert _run(capsys, "all", data["iso"], site)[0] == 0
    assert (site / "index.html").is_file()


def test_a_write_failing_late_is_one_line_and_leaves_nothing(data, tmp_path, capsys, monkeypatch):
    class Exporter:
        @staticmethod
        def export_html(nb, title):
            return "<html></html>"

    def execute(source, partial, *args, **kwargs):
        partial.write_text("{}")
        return {}, Exporter

    def full_disk(page, partial, html, ipynb):
        partial.unlink()
        raise OSError(errno.ENOSPC, "No space left on device", str(html))

    monkeypatch.setattr(_runner, "_execute", execute)
    monkeypatch.setattr(_runner, "_write_pair", full_disk)
    out = tmp_path / "out"
    status, err = _run(capsys, "window", data["iso"], out)
    assert status == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"cmalt-qa report: error: {out}") and "Traceback" not in err
    assert last.endswith(".html: no space left on device"), last
    assert not list(out.iterdir())


@pytest.mark.parametrize(
    ("where", "words"),
    [
        (lambda t: t / "notes.txt" / "p.csv", "notes.txt is a file, not a folder"),
        (lambda t: t / "nowhere" / "p.csv", "nowhere does not exist"),
        (lambda t: t, "is a folder; give a file name"),
    ],
)
def test_validate_problems_out_is_checked_before_reading(data, tmp_path, capsys, where, words):
    (tmp_path / "notes.txt").write_text("mine")
    status = cli.main(["validate", str(data["late"]), "--problems-out", str(where(tmp_path))])
    cap = capsys.readouterr()
    assert status == 1 and cap.out == ""  # refused before the data were read
    assert words in _one_line(cap.err)


@pytest.mark.parametrize("command", ["sample", "anonymise", "forms"])
@pytest.mark.parametrize("under", [False, True])
def test_other_commands_out_at_or_under_a_file_is_one_line(data, tmp_path, capsys, command, under):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    out = a_file / "x" if under else a_file
    key = tmp_path / "key.txt"
    argv = {
        "sample": ["sample", "--n", "20"],
        "anonymise": ["anonymise", str(data["iso"]), "--key-file", str(key), "--new-key"],
        "forms": ["forms", str(tmp_path), "--log", str(a_file), "--key-file", str(key)],
    }[command]
    assert cli.main([*argv, "--out", str(out)]) == 1
    err = _one_line(capsys.readouterr().err)
    words = f"{a_file} is a file, not a folder"
    assert (f"cannot create the folder --out {out}: {words}" if under else f"--out {words}") in err
    assert a_file.read_text() == "mine" and not key.exists()  # refused before any work


@pytest.mark.parametrize("kind", KINDS)
def test_out_at_a_file_and_a_missing_data_folder_for_every_kind(tmp_path, capsys, kind):
    a_file = tmp_path / "report.html"
    a_file.write_text("mine")
    status, err = _run(capsys, kind, thin_data.SAMPLE, a_file)
    assert status == 2 and f"--out {a_file} is a file, not a folder" in _one_line(err)
    status, err = _run(capsys, kind, tmp_path / "nowhere", tmp_path / "out")
    assert status != 0 and f"{tmp_path / 'nowhere'}: no such folder or workbook" in err
    assert a_file.read_text() == "mine" and not (tmp_path / "out").exists()


# ----------------------------------------------------------------- report all --dates
def _plan(jobs) -> list[tuple[str, str, dict]]:
    own = ("data", "dates", "csv_path", "ledger", "audit_path")
    return [(j.kind, j.stem, {k: v for k, v in j.params.items() if k not in own}) for j in jobs]


def test_report_all_reads_every_report_s_dates_as_asked(data, tmp_path, capsys, no_kernel):
    assert _run(capsys, "all", data["iso"], tmp_path / "iso")[0] == 0
    want = _plan(no_kernel)
    assert {j.params["dates"] for j in no_kernel} == {"auto"}
    no_kernel.clear()
    assert _run(capsys, "all", data["uk"], tmp_path / "uk", "--dates", "dayfirst")[0] == 0
    assert _plan(no_kernel) == want  # the same reports of the same periods
    assert {j.params["dates"] for j in no_kernel} == {"dayfirst"}  # read so in every notebook


def test_report_all_refuses_dates_it_cannot_read(data, tmp_path, capsys, no_kernel):
    status, err = _run(capsys, "all", data["uk"], tmp_path / "site", "--dates", "monthfirst")
    assert status == 2 and not no_kernel
    assert err.startswith(f"cmalt-qa report all: error: cannot load {data['uk']} with ")
    assert "--dates monthfirst: " in _one_line(err) and "validate" in err
    assert not (tmp_path / "site").exists()


# ------------------------------------------- issue 13's "done when", through the command line
_REAL_EXECUTE = _runner._execute


def test_the_command_line_says_what_was_kept_out_and_what_it_changes(data, tmp_path, capsys):
    with pytest.raises(Reached):
        _run(capsys, "window", data["late"], tmp_path / "out")
    err = capsys.readouterr().err
    n = (qa.load(data["late"]).problems["rule"] == "bad_date").sum()
    assert "note: " in err and "by rule: submission_quarantined: " in err
    assert f"bad_date: {n}." in err
    assert f"note: The latest {n} submissions (to 2026-09-" in err
    assert "were kept out; the report covers 2026-05 although the data run to 2026-09." in err


def test_the_command_line_warns_of_a_stale_export(data, tmp_path, capsys):
    end = qa.reports.latest_date(qa.load(data["iso"]))
    later = (pd.Timestamp(end) + pd.Timedelta(days=60)).date().isoformat()
    with pytest.raises(Reached):
        _run(capsys, "window", data["iso"], tmp_path / "out", "--as-of", later)
    err = capsys.readouterr().err
    assert f"warning: the export ends {end}; the report is as of {later}: cases shown " in err


def test_the_data_s_pathway_phrases_are_accepted(data, tmp_path, capsys):
    with pytest.raises(Reached):
        _run(capsys, "sections", data["iso"], tmp_path / "out", "--pathway", "Senior CMALT")
    assert "'pathway': 'SCMALT'" in capsys.readouterr().err


def test_the_report_s_first_screen_says_what_was_kept_out(data, tmp_path, monkeypatch):
    # the case: the newest rows unreadable, the report quietly a period behind
    from bs4 import BeautifulSoup
    from report_text import visible_text

    monkeypatch.setattr(_runner, "_execute", _REAL_EXECUTE)
    out = tmp_path / "out"
    argv = ["report", "window", "--data", str(data["late"]), "--out", str(out)]
    assert cli.main([*argv, "--n-boot", "5", "--no-progress"]) == 0
    (page,) = out.glob("window-*.html")
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    top = visible_text(str(soup.find(id="act-now").parent))
    assert "kept out of the figures" in top and "bad_date" in top
    assert "the report covers 2026-05 although the data run to 2026-09" in top
    text = visible_text(str(soup))
    assert text.index("kept out of the figures") < text.index("Submissions by pathway")
