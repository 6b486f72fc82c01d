"""The theme team's themes, each note's theme (with who put it there last), and harvest dots on
themes.

Revision ID: 0015
Revises: 0014
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "theme",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cafe_id", sa.Integer(), sa.ForeignKey("cafe.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("topic_id", sa.Integer(), sa.ForeignKey("topic.id", ondelete="CASCADE"), nullable=True),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "theme_vote",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cafe_id", sa.Integer(), sa.ForeignKey("cafe.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("theme_id", sa.Integer(), sa.ForeignKey("theme.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "participant_id", sa.Integer(), sa.ForeignKey("participant.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("theme_id", "participant_id"),
    )
    with op.batch_alter_table("note") as batch:
        batch.add_column(sa.Column("theme_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("themed_by", sa.String(length=40), nullable=True))
        batch.create_foreign_key("fk_note_theme_id_theme", "theme", ["theme_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("note") as batch:
        batch.drop_constraint("fk_note_theme_id_theme", type_="foreignkey")
        batch.drop_column("themed_by")
        batch.drop_column("theme_id")
    op.drop_table("theme_vote")
    op.drop_table("theme")
