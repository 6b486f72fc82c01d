"""The facilitator's set-up: title and settings, topics, tables, hosts, rounds and questions."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cafe.events import Event
from cafe.models import Cafe, CafeTable, Participant, Round, Topic, now_ms
from cafe.services import eventlog, seating
from cafe.services.errors import Conflict, Forbidden, Invalid, NotFound
from cafe.services.lookup import get_row, occupancy, participant
from cafe.services.palette import colour_for
from cafe.services.participants import LANGUAGES, clean_languages, counts, describe, passcode_of
from cafe.services.settings import SETTINGS
from cafe.services.text import clean
from cafe.services.views import public_settings, round_view, table_view, topic_view
from cafe.services.words import round_translations, topic_translations

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_ROUNDS = 12
DISCUSS_RANGE = (60, 2 * 3600)
MOVE_RANGE = (10, 30 * 60)
CAPACITY_RANGE = (1, 50)


def _started(cafe: Cafe) -> bool:
    return cafe.status not in ("draft", "lobby")


def _topic(session: Session, cafe: Cafe, topic_id: object) -> Topic:
    topic = get_row(session, Topic, topic_id)
    if topic is None or topic.cafe_id != cafe.id:
        raise NotFound("area_not_found")
    return topic


def _table(session: Session, cafe: Cafe, table_id: object) -> CafeTable:
    table = get_row(session, CafeTable, table_id)
    if table is None or table.cafe_id != cafe.id:
        raise NotFound("table_not_found")
    return table


def _colour(value: object, default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str) or not COLOUR.match(value):
        raise Invalid("colour_format")
    return value.lower()


def _capacity(value: object) -> int:
    low, high = CAPACITY_RANGE
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Invalid("capacity_range", low=low, high=high)
    return value


def update_cafe(session: Session, cafe: Cafe, *, title: object = None, settings: object = None) -> list[Event]:
    """Change the title and/or settings."""
    if title is not None:
        cafe.title = clean(title, field="The café's title", max_length=120)
    if settings is not None:
        if not isinstance(settings, dict):
            raise Invalid("settings_object")
        merged = dict(cafe.settings)
        for key, value in settings.items():
            schema = SETTINGS.get(key)
            if schema is None:
                raise Invalid("unknown_setting", key=str(key)[:40])
            if key == "passcode":
                if value in (None, ""):
                    merged.pop("passcode", None)
                    continue
                merged["passcode"] = passcode_of(value)
                continue
            if key == "board_language":
                # null (or "") lets the board follow its browser's language.
                if value in (None, ""):
                    merged.pop("board_language", None)
                    continue
                if not isinstance(value, str) or value not in LANGUAGES:
                    raise Invalid("board_language", languages=", ".join(LANGUAGES))
                merged["board_language"] = value
                continue
            if not isinstance(value, schema.type) or (schema.type is int and isinstance(value, bool)):
                raise Invalid("setting_type", key=key)
            if schema.range is not None and isinstance(value, int):
                low, high = schema.range
                if not low <= value <= high:
                    raise Invalid(schema.refusal, low=low, high=high)
            merged[key] = value
        cafe.settings = merged
    return [
        eventlog.append(
            session, cafe.id, "cafe_updated", {"cafe": {"title": cafe.title, "settings": public_settings(cafe)}}
        )
    ]


def _next_table_number(session: Session, cafe: Cafe) -> int:
    count = session.scalar(select(func.count(CafeTable.id)).where(CafeTable.cafe_id == cafe.id))
    return int(count or 0) + 1


def _new_table(session: Session, cafe: Cafe, topic: Topic, label: object, capacity: object) -> Event:
    number = _next_table_number(session, cafe)
    taken = set(session.scalars(select(CafeTable.label).where(CafeTable.cafe_id == cafe.id)))
    if label is None:
        while f"Table {number}" in taken:
            number += 1
        text = f"Table {number}"
    else:
        text = clean(label, field="The table's label", max_length=40)
        if text in taken:
            raise Invalid("table_label_taken", label=text)
    position = (
        session.scalar(select(func.coalesce(func.max(CafeTable.position), 0)).where(CafeTable.cafe_id == cafe.id)) or 0
    )
    table = CafeTable(
        cafe_id=cafe.id,
        topic_id=topic.id,
        label=text,
        capacity=_capacity(5 if capacity is None else capacity),
        position=position + 1,
    )
    session.add(table)
    session.flush()
    return eventlog.append(session, cafe.id, "table_added", {"table": table_view(table)})


def add_topic(
    session: Session,
    cafe: Cafe,
    *,
    name: object,
    description: object = None,
    colour: object = None,
    tables: object = 0,
    capacity: object = None,
    translations: object = None,
) -> list[Event]:
    """A new strategy area (also mid-café: it joins the plan from the next round)."""
    if not isinstance(tables, int) or isinstance(tables, bool) or not 0 <= tables <= 20:
        raise Invalid("area_tables_range")
    existing = session.scalar(select(func.count(Topic.id)).where(Topic.cafe_id == cafe.id)) or 0
    topic = Topic(
        cafe_id=cafe.id,
        name=clean(name, field="The strategy area's name", max_length=80),
        description=clean(description, field="The description", max_length=280, required=False),
        colour=_colour(colour, colour_for(existing)),
        position=existing,
        translations=topic_translations(translations),
    )
    session.add(topic)
    session.flush()
    events = [eventlog.append(session, cafe.id, "topic_added", {"topic": topic_view(topic)})]
    for _ in range(tables):
        events.append(_new_table(session, cafe, topic, None, capacity))
    return events


def update_topic(
    session: Session,
    cafe: Cafe,
    topic_id: object,
    *,
    name: object = None,
    description: object = None,
    colour: object = None,
    position: object = None,
    translations: object = None,
) -> list[Event]:
    """Rename, describe, recolour or reorder a strategy area, or give its words in other languages."""
    topic = _topic(session, cafe, topic_id)
    if translations is not None:
        # Replaces every version at once: the panel sends what its fields hold.
        topic.translations = topic_translations(translations)
    if name is not None:
        topic.name = clean(name, field="The strategy area's name", max_length=80)
    if description is not None:
        topic.description = clean(description, field="The description", max_length=280, required=False)
    if colour is not None:
        topic.colour = _colour(colour, topic.colour)
    if position is not None:
        if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position <= 1000:
            raise Invalid("position_number")
        topic.position = position
    return [eventlog.append(session, cafe.id, "topic_updated", {"topic": topic_view(topic)})]


def remove_topic(session: Session, cafe: Cafe, topic_id: object) -> list[Event]:
    """Remove a strategy area and its tables, before the café starts."""
    topic = _topic(session, cafe, topic_id)
    if _started(cafe):
        raise Invalid("area_started")
    for table in session.scalars(select(CafeTable).where(CafeTable.topic_id == topic.id)):
        session.delete(table)
    session.delete(topic)
    session.flush()
    return [eventlog.append(session, cafe.id, "topic_removed", {"topic_id": topic.id})]


def add_table(
    session: Session, cafe: Cafe, *, topic_id: object, label: object = None, capacity: object = None
) -> list[Event]:
    """A new table for a strategy area (mid-café: it joins the plan from the next round)."""
    topic = _topic(session, cafe, topic_id)
    return [_new_table(session, cafe, topic, label, capacity)]


def update_table(
    session: Session, cafe: Cafe, table_id: object, *, label: object = None, capacity: object = None
) -> list[Event]:
    """Relabel a table or change its seats (never below who sits there this round)."""
    table = _table(session, cafe, table_id)
    if label is not None:
        text = clean(label, field="The table's label", max_length=40)
        clash = session.scalar(
            select(CafeTable.id).where(CafeTable.cafe_id == cafe.id, CafeTable.label == text, CafeTable.id != table.id)
        )
        if clash is not None:
            raise Invalid("table_label_taken", label=text)
        table.label = text
    if capacity is not None:
        seats = _capacity(capacity)
        sitting = occupancy(session, cafe).get(table.id, 0)
        if seats < sitting:
            raise Invalid("table_occupied", table=table.label, n=sitting)
        table.capacity = seats
    return [eventlog.append(session, cafe.id, "table_updated", {"table": table_view(table)})]


def remove_table(session: Session, cafe: Cafe, table_id: object) -> list[Event]:
    """Remove a table before the café starts."""
    table = _table(session, cafe, table_id)
    if _started(cafe):
        raise Invalid("table_started")
    session.delete(table)
    session.flush()
    return [eventlog.append(session, cafe.id, "table_removed", {"table_id": table.id})]


def set_host(session: Session, cafe: Cafe, table_id: object, participant_id: object) -> list[Event]:
    """Make someone the host of a table (or none); a person hosts at most one table."""
    table = _table(session, cafe, table_id)
    changed = [table]
    if participant_id is None:
        table.host_id = None
    else:
        person = participant(session, cafe, participant_id)
        group = _group_members(session, cafe, person.companion_group) or [person]
        hosting = session.scalar(
            select(CafeTable.label).where(
                CafeTable.cafe_id == cafe.id,
                CafeTable.id != table.id,
                CafeTable.host_id.in_([p.id for p in group if p.id != person.id]),
            )
        )
        if hosting is not None:
            raise Invalid("sits_with_host", person=person.display_name, table=hosting)
        if len(group) > table.capacity:
            raise Invalid(
                "group_too_big",
                person=person.display_name,
                n=len(group) - 1,
                table=table.label,
                capacity=table.capacity,
            )
        for other in session.scalars(
            select(CafeTable).where(
                CafeTable.cafe_id == cafe.id, CafeTable.host_id == person.id, CafeTable.id != table.id
            )
        ):
            other.host_id = None
            changed.append(other)
        table.host_id = person.id
    session.flush()
    return [eventlog.append(session, cafe.id, "table_updated", {"table": table_view(t)}) for t in changed]


def choose_host_table(session: Session, cafe: Cafe, person: Participant, table_id: object) -> list[Event]:
    """A host picks their own table on their phone (or, with None, stops hosting), before round 1."""
    if not cafe.settings.get("hosts_choose"):
        raise Forbidden("hosts_by_facilitator")
    if cafe.status not in ("draft", "lobby") or cafe.current_round:
        raise Invalid("hosts_before_start")
    if table_id is None:
        mine = session.scalars(
            select(CafeTable).where(CafeTable.cafe_id == cafe.id, CafeTable.host_id == person.id)
        ).all()
        for table in mine:
            table.host_id = None
        session.flush()
        return [eventlog.append(session, cafe.id, "table_updated", {"table": table_view(t)}) for t in mine]
    table = _table(session, cafe, table_id)
    if table.host_id == person.id:
        return []
    if table.host_id is not None:
        raise Conflict("table_has_host", table=table.label)
    return set_host(session, cafe, table.id, person.id)


def _duration(value: object, allowed: tuple[int, int], code: str) -> int:
    low, high = allowed
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        # The sentences say the bounds in the units a person thinks in (the range's own).
        raise Invalid(code, low=low // 60 if code == "discussion_range" else low, high=high // 60)
    return value


def set_rounds(session: Session, cafe: Cafe, rounds: object) -> list[Event]:
    """Replace the plan of rounds: questions (one for all, or per topic) and durations."""
    if not isinstance(rounds, list) or not 1 <= len(rounds) <= MAX_ROUNDS:
        raise Invalid("rounds_range", n=MAX_ROUNDS)
    started = cafe.current_round or 0
    if len(rounds) < started:
        raise Invalid("rounds_started", n=started)
    topic_ids = {str(t) for t in session.scalars(select(Topic.id).where(Topic.cafe_id == cafe.id))}
    cleaned: list[dict[str, Any]] = []
    for number, spec in enumerate(rounds, start=1):
        if not isinstance(spec, dict) or set(spec) - {
            "question",
            "topic_questions",
            "discuss_seconds",
            "move_seconds",
            "translations",
        }:
            raise Invalid("round_invalid", number=number)
        per_topic = spec.get("topic_questions") or {}
        if not isinstance(per_topic, dict) or set(map(str, per_topic)) - topic_ids:
            raise Invalid("question_unknown_area", number=number)
        cleaned.append(
            {
                "question": clean(
                    spec.get("question"),
                    field="The question of round {number}",
                    field_values={"number": number},
                    max_length=280,
                ),
                "topic_questions": {
                    str(k): clean(
                        v, field="The question of round {number}", field_values={"number": number}, max_length=280
                    )
                    for k, v in per_topic.items()
                    if v not in (None, "")
                },
                "discuss_seconds": _duration(spec.get("discuss_seconds"), DISCUSS_RANGE, "discussion_range"),
                "move_seconds": _duration(spec.get("move_seconds"), MOVE_RANGE, "move_range"),
                "translations": round_translations(spec.get("translations"), number, topic_ids),
            }
        )
    existing = {r.number: r for r in session.scalars(select(Round).where(Round.cafe_id == cafe.id))}
    for number, spec in enumerate(cleaned, start=1):
        row = existing.pop(number, None)
        if row is None:
            row = Round(cafe_id=cafe.id, number=number)
            session.add(row)
        row.question = spec["question"]
        row.topic_questions = spec["topic_questions"]
        row.discuss_seconds = spec["discuss_seconds"]
        row.move_seconds = spec["move_seconds"]
        row.translations = spec["translations"]
    for row in existing.values():  # rounds beyond the new plan, none of them started
        session.delete(row)
    session.flush()
    ordered = session.scalars(select(Round).where(Round.cafe_id == cafe.id).order_by(Round.number))
    return [eventlog.append(session, cafe.id, "rounds_updated", {"rounds": [round_view(r) for r in ordered]})]


def set_participant(
    session: Session,
    cafe: Cafe,
    participant_id: object,
    *,
    stays_seated: object = None,
    left: object = None,
    languages: object = None,
) -> list[Event]:
    """Mark someone as needing to stay seated, set their languages, or mark them gone (or back)."""
    person = get_row(session, Participant, participant_id)
    if person is None or person.cafe_id != cafe.id:
        raise NotFound("participant_not_found")
    events: list[Event] = []
    if stays_seated is not None and not isinstance(stays_seated, bool):
        raise Invalid("stays_seated_choice")
    spoken = clean_languages(languages) if languages is not None else None
    if stays_seated is not None or spoken is not None:
        if stays_seated is not None:
            person.stays_seated = stays_seated
        if spoken is not None:
            person.languages = spoken
        session.flush()
        events.append(eventlog.append(session, cafe.id, "participant_updated", {"participant": describe(person)}))
    if left is True and person.left_at_ms is None:
        person.left_at_ms = now_ms()
        events += _leave_group(session, cafe, person)
        for table in session.scalars(select(CafeTable).where(CafeTable.host_id == person.id)):
            table.host_id = None
            session.flush()
            events.append(eventlog.append(session, cafe.id, "table_updated", {"table": table_view(table)}))
        session.flush()
        events.append(
            eventlog.append(
                session, cafe.id, "participant_left", {"participant_id": person.id, "counts": counts(session, cafe.id)}
            )
        )
    elif left is False and person.left_at_ms is not None:
        person.left_at_ms = None
        events += arrives(session, cafe, person)
    elif left is not None and not isinstance(left, bool):
        raise Invalid("left_choice")
    return events


def _group_members(session: Session, cafe: Cafe, group: int | None) -> list[Participant]:
    if group is None:
        return []
    return list(
        session.scalars(
            select(Participant)
            .where(
                Participant.cafe_id == cafe.id, Participant.companion_group == group, Participant.left_at_ms.is_(None)
            )
            .order_by(Participant.id)
        )
    )


def _leave_group(session: Session, cafe: Cafe, person: Participant) -> list[Event]:
    """Take someone out of their companion group; a group of one is no group."""
    group = person.companion_group
    if group is None:
        return []
    person.companion_group = None
    rest = [p for p in _group_members(session, cafe, group) if p.id != person.id]
    changed = [person]
    if len(rest) == 1:
        rest[0].companion_group = None
        changed.append(rest[0])
    elif rest and group == person.id:
        # The group is named after its lowest id: renumber when that person goes.
        for other in rest:
            other.companion_group = rest[0].id
        changed += rest
    session.flush()
    return [
        eventlog.append(session, cafe.id, "participant_updated", {"participant": describe(p)})
        for p in changed
        if p.left_at_ms is None
    ]


def link_companions(session: Session, cafe: Cafe, participant_ids: object) -> list[Event]:
    """These people sit at one table every round (an interpreter and the person they interpret
    for, a parent and child); linking someone already in a group brings the whole group."""
    if not isinstance(participant_ids, list) or not all(
        isinstance(x, int) and not isinstance(x, bool) for x in participant_ids
    ):
        raise Invalid("choose_companions")
    if len(set(participant_ids)) != len(participant_ids):
        raise Invalid("named_twice")
    if len(participant_ids) < 2:
        raise Invalid("two_at_least")
    people = [participant(session, cafe, pid) for pid in participant_ids]
    everyone = {p.id: p for p in people}
    for p in people:
        for other in _group_members(session, cafe, p.companion_group):
            everyone.setdefault(other.id, other)
    largest = session.scalar(select(func.max(CafeTable.capacity)).where(CafeTable.cafe_id == cafe.id)) or 0
    if len(everyone) > largest:
        if largest:
            raise Invalid("companions_fit", largest=largest, n=len(everyone))
        raise Invalid("companions_no_table")
    hosting = session.execute(
        select(CafeTable.label, CafeTable.host_id).where(
            CafeTable.cafe_id == cafe.id, CafeTable.host_id.in_(list(everyone))
        )
    ).all()
    if len(hosting) > 1:
        labels = " and ".join(sorted(label for label, _ in hosting))
        raise Invalid("hosts_together", tables=labels)
    group = min(everyone)
    changed = [p for p in everyone.values() if p.companion_group != group]
    for p in changed:
        p.companion_group = group
    session.flush()
    return [
        eventlog.append(session, cafe.id, "participant_updated", {"participant": describe(p)})
        for p in sorted(changed, key=lambda p: p.id)
    ]


def unlink_companion(session: Session, cafe: Cafe, participant_id: object) -> list[Event]:
    """This person no longer sits with their group."""
    return _leave_group(session, cafe, participant(session, cafe, participant_id))


BULK_MAX = 500


def people_listed(session: Session, cafe: Cafe, participant_ids: object) -> list[Participant]:
    if (
        not isinstance(participant_ids, list)
        or not participant_ids
        or len(participant_ids) > BULK_MAX
        or not all(isinstance(x, int) and not isinstance(x, bool) for x in participant_ids)
    ):
        raise Invalid("bulk_range", n=BULK_MAX)
    return [participant(session, cafe, pid) for pid in dict.fromkeys(participant_ids)]


def remove_participants(session: Session, cafe: Cafe, participant_ids: object) -> list[Event]:
    """Mark many people as gone at once (a flood of fake names, a group that left early)."""
    people = people_listed(session, cafe, participant_ids)
    events: list[Event] = []
    for person in people:
        events += set_participant(session, cafe, person.id, left=True)
    return events


def admit_participants(session: Session, cafe: Cafe, participant_ids: object) -> list[Event]:
    """Let people in who joined while the café asks the facilitator first (`approve_joins`)."""
    events: list[Event] = []
    for person in people_listed(session, cafe, participant_ids):
        if person.admitted:
            continue
        person.admitted = True
        events += arrives(session, cafe, person)
    return events


def arrives(session: Session, cafe: Cafe, person: Participant) -> list[Event]:
    """Someone back in the room (let in, or no longer marked as left): counted, on the board,
    and seated this round if one is running, like someone who just joined."""
    session.flush()
    joined = eventlog.append(
        session, cafe.id, "participant_joined", {"participant": describe(person), "counts": counts(session, cafe.id)}
    )
    return [joined, *seating.seat_late_arrival(session, cafe, person)]
