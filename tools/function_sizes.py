"""Code lines per function in the package: the house rule is at most 80.

    python tools/function_sizes.py          # every function over the limit
    python tools/function_sizes.py --top 20 # the 20 longest, over the limit or not

A function's code lines are its lines that are neither blank nor part of a docstring (its
own or a nested function's or class's); comments count, since a reader reads them too.
Nested functions count toward the function that holds them. ``tests/test_house.py`` runs
this over every module of ``cmalt_qa``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cmalt_qa"
LIMIT = 80

_Def = ast.FunctionDef | ast.AsyncFunctionDef
_HasDocstring = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)


def _docstring_lines(tree: ast.AST) -> set[int]:
    """Line numbers taken by docstrings anywhere in ``tree``."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _HasDocstring) or not node.body:
            continue
        first = node.body[0]
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def function_sizes(path: Path) -> Iterator[tuple[str, int]]:
    """``(qualified name, code lines)`` for every function and method in ``path``."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    source = text.splitlines()
    docs = _docstring_lines(tree)

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _Def | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if isinstance(child, _Def):
                    start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                    lines = range(start, child.end_lineno + 1)
                    yield name, sum(1 for i in lines if i not in docs and source[i - 1].strip())
                yield from walk(child, f"{name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(tree, "")


def package_sizes(package: Path = PACKAGE) -> list[tuple[str, int]]:
    """``(module:function, code lines)`` over every module of the package, longest first."""
    out = []
    for path in sorted(package.rglob("*.py")):
        module = path.relative_to(package.parent).with_suffix("").as_posix().replace("/", ".")
        out += [(f"{module}:{name}", n) for name, n in function_sizes(path)]
    return sorted(out, key=lambda t: (-t[1], t[0]))


def main(argv: list[str]) -> int:
    sizes = package_sizes()
    if argv[:1] == ["--top"]:
        shown = sizes[: int(argv[1])]
    else:
        shown = [s for s in sizes if s[1] > LIMIT]
    for name, n in shown:
        print(f"{n:4d}  {name}")
    over = sum(1 for _, n in sizes if n > LIMIT)
    print(f"{len(sizes)} functions; {over} over {LIMIT} code lines")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
