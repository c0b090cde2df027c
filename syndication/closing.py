"""Closing several resources at once: every one is closed, whatever the others do."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

log = logging.getLogger("syndication.closing")


async def close_all(closers: Sequence[Callable[[], Awaitable[None]]], *, stage: str) -> None:
    """Run every close in order, whatever the others do: then a cancellation that came
    meanwhile is raised, else the first error; the other errors are logged."""
    cancelled: asyncio.CancelledError | None = None
    first: BaseException | None = None
    for close in closers:
        try:
            await close()
        except asyncio.CancelledError as e:
            cancelled = cancelled or e
        except BaseException as e:
            if first is None:
                first = e
            else:
                log.warning("event=close_failed stage=%s error=%r", stage, e)
    if cancelled is not None:
        if first is not None:
            log.warning("event=close_failed stage=%s error=%r", stage, first)
        raise cancelled
    if first is not None:
        raise first
