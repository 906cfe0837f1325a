"""cmalt_qa.feedback: reading which element was lacking from assessors' comments."""

from __future__ import annotations

import doctest
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from feedback_scores import SPLITS, labelled, scores
from sklearn.metrics import precision_recall_fscore_support

import cmalt_qa as qa
from cmalt_qa import feedback as fb

E = list(fb.ELEMENTS)


# --------------------------------------------------------------------------- labelled set
def test_labelled_set_shape() -> None:
    t = labelled()
    assert len(t) >= 200
    assert set(t["split"]) == set(SPLITS)
    assert (t["split"] == "heldout").sum() >= 100
    assert not t["text"].duplicated().any()
    assert t["id"].is_unique
    # every hard case of the issue is present in the held-out part
    h = t[t["split"] == "heldout"]
    assert (~h[E].any(axis=1)).sum() >= 30  # comments that ask for nothing
    assert h[E].all(axis=1).sum() >= 3  # absent sections
    for e in E:
        assert h[e].sum() >= 15


@pytest.mark.parametrize("method", ["rules", "hybrid"])
def test_heldout_meets_targets(method: str) -> None:
    """Issue 17's targets, on the part the rules were not tuned on (nor the model
    trained on)."""
    s = scores("heldout", method).set_index("measure")
    assert s.loc["macro", "f1"] >= 0.85
    for e in E:
        assert s.loc[e, "f1"] >= 0.75, e
    assert s.loc["nothing_asked", "nothing_rate"] >= 0.85


def test_evaluate_matches_sklearn() -> None:
    """evaluate() against sklearn.metrics.precision_recall_fscore_support."""
    t = labelled()
    rng = np.random.default_rng(7)
    pred = t[E].copy()
    flip = rng.random(pred.shape) < 0.2
    pred[:] = pred.to_numpy() ^ flip
    ours = fb.evaluate(pred, t).set_index("measure")
    p, r, f, support = precision_recall_fscore_support(
        t[E].to_numpy(), pred.to_numpy(), average=None, zero_division=np.nan
    )
    for j, e in enumerate(E):
        assert ours.loc[e, "precision"] == pytest.approx(p[j], abs=1e-12)
        assert ours.loc[e, "recall"] == pytest.approx(r[j], abs=1e-12)
        assert ours.loc[e, "f1"] == pytest.approx(f[j], abs=1e-12)
        assert ours.loc[e, "support"] == support[j]
    _, _, macro, _ = precision_recall_fscore_support(
        t[E].to_numpy(), pred.to_numpy(), average="macro"
    )
    assert ours.loc["macro", "f1"] == pytest.approx(macro, abs=1e-12)
    nothing = ~t[E].any(axis=1).to_numpy()
    expected = (~pred.to_numpy()[nothing].any(axis=1)).mean()
    assert ours.loc["nothing_asked", "nothing_rate"] == pytest.approx(expected)


def test_evaluate_undefined_is_nan() -> None:
    g = pd.DataFrame({e: [False, False] for e in E})
    s = fb.evaluate(g, g).set_index("measure")
    assert np.isnan(s.loc["evidence", "precision"]) and np.isnan(s.loc["evidence", "f1"])
    assert s.loc["nothing_asked", "nothing_rate"] == 1.0
    with pytest.raises(ValueError, match="missing column"):
        fb.evaluate(g.drop(columns="evidence"), g)


# --------------------------------------------------------------------------- lacking
HARD = [
    # (text, description, evidence, reflection)
    ("The evidence is excellent; the reflection is rather thin.", 0, 0, 1),
    ("A genuinely reflective account, with a clear description and strong evidence.", 0, 0, 0),
    ("The section could be enhanced by the inclusion of some discussion of impact.", 0, 0, 1),
    ("You may wish to say what you would do differently next time.", 0, 0, 1),
    ("The account is largely descriptive.", 0, 0, 1),
    ("There is no contextual statement.", 1, 0, 0),
    ("Please make clear your own role in the team.", 1, 0, 0),
    ("The link to the evidence is on your intranet and we could not open it.", 0, 1, 0),
    ("The evidence files could be named more clearly.", 0, 0, 0),
    ("Please check the word count and the formatting of the headings.", 0, 0, 0),
    ("Section 5b is missing.", 1, 1, 1),
    ("The broken link has now been fixed.", 0, 0, 0),
    ("The reflection is there but lacks depth.", 0, 0, 1),
    ("Although well described, the section lacks critical reflection.", 0, 0, 1),
]


