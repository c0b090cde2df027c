"""channels.lease_owner/lease_until/hold_until: one process at a time sends to a chat;
deliveries (chat, sent_at) indexed: the new holder reads the chat's recent sends to pace them

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("hold_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_deliveries_chat_sent", "deliveries", ["chat", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_chat_sent", table_name="deliveries")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("hold_until")
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
