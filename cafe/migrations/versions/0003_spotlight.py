"""The note the facilitator spotlights on the board.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cafe") as batch:
        batch.add_column(sa.Column("spotlight_note_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cafe") as batch:
        batch.drop_column("spotlight_note_id")
