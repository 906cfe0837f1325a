"""The rule registry: one named, short function per CONTRACT quarantine rule."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import cmalt_qa as qa
from cmalt_qa import _rules, records, scheme

CONTRACT_RULES = {
    "missing_value", "unknown_code", "bad_date", "date_order", "bad_number",
    "duplicate_key", "same_assessor", "attempt_type", "outcome_for_attempt",
    "outcome_without_result_date", "result_without_outcome", "outcome_contradicts_ratings",
    "orphan_resubmission", "section_not_on_pathway", "unknown_submission",
    "submission_quarantined",
}  # fmt: skip
NEW_RULES = {"implausible_date", "formula_not_stored"}  # issue 18
LOADER_MODULES = (
    "_columns",
    "_context",
    "_errors",
    "_personal",
    "_readers",
    "_rules",
    "_validate",
    "records",
    "scheme",
    "synthetic",
    "anonymise",
)


def test_one_named_function_per_rule() -> None:
    names = [r.name for r in _rules.REGISTRY]
    assert len(names) == len(set(names))
    assert set(names) == CONTRACT_RULES | NEW_RULES
    for r in _rules.REGISTRY:
        assert r.find.__name__ == r.name, "a rule's function carries the rule's name"
        assert r.description and r.find.__doc__
    assert records.QUARANTINE_RULES == {r.name: r.description for r in _rules.REGISTRY}
    assert records.RULES is records.QUARANTINE_RULES  # the former name, kept


def test_every_rule_is_reachable(tmp_path: Path) -> None:
    """Each rule quarantines at least one row of a dataset built to break it."""
    subs, rats, asrs = (qa.synthetic.generate_frames(60, seed=4)[i] for i in range(3))
    subs = subs.copy()
    decided = subs.index[subs["outcome"] != ""]
    first = subs.index[(subs["attempt"] == "1") & (subs["outcome"] != "")]
    subs.loc[first[0], "second_assessor"] = subs.loc[first[0], "lead_assessor"]
    subs.loc[first[1], "submission_type"] = "resubmission"
    subs.loc[first[2], "outcome"] = "fail"
    subs.loc[first[3], "result_on"] = ""
    subs.loc[first[4], "outcome"] = ""
    subs.loc[first[5], "submitted_on"] = "2025-02-30"
    subs.loc[first[6], "pathway"] = "Masters"
    subs.loc[first[7], "portfolio_id"] = ""
    subs.loc[first[8], "result_on"] = "2001-01-01"
    subs.loc[first[9], "assessed_on"] = "2062-01-01"
    subs.loc[len(subs)] = subs.loc[decided[-1]].to_numpy()
    att2 = subs.index[subs["attempt"] == "2"]
    subs.loc[att2[0], "portfolio_id"] = "P-none"
    touched = {*first[:10], decided[-1], att2[0]}
    clean = subs.loc[[i for i in subs.index[:60] if i not in touched]]
    rats = rats.copy()
    rats.loc[len(rats)] = ["S-none", "1a", "S", "S", "S", ""]
    acmalt = clean.loc[clean["pathway"] == "ACMALT", "submission_id"].iloc[0]
    rats.loc[len(rats)] = [acmalt, "6a", "S", "S", "S", ""]
    passed = clean.loc[clean["outcome"] == "pass", "submission_id"].iloc[0]
    rats.loc[rats.index[rats["submission_id"] == passed][0], "final"] = "R"
    asrs = asrs.copy()
    asrs.loc[0, "prior_assessments"] = "-2"
    got = set(qa.from_frames(subs, rats, asrs).problems["rule"])
    assert got == CONTRACT_RULES | {"implausible_date"}  # formulas: workbooks only


def _long_functions(module: str, limit: int = 80) -> list[str]:
    tree = ast.parse(
        Path(
            inspect.getfile(
                getattr(qa, module, None) or __import__(f"cmalt_qa.{module}", fromlist=["_"])
            )
        ).read_text()
    )
    return [
        f"{module}.{n.name}: {n.end_lineno - n.lineno + 1} lines"
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
        and n.end_lineno - n.lineno + 1 > limit
    ]


def test_loader_functions_are_short() -> None:
    assert [f for m in LOADER_MODULES for f in _long_functions(m)] == []


def test_facts_live_in_scheme() -> None:
    from cmalt_qa import _analysis, _readers, anonymise, cli

    assert _analysis.DATE_COLUMNS is scheme.DATE_COLUMNS
    assert _readers.RATING_TEXT_ONLY == set(scheme.RATING_COLUMNS) - {"submission_id"}
    for mod in (records, cli, anonymise, _readers):
        assert not hasattr(mod, "_TABLES") and not hasattr(mod, "_sha256")
