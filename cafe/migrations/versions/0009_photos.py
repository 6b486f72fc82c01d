"""Photos of the tablecloths: re-encoded JPEGs kept with the café.

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photo",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("cafe_id", sa.Integer(), sa.ForeignKey("cafe.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("table_id", sa.Integer(), sa.ForeignKey("cafe_table.id", ondelete="CASCADE"), nullable=False),
        sa.Column("round", sa.Integer(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("jpeg", sa.LargeBinary(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("photo")
