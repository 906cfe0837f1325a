"""Write the three report notebooks (window, sections, trends) with nbformat.

Run ``python notebooks/build_notebooks.py`` after editing this file; the ``.ipynb`` files
are committed without outputs. Cells stay thin: they call ``cmalt_qa`` and say in prose
what the figures mean; any helper belongs in ``cmalt_qa/reports.py``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

PCT = '"{:.1%}"'


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(text.strip("\n"))


def code(src: str, tags: list[str] | None = None) -> nbformat.NotebookNode:
    cell = new_code_cell(src.strip("\n"))
    if tags:
        cell.metadata["tags"] = tags
    return cell


def notebook(title: str, cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["title"] = title
    return nb


# --------------------------------------------------------------------------- window
WINDOW = [
    md("""
<div class="cmalt-staff-banner" role="note">Staff only — contains assessor-level figures; do not publish.</div>

# CMALT window report

How one reporting period went and which portfolios need attention now, for ALT staff.
Every figure comes from the `cmalt_qa` toolkit; the provenance tables below say which
data and settings produced them. Intervals are 95% intervals; *n* is always the number of
portfolios (or section decisions) behind a figure.
"""),
    code(
        """
data: str = "data/sample"  # dataset folder or .xlsx workbook
window: str = ""  # reporting period YYYY-MM; empty: the latest in the data
as_of: str = ""  # ISO date the report describes; empty: the latest date in the data
n_boot: int = 1000  # bootstrap replicates for the agreement intervals
""",
        tags=["parameters"],
    ),
    code("""
import cmalt_qa as qa
from cmalt_qa import plots, reports

reports.setup_notebook()
path = reports.resolve_data_path(data)
recs = qa.load(path)
chosen = reports.resolve("window", recs, window=window or None, as_of=as_of or None)
window, as_of = chosen["window"], chosen["as_of"]
here = reports.subset(recs, first_window=window, last_window=window)
AGREE_COLS = ["n", "percent_agreement", "kappa_quadratic", "kappa_quadratic_ci_low",
                 "kappa_quadratic_ci_high", "ac2_quadratic", "ac2_quadratic_ci_low",
                 "ac2_quadratic_ci_high", "kappa_paradox"]
history = reports.subset(recs, last_window=window)
reports.say(f"**Reporting period {window}, as of {as_of}**: {len(here.submissions)} submissions.")
reports.provenance(recs, path, {**chosen, "n_boot": n_boot})
"""),
    md("""
## Submissions by pathway

How many portfolios arrived in the period on each pathway, and of which kind: first
submissions, resubmissions after a referral, and the 3-yearly portfolio reviews. The bars
are stacked by kind (plain, hatched, dotted); the number at the end of a bar is the
pathway's total.
"""),
    code("""
counts = reports.submission_counts(here)
reports.show(reports.plot_submission_counts(counts))
reports.staff_table(
    counts, f"Submissions in {window} by pathway and kind", keys=["pathway", "submission_type"],
    labels={"pathway": "Pathway", "submission_type": "Kind", "n": "Submissions",
            "decided": "Decided", "open": "Open"},
)
"""),
    md("""
## Open cases and those at risk

Every portfolio without a result on the report date, whatever its period, by the days
left before its promise date (results no later than three calendar months after
submission). *Overdue*: the promise date has passed. *At risk*: it falls within the next
21 days. The table lists both, most urgent first, with the assessors to contact.
"""),
    code("""
open_now = qa.turnaround.open_cases(recs, as_of)
reports.show(plots.plot_open_cases(open_now))
urgent = open_now[open_now["status"] != "on track"]
reports.say(
    f"On {as_of}, {len(open_now)} portfolios are open: "
    f"{(open_now['status'] == 'overdue').sum()} overdue and "
    f"{(open_now['status'] == 'at risk').sum()} at risk."
)
reports.staff_table(
    urgent, f"Overdue and at-risk portfolios on {as_of}", keys=["submission_id"],
    columns=["submission_id", "window", "pathway", "attempt", "stage", "days_open",
             "promise_due", "days_left", "status", "lead_assessor", "second_assessor"],
)
"""),
    md("""
## Turnaround against the promise

