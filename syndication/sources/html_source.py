"""Network side of HTML sources: listing page -> new article links -> article pages.

    listing body | extract_titled_links | drop links already stored (but read again a stored
    article whose listing headline changed: a correction) | fetch up to max_articles pages
    | read_article (NotArticle is skipped with its reason; which layer read each article is
    remembered for `explain`)

A listing is `complete` when every new link got a definite answer: an article, or a reason to
skip it for good (not an article, 404, too large, not HTML). When links were left out (the
max_articles cap, a timeout, a 5xx, a 429), the caller must not keep the listing's validators,
so the next poll lists again and fetches what is still missing. Links skipped for good are
remembered for a day (in the store's events), so they are not fetched on every poll. When
every page fetched failed, the poll fails (and backs off) like a feed that does not answer.

Also enrichment of feed entries (`enrich = true`): a NEW entry lacking categories, body or
image gets them from its article page.
"""

from __future__ import annotations

import asyncio
import codecs
import hashlib
import html
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit

from ..config import SourceConfig
from ..errors import FetchError, HTTPStatusError, ParseError, TooLargeError
from ..fetch import ACCEPT_HTML, FetchResult
from ..nesting import MAX_DEPTH, bound_depth
from ..normalize import entry_key_of
from ..normalize.dedup import title_key
from ..types import RawEntry
from ..urls import bounded_key, canonical_url
from ..withdraw import gone_status
from .feed_links import HEADER_CHARSET
from .html import Article, NotArticle, Selectors, read_article, titled_links_of_bounded

if TYPE_CHECKING:
    from ..runtime import Runtime
    from ..store import Store

log = logging.getLogger("syndication.sources.html")
T = TypeVar("T")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# browsers read these labels as windows-1252 (WHATWG Encoding), and so do the portals' authors
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii"}
# 4xx answers that will not change on a retry soon; 408 and 429 are about timing, not the page
_TIMING_STATUSES = {408, 425, 429}


@dataclass(frozen=True)
class Skipped:
    url: str
    reason: str
    gone: str | None = None  # the page answered 404/410: why its article is withdrawn


@dataclass(frozen=True)
class Listing:
    """What one poll of a listing page gave."""

    entries: tuple[RawEntry, ...]
    complete: bool  # False: some new links are left for the next poll
    new_links: int = 0
    fetched: int = 0
    skipped: tuple[Skipped, ...] = ()
    # the first poll is over even if the max_articles cap left links for later polls
    baseline_done: bool = False
    quiet: frozenset[str] = frozenset()  # entries that are backlog of the first poll: no push
    listed: frozenset[str] = frozenset()  # every entry key the listing shows (withdrawal)
    gone: tuple[tuple[str, str], ...] = ()  # (stored entry key, reason): its page is gone


