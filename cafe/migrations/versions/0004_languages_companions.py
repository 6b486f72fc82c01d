"""What the seating needs of a person: languages, companions, and a wish for one.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("languages", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("companion_group", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("wants_companion", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("wants_companion")
        batch.drop_column("companion_group")
        batch.drop_column("languages")
