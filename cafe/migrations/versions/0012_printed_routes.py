"""Printed routes: each person's table per round as their badge or route card prints it.

Revision ID: 0012
Revises: 0011
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("route", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("route")
