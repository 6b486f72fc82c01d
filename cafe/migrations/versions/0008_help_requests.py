"""A table asks for help: the facilitator or an interpreter.

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "help_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cafe_id", sa.Integer(), sa.ForeignKey("cafe.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("table_id", sa.Integer(), sa.ForeignKey("cafe_table.id", ondelete="CASCADE"), nullable=False),
        sa.Column("need", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=30), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("asked_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("acknowledged_at_ms", sa.BigInteger(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("help_request")
