"""A stop asked for before the daemon's event loop listens for it.

`run` and `serve` install their signal handlers on the event loop, once the config is loaded
and the store opened. A SIGTERM or SIGINT that came earlier (a supervisor stopping a service
it has just started) took the default action: killed by the signal, or a KeyboardInterrupt's
traceback. `listen_early` notes such a signal instead, and the loop's handlers, once
installed, act on it at once (`asked`): a clean stop, exit status 0."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_asked = threading.Event()


def listen_early() -> dict[int, Any]:
    """Note SIGINT and SIGTERM from now on, until the event loop takes them over; returns
    the handlers it replaced, for `restore`. Only the main thread may set handlers: called
    from another (the command run in a test's thread), it does nothing."""
    _asked.clear()
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.signal(sig, _note) for sig in STOP_SIGNALS}


def restore(previous: dict[int, Any]) -> None:
    """The handlers listen_early replaced, back (the command called in-process returns)."""
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def _note(signum: int, frame: FrameType | None) -> None:
    _asked.set()


def asked() -> bool:
    """Whether a stop signal came before the event loop listened for it."""
    return _asked.is_set()
