"""One source, end to end:

    claim (lease) | fetch (conditional GET) | 304 or same bytes: done
    | parse (feedparser / HTML extractor) | normalize (pure) | store (one transaction)

The store records new and changed items, the Telegram deliveries they cause and the feeds to
regenerate, all at once. A failure of the source (fetch, parse, a bug in a parser) is recorded
against the source and never raised further; a StorageError (the database is away, so nothing can
be recorded) is raised to the caller, which counts it and retries on the source's next run.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from . import withdrawing, workers
from .config import Config, SourceConfig
from .errors import ParseError, SourceError, StorageError
from .fetch import ACCEPT_FEED, ACCEPT_HTML, RETRY_AFTER_MAX, FetchResult
from .runtime import Runtime
from .store import Claim, Gate, IngestResult, SourceState, SourceSuccess, Unchanged
from .store.items import TOUCH_EVERY
from .types import Item, RawEntry
from .urls import without_secrets
from .workers import legacy_raw_digest, raw_digest

if TYPE_CHECKING:  # the HTML stack (selectolax readers, extractors) loads on a poll that parses
    from .sources.html_source import Listing

log = logging.getLogger("syndication.pipeline")
T = TypeVar("T")
# a poll's lease: renewed every RENEW seconds while the poll runs, so a process that died
# mid-poll frees its source within LEASE (at once on the same machine: see liveness.py)
LEASE = timedelta(seconds=60)
RENEW = 15.0


# new: the source answered with a body (new entries or not); unchanged: 304 or the same
# bytes; error: recorded against the source; skipped: another process holds its poll lease
PollStatus = Literal["new", "unchanged", "error", "skipped"]


@dataclass(frozen=True)
class PollOutcome:
    source_id: str
    status: PollStatus
    result: IngestResult | None = None
    error: str | None = None
    skipped: int = 0  # entries dropped with a reason
    entries: int = 0  # entries the source listed this poll


async def poll_source(rt: Runtime, source: SourceConfig, *, force: bool = False) -> PollOutcome:
    now = rt.clock()
    state = await rt.claims(Claim(source.id, rt.owner, now, LEASE, force))
    if state is None:
        if force:  # run --once asked for every source: say which one it could not have
            log.warning(
                "event=poll source=%s status=skipped reason=another process holds its poll lease",
                source.id,
            )
        return PollOutcome(source.id, "skipped")
    heartbeat = asyncio.create_task(_renew(rt, source.id), name=f"lease:{source.id}")
    try:
        return await _polled(rt, source, state)
    except asyncio.CancelledError:
        # a stop cut the poll short: nothing of it is lost (the next poll fetches the same),
        # and its source is free for another process at once rather than when the lease ends
        with suppress(StorageError):
            await asyncio.to_thread(rt.store.release_source, source.id, rt.owner)
        raise
    finally:
        heartbeat.cancel()
        with suppress(asyncio.CancelledError):
            await heartbeat


async def _renew(rt: Runtime, source_id: str) -> None:
    """Keep the poll lease while the poll runs (a slow portal, a long enrichment)."""
    while True:
        await asyncio.sleep(RENEW)
        try:
            await asyncio.to_thread(rt.store.renew_source, source_id, rt.owner, rt.clock(), LEASE)
        except StorageError as e:  # the database away for a moment: try again next beat
            log.error("event=poll_lease_renewal_failed source=%s error=%r", source_id, str(e))


async def _polled(rt: Runtime, source: SourceConfig, state: SourceState) -> PollOutcome:
    try:
        if rt.cpu is None:
            return await _poll(rt, source, state)
        async with rt.cpu.admission(2 * rt.fetcher.policy.concurrency):
            return await _poll(rt, source, state)
    except SourceError as e:
        return await _failed(rt, source, state, e)
    except StorageError:
        raise
    except Exception as e:  # a bug in a parser must not stop the other sources
        log.exception("event=poll_crash source=%s", source.id)
        return await _failed(rt, source, state, SourceError(f"internal: {type(e).__name__}: {e}"))


async def _poll(rt: Runtime, source: SourceConfig, state: SourceState) -> PollOutcome:
    fetched = await rt.fetcher.get(
        state.fetch_url,
        etag=state.etag,
        last_modified=state.last_modified,
        accept=_ACCEPT[source.kind],
    )
    now = rt.clock()
    ok = SourceSuccess(
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        body_hash=fetched.body_hash,
        status=fetched.status,
        next_poll=next_poll(
            source,
            now,
            0,
            fetched.max_age,
            newest_age=now - state.newest_item if state.newest_item else None,
        ),
        permanent_url=fetched.permanent_url,
        url=state.url,
        owner=rt.owner,
    )
    if fetched.not_modified or (fetched.body_hash and fetched.body_hash == state.body_hash):
        await rt.unchanged(Unchanged(source.id, now, ok))
        await _recovered(rt, source, state)
        log.info("event=poll source=%s status=unchanged http=%s", source.id, fetched.status)
        return PollOutcome(source.id, "unchanged")
    listing, entries, items, skipped, seen = await _read(rt, source, fetched, state, now)
    complete, quiet, first_done = listing.complete, listing.quiet, listing.baseline_done
    if not complete:  # links were left out: keep no validators, so the next poll lists again
        ok = replace(ok, etag=None, last_modified=None, body_hash=None)
    if source.kind == "feed" and not items and not seen:
        # nothing usable: a broken document is the source's failure, an empty feed is not
        reason = await asyncio.to_thread(malformed, fetched.body, fetched.content_type)
        if reason is not None:
            raise ParseError(f"malformed feed: {reason}")
    gate = gate_for(rt.config, source.id)
    result = await asyncio.to_thread(
        rt.store.ingest,
        source.id,
        items,
        now,
        ok,
        route=router(rt.config),
        announce=announcer(rt.config, state, now, quiet),
        complete=complete or first_done,
        gate=gate,
        listed=listing.listed,
    )
    if seen and listing.listed:
        # entries unchanged since read are not ingested again: what is still listed is noted
        # (once a day), so that retention never prunes it (see store.prune)
        every = min(TOUCH_EVERY, rt.config.feeds.retention / 4)  # well within retention
        last = rt.touched.get(source.id)
        if last is None or now - last >= every:
            await asyncio.to_thread(rt.store.touch_listed, source.id, listing.listed, now, every)
            rt.touched[source.id] = now
    unsettled = await withdrawing.after_poll(
        rt,
        source,
        now,
        listed=listing.listed,
        read=[r.guid or "" for r in listing.entries] if source.kind == "html" else (),
        gone=dict(listing.gone),
    )
    if unsettled and ok.body_hash is not None:
        # withdrawal checks left for the next poll: the same listing must not answer it
        # with a 304 or the same bytes, which check nothing (until the portal posts again)
        await asyncio.to_thread(rt.store.forget_validators, source.id)
    await _recovered(rt, source, state)
    if gate.capped:
        await _burst(rt, source, gate, now)
    log.info(
        "event=poll source=%s status=ok entries=%d new=%d updated=%d duplicates=%d "
        "deliveries=%d filtered=%d capped=%d skipped=%d rejected=%d",
        source.id,
        entries,
        result.new,
        result.updated,
        result.duplicates,
        result.deliveries,
        result.filtered,
        result.capped,
        skipped,
        result.rejected,
    )
    return PollOutcome(source.id, "new", result, skipped=skipped, entries=entries)


_ACCEPT = {"feed": ACCEPT_FEED, "html": ACCEPT_HTML}


async def _read(
    rt: Runtime, source: SourceConfig, fetched: FetchResult, state: SourceState, now: datetime
) -> tuple[Listing, int, list[Item], int, set[str]]:
    """The poll's listing, how many entries it holds, the items of those that are new or
    changed since the last poll, how many entries were skipped, and the digests of the
    entries the store already has as they are."""
    if source.kind == "feed" and not source.enrich and not state.first_poll_done:
        # nothing of the feed is known yet: parsed and normalized in one job
        from .sources.html_source import Listing

        args = (fetched.body, source.id, fetched.url, fetched.content_type)
        ctx = rt.config.normalize_context(source)
        first = await _cpu(rt, workers.first_poll, *args, ctx, now)
        _log_skipped(source, first.skipped)
        listing = Listing((), complete=True, listed=first.listed)
        return listing, first.entries, first.items, len(first.skipped), set()
    listing = await _entries(rt, source, fetched, state)
    digests = {raw_digest(r): r for r in listing.entries}
    seen = await asyncio.to_thread(rt.store.known_raw_hashes, source.id, digests)
    if len(seen) < len(digests):  # new or changed entries, or stored by an older version
        older = {legacy_raw_digest(r): d for d, r in digests.items() if d not in seen}
        seen |= await asyncio.to_thread(rt.store.adopt_raw_hashes, source.id, older)
    if source.enrich and source.kind == "feed":
        # keyed by the feed's own digest, so an unchanged entry is never fetched or rewritten
        digests = await _enrich(rt, source, digests, seen)
    items, skipped = await _normalize(rt, source, digests, seen, now)
    return listing, len(listing.entries), items, skipped, seen


async def _cpu(rt: Runtime, fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) in the CPU pool, or right here when the runtime has none."""
    return fn(*args) if rt.cpu is None else await rt.cpu.run(fn, *args)


