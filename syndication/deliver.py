"""Telegram delivery: kept as a name for `syndication.delivery` (see its docstring)."""

from __future__ import annotations

from .delivery import (
    BROKEN_RECHECK,
    LEASE,
    POLL,
    RENEW,
    Counts,
    Deliverer,
    Outcome,
    SharedPacer,
    send_test_message,
)

__all__ = [
    "BROKEN_RECHECK",
    "LEASE",
    "POLL",
    "RENEW",
    "Counts",
    "Deliverer",
    "Outcome",
    "SharedPacer",
    "send_test_message",
]
