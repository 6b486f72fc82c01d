"""The spotlight: the facilitator shows one note large on the board, or none."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from cafe.events import Event
from cafe.models import Cafe, Note
from cafe.services import eventlog
from cafe.services.errors import Invalid, NotFound


def current(cafe: Cafe) -> str | None:
    """The spotlit note's id on the wire, or None."""
    return str(cafe.spotlight_note_id) if cafe.spotlight_note_id is not None else None


def _event(session: Session, cafe: Cafe) -> Event:
    return eventlog.append(session, cafe.id, "note_spotlighted", {"note_id": current(cafe)})


def spotlight(session: Session, cafe: Cafe, note_id: object) -> list[Event]:
    """Put a visible note in the spotlight (replacing any other), or clear it with None."""
    if note_id is None:
        if cafe.spotlight_note_id is None:
            return []
        cafe.spotlight_note_id = None
        return [_event(session, cafe)]
    if not isinstance(note_id, str) or len(note_id) > 40:
        raise Invalid("spotlight_which")
    try:
        nid = uuid.UUID(note_id)
    except ValueError:
        raise Invalid("note_id_invalid") from None
    note = session.get(Note, nid)
    if note is None or note.cafe_id != cafe.id or note.deleted:
        raise NotFound("note_not_found")
    if note.hidden:
        raise Invalid("hidden_not_spotlit")
    if cafe.spotlight_note_id == nid:
        return []
    cafe.spotlight_note_id = nid
    return [_event(session, cafe)]


def release(session: Session, cafe: Cafe, note: Note) -> list[Event]:
    """A note taken off the tablecloth (hidden or deleted) leaves the spotlight too."""
    if cafe.spotlight_note_id != note.id:
        return []
    cafe.spotlight_note_id = None
    return [_event(session, cafe)]
