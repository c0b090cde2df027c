"""Chats named by @username are stored in lower case, as the code now names them (Telegram's
usernames are case-blind: "@Kabar_Kukar" in config.toml and "@kabar_kukar" are one channel).
A message sent before this upgrade to "@Kabar_Kukar" is then found under "@kabar_kukar": a
second source listing its story does not send it again, and its corrections and withdrawals
reach it. Where both spellings hold a row for one story (two regencies naming one channel in
two spellings, each sent once), the one already sent stays and the other's queued work is
superseded; of two channel rows, the lower-case one stays.

Not additive: a process still running older code names the chat as config.toml spells it and
would not find rows stored in lower case. Stop every process for this upgrade (README,
"Upgrading").

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
BREAKING = "lower-cases stored @usernames; older code names them as config.toml spells them"

_MIXED = "chat LIKE '@%' AND chat <> lower(chat)"


def upgrade() -> None:
    op.execute(
        f"UPDATE deliveries SET state = 'superseded', lease_owner = NULL, lease_until = NULL "
        f"WHERE {_MIXED} AND state IN ('pending', 'edit', 'withdraw') AND EXISTS ("
        "SELECT 1 FROM deliveries AS other WHERE other.item_id = deliveries.item_id "
        "AND other.chat = lower(deliveries.chat))"
    )
    op.execute(
        f"UPDATE deliveries SET chat = lower(chat) WHERE {_MIXED} AND NOT EXISTS ("
        "SELECT 1 FROM deliveries AS other WHERE other.item_id = deliveries.item_id "
        "AND other.chat = lower(deliveries.chat))"
    )
    op.execute(
        f"DELETE FROM channels WHERE {_MIXED} AND lower(chat) IN (SELECT chat FROM channels)"
    )
    op.execute(f"UPDATE channels SET chat = lower(chat) WHERE {_MIXED}")
    op.execute(
        "UPDATE channels SET migrated_to = lower(migrated_to) "
        "WHERE migrated_to LIKE '@%' AND migrated_to <> lower(migrated_to)"
    )


def downgrade() -> None:
    pass  # the spelling config.toml used is not kept; older code finds lower-case names only
