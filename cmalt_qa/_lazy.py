"""Attributes of a package imported on first use (PEP 562 module ``__getattr__``).

``import cmalt_qa`` and the command line's start must not pay for matplotlib, scipy or
nbconvert: the analysis, plotting and report modules are imported when first touched
(``qa.agreement``, ``from cmalt_qa import reports``). Hand-written because it is a
dozen lines; ``lazy_loader`` does the same, at the price of one more dependency.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["attach", "renamed"]


def attach(
    package: str, attrs: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose attributes load lazily.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    attrs : mapping
        Public name -> module relative to the package (``".agreement"``,
        ``"..plots.reports"``). A name equal to its module's last part is the module
        itself; any other name is that module's attribute of the same name.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)`` to assign in the package's ``__init__``.

    Examples
    --------
    >>> getattr_, dir_ = attach("cmalt_qa", {"scheme": ".scheme"})
    >>> getattr_("scheme").__name__
    'cmalt_qa.scheme'
    """

    def __getattr__(name: str) -> Any:
        try:
            where = attrs[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        module = importlib.import_module(where, package)
        value = module if name == where.rpartition(".")[2] else getattr(module, name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(attrs))

    return __getattr__, __dir__


def renamed(module: str, former: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that still answers to the former names of renamed
    attributes, with a :class:`DeprecationWarning` naming the new one.

    Parameters
    ----------
    module : str
        The module's ``__name__``.
    former : mapping
        Former name -> current name.

    Examples
    --------
    >>> import warnings
    >>> getattr_ = renamed("cmalt_qa.records", {"RULES": "QUARANTINE_RULES"})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     rules = getattr_("RULES")
    >>> from cmalt_qa.records import QUARANTINE_RULES
    >>> rules is QUARANTINE_RULES, caught[0].category.__name__
    (True, 'DeprecationWarning')
    """

    def __getattr__(name: str) -> Any:
        if name not in former:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        new = former[name]
        warnings.warn(
            f"{module}.{name} is now {module}.{new} (the old name will go)",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(sys.modules[module], new)

    return __getattr__
