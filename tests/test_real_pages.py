"""The extractor on real pages (tests/data/real/): the accuracy reached must hold.

The figures are those bench/extract_report.py prints; a change that loses a page fails here.
"""

from __future__ import annotations

import pytest

from tests.real_pages import ListingResult, Report, gazetteer_path, score, score_listings
from tests.test_normalize_golden import build_ctx

# reached on the corpus (see bench/extract_report.py); raise them as fixes land
# (link: fox13now's canonical names its WordPress back end's host, another domain than the
# page's, as a republished story's names its first publisher: taken, as those must be)
# (fundus batch, 21 pages: rp.pl's h1, og:title and <title> are three different headlines;
# anadolu's og time is its update's and rp.pl's JSON-LD date its update's; 7 bodies keep a
# share or subscription line in their own language, tokyo-np's story sits in text-only
# boxes the generic extractor passes over for a glossary paragraph)
FLOORS = {"": 92, "link": 91, "title": 91, "date": 89, "body": 84, "regency": 92}
# listing pages: complete ones (every article found, no non-article taken), articles found
# (held-out jpnn-home added 1 complete page and 60 articles found, viva-home 10 found; and
# viva-home complete since its profile links are no longer taken)
LISTING_FLOORS = {"complete": 11, "found": 256}
# non-article links (truth's must_not) taken as articles: two on cnn-international-home,
# two classified ads of the held-out sindonews-home (informasia.sindonews.com/read/...,
# shaped as the site's stories: only knowing the site tells them apart)
MAX_WRONG_LINKS = 4


@pytest.mark.parametrize("aspect", sorted(FLOORS))
def test_real_pages_accuracy(aspect: str) -> None:
    report = _report()
    hits = sum(page.ok(aspect) for page in report.pages)
    misses = [f"{p.truth.name}: {p.reason or p.problems}" for p in report.pages if not p.ok(aspect)]
    assert hits >= FLOORS[aspect], misses


def test_real_listings_give_their_articles() -> None:
    listings = _listings()
    complete = sum(x.ok for x in listings)
    found = sum(len(x.truth.articles) - len(x.missed) for x in listings)
    misses = {x.truth.name: x.missed for x in listings if x.missed}
    assert complete >= LISTING_FLOORS["complete"], misses
    assert found >= LISTING_FLOORS["found"], misses


def test_real_listings_take_no_navigation_links() -> None:
    wrong = {x.truth.name: x.wrong for x in _listings() if x.wrong}
    assert sum(map(len, wrong.values())) <= MAX_WRONG_LINKS, wrong


_CACHE: dict[str, object] = {}


def _report() -> Report:
    if "report" not in _CACHE:
        _CACHE["report"] = score(build_ctx(gazetteer_path()))
    report = _CACHE["report"]
    assert isinstance(report, Report)
    return report


def _listings() -> list[ListingResult]:
    if "listings" not in _CACHE:
        _CACHE["listings"] = score_listings()
    return _CACHE["listings"]  # type: ignore[return-value]


def test_real_listing_pages_are_no_articles() -> None:
    taken = [x.truth.name for x in _listings() if not x.not_article]
    assert not taken, f"listing pages taken for an article: {taken}"
