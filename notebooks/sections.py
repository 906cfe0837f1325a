# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
#   title: CMALT sections report for the committee
# ---

# %% [markdown]
# # CMALT sections report for the committee
#
# Which sections most often need revision, on which pathway, and which element is found
# lacking; whether the referral rate is stable over time. The figures pool the reporting
# periods named in the provenance table. Intervals are 95% intervals; *n* is the number
# of submissions (or section decisions) behind a figure. Counts from 1 to 4, and every
# figure that would reveal one, read "suppressed" (docs/disclosure.md).

# %% tags=["parameters"]
data: str = "data/sample"  # dataset folder or .xlsx workbook
dates: str = "auto"  # numeric dates: auto (day first), dayfirst, monthfirst or iso
first_window: str = ""  # first reporting period YYYY-MM; empty: nine periods up to the last
last_window: str = ""  # last reporting period YYYY-MM; empty: the latest in the data
pathway: str = ""  # ACMALT, CMALT or SCMALT; empty: every pathway
min_count: int = 5  # smallest count published; smaller non-zero counts are suppressed
n_boot: int = 1000  # bootstrap replicates for the intervals
ledger: str = ""  # publication ledger (published-ledger.json) to audit against; empty: none
audit_path: str = ""  # where the disclosure audit is written; empty: not written

# %%
from cmalt_qa import plots, reports

# Load, check the parameters, select the periods and pass every table through the one
# disclosure step of the whole report: every table, figure and sentence below is drawn
# from `published`, whose audit has passed (docs/disclosure.md).
report = reports.open_published(
    "sections",
    data,
    dates=dates,
    first_window=first_window,
    last_window=last_window,
    pathway=pathway,
    min_count=min_count,
    n_boot=n_boot,
    ledger=ledger,
    audit_path=audit_path,
)
report.introduce()
published, pathway = report.published, report.pathway

# %% [markdown]
# ## Referral rate by section
#
# The share of first submissions in which each section was rated *Revisions required* in
# the final decision, among submissions whose pathway has the section, with 95% intervals.
# Sections are sorted by their rate; where intervals overlap, the difference between two
# sections may be chance.

# %%
rates = published.table("rates")
reports.show(plots.plot_section_rates(rates.values))
reports.say(reports.headline_rank(rates.values, "section", "rate", "section"))
reports.show_published(rates)
if not pathway:
    by_pathway = published.table("by_pathway")
    reports.show(plots.plot_section_rates(by_pathway.values))
    reports.show_published(by_pathway)

# %% [markdown]
# ## Is the referral rate stable? (p chart)
#
# A p chart of the first-attempt referral rate per period: the centre line is the pooled
# rate, the dashed lines are exact probability limits for each period's size. A red
# triangle marks a *special cause*: a point beyond the limits, or a *step change* (the rate
# moved from one period on and stayed, tested on all periods together). The tests are set
# so that, with no change at all, the chance of any false signal is 5% for the overall
# chart and 5% for all the section charts together. Points between the limits vary by
# chance and call for no action. The table lists every section and period with a signal
# and which test gave it.
#
# What the charts can and cannot detect (checked by simulation at this report's usual
# sizes, docs/validation.md): with no change at all, some section signals in about 3
# reports in 100. When a section's referral rate doubles (say from 18% to 35%) and stays
# there, the section is signalled in 76 to 96 reports in 100 when the change began
# between the third and the seventh of nine periods, and in 63 when it began in the
# eighth; but only in about 37 when it began in the second period and 7 when it shows
# only in the last, partly filled period. No test can tell one period of that size from
# chance without many more false alarms: such a change is usually signalled once the
# next periods arrive.

# %%
chart = published.table("p_chart")
centre = published.table("p_chart_centre")
reports.show(plots.plot_p_chart(chart.values.assign(centre=centre.values["centre"].iloc[0])))
signals = published.table("signals")
flagged = chart.values["special_cause"].eq(True)
n_flagged = int(flagged.sum())
n_signal_sections = signals.values.dropna(subset=["signal"])["section"].nunique()
reports.say(
    f"{n_flagged} of {reports.fmt.plural(len(chart.values), 'period')} "
    f"{reports.fmt.plural(n_flagged, 'shows', 'show', number=False)} a special cause in the "
    f"overall rate; {n_signal_sections} of {reports.fmt.plural(len(rates.values), 'section')} "
    f"{reports.fmt.plural(n_signal_sections, 'shows', 'show', number=False)} one in at least "
    "one period (among the figures shown)."
    if len(chart.values)
    else "No first submission has been decided in these periods yet: nothing to chart."
)
reports.show_published(chart, note=f"Centre line (pooled rate): {centre.shown['centre'].iloc[0]}.")
if len(signals.values):
    reports.show_published(signals)

# %% [markdown]
# ## Which element is lacking
#
# When a section is rated *Revisions required* the feedback says which of its elements
# were lacking: description, evidence or reflection (one or more). For each section the
# bars show the share of R decisions lacking each element, with 95% intervals; R decisions
# without gap data are left out rather than read as "nothing lacking".

# %%
ELEMENTS = ["description", "evidence", "reflection"]
gaps = published.table("gaps")
reports.show(plots.plot_gaps(gaps.values))
complete = gaps.values.dropna(subset=[f"{e}_rate" for e in ELEMENTS])
most = complete[[f"{e}_rate" for e in ELEMENTS]].idxmax(axis=1).str.removesuffix("_rate")
reports.say(
    f"Of the {reports.fmt.plural(len(complete), 'section')} whose three shares are all published, "
    "reflection is the "
    f"element most often lacking in {(most == 'reflection').sum()}."
    if len(complete)
    else "No section has all three shares published: nothing to show yet."
)
reports.show_published(gaps)

# %% [markdown]
# ## Do assessors agree?
#
# How far the lead and second assessors agreed, section by section, before they settled
# the final decision: quadratic-weighted kappa with 95% intervals (1 = perfect agreement,
# 0 = no better than chance). When nearly every rating is *Adequate*, kappa can be low
# although the two agree almost always (the *kappa paradox*); such sections are drawn as
# red squares and flagged in the table, where Gwet's AC2, which does not suffer from it,
# is the figure to read.

# %%
agreement = published.table("agreement")
reports.show(plots.plot_agreement_forest(agreement.values))
flagged = agreement.values.loc[agreement.values["kappa_paradox"].eq(True), "section"].tolist()
reports.say("Sections showing the kappa paradox: " + reports.esc_list(flagged) + ".")
reports.show_published(agreement)

# %% [markdown]
# ### How disagreements were resolved
#
# Where the two assessors rated a section differently, which rating did the final
# decision follow: the lead's, the second's or neither; and was it the more or the less
# severe of the two? Shares are of the disagreements in each section, with 95% intervals.

# %%
reports.show_published(published.table("resolution"))
