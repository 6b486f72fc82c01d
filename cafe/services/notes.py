"""The tablecloth: notes written at tables, edited, voted on, pinned, summarised and moderated.

A note's id is made by the phone, so a phone that retries after a lost ack cannot create a
second note: the same id with the same content is the same note; with other content it is a
conflict. Anonymous notes keep their author only in the database (to allow editing); no
payload ever carries it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cafe.events import Event
from cafe.models import Cafe, CafeTable, Note, Participant, Round, Seat, Summary, ThemeVote, Vote, now_ms
from cafe.services import eventlog, settings, spotlight
from cafe.services.errors import Conflict, Forbidden, Invalid, NotFound
from cafe.services.lookup import get_row, participant
from cafe.services.text import clean

NOTE_MAX = 280
SUMMARY_MAX = 1000
COLOURS = ("yellow", "pink", "blue", "green", "orange", "purple")


@dataclass(frozen=True)
class Written:
    """The outcome of add_note: the note, its events (none for a repeat), and whether it repeated."""

    note: dict[str, Any]
    events: list[Event]
    duplicate: bool


def note_view(
    note: Note, author: Participant | None, votes: int = 0, harvest_votes: int = 0, round_number: int | None = None
) -> dict[str, Any]:
    """A note on the wire; an anonymous note, or one from the paper tablecloth, has no author at all."""
    named = author is not None and not note.anonymous and not note.from_tablecloth
    return {
        "id": str(note.id),
        "table_id": note.table_id,
        "round": round_number,
        "text": note.text,
        "colour": note.colour,
        "author_id": author.id if named and author else None,
        "author_name": author.display_name if named and author else None,
        "from_tablecloth": note.from_tablecloth,
        "pinned": note.pinned,
        "hidden": note.hidden,
        "theme_id": note.theme_id,
        "votes": votes,
        "harvest_votes": harvest_votes,
        "created_at": note.created_at_ms,
        "updated_at": note.updated_at_ms,
    }


def _tallies(session: Session, note_id: uuid.UUID) -> tuple[int, int]:
    rows = dict(
        session.execute(
            select(Vote.phase, func.count(Vote.id)).where(Vote.note_id == note_id).group_by(Vote.phase)
        ).all()
    )
    return int(rows.get("round", 0)), int(rows.get("harvest", 0))


def view(session: Session, note: Note) -> dict[str, Any]:
    """The wire form of a stored note, with its current tallies."""
    author = session.get(Participant, note.author_id) if note.author_id is not None else None
    number = (
        session.scalar(select(Round.number).where(Round.id == note.round_id)) if note.round_id is not None else None
    )
    votes, harvest = _tallies(session, note.id)
    return note_view(note, author, votes, harvest, number)


def parse_id(value: object) -> uuid.UUID:
    """A note id as the phone made it (a UUID string)."""
    if not isinstance(value, str) or len(value) > 40:
        raise Invalid("note_id_missing")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Invalid("note_id_invalid") from None


def _colour(value: object) -> str:
    if value is None:
        return COLOURS[0]
    if value not in COLOURS:
        raise Invalid("note_colour", colours=", ".join(COLOURS))
    return str(value)


def _note(session: Session, cafe: Cafe, note_id: object) -> Note:
    note = session.get(Note, parse_id(note_id))
    if note is None or note.cafe_id != cafe.id or note.deleted:
        raise NotFound("note_not_found")
    return note


def _seated_at(session: Session, person: Participant, table_id: int, round_id: int) -> bool:
    seat = session.scalar(select(Seat.table_id).where(Seat.round_id == round_id, Seat.participant_id == person.id))
    host = session.scalar(select(CafeTable.id).where(CafeTable.id == table_id, CafeTable.host_id == person.id))
    return seat == table_id or host is not None


def add_note(
    session: Session,
    cafe: Cafe,
    person: Participant,
    *,
    note_id: object,
    table_id: object,
    round_number: object,
    text: object,
    colour: object = None,
    anonymous: object = False,
    from_tablecloth: object = False,
) -> Written:
    """Put a note on a table's tablecloth, idempotently by the phone-made id. With
    `from_tablecloth` the table's host copies a note from the paper (someone without a phone)."""
    nid = parse_id(note_id)
    body = clean(text, field="A note", max_length=NOTE_MAX, multiline=True)
    shade = _colour(colour)
    if not isinstance(anonymous, bool):
        raise Invalid("note_anonymous_choice")
    if not isinstance(from_tablecloth, bool):
        raise Invalid("tablecloth_choice")
    existing = session.get(Note, nid)
    if existing is not None:
        same_round = (
            session.scalar(select(Round.number).where(Round.id == existing.round_id)) == round_number
            if existing.round_id is not None
            else round_number is None
        )
        same = (
            existing.cafe_id == cafe.id
            and existing.author_id == person.id
            and existing.text == body
            and existing.colour == shade
            and existing.anonymous == anonymous
            and existing.from_tablecloth == from_tablecloth
            and existing.table_id == table_id
            and same_round
        )
        if not same:
            raise Conflict("note_conflict")
        return Written(view(session, existing), [], duplicate=True)
    if cafe.status == "closed":
        raise Forbidden("cafe_closed")
    table = get_row(session, CafeTable, table_id)
    if table is None or table.cafe_id != cafe.id:
        raise NotFound("table_not_found")
    if not isinstance(round_number, int) or isinstance(round_number, bool):
        raise Invalid("notes_in_round")
    rnd = session.scalar(select(Round).where(Round.cafe_id == cafe.id, Round.number == round_number))
    if rnd is None or rnd.started_at_ms is None:
        raise NotFound("round_not_started")
    if from_tablecloth and table.host_id != person.id:
        raise Forbidden("tablecloth_host_only")
    if not _seated_at(session, person, table.id, rnd.id) and not from_tablecloth:
        raise Forbidden("not_at_table", table=table.label, round=round_number)
    now = now_ms()
    note = Note(
        id=nid,
        cafe_id=cafe.id,
        table_id=table.id,
        round_id=rnd.id,
        author_id=person.id,
        anonymous=anonymous,
        from_tablecloth=from_tablecloth,
        text=body,
        colour=shade,
        created_at_ms=now,
        updated_at_ms=now,
    )
    session.add(note)
    session.flush()
    wire = note_view(note, person, 0, 0, rnd.number)
    return Written(wire, [eventlog.append(session, cafe.id, "note_added", {"note": wire})], False)