The share of portfolios returned within the promise, for this period and up to eight
before it. Portfolios still open are counted as *censored* (a Kaplan-Meier estimate), so
a period with open cases is not flattered by its quick returns; the hollow marker is the
naive share among returned portfolios only. The second figure follows this period's
portfolios by pathway: the share returned against days since submission.
"""),
    code("""
turnaround = qa.turnaround.summary(history, by=("window",), as_of=as_of)
recent = turnaround.tail(9)
reports.show(plots.plot_promise_compliance(recent))
row = turnaround.set_index("window").loc[window]
reports.say(
    f"In {window}, {row['returned']:.0f} of {row['n']:.0f} portfolios have a result and "
    f"{row['breaches']:.0f} broke the promise. Estimated share returned within three months: "
    f"{row['within_promise']:.0%} (95% interval {row['within_promise_ci_low']:.0%} to "
    f"{row['within_promise_ci_high']:.0%}); median {row['median_days']:.0f} days to a result."
)
reports.staff_table(
    recent, "Turnaround by period (days from submission to result)", keys=["window"],
    columns=["window", "n", "returned", "open", "breaches", "median_days", "p90_days",
             "within_promise", "within_promise_ci_low", "within_promise_ci_high", "within_8w"],
    formats={c: "{:.0%}" for c in ["within_promise", "within_promise_ci_low",
                                   "within_promise_ci_high", "within_8w"]},
    labels={"within_8w": "assessed within 8 weeks"},
)
reports.show(plots.plot_km_curves(qa.turnaround.km_curves(here, by=("pathway",), as_of=as_of)))
check = qa.turnaround.calendar_check(history, as_of).set_index("window").loc[window]
reports.say(
    f"ALT's published calendar puts this period's results in {check['result_month']}. For "
    f"{check['promised_before_result_month']:.0f} of {check['n']:.0f} portfolios the promise "
    f"date comes before that month begins; results late by the promise yet on time by the "
    f"calendar: {check['late_within_result_month']:.0f}."
)
"""),
    md("""
## Outcomes

Outcomes of first submissions (resubmissions and portfolio reviews are left out): pass
with distinction, pass, referral for minor revisions, referral for major revisions. The
figure sets this period beside the eight before it; the table splits this period by
pathway, with the referral rate and its interval.
"""),
    code("""
by_window = qa.referrals.outcomes(history, by=("window",)).tail(9)
reports.show(plots.plot_outcomes(by_window, x="window"))
outcomes = qa.referrals.outcomes(here, by=("pathway",))
reports.staff_table(
    outcomes, f"First-submission outcomes in {window} by pathway", keys=["pathway"],
    columns=["pathway", "n", "n_open", "n_distinction", "n_pass", "n_minor", "n_major",
             "rate", "ci_low", "ci_high"],
    formats={"rate": "{:.0%}", "ci_low": "{:.0%}", "ci_high": "{:.0%}"},
    labels={"n": "decided", "n_open": "open", "rate": "referral rate"},
)
"""),
    md("""
## Sections referred

How often each section was rated *Revisions required* in the final decision on a first
submission this period, with 95% intervals: the share of submissions whose pathway has
the section. One period is a small sample, so wide intervals are expected; the
committee's sections report pools several periods.
"""),
    code("""
sections = qa.referrals.by_section(here, n_boot=n_boot)
reports.show(plots.plot_section_rates(sections))
top = sections.sort_values("rate", ascending=False).iloc[0]
reports.say(
    f"Section {top['section']} was referred most often: {top['referred']:.0f} of "
    f"{top['n']:.0f} submissions ({top['rate']:.0%})."
)
reports.staff_table(
    sections, f"Sections referred in {window}", keys=["section"],
    columns=["section", "n", "referred", "rate", "ci_low", "ci_high"],
    formats={"rate": "{:.0%}", "ci_low": "{:.0%}", "ci_high": "{:.0%}"},
)
"""),
    md("""
## Agreement this window

