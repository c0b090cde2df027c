"""items.article_key: the url_key without its slug when the address holds the article's
number; a headline corrected together with its slug is the same article

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("article_key", sa.Text(), nullable=True))
        batch.create_index("ix_items_article_key", ["article_key"])


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_index("ix_items_article_key")
        batch.drop_column("article_key")
