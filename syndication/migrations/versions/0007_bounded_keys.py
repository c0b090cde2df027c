"""Long keys bounded: an entry key, url_key or title_key longer than urls.KEY_CHARS (512)
characters, which an older version stored as it was (SQLite took any length, PostgreSQL up to
2,704 bytes of an index row), becomes its head and a digest of the whole (urls.bounded_key),
the key the code now computes for the same entry: it stays the same story, its corrections
edit it and its withdrawal finds it.

Not additive: a process still running older code computes the long key again and takes such an
entry for a new one. Stop every process for this upgrade (README, "Upgrading").

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from syndication.urls import KEY_CHARS, bounded_key

revision = "0007"
down_revision = "0006"
BREAKING = "rewrites stored keys longer than 512 characters; older code computes them long"


def upgrade() -> None:
    conn = op.get_bind()
    entries = sa.table("entries", sa.column("source_id"), sa.column("entry_key"))
    long_keys = sa.select(entries.c.source_id, entries.c.entry_key).where(
        sa.func.length(entries.c.entry_key) > KEY_CHARS
    )
    for source_id, key in conn.execute(long_keys).all():
        conn.execute(
            entries.update()
            .where(entries.c.source_id == source_id, entries.c.entry_key == key)
            .values(entry_key=bounded_key(key))
        )
    items = sa.table("items", sa.column("id"), sa.column("url_key"), sa.column("title_key"))
    for column in (items.c.url_key, items.c.title_key):
        rows = sa.select(items.c.id, column).where(sa.func.length(column) > KEY_CHARS)
        for item_id, key in conn.execute(rows).all():
            conn.execute(
                items.update().where(items.c.id == item_id).values({column.name: bounded_key(key)})
            )


def downgrade() -> None:
    pass  # a bounded key cannot be made long again; older code treats it as any other key
