"""Consent for a working group's contact: the convener may use it only when the person said so.

A sign-up made before this change kept a contact without being asked: it counts as consent
(the person typed it for the group), and the retention sweep deletes it like any other.

Revision ID: 0014
Revises: 0013
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signup") as batch:
        batch.add_column(sa.Column("consent", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE signup SET consent = true WHERE contact IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("signup") as batch:
        batch.drop_column("consent")
