"""Chats named by @username are stored in lower case, as the code now names them (Telegram's
usernames are case-blind: "@Kabar_Kukar" in config.toml and "@kabar_kukar" are one channel).
A message sent before this upgrade to "@Kabar_Kukar" is then found under "@kabar_kukar": a
second source listing its story does not send it again, and its corrections and withdrawals
reach it. Where both spellings hold a row for one story, the one with a message out there wins
the lower-case name (an unsent twin is superseded, or dropped when the sent one needs the name),
so its correction or deletion still goes out; of several channel rows, one stays.

Not additive: a process still running older code names the chat as config.toml spells it and
would not find rows stored in lower case. Stop every process for this upgrade (README,
"Upgrading").

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
BREAKING = "lower-cases stored @usernames; older code names them as config.toml spells them"


def _mixed(column: sa.ColumnClause[str]) -> sa.ColumnElement[bool]:
    return sa.and_(column.like("@%"), column != sa.func.lower(column))


def upgrade() -> None:
    conn = op.get_bind()
    d = sa.table(
        "deliveries", sa.column("id"), sa.column("item_id"), sa.column("chat"),
        sa.column("state"), sa.column("message_id"), sa.column("lease_owner"),
        sa.column("lease_until"),
    )  # fmt: skip
    # (item, chat) -> (row id, message id) of every row already under a lower-case name
    taken = {
        (r.item_id, r.chat): (r.id, r.message_id)
        for r in conn.execute(sa.select(d.c.id, d.c.item_id, d.c.chat, d.c.message_id)).all()
    }
    mixed = conn.execute(
        sa.select(d.c.id, d.c.item_id, d.c.chat, d.c.message_id)
        .where(_mixed(d.c.chat))
        .order_by(d.c.message_id.is_(None), d.c.id)  # rows with a message out there first
    ).all()
    for row in mixed:
        key = (row.item_id, row.chat.lower())
        twin = taken.get(key)
        if twin is not None and (row.message_id is None or twin[1] is not None):
            # the name is held by a twin that was sent, or this row never was: never due again
            conn.execute(
                d.update().where(d.c.id == row.id)
                .values(state="superseded", lease_owner=None, lease_until=None)
            )  # fmt: skip
            continue
        if twin is not None:  # an unsent twin holds the name this sent row needs
            conn.execute(d.delete().where(d.c.id == twin[0]))
        conn.execute(d.update().where(d.c.id == row.id).values(chat=key[1]))
        taken[key] = (row.id, row.message_id)
    c = sa.table("channels", sa.column("chat"), sa.column("migrated_to"))
    names = set(conn.execute(sa.select(c.c.chat)).scalars())
    for chat in sorted(n for n in names if n.startswith("@") and n != n.lower()):
        if chat.lower() in names:  # another spelling already holds it: one row per channel
            conn.execute(c.delete().where(c.c.chat == chat))
        else:
            conn.execute(c.update().where(c.c.chat == chat).values(chat=chat.lower()))
            names.add(chat.lower())
    conn.execute(
        c.update().where(_mixed(c.c.migrated_to)).values(migrated_to=sa.func.lower(c.c.migrated_to))
    )


def downgrade() -> None:
    pass  # the spelling config.toml used is not kept; older code finds lower-case names only
