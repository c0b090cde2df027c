"""What `run` says when it starts (what runs, where), and after its first round of polls
(which sources failed, and how to try the offline demo)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from .config import Config
from .store import SourceStatus, Store
from .urls import shown_url

log = logging.getLogger("syndication.startup")
FIRST_ROUND_WAIT = 300.0  # seconds: how long to wait for every source's first attempt


def startup_lines(config: Config) -> list[str]:
    enabled = [s for s in config.sources if s.enabled]
    chats = [r for r in config.regencies if r.chat]
    if config.token():
        telegram = f"telegram: token from ${config.telegram.token_env}, messages are sent"
    else:
        telegram = (
            f"telegram: no token in ${config.telegram.token_env}; delivery runs dry: messages "
            "are rendered and logged, nothing is sent, they stay pending"
        )
    where = (
        f"feeds: written to {config.output_dir}, served at http://{config.server.host}:"
        f"{config.server.port}/ (public URL {config.feeds.base_url})"
        if config.server.enabled
        else f"feeds: written to {config.output_dir} (server off; public URL "
        f"{config.feeds.base_url})"
    )
    return [
        f"sources: {len(enabled)} enabled of {len(config.sources)}: "
        # a private feed's password stays out of the log, as in the first-round report
        + _listed([f"{s.id} ({s.kind}) {shown_url(s.url)}" for s in enabled], "none"),
        f"channels: {len(chats)}: "
        + _listed([f"{r.slug} -> {r.chat}" for r in chats], "none (no telegram_chat set)"),
        telegram,
        where,
    ]


LISTED_MAX = 10  # names a start-up line lists; `syndication status` shows every one


def _listed(names: list[str], empty: str) -> str:
    """The first LISTED_MAX names and how many more: a config of 1,000 sources logged one
    line of 60 KB at every start."""
    if not names:
        return empty
    more = len(names) - LISTED_MAX
    return ", ".join(names[:LISTED_MAX]) + (f" and {more} more" if more > 0 else "")


def log_startup(config: Config) -> None:
    for line in startup_lines(config):
        dry = line.startswith("telegram:") and config.token() is None
        log.log(logging.WARNING if dry else logging.INFO, "event=startup %s", line)


async def report_first_round(config: Config, store: Store, *, poll: float = 1.0) -> None:
    """Once every enabled source had its first attempt, name those that failed."""
    started = datetime.now(UTC)
    wanted = {s.id for s in config.sources if s.enabled}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FIRST_ROUND_WAIT
    while True:
        statuses = {
            s.id: s
            for s in await asyncio.to_thread(store.source_statuses)
            if s.id in wanted and _read_since(s, started)
        }
        if len(statuses) == len(wanted) or loop.time() > deadline:
            break
        await asyncio.sleep(poll)
    failed = [s for s in statuses.values() if s.consecutive_failures > 0]
    for s in sorted(failed, key=lambda s: s.id):
        shown = shown_url(s.url)  # a private feed's password stays out of the log
        log.warning("event=first_round source=%s url=%s failed: %s", s.id, shown, s.last_error)
    if failed and len(failed) == len(statuses):
        log.warning(
            "event=first_round no source could be read (%d of %d failed): offline? "
            "`make demo` runs the whole service on a bundled offline portal",
            len(failed),
            len(wanted),
        )
    elif statuses:
        log.info(
            "event=first_round %d of %d sources read", len(statuses) - len(failed), len(wanted)
        )


def _read_since(status: SourceStatus, started: datetime) -> bool:
    """A poll began after `started` and its outcome is recorded (the lease a poll takes is
    given back with its outcome; one that lapsed belongs to a poll that died)."""
    if status.last_attempt is None or status.last_attempt < started:
        return False
    return status.lease_until is None or status.lease_until < datetime.now(UTC)


async def with_startup_report(
    config: Config, store: Store, daemon: Coroutine[Any, Any, None]
) -> None:
    """Run the daemon and report its first round of polls meanwhile (`log_startup` has said
    what runs)."""
    report = asyncio.create_task(report_first_round(config, store))
    try:
        await daemon
    finally:
        report.cancel()
        try:
            await report
        except asyncio.CancelledError:
            pass
        except Exception as e:  # a report that could not be made (the database away) is no
            log.warning("event=first_round_unknown error=%r", str(e))  # reason to fail a stop
