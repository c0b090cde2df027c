"""channels.failures and channels.last_error: a channel's health as a source has it (the
contract: last error and consecutive failures per channel too): the failed tries since its
last message went out, and the error of the last one; both cleared by the next message sent

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("last_error")
        batch.drop_column("failures")