How far the lead and second assessors agreed, section by section, before they settled
the final decision. The forest plot shows quadratic-weighted kappa with 95% intervals
(1 = perfect agreement, 0 = no better than chance). When nearly every rating is
*Adequate*, kappa can be low although the two agree almost always (the *kappa paradox*);
such sections are drawn as red squares and should be read with Gwet's AC2 in the table.
The heat map counts the pairs of ratings (lead by second) over all sections.
"""),
    code("""
agreement = qa.agreement.by_section(here, n_boot=n_boot)
reports.show(plots.plot_agreement_forest(agreement))
paradox = agreement.loc[agreement["kappa_paradox"], "section"].tolist()
reports.say(
    f"Exact agreement ranged from {agreement['percent_agreement'].min():.0%} to "
    f"{agreement['percent_agreement'].max():.0%} across sections. Kappa paradox: "
    + (", ".join(paradox) if paradox else "no section") + "."
)
reports.show(plots.plot_confusion(qa.agreement.confusion(here)))
reports.staff_table(
    agreement, f"Agreement between lead and second assessor by section, {window}",
    keys=["section"], columns=["section", *AGREE_COLS],
    formats={c: "{:.2f}" for c in AGREE_COLS if c not in ("n", "kappa_paradox", "percent_agreement")}
    | {"percent_agreement": "{:.0%}"},
)
"""),
    md("""
## Assessors (staff only)

**Pairing rules.** A lead assessor must have assessed at least three portfolios before;
two inexperienced assessors should not be paired; a resubmission normally goes back to
the same assessors. The table lists every submission of this period that broke a rule.

**Severity.** Each assessor's section ratings are compared with their co-assessor's on
the same sections, over every period up to this one (0 = in line; negative = more
severe). An assessor is flagged *out of line* when the interval excludes 0 and the
shrunken difference exceeds the threshold stated under the figure. The heat map shows
who assessed how many portfolios this period.
"""),
    code("""
rules = qa.assessors.rule_counts(history, by=("window",))
reports.staff_table(
    rules[rules["window"] == window], f"Pairing-rule checks in {window}", keys=["window", "rule"],
    columns=["window", "rule", "n_checked", "n_breaches", "rate", "n_unknown_prior"],
    formats={"rate": "{:.0%}"},
)
breaches = qa.assessors.rule_breaches(recs, window=window)
if breaches.empty:
    reports.say(f"No submission in {window} broke a pairing rule.")
else:
    reports.staff_table(
        breaches, f"Submissions in {window} that broke a pairing rule", keys=["submission_id"],
        columns=["submission_id", "rule", "lead_assessor", "second_assessor", "lead_prior",
                 "second_prior", "seat_changed"],
    )
severity = qa.assessors.severity(history, n_boot=n_boot)
reports.show(plots.plot_severity(severity))
flagged = severity[severity["out_of_line"]]
reports.say(
    f"Threshold: |shrunken severity| above {severity.attrs['threshold']:.2f} score points per "
    f"section. {len(flagged)} of {len(severity)} assessors are out of line"
    + (": " + ", ".join(flagged["assessor_id"]) + "." if len(flagged) else ".")
)
if len(flagged):
    reports.staff_table(
        flagged, "Assessors out of line (all periods up to this one)", keys=["assessor_id"],
        columns=["assessor_id", "n_portfolios", "severity", "ci_low", "ci_high",
                 "severity_shrunk", "agreement_with_final"],
        formats={c: "{:+.2f}" for c in ["severity", "ci_low", "ci_high", "severity_shrunk"]}
        | {"agreement_with_final": "{:.0%}"},
    )
workload = qa.assessors.workload(here)
reports.show(plots.plot_workload(workload))
"""),
]

# --------------------------------------------------------------------------- sections
SECTIONS = [
    md("""
# CMALT sections report for the committee

Which sections most often need revision, on which pathway, and which element is found
lacking; whether the referral rate is stable over time. The figures pool the reporting
periods named in the provenance table. Intervals are 95% intervals; *n* is the number
of submissions (or section decisions) behind a figure. Counts from 1 to 4 are shown as
"<5", and figures that would reveal them are withheld.
"""),
    code(
        """
