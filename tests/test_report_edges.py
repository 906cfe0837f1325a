"""Report parameters and files at their edges, through the command line (issues 13, 18).

Bad parameters give one line before any notebook runs; files are written whole or not at
all; a second run into the same folder does not claim success.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cmalt_qa import cli, reports
from cmalt_qa.reports import _runner

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def _run(argv: list[str], capsys) -> tuple[int, str]:
    status = cli.main(argv)
    return status, capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["window", "--window", "2026-09", "--as-of", "2026-05-01"],
            "--as-of 2026-05-01 is before the reporting period 2026-09 begins (2026-06-01)",
        ),
        (["window", "--as-of", "9999-12-31"], "--as-of 9999-12-31 is more than a year after"),
        (["window", "--as-of", "2019-01-01"], "before the reporting period 2026-09 begins"),
        (["window", "--window", "2026-9"], "unknown window '2026-9' (did you mean 2026-09?)"),
        (["sections", "--first-window", "2025-1"], "(did you mean 2025-01?)"),
        (["windwo"], "unknown report 'windwo' (did you mean window?)"),
        (["sections", "--pathway", "Seniorr CMALT"], "unknown pathway 'Seniorr CMALT'"),
    ],
)
def test_bad_parameters_are_one_line_before_anything_runs(args, message, capsys, tmp_path):
    status, err = _run(["report", *args, "--data", str(SAMPLE), "--out", str(tmp_path)], capsys)
    assert status == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_data_phrases_are_accepted_for_the_pathway(sample_records):
    chosen = reports.resolve("sections", sample_records, pathway="Senior CMALT")
    assert chosen["pathway"] == "SCMALT"
    assert reports.resolve("sections", sample_records, pathway="acmalt")["pathway"] == "ACMALT"


def test_out_pointing_at_a_file_or_under_one_is_one_line(capsys, tmp_path):
    a_file = tmp_path / "report.html"
    a_file.write_text("not a folder")
    for out, words in ((a_file, "is a file, not a folder"), (a_file / "sub", "cannot create")):
        status, err = _run(["report", "window", "--data", str(SAMPLE), "--out", str(out)], capsys)
        assert status == 2 and words in err and err.count("\n") == 1, err
        assert "Errno" not in err


def test_a_missing_folder_gets_the_same_words_from_validate_and_report(capsys, tmp_path):
    missing = tmp_path / "nowhere"
    s1, err1 = _run(["validate", str(missing)], capsys)
    s2, err2 = _run(["report", "window", "--data", str(missing)], capsys)
    words = f"{missing}: no such folder or workbook"
    assert s1 != 0 and s2 != 0
    assert words in err1 and words in err2


def test_report_names_tell_runs_apart(sample_records):
    params = reports.resolve("sections", sample_records)
    a = reports.report_stem(
        "sections", params, min_count=5, n_boot=1000,
        checksum=reports.data_checksum(sample_records),
    )  # fmt: skip
    b = reports.report_stem(
        "sections", params, min_count=10, n_boot=1000,
        checksum=reports.data_checksum(sample_records),
    )  # fmt: skip
    c = reports.report_stem(
        "sections", params, min_count=5, n_boot=200,
        checksum=reports.data_checksum(sample_records.select(last_window="2025-09")),
    )  # fmt: skip
    assert len({a, b, c}) == 3
    assert "-min5-" in a and "-boot1000-" in a and "-data" in a


def test_a_second_run_into_the_same_folder_is_refused(tmp_path):
    with _runner._claim(tmp_path, "window-x"):
        with pytest.raises(reports.ReportError, match="another run is writing this report"):
            with _runner._claim(tmp_path, "window-x"):
                pass
    assert not list(tmp_path.iterdir())  # the lock is gone after the run


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path):
    pid = os.fork()
    if pid == 0:  # a process that ends at once: its pid names no live process afterwards
        os._exit(0)
    os.waitpid(pid, 0)
    (tmp_path / ".window-x.lock").write_text(str(pid))
    with _runner._claim(tmp_path, "window-x"):
        assert (tmp_path / ".window-x.lock").read_text() == str(os.getpid())


def test_the_pair_is_replaced_whole(tmp_path):
    partial = tmp_path / ".r.partial.ipynb"
    partial.write_text("{}")
    html, ipynb = tmp_path / "r.html", tmp_path / "r.ipynb"
    html.write_text("old"), ipynb.write_text("old")
    _runner._write_pair("<html>new</html>", partial, html, ipynb)
    assert html.read_text() == "<html>new</html>" and ipynb.read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.ipynb"]
