"""Withdrawn articles: items.withdrawn_at and withdrawn_reason (a portal took the article
down: it leaves the feeds and its messages are deleted); entries.gone_checked (when the
"stopped listing" check found the article still there, so it is never checked again)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("entries") as batch:
        batch.add_column(sa.Column("gone_checked", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("entries") as batch:
        batch.drop_column("gone_checked")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("withdrawn_reason")
        batch.drop_column("withdrawn_at")
