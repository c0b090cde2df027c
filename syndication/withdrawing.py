"""After a poll: find the articles a portal took down, and the ones it published again.

    entries of the source not listed this poll, younger than [telegram].max_age, neither
    withdrawn nor found there before | at most MAX_CHECKS per poll, each URL fetched once
    through the shared Fetcher (its per-host limits apply) | 404/410 or a redirect home:
    withdraw the item; a page: never checked again; anything else: try again next poll

An html source that read a stored article page again and got a 404/410 withdraws it too
(Listing.gone). Only an article page that answers again brings a withdrawn item back (an
update, never a new announcement): one the source just read, or the URL of a withdrawn entry
the source lists (at most MAX_CHECKS per poll). Being listed alone proves nothing: a second
source, or a cached listing, may lag behind the portal. Every database call runs off the
event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from .config import SourceConfig
from .fetch import ACCEPT_HTML
from .store.withdrawals import Unlisted
from .urls import portal_of
from .withdraw import check_article

if TYPE_CHECKING:
    from .runtime import Runtime

log = logging.getLogger("syndication.withdraw")
MAX_CHECKS = 5  # article URLs looked at per poll of a source


async def after_poll(
    rt: Runtime,
    source: SourceConfig,
    now: datetime,
    *,
    listed: Collection[str],
    read: Collection[str] = (),
    gone: Mapping[str, str] | None = None,
) -> bool:
    """`listed`: every entry key the source lists now; `read`: entries whose article page was
    just read (html); `gone`: stored entry keys whose page answered 404/410 (html).

    True when checks are left for the next poll, even one that finds the listing unchanged
    (the caller then keeps no validators): more entries left the listing than MAX_CHECKS,
    or a check met a failure that may pass (a timeout, a 5xx). Else a portal that took down
    more articles at once, or was busy when asked, kept them in every feed and channel until
    its listing happened to change again."""
    store = rt.store
    since = now - rt.config.telegram.max_age
    if read:
        hold = rt.config.editorial.reason
        back = await asyncio.to_thread(store.restore, source.id, read, now, since, hold)
        if back:
            log.info("event=republished source=%s items=%d", source.id, back)
    if gone:
        count = await asyncio.to_thread(store.withdraw_entries, source.id, gone, now, _polled(rt))
        for key, reason in gone.items():
            log.warning(
                "event=withdrawn source=%s entry=%r reason=%r", source.id, key[:200], reason
            )
        if count:
            log.info("event=withdrawn_pages source=%s items=%d", source.id, count)
    todo = await asyncio.to_thread(store.unlisted, source.id, listed, since, MAX_CHECKS + 1)
    more, todo = len(todo) > MAX_CHECKS, todo[:MAX_CHECKS]
    answered = set(gone or ()) | set(read)  # pages read this poll: no second look
    relisted = [key for key in listed if key not in answered]
    again = await asyncio.to_thread(store.relisted, source.id, relisted, MAX_CHECKS)
    checked = await asyncio.gather(
        *(_check(rt, source, entry, now) for entry in todo),
        *(_recheck(rt, source, entry, now) for entry in again),
    )
    transient = sum(checked[: len(todo)])
    if more and transient < len(todo):  # some settled: the next poll gets further
        return True
    if not transient:
        return False
    # only answers that may pass (a portal busy, or refusing bots with 503s): asked again,
    # but its listing read whole for them once per TRANSIENT_RETRY at most, not every poll
    key = f"{_RETRY_EVENT}{source.id}"
    last = await asyncio.to_thread(store.get_event, key)
    # ISO times in UTC compare as strings (as html_source's remembered skips)
    if last and last > (now - TRANSIENT_RETRY).astimezone(UTC).isoformat():
        return False
    await asyncio.to_thread(store.set_event, key, now.astimezone(UTC).isoformat(), now)
    return True


def _polled(rt: Runtime) -> dict[str, str]:
    """The sources the config polls, each with the portal it stands for: another portal's
    copy of a story keeps it in the feeds."""
    return {s.id: portal_of(s.url) for s in rt.config.sources if s.enabled}


TRANSIENT_RETRY = timedelta(minutes=30)
_RETRY_EVENT = "withdraw-retry:"


async def _check(rt: Runtime, source: SourceConfig, entry: Unlisted, now: datetime) -> bool:
    """Check one unlisted entry; True when its answer may be another next time."""
    verdict = await check_article(rt.fetcher, entry.url, ACCEPT_HTML)
    if verdict.gone:
        store = rt.store
        done = await asyncio.to_thread(
            store.withdraw_unlisted, source.id, entry, verdict.gone, now, _polled(rt)
        )
        if done == "withdrawn":
            log.warning(
                "event=withdrawn source=%s item=%s url=%s reason=%r",
                source.id,
                entry.item_id,
                entry.url,
                verdict.gone,
            )
        elif done == "elsewhere":
            log.info(
                "event=withdraw_skipped source=%s item=%s url=%s reason=%r"
                " why='another source still lists the story'",
                source.id,
                entry.item_id,
                entry.url,
                verdict.gone,
            )
    elif verdict.there or verdict.final:
        await asyncio.to_thread(rt.store.set_gone_checked, source.id, entry.entry_key, now)
        if verdict.final:
            log.info("event=withdraw_check_refused source=%s url=%s", source.id, entry.url)
    else:
        log.info("event=withdraw_check_inconclusive source=%s url=%s", source.id, entry.url)
    return verdict.transient


async def _recheck(rt: Runtime, source: SourceConfig, entry: Unlisted, now: datetime) -> bool:
    """A withdrawn item the source lists (again, or still): back only if its page answers."""
    verdict = await check_article(rt.fetcher, entry.url, ACCEPT_HTML)
    if not verdict.there:
        return False
    since, hold = now - rt.config.telegram.max_age, rt.config.editorial.reason
    keys = [entry.entry_key]
    back = await asyncio.to_thread(rt.store.restore, source.id, keys, now, since, hold)
    if back > 0:
        log.info("event=republished source=%s item=%s url=%s", source.id, entry.item_id, entry.url)
    return False
