"""The small commands: check's summary, status, explain, probe, send-test."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config
from .errors import StorageError, masked_url
from .urls import shown_url, without_secrets

if TYPE_CHECKING:  # the store (SQLAlchemy) only for the commands that open it: not for `check`
    from .store import Store


def summary(config: Config, path: Path) -> str:
    chats = [r for r in config.regencies if r.chat]
    enabled = [s for s in config.sources if s.enabled]
    lines = [
        f"{path}: valid",
        f"  storage     {masked_url(config.storage.url)}",
        f"  feeds       {config.output_dir} served as {config.feeds.base_url}",
        f"  server      {'on ' + config.server.host + ':' + str(config.server.port)}"
        if config.server.enabled
        else "  server      off",
        f"  sources     {len(enabled)} enabled of {len(config.sources)}: "
        + ", ".join(
            f"{s.id} ({s.kind}, every {_dur(s.interval.total_seconds())})" for s in enabled
        ),
        f"  categories  {len(config.categories)}: " + ", ".join(c.slug for c in config.categories),
        f"  regencies   {len(config.regencies)}: " + ", ".join(r.slug for r in config.regencies),
        f"  telegram    {len(chats)} channel(s): "
        + (", ".join(f"{r.slug} -> {r.chat}" for r in chats) or "none")
        + f"; notify {', '.join(config.telegram.notify_categories)}; "
        + ("token set" if config.token() else f"no token in ${config.telegram.token_env}: dry run"),
    ]
    return "\n".join(lines)


def _dur(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def status_data(config: Config, store: Store) -> dict[str, Any]:
    """The `status --json` object (its schema is in the README)."""
    from .store.status import DELIVERY_MODE, TOKEN_EVENT

    by_chat = {r.chat: r.slug for r in config.regencies if r.chat}
    configured = {s.id for s in config.sources}
    disabled = {s.id for s in config.sources if not s.enabled}
    withdrawn = store.withdrawn_counts()
    sources = [
        {
            **_jsonable(dataclasses.asdict(s)),
            "withdrawn": withdrawn.get(s.id, 0),  # items the portal took down
            "configured": s.id in configured,
            "enabled": s.id in configured and s.id not in disabled,
            "healthy": s.consecutive_failures == 0 and s.last_success is not None,
        }
        for s in store.source_statuses()
    ]
    for s in sources:
        if not s["enabled"]:
            s["next_poll"] = None  # never polled while it is off (or out of the config)
    # a configured source never polled yet still has a health line: "not yet"
    polled = {s["id"] for s in sources}
    bursts = store.events_like("burst_capped:")  # the last burst of each source, if any
    for s in sources:
        s["last_burst"] = bursts.get(f"burst_capped:{s['id']}")
    sources += [
        _never_polled(s.id, s.url, enabled=s.enabled) for s in config.sources if s.id not in polled
    ]
    for s in sources:  # a source's password or token stays off the status page and its JSON
        if s.get("last_error"):
            s["last_error"] = without_secrets(s["last_error"], s["url"])
        s["url"] = shown_url(s["url"])
    channels = [
        {**_jsonable(dataclasses.asdict(c)), "regency": by_chat.get(c.chat)}
        for c in store.channel_statuses()
    ]
    for chat, slug in by_chat.items():
        if chat not in {c["chat"] for c in channels}:
            channels.append(_quiet_channel(chat, slug, "ok", 0))
    mode = store.get_event(DELIVERY_MODE)  # the last process that delivered said
    return {
        "generated": datetime.now(UTC).isoformat(),
        "dry_run": config.token() is None if not mode else mode == "dry",
        "totals": store.counts(),
        "sources": sources,
        "channels": sorted(channels, key=lambda c: str(c["chat"])),
        "config_error": store.get_event("config_error") or None,
        "telegram_error": store.get_event(TOKEN_EVENT) or None,
        "storage_error": None,
    }


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in d.items()}


def _without_store(config: Config, error: str) -> dict[str, Any]:
    return {
        "generated": datetime.now(UTC).isoformat(),
        "dry_run": config.token() is None,
        "totals": {"items": None, "pending_deliveries": None},
        "sources": [
            _never_polled(s.id, shown_url(s.url), None, enabled=s.enabled) for s in config.sources
        ],
        "channels": [
            _quiet_channel(r.chat, r.slug, "unknown", None) for r in config.regencies if r.chat
        ],
        "config_error": None,
        "telegram_error": None,
        "storage_error": error,
    }


def _quiet_channel(chat: str, slug: str, state: str, count: int | None) -> dict[str, Any]:
    """A configured channel with nothing in the store: no sends yet, or no store to ask."""
    return {
        "chat": chat, "regency": slug, "state": state, "reason": None, "last_sent": None,
        "pending": count, "sent": count, "failed": count, "oldest_pending": None,
        "filtered": count, "capped": count, "consecutive_failures": count, "last_error": None,
    }  # fmt: skip


def _never_polled(
    source_id: str, url: str, count: int | None = 0, *, enabled: bool = True
) -> dict[str, Any]:
    """A configured source the store has no line for; `count` None: no store to ask."""
    return {
        "id": source_id,
        "url": url,
        "last_attempt": None,
        "last_success": None,
        "last_error": None,
        "error_kind": None,
        "consecutive_failures": count,
        "last_status": None,
        "next_poll": None,
        "items_count": count,
        "withdrawn": count,
        "newest_item": None,
        "last_burst": None,
        "not_modified_count": count,
        "first_poll_done": False,
        "configured": True,
        "enabled": enabled,
        "healthy": False,
    }


def status(config: Config, *, as_json: bool, problems: list[str] | None = None) -> int:
    """`problems`: those of a config.toml that does not load (`config` is then its [storage]
    table only); shown as `config_error` unless a daemon recorded its own."""
    from .store import open_store
    from .store.db import missing_sqlite_file

    try:
        url = config.database_url
        missing = missing_sqlite_file(url)
        if missing is not None:
            # opening it would create it (a mistyped path left a stray empty database the
            # daemon then started on): the answer of an empty one, and a word on stderr
            print(
                f"syndication: no database at {missing} yet: nothing has run with this "
                "[storage] url (or the path is mistyped)",
                file=sys.stderr,
            )
            url = "sqlite://"
        store = open_store(url)
        try:
            data = status_data(config, store)
        finally:
            store.engine.dispose()
    except StorageError as e:
        # still one answer (exit 0, per the contract): what is configured, and why no health
        print(f"syndication: {e}", file=sys.stderr)
        data = _without_store(config, str(e))
    if problems and not data["config_error"]:
        data["config_error"] = "\n".join(problems)
    return _show(data, as_json)


def status_without_config(problems: list[str], *, as_json: bool) -> int:
    """`status` when config.toml names no database it could read (the file missing, or not
    TOML and no [storage] table to be found in it): still one answer and exit 0, per the
    contract, with the file's problems and no health (no database to ask, and none guessed:
    opening a default one would create it)."""
    data: dict[str, Any] = {
        "generated": datetime.now(UTC).isoformat(),
        "dry_run": None,
        "totals": {"items": None, "pending_deliveries": None},
        "sources": [],
        "channels": [],
        "config_error": "\n".join(problems),
        "telegram_error": None,
        "storage_error": "the config file names none that can be read",
    }
    return _show(data, as_json)


def _show(data: dict[str, Any], as_json: bool) -> int:
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    from .status_view import print_status

    print_status(data)
    return 0


def explain(config: Config, target: str) -> int:
    from .explain import explain_target
    from .store import open_store

    store = open_store(config.database_url)
    try:
        text, found = explain_target(config, store, target)
    finally:
        store.engine.dispose()
    print(text)
    return 0 if found else 1


async def probe(url: str, config_path: Path | None = None) -> int:
    """Probe a site and print a report with a `[[sources]]` block; 1 when the page won't load.

    With a readable config (the path given, else $SYNDICATION_CONFIG or ./config.toml) the
    sample articles are normalized with its categories and regencies, and fetched with its
    User-Agent and timeouts."""
    import httpx

    from .config import FetchConfig, load, resolve_path
    from .errors import ConfigError
    from .normalize import normalize_entry
    from .probe import format_report, hide_secrets
    from .probe import probe as run_probe
    from .types import RawEntry

    path = config_path or resolve_path(None)
    config: Config | None = None
    if path.exists():
        try:
            config = load(path)
        except ConfigError as e:
            print(f"probe: {path} not used ({e.problems[0]}): no categories or regencies shown",
                  file=sys.stderr)  # fmt: skip
    fetch = config.fetch if config else FetchConfig()
    timeout = httpx.Timeout(
        fetch.total_timeout.total_seconds(),
        connect=fetch.connect_timeout.total_seconds(),
        read=fetch.read_timeout.total_seconds(),
    )
    headers = {"User-Agent": fetch.user_agent}
    limits = httpx.Limits(max_connections=fetch.per_host)  # polite as the service itself
    async with httpx.AsyncClient(
        headers=headers, timeout=timeout, limits=limits, follow_redirects=True
    ) as client:
        report = await run_probe(
            url,
            client,
            max_body=fetch.max_body,
            total_timeout=fetch.total_timeout.total_seconds(),
        )
    if not report.page.ok:
        print(format_report(report))
        why = f"HTTP {report.page.status}" if report.page.status else report.page.note
        shown = hide_secrets(f"{url}: the page did not load ({why})", url)
        print(f"probe: {shown}", file=sys.stderr)
        return 1
    normalize = None
    if config is not None:
        ctx, now = config.normalize_context(None), datetime.now(UTC)

        def normalize(entry: RawEntry) -> object:
            return normalize_entry(entry, ctx, now, now)

    print(format_report(report, normalize))
    return 0


async def send_test(config: Config, chat: str) -> int:
    import asyncio

    from pydantic import ValidationError

    from .config import RegencyConfig, excerpt
    from .delivery import send_test_message

    try:  # the rule a regency's telegram_chat is checked by in config.toml
        RegencyConfig(slug="send-test", name="send-test", telegram_chat=chat)
    except ValidationError:
        print(
            f"send-test: --chat {excerpt(chat)}: use a @channel_username or a numeric chat id",
            file=sys.stderr,
        )
        return 2
    ok, message = await send_test_message(config, chat)
    print(message, file=sys.stdout if ok else sys.stderr)
    if ok:
        await asyncio.to_thread(_reopen_channel, config, chat)  # no database call on the loop
    return 0 if ok else 1


def _reopen_channel(config: Config, chat: str) -> None:
    """The bot can post there again: a channel marked broken gets its messages now."""
    from .store import open_store

    store = open_store(config.database_url)
    try:
        if store.channel_states().get(chat) == "broken":
            store.reset_channel(chat, datetime.now(UTC))
            print(f"send-test: {chat} was marked broken; its pending messages go out again")
    finally:
        store.engine.dispose()
