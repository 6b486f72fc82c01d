"""The theme team's work: themes found in the notes, and which note belongs to which.

A theme belongs to one strategy area (it holds only that area's notes) or spans areas (no
area; it holds any note). A note is in one theme at most: its `theme_id` is the one place that
says so, so two members grouping at once can never put a note in two themes. The last writer
wins per note; a member who moves a note says which theme they saw it in (`seen`), and when
another member had moved it meanwhile the answer says whose choice was replaced (a conflict the
screen shows), while the event tells every screen who moved it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cafe.events import Event
from cafe.models import Cafe, CafeTable, Note, Participant, Theme, ThemeVote, Topic, now_ms
from cafe.services import eventlog
from cafe.services.errors import Conflict, Invalid, NotFound
from cafe.services.lookup import get_row
from cafe.services.notes import check_dot_left, parse_id
from cafe.services.text import clean

NAME_MAX = 60
# A café of 1,000 people finds a few dozen themes; a cap keeps a loop from filling the table.
MAX_THEMES = 300
# Notes moved by one command (a whole suggestion, a merge): more than any area writes.
MAX_NOTES = 2_000


@dataclass
class Moved:
    """What an assignment did: its events, and the notes another member had moved meanwhile."""

    events: list[Event]
    conflicts: list[dict[str, Any]] = field(default_factory=list)


def _dots(session: Session, theme_id: int) -> int:
    return session.scalar(select(func.count(ThemeVote.id)).where(ThemeVote.theme_id == theme_id)) or 0


def theme_view(theme: Theme, votes: int = 0) -> dict[str, Any]:
    """A theme on the wire (its size and notes are the notes' `theme_id`; `votes`: its harvest dots)."""
    return {
        "id": theme.id,
        "topic_id": theme.topic_id,
        "name": theme.name,
        "created_by": theme.created_by,
        "created_at": theme.created_at_ms,
        "votes": votes,
    }


def listing(session: Session, cafe: Cafe) -> list[dict[str, Any]]:
    """Every theme of the café, oldest first."""
    rows = session.scalars(select(Theme).where(Theme.cafe_id == cafe.id).order_by(Theme.id))
    tallies = dict(
        session.execute(
            select(ThemeVote.theme_id, func.count(ThemeVote.id))
            .where(ThemeVote.cafe_id == cafe.id)
            .group_by(ThemeVote.theme_id)
        ).all()
    )
    return [theme_view(t, int(tallies.get(t.id, 0))) for t in rows]


def my_dots(session: Session, person: Participant) -> list[int]:
    """The themes this person gave a harvest dot (their phone shows them)."""
    return list(
        session.scalars(select(ThemeVote.theme_id).where(ThemeVote.participant_id == person.id).order_by(ThemeVote.id))
    )


def vote_theme(session: Session, cafe: Cafe, person: Participant, theme_id: object, *, add: bool = True) -> list[Event]:
    """A harvest dot on a theme (or taken back): one per theme, from the person's harvest dots."""
    if cafe.status != "harvest":
        raise Invalid("harvest_dots_closed")
    theme = _theme(session, cafe, theme_id)
    mine = session.scalar(
        select(ThemeVote).where(ThemeVote.theme_id == theme.id, ThemeVote.participant_id == person.id)
    )
    if add:
        if mine is not None:
            raise Conflict("already_voted")
        check_dot_left(session, cafe, person.id, "harvest", None)
        session.add(ThemeVote(cafe_id=cafe.id, theme_id=theme.id, participant_id=person.id))
    else:
        if mine is None:
            raise Invalid("no_vote")
        session.delete(mine)
    session.flush()
    # Counted under the café's lock (taken by the append), so tallies are published in order.
    return [
        eventlog.append(
            session,
            cafe.id,
            "theme_voted",
            lambda: {
                "theme_id": theme.id,
                "participant_id": person.id,
                "added": add,
                "votes": _dots(session, theme.id),
            },
        )
    ]


def _name(value: object) -> str:
    return clean(value, field="A theme's name", max_length=NAME_MAX)


def _area(session: Session, cafe: Cafe, topic_id: object) -> int | None:
    if topic_id is None:
        return None
    topic = get_row(session, Topic, topic_id)
    if topic is None or topic.cafe_id != cafe.id:
        raise NotFound("area_not_found")
    return topic.id


def _theme(session: Session, cafe: Cafe, theme_id: object) -> Theme:
    theme = get_row(session, Theme, theme_id)
    if theme is None or theme.cafe_id != cafe.id:
        raise NotFound("theme_not_found")
    return theme


def _notes(session: Session, cafe: Cafe, note_ids: object) -> list[Note]:
    """The notes named, each once, all on this café's tablecloths (hidden ones too: the team
    may group a note the facilitator later restores)."""
    if not isinstance(note_ids, list) or not note_ids:
        raise Invalid("theme_notes_missing")
    if len(note_ids) > MAX_NOTES:
        raise Invalid("theme_notes_many", n=MAX_NOTES)
    wanted = list(dict.fromkeys(parse_id(n) for n in note_ids))
    found = {n.id: n for n in session.scalars(select(Note).where(Note.id.in_(wanted), Note.cafe_id == cafe.id))}
    if len(found) != len(wanted) or any(n.deleted for n in found.values()):
        raise NotFound("note_not_found")
    return [found[n] for n in wanted]


def _areas_of(session: Session, notes: Iterable[Note]) -> set[int]:
    tables = {n.table_id for n in notes}
    if not tables:
        return set()
    return set(session.scalars(select(CafeTable.topic_id).where(CafeTable.id.in_(tables))))


def _fits(session: Session, theme_topic: int | None, notes: Iterable[Note]) -> None:
    """A theme of an area holds that area's notes only."""
    if theme_topic is not None and _areas_of(session, notes) - {theme_topic}:
        raise Invalid("theme_other_area")


def _themed(session: Session, cafe: Cafe, notes: list[Note], theme_id: int | None, by: str) -> Event:
    for note in notes:
        note.theme_id = theme_id
        note.themed_by = by or None
    payload = {"note_ids": [str(n.id) for n in notes], "theme_id": theme_id, "by": by}
    return eventlog.append(session, cafe.id, "notes_themed", payload)


def create_theme(
    session: Session, cafe: Cafe, *, name: object, topic_id: object, note_ids: object, by: str
) -> list[Event]:
    """A new theme of an area (or across areas with no area), with the notes given, if any
    (accepting a suggestion is one command)."""
    count = session.scalar(select(func.count(Theme.id)).where(Theme.cafe_id == cafe.id)) or 0
    if count >= MAX_THEMES:
        raise Invalid("themes_full", n=MAX_THEMES)
    theme = Theme(cafe_id=cafe.id, topic_id=_area(session, cafe, topic_id), name=_name(name), created_by=by)
    notes = _notes(session, cafe, note_ids) if note_ids else []
    _fits(session, theme.topic_id, notes)
    session.add(theme)
    session.flush()
    events = [eventlog.append(session, cafe.id, "theme_added", {"theme": theme_view(theme)})]
    if notes:
        events.append(_themed(session, cafe, notes, theme.id, by))
    return events


def update_theme(
    session: Session, cafe: Cafe, theme_id: object, *, name: object, topic_id: object, spans_areas: bool
) -> list[Event]:
    """Rename a theme, give it to an area, or let it span areas."""
    theme = _theme(session, cafe, theme_id)
    if name is not None:
        theme.name = _name(name)
    if spans_areas:
        theme.topic_id = None
    elif topic_id is not None:
        area = _area(session, cafe, topic_id)
        _fits(session, area, session.scalars(select(Note).where(Note.theme_id == theme.id)))
        theme.topic_id = area
    theme.updated_at_ms = now_ms()
    return [eventlog.append(session, cafe.id, "theme_updated", {"theme": theme_view(theme, _dots(session, theme.id))})]


def _remove(session: Session, cafe: Cafe, theme: Theme) -> Event:
    # Its remaining notes go back to the unsorted pile and its harvest dots to the people who
    # gave them (the database cascades; the clients' reducer does the same).
    session.execute(update(Note).where(Note.theme_id == theme.id).values(theme_id=None, themed_by=None))
    session.delete(theme)
    return eventlog.append(session, cafe.id, "theme_removed", {"theme_id": theme.id})


def remove_theme(session: Session, cafe: Cafe, theme_id: object) -> list[Event]:
    """Delete a theme; its notes become unsorted again (nothing else is lost)."""
    return [_remove(session, cafe, _theme(session, cafe, theme_id))]


def merge_themes(session: Session, cafe: Cafe, theme_id: object, into_id: object, by: str) -> list[Event]:
    """Move every note of one theme into another, which keeps its name; the first is removed."""
    theme, into = _theme(session, cafe, theme_id), _theme(session, cafe, into_id)
    if theme.id == into.id:
        raise Invalid("theme_merge_itself")
    notes = list(session.scalars(select(Note).where(Note.theme_id == theme.id).order_by(Note.created_at_ms)))
    _fits(session, into.topic_id, notes)
    events = [_themed(session, cafe, notes, into.id, by)] if notes else []
    return [*events, _remove(session, cafe, theme)]


def split_theme(
    session: Session, cafe: Cafe, theme_id: object, *, note_ids: object, name: object, by: str
) -> list[Event]:
    """Some of a theme's notes become a new theme of the same area."""
    theme = _theme(session, cafe, theme_id)
    notes = _notes(session, cafe, note_ids)
    if any(n.theme_id != theme.id for n in notes):
        raise Invalid("theme_split_foreign")
    return create_theme(session, cafe, name=name, topic_id=theme.topic_id, note_ids=[str(n.id) for n in notes], by=by)


def assign(session: Session, cafe: Cafe, note_ids: object, theme_id: object, seen: object, by: str) -> Moved:
    """Put notes in a theme (or back in the unsorted pile with None). `seen`: the theme each note
    was in on the sender's screen; a note another member had moved since is still moved (the
    last writer wins) and reported as a conflict."""
    notes = _notes(session, cafe, note_ids)
    theme = _theme(session, cafe, theme_id) if theme_id is not None else None
    target = theme.id if theme is not None else None
    if theme is not None:
        _fits(session, theme.topic_id, notes)
    conflicts = [
        {"note_id": str(n.id), "theme_id": n.theme_id, "by": n.themed_by or ""}
        for n in notes
        if isinstance(seen, Mapping) and str(n.id) in seen and seen[str(n.id)] != n.theme_id and n.theme_id != target
    ]
    moving = [n for n in notes if n.theme_id != target]
    if not moving:
        return Moved([], conflicts)
    return Moved([_themed(session, cafe, moving, target, by)], conflicts)
