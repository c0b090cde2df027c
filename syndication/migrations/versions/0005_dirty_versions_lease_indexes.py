"""dirty_scopes.version: a mark is cleared only for the version a publish read, so an ingest
that commits while a publish runs is published next time; deliveries indexed for the queries
that run every few seconds (lease renewal and owners, the delivery lag watcher)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("dirty_scopes") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_index("ix_deliveries_lease_owner", "deliveries", ["lease_owner"])
    op.create_index("ix_deliveries_lease_until", "deliveries", ["lease_until"])
    op.create_index("ix_deliveries_state_sent", "deliveries", ["state", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_state_sent", table_name="deliveries")
    op.drop_index("ix_deliveries_lease_until", table_name="deliveries")
    op.drop_index("ix_deliveries_lease_owner", table_name="deliveries")
    with op.batch_alter_table("dirty_scopes") as batch:
        batch.drop_column("version")
