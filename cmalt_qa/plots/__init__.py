"""Plot functions: each takes a table returned by an analysis and ``ax=None``, returns the Axes.

Plots import no analysis module: they draw the tidy tables they are given. Colours come
from :mod:`cmalt_qa.plots._style` (Okabe-Ito, colour-blind safe), one fixed colour for each
rating and each pathway across every figure.
"""

from __future__ import annotations

from . import agreement as _agreement
from . import assessors as _assessors
from . import referrals as _referrals
from . import reports as _reports
from . import turnaround as _turnaround
from ._style import PATHWAY_COLOURS, RATING_COLOURS, SEQUENTIAL_CMAP, alt_text
from .agreement import *  # noqa: F401,F403
from .assessors import *  # noqa: F401,F403
from .referrals import *  # noqa: F401,F403
from .reports import *  # noqa: F401,F403
from .turnaround import *  # noqa: F401,F403

__all__ = [
    "PATHWAY_COLOURS",
    "RATING_COLOURS",
    "SEQUENTIAL_CMAP",
    "alt_text",
    *_agreement.__all__,
    *_assessors.__all__,
    *_referrals.__all__,
    *_reports.__all__,
    *_turnaround.__all__,
]
