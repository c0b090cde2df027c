"""Network side of HTML sources: listing page -> new article links -> article pages.

    listing body | extract_links | drop links already stored | fetch up to max_articles pages
    | extract_article (NotArticle is skipped with its reason)

Also enrichment of feed entries (`enrich = true`): a NEW entry lacking categories, body or
image gets them from its article page.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from ..config import SourceConfig
from ..errors import SourceError
from ..fetch import FetchResult
from ..normalize.urls import canonical_url
from ..types import RawEntry
from .html import NotArticle, Selectors, extract_article, extract_links

if TYPE_CHECKING:
    from ..pipeline import Runtime

log = logging.getLogger("syndication.sources.html")
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


def decode(body: bytes, content_type: str) -> str:
    """Bytes to text: the header's charset, else the page's meta charset, else UTF-8."""
    match = re.search(r"charset=([A-Za-z0-9_-]+)", content_type, re.IGNORECASE)
    charset = match.group(1) if match else None
    if charset is None:
        meta = _CHARSET.search(body[:4096])
        charset = meta.group(1).decode("ascii") if meta else "utf-8"
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def selectors_of(source: SourceConfig) -> Selectors:
    return Selectors.from_mapping(source.selectors.model_dump() if source.selectors else None)


async def listing_entries(
    rt: Runtime, source: SourceConfig, fetched: FetchResult
) -> list[RawEntry]:
    html = decode(fetched.body, fetched.content_type)
    links = extract_links(html, fetched.url, selectors_of(source))
    by_key = {canonical_url(link): link for link in links}
    known = await asyncio.to_thread(rt.store.known_entry_keys, source.id, by_key)
    fresh = [(key, link) for key, link in by_key.items() if key not in known]
    if len(fresh) > source.max_articles:
        log.info(
            "event=listing_capped source=%s new_links=%d fetching=%d",
            source.id,
            len(fresh),
            source.max_articles,
        )
    pages = await asyncio.gather(
        *(_article(rt, source, link) for _, link in fresh[: source.max_articles])
    )
    # the listing URL is the entry's identity, so the next poll recognises it before fetching
    return [replace(raw, guid=key) for (key, _), raw in zip(fresh, pages, strict=False) if raw]


async def _article(rt: Runtime, source: SourceConfig, link: str) -> RawEntry | None:
    try:
        page = await rt.fetcher.get(link, accept="text/html, */*;q=0.5")
    except SourceError as e:
        log.warning("event=article_fetch_failed source=%s url=%s error=%r", source.id, link, str(e))
        return None
    result = extract_article(
        decode(page.body, page.content_type), page.url, selectors_of(source), source_id=source.id
    )
    if isinstance(result, NotArticle):
        log.info("event=not_article source=%s url=%s reason=%r", source.id, link, result.reason)
        return None
    return result


async def enrich_entries(rt: Runtime, source: SourceConfig, raws: list[RawEntry]) -> list[RawEntry]:
    """Fill what a feed lacks (categories, body, image) from the article page of new entries."""
    wanting = [r for r in raws if r.link and (not r.labels or not r.content_html or not r.image)]
    if not wanting:
        return raws
    keys = {r.guid or canonical_url(r.link or ""): r for r in wanting}
    known = await asyncio.to_thread(rt.store.known_entry_keys, source.id, keys)
    todo = [r for k, r in keys.items() if k not in known][: source.max_articles]
    pages = await asyncio.gather(*(_article(rt, source, r.link or "") for r in todo))
    found = {id(raw): page for raw, page in zip(todo, pages, strict=True) if page}
    return [_merge(r, found[id(r)]) if id(r) in found else r for r in raws]


def _merge(raw: RawEntry, page: RawEntry) -> RawEntry:
    return replace(
        raw,
        labels=raw.labels or page.labels,
        tags=raw.tags or page.tags,
        content_html=raw.content_html or page.content_html,
        image=raw.image or page.image,
        author=raw.author or page.author,
        published_raw=raw.published_raw or page.published_raw,
        published=raw.published or page.published,
    )
