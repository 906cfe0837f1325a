"""Each report rendered in headless Chromium as a reader sees it (issue 15, item 6).

The staff (window), committee (sections) and research (trends) reports, each rendered
once per session: at 1280 px no horizontal overflow, every image loaded with alt text
stating a finding, no "nan" in the text, headings in order (one h1, no level skipped),
and the window report opens with its act-now box. ``make test`` installs Debian's
``chromium`` when it is missing; the test is skipped, saying why, only where it cannot
be installed.
"""

from __future__ import annotations

import re

import chromium
import pytest

pytestmark = pytest.mark.slow

if chromium.find_chromium() is None:  # pragma: no cover - CI installs it (make test)
    pytest.skip(
        "chromium is not installed and could not be installed "
        "(make test runs apt-get install -y chromium)",
        allow_module_level=True,
    )


KINDS = ["window", "sections", "trends"]


@pytest.fixture(scope="module")
def probed(report_pages):
    return {kind: chromium.probe(page) for kind, page in report_pages.items()}


@pytest.mark.parametrize("kind", KINDS)
def test_fits_1280px(probed, kind) -> None:
    r = probed[kind]
    assert r["viewport"] >= 1200
    assert r["scroll_width"] <= r["viewport"] and not r["wide"], (
        f"{kind}: past the right edge: {r['wide']}"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_every_image_loaded(probed, kind) -> None:
    imgs = probed[kind]["images"]
    assert imgs, f"{kind}: no figure"
    assert all(i["loaded"] for i in imgs), [i["alt"][:60] for i in imgs if not i["loaded"]]
    assert all(i["width"] <= probed[kind]["viewport"] for i in imgs)


# A text alternative states the figure's finding (a figure it quotes, or that there is
# none), not only what kind of chart it is.
FINDING = re.compile(r"\d|\b(no|none|nothing)\b", re.I)


@pytest.mark.parametrize("kind", KINDS)
def test_every_image_states_its_finding(probed, kind) -> None:
    alts = [i["alt"].strip() for i in probed[kind]["images"]]
    vague = [a for a in alts if len(a) < 40 or not FINDING.search(a)]
    assert not vague, f"{kind}: alt text without a finding: {vague}"


@pytest.mark.parametrize("kind", KINDS)
def test_headings_in_order(probed, kind) -> None:
    heads = probed[kind]["headings"]
    levels = [h["level"] for h in heads]
    assert levels and levels[0] == 1 and levels.count(1) == 1, f"{kind}: {heads[:3]}"
    skips = [(a, b) for a, b in zip(heads, heads[1:]) if b["level"] > a["level"] + 1]
    assert not skips, f"{kind}: a heading level skipped: {skips}"


@pytest.mark.parametrize("kind", KINDS)
def test_no_nan_in_text(probed, kind) -> None:
    for key in ("visible_text", "all_text"):
        hits = [m.group(0) for m in re.finditer(r"\bnan\b|nan%", probed[kind][key], re.I)]
        assert not hits, f"{kind}: {hits[:5]}"


def test_window_report_opens_with_act_now(probed) -> None:
    r = probed["window"]
    assert r["act_now"] == 1
    assert r["sortable"] >= 1
    assert r["visible_text"].index("Act now") < r["visible_text"].index("Submissions by pathway")
