"""Score the HTML extractor against the real-page corpus in tests/data/real/.

Shared by bench/extract_report.py (prints the figures) and tests/test_real_pages.py (holds
them). Each article page goes through `extract_article` and `normalize_entry`, each listing
page (listings/*.html, truth in listings_*.toml) through the listing's link extraction, with
default selectors: exactly as an html source with the settings `probe` suggests takes them.
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from syndication.normalize import normalize_entry
from syndication.normalize.text import plain_text
from syndication.sources.html import NotArticle, extract_article, extract_links
from syndication.sources.html_source import decode
from syndication.types import Item, NormalizeContext
from syndication.urls import canonical_url

REAL = Path(__file__).resolve().parent / "data" / "real"
DATE_TOLERANCE = timedelta(minutes=2)
_NOW = datetime(2030, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Truth:
    name: str
    url: str
    title: str
    published: datetime
    zone: str
    first: str
    last: str
    must_not: tuple[str, ...]
    regencies: tuple[str, ...]
    advertorial: bool


@dataclass
class PageResult:
    truth: Truth
    item: Item | None
    reason: str = ""
    problems: list[str] = field(default_factory=list)

    def ok(self, aspect: str) -> bool:
        """Kept (aspect ""), or kept and right on one aspect (link, title, date, body,
        regency)."""
        if not aspect:
            return self.item is not None
        return self.item is not None and not any(p.startswith(aspect) for p in self.problems)


@dataclass
class Report:
    pages: list[PageResult]
    seconds: float

    def rate(self, aspect: str) -> float:
        return sum(p.ok(aspect) for p in self.pages) / len(self.pages) if self.pages else 0.0

    @property
    def pages_per_second(self) -> float:
        return len(self.pages) / self.seconds if self.seconds else 0.0


def load_truth() -> list[Truth]:
    """Every `[articles.NAME]` of every truth*.toml (one file per batch of pages)."""
    data: dict[str, dict[str, Any]] = {"articles": {}}
    for path in sorted(REAL.glob("truth*.toml")):
        batch = tomllib.loads(path.read_text(encoding="utf-8"))
        for name, row in batch.get("articles", {}).items():
            if name in data["articles"]:
                raise ValueError(f"{path.name}: article {name!r} already has a truth")
            data["articles"][name] = row
    return [
        Truth(
            name=name,
            url=row["url"],
            title=row["title"],
            published=datetime.fromisoformat(row["published"]),
            zone=row.get("zone", "Asia/Makassar"),
            first=row["first"],
            last=row["last"],
            must_not=tuple(row.get("must_not", ())),
            regencies=tuple(row.get("regencies", ())),
            advertorial=bool(row.get("advertorial", False)),
        )
        for name, row in sorted(data["articles"].items())
    ]


def score(ctx: NormalizeContext) -> Report:
    """Extract every corpus article and compare it with its truth."""
    truths = load_truth()
    pages = [(t, (REAL / "articles" / f"{t.name}.html").read_bytes()) for t in truths]
    results: list[PageResult] = []
    started = time.perf_counter()
    for truth, raw in pages:
        html = decode(raw, "text/html")  # as the html source reads a page: its meta charset
        entry = extract_article(html, truth.url, source_id=truth.name)
        if isinstance(entry, NotArticle):
            results.append(PageResult(truth, None, entry.reason))
            continue
        page_ctx = _with_zone(ctx, truth.zone)
        item = normalize_entry(entry, page_ctx, _NOW, _NOW)
        results.append(PageResult(truth, item, problems=_problems(truth, item)))
    return Report(results, time.perf_counter() - started)


def _with_zone(ctx: NormalizeContext, zone: str) -> NormalizeContext:
    from dataclasses import replace

    return replace(ctx, default_timezone=zone)


def _problems(truth: Truth, item: Item) -> list[str]:
    problems: list[str] = []
    if canonical_url(item.url) != canonical_url(truth.url):
        problems.append(f"link: {item.url!r}")
    if item.title != truth.title:
        problems.append(f"title: {item.title!r}")
    if abs(item.published - truth.published) > DATE_TOLERANCE:
        problems.append(f"date: {item.published.isoformat()} (want {truth.published.isoformat()})")
    problems += body_problems(truth, item)
    if set(item.regencies) != set(truth.regencies):
        problems.append(f"regency: {item.regencies} (want {truth.regencies})")
    if item.advertorial != truth.advertorial:
        problems.append(f"regency: advertorial {item.advertorial}")
    return problems


def body_problems(truth: Truth, item: Item) -> list[str]:
    """The body holds the story from its first to its last words, and none of its boilerplate."""
    problems = []
    text = " ".join(plain_text(item.content_html).split())
    first, last = text.find(truth.first), text.rfind(truth.last)
    if first < 0:
        problems.append(f"body: first words missing ({text[:80]!r})")
    elif last < first:
        problems.append(f"body: last words missing ({text[-80:]!r})")
    for junk in truth.must_not:
        if junk in text:
            problems.append(f"body: boilerplate {junk!r} remains")
    return problems


def gazetteer_path() -> Path:
    """The gazetteer the project ships (syndication/data/kaltim.toml)."""
    from tests.conftest import GAZETTEER

    return GAZETTEER


@dataclass(frozen=True)
class ListingTruth:
    name: str
    url: str
    articles: tuple[str, ...]  # every article of the main list, in page order
    must_not: tuple[str, ...]  # links on the page that are no articles (nav, tag pages)


@dataclass(frozen=True)
class ListingResult:
    truth: ListingTruth
    found: tuple[str, ...]  # the links the html source would fetch, in page order
    not_article: str  # why the page itself is no article; "" when it was taken for one

    @property
    def missed(self) -> list[str]:
        keys = {canonical_url(u) for u in self.found}
        return [u for u in self.truth.articles if canonical_url(u) not in keys]

    @property
    def wrong(self) -> list[str]:
        """must_not links that were taken as articles."""
        keys = {canonical_url(u) for u in self.found}
        return [u for u in self.truth.must_not if canonical_url(u) in keys]

    @property
    def extra(self) -> list[str]:
        """Links taken that the truth lists neither way (a sidebar's stories, say)."""
        known = {canonical_url(u) for u in (*self.truth.articles, *self.truth.must_not)}
        return [u for u in self.found if canonical_url(u) not in known]

    @property
    def recall(self) -> float:
        articles = self.truth.articles
        return (len(articles) - len(self.missed)) / len(articles) if articles else 1.0

    @property
    def ok(self) -> bool:
        """Every article found and no must_not link taken."""
        return not self.missed and not self.wrong


def load_listing_truth() -> list[ListingTruth]:
    """Every `[listings.NAME]` of every listings_*.toml."""
    rows: dict[str, dict[str, Any]] = {}
    for path in sorted(REAL.glob("listings_*.toml")):
        batch = tomllib.loads(path.read_text(encoding="utf-8"))
        for name, row in batch.get("listings", {}).items():
            if name in rows:
                raise ValueError(f"{path.name}: listing {name!r} already has a truth")
            rows[name] = row
    return [
        ListingTruth(
            name=name,
            url=row["url"],
            articles=tuple(row["articles"]),
            must_not=tuple(row.get("must_not", ())),
        )
        for name, row in sorted(rows.items())
    ]


def score_listings() -> list[ListingResult]:
    """The links each corpus listing yields with default settings, against its truth."""
    results = []
    for truth in load_listing_truth():
        html = decode((REAL / "listings" / f"{truth.name}.html").read_bytes(), "text/html")
        found = extract_links(html, truth.url)
        page = extract_article(html, truth.url, source_id=truth.name)
        reason = page.reason if isinstance(page, NotArticle) else ""
        results.append(ListingResult(truth, tuple(found), reason))
    return results
