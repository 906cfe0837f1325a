# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
#   title: CMALT trends report
# ---

# %% [markdown]
# # CMALT trends report
#
# Trends over every year in the data, for research on reflective practice and on the
# scheme: outcomes and referral rates by pathway, which element of a section is found
# lacking (reflection above all), and how long results take. Years are the years of the
# reporting periods. Intervals are 95% intervals; *n* is the number of submissions (or
# section decisions) behind a figure. Counts from 1 to 4, and every figure that would
# reveal one, read "suppressed" (docs/disclosure.md). The tables are also written as a
# tidy CSV.

# %% tags=["parameters"]
data: str = "data/sample"  # dataset folder or .xlsx workbook
dates: str = "auto"  # numeric dates: auto (day first), dayfirst, monthfirst or iso
last_window: str = ""  # last reporting period covered, YYYY-MM; empty: the latest in the data
min_count: int = 5  # smallest count published; smaller non-zero counts are suppressed
n_boot: int = 1000  # bootstrap replicates for the intervals
csv_path: str = ""  # where to write the tidy tables as CSV; empty: not written
ledger: str = ""  # publication ledger (published-ledger.json) to audit against; empty: none
audit_path: str = ""  # where the disclosure audit is written; empty: not written

# %%
import cmalt_qa as qa
from cmalt_qa import plots, reports

# Load, check the parameters, select the periods and pass every table through the one
# disclosure step of the whole report: every table, figure and sentence below is drawn
# from `published`, whose audit has passed (docs/disclosure.md).
report = reports.open_published(
    "trends",
    data,
    dates=dates,
    last_window=last_window,
    min_count=min_count,
    n_boot=n_boot,
    ledger=ledger,
    audit_path=audit_path,
)
report.introduce()
published, span = report.published, report.span

# %% [markdown]
# ## Outcomes and referral rates by year
#
# The first figure stacks the outcomes of decided first submissions in each year; the
# second follows the first-attempt referral rate of each pathway, with 95% interval bands
# (narrow bands: many portfolios; wide bands: few). A change smaller than the bands is
# not evidence of a trend.

# %%
yearly = published.table("outcomes_by_year")
reports.show(plots.plot_outcomes(yearly.values, x="year"))
by_pathway = published.table("referral_rate_by_year_pathway")
reports.show(
    reports.plot_rate_by(by_pathway.values, x="year", group="pathway", what="referral rate")
)
reports.show_published(yearly)
reports.show_published(by_pathway)

# %% [markdown]
# ## Which element is found lacking, by year
#
# For every section rated *Revisions required*, the feedback names the lacking elements:
# description, evidence, reflection. The lines show, per year, the share of R decisions
# (with gap data) lacking each element, with 95% interval bands. The guidelines single out
# a lack of adequate reflection as the commonest reason for a referral; this is where to
# see whether that holds and whether it is changing.

# %%
gaps = published.table("elements_lacking_by_year")
reports.show(reports.plot_gap_trends(gaps.values, x="year"))
reports.say(reports.last_gap_sentence(gaps.values, "year"))
reports.say(
    {
        "recorded": "The lacking elements were recorded by the assessors.",
        "feedback": "The lacking elements were not recorded: they were read automatically "
        "from the assessors' feedback comments (`cmalt_qa.feedback`). The reading rarely "
        "names an element that was not lacking but misses some that were, so these shares "
        "are likely to understate them (docs/feedback.md).",
        "mixed": "The lacking elements were recorded by the assessors where available and "
        "otherwise read automatically from their feedback comments (`cmalt_qa.feedback`), "
        "which misses some lacking elements (docs/feedback.md).",
        "none": "No R decision in these periods has its lacking elements recorded or "
        "readable from feedback.",
    }[qa.feedback.gaps_provenance(span.ratings)]
)
reports.show_published(gaps)

# %% [markdown]
# ## Agreement over time
#
# How far the lead and second assessors agreed each year, stratified by section, first
# submissions only: each year's agreement is the average of its sections' agreement,
# weighted by each section's share of all rated pairs, so a year with more resubmissions
# or more of a hard section does not look worse when no assessor changed
# (`agreement.trend`). Quadratic-weighted kappa with 95% intervals (1 = perfect
# agreement, 0 = no better than chance). Years flagged with the *kappa paradox* (most ratings *Adequate*, so kappa
# understates agreement) are drawn as red squares; read Gwet's AC2 in the table for them.

# %%
agreement = published.table("agreement_by_year")
reports.show(plots.plot_agreement_forest(agreement.values))
reports.show_published(agreement)

# %% [markdown]
# ## Turnaround by year
#
# The share of portfolios returned within the promise (three calendar months) in each
# year, with 95% intervals; open portfolios are censored rather than dropped. The second
# figure shows the share returned against days since submission, one curve per year.

# %%
turnaround = published.table("turnaround_by_year")
reports.show(plots.plot_promise_compliance(turnaround.values))
# Curves only for years whose n is published, each stopped where fewer than min_count
# remain at risk.
reports.show(plots.plot_km_curves(published.extra["km_curves"]))
reports.show_published(turnaround)

# %%
if csv_path:
    written = reports.export_tables(
        {name: published.table(name) for name in published.public_names}, csv_path
    )
    reports.say(
        f"The tables above are written, in tidy form, to `{written.name}` beside this report."
    )
