"""Alembic environment: migrations run programmatically from cafe.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from cafe.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    """Run the migrations on an open connection (SQLite needs batch mode for ALTERs)."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("cafe migrations run through cafe.migrate.upgrade(), not the alembic CLI")
run_migrations(connection)
