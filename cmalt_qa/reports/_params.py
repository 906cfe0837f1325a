"""Report parameters: which reports exist, and each parameter checked against the data.

Shared by the runner (:func:`cmalt_qa.reports.run_report`, before any notebook runs) and
the notebooks (so a notebook opened by hand in JupyterLab resolves its parameters as the
command line does). Imports no plotting or notebook machinery: the command line uses it
to check a report's parameters quickly.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal, get_args

import pandas as pd

from .. import _analysis
from .._errors import os_error_words

__all__ = [
    "Kind",
    "KINDS",
    "SECTIONS_SPAN",
    "ReportError",
    "resolve",
    "resolve_data_path",
    "latest_date",
    "report_stem",
    "notebook_parameters",
    "notices",
    "notebook_path",
    "check_kind",
    "data_checksum",
    "output_folder",
    "period_opens",
    "freshness",
    "check_reportable",
    "undecided",
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
    raise ReportError(f"{data}: no such folder or workbook")  # validate's words


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
        check_reportable(recs)
        raise ReportError("the data holds no submissions with a reporting period (window)")
    return sorted(w.dropna().astype(str).unique())


def _data_name(recs: Any, data: str | Path | None) -> str:
    if data is not None:
        return str(data)
    return str((getattr(recs, "source", None) or {}).get("path") or "the data")


def _kept_out(recs: Any) -> tuple[int, int, str]:
    """(submission rows kept out, submission rows read, "rule n; rule n" by rows) for the
    submissions table, from :func:`cmalt_qa._summary.file_counts` and the problems."""
    from .._summary import file_counts

    counts = [c for c in file_counts(recs) if c[0].split("[")[-1].startswith("submissions")]
    name, read, _, out = counts[0] if counts else ("submissions", 0, 0, 0)
    probs = recs.problems
    mine = probs[probs["file"].astype(str) == name].drop_duplicates(["row", "rule"])
    rules = mine["rule"].value_counts(sort=True).head(3)
    return out, read, "; ".join(f"{r} {n}" for r, n in rules.items())


def check_reportable(recs: Any, data: str | Path | None = None, dates: str = "auto") -> None:
    """Refuse, before any notebook runs, data with no valid submission left.

    The message says how many submission rows were kept out and by which rules (the
    first three), repeats the line ``cmalt-qa validate`` opens with when one rule took a
    whole column or most of a file, and points to ``cmalt-qa validate`` for each row
    (with the ``--dates`` mode the data were read with, when not ``auto``).

    Raises
    ------
    ReportError
        If ``recs.submissions`` is empty.
    """
    if len(recs.submissions):
        return
    from .._summary import headline

    name = _data_name(recs, data)
    out, read, rules = _kept_out(recs)
    if read == 0:
        why = "the submissions table holds no rows"
    else:
        every = "all" if out == read else f"{out} of"
        why = f"{every} {read} submission rows were kept out of the figures (by rule: {rules})"
    top = headline(recs)
    mode = "" if dates == "auto" else f" --dates {dates}"
    raise ReportError(
        f"{name}: no valid submission is left to report on"
        + (f" (dates read with{mode})" if mode else "")
        + f": {why}"
        + (f"; {top}" if top else "")
        + f". `cmalt-qa validate {name}{mode}` lists each row and its problem; nothing was "
        "written."
    )


def _left_out_hint(recs: Any) -> str:
    """A clause naming the submission rows kept out (their periods cannot be listed)."""
    out, _, rules = _kept_out(recs)
    if not out:
        return ""
    return (
        f" ({out} submission rows were kept out of the figures, by rule: {rules}; "
        f"`cmalt-qa validate {_data_name(recs, None)}` lists them)"
    )


def check_kind(kind: str) -> str:
    """``kind`` if it names a report, else a ReportError listing them."""
    if kind not in KINDS:
        raise ReportError(
            f"unknown report {kind!r}{_did_you_mean(kind, KINDS)}; reports: {', '.join(KINDS)}"
        )
    return kind


def _did_you_mean(value: str, choices: Sequence[str]) -> str:
    """`` (did you mean X?)`` for the closest choice, or nothing."""
    close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _check_window(name: str, value: str, windows: Sequence[str], recs: Any = None) -> str:
    value = str(value).strip()
    if value in windows:
        return value
    hint = "" if recs is None else _left_out_hint(recs)
    if _is_period(recs, value):  # a period of the calendar, but none of the data's
        raise ReportError(
            f"no valid submission in the {name} {value}; windows in the data: "
            f"{', '.join(windows)}{hint}"
        )
    raise ReportError(
        f"unknown {name} {value!r}{_did_you_mean(value, windows)}; "
        f"windows in the data: {', '.join(windows)}{hint}"
    )


def _is_period(recs: Any, value: str) -> bool:
    """Whether ``value`` labels a reporting period of the records' calendar."""
    try:
        recs.calendar.window_info(value)
    except (AttributeError, KeyError, ValueError):
        return False
    return True


