# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
#   title: CMALT window report (staff only)
# ---

# %% [markdown]
# <div class="cmalt-staff-banner" role="note">Staff only — contains assessor-level figures; do not publish.</div>
#
# # CMALT window report
#
# How one reporting period went and which portfolios need attention now, for ALT staff.
# Every figure comes from the `cmalt_qa` toolkit; the provenance tables below say which
# data and settings produced them. Intervals are 95% intervals; *n* is always the number of
# portfolios (or section decisions) behind a figure.

# %% tags=["parameters"]
data: str = "data/sample"  # dataset folder or .xlsx workbook
window: str = ""  # reporting period YYYY-MM; empty: the latest in the data
as_of: str = ""  # ISO date the report describes; empty: the latest date in the data
n_boot: int = 1000  # bootstrap replicates for the agreement intervals

# %%
import cmalt_qa as qa
from cmalt_qa import plots, reports

reports.setup_notebook()
path = reports.resolve_data_path(data)
recs = qa.load(path)
chosen = reports.resolve("window", recs, window=window or None, as_of=as_of or None)
window, as_of = chosen["window"], chosen["as_of"]
here = recs.select(first_window=window, last_window=window)
AGREE_COLS = [
    "n",
    "percent_agreement",
    "kappa_quadratic",
    "kappa_quadratic_ci_low",
    "kappa_quadratic_ci_high",
    "ac2_quadratic",
    "ac2_quadratic_ci_low",
    "ac2_quadratic_ci_high",
    "kappa_paradox",
]
history = recs.select(last_window=window)
reports.say(f"**Reporting period {window}, as of {as_of}**: {len(here.submissions)} submissions.")
reports.provenance(recs, path, {**chosen, "n_boot": n_boot})

# %% [markdown]
# ## Submissions by pathway
#
# How many portfolios arrived in the period on each pathway, and of which kind: first
# submissions, resubmissions after a referral, and the 3-yearly portfolio reviews. The bars
# are stacked by kind (plain, hatched, dotted); the number at the end of a bar is the
# pathway's total.

# %%
counts = reports.submission_counts(here)
reports.show(reports.plot_submission_counts(counts))
reports.staff_table(
    counts,
    f"Submissions in {window} by pathway and kind",
    keys=["pathway", "submission_type"],
    labels={
        "pathway": "Pathway",
        "submission_type": "Kind",
        "n": "Submissions",
        "decided": "Decided",
        "open": "Open",
    },
)

# %% [markdown]
# ## Open cases and those at risk
#
# Every portfolio without a result on the report date, whatever its period, by the days
# left before its promise date (results no later than three calendar months after
# submission). *Overdue*: the promise date has passed. *At risk*: it falls within the next
# 21 days. The table lists both, most urgent first, with the assessors to contact.

# %%
open_now = qa.turnaround.open_cases(recs, as_of)
reports.show(plots.plot_open_cases(open_now))
urgent = open_now[open_now["status"] != "on track"]
reports.say(
    f"On {as_of}, {len(open_now)} portfolios are open: "
    f"{(open_now['status'] == 'overdue').sum()} overdue and "
    f"{(open_now['status'] == 'at risk').sum()} at risk."
)
reports.staff_table(
    urgent,
    f"Overdue and at-risk portfolios on {as_of}",
    keys=["submission_id"],
    columns=[
        "submission_id",
        "window",
        "pathway",
        "attempt",
        "stage",
        "days_open",
        "promise_due",
        "days_left",
        "status",
        "lead_assessor",
        "second_assessor",
    ],
)

# %% [markdown]
# ## Turnaround against the promise
#
# The share of portfolios returned within the promise, for this period and up to eight
# before it. Portfolios still open are counted as *censored* (a Kaplan-Meier estimate), so
# a period with open cases is not flattered by its quick returns; the hollow marker is the
# naive share among returned portfolios only. The second figure follows this period's
# portfolios by pathway: the share returned against days since submission.

# %%
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
    recent,
    "Turnaround by period (days from submission to result)",
    keys=["window"],
    columns=[
        "window",
        "n",
        "returned",
        "open",
        "breaches",
        "median_days",
        "p90_days",
        "within_promise",
        "within_promise_ci_low",
        "within_promise_ci_high",
        "within_8w",
    ],
    formats={
        c: "{:.0%}"
        for c in ["within_promise", "within_promise_ci_low", "within_promise_ci_high", "within_8w"]
    },
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

# %% [markdown]
# ## Outcomes
#
# Outcomes of first submissions (resubmissions and portfolio reviews are left out): pass
# with distinction, pass, referral for minor revisions, referral for major revisions. The
# figure sets this period beside the eight before it; the table splits this period by
# pathway, with the referral rate and its interval.

# %%
by_window = qa.referrals.outcomes(history, by=("window",)).tail(9)
reports.show(plots.plot_outcomes(by_window, x="window"))
outcomes = qa.referrals.outcomes(here, by=("pathway",))
reports.staff_table(
    outcomes,
    f"First-submission outcomes in {window} by pathway",
    keys=["pathway"],
    columns=[
        "pathway",
        "n",
        "n_open",
        "n_distinction",
        "n_pass",
        "n_minor",
        "n_major",
        "rate",
        "ci_low",
        "ci_high",
    ],
    formats={"rate": "{:.0%}", "ci_low": "{:.0%}", "ci_high": "{:.0%}"},
    labels={"n": "decided", "n_open": "open", "rate": "referral rate"},
)