@pytest.mark.parametrize("text,d,e,r", HARD)
def test_hard_cases(text: str, d: int, e: int, r: int) -> None:
    got = fb.lacking([text]).loc[0, E].astype(bool).tolist()
    assert got == [bool(d), bool(e), bool(r)]


@pytest.mark.parametrize("method", ["rules", "hybrid"])
def test_every_true_is_explained_by_a_clause_of_its_text(method: str) -> None:
    import re

    t = labelled()
    out = fb.lacking(t["text"], method=method)
    model_added = 0
    for e in E:
        hit = out[e].astype(bool)
        assert out.loc[hit, f"{e}_because"].notna().all()
        assert out.loc[~hit, f"{e}_because"].isna().all()
        for text, why in zip(t.loc[hit, "text"], out.loc[hit, f"{e}_because"]):
            clauses, n = re.subn(r" \[model p=0\.\d\d\]$", "", why)
            model_added += n
            assert all(part in text for part in clauses.split(" | "))
    assert (model_added > 0) == (method == "hybrid")


def test_hybrid_adds_only_where_the_rules_see_a_request() -> None:
    t = labelled()
    rules = fb.lacking(t["text"])
    hybrid = fb.lacking(t["text"], method="hybrid")
    assert (hybrid[E].astype(bool) | ~rules[E].astype(bool)).all().all()  # superset
    nothing_asked = ~fb.lacking(t["text"])[E].astype(bool).any(axis=1)
    with_gate = [bool(fb._read_comment(x).get("")) for x in t["text"]]
    added = (hybrid[E].astype(bool) & ~rules[E].astype(bool)).any(axis=1)
    assert not (added & ~pd.Series(with_gate)).any()
    assert nothing_asked.sum() > 0
    with pytest.raises(ValueError, match="method must be"):
        fb.lacking(["x"], method="model")


def test_order_index_missing_and_bad_input() -> None:
    s = pd.Series(
        ["Please add evidence.", None, "Good.", "  ", "Please add evidence."],
        index=[10, 11, 12, 13, 14],
    )
    out = fb.lacking(s)
    assert list(out.index) == [10, 11, 12, 13, 14]
    assert out["evidence"].tolist()[0] is True and out.loc[14, "evidence"]
    assert out.loc[[11, 13], E].isna().all().all()  # missing text: unknown, not "none"
    assert not out.loc[12, E].any()
    assert str(out["reflection"].dtype) == "boolean"
    assert list(fb.lacking([]).columns) == [*E, *[f"{e}_because" for e in E]]
    with pytest.raises(TypeError, match="not text"):
        fb.lacking(["fine", 3])


def test_doctests() -> None:
    res = doctest.testmod(fb, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted >= 4


# --------------------------------------------------------------------------- records
def _ratings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "submission_id": ["S1", "S1", "S1", "S2", "S2"],
            "section": ["1a", "1b", "2a", "1a", "4"],
            "final": ["R", "R", "A", "R", "R"],
            "gaps": [np.nan, "evidence", np.nan, np.nan, np.nan],
        }
    )


