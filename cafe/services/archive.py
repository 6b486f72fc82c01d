"""A café as data: the full export, templates, creating from them, duplicating, deleting."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cafe.models import (
    Activity,
    Cafe,
    CafeTable,
    EventLog,
    Note,
    Participant,
    Round,
    Seat,
    Signup,
    Summary,
    Theme,
    ThemeVote,
    Topic,
    Vote,
    now_ms,
)
from cafe.services import attendees, cafes, grouping, notes, participants, settings, setup, signups
from cafe.services.errors import Forbidden, Invalid
from cafe.services.lookup import row_id
from cafe.services.text import clean

FORMAT = "world-cafe-live/1"
TEMPLATE_FORMAT = "world-cafe-live-template/1"


def _rows(session: Session, model: Any, cafe: Cafe, *order: Any) -> list[Any]:
    return list(session.scalars(select(model).where(model.cafe_id == cafe.id).order_by(*order)))


def collect(session: Session, cafe: Cafe) -> dict[str, Any]:
    """Everything about a café, including its event log and sign-up contacts (facilitator only)."""
    numbers = {r.id: r.number for r in _rows(session, Round, cafe, Round.number)}
    named = {s.id for s in signups.consenting(session, cafe)}
    return {
        "format": FORMAT,
        "exported_at": now_ms(),
        "cafe": {
            "code": cafe.code,
            "title": cafe.title,
            "status": cafe.status,
            "settings": {k: v for k, v in cafe.settings.items() if k != "demo"},
            "created_at": cafe.created_at_ms,
            "announcement": cafe.announcement,
        },
        "topics": [
            {
                "id": t.id,
                "name": t.name,
                "description": t.description,
                "colour": t.colour,
                "position": t.position,
                "translations": dict(t.translations or {}),
            }
            for t in _rows(session, Topic, cafe, Topic.position, Topic.id)
        ],
        "tables": [
            {
                "id": t.id,
                "topic_id": t.topic_id,
                "label": t.label,
                "capacity": t.capacity,
                "host_id": t.host_id,
                "position": t.position,
            }
            for t in _rows(session, CafeTable, cafe, CafeTable.position, CafeTable.id)
        ],
        "rounds": [
            {
                "number": r.number,
                "question": r.question,
                "topic_questions": dict(r.topic_questions),
                "discuss_seconds": r.discuss_seconds,
                "move_seconds": r.move_seconds,
                "started_at": r.started_at_ms,
                "ended_at": r.ended_at_ms,
                "translations": dict(r.translations or {}),
            }
            for r in _rows(session, Round, cafe, Round.number)
        ],
        "participants": [
            {
                "id": p.id,
                "name": p.display_name,
                "anonymous": p.anonymous,
                "organisation": p.organisation,
                "language": p.language,
                "stays_seated": p.stays_seated,
                "languages": list(p.languages or []),
                "companion_group": p.companion_group,
                "wants_companion": p.wants_companion,
                "joined_at": p.joined_at_ms,
                "left_at": p.left_at_ms,
                "admitted": p.admitted,
                "registered": p.registered,
                "arrived": p.arrived,
                "role": p.role,
                "contact": p.contact,
                "has_phone": p.has_phone,
                "route": list(p.route) if p.route else None,
            }
            for p in _rows(session, Participant, cafe, Participant.id)
        ],
        "seats": [
            {"round": numbers.get(s.round_id), "participant_id": s.participant_id, "table_id": s.table_id}
            for s in _rows(session, Seat, cafe, Seat.id)
        ],
        "notes": [
            {
                "id": str(n.id),
                "table_id": n.table_id,
                "round": numbers.get(n.round_id) if n.round_id else None,
                "text": n.text,
                "colour": n.colour,
                "anonymous": n.anonymous,
                "from_tablecloth": n.from_tablecloth,
                # An anonymous note's author is not exported either: anonymous means anonymous.
                "author_id": None if n.anonymous else n.author_id,
                "pinned": n.pinned,
                "hidden": n.hidden,
                "deleted": n.deleted,
                "theme_id": n.theme_id,
                "created_at": n.created_at_ms,
                "updated_at": n.updated_at_ms,
            }
            for n in _rows(session, Note, cafe, Note.created_at_ms, Note.id)
        ],
        # The theme team's themes (topic_id null: across areas); each note names its own.
        "themes": [
            {
                "id": t.id,
                "topic_id": t.topic_id,
                "name": t.name,
                "created_by": t.created_by,
                "created_at": t.created_at_ms,
            }
            for t in _rows(session, Theme, cafe, Theme.id)
        ],
        # Harvest dots on themes.
        "theme_votes": [
            {"theme_id": v.theme_id, "participant_id": v.participant_id}
            for v in _rows(session, ThemeVote, cafe, ThemeVote.id)
        ],
        "votes": [
            {
                "note_id": str(v.note_id),
                "participant_id": v.participant_id,
                "phase": v.phase,
                "round": numbers.get(v.round_id) if v.round_id else None,
                # Given by the table's host for someone without a phone, from the paper.
                "by_host": v.by_host,
            }
            for v in _rows(session, Vote, cafe, Vote.id)
        ],
        "summaries": [
            {
                "table_id": s.table_id,
                "round": numbers.get(s.round_id),
                "text": s.text,
                "author_id": s.author_id,
                "updated_at": s.updated_at_ms,
            }
            for s in _rows(session, Summary, cafe, Summary.id)
        ],
        "signups": [
            {
                "topic_id": s.topic_id,
                "participant_id": s.participant_id,
                "name": s.name,
                "contact": s.contact,
                "consent": s.consent,
                "created_at": s.created_at_ms,
            }
            # Only the people who said the convener may contact them are named in an export.
            for s in signups.consenting(session, cafe)
        ],
        "events": [
            {"seq": e.seq, "type": e.type, "at": e.at_ms, "data": _unnamed(e, named)}
            for e in _rows(session, EventLog, cafe, EventLog.seq)
        ],
        # Who did what on the facilitator's side (team links), oldest first.
        "activity": [
            {"at": a.at_ms, "role": a.role, "name": a.name, "command": a.command, "seq": a.seq}
            for a in _rows(session, Activity, cafe, Activity.id)
        ],
    }


def template(session: Session, cafe: Cafe) -> dict[str, Any]:
    """The café's design without its people: topics, tables, rounds, questions, durations."""
    data = collect(session, cafe)
    topic_index = {t["id"]: i for i, t in enumerate(data["topics"])}
    return {
        "format": TEMPLATE_FORMAT,
        "title": cafe.title,
        "settings": data["cafe"]["settings"],
        "topics": [
            {
                "name": t["name"],
                "description": t["description"],
                "colour": t["colour"],
                "translations": t["translations"],
                "tables": [
                    {"label": x["label"], "capacity": x["capacity"]} for x in data["tables"] if x["topic_id"] == t["id"]
                ],
            }
            for t in data["topics"]
        ],
        "rounds": [
            {
                "question": r["question"],
                "topic_questions": _rekey(r["topic_questions"], topic_index),
                "translations": _rekey_translations(r["translations"], topic_index),
                "discuss_seconds": r["discuss_seconds"],
                "move_seconds": r["move_seconds"],
            }
            for r in data["rounds"]
        ],
    }


