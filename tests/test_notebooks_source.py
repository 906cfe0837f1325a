"""The report notebooks are their own source: each ``.ipynb`` is paired with a jupytext
percent script (``notebooks/<kind>.py``, configured by ``notebooks/jupytext.toml``).

These checks fail when the committed pair disagrees (run ``make notebooks`` after editing
one side outside JupyterLab), when a sync would rewrite the notebook (cell ids must stay
stable), and when an edit saved through JupyterLab's contents manager would not reach
both files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KINDS = ("window", "sections", "trends")


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, list[str]]]:
    return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in nb.cells]


@pytest.mark.parametrize("kind", KINDS)
def test_notebook_and_script_agree(kind):
    script = jupytext.read(NOTEBOOKS / f"{kind}.py")
    notebook = nbformat.read(NOTEBOOKS / f"{kind}.ipynb", as_version=4)
    want, got = _cells(script), _cells(notebook)
    for i, (a, b) in enumerate(zip(want, got)):
        assert a == b, (
            f"notebooks/{kind}.ipynb cell {i} differs from notebooks/{kind}.py: "
            "run `make notebooks` (jupytext --sync) after editing one side"
        )
    assert len(want) == len(got), f"{kind}.ipynb and {kind}.py have different cell counts"
    assert notebook.metadata.get("title") == script.metadata.get("title")


@pytest.mark.parametrize("kind", KINDS)
def test_committed_notebook_is_clean_with_stable_ids(kind):
    notebook = nbformat.read(NOTEBOOKS / f"{kind}.ipynb", as_version=4)
    nbformat.validate(notebook)
    ids = [c.get("id") for c in notebook.cells]
    assert all(ids) and len(set(ids)) == len(ids), "every cell needs its own id"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    # The pairing itself lives in notebooks/jupytext.toml, not in each notebook.
    assert "formats" not in notebook.metadata.get("jupytext", {})


def _copy_notebooks(tmp_path: Path) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for f in NOTEBOOKS.iterdir():
        if f.suffix in (".ipynb", ".py", ".toml"):
            shutil.copy2(f, folder / f.name)
    return folder


def test_sync_leaves_the_committed_notebooks_unchanged(tmp_path):
    """A rebuild from the scripts keeps every cell id and byte of the notebooks."""
    folder = _copy_notebooks(tmp_path)
    for kind in KINDS:  # the scripts newer: jupytext reads their inputs
        (folder / f"{kind}.py").touch()
    scripts = [str(folder / f"{k}.py") for k in KINDS]
    subprocess.run(
        [sys.executable, "-m", "jupytext", "--quiet", "--sync", *scripts],
        check=True,
        capture_output=True,
    )
    for kind in KINDS:
        assert (folder / f"{kind}.ipynb").read_bytes() == (
            NOTEBOOKS / f"{kind}.ipynb"
        ).read_bytes(), f"jupytext --sync rewrites {kind}.ipynb: run `make notebooks`"


def test_an_edit_saved_in_jupyterlab_reaches_both_files(tmp_path):
    """JupyterLab saves through jupytext's contents manager: the script follows."""
    from jupytext import TextFileContentsManager

    folder = _copy_notebooks(tmp_path)
    cm = TextFileContentsManager(root_dir=str(folder))
    model = cm.get("window.ipynb")
    ids = [c.id for c in model["content"].cells]
    model["content"].cells[0].source += "\n\nAn edit made in JupyterLab."
    cm.save(model, "window.ipynb")

    assert "An edit made in JupyterLab." in (folder / "window.py").read_text(encoding="utf-8")
    again = cm.get("window.ipynb")["content"]
    assert again.cells[0].source.endswith("An edit made in JupyterLab.")
    assert [c.id for c in again.cells] == ids
    saved = nbformat.read(folder / "window.ipynb", as_version=4)
    assert saved.cells[0].source.endswith("An edit made in JupyterLab.")
