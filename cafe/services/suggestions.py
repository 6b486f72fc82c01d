"""Suggested themes for a strategy area: its notes grouped by what they say (cafe/themes.py).

A suggestion is only ever shown: nothing is applied, stored or sent to anyone else; the theme
team accepts, edits or ignores it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cafe.models import Cafe, CafeTable, Note, Topic
from cafe.services.errors import NotFound
from cafe.services.lookup import get_row
from cafe.themes import Suggestion

# More notes than a café of 1,000 writes in an area; beyond it the oldest are left out.
MOST_NOTES = 2_000


def area_notes(session: Session, cafe: Cafe, topic_id: object) -> list[tuple[str, str]]:
    """The visible notes (not hidden, not deleted) of an area's tables that are in no theme yet,
    oldest first: (id, text)."""
    topic = get_row(session, Topic, topic_id)
    if topic is None or topic.cafe_id != cafe.id:
        raise NotFound("area_not_found")
    rows = session.execute(
        select(Note.id, Note.text)
        .join(CafeTable, CafeTable.id == Note.table_id)
        .where(
            CafeTable.topic_id == topic.id,
            Note.deleted.is_(False),
            Note.hidden.is_(False),
            Note.theme_id.is_(None),
        )
        .order_by(Note.created_at_ms.desc(), Note.id)
        .limit(MOST_NOTES)
    ).all()
    return [(str(note_id), text) for note_id, text in reversed(rows)]


def wire(found: list[Suggestion]) -> list[dict[str, Any]]:
    """The suggestions as the theme team's screen reads them."""
    return [
        {
            "label": s.label,
            "words": list(s.words),
            "note_ids": list(s.note_ids),
            "same_idea": [list(g) for g in s.same_idea],
        }
        for s in found
    ]