def _pathway_code(pathway: str) -> str:
    """A pathway as the data may write it ("Senior CMALT", "scmalt") -> its code."""
    from ..scheme import PATHWAY_ALIASES, PATHWAYS, phrase_key

    code = PATHWAY_ALIASES.get(phrase_key(str(pathway)))
    if code is None:
        raise ReportError(
            f"unknown pathway {pathway!r}{_did_you_mean(str(pathway).upper(), PATHWAYS)}; "
            f"pathways: {', '.join(PATHWAYS)}"
        )
    return code


LATEST_AS_OF_DAYS: Final[int] = 366
"""A report date more than this many days after the data's last date is refused (every
open case would be shown overdue; a typo such as 9999-12-31 is caught here)."""

STALE_AFTER_DAYS: Final[int] = 7
"""A report date more than this many days after the data's last date is warned about."""


def _check_as_of(as_of: str, recs: Any, window: str) -> _dt.date:
    """The report date, checked against the data and the chosen period."""
    try:
        day = _dt.date.fromisoformat(str(as_of).strip())
    except ValueError:
        raise ReportError(f"--as-of must be an ISO date (YYYY-MM-DD), got {as_of!r}") from None
    latest = latest_date(recs)
    if (day - latest).days > LATEST_AS_OF_DAYS:
        raise ReportError(
            f"--as-of {day} is more than a year after the data end ({latest}); "
            "give a date within the data's span"
        )
    opens = period_opens(recs, window)
    if day < opens:
        raise ReportError(
            f"--as-of {day} is before the reporting period {window} begins ({opens}); "
            f"choose a later date or an earlier --window"
        )
    return day


def period_opens(recs: Any, window: str) -> _dt.date:
    """The first day of a reporting period (the day after the previous deadline)."""
    deadline = recs.calendar.deadline(window)
    table = recs.calendar.span(deadline - _dt.timedelta(days=400), deadline)
    row = table.loc[table["window"].astype(str) == window]
    return pd.Timestamp(row["opens"].iloc[0]).date()


def freshness(recs: Any, as_of: str) -> str | None:
    """A warning when the report date is well after the data's last date, else None."""
    latest = latest_date(recs)
    day = _dt.date.fromisoformat(as_of)
    if (day - latest).days > STALE_AFTER_DAYS:
        return (
            f"the export ends {latest}; the report is as of {day}: cases shown overdue "
            "may have results not in this export"
        )
    return None


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
    check_kind(kind)
    windows = _windows(recs)
    last = _check_window("window", window, windows, recs) if window else windows[-1]
    if kind != "window" and as_of:
        raise ReportError(f"--as-of applies to the window report only, not {kind!r}")
    if kind != "sections" and (first_window or pathway):
        raise ReportError(
            f"--first-window and --pathway apply to the sections report only, not {kind!r}"
        )
    if kind == "window":
        day = _check_as_of(as_of, recs, last) if as_of else latest_date(recs)
        return {"window": last, "as_of": day.isoformat()}
    upto = [w for w in windows if w <= last]
    if kind == "trends":
        return {"first_window": upto[0], "last_window": last}
    if first_window:
        first_w = _check_window("first window", first_window, windows, recs)
        if first_w > last:
            raise ReportError(f"the first window {first_w} is after the last window {last}")
    else:
        first_w = upto[max(0, len(upto) - SECTIONS_SPAN)]
    if pathway:
        pathway = _pathway_code(pathway)
    _check_scope(recs, first_w, last, pathway)
    return {"first_window": first_w, "last_window": last, "pathway": pathway or None}


def _check_scope(recs: Any, first: str, last: str, pathway: str | None) -> None:
    """Refuse a committee report whose span and pathway hold no submission at all."""
    subs = recs.submissions
    w = subs["window"].astype(str)
    on = subs["pathway"].astype(str) == pathway if pathway else pd.Series(True, subs.index)
    if ((w >= first) & (w <= last) & on).any():
        return
    where = sorted(w[on].unique())
    raise ReportError(
        f"no submission from {first} to {last}"
        + (f" on the {pathway} pathway" if pathway else "")
        + (f"; {pathway} submissions run from {where[0]} to {where[-1]}" if where else "")
        + ("; the data have none on that pathway" if not where else "")
    )


def undecided(kind: str, recs: Any, params: Mapping[str, Any]) -> str | None:
    """A note when a committee or research report's span holds submissions but no decided
    one (no outcome, no final rating): its figures count decisions, so it will show none.

    The report still runs (it says what is missing); the command line prints this first.
    """
    if kind not in ("sections", "trends"):
        return None
    from ..referrals import _decided  # the one definition of "decided"

    subs = recs.submissions
    w = subs["window"].astype(str)
    pathway = params.get("pathway")
    on = subs["pathway"].astype(str) == pathway if pathway else pd.Series(True, subs.index)
    inside = (w >= params["first_window"]) & (w <= params["last_window"]) & on
    decided = _decided(subs, recs.ratings) & on
    if not inside.any() or decided[inside].any():
        return None
    earlier = sorted(w[decided & (w < params["first_window"])].unique())
    scope = f"from {params['first_window']} to {params['last_window']}" + (
        f" on the {pathway} pathway" if pathway else ""
    )
    return (
        f"none of the {int(inside.sum())} submissions {scope} is decided yet (no outcome or "
        f"final rating): the {kind} report has no decisions to show"
        + (f"; the latest period with decisions is {earlier[-1]}" if earlier else "")
    )


