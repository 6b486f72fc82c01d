"""Attendee lists: people registered before the day, their contact and role, and arrival.

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("contact", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("role", sa.String(length=20), nullable=False, server_default="participant"))
        batch.add_column(sa.Column("arrived", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("registered", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("cafe") as batch:
        batch.add_column(sa.Column("people_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cafe") as batch:
        batch.drop_column("people_key")
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("registered")
        batch.drop_column("arrived")
        batch.drop_column("role")
        batch.drop_column("contact")
