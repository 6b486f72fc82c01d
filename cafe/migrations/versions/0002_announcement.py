"""The café's latest announcement.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cafe") as batch:
        batch.add_column(sa.Column("announcement", sa.String(length=280), nullable=True))
        batch.add_column(sa.Column("announced_at_ms", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cafe") as batch:
        batch.drop_column("announced_at_ms")
        batch.drop_column("announcement")