# %% [markdown]
# ## Sections referred
#
# How often each section was rated *Revisions required* in the final decision on a first
# submission this period, with 95% intervals: the share of submissions whose pathway has
# the section. One period is a small sample, so wide intervals are expected; the
# committee's sections report pools several periods.

# %%
sections = qa.referrals.by_section(here, n_boot=n_boot)
reports.show(plots.plot_section_rates(sections))
top = sections.sort_values("rate", ascending=False).iloc[0]
reports.say(
    f"Section {reports.esc(top['section'])} was referred most often: {top['referred']:.0f} of "
    f"{top['n']:.0f} submissions ({top['rate']:.0%})."
)
reports.staff_table(
    sections,
    f"Sections referred in {window}",
    keys=["section"],
    columns=["section", "n", "referred", "rate", "ci_low", "ci_high"],
    formats={"rate": "{:.0%}", "ci_low": "{:.0%}", "ci_high": "{:.0%}"},
)

# %% [markdown]
# ## Agreement this window
#
# How far the lead and second assessors agreed, section by section, before they settled
# the final decision. The forest plot shows quadratic-weighted kappa with 95% intervals
# (1 = perfect agreement, 0 = no better than chance). When nearly every rating is
# *Adequate*, kappa can be low although the two agree almost always (the *kappa paradox*);
# such sections are drawn as red squares and should be read with Gwet's AC2 in the table.
# The heat map counts the pairs of ratings (lead by second) over all sections.

# %%
agreement = qa.agreement.by_section(here, n_boot=n_boot)
reports.show(plots.plot_agreement_forest(agreement))
paradox = agreement.loc[agreement["kappa_paradox"], "section"].tolist()
reports.say(
    f"Exact agreement ranged from {agreement['percent_agreement'].min():.0%} to "
    f"{agreement['percent_agreement'].max():.0%} across sections. Kappa paradox: "
    + reports.esc_list(paradox, empty="no section")
    + "."
)
reports.show(plots.plot_confusion(qa.agreement.confusion(here)))
reports.staff_table(
    agreement,
    f"Agreement between lead and second assessor by section, {window}",
    keys=["section"],
    columns=["section", *AGREE_COLS],
    formats={
        c: "{:.2f}" for c in AGREE_COLS if c not in ("n", "kappa_paradox", "percent_agreement")
    }
    | {"percent_agreement": "{:.0%}"},
)

# %% [markdown]
# ## Assessors (staff only)
#
# **Pairing rules.** A lead assessor must have assessed at least three portfolios before;
# two inexperienced assessors should not be paired; a resubmission normally goes back to
# the same assessors. The table lists every submission of this period that broke a rule.
#
# **Severity.** Each assessor's section ratings are compared with their co-assessor's on
# the same sections, over every period up to this one (0 = in line; negative = more
# severe). An assessor is flagged *out of line* when the interval excludes 0 and the
# shrunken difference exceeds the threshold stated under the figure. The heat map shows
# who assessed how many portfolios this period.

# %%
rules = qa.assessors.rule_counts(history, by=("window",))
reports.staff_table(
    rules[rules["window"] == window],
    f"Pairing-rule checks in {window}",
    keys=["window", "rule"],
    columns=["window", "rule", "n_checked", "n_breaches", "rate", "n_unknown_prior"],
    formats={"rate": "{:.0%}"},
)
breaches = qa.assessors.rule_breaches(recs, window=window)
if breaches.empty:
    reports.say(f"No submission in {window} broke a pairing rule.")
else:
    reports.staff_table(
        breaches,
        f"Submissions in {window} that broke a pairing rule",
        keys=["submission_id"],
        columns=[
            "submission_id",
            "rule",
            "lead_assessor",
            "second_assessor",
            "lead_prior",
            "second_prior",
            "seat_changed",
        ],
    )
severity = qa.assessors.severity(history, n_boot=n_boot)
reports.show(plots.plot_severity(severity))
flagged = severity[severity["out_of_line"]]
reports.say(
    f"Threshold: |shrunken severity| above {severity.attrs['threshold']:.2f} score points per "
    f"section. {len(flagged)} of {len(severity)} assessors are out of line"
    + (": " + reports.esc_list(flagged["assessor_id"]) + "." if len(flagged) else ".")
)
if len(flagged):
    reports.staff_table(
        flagged,
        "Assessors out of line (all periods up to this one)",
        keys=["assessor_id"],
        columns=[
            "assessor_id",
            "n_portfolios",
            "severity",
            "ci_low",
            "ci_high",
            "severity_shrunk",
            "agreement_with_final",
        ],
        formats={c: "{:+.2f}" for c in ["severity", "ci_low", "ci_high", "severity_shrunk"]}
        | {"agreement_with_final": "{:.0%}"},
    )
workload = qa.assessors.workload(here)
reports.show(plots.plot_workload(workload))
