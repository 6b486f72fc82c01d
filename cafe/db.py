"""Engine, sessions and the one way to write: `transaction()`."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

# Where a session collects the events appended in its transaction (services/eventlog.py).
APPENDED = "cafe_appended_events"


class Database:
    """One engine and its session factory, owned by the Flask app (no module globals)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Writes on SQLite take the write lock at BEGIN (see _sqlite_begin).
        self._write_sessions = sessionmaker(self.engine.execution_options(cafe_write=True), expire_on_commit=False)
        # Called with the events a transaction appended, once it has committed (the app
        # publishes them: cafe/flow.py). Tests that use a bare Database leave it None.
        self.on_commit: Callable[[list[Any]], None] | None = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one write transaction: commit on success, roll back on error; then
        hand the events it appended to `on_commit` (never those of a rolled-back one)."""
        with self._write_sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            appended = session.info.pop(APPENDED, None)
        # Outside the session: its connection (and SQLite's write lock) is already given back.
        if appended and self.on_commit is not None:
            self.on_commit(appended)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only; nothing it does is committed."""
        with self.sessions() as session:
            if not self.is_sqlite:
                # One consistent view for a whole snapshot: its `seq` and its rows must agree.
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session

    def ping(self) -> None:
        """Raise unless the database answers."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        """Close every pooled connection (tests and shutdown)."""
        self.engine.dispose()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            _private_file(path)
        engine = create_engine(
            url,
            connect_args={"timeout": 15, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if url.startswith("postgresql+psycopg://"):
        from cafe import brisk  # psycopg is an optional dependency

        if brisk.hub_is_patched():
            event.listen(engine, "do_connect", brisk.connect)
    return engine


def lock_held(session: Session, cafe_id: int | None = None, long_write: bool = False) -> None:
    """The transaction is about to lock café `cafe_id`: gate it, then stop yielding to the hub.

    `long_write`: a rare, large write the room waits for (a round's seats) may block the process
    for longer per round trip (`brisk.ROUND_CHANGE_BLOCK_MS`).
    """
    if session.get_bind().dialect.name == "postgresql":
        from cafe import brisk

        brisk.hold(
            session.connection().connection.dbapi_connection,
            cafe_id,
            brisk.ROUND_CHANGE_BLOCK_MS if long_write else brisk.BLOCK_MS,
        )


def brisk(session: Session) -> None:
    """A short transaction someone is waiting for: its round trips wait without yielding to the
    hub (each a fraction of a millisecond on a local database; after `brisk.BLOCK_MS` the wait goes
    back to the hub). A note's reads before the café's gate queued behind a hub busy with a
    thousand phones' writers: 90-100 ms at p99 with 2,000 phones on two processes."""
    lock_held(session)


# PostgreSQL refuses one of two transactions that lock in opposite orders (a phone's note
# holds its participant's row and waits for the café; the facilitator moving that person holds
# the café and waits for the row) and tells the loser to try again.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure
T = TypeVar("T")


def once_more_on_conflict(work: Callable[[], T]) -> T:
    """Run `work` (a whole transaction and what follows it); again once if the database
    refused it as a deadlock or serialization failure, which rolled it back entirely."""
    try:
        return work()
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) not in RETRYABLE_SQLSTATES:
            raise
    return work()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling would defer BEGIN; we issue it ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows are overwritten with zeros, not left in free pages for anyone to read back.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _private_file(path: str) -> None:
    """Create the SQLite file's folder and the file itself readable by their owner only.

    The database holds names, contact details and everything people wrote: 0600 like an SSH
    key, whatever the umask (SQLite gives its -wal and -shm files the same mode), in a folder
    made 0700 when it is made here. An existing database file is tightened too.
    """
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        # A folder made here is the app's own; an existing one (/tmp, say) is left as it is.
        os.makedirs(folder, mode=0o700)
        os.chmod(folder, 0o700)
    for name in (path, f"{path}-wal", f"{path}-shm"):
        if name == path or os.path.exists(name):
            fd = os.open(name, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            os.chmod(name, 0o600)


def forget_deleted(engine: Engine) -> None:
    """After a deletion, move the write-ahead log into the database and empty it.

    With secure_delete the database's free pages are zeroed, but the WAL file still holds the
    pages as they were until a checkpoint: TRUNCATE copies them back and cuts the log to zero
    bytes, so a deleted café's words are on disk nowhere. (PostgreSQL: see docs/deploy.md.)
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _sqlite_begin(conn: Any) -> None:
    # A write transaction takes the lock at BEGIN: a deferred one that upgrades to a
    # write later fails with "database is locked" instead of waiting its turn.
    if conn.get_execution_options().get("cafe_write"):
        _begin_immediate(conn.connection.dbapi_connection)
    else:
        conn.exec_driver_sql("BEGIN")


SQLITE_LOCK_WAIT_S = 15.0


def _begin_immediate(dbapi_connection: Any) -> None:
    # Waiting for the write lock inside SQLite (busy_timeout) would stop the whole gevent hub:
    # every socket, ping and heartbeat of the process would freeze while another process (a
    # second server, a backup) holds the lock. Try without waiting, and sleep between tries:
    # under gevent time.sleep lets the other greenlets run.
    cursor = dbapi_connection.cursor()
    deadline = time.monotonic() + SQLITE_LOCK_WAIT_S
    pause = 0.002
    try:
        cursor.execute("PRAGMA busy_timeout=0")
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
    finally:
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()
