"""HTML sources: portals read from their pages instead of a feed.

    listing page --extract_links--> article URLs --(fetch, elsewhere)--> article page
                 --extract_article--> RawEntry | NotArticle

Pure functions over the page text and its URL; fetching belongs to the pipeline. Defaults fit
common WordPress news themes (JNews, Newspaper/tagDiv, GeneratePress, Astra, Kadence and
home-grown themes built like them); `Selectors` overrides any part for an odd theme.
Helpers: html_links (listing pages), html_meta (metadata and dates), html_fields (headline,
labels, tags, author, image), html_body (the story and its clean-up).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from syndication.nesting import MAX_DEPTH, bound_depth
from syndication.sources import html_fields as fld
from syndication.sources import html_meta as hm
from syndication.sources.html_body import ancestor_ids, clean_body, drop_junk, find_body
from syndication.sources.html_dateline import date_line
from syndication.sources.html_generic import POOR_BODY_CHARS, body_text_len, generic_body
from syndication.sources.html_links import (
    chrome_ids,
    default_titled_links,
    titled_links_by_selector,
)
from syndication.types import RawEntry

__all__ = [
    "FeedDiscovery",
    "FeedLink",
    "NotArticle",
    "Selectors",
    "extract_article",
    "extract_links",
    "find_feed_links",
]


@dataclass(frozen=True)
class Selectors:
    """CSS overrides for one source (config `[sources.selectors]`); None keeps the default."""

    link: str | None = None  # anchors (or elements holding one) on the listing page
    title: str | None = None
    date: str | None = None  # the date element; its datetime/content attribute if it has one
    content: str | None = None
    categories: str | None = None  # breadcrumb or category elements
    image: str | None = None
    author: str | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, object] | None) -> Selectors:
        """From the config's selector table (a dict or pydantic `model_dump()`)."""
        names = {f.name for f in fields(cls)}
        picked = {k: v for k, v in (values or {}).items() if k in names and isinstance(v, str)}
        return cls(**picked)


@dataclass(frozen=True)
class NotArticle:
    """The page is no article: a listing, a tag page, a 404, or has no headline or body."""

    reason: str


@dataclass(frozen=True)
class FeedLink:
    url: str
    type: str  # application/rss+xml, application/atom+xml, application/feed+json, ...
    title: str | None = None

    @property
    def is_comments(self) -> bool:
        text = f"{self.url} {self.title or ''}".lower()
        return "comments" in text or "komentar" in text


@dataclass(frozen=True)
class FeedDiscovery:
    feeds: tuple[FeedLink, ...] = ()
    wp_api: str | None = None  # the REST root from <link rel="https://api.w.org/">

    @property
    def main_feed(self) -> FeedLink | None:
        """The first announced feed that is not a comments feed."""
        return next((f for f in self.feeds if not f.is_comments), None)


_FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml",
     "application/feed+json", "text/xml", "application/xml"}
)  # fmt: skip
# Exact error-page phrases: a headline may well say "... tidak ditemukan" (not found).
_NOT_FOUND_WORDS = (
    "page not found", "halaman tidak ditemukan", "halaman yang anda cari tidak",
    "can't be found", "can’t be found", "nothing found", "error 404",
)  # fmt: skip
_LISTING_BODY_CLASSES = ("archive", "category", "tag", "author", "search", "blog", "home")
_ARTICLE_BLOCKS = "article, .jeg_post, .td_module_wrap, .post-item, .news-item"
_MIN_LISTING_BLOCKS = 3
_MIN_LISTING_HEADLINES = 4


def extract_links(html: str, page_url: str, selectors: Selectors | None = None) -> list[str]:
    """Article URLs of a listing page: absolute, de-duplicated, in page order."""
    return list(extract_titled_links(html, page_url, selectors))


