"""Numeric core of :mod:`cmalt_qa.turnaround`: its censoring convention.

The Kaplan-Meier pieces themselves (:class:`~cmalt_qa._stats.KMFit`,
:func:`~cmalt_qa._stats.km_fit`, :func:`~cmalt_qa._stats.km_at`,
:func:`~cmalt_qa._stats.km_quantile`, :func:`~cmalt_qa._stats.share_by`) are shared
statistics and live in :mod:`cmalt_qa._stats`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["censor_time"]

FloatArray = npt.NDArray[np.float64]


def censor_time(days_open: npt.ArrayLike) -> FloatArray:
    """Censoring time of a case still open after ``days_open`` whole days.

    ``as_of`` is read as a closed day (everything dated on or before it is known), so a
    case still open has T > days_open: an ordinary right-censoring at ``days_open``.
    At a tie with events the censored case stays in the risk set (the product-limit
    convention of scipy, lifelines and R). An earlier design censored half a day before
    ``as_of`` (T >= days_open) so that a case open on its due day would be undetermined;
    it was dropped because the few results dated ``as_of`` then close the tail of the
    curve and absorb the weight of every case still open (a share of 1 for a live window
    measured against one common deadline).
    """
    return np.asarray(days_open, dtype=np.float64)
