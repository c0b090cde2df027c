"""sources.kind and sources.schedule: what the config said of the source when it was last
started, so that an edit made while the service was stopped is seen: a new url or kind is a new
address of the same source (the old address's validators, redirect, failures and pauses are
forgotten; it stays the same source, whose first poll is long done), a new interval makes it
due at once rather than at the time the old interval set

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("schedule", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("schedule")
        batch.drop_column("kind")
