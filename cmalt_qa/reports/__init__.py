"""Periodic reports: parameterised notebooks run by papermill and exported to HTML.

Three reports, one notebook each in ``notebooks/`` (paired jupytext scripts):

* ``window`` for ALT staff: one reporting period (a staff document: it names assessors);
* ``sections`` for the CMALT committee: a span of periods, optionally one pathway;
* ``trends`` for researchers: every year in the data, with a tidy CSV of its tables.

The package keeps three concerns apart:

* :mod:`~cmalt_qa.reports._params`: the report kinds and their parameters checked
  against the data (:func:`resolve`), shared by the runner and the notebooks so that a
  notebook opened by hand in JupyterLab behaves as the command line does;
* :mod:`~cmalt_qa.reports._runner`: :func:`run_report` (papermill in an isolated kernel,
  :mod:`~cmalt_qa.reports._kernel`; HTML export, :mod:`~cmalt_qa.reports._html`);
* :mod:`~cmalt_qa.reports._open`: :func:`open_published`, the first call of a published
  report's notebook (load, parameters, span, the one disclosure step);
* :mod:`~cmalt_qa.reports._helpers`: what the notebooks call beyond the analyses
  (:func:`setup_notebook`, :func:`show`, :func:`disclosed`, :func:`staff_table`,
  :func:`provenance`, :func:`say`, ...).

The report-only figures are in :mod:`cmalt_qa.plots.reports`; the ``report`` command's
argument parser is in :mod:`cmalt_qa.cli`. Names load on first use, so checking a
report's parameters imports neither matplotlib nor nbconvert.
"""

from __future__ import annotations

from .._lazy import attach

_LAZY = {
    # parameters
    "Kind": "._params",
    "KINDS": "._params",
    "SECTIONS_SPAN": "._params",
    "ReportError": "._params",
    "resolve": "._params",
    "resolve_data_path": "._params",
    "latest_date": "._params",
    "notebook_path": "._params",
    "report_stem": "._params",
    "notebook_parameters": "._params",
    "notices": "._params",
    "data_checksum": "._params",
    "output_folder": "._params",
    "period_opens": "._params",
    "freshness": "._params",
    # runner
    "ReportFailed": "._runner",
    "run_report": "._runner",
    # the command line (kept here for code written against the earlier module)
    "add_report_parser": "..cli",
    "report_command": "..cli",
    # notebook helpers
    "REPORT_RC": "._helpers",
    "DisclosedTable": "._helpers",
    "STAFF_BANNER": "._helpers",
    "setup_notebook": "._helpers",
    "show": "._helpers",
    "show_table": "._helpers",
    "disclosed": "._helpers",
    "disclosed_note": "._helpers",
    "published_html": "._helpers",
    "staff_table": "._helpers",
    "subset": "._helpers",
    "submission_counts": "._helpers",
    "provenance": "._helpers",
    "say": "._helpers",
    "esc": "._helpers",
    "esc_list": "._helpers",
    "export_tables": "._helpers",
    # tables, boxes and prose for people (_format: the strings; _people: the display)
    "fmt": "._people",
    "col": "._format",
    "Col": "._format",
    "TOO_FEW": "._format",
    "table": "._people",
    "show_act_now": "._people",
    "show_notices": "._people",
    "show_urgent": "._people",
    "headline_row": "._people",
    "HEADLINE_MIN_N": "._people",
    "AGREEMENT_COLUMNS": "._people",
    "rule_names": "._people",
    "turnaround_sentence": "._people",
    "calendar_sentence": "._people",
    "top_section_sentence": "._people",
    "agreement_sentence": "._people",
    "severity_sentence": "._people",
    # the window report's tables (columns, captions, empty sentences)
    "WINDOW_TABLES": "._window",
    "show_window_table": "._window",
    # every period's reports in one folder
    "build_site": "._site",
    # a published report opened in one call (load, parameters, span, disclosure)
    "open_published": "._open",
    "OpenedReport": "._open",
    "scope_text": "._open",
    # disclosure control of the published reports (cmalt_qa.disclosure)
    "disclose_report": "._published",
    "show_published": "._published",
    "headline_rank": "._published",
    "shown_or": "._published",
    "last_gap_sentence": "._published",
    "show_published_notices": "._published_top",
    "published_provenance": "._published_top",
    # report-only figures
    "plot_submission_counts": "..plots.reports",
    "plot_rate_by": "..plots.reports",
    "plot_gap_trends": "..plots.reports",
}

__all__ = list(_LAZY)

__getattr__, __dir__ = attach(__name__, _LAZY)
