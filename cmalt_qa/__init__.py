"""cmalt-qa: quality-assurance analytics for CMALT portfolio assessment.

A flat functional API over validated records::

    import cmalt_qa as qa
    recs = qa.load("data/sample")
    qa.agreement.by_section(recs)

Every module loads on first use (``qa.agreement``, ``from cmalt_qa import plots``):
importing the package imports neither matplotlib nor scipy.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from ._lazy import attach

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from . import (  # noqa: F401
        agreement,
        assessors,
        feedback,
        forms,
        plots,
        records,
        referrals,
        reports,
        scheme,
        synthetic,
        synthetic_forms,
        turnaround,
    )
    from .records import Records, RecordsError, from_frames, load  # noqa: F401

try:
    __version__ = version("cmalt-qa")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

_LAZY = {
    "Records": ".records",
    "RecordsError": ".records",
    "load": ".records",
    "from_frames": ".records",
    "scheme": ".scheme",
    "records": ".records",
    "synthetic": ".synthetic",
    "agreement": ".agreement",
    "referrals": ".referrals",
    "turnaround": ".turnaround",
    "assessors": ".assessors",
    "feedback": ".feedback",
    "forms": ".forms",
    "synthetic_forms": ".synthetic_forms",
    "plots": ".plots",
    "reports": ".reports",
}

__all__ = [*_LAZY, "__version__"]

__getattr__, __dir__ = attach(__name__, _LAZY)
