"""entries.raw_hash: an unchanged raw entry is not normalized again

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("entries") as batch:
        batch.add_column(sa.Column("raw_hash", sa.String(length=64), nullable=True))
        batch.create_index("ix_entries_source_raw_hash", ["source_id", "raw_hash"])


def downgrade() -> None:
    with op.batch_alter_table("entries") as batch:
        batch.drop_index("ix_entries_source_raw_hash")
        batch.drop_column("raw_hash")