async def _entries(
    rt: Runtime, source: SourceConfig, fetched: FetchResult, state: SourceState
) -> Listing:
    """The poll's raw entries, whether they are complete (html: no link left out), whether
    the first poll is over anyway (html: only the max_articles cap left links out), the
    entry keys never to announce (html: the first poll's backlog), and every entry key the
    source lists now (withdrawal)."""
    from .normalize import entry_key_of
    from .sources.html_source import Listing, listing_entries

    if source.kind == "html":
        first = not state.first_poll_done
        return await listing_entries(rt, source, fetched, first_poll=first)
    args = (fetched.body, source.id, fetched.url, fetched.content_type)
    feed = await _cpu(rt, workers.parse, *args)
    return Listing(tuple(feed), complete=True, listed=frozenset(map(entry_key_of, feed)))


async def _enrich(
    rt: Runtime, source: SourceConfig, digests: dict[str, RawEntry], seen: set[str]
) -> dict[str, RawEntry]:
    from .sources.html_source import enrich_entries

    changed = [d for d in digests if d not in seen]
    enriched = await enrich_entries(rt, source, [digests[d] for d in changed])
    return {**digests, **dict(zip(changed, enriched, strict=True))}


def malformed(body: bytes, content_type: str) -> str | None:
    """Why a feed document is not well-formed XML, or None (it is, or it is a JSON Feed, which
    its parser refuses by itself). Leading whitespace is forgiven: the classic WordPress blank
    line before `<?xml` is no fault. Asked only when a feed yields no usable entry."""
    import xml.sax

    from .sources.feed import feedparse, looks_like_json

    body = body.lstrip()
    if looks_like_json(body, content_type):
        return None
    headers = {"content-type": content_type or "application/xml"}
    error = feedparse(body, headers).get("bozo_exception")
    if isinstance(error, xml.sax.SAXParseException):
        return f"not well-formed XML: {error.getMessage()}"
    return None


