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
# of submissions (or section decisions) behind a figure. Counts from 1 to 4 are shown as
# "<5", and figures that would reveal them are withheld.

# %% tags=["parameters"]
data: str = "data/sample"  # dataset folder or .xlsx workbook
first_window: str = ""  # first reporting period YYYY-MM; empty: nine periods up to the last
last_window: str = ""  # last reporting period YYYY-MM; empty: the latest in the data
pathway: str = ""  # ACMALT, CMALT or SCMALT; empty: every pathway
min_count: int = 5  # smallest count published; smaller non-zero counts read <5
n_boot: int = 1000  # bootstrap replicates for the intervals

# %%
import cmalt_qa as qa
from cmalt_qa import plots, reports

reports.setup_notebook()
path = reports.resolve_data_path(data)
recs = qa.load(path)
chosen = reports.resolve(
    "sections",
    recs,
    window=last_window or None,
    first_window=first_window or None,
    pathway=pathway or None,
)
first_window, last_window, pathway = (
    chosen["first_window"],
    chosen["last_window"],
    chosen["pathway"],
)
span = recs.select(first_window, last_window, pathway)
scope = f"{first_window} to {last_window}" + (f", {pathway} only" if pathway else ", all pathways")
reports.say(f"**Periods {scope}**: {len(span.submissions)} submissions.")
reports.provenance(
    recs, path, {**chosen, "min_count": min_count, "n_boot": n_boot}, min_count=min_count
)
RATE = {c: "{:.1%}" for c in ["rate", "ci_low", "ci_high"]}
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

# %% [markdown]
# ## Referral rate by section
#
# The share of first submissions in which each section was rated *Revisions required* in
# the final decision, among submissions whose pathway has the section, with 95% intervals.
# Sections are sorted by their rate; where intervals overlap, the difference between two
# sections may be chance.

# %%
RATE_RULES = dict(
    counts=["n", "referred"],
    derived={c: "referred" for c in RATE},
    subsets={"referred": "n"},
    formats=RATE,
    min_count=min_count,
)
rates = reports.disclosed(
    qa.referrals.by_section(span, n_boot=n_boot),
    f"Referral rate by section, {scope}",
    columns=["section", "n", "referred", "rate", "ci_low", "ci_high"],
    **RATE_RULES,
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
        columns=["pathway", "section", "n", "referred", "rate", "ci_low", "ci_high"],
        **RATE_RULES,
    )
    reports.show(plots.plot_section_rates(by_pathway.values))
    by_pathway.show()

# %% [markdown]
# ## Is the referral rate stable? (p chart)
#
# A p chart of the first-attempt referral rate per period: the centre line is the pooled
# rate, the dashed lines are 3-sigma limits for each period's size. A red triangle marks a
# *special cause*: a point beyond the limits, or a run of points that chance alone rarely
# produces. Points between the limits vary by chance and call for no action. The table
# lists every section and period with a signal.

# %%
CHART_RULES = dict(
    counts=["n", "k"],
    derived={"rate": "k"},
    subsets={"k": "n"},
    labels={"k": "referred"},
    min_count=min_count,
    formats={c: "{:.1%}" for c in ["rate", "centre", "lcl", "ucl"]},
)
chart = reports.disclosed(
    qa.referrals.p_chart(span),
    f"First-attempt referral rate per period, {scope}",
    columns=["window", "n", "k", "rate", "centre", "lcl", "ucl", "signal"],
    **CHART_RULES,
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
        signals,
        "Sections and periods with a special-cause signal",
        keys=["section", "window"],
        columns=["section", "window", "n", "k", "rate", "centre", "signal"],
        **CHART_RULES,
    ).show()

# %% [markdown]
# ## Which element is lacking
#
# When a section is rated *Revisions required* the feedback says which of its elements
# were lacking: description, evidence or reflection (one or more). For each section the
# bars show the share of R decisions lacking each element, with 95% intervals; R decisions
# without gap data are left out rather than read as "nothing lacking".

# %%
ELEMENTS = ["description", "evidence", "reflection"]
RATES = [f"{e}_{s}" for e in ELEMENTS for s in ("rate", "ci_low", "ci_high")]
gaps = reports.disclosed(
    qa.referrals.gaps(span, by=("section",), n_boot=n_boot),
    f"Elements lacking in R decisions by section, {scope}",
    counts=["n", "n_r", "n_gaps_recorded", *ELEMENTS],
    derived={c: c.split("_")[0] for c in RATES},
    subsets={e: "n_gaps_recorded" for e in ELEMENTS},
    formats={c: "{:.0%}" for c in RATES},
    columns=[
        "section",
        "n",
        "n_r",
        "n_gaps_recorded",
        *[c for e in ELEMENTS for c in (e, f"{e}_rate")],
    ],
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
COEFS = [c for c in AGREE_COLS if c not in ("n", "kappa_paradox")]
agreement = reports.disclosed(
    qa.agreement.by_section(span, n_boot=n_boot),
    f"Agreement by section, {scope}",
    counts=["n"],
    derived={c: "n" for c in COEFS + ["kappa_paradox"]},
    formats={c: "{:.2f}" for c in COEFS} | {"percent_agreement": "{:.0%}"},
    columns=["section", *AGREE_COLS],
    labels={"n": "pairs"},
    min_count=min_count,
)
reports.show(plots.plot_agreement_forest(agreement.values))
flagged = agreement.values.loc[agreement.values["kappa_paradox"] == True, "section"].tolist()
reports.say(
    "Sections showing the kappa paradox: " + (", ".join(flagged) if flagged else "none") + "."
)
agreement.show()

# %% [markdown]
# ### How disagreements were resolved
#
# Where the two assessors rated a section differently, which rating did the final
# decision follow: the lead's, the second's or neither; and was it the more or the less
# severe of the two? Shares are of the disagreements in each section, with 95% intervals.

# %%
RES = ["share", "ci_low", "ci_high"]
reports.disclosed(
    qa.agreement.resolution(span, n_boot=n_boot),
    f"How disagreements were resolved, {scope}",
    counts=["n", "n_disagreements"],
    derived={c: "n" for c in RES},
    subsets={"n": "n_disagreements"},
    formats={c: "{:.0%}" for c in RES},
    keys=["section", "classification", "result"],
    columns=["section", "classification", "result", "n", "n_disagreements", *RES],
    labels={"n_disagreements": "disagreements"},
    min_count=min_count,
).show()
