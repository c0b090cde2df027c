"""Closing several resources at once: every one is closed, whatever the others do."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

log = logging.getLogger("syndication.closing")


async def close_all(closers: Sequence[Callable[[], Awaitable[None]]], *, stage: str) -> None:
    """Run every close in order, whatever the others do (a cancellation too: the rest are
    still closed, so a caller's timeout does not cut this short), then raise what came
    meanwhile: an exit (SystemExit, KeyboardInterrupt) first, then a cancellation, then the
    first error; the other errors are logged."""
    exits: list[BaseException] = []
    cancelled: list[BaseException] = []
    errors: list[BaseException] = []
    for close in closers:
        try:
            await close()
        except asyncio.CancelledError as e:
            cancelled.append(e)
        except Exception as e:
            errors.append(e)
        except BaseException as e:
            exits.append(e)
    raised = (exits + cancelled + errors)[:1]
    for error in errors:
        if error not in raised:
            log.warning("event=close_failed stage=%s error=%r", stage, error)
    if raised:
        raise raised[0]
