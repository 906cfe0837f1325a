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
# Intervals are 95% intervals; *n* is always the number of portfolios (or section
# decisions) behind a figure. The provenance section at the end says which data and
# settings produced the figures.

# %% tags=["parameters"]
data: str = "data/sample"  # dataset folder or .xlsx workbook
dates: str = "auto"  # numeric dates: auto (day first), dayfirst, monthfirst or iso
window: str = ""  # reporting period YYYY-MM; empty: the latest in the data
as_of: str = ""  # ISO date the report describes; empty: the latest date in the data
n_boot: int = 1000  # bootstrap replicates for the agreement intervals

# %%
import cmalt_qa as qa
from cmalt_qa import plots, reports
from cmalt_qa.reports import fmt

reports.setup_notebook()
path = reports.resolve_data_path(data)
recs = qa.load(path, dates=dates)
chosen = reports.resolve("window", recs, window=window or None, as_of=as_of or None)
window, as_of = chosen["window"], chosen["as_of"]
here = recs.select(first_window=window, last_window=window)
history = recs.select(last_window=window)
severity = qa.assessors.severity(history, n_boot=n_boot)
reports.say(
    f"**Reporting period {window}, as of {as_of}**: "
    f"{fmt.plural(len(here.submissions), 'submission')}."
)
act_now = reports.show_act_now(recs, as_of, window=window, severity=severity)

# %% [markdown]
# ## Submissions by pathway
#
# How many portfolios arrived in the period on each pathway, and of which kind: first
# submissions, resubmissions after a referral, and the 3-yearly portfolio reviews. The bars
# are stacked by kind (plain, hatched, dotted); the number at the end of a bar is the
# pathway's total.

# %%
counts = reports.submission_counts(here)
if counts.empty:
    reports.say(f"No submission in {window} yet: nothing to show yet.")
else:
    reports.show(reports.plot_submission_counts(counts))
reports.show_window_table("submissions", counts, window=window)

# %% [markdown]
# ## Open cases and those at risk
#
# Every portfolio without a result on the report date, whatever its period, by the days
# left before its promise date (results no later than three calendar months after
# submission). *Overdue*: the promise date has passed. *At risk*: it falls within the next
# 21 days. The figure draws the most urgent; the table lists every overdue and at-risk
# portfolio, with the assessors to contact (sort by a heading, or filter).

# %%
open_now = qa.turnaround.open_cases(recs, as_of)
reports.show(plots.plot_open_cases(open_now))
reports.show_urgent(act_now)

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
reports.say(reports.turnaround_sentence(turnaround, window))
reports.show_window_table("turnaround", recent, window=window)
if here.submissions["result_on"].notna().any():
    reports.show(plots.plot_km_curves(qa.turnaround.km_curves(here, by=("pathway",), as_of=as_of)))
reports.say(reports.calendar_sentence(qa.turnaround.calendar_check(history, as_of), window))

# %% [markdown]
# ## Outcomes
#
# Outcomes of first submissions (resubmissions and portfolio reviews are left out): pass
# with distinction, pass, referral for minor revisions, referral for major revisions. The
# figure sets this period beside the eight before it; the table splits this period by
# pathway, with the referral rate and its interval.

# %%
by_window = qa.referrals.outcomes(history, by=("window",)).tail(9)
if by_window["n"].sum() > 0:
    reports.show(plots.plot_outcomes(by_window[by_window["n"] > 0], x="window"))
outcomes = qa.referrals.outcomes(here, by=("pathway",))
reports.show_window_table(
    "outcomes", outcomes[outcomes["n"] + outcomes["n_open"] > 0], window=window
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
sections = sections[sections["n"] > 0]
if sections.empty:
    reports.say(f"No section of {window} has a final decision yet: nothing to show yet.")
else:
    reports.show(plots.plot_section_rates(sections))
    reports.say(reports.top_section_sentence(sections))
reports.show_window_table("sections", sections, window=window)

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
agreement = agreement[agreement["n"] > 0]
if agreement.empty:
    reports.say(f"No pair of ratings in {window} yet: nothing to show yet.")
else:
    reports.show(plots.plot_agreement_forest(agreement))
    reports.say(reports.agreement_sentence(agreement))
    reports.show(plots.plot_confusion(qa.agreement.confusion(here)))
reports.show_window_table("agreement", agreement, window=window)

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
# shrunken difference exceeds the threshold stated under the figure. The last figure shows
# who assessed how many portfolios this period.

# %%
rules = qa.assessors.rule_counts(history, by=("window",))
reports.show_window_table("pairing_rules", rules[rules["window"] == window], window=window)
breaches = qa.assessors.rule_breaches(recs, window=window)
if breaches.empty:
    reports.say(f"No submission in {window} broke a pairing rule.")
else:
    reports.show_window_table("breaches", breaches, window=window)
rated = severity[severity["ci_low"].notna() & severity["ci_high"].notna()]
if rated.empty:
    reports.say("No assessor has paired ratings yet: nothing to show yet.")
else:
    reports.show(plots.plot_severity(severity))
    reports.say(reports.severity_sentence(severity))
reports.show_window_table("severity", severity, window=window)
workload = qa.assessors.workload(here)
if workload.empty or workload["total"].sum() == 0:
    reports.say(f"No portfolio of {window} has been allocated yet.")
else:
    reports.show(plots.plot_workload(workload))

# %% [markdown]
# ## Provenance
#
# Where these figures come from: the data, a checksum of each input file, the rows loaded
# and kept out, the parameters and the toolkit version.

# %%
reports.provenance(recs, path, {**chosen, "n_boot": n_boot})