def _own(session: Session, cafe: Cafe, person: Participant, note_id: object) -> Note:
    note = _note(session, cafe, note_id)
    if note.author_id != person.id:
        raise Forbidden("not_your_note")
    if note.hidden:
        raise Forbidden("note_hidden")
    return note


def edit_note(
    session: Session, cafe: Cafe, person: Participant, note_id: object, *, text: object = None, colour: object = None
) -> list[Event]:
    """Change the text or colour of your own note."""
    note = _own(session, cafe, person, note_id)
    if text is not None:
        note.text = clean(text, field="A note", max_length=NOTE_MAX, multiline=True)
    if colour is not None:
        note.colour = _colour(colour)
    note.updated_at_ms = now_ms()
    session.flush()
    # The note's tallies are read under the café's lock, like a vote's.
    return [eventlog.append(session, cafe.id, "note_edited", lambda: {"note": view(session, note)})]


def delete_note(session: Session, cafe: Cafe, person: Participant, note_id: object) -> list[Event]:
    """Take your own note off the tablecloth."""
    note = _own(session, cafe, person, note_id)
    note.deleted = True
    note.updated_at_ms = now_ms()
    _drop_votes(session, note)
    return [
        eventlog.append(session, cafe.id, "note_deleted", {"note_id": str(note.id)}),
        *spotlight.release(session, cafe, note),
    ]