def decode(body: bytes, content_type: str) -> str:
    """Bytes to text: a BOM; else UTF-8 when the bytes are UTF-8, whatever a label says (a
    server's default ISO-8859-1 in the header of a UTF-8 page made "â€œ" of every quote);
    else the first of the header's charset and the page's meta charset that the bytes fit
    (a CMS's windows-1252 page under a UTF-8 header); else the first label, leniently, where
    a byte UTF-8 cannot read is read as windows-1252 (a widget's stray byte on a UTF-8 page),
    not as U+FFFD in the headline."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace")
    if not body.isascii():  # text in another encoding is not valid UTF-8 by chance
        with suppress(UnicodeDecodeError):
            return body.decode("utf-8")
    labels = _charsets(body, content_type)
    for name in labels:
        with suppress(LookupError, UnicodeError):
            return body.decode(name)
    return _lenient(body, labels[0] if labels else "utf-8")


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip


def _charsets(body: bytes, content_type: str) -> list[str]:
    """The header's charset, then the page's meta charset: ISO-8859-1 and ASCII read as
    windows-1252, as browsers read them."""
    found = [HEADER_CHARSET.search(content_type), _META_CHARSET.search(body[:4096])]
    names = [m.group(1) for m in found if m is not None]
    labels = [n.decode("ascii") if isinstance(n, bytes) else n for n in names]
    return ["cp1252" if n.lower() in _AS_CP1252 else n for n in labels]


def _lenient(body: bytes, name: str) -> str:
    try:
        if codecs.lookup(name).name == "utf-8":
            return _utf8_else_cp1252(body)
        return body.decode(name, errors="replace")
    except (LookupError, UnicodeError):  # unknown, or a codec that takes no "replace" (idna)
        return _utf8_else_cp1252(body)


def _utf8_else_cp1252(body: bytes) -> str:
    """UTF-8, where a byte it cannot read is read as windows-1252: each such byte escaped
    (U+DC80-U+DCFF), then translated, two passes in C. An error handler in Python, called
    once a byte, took 1.3 s a MB of them (10 s for a hostile page at the fetcher's cap)."""
    text = body.decode("utf-8", errors="surrogateescape")
    first = _ESCAPED.search(text)  # no lone surrogate comes out of valid UTF-8
    if first is None:
        return text
    return text[: first.start()] + text[first.start() :].translate(_CP1252_OF_ESCAPED)


_ESCAPED = re.compile("[\udc80-\udcff]")
_CP1252_OF_ESCAPED = {
    0xDC00 + byte: bytes([byte]).decode("cp1252", "replace") for byte in range(0x80, 0x100)
}


def selectors_of(source: SourceConfig) -> Selectors:
    return Selectors.from_mapping(source.selectors.model_dump() if source.selectors else None)


async def listing_entries(
    rt: Runtime, source: SourceConfig, fetched: FetchResult, *, first_poll: bool = False
) -> Listing:
    """The articles behind a listing's links that this source has not stored or skipped yet.

    The first poll fetches the top max_articles links and is over when they answered: the
    links the cap left out are remembered as backlog, fetched by the next polls (the listing
    stays incomplete until then) and never announced."""
    args = (fetched.body, fetched.content_type, fetched.url, selectors_of(source))
    titled, flattened = await _on_cpu(rt, listing_links, *args)
    links = list(titled)
    if not links:  # a new theme or a block page: say so rather than stay "healthy" and empty
        deep = f" ({flattened} tags nested deeper than {MAX_DEPTH} levels flattened)"
        raise ParseError(
            f"html: source {source.id!r}: no article links on {fetched.url}"
            f"{deep if flattened else ''}; check the page, or set [sources.selectors] link"
        )
    # keyed as normalization keys the entry (normalize.entry_key_of): long links bounded
    by_key = {bounded_key(canonical_url(link)): link for link in links}
    known = await asyncio.to_thread(rt.store.known_entry_keys, source.id, by_key)
    skips = await _remembered_skips(rt, source)
    fresh = [(key, link) for key, link in by_key.items() if key not in known and key not in skips]
    retitled = await _retitled(rt, source, {k: titled[by_key[k]] for k in known})
    cap = source.max_articles
    batch = fresh[:cap]
    # a stored article whose headline changed on the listing is read again (a correction)
    batch += [(key, by_key[key]) for key in retitled][: max(0, cap - len(batch))]
    if len(fresh) > len(batch):
        log.info(
            "event=listing_capped source=%s new_links=%d fetching=%d",
            source.id,
            len(fresh),
            len(batch),
        )
    todo: list[tuple[str, str]] = []
    taken = 0  # of `fresh`, in the listing's order
    entries, skipped, failed, read_by = [], {}, [], {}
    for round_ in range(1, _SKIPPED_ROUNDS + 1):
        pages = await fetch_articles(rt, source, [link for _, link in batch], titled)
        for (key, _), page in zip(batch, pages, strict=True):
            if isinstance(page, Article):
                # the listing's URL is the entry's identity: the next poll knows it first
                entries.append(replace(page.entry, guid=key))
                # under the listing's URL and the page's canonical one: `explain` takes either
                for url_key in {key, canonical_url(page.entry.link or key)}:
                    read_by[url_key] = page.provenance()
            elif isinstance(page, Skipped):
                skipped[key] = page
            else:
                failed.append(page)
        todo += batch
        taken = min(len(fresh), taken + cap)
        if entries or failed or known or round_ == _SKIPPED_ROUNDS or taken >= len(fresh):
            break
        # every link so far skipped (a home page's opinion column, its videos, pages gone):
        # the stories may be listed below them
        batch = fresh[taken : taken + cap]
        log.info("event=listing_all_skipped source=%s next=%d", source.id, len(batch))
    if failed and len(failed) == len(todo):
        raise _all_failed(source, failed)
    if read_by:
        await _remember_readers(rt, source.id, read_by)
    if skipped:
        await _remember_reasons(rt, source.id, skipped)
    left = {key for key, _ in fresh} - {key for key, _ in todo}
    # a new link answering 404/410 may be a page not served yet (a cache behind the listing):
    # asked again after a while, a few times, before it is skipped for a day
    retrying = await _retries(rt, source, by_key, known, skipped, entries)
    if skipped and not entries and not known and not set(skipped) <= set(retrying):
        # the listing never gave an article: a wrong link rule or a page no extractor reads
        # (not only pages not served yet). Not remembered as skipped when it listed nothing
        # more: the next poll tries again and fails again until fixed. With links left, the
        # next poll goes on to those; the ones retried are asked again in a while, and on a
        # first poll they are backlog.
        if left or retrying:
            await _remember_skips(rt, source, skips, skipped, retrying)
        if first_poll and retrying:
            backlog = await _backlog(rt, source.id)
            await _keep_backlog(rt, source.id, backlog | left | set(retrying))
        raise _nothing_kept(source, len(todo), list(skipped.values()))
    if skipped:
        await _remember_skips(rt, source, skips, skipped, retrying)
    backlog = await _backlog(rt, source.id)
    quiet = frozenset(e.guid for e in entries if e.guid in backlog)
    if (first_poll and not failed) or backlog:
        listed_first = (left | set(retrying)) if first_poll else set()
        await _keep_backlog(rt, source.id, (backlog | listed_first) - quiet)
    return Listing(
        entries=tuple(entries),
        # a retry due later: keep no validators, so a poll then reads the listing again
        complete=not failed and not left and not retrying,
        new_links=len(fresh),
        fetched=len(todo),
        skipped=tuple(skipped.values()),
        baseline_done=first_poll and not failed,
        quiet=quiet,
        listed=frozenset(by_key),
        gone=tuple((k, v.gone) for k, v in skipped.items() if k in known and v.gone),
    )


def _backlog_event(source_id: str) -> str:
    return f"html-backlog:{source_id}"


async def _backlog(rt: Runtime, source_id: str) -> set[str]:
    text = await asyncio.to_thread(rt.store.get_event, _backlog_event(source_id))
    try:
        data = json.loads(text) if text else []
    except ValueError:
        return set()
    return {k for k in data if isinstance(k, str)} if isinstance(data, list) else set()


async def _keep_backlog(rt: Runtime, source_id: str, keys: set[str]) -> None:
    value = json.dumps(sorted(keys)[:_SKIP_LIMIT])
    await asyncio.to_thread(rt.store.set_event, _backlog_event(source_id), value, rt.clock())


async def _retitled(rt: Runtime, source: SourceConfig, anchors: dict[str, str]) -> list[str]:
    """Stored entries whose listing headline no longer matches the stored title.

    A listing may shorten a headline ("Pemkab Kukar Resmikan…"), so a headline that is a
    prefix of the stored title is no change; one that adds words to it is ("... Gelar Reses
    Masa Sidang III"). Each changed headline is
    checked once (remembered in the store's events), so a listing that always shows another
    wording than the article does not cost a fetch per poll."""
    if not anchors:
        return []
    stored = await asyncio.to_thread(rt.store.entry_titles, source.id, anchors)
    memory_key = f"html-anchors:{source.id}"
    text = await asyncio.to_thread(rt.store.get_event, memory_key)
    try:
        checked = json.loads(text) if text else {}
    except ValueError:
        checked = {}
    changed = []
    for key, anchor in anchors.items():
        shown, kept = title_key(anchor.rstrip(".…")), title_key(stored.get(key, ""))
        if len(shown) < 12 or not kept or kept.startswith(shown):
            continue
        if checked.get(key) != shown:
            changed.append(key)
            checked[key] = shown
    if changed:
        recent = dict(list(checked.items())[-_SKIP_LIMIT:])
        await asyncio.to_thread(rt.store.set_event, memory_key, json.dumps(recent), rt.clock())
        log.info("event=listing_retitled source=%s articles=%d", source.id, len(changed))
    return changed


# Links skipped for good (not an article, 404, too large) are remembered for a day, so that a
# listing that changes, or is listed again after a failure, does not fetch them again; after a
# day one more look is cheap and catches a page that was fixed.
SKIP_MEMORY = timedelta(hours=24)
_SKIP_LIMIT = 500
# batches of max_articles links one poll reads while every link it read was skipped
_SKIPPED_ROUNDS = 3


# when a new link that answered 404/410 is asked again: after its first answer, its second
RETRY_GONE = (timedelta(minutes=15), timedelta(hours=2))


def _retry_event(source: SourceConfig) -> str:
    return f"html-retry-gone:{source.id}"


async def _retries(
    rt: Runtime,
    source: SourceConfig,
    by_key: Mapping[str, str],
    known: Collection[str],
    skipped: Mapping[str, Skipped],
    entries: Sequence[RawEntry],
) -> dict[str, int]:
    """The new links still listed whose page answered 404/410 and that are asked again
    later (key -> how many times they answered so), kept in the store's events. A link
    read since or stored is dropped; one that answered so more than RETRY_GONE allows is
    skipped as any other (for a day), and stays counted: after the day it is asked once a
    day, not retried anew, even after a listing that left it out."""
    text = await asyncio.to_thread(rt.store.get_event, _retry_event(source))
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        data = {}
    tries = {k: v for k, v in data.items() if isinstance(v, int)} if isinstance(data, dict) else {}
    read = {e.guid for e in entries}
    # a link left out of one listing (a rotating "most read" box) keeps its count: only its
    # page read, or its entry stored, ends it (the newest _SKIP_LIMIT kept)
    kept = {k: n for k, n in tries.items() if k not in known and k not in read}
    for key, skip in skipped.items():
        n = kept.pop(key, 0)
        if skip.gone and key not in known:
            kept[key] = min(n + 1, len(RETRY_GONE) + 1)  # the newest last
    if kept != tries or list(kept) != list(tries):
        value = json.dumps(dict(list(kept.items())[-_SKIP_LIMIT:]))
        await asyncio.to_thread(rt.store.set_event, _retry_event(source), value, rt.clock())
    return {k: n for k, n in kept.items() if n <= len(RETRY_GONE) and k in by_key}


def _skip_event(source: SourceConfig) -> str:
    """The store's event holding the source's skipped links, one per set of selectors: the
    selectors an error asked for (a page no extractor read) read those links again at once,
    not a day later."""
    if source.selectors is None:
        return f"html-skipped:{source.id}"
    told = json.dumps(source.selectors.model_dump(), sort_keys=True, default=str)
    return f"html-skipped:{source.id}:{hashlib.sha256(told.encode()).hexdigest()[:12]}"


async def _remembered_skips(rt: Runtime, source: SourceConfig) -> dict[str, str]:
    """canonical link -> when it was skipped (ISO), for skips younger than SKIP_MEMORY."""
    text = await asyncio.to_thread(rt.store.get_event, _skip_event(source))
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        return {}
    cutoff = (rt.clock() - SKIP_MEMORY).astimezone(UTC).isoformat()
    # ISO times in UTC compare as strings
    return {k: v for k, v in data.items() if isinstance(v, str) and v > cutoff}


async def _remember_skips(
    rt: Runtime,
    source: SourceConfig,
    skips: dict[str, str],
    new: dict[str, Skipped],
    retrying: Mapping[str, int] | None = None,
) -> None:
    """Remember `new` skips for SKIP_MEMORY; a link of `retrying` (key -> its tries) only
    until its next try falls due (RETRY_GONE: remembered as skipped that much earlier)."""
    now = rt.clock()
    when = now.astimezone(UTC).isoformat()
    merged = {**skips, **dict.fromkeys(new, when)}
    for key, tries in (retrying or {}).items():
        if key in new:
            merged[key] = (now - SKIP_MEMORY + RETRY_GONE[tries - 1]).astimezone(UTC).isoformat()
    newest = dict(sorted(merged.items(), key=lambda kv: kv[1])[-_SKIP_LIMIT:])
    await asyncio.to_thread(rt.store.set_event, _skip_event(source), json.dumps(newest), now)


def _nothing_kept(source: SourceConfig, links: int, skipped: list[Skipped]) -> ParseError:
    reasons = Counter(s.reason for s in skipped)
    reason, _ = reasons.most_common(1)[0]
    example = next(s.url for s in skipped if s.reason == reason)
    others = f" (and {len(reasons) - 1} other reasons)" if len(reasons) > 1 else ""
    return ParseError(
        f"html: source {source.id!r}: {links} links, 0 articles: {reason} on {example}{others}; "
        "run `probe` on the listing, or set [sources.selectors]"
    )


def _reason_event(source_id: str) -> str:
    return f"html-skip-reasons:{source_id}"


async def _remember_reasons(rt: Runtime, source_id: str, new: dict[str, Skipped]) -> None:
    """Why each skipped link was skipped, for `explain URL` (the newest _SKIP_LIMIT)."""
    reasons = await skip_reasons(rt.store, source_id)
    for key, skip in new.items():
        reasons.pop(key, None)
        reasons[key] = skip.reason
    newest = dict(list(reasons.items())[-_SKIP_LIMIT:])
    await asyncio.to_thread(
        rt.store.set_event, _reason_event(source_id), json.dumps(newest), rt.clock()
    )


async def skip_reasons(store: Store, source_id: str) -> dict[str, str]:
    return await asyncio.to_thread(skip_reasons_sync, store, source_id)


def skip_reasons_sync(store: Store, source_id: str) -> dict[str, str]:
    """canonical link -> why it was not taken as an article, as last recorded."""
    return _string_map(store.get_event(_reason_event(source_id)))


def _reader_event(source_id: str) -> str:
    return f"html-read-by:{source_id}"


async def _remember_readers(rt: Runtime, source_id: str, new: dict[str, str]) -> None:
    """Which layer read each article (admin selector, theme rule, generic extractor), for
    `explain URL` (the newest _SKIP_LIMIT)."""
    readers = await asyncio.to_thread(read_by_sync, rt.store, source_id)
    for key, how in new.items():
        readers.pop(key, None)
        readers[key] = how
    newest = dict(list(readers.items())[-_SKIP_LIMIT:])
    await asyncio.to_thread(
        rt.store.set_event, _reader_event(source_id), json.dumps(newest), rt.clock()
    )


def read_by_sync(store: Store, source_id: str) -> dict[str, str]:
    """canonical link -> which layers read its article page, as last recorded."""
    return _string_map(store.get_event(_reader_event(source_id)))


def _string_map(text: str | None) -> dict[str, str]:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _all_failed(source: SourceConfig, errors: Sequence[FetchError]) -> FetchError:
    """Every article failed for a reason that may pass: the source failed, and backs off."""
    retry_after = max((e.retry_after or 0.0 for e in errors), default=0.0) or None
    return FetchError(
        f"html: source {source.id!r}: all {len(errors)} new article pages failed, e.g. {errors[0]}",
        retry_after=retry_after,
    )


async def fetch_articles(
    rt: Runtime, source: SourceConfig, links: Sequence[str], shown: Mapping[str, str] | None = None
) -> list[Article | Skipped | FetchError]:
    """Fetch and extract pages, at most fetch.per_host at a time; after a 429 or 503 the
    pages not yet asked for are left for later rather than pressed on a busy server.
    `shown`: link -> the headline a listing showed for it (read_article's `listed_as`)."""
    results: list[Article | Skipped | FetchError | None] = [None] * len(links)
    order = iter(range(len(links)))  # shared by the workers: each index is taken once
    halted: list[FetchError] = []

    async def worker() -> None:
        for i in order:
            if halted:
                results[i] = halted[0]
                continue
            result = await _article(rt, source, links[i], (shown or {}).get(links[i], ""))
            results[i] = result
            if isinstance(result, HTTPStatusError) and result.status in (429, 503):
                halted.append(result)

    workers = min(len(links), rt.fetcher.policy.per_host)
    await asyncio.gather(*(worker() for _ in range(workers)))
    return [r if r is not None else FetchError("not fetched") for r in results]


async def _article(
    rt: Runtime, source: SourceConfig, link: str, listed_as: str = ""
) -> Article | Skipped | FetchError:
    try:
        page = await rt.fetcher.get(link, accept=ACCEPT_HTML)
    except FetchError as e:
        if _for_good(e):
            gone = gone_status(e.status) if isinstance(e, HTTPStatusError) else None
            return replace(_skip(source, link, str(e)), gone=gone)
        log.warning("event=article_fetch_failed source=%s url=%s error=%r", source.id, link, str(e))
        return e
    for _ in range(_REFRESHES):
        # a stub that sends the reader on at once (a moved story, a CMS short link, a cookie
        # check refreshing to the same address): read where it sends, as a browser would.
        # Where it fails for a while (a 503, a timeout), the link is read again next poll;
        # where it fails for good, the stub is what was read (never the link's own failure:
        # the link answered, and a story read again is not withdrawn for its target's 404)
        target = _refresh_target(page.body, page.url)
        if target is None:
            break
        try:
            page = await rt.fetcher.get(target, accept=ACCEPT_HTML)
        except FetchError as e:
            event = "refresh_not_followed" if _for_good(e) else "article_fetch_failed"
            log.warning("event=%s source=%s url=%s error=%r", event, source.id, link, str(e))
            if not _for_good(e):
                return e
            break
    ctype = page.content_type.split(";")[0].strip().lower()
    if ctype and "html" not in ctype:
        return _skip(source, link, f"not an HTML page ({ctype})")
    args = (page.body, page.content_type, page.url, selectors_of(source), source.id, listed_as)
    result = await _on_cpu(rt, page_entry, *args)
    if isinstance(result, NotArticle):
        return _skip(source, link, result.reason)
    return result


_REFRESHES = 3  # meta refreshes followed from one link, as redirects are
_REFRESH_SECONDS = 10  # a later refresh is a page reloading itself, not a stub sending on
_REFRESH_HEAD = 65_536  # bytes of a page looked at for one: a stub is small, its head first
_EQUIV_REFRESH = re.compile(rb"http-equiv\s*=\s*[\"']?refresh\b", re.IGNORECASE)
_TAG_MAX = 4096  # bytes of one <meta> tag read: a longer one is no refresh


def _meta_tags(head: bytes) -> Iterator[bytes]:
    """The <meta ...> tags of `head`, each found once from where the last ended (a regex
    trying every "<meta" against the rest of the page took minutes on 64 KB of unclosed
    ones)."""
    lower = head.lower()
    at = lower.find(b"<meta")
    while at != -1:
        end = lower.find(b">", at, at + _TAG_MAX)
        if end == -1:
            at = lower.find(b"<meta", at + 5)
            continue
        yield head[at : end + 1]
        at = lower.find(b"<meta", end)


_INERT = re.compile(rb"<!--.*?(?:-->|$)|<noscript\b.*?(?:</noscript\s*>|$)", re.I | re.S)
_CONTENT_ATTR = re.compile(rb"\bcontent\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", re.IGNORECASE)
_REFRESH_VALUE = re.compile(r"\s*(\d+(?:\.\d*)?)\s*[;,]?\s*(?:url\s*=\s*)?(.*)", re.I | re.S)


def _refresh_target(body: bytes, url: str) -> str | None:
    """Where a `<meta http-equiv="refresh" content="0; url=...">` sends the reader at once
    (within _REFRESH_SECONDS), as an absolute http(s) address; None for a page without one, a
    refresh that only reloads the page after a while, or one with no address."""
    head = body[:_REFRESH_HEAD]
    if b"efresh" not in head and b"EFRESH" not in head:
        return None
    # what a browser never acts on: comments, and <noscript> (read only without scripts)
    head = _INERT.sub(b"", head)
    for tag in _meta_tags(head):
        if _EQUIV_REFRESH.search(tag) is None:
            continue
        content = _CONTENT_ATTR.search(tag)
        if content is None:
            continue
        value = next(g for g in content.groups() if g is not None).decode("utf-8", "replace")
        found = _REFRESH_VALUE.match(html.unescape(value))
        if found is None or float(found.group(1)) > _REFRESH_SECONDS:
            continue  # a page reloading itself after a while (several print one)
        address = found.group(2).strip().strip("'\"").strip()
        if not address:
            continue
        try:
            target: str = urljoin(url, str(address))
        except ValueError:
            continue
        if target.startswith(("http://", "https://")) and _fetchable(target):
            return target
    return None


def _fetchable(url: str) -> bool:
    """Whether a browser would follow a refresh to `url`: a host it can name, a port in range
    (one it cannot parse is dropped, and the page shown: a refresh to "portal.id:99999999"
    lost the story, its target failing at every poll)."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # ValueError out of range
        host = parts.hostname or ""
        host.encode("idna")
    except (ValueError, UnicodeError):
        return False
    return bool(host) and _HOST_CHARS.fullmatch(host) is not None


_HOST_CHARS = re.compile(r"[\w.:-]+")  # letters (any script), digits, dots, IPv6's colons


async def _on_cpu(rt: Runtime, fn: Callable[..., T], *args: Any) -> T:
    """Run a page's extraction in the CPU pool, as feeds are parsed: never on the event loop,
    which must go on answering /healthz, renewing leases and pacing sends meanwhile."""
    if rt.cpu is None:
        return fn(*args)
    result: T = await rt.cpu.run(fn, *args)
    return result


def listing_links(
    body: bytes, content_type: str, url: str, selectors: Selectors
) -> tuple[dict[str, str], int]:
    """A listing's article links and titles, and how many tags nested too deep were flattened
    (module level: the CPU pool may run it in another process)."""
    html, flattened = bound_depth(decode(body, content_type))
    return titled_links_of_bounded(html, url, selectors), flattened


def page_entry(
    body: bytes,
    content_type: str,
    url: str,
    selectors: Selectors,
    source_id: str,
    listed_as: str = "",
) -> Article | NotArticle:
    """One article page read (its entry and the layer that read it), or why it is none
    (module level, as listing_links)."""
    html = decode(body, content_type)
    return read_article(html, url, selectors, source_id=source_id, listed_as=listed_as)


def _for_good(error: FetchError) -> bool:
    """Whether a retry soon would get the same answer: 4xx other than timing, or too large."""
    if isinstance(error, TooLargeError):
        return True
    return isinstance(error, HTTPStatusError) and (
        400 <= error.status < 500 and error.status not in _TIMING_STATUSES
    )


def _skip(source: SourceConfig, link: str, reason: str) -> Skipped:
    log.info("event=article_skipped source=%s url=%s reason=%r", source.id, link, reason)
    return Skipped(link, reason)


# -- enrichment of feed entries ----------------------------------------------------------------


async def enrich_entries(rt: Runtime, source: SourceConfig, raws: list[RawEntry]) -> list[RawEntry]:
    """Fill what a feed lacks (categories, body, image) from the article pages of `raws`: the
    entries that are new or changed since the last poll. New entries go first under the
    max_articles cap.

    A page that fails leaves its entry as the feed gave it: a story without its categories is
    worth more to readers than a story held back."""
    wanting = [r for r in raws if r.link and (not r.labels or not r.content_html or not r.image)]
    if not wanting:
        return raws
    keys = {entry_key_of(r): r for r in wanting}
    known = await asyncio.to_thread(rt.store.known_entry_keys, source.id, keys)
    todo = sorted(keys, key=lambda k: k in known)[: source.max_articles]  # new ones first
    links = [keys[k].link or "" for k in todo]
    # the feed's headline is what the page must carry (a home page answering at the link is
    # no article: html._home_at_story)
    shown = {keys[k].link or "": keys[k].title or "" for k in todo}
    pages = await fetch_articles(rt, source, links, shown)
    found = {id(keys[k]): page for k, page in zip(todo, pages, strict=True)}
    log.info(
        "event=enrich source=%s new=%d changed=%d fetched=%d enriched=%d",
        source.id,
        len(keys) - len(known),
        len(known),
        len(todo),
        sum(isinstance(p, Article) for p in pages),
    )
    return [_merge(r, p.entry) if isinstance(p := found.get(id(r)), Article) else r for r in raws]


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
