"""What became of an item on each Telegram channel, and why: the `explain` command's answer.

Nothing extra is stored for an item that was never queued: the reason is derived from what the
store keeps (when each source first listed it, the source's first poll, the published date) and
from the config (channels, notified categories)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from .config import Config
from .store import ScopeItem, Store
from .store import schema as t
from .store.base import _aware


@dataclass(frozen=True)
class Outcome:
    """One channel's line: `regency -> chat: state, detail`."""

    regency: str
    chat: str | None
    state: str  # sent, pending, failed, filtered, withdrawn, ..., or "not pushed"
    detail: str


@dataclass(frozen=True)
class _Delivery:
    chat: str
    regency: str
    state: str
    message_id: int | None
    sent_at: datetime | None
    next_attempt: datetime
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class _Listing:
    source_id: str
    first_seen: datetime
    on_first_poll: bool  # listed on the source's very first poll: its backlog


def outcomes(config: Config, store: Store, item: ScopeItem) -> list[Outcome]:
    deliveries, listings = _read(store, item.id)
    by_chat = {_chat_key(d.chat): d for d in deliveries}
    told: dict[str, Outcome] = {}  # a chat two regencies share: the line of the first
    out: list[Outcome] = []
    regencies = {r.slug: r for r in config.regencies}
    for slug in item.regencies:
        reg = regencies.get(slug)
        chat = str(reg.chat) if reg is not None and reg.chat is not None else None
        if chat is not None and _chat_key(chat) in by_chat:
            told[_chat_key(chat)] = _queued(by_chat.pop(_chat_key(chat)), config)
            out.append(told[_chat_key(chat)])
            continue
        if chat is not None and _chat_key(chat) in told:
            first = told[_chat_key(chat)]
            detail = f"one message for the chat it shares with regency {first.regency} (above)"
            out.append(Outcome(slug, chat, first.state, detail))
            continue
        if reg is None or chat is None:
            out.append(Outcome(slug, None, "not pushed", f"no channel for regency {slug}"))
            continue
        notified = config.notify_categories_for(reg)
        if not item.url:
            why = "no link a reader can open (none given, or a javascript: or data: one)"
            out.append(Outcome(slug, chat, "not pushed", why))
            continue
        if not set(item.categories) & set(notified):
            why = (
                f"category not notified ({', '.join(item.categories) or 'none'}; "
                f"this channel gets {', '.join(notified)})"
            )
        else:
            why = _why_not_queued(config, item, listings)
        out.append(Outcome(slug, chat, "not pushed", why))
    # rows for chats the config no longer routes this item to (a changed config, a migration)
    out.extend(_queued(d, config) for d in by_chat.values())
    return out


def _chat_key(chat: str) -> str:
    """A chat as the store keeps it: a @username in lower case (Telegram's are), an id as
    it is."""
    return chat.lower() if chat.startswith("@") else chat


def _queued(d: _Delivery, config: Config) -> Outcome:
    when = _local(config, d.sent_at) if d.sent_at else None
    if d.state == "sent":
        detail = f"at {when}, message {d.message_id}"
    elif d.state == "edit":
        detail = f"sent at {when}, message {d.message_id}; an edit of its title is pending"
    elif d.state == "pending":
        detail = f"next attempt {_local(config, d.next_attempt)}, {d.attempts} attempt(s) so far"
        if d.last_error:
            detail += f"; last error: {d.last_error}"
        if not config.token():
            detail += f"; dry run: no token in ${config.telegram.token_env}"
    elif d.state == "failed":
        detail = f"after {d.attempts} attempt(s): {d.last_error or 'no reason recorded'}"
    elif d.state == "capped":  # a burst's rest: never queued, feed-only
        return Outcome(d.regency, d.chat, "not pushed", d.last_error or "over max_per_poll")
    else:  # filtered, withdrawn, and whatever later states keep their reason in last_error
        detail = d.last_error or "no reason recorded"
        if d.state == "withdrawn" and when:
            detail += f" (last request about its message at {when})"
    return Outcome(d.regency, d.chat, d.state, detail)


def _why_not_queued(config: Config, item: ScopeItem, listings: list[_Listing]) -> str:
    if not listings:
        return "no source lists it any more, and it was never queued"
    first = min(listings, key=lambda x: x.first_seen)
    max_age = config.telegram.max_age
    if all(x.on_first_poll for x in listings):
        return (
            f"backlog: listed on the first poll of {first.source_id} "
            f"({_local(config, first.first_seen)}); only what a source lists later is new"
        )
    fresh = [x for x in listings if not x.on_first_poll]
    if all(x.first_seen - item.published > max_age for x in fresh):
        age = min(x.first_seen for x in fresh) - item.published
        return (
            f"older than max_age ({_hours(age.total_seconds())} old when first seen, "
            f"max_age {_hours(max_age.total_seconds())})"
        )
    return (
        "not queued when first seen: the source's first poll was still incomplete (an html "
        "listing read in parts) or the config then routed it elsewhere"
    )


def _read(store: Store, item_id: int) -> tuple[list[_Delivery], list[_Listing]]:
    d, e = t.deliveries.c, t.entries.c
    first_polls = (
        select(e.source_id, func.min(e.first_seen).label("first")).group_by(e.source_id).subquery()
    )
    with store.reading() as conn:
        rows = conn.execute(select(t.deliveries).where(d.item_id == item_id).order_by(d.id))
        deliveries = [
            _Delivery(
                chat=r.chat,
                regency=r.regency,
                state=r.state,
                message_id=r.message_id,
                sent_at=_aware(r.sent_at),
                next_attempt=_aware(r.next_attempt),
                attempts=r.attempts,
                last_error=r.last_error,
            )
            for r in rows
        ]
        listed = conn.execute(
            select(e.source_id, e.first_seen, first_polls.c.first)
            .join(first_polls, first_polls.c.source_id == e.source_id)
            .where(e.item_id == item_id)
        )
        listings = [
            _Listing(r.source_id, _aware(r.first_seen), _aware(r.first) == _aware(r.first_seen))
            for r in listed
        ]
    return deliveries, listings


def _local(config: Config, moment: datetime) -> str:
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(config.telegram.timezone))
    return local.strftime("%Y-%m-%d %H:%M:%S %Z")


def _hours(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    return f"{seconds / 3600:.1f} h"