def set_hidden(session: Session, cafe: Cafe, note_id: object, hidden: bool) -> list[Event]:
    """Moderation: hide a note from every phone and the board, or restore it."""
    note = _note(session, cafe, note_id)
    if note.hidden == hidden:
        return []
    note.hidden = hidden
    if hidden:
        _drop_votes(session, note)
    session.flush()
    if hidden:
        return [
            eventlog.append(session, cafe.id, "note_hidden", {"note_id": str(note.id)}),
            *spotlight.release(session, cafe, note),
        ]
    return [eventlog.append(session, cafe.id, "note_restored", {"note": view(session, note)})]


def _drop_votes(session: Session, note: Note) -> None:
    # A note taken off the tablecloth gives its dots back; a restored note starts again at 0.
    session.execute(delete(Vote).where(Vote.note_id == note.id))


def _host_of(session: Session, person: Participant, table_id: int) -> bool:
    return (
        session.scalar(select(CafeTable.id).where(CafeTable.id == table_id, CafeTable.host_id == person.id)) is not None
    )


def pin_note(session: Session, cafe: Cafe, person: Participant | None, note_id: object, pinned: object) -> list[Event]:
    """A table's host (or the facilitator, person None) marks a key insight."""
    if not isinstance(pinned, bool):
        raise Invalid("pinned_choice")
    note = _note(session, cafe, note_id)
    if person is not None and not _host_of(session, person, note.table_id):
        raise Forbidden("host_pins")
    if note.hidden:
        raise Invalid("hidden_not_pinned")
    if note.pinned == pinned:
        return []
    note.pinned = pinned
    return [eventlog.append(session, cafe.id, "note_pinned", {"note_id": str(note.id), "pinned": pinned})]


def check_dot_left(session: Session, cafe: Cafe, participant_id: int, phase: str, round_id: int | None) -> None:
    """Refuse a dot beyond the person's budget: this round's dots on notes, or the harvest's
    dots on notes and on the theme team's themes together."""
    used = (
        session.scalar(
            select(func.count(Vote.id)).where(
                Vote.participant_id == participant_id,
                Vote.phase == phase,
                Vote.round_id.is_(None) if round_id is None else Vote.round_id == round_id,
            )
        )
        or 0
    )
    if phase == "harvest":
        used += session.scalar(select(func.count(ThemeVote.id)).where(ThemeVote.participant_id == participant_id)) or 0
    budget = dot_budget(cafe, phase)
    if used >= budget:
        raise Invalid("no_dots_left" if phase == "round" else "no_harvest_dots_left", n=budget)


def dot_budget(cafe: Cafe, phase: str) -> int:
    """A person's dots per round, or in the harvest (on notes and themes together)."""
    key = "dots_per_round" if phase == "round" else "harvest_dots"
    return int(settings.value(cafe.settings, key))


def vote(
    session: Session,
    cafe: Cafe,
    person: Participant,
    note_id: object,
    *,
    phase: object = "round",
    add: bool = True,
    by_host: bool = False,
) -> list[Event]:
    """Put a dot on a note (or take it back): one per note, N per round or in the harvest."""
    if phase not in ("round", "harvest"):
        raise Invalid("vote_phase")
    note = _note(session, cafe, note_id)
    if note.hidden:
        raise NotFound("note_not_found")
    if phase == "harvest" and cafe.status != "harvest":
        raise Invalid("harvest_dots_closed")
    if phase == "round" and (cafe.status != "running" or cafe.current_round is None):
        raise Invalid("dots_in_round")
    round_id = None
    if phase == "round":
        round_id = session.scalar(select(Round.id).where(Round.cafe_id == cafe.id, Round.number == cafe.current_round))
    mine = session.scalar(
        select(Vote).where(Vote.note_id == note.id, Vote.participant_id == person.id, Vote.phase == phase)
    )
    if add:
        if mine is not None:
            raise Conflict("already_voted")
        check_dot_left(session, cafe, person.id, phase, round_id)
        session.add(
            Vote(
                cafe_id=cafe.id,
                note_id=note.id,
                participant_id=person.id,
                phase=phase,
                round_id=round_id,
                by_host=by_host,
            )
        )
    else:
        if mine is None:
            raise Invalid("no_vote")
        if mine.round_id != round_id:
            raise Invalid("earlier_dot")
        session.delete(mine)
    session.flush()

    def payload() -> dict[str, Any]:
        # Tallied under the café's lock (taken by the append): two people dotting the same
        # note at once publish counts in `seq` order, each including the other's dot.
        votes, harvest = _tallies(session, note.id)
        return {
            "note_id": str(note.id),
            "participant_id": person.id,
            "phase": phase,
            "round": cafe.current_round if phase == "round" else None,
            "added": add,
            "votes": votes,
            "harvest_votes": harvest,
        }

    return [eventlog.append(session, cafe.id, "note_voted", payload)]


