"""Hostile and unlucky input through the command line (issue 18): personal data that
tried to slip past, workbooks, row numbers, garbage."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import cmalt_qa as qa
from cmalt_qa import cli


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    subs, rats, asrs, _ = qa.synthetic.generate_frames(60, seed=3)
    return subs, rats, asrs


def _write(folder: Path, subs: pd.DataFrame, rats: pd.DataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subs.to_csv(folder / "submissions.csv", index=False)
    rats.to_csv(folder / "ratings.csv", index=False)
    return folder


def _validate(folder: Path, capsys, *extra: str) -> tuple[int, str, str]:
    code = cli.main(["validate", str(folder), *extra])
    cap = capsys.readouterr()
    assert "Traceback" not in cap.out + cap.err
    return code, cap.out, cap.err


@pytest.mark.parametrize(
    "header", ["Full Name", "First name", "Last-Name", "Email Address", "E-mail", "Assessor Name"]
)
def test_personal_headers_are_refused(header, frames, tmp_path, capsys) -> None:
    subs, rats, _ = frames
    code, _, err = _validate(_write(tmp_path, subs.assign(**{header: "x"}), rats), capsys)
    assert code == 1 and "personal data" in err and repr(header.lower()) in err


def test_a_thing_called_name_is_not_personal(frames, tmp_path, capsys) -> None:
    subs, rats, _ = frames
    folder = _write(tmp_path, subs.assign(pathway_name="Senior CMALT"), rats)
    assert _validate(folder, capsys)[0] == 0


@pytest.mark.parametrize("name", ["José García", "Siobhán O'Brien", "Ian McDonald"])
def test_names_as_keys_in_any_script_are_refused_never_echoed(name, frames, tmp_path, capsys):
    subs, rats, _ = frames
    subs = subs.copy()
    subs.loc[4, "lead_assessor"] = name
    code, out, err = _validate(_write(tmp_path, subs, rats), capsys)
    assert code == 1 and "looks like a person's name" in err and "row 6" in err
    for part in name.split():
        assert part not in err + out


def test_a_label_key_is_not_a_name(frames, tmp_path, capsys) -> None:
    subs, rats, _ = frames
    subs = subs.copy()
    subs.loc[4, "second_assessor"] = "Team Alpha"
    assert _validate(_write(tmp_path, subs, rats), capsys)[0] == 0


def test_problem_rows_are_file_lines_after_blank_lines(frames, tmp_path, capsys) -> None:
    subs, rats, _ = frames
    subs = subs.copy()
    subs.loc[10, "pathway"] = "Masters"  # file line 12 without blank lines
    folder = _write(tmp_path, subs, rats)
    lines = (folder / "submissions.csv").read_text().splitlines()
    lines[3:3] = ["", "  ,  ,  "]  # a blank line and a line of blank cells
    (folder / "submissions.csv").write_text("\n".join(lines) + "\n\n")
    assert lines[13].split(",")[4] == "Masters"  # line 14 of the file
    code, out, _ = _validate(folder, capsys)
    assert code == 0
    assert "submissions.csv row 14, column pathway, value 'Masters'" in out
    recs = qa.load(folder)
    assert len(recs.submissions) == len(subs) - 1  # blank rows skipped, not quarantined
