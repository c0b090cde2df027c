"""A stop asked for before the daemon's event loop listens for it.

`run` and `serve` install their signal handlers on the event loop, once the config is loaded
and the store opened. A SIGTERM or SIGINT that came earlier (a supervisor stopping a service
it has just started) took the default action: killed by the signal, or a KeyboardInterrupt's
traceback. `listen_early` notes such a signal instead, and the loop's handlers, once
installed, act on it at once (`asked`): a clean stop, exit status 0."""

from __future__ import annotations

import signal
import threading
from contextvars import ContextVar
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_asked = threading.Event()
_previous: dict[int, Any] = {}  # the handlers listen_early replaced


def listen_early() -> dict[int, Any]:
    """Note SIGINT and SIGTERM from now on, until the event loop takes them over; returns
    the handlers it replaced, for `restore`. Only the main thread may set handlers: called
    from another (the command run in a test's thread), it does nothing."""
    _asked.clear()
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {sig: signal.signal(sig, _note) for sig in STOP_SIGNALS}
    _previous.clear()
    _previous.update(previous)
    return previous


def restore(previous: dict[int, Any]) -> None:
    """The handlers listen_early replaced, back (the command called in-process returns)."""
    _put_back(previous)
    _asked.clear()  # the command returns: one called later in this process starts anew


def _put_back(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def _note(signum: int, frame: FrameType | None) -> None:
    """The first stop is noted; a second one acts as it would have (a supervisor's second
    SIGTERM, a second Ctrl-C: the process was not stopping fast enough)."""
    _asked.set()
    _put_back(_previous)


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


def asked() -> bool:
    """Whether a stop signal came before the event loop listened for it."""
    return _asked.is_set()