data: str = "data/sample"  # dataset folder or .xlsx workbook
first_window: str = ""  # first reporting period YYYY-MM; empty: nine periods up to the last
last_window: str = ""  # last reporting period YYYY-MM; empty: the latest in the data
pathway: str = ""  # ACMALT, CMALT or SCMALT; empty: every pathway
min_count: int = 5  # smallest count published; smaller non-zero counts read <5
n_boot: int = 1000  # bootstrap replicates for the intervals
""",
        tags=["parameters"],
    ),
    code("""
import cmalt_qa as qa
from cmalt_qa import plots, reports

reports.setup_notebook()
path = reports.resolve_data_path(data)
recs = qa.load(path)
chosen = reports.resolve("sections", recs, window=last_window or None,
                         first_window=first_window or None, pathway=pathway or None)
first_window, last_window, pathway = chosen["first_window"], chosen["last_window"], chosen["pathway"]
span = reports.subset(recs, first_window, last_window, pathway)
scope = f"{first_window} to {last_window}" + (f", {pathway} only" if pathway else ", all pathways")
reports.say(f"**Periods {scope}**: {len(span.submissions)} submissions.")
reports.provenance(recs, path, {**chosen, "min_count": min_count, "n_boot": n_boot},
                   min_count=min_count)
RATE = {c: "{:.1%}" for c in ["rate", "ci_low", "ci_high"]}
AGREE_COLS = ["n", "percent_agreement", "kappa_quadratic", "kappa_quadratic_ci_low",
                 "kappa_quadratic_ci_high", "ac2_quadratic", "ac2_quadratic_ci_low",
                 "ac2_quadratic_ci_high", "kappa_paradox"]
"""),
    md("""
## Referral rate by section

The share of first submissions in which each section was rated *Revisions required* in
the final decision, among submissions whose pathway has the section, with 95% intervals.
Sections are sorted by their rate; where intervals overlap, the difference between two
sections may be chance.
"""),
    code("""
RATE_RULES = dict(counts=["n", "referred"], derived={c: "referred" for c in RATE},
                  subsets={"referred": "n"}, formats=RATE, min_count=min_count)
rates = reports.disclosed(
    qa.referrals.by_section(span, n_boot=n_boot), f"Referral rate by section, {scope}",
    columns=["section", "n", "referred", "rate", "ci_low", "ci_high"], **RATE_RULES,
)
reports.show(plots.plot_section_rates(rates.values))
top = rates.values.sort_values("rate", ascending=False).iloc[0]
reports.say(
    f"Section {top['section']} is referred most often: {top['rate']:.0%} of {top['n']:.0f} "
    f"submissions (95% interval {top['ci_low']:.0%} to {top['ci_high']:.0%})."
)
rates.show()
if not pathway:
    by_pathway = reports.disclosed(
        qa.referrals.by_section(span, by=("pathway", "section"), n_boot=n_boot),
        f"Referral rate by pathway and section, {scope}",
        columns=["pathway", "section", "n", "referred", "rate", "ci_low", "ci_high"], **RATE_RULES,
    )
    reports.show(plots.plot_section_rates(by_pathway.values))
    by_pathway.show()
"""),
    md("""
## Is the referral rate stable? (p chart)

A p chart of the first-attempt referral rate per period: the centre line is the pooled
rate, the dashed lines are 3-sigma limits for each period's size. A red triangle marks a
*special cause*: a point beyond the limits, or a run of points that chance alone rarely
produces. Points between the limits vary by chance and call for no action. The table
lists every section and period with a signal.
"""),
    code("""
CHART_RULES = dict(counts=["n", "k"], derived={"rate": "k"}, subsets={"k": "n"},
                   labels={"k": "referred"}, min_count=min_count,
                   formats={c: "{:.1%}" for c in ["rate", "centre", "lcl", "ucl"]})
chart = reports.disclosed(
    qa.referrals.p_chart(span), f"First-attempt referral rate per period, {scope}",
    columns=["window", "n", "k", "rate", "centre", "lcl", "ucl", "signal"], **CHART_RULES,
)
reports.show(plots.plot_p_chart(chart.values))
per_section = qa.referrals.p_chart(span, per_section=True)
signals = per_section[per_section["special_cause"]]
reports.say(
    f"{int(chart.values['special_cause'].sum())} of {len(chart.values)} periods show a special "
    f"cause in the overall rate; {signals['section'].nunique()} of "
    f"{per_section['section'].nunique()} sections show one in at least one period."
)
chart.show()
if len(signals):
    reports.disclosed(
        signals, "Sections and periods with a special-cause signal", keys=["section", "window"],
        columns=["section", "window", "n", "k", "rate", "centre", "signal"], **CHART_RULES,
    ).show()
