"""Telegram delivery from the durable queue:

    dispatcher: which chats have due rows no other process holds? | one worker per chat
    worker:     take the chat's send lease (or leave the chat) | wait for the chat's pace
                | lease a few of its rows | render via bots/ | send or edit
                | record the message id, or the error by kind | repeat | let the chat go

Each chat is served by its own worker, in order, at its own pace: a 429, a backoff or a
broken channel holds back only that chat, and no chat waits for another's batch to finish.

Pacing lives in one process, so one process at a time sends to a chat: a worker first takes
the chat's send lease in the database (channels.lease_owner), renews it while it works and
frees it when it ends; a worker that cannot get it leaves the chat to its holder. The new
holder learns what the last one did from the store (the chat's sends of the last minute, a
429 pause still running) and paces from there, so a chat passed between processes keeps its
limits. Chat leases follow the same rules as row leases below (LEASE, RENEW, liveness.py).

Rows stay in the store until Telegram's answer is recorded, so a restart finishes what was
pending. A worker waits for its chat's slot before leasing, so leases cover work about to
happen; they are short (LEASE) and renewed every RENEW seconds while the process runs, so the
rows of a process that died are free again within one LEASE, and at once on the same machine
when that process is provably gone (see liveness.py).

The only duplicate is a send whose outcome was unknowable: Telegram accepted it but the
answer never reached the store (a timeout, or a crash between the two). Per chat at most one
request is in flight, so a crash duplicates at most one message per chat. On a timeout
`[telegram].on_timeout` decides: "resend" (default, never lose one) or "assume-sent". A Bot
API that cannot be reached (connection refused, DNS) is knowably not sent: retried with backoff
up to `[telegram].max_attempts`, then the chat waits as broken with its rows pending.

Stopping (`stopped = True`, on SIGTERM) wakes every wait at once; each worker finishes the one
request it has in flight, records its outcome and hands its other rows back before drain returns.

Modules: dispatch (the Deliverer), worker (one chat), send (one row), render (message and quiet
hours), alerts (the admin chat), dry (no token), outcome (what one row came to), core (shared).
"""

from __future__ import annotations

from .core import LEASE, RENEW, SharedPacer
from .dispatch import BROKEN_RECHECK, POLL, Deliverer
from .outcome import Counts, Outcome
from .send_test import send_test_message

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
