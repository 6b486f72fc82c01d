"""A seat's café is no longer a foreign key: its round's is.

Writing 2,000 seats made PostgreSQL check 2,000 times that the café row exists, and the café row
is the stream's `seq` counter, updated by every event: under a busy room's older snapshots each
check walked its dead versions, 0.9-1.0 s for one round's seats (bench/README.md, "Seats across
processes"). `seat.round_id` still references `round`, which references the café, and both
cascade, so a seat still cannot outlive its café; `seat.cafe_id` stays, indexed, for the queries
that filter on it.

Revision ID: 0016
Revises: 0015
"""
from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("seat") as batch:
        batch.drop_constraint("fk_seat_cafe_id_cafe", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("seat") as batch:
        batch.create_foreign_key("fk_seat_cafe_id_cafe", "cafe", ["cafe_id"], ["id"], ondelete="CASCADE")