"""),
    md("""
## Which element is lacking

When a section is rated *Revisions required* the feedback says which of its elements
were lacking: description, evidence or reflection (one or more). For each section the
bars show the share of R decisions lacking each element, with 95% intervals; R decisions
without gap data are left out rather than read as "nothing lacking".
"""),
    code("""
ELEMENTS = ["description", "evidence", "reflection"]
RATES = [f"{e}_{s}" for e in ELEMENTS for s in ("rate", "ci_low", "ci_high")]
gaps = reports.disclosed(
    qa.referrals.gaps(span, by=("section",), n_boot=n_boot),
    f"Elements lacking in R decisions by section, {scope}",
    counts=["n", "n_r", "n_gaps_recorded", *ELEMENTS],
    derived={c: c.split("_")[0] for c in RATES}, subsets={e: "n_gaps_recorded" for e in ELEMENTS},
    formats={c: "{:.0%}" for c in RATES},
    columns=["section", "n", "n_r", "n_gaps_recorded", *[c for e in ELEMENTS for c in (e, f"{e}_rate")]],
    labels={"n": "decisions", "n_r": "rated R", "n_gaps_recorded": "R with gap data"},
    min_count=min_count,
)
reports.show(plots.plot_gaps(gaps.values))
complete = gaps.values.dropna(subset=[f"{e}_rate" for e in ELEMENTS])
most = complete[[f"{e}_rate" for e in ELEMENTS]].idxmax(axis=1).str.removesuffix("_rate")
reports.say(
    f"Of the {len(complete)} sections whose three shares are all published, reflection is the "
    f"element most often lacking in {(most == 'reflection').sum()}."
)
gaps.show()
"""),
    md("""
## Do assessors agree?

How far the lead and second assessors agreed, section by section, before they settled
the final decision: quadratic-weighted kappa with 95% intervals (1 = perfect agreement,
0 = no better than chance). When nearly every rating is *Adequate*, kappa can be low
although the two agree almost always (the *kappa paradox*); such sections are drawn as
red squares and flagged in the table, where Gwet's AC2, which does not suffer from it,
is the figure to read.
"""),
    code("""
COEFS = [c for c in AGREE_COLS if c not in ("n", "kappa_paradox")]
agreement = reports.disclosed(
    qa.agreement.by_section(span, n_boot=n_boot), f"Agreement by section, {scope}",
    counts=["n"], derived={c: "n" for c in COEFS + ["kappa_paradox"]},
    formats={c: "{:.2f}" for c in COEFS} | {"percent_agreement": "{:.0%}"},
    columns=["section", *AGREE_COLS], labels={"n": "pairs"}, min_count=min_count,
)
reports.show(plots.plot_agreement_forest(agreement.values))
flagged = agreement.values.loc[agreement.values["kappa_paradox"] == True, "section"].tolist()
reports.say(
    "Sections showing the kappa paradox: " + (", ".join(flagged) if flagged else "none") + "."
)
agreement.show()
"""),
    md("""
### How disagreements were resolved

Where the two assessors rated a section differently, which rating did the final
decision follow: the lead's, the second's or neither; and was it the more or the less
severe of the two? Shares are of the disagreements in each section, with 95% intervals.
"""),
    code("""
RES = ["share", "ci_low", "ci_high"]
reports.disclosed(
    qa.agreement.resolution(span, n_boot=n_boot), f"How disagreements were resolved, {scope}",
    counts=["n", "n_disagreements"], derived={c: "n" for c in RES},
    subsets={"n": "n_disagreements"}, formats={c: "{:.0%}" for c in RES},
    keys=["section", "classification", "result"],
    columns=["section", "classification", "result", "n", "n_disagreements", *RES],
    labels={"n_disagreements": "disagreements"}, min_count=min_count,
).show()
"""),
]

# --------------------------------------------------------------------------- trends
TRENDS = [
    md("""
