"""cmalt-qa: quality-assurance analytics for CMALT portfolio assessment.

A flat functional API over validated records::

    import cmalt_qa as qa
    recs = qa.load("data/sample")
    qa.agreement.by_section(recs)
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from . import (
    agreement,
    assessors,
    feedback,
    plots,
    records,
    referrals,
    scheme,
    synthetic,
    turnaround,
)
from .records import Records, RecordsError, from_frames, load

try:
    __version__ = version("cmalt-qa")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "Records",
    "RecordsError",
    "load",
    "from_frames",
    "scheme",
    "records",
    "synthetic",
    "agreement",
    "referrals",
    "turnaround",
    "assessors",
    "feedback",
    "plots",
    "__version__",
]
