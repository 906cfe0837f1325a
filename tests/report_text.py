"""What a reader must never find in a report's text (issue 15's list), as one checker."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

# Raw column names of the analysis tables (a heading or sentence showing one is a bug).
RAW_NAMES = re.compile(
    r"\b(\w+_ci_(low|high)|n_(distinction|pass|minor|major|open|r|gaps_recorded|disagreements"
    r"|portfolios|checked|breaches|unknown_prior|final)|kappa_quadratic|ac2_quadratic"
    r"|percent_agreement|within_promise\w*|within_8w|submission_id|lead_assessor"
    r"|second_assessor|days_left|days_open|promise_due|median_days|p90_days|kappa_paradox"
    r"|severity_shrunk|agreement_with_final|submission_type|\w+_rate|ci_low|ci_high"
    r"|[a-z0-9]+_[a-z0-9_]+)\b"
)
PATTERNS = {
    "missing value": re.compile(r"\bNaT\b|\bNone\b|\binf\b|<NA>"),
    "nan": re.compile(r"\bnan\b|nan%", re.I),
    "negative zero": re.compile(r"(?<![\w.])[-\u2212]0(\.0+)?(?![\d.])%?"),
    "python dict": re.compile(r"\{'"),
    "singular/plural": re.compile(
        r"(?<![\d.,])1 (portfolios|submissions|assessors|sections|periods|cases|rows|days|pairs)\b"
        r"|\b(?:[02-9]|\d{2,}) (portfolio|submission|assessor|section|period|case|row|pair) "
        r"(is|was|has)\b"
    ),
    "of zero": re.compile(
        r"\bOf the 0\b|\b0 of 0\b|\bin 0\.|\bonly 0% returned|\bonly 100% returned"
    ),
}


def visible_text(html: str) -> str:
    """The page's text as a reader gets it (no scripts or styles)."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    return soup.get_text(" ", strip=True)


def text_problems(html: str) -> list[str]:
    """Each problem found, with the text around it; an empty list when none."""
    text = visible_text(html)
    # a file path (the data folder in the provenance table) may hold any name
    names_text = re.sub(r"\S*/\S*", " ", text)
    found = []
    checks = [
        *((n, p, text) for n, p in PATTERNS.items()),
        ("raw column name", RAW_NAMES, names_text),
    ]
    for name, pat, text in checks:
        for m in pat.finditer(text):
            around = text[max(0, m.start() - 60) : m.end() + 60]
            found.append(f"{name}: {m.group(0)!r} in ...{around}...")
    soup = BeautifulSoup(html, "html.parser")
    for t in soup.find_all("table"):
        body_rows = [r for r in t.find_all("tr") if r.find_parent("thead") is None]
        if not body_rows:
            cap = t.find("caption")
            found.append(f"empty table: {cap.get_text() if cap else '(no caption)'}")
    return found
