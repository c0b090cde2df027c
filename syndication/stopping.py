"""A stop asked for before the daemon's event loop listens for it.

`run` and `serve` install their signal handlers on the event loop, once the config is loaded
and the store opened. A SIGTERM or SIGINT that came earlier (a supervisor stopping a service
it has just started) took the default action: killed by the signal, or a KeyboardInterrupt's
traceback. `listen_early` notes such a signal instead, and the loop's handlers, once
installed (`listen`), act on it at once: a clean stop, exit status 0."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from contextvars import ContextVar
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the module is loaded by every command; asyncio by few
    import asyncio

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_asked = threading.Event()
_previous: dict[int, Any] = {}  # the handlers listen_early replaced, while it holds them


def listen_early() -> None:
    """Note SIGINT and SIGTERM from now on, until the event loop takes them over (`listen`)
    or the command returns (`restore`). Only the main thread may set handlers: called from
    another (the command run in a test's thread), it does nothing."""
    if threading.current_thread() is threading.main_thread():
        _previous.update({sig: signal.signal(sig, _note) for sig in STOP_SIGNALS})


def restore() -> None:
    """The handlers listen_early replaced, back (the command called in-process returns)."""
    _put_back()
    _previous.clear()
    _asked.clear()  # one called later in this process starts anew


def _put_back() -> None:
    for sig, handler in _previous.items():
        signal.signal(sig, handler)


def listen(loop: asyncio.AbstractEventLoop, stop: Callable[[], object]) -> None:
    """The event loop's own handlers of SIGINT and SIGTERM, calling `stop`; called at once
    for a stop noted before (listen_early)."""
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop)
    if _asked.is_set():
        stop()


def _note(signum: int, frame: FrameType | None) -> None:
    """The first stop is noted; a second one acts as it would have (a supervisor's second
    SIGTERM, a second Ctrl-C: the process was not stopping fast enough)."""
    _asked.set()
    _put_back()


class StopAsked(Exception):
    """A stop asked while start-up waited (for another process's migration): the command
    ends as a clean stop does, exit status 0."""


def clear() -> None:
    """No stop asked yet: a command starts."""
    _asked.clear()


# set by the caller of a blocking call made in a thread (asyncio.to_thread copies it there):
# the call's own "give up", set when the caller is cancelled (Ctrl-C of `run --once`)
GIVE_UP: ContextVar[threading.Event | None] = ContextVar("give_up", default=None)


def given_up() -> bool:
    """Whether a stop was asked, or this thread's caller gave up (see GIVE_UP)."""
    event = GIVE_UP.get()
    return _asked.is_set() or (event is not None and event.is_set())
