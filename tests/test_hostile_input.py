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


# --------------------------------------------------------------------------- workbooks
def _book(path: Path, subs: pd.DataFrame, rats: pd.DataFrame, **extra: pd.DataFrame) -> Path:
    with pd.ExcelWriter(path) as w:
        subs.to_excel(w, sheet_name="submissions", index=False)
        rats.to_excel(w, sheet_name="ratings", index=False)
        for name, df in extra.items():
            df.to_excel(w, sheet_name=name, index=False)
    return path


@pytest.mark.parametrize("cell", ["XFD1048576", "A1048576", "XFD20000"])
def test_a_stray_far_cell_answers_in_seconds(cell, frames, tmp_path, capsys) -> None:
    import openpyxl

    subs, rats, _ = frames
    book = _book(tmp_path / "b.xlsx", subs, rats)
    wb = openpyxl.load_workbook(book)
    wb["submissions"][cell] = "S-stray" if cell.startswith("A") else "x"
    wb.save(book)
    code, out, _ = _validate(book, capsys)
    assert code == 0 and len(out) < 20_000
    recs = qa.load(book)
    lines = recs.problems[recs.problems["file"].str.endswith("[submissions]")]
    if cell.startswith("A"):  # one real (if broken) row, with its own row number
        assert set(lines["row"]) == {1048576}
    else:  # a cell under no header is not data
        assert lines.empty
    assert len(recs.submissions) == len(subs)


def test_formula_cells_without_a_stored_value_are_listed(frames, tmp_path, capsys) -> None:
    import openpyxl

    subs, rats, _ = frames
    book = _book(tmp_path / "b.xlsx", subs, rats)
    wb = openpyxl.load_workbook(book)
    wb["submissions"]["J3"] = '=IF(1,"pass","")'  # outcome of row 3, never computed
    wb.save(book)
    code, out, _ = _validate(book, capsys)
    assert code == 0 and "[formula_not_stored]" in out and "row 3, column outcome" in out
    recs = qa.load(book)
    assert subs.loc[1, "submission_id"] not in set(recs.submissions["submission_id"])


def test_two_sheets_meaning_one_table_are_refused(frames, tmp_path, capsys) -> None:
    subs, rats, _ = frames
    book = _book(tmp_path / "b.xlsx", subs, rats, **{"Submissions ": subs.iloc[:3]})
    code, _, err = _validate(book, capsys)
    assert code == 1 and "two sheets both mean 'submissions'" in err


def test_encrypted_workbook_and_other_zips_are_explained(tmp_path, capsys) -> None:
    import zipfile

    ole = tmp_path / "locked.xlsx"
    ole.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504)
    code, _, err = _validate(ole, capsys)
    assert code == 1 and "encrypted" in err and "xlrd" not in err
    other = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("a.txt", "hello")
    code, _, err = _validate(other, capsys)
    assert code == 1 and "not an Excel workbook" in err and "No such key" not in err
    text = tmp_path / "notes.xlsx"
    text.write_text("hello")
    code, _, err = _validate(text, capsys)
    assert code == 1 and "not an .xlsx workbook" in err


# --------------------------------------------------------------------------- garbage
def test_garbage_is_summarised_early_and_refused(frames, tmp_path, capsys) -> None:
    import numpy as np

    subs, rats, _ = frames
    rng = np.random.default_rng(0)
    n = 20_000
    junk = pd.DataFrame({c: [f"junk{v}" for v in rng.integers(0, 10**9, n)] for c in subs.columns})
    folder = _write(tmp_path, junk, rats)
    code, out, err = _validate(folder, capsys)
    assert code == 1
    assert "does not look like a CMALT export" in err and "Nothing was loaded" in err
    assert len(out) + len(err) < 5_000


def test_a_wide_input_gives_no_performance_warning(frames, tmp_path) -> None:
    import warnings

    subs, rats, _ = frames
    extra = pd.DataFrame({f"extra_{i}": "x" for i in range(300)}, index=subs.index)
    folder = _write(tmp_path, pd.concat([subs, extra], axis=1), rats)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recs = qa.load(folder)
        qa.from_frames(pd.concat([subs, extra], axis=1), rats)
    assert len(recs.submissions) == len(subs)
