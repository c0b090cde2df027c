"""Normalization: one RawEntry in, one Item out; pure, given `now` and the config's context.

    RawEntry -> canonical URL + keys (urls) -> clean title and body (text)
             -> published/updated (dates) -> categories, regencies, advertorial (classify)
             -> title_key and content_hash (dedup) -> Item

Errors: NormalizeError is the root; EntryUnusableError says why an entry is skipped.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from ..errors import SyndicationError
from ..types import Item, NormalizeContext, RawEntry
from ..urls import article_key, bounded_key, canonical_url, home_page, url_key, web_url
from .classify import classify
from .dates import parse_date, resolve_published
from .dedup import content_hash, lead_key, title_key
from .text import LINE_MAX, CleanContent, clean_content, clean_title, plain_text

__all__ = [
    "CleanContent",
    "EntryUnusableError",
    "NormalizeError",
    "canonical_url",
    "classify",
    "clean_content",
    "clean_title",
    "content_hash",
    "entry_key_of",
    "explain",
    "normalize_entry",
    "parse_date",
    "plain_text",
    "resolve_published",
    "title_key",
    "url_key",
    "web_url",
]

_TITLE_FROM_SUMMARY = 100


class NormalizeError(SyndicationError):
    """Root of the errors raised by normalization."""


class EntryUnusableError(NormalizeError):
    """The entry cannot become an item (no link and no title); the caller skips it."""

    def __init__(self, source_id: str, reason: str) -> None:
        super().__init__(f"normalize: source {source_id!r}: entry skipped: {reason}")
        self.source_id = source_id
        self.reason = reason


def normalize_entry(
    raw: RawEntry, ctx: NormalizeContext, now: datetime, first_seen: datetime
) -> Item:
    """Turn one raw entry into an Item; raise EntryUnusableError if it has no link and no title."""
    title = clean_title(raw.title, markup=not raw.title_is_text)
    link = _link(raw)
    if not link and not title:
        raise EntryUnusableError(raw.source_id, "it has neither a link nor a title")
    body = clean_content(raw.content_html or raw.summary_html, raw.base_url or link or None)
    summary = body.summary or (plain_text(raw.summary_html) if raw.content_html else "")
    own_title = title  # what entry_key_of keys a story without a link of its own by
    title = title or clean_title(_title_from(summary, link), markup=False)
    skew = timedelta(seconds=ctx.future_skew_seconds)
    tz = ctx.default_timezone
    # An entry dated only by its last change (RSS 1.0's dc:date, which feedparser reads as
    # `updated`; an Atom entry without <published>; a JSON Feed item with date_modified only;
    # a page with dateModified only) takes that date, not the time it was first seen: else
    # an old story reads as new, and goes out to the channels however old it is.
    changed = resolve_published(raw.updated, raw.updated_raw, now, first_seen, tz, skew)
    published = resolve_published(raw.published, raw.published_raw, now, changed, tz, skew)
    updated = resolve_published(raw.updated, raw.updated_raw, now, published, tz, skew)
    labels = classify(title, body.text, body.credit, body.dateline, raw.labels, raw.tags, link, ctx)
    # a link to the portal's home (a feed giving it for every story) is no story's identity
    own_link = link if link and not home_page(link) else ""
    key = entry_key(raw, own_link, own_title)
    own_key = url_key(own_link) if own_link else ""
    return Item(
        source_id=raw.source_id,
        entry_key=key,
        url=link,
        url_key=own_key or f"entry:{raw.source_id}:{key}",
        title=title,
        title_key=title_key(title),
        summary=summary,
        content_html=body.content_html,
        author=_author(raw.author),
        published=published,
        updated=max(updated, published),
        categories=labels.categories,
        regencies=labels.regencies,
        advertorial=labels.advertorial,
        image=_image(raw, body, link),
        dateline=body.dateline,
        credit=body.credit,
        evidence=labels.evidence,
        content_hash=content_hash(title, body.one_line(), one_line=True),
        lead_key=lead_key(body.text, body.dateline),
        article_key=_article_key(raw, own_key),
    )


def _article_key(raw: RawEntry, own_key: str) -> str:
    """urls.article_key of the entry's address, for an entry known by its address only (the
    cheap test first: most addresses have no article number, and the guid's url_key costs)."""
    key = article_key(own_key) if own_key else ""
    return key if key and _by_address(raw, own_key) else ""