def _hosted_now(session: Session, cafe: Cafe, host: Participant) -> tuple[CafeTable, int] | None:
    """The table this person hosts and the current round's id, while a round is on."""
    table = session.scalar(select(CafeTable).where(CafeTable.cafe_id == cafe.id, CafeTable.host_id == host.id))
    if table is None or cafe.status != "running" or cafe.current_round is None:
        return None
    rnd = session.scalar(select(Round.id).where(Round.cafe_id == cafe.id, Round.number == cafe.current_round))
    return (table, rnd) if rnd is not None else None


def paper_people(session: Session, cafe: Cafe, host: Participant) -> list[dict[str, Any]]:
    """The people without a phone at the table this host hosts, this round: whose dots the host
    gives from the paper tablecloth, with how many they have left and the notes they dotted."""
    now = _hosted_now(session, cafe, host)
    if now is None:
        return []
    table, round_id = now
    people = session.scalars(
        select(Participant)
        .join(Seat, Seat.participant_id == Participant.id)
        .where(
            Seat.round_id == round_id,
            Seat.table_id == table.id,
            Participant.has_phone.is_(False),
            Participant.left_at_ms.is_(None),
        )
        .order_by(Participant.display_name, Participant.id)
    ).all()
    budget = dot_budget(cafe, "round")
    found = []
    for person in people:
        dotted = [
            str(n)
            for n in session.scalars(
                select(Vote.note_id).where(
                    Vote.participant_id == person.id, Vote.phase == "round", Vote.round_id == round_id
                )
            )
        ]
        found.append(
            {"id": person.id, "name": person.display_name, "dots_left": budget - len(dotted), "dotted": dotted}
        )
    return found


def vote_for(
    session: Session, cafe: Cafe, host: Participant, participant_id: object, note_id: object, add: bool = True
) -> list[Event]:
    """The host gives (or takes back) a round dot for someone at their table without a phone,
    as that person marked it on the paper: their own budget, their one dot per note."""
    person = participant(session, cafe, participant_id)
    if person.has_phone:
        raise Forbidden("dot_for_phone", person=person.display_name)
    now = _hosted_now(session, cafe, host)
    seat = (
        session.scalar(select(Seat.table_id).where(Seat.round_id == now[1], Seat.participant_id == person.id))
        if now is not None
        else None
    )
    if now is None or seat != now[0].id:
        raise Forbidden("dot_for_own_table", person=person.display_name)
    return vote(session, cafe, person, note_id, phase="round", add=add, by_host=True)


def write_summary(
    session: Session, cafe: Cafe, person: Participant, *, table_id: object, round_number: object, text: object
) -> list[Event]:
    """A table's host sums up a round (shown to the next round's newcomers, kept for the harvest)."""
    table = get_row(session, CafeTable, table_id)
    if table is None or table.cafe_id != cafe.id:
        raise NotFound("table_not_found")
    if not _host_of(session, person, table.id):
        raise Forbidden("host_summary")
    rnd = (
        session.scalar(select(Round).where(Round.cafe_id == cafe.id, Round.number == round_number))
        if isinstance(round_number, int) and not isinstance(round_number, bool)
        else None
    )
    if rnd is None or rnd.started_at_ms is None:
        raise NotFound("round_not_started")
    body = clean(text, field="The summary", max_length=SUMMARY_MAX, multiline=True)
    summary = session.scalar(select(Summary).where(Summary.table_id == table.id, Summary.round_id == rnd.id))
    if summary is None:
        summary = Summary(cafe_id=cafe.id, table_id=table.id, round_id=rnd.id, text=body)
        session.add(summary)
    summary.text = body
    summary.author_id = person.id
    summary.updated_at_ms = now_ms()
    session.flush()
    return [
        eventlog.append(session, cafe.id, "summary_written", {"summary": summary_view(summary, person, rnd.number)})
    ]


