"""One calling convention, checked in one place (issue 11, item 3).

Every public table function of agreement, referrals, turnaround and assessors takes
``f(recs, by=..., *, submission_types=..., as_of=..., ci=..., n_boot=..., seed=...)``
(only the keywords that make sense for it) and gives the same ValueError, with the
same message, for the same bad argument.
"""

from __future__ import annotations

import inspect
import re

import pytest

import cmalt_qa as qa
from cmalt_qa import _analysis

MODULES = (qa.agreement, qa.referrals, qa.turnaround, qa.assessors)
CONVENTION = ("by", "submission_types", "as_of", "ci", "n_boot", "seed")

# One bad value per argument, and the message every function must give for it.
BAD = {
    "ci": (1.5, "ci must be a confidence level strictly between 0 and 1 (e.g. 0.95), got 1.5"),
    "n_boot": (0, "n_boot must be an integer of at least 1 (bootstrap replicates), got 0"),
    "seed": (-1, "seed must be a non-negative integer, got -1"),
    "as_of": ("31/13/2025", "as_of is not an ISO date (YYYY-MM-DD): '31/13/2025'"),
    "submission_types": (("bogus",), "unknown submission type(s) ['bogus']"),
    "by": (("nonsense",), "cannot group by ['nonsense']: unknown grouping column(s)"),
}


def _table_functions():
    """(name, function) of every public function whose first parameter is ``recs``."""
    out = []
    for mod in MODULES:
        for name in mod.__all__:
            f = getattr(mod, name)
            if inspect.isfunction(f) and next(iter(inspect.signature(f).parameters)) == "recs":
                out.append((f"{mod.__name__.split('.')[-1]}.{name}", f))
    return out


TABLE_FUNCTIONS = _table_functions()


def _required(f):
    """Values for required arguments other than recs (open_cases needs as_of)."""
    params = inspect.signature(f).parameters
    return (
        {"as_of": "2025-01-01"}
        if params.get("as_of") and params["as_of"].default is inspect.Parameter.empty
        else {}
    )


def test_every_module_has_table_functions_and_they_take_the_convention():
    names = [n for n, _ in TABLE_FUNCTIONS]
    for mod in ("agreement", "referrals", "turnaround", "assessors"):
        assert any(n.startswith(mod + ".") for n in names), mod
    for name, f in TABLE_FUNCTIONS:
        params = inspect.signature(f).parameters
        for arg in ("submission_types", "ci", "n_boot", "seed"):
            if arg in params:  # keyword-only, except as the contract has it
                assert params[arg].kind is inspect.Parameter.KEYWORD_ONLY, (name, arg)
        if "by" in params and list(params).index("by") == 1:
            assert params["by"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, name


CASES = [
    (name, f, arg)
    for name, f in TABLE_FUNCTIONS
    for arg in BAD
    if arg in inspect.signature(f).parameters
]


def test_every_argument_of_the_convention_is_walked():
    assert {arg for _, _, arg in CASES} == set(BAD)
    assert len(CASES) >= 50


@pytest.mark.parametrize("name,f,arg", CASES, ids=[f"{n}-{a}" for n, _, a in CASES])
def test_same_bad_argument_same_error_everywhere(sample_records, name, f, arg):
    value, message = BAD[arg]
    kwargs = {**_required(f), arg: value}
    with pytest.raises(ValueError, match=re.escape(message)):
        f(sample_records, **kwargs)


@pytest.mark.parametrize("name,f", TABLE_FUNCTIONS, ids=[n for n, _ in TABLE_FUNCTIONS])
def test_records_checked_first(name, f):
    with pytest.raises(TypeError, match="expected Records"):
        f("data/sample", **_required(f))


def test_by_keeps_working_positionally_and_by_keyword(sample_records):
    a = qa.agreement.by_section(sample_records, by=("section",), n_boot=20, seed=0)
    b = qa.agreement.by_section(sample_records, ("section",), n_boot=20, seed=0)
    assert a.equals(b)


@pytest.mark.filterwarnings("ignore:.*submission.s. made after as_of")
def test_as_of_parsed_identically_everywhere(sample_records):
    """A date object, a Timestamp and the ISO string give the same table."""
    import datetime as dt

    import pandas as pd

    for f in (qa.referrals.flows, qa.referrals.eventual_pass, qa.turnaround.summary):
        tables = [
            f(sample_records, as_of=v)
            for v in ("2025-06-01", dt.date(2025, 6, 1), pd.Timestamp("2025-06-01 13:00"))
        ]
        assert tables[0].equals(tables[1]) and tables[0].equals(tables[2])
        with pytest.raises(TypeError, match="as_of must be a date"):
            f(sample_records, as_of=20250601)


def test_check_args_returns_the_checked_values(sample_records):
    t = _analysis.check_args(
        sample_records,
        "section",
        submission_types="first",
        as_of="2025-01-02",
        ci=0.9,
        n_boot=10,
        seed=3,
    )
    assert t.by == ("section",) and t.submission_types == ("first",)
    assert str(t.as_of.date()) == "2025-01-02" and (t.ci, t.n_boot, t.seed) == (0.9, 10, 3)
    for bad in (True, "0.9", float("nan"), 0, 1):
        with pytest.raises(ValueError, match="ci must be"):
            _analysis.check_ci(bad)
    for bad in (1.0, True, -3, None):
        with pytest.raises(ValueError, match="n_boot must be"):
            _analysis.check_n_boot(bad)
    with pytest.raises(TypeError, match="by must be"):
        _analysis.check_args(sample_records, (1, 2))