def _rekey(per_topic: Any, mapping: dict[Any, int]) -> dict[str, Any]:
    """Per-topic questions keyed anew: by topic index in a template, by topic id in a café."""
    if not isinstance(per_topic, dict):
        return {}
    return {str(mapping[int(k)]): v for k, v in per_topic.items() if str(k).isdigit() and int(k) in mapping}


def _rekey_translations(translations: Any, mapping: dict[Any, int]) -> dict[str, Any]:
    """A round's versions in other languages, their per-topic questions keyed anew."""
    if not isinstance(translations, dict):
        return {}
    out: dict[str, Any] = {}
    for lang, spec in translations.items():
        if isinstance(spec, dict):
            out[lang] = {
                **spec,
                **({"topic_questions": _rekey(spec["topic_questions"], mapping)} if "topic_questions" in spec else {}),
            }
    return out


def _need(value: Any, kind: type, what: str) -> Any:
    if not isinstance(value, kind):
        raise Invalid("export_field", what=what)
    return value


def create_from_template(
    session: Session, spec: object, title: object = None
) -> tuple[cafes.CreatedCafe, dict[int, int]]:
    """A new café (in the lobby) built from a template; returns it and topic index -> id."""
    design: dict[str, Any] = _need(spec, dict, "the file")
    if design.get("format") not in (TEMPLATE_FORMAT, FORMAT):
        raise Invalid("not_a_template")
    if design.get("format") == FORMAT:
        design = _template_of_export(design)
    created = cafes.create_cafe(session, title if title else design.get("title"))
    cafe = created.cafe
    setup.update_cafe(
        session,
        cafe,
        settings={
            k: v for k, v in _need(design.get("settings", {}), dict, "settings").items() if k in settings.SETTINGS
        },
    )
    topic_ids: dict[int, int] = {}
    for index, topic in enumerate(_need(design.get("topics"), list, "topics")):
        topic = _need(topic, dict, "a topic")
        [added] = setup.add_topic(
            session,
            cafe,
            name=topic.get("name"),
            description=topic.get("description"),
            colour=topic.get("colour"),
            translations=topic.get("translations"),
        )
        topic_ids[index] = added.data["topic"]["id"]
        for table in _need(topic.get("tables", []), list, "tables"):
            table = _need(table, dict, "a table")
            setup.add_table(
                session, cafe, topic_id=topic_ids[index], label=table.get("label"), capacity=table.get("capacity")
            )
    rounds = []
    for rnd in _need(design.get("rounds"), list, "rounds"):
        rnd = _need(rnd, dict, "a round")
        per_topic = _need(rnd.get("topic_questions", {}), dict, "topic questions")
        rounds.append(
            {
                **{k: rnd.get(k) for k in ("question", "discuss_seconds", "move_seconds")},
                "topic_questions": _rekey(per_topic, topic_ids),
                "translations": _rekey_translations(rnd.get("translations"), topic_ids),
            }
        )
    if rounds:
        setup.set_rounds(session, cafe, rounds)
    cafe.status = "lobby"
    session.flush()
    return created, topic_ids


