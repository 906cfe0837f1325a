"""Each report rendered in headless Chromium as a reader sees it (issue 15, item 6).

At 1280 px: no horizontal overflow, every image loaded, no "nan" in the visible text,
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


@pytest.fixture(scope="module")
def probed(report_pages):
    return {kind: chromium.probe(page) for kind, page in report_pages.items()}


@pytest.mark.parametrize("kind", ["window"])
def test_fits_1280px(probed, kind) -> None:
    r = probed[kind]
    assert r["viewport"] >= 1200
    assert r["scroll_width"] <= r["viewport"] and not r["wide"], (
        f"{kind}: past the right edge: {r['wide']}"
    )


@pytest.mark.parametrize("kind", ["window"])
def test_every_image_loaded(probed, kind) -> None:
    imgs = probed[kind]["images"]
    assert imgs, f"{kind}: no figure"
    assert all(i["loaded"] for i in imgs), [i["alt"][:60] for i in imgs if not i["loaded"]]
    assert all(i["alt"].strip() for i in imgs)
    assert all(i["width"] <= probed[kind]["viewport"] for i in imgs)


@pytest.mark.parametrize("kind", ["window"])
def test_no_nan_in_text(probed, kind) -> None:
    for key in ("visible_text", "all_text"):
        hits = [m.group(0) for m in re.finditer(r"\bnan\b|nan%", probed[kind][key], re.I)]
        assert not hits, f"{kind}: {hits[:5]}"


def test_window_report_opens_with_act_now(probed) -> None:
    r = probed["window"]
    assert r["act_now"] == 1
    assert r["sortable"] >= 1
    assert r["visible_text"].index("Act now") < r["visible_text"].index("Submissions by pathway")
