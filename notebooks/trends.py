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
# section decisions) behind a figure. Counts from 1 to 4 are shown as "<5", and figures
# that would reveal them are withheld. The tables are also written as a tidy CSV.

# %% tags=["parameters"]
data: str = "data/sample"  # dataset folder or .xlsx workbook
last_window: str = ""  # last reporting period covered, YYYY-MM; empty: the latest in the data
min_count: int = 5  # smallest count published; smaller non-zero counts read <5
n_boot: int = 1000  # bootstrap replicates for the intervals
csv_path: str = ""  # where to write the tidy tables as CSV; empty: not written

# %%
import cmalt_qa as qa
from cmalt_qa import plots, reports

reports.setup_notebook()
path = reports.resolve_data_path(data)
recs = qa.load(path)
chosen = reports.resolve("trends", recs, window=last_window or None)
span = recs.select(last_window=chosen["last_window"])
scope = f"{chosen['first_window']} to {chosen['last_window']}"
reports.say(f"**Periods {scope}**: {len(span.submissions)} submissions.")
reports.provenance(
    recs, path, {**chosen, "min_count": min_count, "n_boot": n_boot}, min_count=min_count
)
RATE = {c: "{:.1%}" for c in ["rate", "ci_low", "ci_high"]}
OUTCOME_COUNTS = ["n_distinction", "n_pass", "n_minor", "n_major"]
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
published = {}

# %% [markdown]
# ## Outcomes and referral rates by year
#
# The first figure stacks the outcomes of decided first submissions in each year; the
# second follows the first-attempt referral rate of each pathway, with 95% interval bands
# (narrow bands: many portfolios; wide bands: few). A change smaller than the bands is
# not evidence of a trend.

# %%
yearly = published["outcomes_by_year"] = reports.disclosed(
    qa.referrals.outcomes(span, by=("year",)),
    "First-submission outcomes by year",
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
    counts=["n", "referred"],
    subsets={"referred": "n"},
    derived={c: "referred" for c in RATE},
    formats=RATE,
    columns=["year", "pathway", "n", "referred", "rate", "ci_low", "ci_high"],
    labels={"n": "decided"},
    min_count=min_count,
)
reports.show(
    reports.plot_rate_by(by_pathway.values, x="year", group="pathway", what="referral rate")
)
yearly.show()
by_pathway.show()

# %% [markdown]
# ## Which element is found lacking, by year
#
# For every section rated *Revisions required*, the feedback names the lacking elements:
# description, evidence, reflection. The lines show, per year, the share of R decisions
# (with gap data) lacking each element, with 95% interval bands. The guidelines single out
# a lack of adequate reflection as the commonest reason for a referral; this is where to
# see whether that holds and whether it is changing.

# %%
ELEMENTS = ["description", "evidence", "reflection"]
gaps = published["elements_lacking_by_year"] = reports.disclosed(
    qa.referrals.gaps(span, by=("year",), n_boot=n_boot),
    "Elements lacking in R decisions by year",
    counts=["n", "n_r", "n_gaps_recorded", *ELEMENTS],
    derived={f"{e}_{s}": e for e in ELEMENTS for s in ("rate", "ci_low", "ci_high")},
    subsets={e: "n_gaps_recorded" for e in ELEMENTS},
    formats={f"{e}_{s}": "{:.0%}" for e in ELEMENTS for s in ("rate", "ci_low", "ci_high")},
    columns=[
        "year",
        "n",
        "n_r",
        "n_gaps_recorded",
        *[f"{e}_{s}" for e in ELEMENTS for s in ("rate", "ci_low", "ci_high")],
    ],
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
gaps.show()

# %% [markdown]
# ## Agreement over time
#
# How far the lead and second assessors agreed each year, over all sections:
# quadratic-weighted kappa with 95% intervals (1 = perfect agreement, 0 = no better than
# chance). Years flagged with the *kappa paradox* (most ratings *Adequate*, so kappa
# understates agreement) are drawn as red squares; read Gwet's AC2 in the table for them.

# %%
COEFS = [c for c in AGREE_COLS if c not in ("n", "kappa_paradox")]
agreement = published["agreement_by_year"] = reports.disclosed(
    qa.agreement.by_section(span, by=("year",), n_boot=n_boot),
    "Agreement by year",
    counts=["n"],
    derived={c: "n" for c in COEFS + ["kappa_paradox"]},
    formats={c: "{:.2f}" for c in COEFS} | {"percent_agreement": "{:.0%}"},
    columns=["year", *AGREE_COLS],
    labels={"n": "pairs"},
    min_count=min_count,
)
reports.show(plots.plot_agreement_forest(agreement.values))
agreement.show()

# %% [markdown]
# ## Turnaround by year
#
# The share of portfolios returned within the promise (three calendar months) in each
# year, with 95% intervals; open portfolios are censored rather than dropped. The second
# figure shows the share returned against days since submission, one curve per year.

# %%
PROMISE = ["within_promise", "within_promise_ci_low", "within_promise_ci_high"]
turnaround = published["turnaround_by_year"] = reports.disclosed(
    qa.turnaround.summary(span, by=("year",)),
    "Turnaround by year",
    counts=["n", "returned", "open", "breaches"],
    parts={"n": ["returned", "open"]},
    derived={c: "breaches" for c in PROMISE + ["within_promise_naive"]},
    formats={**{c: "{:.1%}" for c in PROMISE}, "median_days": "{:.0f}"},
    columns=["year", "n", "returned", "open", "breaches", "median_days", *PROMISE],
    labels={"median_days": "median days"},
    min_count=min_count,
)
reports.show(plots.plot_promise_compliance(turnaround.values))
reports.show(plots.plot_km_curves(qa.turnaround.km_curves(span, by=("year",))))
turnaround.show()

# %%
if csv_path:
    written = reports.export_tables(published, csv_path)
    reports.say(
        f"The tables above are written, in tidy form, to `{written.name}` beside this report."
    )
