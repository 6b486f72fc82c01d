"""The facilitator's words in the room's languages, and announcements that end.

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cafe") as batch:
        batch.add_column(sa.Column("announcement_until_ms", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("announcement_translations", sa.JSON(), nullable=False,
                                   server_default="{}"))
    for table in ("topic", "round"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("translations", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    for table in ("round", "topic"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("translations")
    with op.batch_alter_table("cafe") as batch:
        batch.drop_column("announcement_translations")
        batch.drop_column("announcement_until_ms")