def _template_of_export(data: dict[str, Any]) -> dict[str, Any]:
    topics = _need(data.get("topics"), list, "topics")
    tables = _need(data.get("tables"), list, "tables")
    index = {t.get("id"): i for i, t in enumerate(topics) if isinstance(t, dict)}
    return {
        "title": _need(data.get("cafe"), dict, "the café").get("title"),
        "settings": data["cafe"].get("settings", {}),
        "topics": [
            {
                **{k: t.get(k) for k in ("name", "description", "colour", "translations")},
                "tables": [
                    {"label": x.get("label"), "capacity": x.get("capacity")}
                    for x in tables
                    if isinstance(x, dict) and x.get("topic_id") == t.get("id")
                ],
            }
            for t in topics
            if isinstance(t, dict)
        ],
        "rounds": [
            {
                **{k: r.get(k) for k in ("question", "discuss_seconds", "move_seconds")},
                "topic_questions": _rekey(r.get("topic_questions"), index),
                "translations": _rekey_translations(r.get("translations"), index),
            }
            for r in _need(data.get("rounds"), list, "rounds")
            if isinstance(r, dict)
        ],
    }


def import_export(session: Session, data: object) -> cafes.CreatedCafe:
    """Re-create a café from its JSON export: design, people, seats, notes, votes, summaries, sign-ups.

    The new café gets a new code, a new facilitator link and new participant tokens (the old
    phones cannot sign in to it); its event log starts afresh, the old log stays in the file.
    """
    doc: dict[str, Any] = _need(data, dict, "the file")
    if doc.get("format") != FORMAT:
        raise Invalid("not_an_export")
    created, topic_ids = create_from_template(session, doc)
    cafe = created.cafe
    old_topics = {t["id"]: i for i, t in enumerate(doc["topics"])}
    # Tables were re-created topic by topic, each topic's tables in file order: pair them up.
    old_order = [x for t in doc["topics"] for x in doc["tables"] if x["topic_id"] == t["id"]]
    new_order = session.scalars(select(CafeTable.id).where(CafeTable.cafe_id == cafe.id).order_by(CafeTable.id)).all()
    table_map = {old["id"]: new for old, new in zip(old_order, new_order)}
    rounds = {r.number: r for r in session.scalars(select(Round).where(Round.cafe_id == cafe.id))}
    for number, old in ((r["number"], r) for r in doc["rounds"]):
        if number in rounds:
            rounds[number].started_at_ms = old.get("started_at")
            rounds[number].ended_at_ms = old.get("ended_at")
    people: dict[Any, int] = {}  # keyed by the file's ids, whatever the file holds
    for old in _rows_of(doc, "participants"):
        person = Participant(
            cafe_id=cafe.id,
            display_name=clean(old.get("name"), field="A participant's name", max_length=participants.NAME_MAX),
            anonymous=bool(old.get("anonymous")),
            organisation=clean(
                old.get("organisation"),
                field="An organisation",
                max_length=participants.ORGANISATION_MAX,
                required=False,
            )
            or None,
            language=old.get("language") if old.get("language") in participants.LANGUAGES else "en",
            stays_seated=bool(old.get("stays_seated")),
            languages=participants.clean_languages(old.get("languages")),
            wants_companion=bool(old.get("wants_companion")),
            token_hash=cafes.hash_secret(cafes.new_secret()),
            connections=0,
            joined_at_ms=_instant(old.get("joined_at")),
            left_at_ms=_instant(old["left_at"]) if old.get("left_at") is not None else None,
            # The day's list (fields a file made before them leaves out keep their defaults).
            admitted=old.get("admitted") is not False,
            registered=old.get("registered") is True,
            arrived=old.get("arrived") is not False,
            role=old.get("role") if old.get("role") in attendees.ROLES else "participant",
            contact=clean(old.get("contact"), field="A contact", max_length=attendees.CONTACT_MAX, required=False)
            or None,
            has_phone=old.get("has_phone") is not False,
            route=_route(old.get("route"), table_map, len(rounds)),
        )
        session.add(person)
        session.flush()
        people[old["id"]] = person.id
    # Companion groups are numbered by their lowest member: renumber them with the new ids.
    groups: dict[int, list[int]] = {}
    for old in doc.get("participants", []):
        if old.get("companion_group") is not None and old["id"] in people:
            groups.setdefault(old["companion_group"], []).append(people[old["id"]])
    for members in groups.values():
        for pid in members:
            session.get(Participant, pid).companion_group = min(members) if len(members) > 1 else None  # type: ignore[union-attr]
    for old in doc["tables"]:
        if old.get("host_id") in people:
            session.get(CafeTable, table_map[old["id"]]).host_id = people[old["host_id"]]  # type: ignore[union-attr]
    for seat in _rows_of(doc, "seats"):
        if seat.get("round") in rounds and seat.get("participant_id") in people and seat.get("table_id") in table_map:
            session.add(
                Seat(
                    cafe_id=cafe.id,
                    round_id=rounds[seat["round"]].id,
                    participant_id=people[seat["participant_id"]],
                    table_id=table_map[seat["table_id"]],
                )
            )
    themes: dict[Any, int] = {}
    for old in _rows_of(doc, "themes"):
        area = old.get("topic_id")
        if area is not None and area not in old_topics:
            continue
        theme = Theme(
            cafe_id=cafe.id,
            topic_id=None if area is None else topic_ids[old_topics[area]],
            name=clean(old.get("name"), field="A theme's name", max_length=grouping.NAME_MAX),
            created_by=clean(old.get("created_by"), field="Your name", max_length=40, required=False) or "",
            created_at_ms=_instant(old.get("created_at")),
        )
        session.add(theme)
        session.flush()
        themes[old.get("id")] = theme.id
    note_ids: dict[str, uuid.UUID] = {}
    for old in _rows_of(doc, "notes"):
        if old.get("table_id") not in table_map:
            raise Invalid("export_note_table")
        if old.get("colour") not in notes.COLOURS:
            raise Invalid("note_colour", colours=", ".join(notes.COLOURS))
        new_id = uuid.uuid4()  # note ids are global: a copy needs its own
        note_ids[str(old.get("id"))] = new_id
        session.add(
            Note(
                id=new_id,
                cafe_id=cafe.id,
                table_id=table_map[old["table_id"]],
                round_id=rounds[old["round"]].id if old.get("round") in rounds else None,
                author_id=people.get(old.get("author_id")),
                anonymous=bool(old.get("anonymous")),
                from_tablecloth=bool(old.get("from_tablecloth")),
                # The same rules as a note typed on a phone: length, invisible characters.
                text=clean(old.get("text"), field="A note", max_length=notes.NOTE_MAX, multiline=True),
                colour=old["colour"],
                pinned=bool(old.get("pinned")),
                hidden=bool(old.get("hidden")),
                deleted=bool(old.get("deleted")),
                theme_id=themes.get(old.get("theme_id")),
                created_at_ms=_instant(old.get("created_at")),
                updated_at_ms=_instant(old.get("updated_at")),
            )
        )
    session.flush()
    for vote in _rows_of(doc, "votes"):
        if (
            vote.get("note_id") in note_ids
            and vote.get("participant_id") in people
            and vote.get("phase") in ("round", "harvest")
        ):
            session.add(
                Vote(
                    cafe_id=cafe.id,
                    note_id=note_ids[vote["note_id"]],
                    participant_id=people[vote["participant_id"]],
                    phase=vote["phase"],
                    round_id=rounds[vote["round"]].id if vote.get("round") in rounds else None,
                    by_host=vote.get("by_host") is True,
                )
            )
    for dot in _rows_of(doc, "theme_votes"):
        if dot.get("theme_id") in themes and dot.get("participant_id") in people:
            session.add(
                ThemeVote(
                    cafe_id=cafe.id, theme_id=themes[dot["theme_id"]], participant_id=people[dot["participant_id"]]
                )
            )
    for summary in _rows_of(doc, "summaries"):
        if summary.get("round") in rounds and summary.get("table_id") in table_map:
            session.add(
                Summary(
                    cafe_id=cafe.id,
                    table_id=table_map[summary["table_id"]],
                    round_id=rounds[summary["round"]].id,
                    text=clean(summary.get("text"), field="A summary", max_length=notes.SUMMARY_MAX, multiline=True),
                    author_id=people.get(summary.get("author_id")),
                    updated_at_ms=_instant(summary.get("updated_at")),
                )
            )
    for signup in _rows_of(doc, "signups"):
        if signup.get("topic_id") not in old_topics:
            continue
        session.add(
            Signup(
                cafe_id=cafe.id,
                topic_id=topic_ids[old_topics[signup["topic_id"]]],
                participant_id=people.get(signup.get("participant_id")),
                name=clean(signup.get("name"), field="A sign-up's name", max_length=participants.NAME_MAX),
                contact=clean(signup.get("contact"), field="A contact", max_length=signups.CONTACT_MAX, required=False)
                or None,
                # An export names only people who said yes (older files: whoever left a contact).
                consent=signup.get("consent") is True or bool(signup.get("contact")),
            )
        )
    cafe.status = (
        str(doc["cafe"].get("status", "lobby"))
        if doc["cafe"].get("status") in ("lobby", "harvest", "closed")
        else "lobby"
    )
    session.flush()
    return created


