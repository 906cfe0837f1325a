"""Every runtime dependency declared in pyproject.toml is used, and every import declared.

A dependency counts as used when the package imports it, or when a documented command
needs it without an import (listed in COMMAND_ONLY with the reason).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMAND_ONLY = {
    "jupyterlab": "make lab opens the notebooks in JupyterLab",
    "jupytext": "make lab / make notebooks pair each .ipynb with its .py",
    "ipykernel": "the report kernel runs python -m ipykernel_launcher",
    "openpyxl": "pandas reads .xlsx workbooks through it (qa.load)",
    "pyarrow": "pandas reads CSV with engine='pyarrow' (qa.load)",
}


def _names(requirements: list[str]) -> set[str]:
    names = (re.split(r"[<>=!~ \[;]", d, maxsplit=1)[0] for d in requirements)
    return {n.lower().replace("_", "-") for n in names}


def _declared(extras: bool = False) -> set[str]:
    """Runtime dependencies; with ``extras``, also the optional features' (not test, bench)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = _names(project["dependencies"])
    if extras:
        for name, reqs in project.get("optional-dependencies", {}).items():
            if name not in ("test", "bench"):
                found |= _names(reqs)
    return found


def _imported() -> set[str]:
    dists = packages_distributions()
    found: set[str] = set()
    for path in (ROOT / "cmalt_qa").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods = [node.module]
            else:
                continue
            for m in mods:
                top = m.split(".")[0]
                if top == "cmalt_qa" or top in sys.stdlib_module_names:
                    continue
                found |= {d.lower().replace("_", "-") for d in dists.get(top, [top])}
    return found


def test_every_import_is_declared():
    # IPython and jupyter_client come with ipykernel, which is declared for them.
    undeclared = _imported() - _declared(extras=True) - {"ipython", "jupyter-client", "jinja2"}
    assert not undeclared, f"imported but not declared in pyproject.toml: {sorted(undeclared)}"


def test_every_declared_dependency_is_used():
    unused = _declared() - _imported() - set(COMMAND_ONLY)
    assert not unused, f"declared but neither imported nor needed by a command: {sorted(unused)}"


def test_every_subpackage_ships_in_the_wheel():
    """pyproject lists the packages explicitly: a new subpackage must be added there."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    listed = set(tool["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "cmalt_qa").rglob("__init__.py")
    }
    assert found <= listed, f"not in [tool.setuptools] packages: {sorted(found - listed)}"