def _by_address(raw: RawEntry, own_key: str) -> bool:
    """Whether the entry is known by its address (no guid, or a guid that is the address):
    only then may a new address be the same article (a guid the feed keeps is the article's
    identity; two guids are two articles, whatever the addresses share)."""
    guid = _guid(raw)
    return not guid or url_key(guid) == own_key


def entry_key(raw: RawEntry, link: str, title: str) -> str:
    """guid, else the canonical link, else a hash of title + printed date; a long one bounded
    (urls.bounded_key), as the store indexes it.

    The hash is deliberate for entries with neither guid nor link: the same title on the same
    date is the same entry; a retitled one becomes a new entry, which is the best we can do.
    """
    guid = _guid(raw)
    if guid:
        return bounded_key(guid)
    if link:
        return bounded_key(link)
    when = raw.published_raw or (raw.published.isoformat() if raw.published else "")
    digest = hashlib.sha256(f"{title}\n{when}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha256:{digest[:32]}"


def entry_key_of(raw: RawEntry) -> str:
    """The key normalization will give the entry (guid, else canonical link), known before
    normalizing it."""
    guid = _guid(raw)
    if guid:
        return bounded_key(guid)
    link = _link(raw)
    if link and not home_page(link):
        return bounded_key(link)
    return entry_key(raw, "", clean_title(raw.title, markup=not raw.title_is_text))


def _link(raw: RawEntry) -> str:
    """The entry's link as an Item holds it: canonical, absolute, one a reader can open."""
    return web_url(canonical_url(raw.link, raw.base_url)) if raw.link and raw.link.strip() else ""


# what no key may hold: C0 controls but tab and line breaks (PostgreSQL refuses NUL in text,
# which failed the whole poll), DEL, U+FFFE and U+FFFF (no XML text holds them)
_KEY_JUNK = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _guid(raw: RawEntry) -> str:
    guid = raw.guid or ""
    if not guid.isprintable():
        guid = _KEY_JUNK.sub("", guid)
    return guid.strip()


def explain(item: Item) -> str:
    """Lines for `syndication explain`: each label with the evidence behind it."""
    lines = [
        f"{item.title}",
        f"  url: {item.url or '-'}",
        f"  published: {item.published.isoformat()}  credit: {item.credit or '-'}"
        f"  dateline: {item.dateline or '-'}",
        f"  advertorial: {'yes' if item.advertorial else 'no'}",
        f"  categories: {', '.join(item.categories) or '(none)'}",
    ]
    lines += _evidence_lines(item, set(item.categories), category=True)
    lines.append(f"  regencies: {', '.join(item.regencies) or '(unknown: no regency evidence)'}")
    lines += _evidence_lines(item, set(item.regencies), category=False)
    return "\n".join(lines)


def _evidence_lines(item: Item, chosen: set[str], *, category: bool) -> list[str]:
    from .classify import CATEGORY_RANK

    lines = []
    for e in sorted(item.evidence, key=lambda e: (e.rank, e.label)):
        if (e.kind in CATEGORY_RANK) != category:
            continue
        mark = "+" if e.label in chosen else "-"  # "-": found, but outranked or not configured
        lines.append(f"    {mark} {e.label:<12} rank {e.rank} {e.kind:<17} {e.text!r}")
    return lines


def _author(author: str | None) -> str | None:
    """An author is text in every source (feedparser gives a feed's no type, JSON Feed's and a
    page's are text): "Tim <Redaksi>" keeps "<Redaksi>". An entity left over, as feedparser's
    loose parser leaves them ("Tim &lt;Redaksi&gt;"), is decoded, as in a text title."""
    return clean_title(author, markup=False, limit=LINE_MAX) or None


def _title_from(summary: str, link: str) -> str:
    """A micro-post without a title: its first words stand in, else its link."""
    if not summary:
        return link
    if len(summary) <= _TITLE_FROM_SUMMARY:
        return summary
    return summary[:_TITLE_FROM_SUMMARY].rsplit(" ", 1)[0] + "…"


def _image(raw: RawEntry, body: CleanContent, link: str) -> str | None:
    if raw.image and raw.image.strip():
        return web_url(canonical_url(raw.image, raw.base_url or link or None)) or None
    return body.image