# CMALT trends report

Trends over every year in the data, for research on reflective practice and on the
scheme: outcomes and referral rates by pathway, which element of a section is found
lacking (reflection above all), and how long results take. Years are the years of the
reporting periods. Intervals are 95% intervals; *n* is the number of submissions (or
section decisions) behind a figure. Counts from 1 to 4 are shown as "<5", and figures
that would reveal them are withheld. The tables are also written as a tidy CSV.
"""),
    code(
        """
data: str = "data/sample"  # dataset folder or .xlsx workbook
last_window: str = ""  # last reporting period covered, YYYY-MM; empty: the latest in the data
min_count: int = 5  # smallest count published; smaller non-zero counts read <5
n_boot: int = 1000  # bootstrap replicates for the intervals
csv_path: str = ""  # where to write the tidy tables as CSV; empty: not written
""",
        tags=["parameters"],
    ),
    code("""
import cmalt_qa as qa
from cmalt_qa import plots, reports

reports.setup_notebook()
path = reports.resolve_data_path(data)
recs = qa.load(path)
chosen = reports.resolve("trends", recs, window=last_window or None)
span = reports.subset(recs, last_window=chosen["last_window"])
scope = f"{chosen['first_window']} to {chosen['last_window']}"
reports.say(f"**Periods {scope}**: {len(span.submissions)} submissions.")
reports.provenance(recs, path, {**chosen, "min_count": min_count, "n_boot": n_boot},
                   min_count=min_count)
RATE = {c: "{:.1%}" for c in ["rate", "ci_low", "ci_high"]}
OUTCOME_COUNTS = ["n_distinction", "n_pass", "n_minor", "n_major"]
AGREE_COLS = ["n", "percent_agreement", "kappa_quadratic", "kappa_quadratic_ci_low",
              "kappa_quadratic_ci_high", "ac2_quadratic", "ac2_quadratic_ci_low",
              "ac2_quadratic_ci_high", "kappa_paradox"]
published = {}
"""),
    md("""
## Outcomes and referral rates by year

The first figure stacks the outcomes of decided first submissions in each year; the
second follows the first-attempt referral rate of each pathway, with 95% interval bands
(narrow bands: many portfolios; wide bands: few). A change smaller than the bands is
not evidence of a trend.
"""),
    code("""
yearly = published["outcomes_by_year"] = reports.disclosed(
    qa.referrals.outcomes(span, by=("year",)), "First-submission outcomes by year",
    counts=["n", "n_open", *OUTCOME_COUNTS, "referred"],
    # n = distinction + pass + referred, and referred = minor + major
    parts={"n": ["n_distinction", "n_pass", "referred"], "referred": ["n_minor", "n_major"]},
    derived={**{c: "referred" for c in RATE}, **{f"share_{c[2:]}": c for c in OUTCOME_COUNTS}},
    formats={**RATE, **{f"share_{c[2:]}": "{:.1%}" for c in OUTCOME_COUNTS}},
    columns=["year", "n", *OUTCOME_COUNTS, "referred", "rate", "ci_low", "ci_high"],
    min_count=min_count,
)
reports.show(plots.plot_outcomes(yearly.values, x="year"))
by_pathway = published["referral_rate_by_year_pathway"] = reports.disclosed(
    qa.referrals.outcomes(span, by=("year", "pathway")),
    "First-attempt referral rate by year and pathway",
    counts=["n", "referred"], subsets={"referred": "n"}, derived={c: "referred" for c in RATE},
    formats=RATE, columns=["year", "pathway", "n", "referred", "rate", "ci_low", "ci_high"],
    labels={"n": "decided"}, min_count=min_count,
)
reports.show(reports.plot_rate_by(by_pathway.values, x="year", group="pathway", what="referral rate"))
yearly.show()
by_pathway.show()
"""),
    md("""
## Which element is found lacking, by year

For every section rated *Revisions required*, the feedback names the lacking elements:
description, evidence, reflection. The lines show, per year, the share of R decisions
(with gap data) lacking each element, with 95% interval bands. The guidelines single out
a lack of adequate reflection as the commonest reason for a referral; this is where to
see whether that holds and whether it is changing.
"""),
    code("""