def test_derive_gaps_rules() -> None:
    comments = pd.DataFrame(
        {
            "submission_id": ["S1", "S1", "S2"],
            "sections": ["1a;1b;1c", "2a", "1a"],
            "comment": [
                "1a is largely descriptive, and the screenshot is unreadable.",
                "Please reflect more.",
                "A well evidenced section.",
            ],
        }
    )
    out = fb.derive_gaps(_ratings(), comments)
    assert out.loc[0, "gaps"] == "evidence;reflection"
    assert out.loc[1, "gaps"] == "evidence"  # recorded: never overwritten
    assert pd.isna(out.loc[2, "gaps"])  # not R: untouched
    assert pd.isna(out.loc[3, "gaps"])  # comment finds nothing: stays missing
    assert pd.isna(out.loc[4, "gaps"])  # no comment for the section
    assert out["gaps_source"].tolist()[:2] == ["feedback", "recorded"]
    assert out["gaps_source"].iloc[2:].isna().all()
    assert out.loc[0, ["gap_description", "gap_evidence", "gap_reflection"]].tolist() == [
        False,
        True,
        True,
    ]


@pytest.fixture(scope="module")
def forms_like(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """A synthetic dataset whose R gaps are blanked, with comments saying them."""
    d = tmp_path_factory.mktemp("forms_like")
    recs = qa.synthetic.generate(200, seed=3, out=d)
    ratings = pd.read_csv(d / "ratings.csv", dtype=str, keep_default_na=False)
    ratings.loc[ratings["final"].eq("R"), "gaps"] = ""
    ratings.to_csv(d / "ratings.csv", index=False)
    comments = fb.synthetic_comments(recs.ratings, seed=4)
    comments.loc[len(comments)] = ["NOPE", np.nan, "1a", "Please add evidence."]
    comments.to_csv(d / "comments.csv", index=False)
    return d, recs.ratings


def test_load_reads_comments_into_gaps(forms_like) -> None:
    d, truth = forms_like
    recs = qa.load(d)
    r = recs.ratings.merge(
        truth[["submission_id", "section", "gaps"]],
        on=["submission_id", "section"],
        suffixes=("", "_planted"),
    )
    rr = r[r["final"] == "R"]
    assert len(rr) > 50
    assert (rr["gaps_source"] == "feedback").all()
    assert (rr["gaps"] == rr["gaps_planted"]).all()
    assert "comments.csv" in recs.source["files"]
    bad = recs.problems[recs.problems["rule"] == "comment_unknown_submission"]
    assert bad[["file", "value"]].values.tolist() == [["comments.csv", "NOPE"]]
    g = qa.referrals.gaps(recs, by=("section",), n_boot=20)
    assert g["n_missing_gaps"].sum() == 0 and g["n_gaps_recorded"].sum() > 0
    with pytest.raises(qa.RecordsError, match="comment_unknown_submission"):
        qa.load(d, strict=True)


def test_comments_with_personal_data_are_refused_unechoed(forms_like, tmp_path) -> None:
    d, _ = forms_like
    for f in d.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    c = pd.read_csv(tmp_path / "comments.csv", dtype=str)
    c.loc[0, "comment"] = "Contact jo.bloggs@example.ac.uk about the link."
    c.to_csv(tmp_path / "comments.csv", index=False)
    with pytest.raises(qa.RecordsError, match="comments.csv, row 2") as err:
        qa.load(tmp_path)
    assert "bloggs" not in str(err.value)
    c.drop(columns="comment").to_csv(tmp_path / "comments.csv", index=False)
    with pytest.raises(qa.RecordsError, match="missing column"):
        qa.load(tmp_path)


def test_load_without_comments_is_unchanged() -> None:
    from conftest import SAMPLE

    recs = qa.load(SAMPLE)
    assert "gaps_source" not in recs.ratings.columns


def test_area_comment_is_split_by_the_sections_it_names() -> None:
    comments = pd.DataFrame(
        {
            "submission_id": ["S1"],
            "sections": ["1a;1b;1c"],
            "comment": [
                "A promising area overall. Section 1a: the reflection needs to go deeper. "
                "1b: the evidence does not show the work described."
            ],
        }
    )
    ratings = pd.DataFrame(
        {
            "submission_id": ["S1"] * 3,
            "section": ["1a", "1b", "1c"],
            "final": ["R", "R", "R"],
            "gaps": [np.nan] * 3,
        }
    )
    out = fb.derive_gaps(ratings, comments)
    assert out["gaps"].tolist()[:2] == ["reflection", "evidence"]
    assert pd.isna(out.loc[2, "gaps"])  # 1c: the comment finds nothing lacking in it


@pytest.mark.slow
def test_forms_to_records_recovers_planted_gaps(tmp_path) -> None:
    """cmalt-qa forms output (comments.csv) -> qa.load: the derived gaps match the
    planted ones element by element (counts), and every R has them."""
    from cmalt_qa import forms, synthetic_forms

    corpus, _, planted = synthetic_forms.generate_forms(40, tmp_path / "corpus", seed=5)
    key = tmp_path / "key"
    key.write_text("k" * 40)
    forms.read_forms(corpus.forms, corpus.log, key, out=tmp_path / "data")
    recs = qa.load(tmp_path / "data")
    r = recs.ratings[recs.ratings["final"] == "R"]
    p = planted[planted["final"] == "R"]
    assert len(r) == len(p) > 10
    assert (r["gaps_source"] == "feedback").all()
    for e in E:
        assert int(r[f"gap_{e}"].sum()) == int(p["gaps"].str.contains(e).sum()), e
    assert qa.feedback.gaps_provenance(recs.ratings) == "feedback"


def test_fast_cue_search_equals_plain_regex() -> None:
    """The factored, boundary-checked cue search finds exactly what a plain regex of the
    lexicon finds, on every labelled clause and on words cut at odd places."""
    import re

    from cmalt_qa import _feedback_lexicon as lex

    families = {
        "request": (fb._REQUEST_RE, lex.REQUEST_CUES),
        "lack": (fb._LACK_RE, lex.LACK_CUES),
        "resolved": (fb._RESOLVED_RE, lex.RESOLVED_CUES),
        "presentation": (fb._PRESENTATION_RE, lex.PRESENTATION_CUES),
        "absent": (fb._ABSENT_RE, lex.ABSENT_SECTION_CUES),
        "fixed": (fb._FIXED_ANY, tuple(p for p, _ in lex.FIXED_PHRASES)),
        **{e: (fb._ELEMENT_RE[e], lex.ELEMENT_CUES[e]) for e in E},
    }
    texts = [fb._lower(c) for t in labelled()["text"] for c in fb._clauses(t)]
    texts += [t[i:] for t in texts[:200] for i in (1, 3)]  # starts inside a word
    for name, (fast, patterns) in families.items():
        plain = re.compile("|".join(f"(?:{p})" for p in patterns))
        for t in texts:
            assert fast.search(t) == bool(plain.search(t)), (name, t)
    praise = re.compile(
        r"(?<!not )(?<!n't )(?<!no )(?<!never )(?:"
        + "|".join(f"(?:{p})" for p in lex.PRAISE_CUES)
        + ")"
    )
    for t in texts:
        # the plain form stops at the first match; the fast one looks on past a negated one
        if fb._PRAISE_RE.search(t) != bool(praise.search(t)):
            assert not praise.search(t) and re.search(r"\b(?:not|n't|no|never) \w", t)


def test_gap_sources_adds_up_and_matches_referrals(forms_like) -> None:
    d, _ = forms_like
    recs = qa.load(d)
    t = fb.gap_sources(recs, by=("year",))
    assert (t["recorded"] + t["feedback"] + t["missing"] == t["n_r"]).all()
    assert t["recorded"].sum() == 0 and t["feedback"].sum() > 0
    g = qa.referrals.gaps(recs, by=("year",), n_boot=10)
    assert t["n_r"].tolist() == g["n_r"].tolist()
    plain = fb.gap_sources(qa.synthetic.generate(60, seed=1), by="section")
    assert plain["feedback"].sum() == 0 and plain["recorded"].sum() > 0
    with pytest.raises(ValueError, match="cannot group by"):
        fb.gap_sources(recs, by=("nope",))
