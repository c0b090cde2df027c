"""What delivering one row came to, and the counts a drain returns."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    SENT = "sent"
    EDITED = "edited"
    WITHDRAWN = "withdrawn"  # a withdrawn article's message deleted, or edited to say so
    RETRY = "retry"  # backed off; the chat pauses
    FAILED = "failed"  # given up on: recorded with its reason
    DRY = "dry"  # no token: rendered and logged only
    CHAT_BROKEN = "chat-broken"
    TOKEN = "token"  # the token was rejected: all delivery stops
    STOPPED = "stopped"  # the process is stopping
    MOVED = "moved"  # the chat migrated; its rows moved with it
    HELD = "held"  # no longer announced there (notify_categories changed while it waited)
    # the row's lease ran out (this process stalled) and another sender holds it now: this
    # one's write did not apply, and the row is that sender's to finish
    LEASE_LOST = "lease-lost"


# after these the chat's worker hands back the rest of its rows and stops for now
STOP_OUTCOMES = frozenset(
    {
        Outcome.CHAT_BROKEN,
        Outcome.TOKEN,
        Outcome.STOPPED,
        Outcome.MOVED,
        Outcome.RETRY,
        Outcome.LEASE_LOST,
    }
)

# an Outcome is a str, so the counts read as a plain mapping too (metrics, logs, tests)
Counts = dict[Outcome, int]


def new_counts() -> Counts:
    return {
        o: 0 for o in (Outcome.SENT, Outcome.EDITED, Outcome.RETRY, Outcome.FAILED, Outcome.DRY)
    }