async def _normalize(
    rt: Runtime,
    source: SourceConfig,
    raws: dict[str, RawEntry],
    seen: set[str],
    now: datetime,
) -> tuple[list[Item], int]:
    """Normalize the entries that changed since the last poll (`seen` ones are skipped)."""
    ctx = rt.config.normalize_context(source)
    todo = [(digest, raw) for digest, raw in raws.items() if digest not in seen]
    if not todo:
        return [], 0
    items, reasons = await _cpu(rt, workers.normalize, todo, ctx, now)
    _log_skipped(source, reasons)
    return items, len(reasons)


def _log_skipped(source: SourceConfig, reasons: list[str]) -> None:
    for reason in reasons:
        level = logging.ERROR if reason.startswith(workers.INTERNAL_SKIP) else logging.INFO
        log.log(level, "event=entry_skipped source=%s reason=%r", source.id, reason)


def router(config: Config) -> Callable[[Item], list[tuple[str, str]]]:
    """item -> [(regency, chat)]: notify categories x each regency's channel, as configured
    (the store follows a chat Telegram migrated, in the ingest's transaction, so routing reads
    no database)."""
    by_slug = {r.slug: r for r in config.regencies}

    def route(item: Item) -> list[tuple[str, str]]:
        out = []
        for slug in item.regencies:
            reg = by_slug.get(slug)
            if reg is None or reg.chat is None:
                continue
            if set(item.categories) & set(config.notify_categories_for(reg)):
                out.append((slug, reg.chat))
        return out

    return route


def gate_for(config: Config, source_id: str) -> Gate:
    """What one poll of `source_id` may push: [[filters]] and [telegram] max_per_poll."""
    hold = config.editorial.reason if config.editorial else None
    return Gate(source_id=source_id, hold=hold, per_chat=config.telegram.max_per_poll)


