"""Words for counts: one place for plurals and lists, shared by every layer.

Messages on the command line, alt texts of figures and report sentences all say
"1 portfolio", "3 portfolios", "a, b and c" the same way. Hand-written: two small
functions, not worth a dependency such as ``inflect``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["fixed", "join_words", "plural"]


def plural(n: Any, word: str, many: str | None = None, *, number: bool = True) -> str:
    """``plural(1, "portfolio") == "1 portfolio"``, ``plural(3, "is", "are", number=False) == "are"``.

    Examples
    --------
    >>> plural(1, "portfolio"), plural(0, "portfolio"), plural(2, "assessor"), plural(2, "is", "are", number=False)
    ('1 portfolio', '0 portfolios', '2 assessors', 'are')
    """
    k = int(round(float(n)))
    form = word if k == 1 else (many or word + "s")
    return f"{k:,} {form}" if number else form


def join_words(items: Iterable[Any], conj: str = "and") -> str:
    """``join_words(["a", "b", "c"]) == "a, b and c"``; items are shown as they are."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def fixed(x: float, digits: int = 2, signed: bool = False) -> str:
    """``x`` with ``digits`` decimals, a true minus sign and never a negative zero.

    Examples
    --------
    >>> fixed(-0.004), fixed(-0.25), fixed(0.25, signed=True)
    ('0.00', '−0.25', '+0.25')
    """
    text = f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"
    # "-0.00" (a negative number rounding to zero) reads as zero.
    if float(text) == 0:
        text = f"{0:.{digits}f}"
    return text.replace("-", "\u2212")  # a true minus sign, not a hyphen
