"""The cmalt-qa command line, run in-process (fast) and once through the installed script."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cmalt_qa as qa
from cmalt_qa import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def _script() -> str:
    """The installed ``cmalt-qa``: beside this interpreter (a virtual environment not
    activated), else on PATH."""
    beside = Path(sys.executable).with_name("cmalt-qa")
    found = str(beside) if beside.exists() else shutil.which("cmalt-qa")
    if found is None:
        pytest.skip("the cmalt-qa script is not installed")
    return found


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small")
    qa.synthetic.write_csvs(out, *qa.synthetic.generate_frames(120, seed=4))
    return out


def test_validate_sample(capsys):
    assert cli.main(["validate", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "submissions.csv" in out and "ratings.csv" in out and "assessors.csv" in out
    line = next(x for x in out.splitlines() if x.startswith("submissions.csv"))
    assert line.split()[1:] == ["2400", "2400", "0"]
    assert "Windows: 2019-01 to 2026-09 (24 reporting periods)" in out
    assert "Problems: none" in out


def test_validate_defaults_to_the_sample(capsys):
    assert cli.main(["validate"]) == 0
    assert f"Data: {SAMPLE}" in capsys.readouterr().out


def test_validate_refused_input(tmp_path, small, capsys):
    shutil.copy(small / "submissions.csv", tmp_path / "submissions.csv")  # no ratings.csv
    assert cli.main(["validate", str(tmp_path)]) == 1
    cap = capsys.readouterr()
    assert "ratings.csv" in cap.err and "missing" in cap.err
    assert "Traceback" not in cap.err + cap.out


def test_validate_refuses_personal_data(tmp_path, small, capsys):
    for f in small.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    subs = (tmp_path / "submissions.csv").read_text().splitlines()
    first = subs[1].split(",")
    first[-1] = "jo.bloggs@example.ac.uk"  # the sector cell
    subs[1] = ",".join(first)
    (tmp_path / "submissions.csv").write_text("\n".join(subs) + "\n")
    assert cli.main(["validate", str(tmp_path)]) == 1
    cap = capsys.readouterr()
    assert cap.err.startswith("cmalt-qa: error:") and "Traceback" not in cap.err


def test_validate_lists_quarantined_rows_by_rule(tmp_path, small, capsys):
    for f in small.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    lines = (tmp_path / "submissions.csv").read_text().splitlines()
    cells = lines[3].split(",")
    cells[4] = "XMALT"  # unknown pathway on spreadsheet row 4
    lines[3] = ",".join(cells)
    (tmp_path / "submissions.csv").write_text("\n".join(lines) + "\n")
    assert cli.main(["validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "[unknown_code] 1 problem" in out
    assert "submissions.csv row 4, column pathway, value 'XMALT'" in out
    assert "[submission_quarantined]" in out
    line = next(x for x in out.splitlines() if x.startswith("submissions.csv "))
    assert line.split()[1:] == ["120", "119", "1"]
    # strict mode turns quarantine into refusal
    assert cli.main(["validate", str(tmp_path), "--strict"]) == 1
    assert "XMALT" in capsys.readouterr().err


def test_sample_writes_a_valid_dataset(tmp_path, capsys):
    out = tmp_path / "gen"
    assert cli.main(["sample", "--out", str(out), "--n", "80", "--seed", "5"]) == 0
    assert "Wrote 80 submissions" in capsys.readouterr().out
    for f in ("submissions.csv", "ratings.csv", "assessors.csv", "truth.json"):
        assert (out / f).is_file()
    recs = qa.load(out)
    assert len(recs.submissions) == 80 and recs.problems.empty
    assert cli.main(["validate", str(out)]) == 0


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["sample"],
        ["sample", "--out", "x", "--n", "0"],
        ["sample", "--out", "x", "--n", "many"],
        ["nonsense"],
        ["anonymise", "raw", "--out", "x"],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    assert cli.main(argv) == 2
    assert "usage:" in capsys.readouterr().err


def test_help_exits_0(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in ("validate", "sample", "anonymise"):
        assert cmd in out


def test_subcommands_are_pluggable(capsys):
    """A later subcommand (e.g. report) is one function appended to SUBCOMMANDS."""

    def add_echo_parser(subparsers):
        p = subparsers.add_parser("echo")
        p.add_argument("word")
        p.set_defaults(func=lambda args: print(args.word) or 0)

    cli.SUBCOMMANDS.append(add_echo_parser)
    try:
        assert cli.main(["echo", "hello"]) == 0
        assert capsys.readouterr().out == "hello\n"
    finally:
        cli.SUBCOMMANDS.remove(add_echo_parser)


def test_installed_script(tmp_path):
    ok = subprocess.run(
        [_script(), "validate", str(SAMPLE)], capture_output=True, text=True, timeout=120
    )
    assert ok.returncode == 0, ok.stderr
    assert "Problems: none" in ok.stdout
    bad = subprocess.run(
        [_script(), "validate", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1
    assert "nowhere" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("argv", [["--version"], ["validate", "--help"]])
def test_python_m_cmalt_qa(argv):
    """``python -m cmalt_qa`` is the same command line as the script."""
    run = subprocess.run(
        [sys.executable, "-m", "cmalt_qa", *argv], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    if argv == ["--version"]:
        assert run.stdout.strip() == f"cmalt-qa {qa.__version__}"
    else:
        assert "usage: cmalt-qa validate" in run.stdout


def test_start_imports_no_plotting_or_report_machinery():
    """``import cmalt_qa``, ``--help`` and ``validate`` leave matplotlib, scipy and nbconvert
    unimported (they cost seconds at every start)."""
    code = (
        "import sys, contextlib, io\n"
        "import cmalt_qa\n"
        "from cmalt_qa import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert cli.main(['--help']) == 0\n"
        f"    assert cli.main(['validate', {str(SAMPLE)!r}]) == 0\n"
        "heavy = ('matplotlib', 'scipy', 'nbconvert', 'papermill', 'cmalt_qa.plots')\n"
        "print(' '.join(m for m in heavy if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ""


def test_ctrl_c_prints_one_line_and_exits_130(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run_validate", interrupted)
    assert cli.main(["validate", str(SAMPLE)]) == 130
    err = capsys.readouterr().err
    assert err == "cmalt-qa: interrupted\n"