def report_stem(
    kind: str,
    params: Mapping[str, Any],
    *,
    min_count: int | None = None,
    n_boot: int | None = None,
    checksum: str | None = None,
) -> str:
    """File name stem of a report: what it covers, then what distinguishes runs.

    Examples
    --------
    >>> report_stem("window", {"window": "2026-09", "as_of": "2026-10-20"})
    'window-2026-09-as-of-2026-10-20'
    >>> report_stem("sections", {"first_window": "2024-01", "last_window": "2026-09",
    ...             "pathway": "CMALT"}, min_count=5, n_boot=1000, checksum="3f9a2c1b")
    'sections-2024-01-to-2026-09-CMALT-min5-boot1000-data3f9a2c1b'
    """
    if kind == "window":
        stem = f"window-{params['window']}-as-of-{params['as_of']}"
    else:
        stem = f"{kind}-{params['first_window']}-to-{params['last_window']}"
        if params.get("pathway"):
            stem += f"-{params['pathway']}"
    if min_count is not None and kind != "window":  # the window report publishes nothing
        stem += f"-min{min_count}"
    if n_boot is not None:
        stem += f"-boot{n_boot}"
    if checksum:
        stem += f"-data{checksum}"
    return stem


def data_checksum(recs: Any) -> str:
    """Eight hex digits of a sha256 over the input files' checksums (names and contents).

    Two runs on different data get different report names; the same files, the same.
    """
    files = (getattr(recs, "source", None) or {}).get("files") or {}
    h = hashlib.sha256()
    for name in sorted(files):
        info = files[name]
        digest = info.get("sha256") if isinstance(info, Mapping) else info
        h.update(f"{name}\0{digest}\n".encode())
    if not files:  # records made in memory: their rows
        h.update(pd.util.hash_pandas_object(recs.submissions, index=False).to_numpy().tobytes())
    return h.hexdigest()[:8]


def output_folder(out: str | Path) -> Path:
    """The output folder, created if needed; one-line errors for a file or no permission.

    Raises
    ------
    ReportError
        If ``out`` is a file, or the folder cannot be created or written to.
    """
    p = Path(out).expanduser()
    if p.exists() and not p.is_dir():
        raise ReportError(f"--out {out} is a file, not a folder")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"cannot create the folder --out {os_error_words(exc, p)}; nothing was run"
        ) from None
    try:
        _probe_write(p)
    except OSError as exc:
        raise ReportError(
            f"cannot write to the folder --out {os_error_words(exc, p)}; nothing was run"
        ) from None
    return p.resolve()


def _probe_write(folder: Path) -> None:
    """Create and remove a file in ``folder``: the one test that holds for every user
    and file system (``os.access`` says yes to root on a read-only mount)."""
    import tempfile

    fd, name = tempfile.mkstemp(dir=folder, prefix=".cmalt-qa-write-test-")
    os.close(fd)
    os.unlink(name)


def notebook_path(kind: str) -> Path:
    """The source notebook of a report kind.

    Raises
    ------
    ReportError
        For an unknown kind or when the notebook cannot be found.
    """
    check_kind(kind)
    for d in _NOTEBOOK_DIRS:
        if (d / f"{kind}.ipynb").is_file():
            return d / f"{kind}.ipynb"
    raise ReportError(f"notebook {kind}.ipynb not found in {', '.join(map(str, _NOTEBOOK_DIRS))}")


def notebook_parameters(
    kind: str,
    data: Path,
    params: Mapping[str, Any],
    csv_path: Path,
    *,
    min_count: int = 5,
    n_boot: int = 1000,
) -> dict[str, Any]:
    """The parameters papermill injects into a report notebook, from :func:`resolve`'s."""
    nb_params: dict[str, Any] = {"data": str(data), **params, "n_boot": int(n_boot)}
    if kind != "window":
        nb_params["min_count"] = int(min_count)
    if kind == "sections":
        nb_params["pathway"] = params["pathway"] or ""
    if kind == "trends":
        del nb_params["first_window"]  # trends start at the first period in the data
        nb_params["csv_path"] = str(csv_path)
    return nb_params


def notices(recs: Any, params: Mapping[str, Any]) -> list[str]:
    """What the command line says before a report runs, as the report's banner does: the
    rows kept out of the figures and what that changes, and a stale report date."""
    from ._actnow import freshness, left_out, notice_lines

    window = params.get("window") or params.get("last_window")
    fresh = freshness(recs, params["as_of"]) if params.get("as_of") else None
    return notice_lines(left_out(recs, window=window), fresh)