async def _burst(rt: Runtime, source: SourceConfig, gate: Gate, now: datetime) -> None:
    """A poll announced more than max_per_poll to some chat: the rest went to the feeds only.
    Said once per poll: a log line, a store event (status) and the admin."""
    chats = ", ".join(f"{chat} {n}" for chat, n in sorted(gate.capped.items()))
    text = (
        f"⚠️ source {source.id} listed a burst of new items: "
        f"{sum(gate.queued.values())} message(s) queued, the rest left in the feeds only "
        f"(over [telegram] max_per_poll = {gate.per_chat} per chat): {chats}"
    )
    log.warning(
        "event=burst_capped source=%s max_per_poll=%s capped=%r", source.id, gate.per_chat, chats
    )
    await asyncio.to_thread(rt.store.set_event, f"burst_capped:{source.id}", text, now)
    if rt.on_source_alert:
        rt.on_source_alert(source.id, text)


def announcer(
    config: Config, state: SourceState, now: datetime, quiet: frozenset[str] = frozenset()
) -> Callable[[Item], bool]:
    """Novelty is by identity: anything a source lists after its first poll, if not stale
    and not `quiet` (the first poll's backlog)."""
    max_age = config.telegram.max_age

    def announce(item: Item) -> bool:
        fresh = now - item.published <= max_age
        return state.first_poll_done and fresh and item.entry_key not in quiet

    return announce


def next_poll(
    source: SourceConfig,
    now: datetime,
    failures: int,
    max_age: float | None,
    retry_after: float | None = None,
    cap: timedelta = timedelta(hours=6),
    newest_age: timedelta | None = None,
) -> datetime:
    """The earliest time the source may be polled again.

    The scheduler's interval job (with jitter) sets the cadence; this only holds a poll back:
    longer for a quiet source when `max_interval` is set (a tenth of the age of its newest
    item, within interval..max_interval), longer when the server's max-age asks (up to 4x
    the interval), doubled per consecutive failure up to `cap`, never sooner than
    Retry-After (up to a week). Half an interval of slack keeps a jittered job from finding a
    healthy source "not yet due"."""
    interval = source.interval.total_seconds()
    base = interval
    if source.max_interval and newest_age is not None:
        quiet = newest_age.total_seconds() / 10
        base = min(max(interval, quiet), source.max_interval.total_seconds())
    if max_age:
        base = min(max(base, max_age), interval * 4)
    if failures:
        base = min(interval * 2**failures, max(cap.total_seconds(), interval))
        base += base * random.uniform(0, 0.1)
    # a server's pause is honoured, but no further than a week: a hostile Retry-After of
    # 10**12 seconds must neither overflow the date nor park the source for good
    wait = max(0.0, base - interval / 2, min(retry_after or 0.0, RETRY_AFTER_MAX))
    return now + timedelta(seconds=wait)


async def _failed(
    rt: Runtime, source: SourceConfig, state: SourceState, error: SourceError
) -> PollOutcome:
    now = rt.clock()
    status = getattr(error, "status", None)
    when = next_poll(
        source,
        now,
        state.consecutive_failures + 1,
        None,
        error.retry_after,
        rt.config.fetch.max_backoff,
    )
    # the source's password and keys stay out of the log, the alert and the database
    said = without_secrets(str(error), source.url)
    count = await asyncio.to_thread(
        rt.store.record_failure,
        source.id,
        now,
        error.kind,
        said,
        when,
        status,
        rt.owner,
        state.url,
    )
    log.warning(
        "event=poll source=%s status=error kind=%s failures=%d error=%r next=%s",
        source.id,
        error.kind,
        count,
        said,
        when.isoformat(),
    )
    if count >= 5 and not state.alerted and rt.on_source_alert:
        await asyncio.to_thread(rt.store.set_alerted, source.id, True)
        rt.on_source_alert(source.id, f"⚠️ source {source.id} failing {count} times: {said}")
    return PollOutcome(source.id, "error", error=said)


async def _recovered(rt: Runtime, source: SourceConfig, state: SourceState) -> None:
    if state.alerted:
        await asyncio.to_thread(rt.store.set_alerted, source.id, False)
        if rt.on_source_alert:
            rt.on_source_alert(source.id, f"✅ source {source.id} recovered")