def _rows_of(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    rows = data.get(key, [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise Invalid("export_records", key=key)
    return rows


def _unnamed(event: EventLog, named: set[int]) -> dict[str, Any]:
    """An event as exported: a sign-up of someone who did not say yes is not named."""
    if event.type != "signup_added" or event.payload["signup"]["id"] in named:
        return event.payload
    return {"signup": {**event.payload["signup"], "name": None}}


def _route(value: object, tables: dict[Any, int], rounds: int) -> list[int | None] | None:
    """A printed route from a file, on the new café's tables; anything else is no route (a
    route is a promise made on paper in that café, so a wrong one is dropped, not guessed)."""
    if not isinstance(value, list) or not value or len(value) > rounds:
        return None
    route: list[int | None] = []
    for old in value:
        if old is not None and old not in tables:
            return None
        route.append(None if old is None else tables[old])
    return route if any(t is not None for t in route) else None


def _instant(value: object) -> int:
    """A stored time from a file: a positive whole number of milliseconds a client can hold
    (the same test as an id), else now."""
    ms = row_id(value)
    return ms if ms is not None else now_ms()


def duplicate(session: Session, cafe: Cafe, *, carry_top_notes: int = 0) -> cafes.CreatedCafe:
    """Day 2 from Day 1: the same design, and optionally each topic's top notes as starting points."""
    if not 0 <= carry_top_notes <= 10:
        raise Invalid("carry_range")
    created, topic_ids = create_from_template(session, template(session, cafe))
    if carry_top_notes:
        data = collect(session, cafe)
        tallies: dict[str, int] = {}
        for vote in data["votes"]:
            tallies[vote["note_id"]] = tallies.get(vote["note_id"], 0) + 1
        topic_of_table = {t["id"]: t["topic_id"] for t in data["tables"]}
        order = {t["id"]: i for i, t in enumerate(data["topics"])}
        first_table: dict[int, int] = {}
        for table in session.scalars(
            select(CafeTable).where(CafeTable.cafe_id == created.cafe.id).order_by(CafeTable.position)
        ):
            first_table.setdefault(table.topic_id, table.id)
        for old_topic, index in order.items():
            new_topic = topic_ids[index]
            if new_topic not in first_table:
                continue
            candidates = [
                n
                for n in data["notes"]
                if not n["hidden"] and not n["deleted"] and topic_of_table.get(n["table_id"]) == old_topic
            ]
            candidates.sort(key=lambda n: (-tallies.get(n["id"], 0), n["created_at"]))
            for note in candidates[:carry_top_notes]:
                # A starting point: no round, no author; the tablecloth shows it as carried over.
                session.add(
                    Note(
                        id=uuid.uuid4(),
                        cafe_id=created.cafe.id,
                        table_id=first_table[new_topic],
                        round_id=None,
                        author_id=None,
                        anonymous=True,
                        text=note["text"],
                        colour=note["colour"],
                        pinned=True,
                    )
                )
        session.flush()
    return created


def delete_cafe(session: Session, cafe: Cafe, confirm: object) -> None:
    """Delete a café and everything in it; the facilitator confirms by typing its code."""
    if not isinstance(confirm, str) or cafes.normalise_code(confirm) != cafe.code:
        raise Forbidden("confirm_delete")
    # Children first: SQLite and PostgreSQL cascade alike, and hosts point back at people.
    for child in (Vote, Summary, Signup, Note, Seat, EventLog):
        session.execute(delete(child).where(child.cafe_id == cafe.id))
    session.execute(delete(CafeTable).where(CafeTable.cafe_id == cafe.id))
    for parent in (Participant, Round, Topic):
        session.execute(delete(parent).where(parent.cafe_id == cafe.id))
    session.delete(cafe)
    session.flush()