ELEMENTS = ["description", "evidence", "reflection"]
gaps = published["elements_lacking_by_year"] = reports.disclosed(
    qa.referrals.gaps(span, by=("year",), n_boot=n_boot), "Elements lacking in R decisions by year",
    counts=["n", "n_r", "n_gaps_recorded", *ELEMENTS],
    derived={f"{e}_{s}": e for e in ELEMENTS for s in ("rate", "ci_low", "ci_high")},
    subsets={e: "n_gaps_recorded" for e in ELEMENTS},
    formats={f"{e}_{s}": "{:.0%}" for e in ELEMENTS for s in ("rate", "ci_low", "ci_high")},
    columns=["year", "n", "n_r", "n_gaps_recorded",
             *[f"{e}_{s}" for e in ELEMENTS for s in ("rate", "ci_low", "ci_high")]],
    labels={"n": "decisions", "n_r": "rated R", "n_gaps_recorded": "R with gap data"},
    min_count=min_count,
)
reports.show(reports.plot_gap_trends(gaps.values, x="year"))
last = gaps.values.sort_values("year").iloc[-1]
reports.say(
    f"In {int(last['year'])}, reflection was lacking in {last['reflection_rate']:.0%} of "
    f"{last['n_gaps_recorded']:.0f} R decisions with gap data (95% interval "
    f"{last['reflection_ci_low']:.0%} to {last['reflection_ci_high']:.0%})."
)
gaps.show()
"""),
    md("""
## Agreement over time

How far the lead and second assessors agreed each year, over all sections:
quadratic-weighted kappa with 95% intervals (1 = perfect agreement, 0 = no better than
chance). Years flagged with the *kappa paradox* (most ratings *Adequate*, so kappa
understates agreement) are drawn as red squares; read Gwet's AC2 in the table for them.
"""),
    code("""
COEFS = [c for c in AGREE_COLS if c not in ("n", "kappa_paradox")]
agreement = published["agreement_by_year"] = reports.disclosed(
    qa.agreement.by_section(span, by=("year",), n_boot=n_boot), "Agreement by year",
    counts=["n"], derived={c: "n" for c in COEFS + ["kappa_paradox"]},
    formats={c: "{:.2f}" for c in COEFS} | {"percent_agreement": "{:.0%}"},
    columns=["year", *AGREE_COLS], labels={"n": "pairs"}, min_count=min_count,
)
reports.show(plots.plot_agreement_forest(agreement.values))
agreement.show()
"""),
    md("""
## Turnaround by year

The share of portfolios returned within the promise (three calendar months) in each
year, with 95% intervals; open portfolios are censored rather than dropped. The second
figure shows the share returned against days since submission, one curve per year.
"""),
    code("""
PROMISE = ["within_promise", "within_promise_ci_low", "within_promise_ci_high"]
turnaround = published["turnaround_by_year"] = reports.disclosed(
    qa.turnaround.summary(span, by=("year",)), "Turnaround by year",
    counts=["n", "returned", "open", "breaches"],
    parts={"n": ["returned", "open"]}, derived={c: "breaches" for c in PROMISE + ["within_promise_naive"]},
    formats={**{c: "{:.1%}" for c in PROMISE}, "median_days": "{:.0f}"},
    columns=["year", "n", "returned", "open", "breaches", "median_days", *PROMISE],
    labels={"median_days": "median days"}, min_count=min_count,
)
reports.show(plots.plot_promise_compliance(turnaround.values))
reports.show(plots.plot_km_curves(qa.turnaround.km_curves(span, by=("year",))))
turnaround.show()
"""),
    code("""
if csv_path:
    written = reports.export_tables(published, csv_path)
    reports.say(f"The tables above are written, in tidy form, to `{written.name}` beside this report.")
"""),
]


def main() -> None:
    for name, title, cells in (
        ("window", "CMALT window report (staff only)", WINDOW),
        ("sections", "CMALT sections report for the committee", SECTIONS),
        ("trends", "CMALT trends report", TRENDS),
    ):
        nbformat.write(notebook(title, cells), HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
