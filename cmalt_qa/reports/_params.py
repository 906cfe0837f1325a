"""Report parameters: which reports exist, and each parameter checked against the data.

Shared by the runner (:func:`cmalt_qa.reports.run_report`, before any notebook runs) and
the notebooks (so a notebook opened by hand in JupyterLab resolves its parameters as the
command line does). Imports no plotting or notebook machinery: the command line uses it
to check a report's parameters quickly.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal, get_args

import pandas as pd

from .. import _analysis

__all__ = [
    "Kind",
    "KINDS",
    "SECTIONS_SPAN",
    "ReportError",
    "resolve",
    "resolve_data_path",
    "latest_date",
    "report_stem",
    "notebook_path",
]


Kind = Literal["window", "sections", "trends"]
KINDS: Final[tuple[str, ...]] = get_args(Kind)

SECTIONS_SPAN: Final[int] = 9
"""Default span of the committee report: the last nine periods (three years)."""

_NOTEBOOK_DIRS: Final[tuple[Path, ...]] = (
    Path(__file__).resolve().parents[1] / "notebooks",  # installed package data
    Path(__file__).resolve().parents[2] / "notebooks",  # source tree
)


class ReportError(ValueError):
    """Bad report parameters or data: raised before any notebook runs."""


# --------------------------------------------------------------------------- parameters
def resolve_data_path(data: str | Path) -> Path:
    """The dataset location: as given, or for a relative path not found from the working
    folder, from its parent (so a notebook opened in ``notebooks/`` finds ``data/sample``).

    Raises
    ------
    ReportError
        If neither exists.
    """
    p = Path(data).expanduser()
    if p.exists():
        return p.resolve()
    if not p.is_absolute() and (Path.cwd().parent / p).exists():
        return (Path.cwd().parent / p).resolve()
    raise ReportError(f"data folder not found: {data} (working folder {Path.cwd()})")


def latest_date(recs: Any) -> _dt.date:
    """The latest date anywhere in the submissions (submitted, allocated, assessed, result).

    This is the default "as of" date of a report: the data's own clock, never the
    machine's (:func:`cmalt_qa._analysis.latest_date`, as for the analyses).

    Raises
    ------
    ReportError
        If the submissions hold no date.
    """
    try:
        return _analysis.latest_date(recs.submissions).date()
    except ValueError:
        raise ReportError("the data holds no dated submissions") from None


def _windows(recs: Any) -> list[str]:
    w = recs.submissions.get("window")
    if w is None or w.dropna().empty:
        raise ReportError("the data holds no submissions with a reporting period (window)")
    return sorted(w.dropna().astype(str).unique())


def _check_window(name: str, value: str, windows: Sequence[str]) -> str:
    if value not in windows:
        raise ReportError(f"unknown {name} {value!r}; windows in the data: {', '.join(windows)}")
    return value


def resolve(
    kind: str,
    recs: Any,
    *,
    window: str | None = None,
    as_of: str | None = None,
    first_window: str | None = None,
    pathway: str | None = None,
) -> dict[str, Any]:
    """Check a report's parameters against the data and fill in the defaults.

    Parameters
    ----------
    kind : {"window", "sections", "trends"}
    recs : Records
    window : str, optional
        ``window``: the period reported (default: the latest in the data). ``sections``
        and ``trends``: the last period covered (default: the latest).
    as_of : str, optional
        ``window`` only: ISO date of the report (default: the latest date in the data).
    first_window : str, optional
        ``sections`` only: the first period covered (default: nine periods, three years,
        up to ``window``).
    pathway : str, optional
        ``sections`` only: one pathway (ACMALT, CMALT, SCMALT); all when None.

    Returns
    -------
    dict
        ``window``: ``window``, ``as_of``. ``sections``: ``first_window``,
        ``last_window``, ``pathway``. ``trends``: ``first_window``, ``last_window``.
        Windows and dates are strings.

    Raises
    ------
    ReportError
        For an unknown kind, window or pathway, an unreadable date, or an option that
        the kind does not take; the message lists the valid values.
    """
    from ..scheme import PATHWAYS

    if kind not in KINDS:
        raise ReportError(f"unknown report {kind!r}; reports: {', '.join(KINDS)}")
    windows = _windows(recs)
    last = _check_window("window", window, windows) if window else windows[-1]
    if kind != "window" and as_of:
        raise ReportError(f"--as-of applies to the window report only, not {kind!r}")
    if kind != "sections" and (first_window or pathway):
        raise ReportError(
            f"--first-window and --pathway apply to the sections report only, not {kind!r}"
        )
    if kind == "window":
        latest = latest_date(recs)
        if as_of:
            try:
                day = _dt.date.fromisoformat(str(as_of).strip())
            except ValueError:
                raise ReportError(
                    f"--as-of must be an ISO date (YYYY-MM-DD), got {as_of!r}"
                ) from None
            first = pd.to_datetime(recs.submissions["submitted_on"]).min().date()
            if day < first:
                raise ReportError(
                    f"--as-of {day} is before the first submission in the data ({first})"
                )
        else:
            day = latest
        return {"window": last, "as_of": day.isoformat()}
    upto = [w for w in windows if w <= last]
    if kind == "trends":
        return {"first_window": upto[0], "last_window": last}
    if first_window:
        first_w = _check_window("first window", first_window, windows)
        if first_w > last:
            raise ReportError(f"the first window {first_w} is after the last window {last}")
    else:
        first_w = upto[max(0, len(upto) - SECTIONS_SPAN)]
    if pathway:
        code = str(pathway).strip().upper()
        if code not in PATHWAYS:
            raise ReportError(f"unknown pathway {pathway!r}; pathways: {', '.join(PATHWAYS)}")
        pathway = code
    return {"first_window": first_w, "last_window": last, "pathway": pathway or None}


def report_stem(kind: str, params: Mapping[str, Any]) -> str:
    """File name stem ``<kind>-<params>`` of a report, e.g. ``window-2026-09-as-of-2026-10-20``."""
    if kind == "window":
        return f"window-{params['window']}-as-of-{params['as_of']}"
    stem = f"{kind}-{params['first_window']}-to-{params['last_window']}"
    if params.get("pathway"):
        stem += f"-{params['pathway']}"
    return stem


def notebook_path(kind: str) -> Path:
    """The source notebook of a report kind.

    Raises
    ------
    ReportError
        For an unknown kind or when the notebook cannot be found.
    """
    if kind not in KINDS:
        raise ReportError(f"unknown report {kind!r}; reports: {', '.join(KINDS)}")
    for d in _NOTEBOOK_DIRS:
        if (d / f"{kind}.ipynb").is_file():
            return d / f"{kind}.ipynb"
    raise ReportError(f"notebook {kind}.ipynb not found in {', '.join(map(str, _NOTEBOOK_DIRS))}")
