"""items.lead_key: the first words of a story's body after its dateline, folded and hashed;
two portals printing one press release under their own headlines and datelines share it

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("lead_key", sa.String(length=16), nullable=True))
        batch.create_index("ix_items_lead_key", ["lead_key"])


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_index("ix_items_lead_key")
        batch.drop_column("lead_key")