def extract_titled_links(
    html: str, page_url: str, selectors: Selectors | None = None
) -> dict[str, str]:
    """Article URL -> its headline as the listing shows it (may be shortened or empty).
    Tags nested deeper than nesting.MAX_DEPTH are flattened first."""
    doc = LexborHTMLParser(bound_depth(html)[0])
    if selectors is not None and selectors.link:
        return titled_links_by_selector(doc, page_url, selectors.link)
    return default_titled_links(doc, page_url)


def find_feed_links(html: str, page_url: str) -> FeedDiscovery:
    """Feeds announced with <link rel=alternate>, and the WordPress REST root if announced."""
    doc = LexborHTMLParser(bound_depth(html)[0])
    feeds: list[FeedLink] = []
    for node in doc.css("link[rel][href]"):
        attrs = node.attributes
        rel = (attrs.get("rel") or "").lower().split()
        kind = (attrs.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in _FEED_TYPES:
            url = urljoin(page_url, (attrs.get("href") or "").strip())
            if all(f.url != url for f in feeds):
                feeds.append(FeedLink(url, kind, (attrs.get("title") or "").strip() or None))
    api = doc.css_first('link[rel="https://api.w.org/"][href]')
    wp_api = urljoin(page_url, api.attributes.get("href") or "") if api is not None else None
    return FeedDiscovery(tuple(feeds), wp_api)


def extract_article(
    html: str, page_url: str, selectors: Selectors | None = None, *, source_id: str = ""
) -> RawEntry | NotArticle:
    """One article page as a RawEntry, or NotArticle saying why it is none. Tags nested deeper
    than nesting.MAX_DEPTH are flattened first (a NotArticle then says so)."""
    html, flattened = bound_depth(html)
    sel = selectors or Selectors()
    doc = LexborHTMLParser(html)
    objects = hm.json_ld_objects(doc)
    ld = hm.ld_article(objects)
    reason = _not_article_reason(doc, page_url, objects, ld)
    admin_body = find_body(doc, sel.content) if sel.content else None
    if reason is not None and (admin_body is None or reason == "404 page"):
        return _not_article(
            reason, flattened
        )  # a body selector the admin gave outweighs listing signals
    title = fld.headline(doc, sel.title, page_url, source_id)
    if not title:
        return _not_article("no headline", flattened)
    body = admin_body or find_body(doc, None)
    if body is None or (admin_body is None and body_text_len(body) < POOR_BODY_CHARS):
        # no theme rule knows this page, or the one that matched caught a teaser
        generic = generic_body(html, page_url, title)
        if generic is not None and (body is None or body_text_len(generic) > body_text_len(body)):
            body = generic
    if body is None:
        where = f"selector {sel.content!r} matched nothing" if sel.content else "no theme rule"
        return _not_article(f"no article body ({where}, generic extractor found none)", flattened)
    keep = ancestor_ids(body) | _headline_ancestors(doc)
    if doc.body is not None:
        drop_junk(doc.body, keep)  # related lists and share bars carry other posts' labels
    return _entry(doc, page_url, sel, source_id, title, body, objects, ld)


def _not_article(reason: str, flattened: int) -> NotArticle:
    if flattened:
        reason += f"; {flattened} tags nested deeper than {MAX_DEPTH} levels were flattened"
    return NotArticle(reason)


def _entry(
    doc: LexborHTMLParser,
    page_url: str,
    sel: Selectors,
    source_id: str,
    title: str,
    body: LexborNode,
    objects: list[dict[str, object]],
    ld: dict[str, object] | None,
) -> RawEntry:
    skip = chrome_ids(doc, "*")
    published_raw, dates = _dates(doc, sel, ld, body, skip, title)
    image = fld.image(doc, sel.image, (objects, ld), body, page_url)
    labels = fld.labels(doc, sel.categories, title, skip)
    tags = fld.tags(doc, skip)
    author = fld.author(doc, sel.author, objects, ld)
    link = _canonical(doc, page_url)
    return RawEntry(
        source_id=source_id,
        guid=None,
        link=link,
        title=title,
        title_is_text=True,  # a headline's text: the page's markup is already read
        summary_html=hm.first_meta(doc, "og:description", "description"),
        content_html=clean_body(body),
        published_raw=published_raw,
        published=dates.published,
        updated=dates.modified,
        author=author,
        labels=labels,
        tags=tags,
        image=image,
        base_url=link,
    )


def _dates(
    doc: LexborHTMLParser,
    sel: Selectors,
    ld: dict[str, object] | None,
    body: LexborNode,
    skip: set[int],
    title: str,
) -> tuple[str | None, hm.MachineDates]:
    """The visible date line and the machine dates (an override's own attribute first)."""
    machine = hm.machine_dates(doc, ld)
    if sel.date:
        node = doc.css_first(sel.date)
        if node is None:
            return None, machine
        attrs = node.attributes
        own = hm.parse_iso(attrs.get("datetime") or attrs.get("content"))
        published = own or machine.published
        return hm.clean_line(node) or None, hm.MachineDates(published, machine.modified)
    inside = {n.mem_id for n in body.css("*")} | skip
    scope = doc.body if doc.body is not None else body
    line = date_line(scope, body.mem_id, inside, _headline_node(doc, title))
    naive = machine.naive_published
    if naive is not None and (line is None or not hm.has_clock(line)):
        # a zone-less machine time still knows the hour the visible line leaves out;
        # hand it over in the day-first form the normalizer reads, zone left to it
        line = f"{naive:%d/%m/%Y %H:%M}"
    return line, machine


def _canonical(doc: LexborHTMLParser, page_url: str) -> str:
    node = doc.css_first("link[rel=canonical][href]")
    href = node.attributes.get("href") if node is not None else None
    href = (href or "").strip() or hm.first_meta(doc, "og:url") or page_url
    return urljoin(page_url, href)


def _headline_node(doc: LexborHTMLParser, title: str) -> LexborNode | None:
    """The element showing the headline: a theme's, else an h1-h3 reading the title."""
    node = doc.css_first(", ".join(fld.HEADLINE_SELECTORS))
    if node is not None:
        return node
    wanted = title.casefold()
    for candidate in doc.css("h1, h2, h3"):
        if hm.clean_line(candidate).casefold() == wanted:
            return candidate
    return doc.css_first("h1")


def _headline_ancestors(doc: LexborHTMLParser) -> set[int]:
    node = doc.css_first(", ".join(fld.HEADLINE_SELECTORS)) or doc.css_first("h1")
    return ancestor_ids(node) if node is not None else set()


def _not_article_reason(
    doc: LexborHTMLParser,
    page_url: str,
    objects: list[dict[str, object]],
    ld: dict[str, object] | None,
) -> str | None:
    """Why the page is a listing or an error page; None when it may be an article."""
    body_classes = set(((doc.body.attributes.get("class") if doc.body else None) or "").split())
    if "error404" in body_classes or _says_not_found(doc):
        return "404 page"
    if "single" not in body_classes:
        for cls in _LISTING_BODY_CLASSES:
            if cls in body_classes:
                return f"listing page (body class {cls!r})"
    if hm.ld_is_listing(objects):
        return "listing page (JSON-LD collection)"
    blocks = len(doc.css(_ARTICLE_BLOCKS))
    og_type = (hm.first_meta(doc, "og:type") or "").lower()
    looks_single = og_type == "article" or "single" in body_classes or ld is not None
    if looks_single:
        return None
    if blocks >= _MIN_LISTING_BLOCKS:
        return f"listing page ({blocks} article blocks, og:type {og_type or 'absent'!r})"
    # a bare theme with no article signal at all: many headline links make it a listing
    headlines = len(default_titled_links(doc, page_url))
    if headlines >= _MIN_LISTING_HEADLINES:
        return f"listing page ({headlines} headline links, no article markup)"
    return None


def _says_not_found(doc: LexborHTMLParser) -> bool:
    for sel in ("title", "h1"):
        node = doc.css_first(sel)
        text = hm.clean_line(node).lower() if node is not None else ""
        if text.startswith("404") or any(w in text for w in _NOT_FOUND_WORDS):
            return True
    return False