def summary_view(summary: Summary, author: Participant | None, round_number: int) -> dict[str, Any]:
    """A host's summary on the wire."""
    return {
        "table_id": summary.table_id,
        "round": round_number,
        "text": summary.text,
        "author_name": author.display_name if author else None,
        "updated_at": summary.updated_at_ms,
    }


def visible_notes(session: Session, cafe: Cafe, *, include_hidden: bool) -> list[dict[str, Any]]:
    """Every note on the café's tablecloths (newest first); hidden ones only for the facilitator."""
    query = select(Note).where(Note.cafe_id == cafe.id, Note.deleted.is_(False))
    if not include_hidden:
        query = query.where(Note.hidden.is_(False))
    notes = session.scalars(query).all()
    people = _authors(session, {n.author_id for n in notes if n.author_id})
    numbers = dict(session.execute(select(Round.id, Round.number).where(Round.cafe_id == cafe.id)).all())
    tallies: dict[tuple[uuid.UUID, str], int] = {
        (nid, phase): n
        for nid, phase, n in session.execute(
            select(Vote.note_id, Vote.phase, func.count(Vote.id))
            .where(Vote.cafe_id == cafe.id)
            .group_by(Vote.note_id, Vote.phase)
        )
    }
    wire = [
        note_view(
            n,
            people.get(n.author_id) if n.author_id else None,
            tallies.get((n.id, "round"), 0),
            tallies.get((n.id, "harvest"), 0),
            numbers.get(n.round_id) if n.round_id else None,
        )
        for n in notes
    ]
    # Newest first, ties by id: the same order the clients' reducers keep.
    return sorted(wire, key=lambda n: (-n["created_at"], n["id"]))


def _authors(session: Session, ids: set[int]) -> dict[int, Participant]:
    # Only the authors: every phone's snapshot loaded every participant, which made 2,000
    # phones arriving cost 2,000 x 2,000 rows.
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Participant).where(Participant.id.in_(ids)))}


def summaries(session: Session, cafe: Cafe) -> list[dict[str, Any]]:
    """Every host summary of the café."""
    rows = session.execute(
        select(Summary, Round.number)
        .join(Round, Round.id == Summary.round_id)
        .where(Summary.cafe_id == cafe.id)
        .order_by(Round.number, Summary.table_id)
    ).all()
    people = _authors(session, {s.author_id for s, _ in rows if s.author_id})
    return [summary_view(s, people.get(s.author_id) if s.author_id else None, number) for s, number in rows]


def my_votes(session: Session, cafe: Cafe, person_id: int) -> list[dict[str, Any]]:
    """A phone's own dots: which notes, in which phase and round."""
    rows = session.execute(
        select(Vote.note_id, Vote.phase, Round.number)
        .outerjoin(Round, Round.id == Vote.round_id)
        .where(Vote.cafe_id == cafe.id, Vote.participant_id == person_id)
        .order_by(Vote.id)
    ).all()
    return [{"note_id": str(nid), "phase": phase, "round": number} for nid, phase, number in rows]


def withheld(session: Session, cafe_id: int) -> set[str]:
    """Ids of notes that must never be sent again to phones and the board (hidden or deleted)."""
    return {
        str(nid)
        for nid in session.scalars(
            select(Note.id).where(Note.cafe_id == cafe_id, (Note.hidden.is_(True)) | (Note.deleted.is_(True)))
        )
    }
