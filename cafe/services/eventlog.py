"""Append to and read from a café's event log (contiguous `seq`, same transaction as the change)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cafe.db import APPENDED, lock_held
from cafe.events import Event, check_payload
from cafe.models import Cafe, EventLog, now_ms


def append(
    session: Session, cafe_id: int, event_type: str, data: dict[str, Any] | Callable[[], dict[str, Any]]
) -> Event:
    """Record one event with the café's next `seq`; call inside the change's transaction.

    `data` may be a function, called once the café's lock is held: for payloads (presence
    counts) that must be read in `seq` order, without a separate round trip to take the lock.
    """
    if not callable(data):
        check_payload(event_type, data)
    # The UPDATE takes the café row's write lock, so concurrent writers get contiguous,
    # unique numbers in commit order on PostgreSQL as on SQLite.
    lock_held(session, cafe_id)
    seq = session.execute(
        update(Cafe)
        .where(Cafe.id == cafe_id)
        .values(seq=Cafe.seq + 1)
        .returning(Cafe.seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    if callable(data):
        data = data()
        check_payload(event_type, data)
    at = now_ms()
    session.add(EventLog(cafe_id=cafe_id, seq=seq, type=event_type, payload=data, at_ms=at))
    event = Event(cafe_id=cafe_id, seq=seq, type=event_type, at_ms=at, data=data)
    # Published by the transaction once it commits (Database.transaction): no caller can forget.
    session.info.setdefault(APPENDED, []).append(event)
    return event


def lock_cafe(session: Session, cafe_id: int, long_write: bool = False) -> Cafe | None:
    """Take the café's row lock (the one that orders `seq`) first thing in a transaction."""
    lock_held(session, cafe_id, long_write)
    # FOR NO KEY UPDATE, the lock `append`'s UPDATE takes: a plain FOR UPDATE would wait for the
    # key-share lock that any new row pointing at the café (a note, a participant) holds, while
    # that writer waits for this one's gate: a deadlock, refused by PostgreSQL after a second.
    return session.get(Cafe, cafe_id, with_for_update={"key_share": True})


def current_seq(session: Session, cafe_id: int) -> int:
    """The latest `seq` of a café (0 before its first event)."""
    return session.execute(select(Cafe.seq).where(Cafe.id == cafe_id)).scalar_one()


def since(session: Session, cafe_id: int, after: int, limit: int) -> list[Event] | None:
    """Events with `seq` > after, in order; None when more than `limit` are missing."""
    latest = current_seq(session, cafe_id)
    if after < 0 or after > latest or latest - after > limit:
        return None
    rows = session.scalars(
        select(EventLog).where(EventLog.cafe_id == cafe_id, EventLog.seq > after).order_by(EventLog.seq)
    ).all()
    return [Event(cafe_id=r.cafe_id, seq=r.seq, type=r.type, at_ms=r.at_ms, data=r.payload) for r in rows]
