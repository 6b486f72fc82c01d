"""Dots from the paper: who has a phone, and dots the host gave for someone without one.

Revision ID: 0011
Revises: 0010
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("has_phone", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("vote") as batch:
        batch.add_column(sa.Column("by_host", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("vote") as batch:
        batch.drop_column("by_host")
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("has_phone")
