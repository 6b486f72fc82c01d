"""Every server->client event: its name, its declared payload, and what each role may see.

An event is a past-tense fact (`participant_joined`). The full payload is stored in the
café's event log; before sending, it is *projected* for each role, so a phone never sees
what only the facilitator may (organisations, later contact details). Every role still
receives every `seq`, so each client's stream stays contiguous and a gap always means loss.

`apply_event` is the reference client reducer: the browser modules do the same, and the
tests use it to prove that an old snapshot plus the events equals a fresh snapshot.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

Role = Literal["phone", "board", "facilitator"]
ROLES: tuple[Role, ...] = ("phone", "board", "facilitator")

Payload = dict[str, Any]
Projection = Callable[[Payload], Payload]


@dataclass(frozen=True)
class Event:
    """One entry of a café's stream, as stored: contiguous `seq`, a type, a time, a payload."""

    cafe_id: int
    seq: int
    type: str
    at_ms: int
    data: Payload

    def for_role(self, role: Role, participant_id: int | None = None) -> Payload:
        """The wire form of this event for one role (a phone: for its participant)."""
        return {"seq": self.seq, "type": self.type, "at": self.at_ms, "data": project(self, role, participant_id)}

    @property
    def personal(self) -> bool:
        """Each phone gets its own version of this event (see `PERSONAL`)."""
        return self.type in PERSONAL


# Events each phone receives in its own version, sent to its participant's room: the seat map of
# 1,000 people is 15 KB, and each phone needs one entry of it. `recipients` are the
# participants the event is addressed to; any other phone notices the gap and syncs, unless
# `others` says what the rest of the phones get (then they get it with everyone's events).
@dataclass(frozen=True)
class Personal:
    """How a phone's own version of an event is made, and who gets one."""

    project: Callable[[Payload, int | None], Payload]  # must build a new dict, never share
    recipients: Callable[[Payload], Iterable[int]]
    others: Callable[[Payload], Payload] | None = None


def _own_seat(data: Payload, participant_id: int | None) -> Payload:
    seats = data["seats"]
    key = str(participant_id)
    return {"round": data["round"], "seats": {key: seats[key]} if key in seats else {}}


def _own_details(data: Payload, participant_id: int | None) -> Payload:
    # The person's own phone shows what it stated (languages, an access need): all of it.
    return copy.deepcopy(data)


def _public_details(data: Payload) -> Payload:
    return {**data, "participant": public_person(data["participant"])}


def _without_voter(data: Payload) -> Payload:
    # Who gave a dot is the voter's and the facilitator's business: with the seat map, a voter's
    # id would narrow an anonymous note's author to the few people at that table.
    return {k: v for k, v in data.items() if k != "participant_id"}


PERSONAL: dict[str, Personal] = {
    "seats_assigned": Personal(_own_seat, lambda data: [int(pid) for pid in data["seats"]]),
    # What the facilitator changes of a person reaches that person's phone in full (its `me`);
    # every other phone gets the public part only.
    "participant_updated": Personal(_own_details, lambda data: [data["participant"]["id"]], others=_public_details),
    # The voter's phone learns it was its dot (its `my_votes`); other phones only the tallies.
    "note_voted": Personal(_own_details, lambda data: [data["participant_id"]], others=_without_voter),
}


@dataclass(frozen=True)
class EventSpec:
    """The declared shape of an event type and, per role, what of it is sent."""

    fields: frozenset[str]
    projections: dict[Role, Projection]


def _everything(data: Payload) -> Payload:
    return data


# What phones and the board may know of a participant: never the organisation.
PUBLIC_PERSON_FIELDS = ("id", "name", "anonymous", "present", "admitted")


def public_person(person: Payload) -> Payload:
    """A participant as phones and the board see them."""
    return {k: person[k] for k in PUBLIC_PERSON_FIELDS}


def _public_participant(data: Payload) -> Payload:
    return {**data, "participant": public_person(data["participant"])}


def _no_passcode(data: Payload) -> Payload:
    # The passcode is said in the room; a phone or the board must not be able to read it.
    cafe = dict(data["cafe"])
    cafe["settings"] = {k: v for k, v in cafe["settings"].items() if k != "passcode"}
    return {**data, "cafe": cafe}


def _same_for_all(*fields: str) -> EventSpec:
    return EventSpec(frozenset(fields), {"phone": _everything, "board": _everything, "facilitator": _everything})


def _participant_private(*fields: str) -> EventSpec:
    return EventSpec(
        frozenset(fields), {"phone": _public_participant, "board": _public_participant, "facilitator": _everything}
    )


# Events that move the café's clock all carry the same `clock` object:
# {status, current_round, phase, ends_at_ms, remaining_ms}.
CLOCK_EVENTS = (
    "cafe_opened",
    "move_started",
    "round_started",
    "round_paused",
    "round_resumed",
    "round_extended",
    "harvest_started",
    "cafe_closed",
)

EVENT_TYPES: dict[str, EventSpec] = {
    "cafe_created": _same_for_all("cafe"),
    "cafe_updated": EventSpec(
        frozenset({"cafe"}), {"phone": _no_passcode, "board": _no_passcode, "facilitator": _everything}
    ),
    "participant_joined": _participant_private("participant", "counts"),
    "participant_updated": _participant_private("participant"),
    "participant_left": _same_for_all("participant_id", "counts"),
    "participant_connected": _same_for_all("participant_id", "counts"),
    "participant_disconnected": _same_for_all("participant_id", "counts"),
    "topic_added": _same_for_all("topic"),
    "topic_updated": _same_for_all("topic"),
    "topic_removed": _same_for_all("topic_id"),
    "table_added": _same_for_all("table"),
    "table_updated": _same_for_all("table"),
    "table_removed": _same_for_all("table_id"),
    "rounds_updated": _same_for_all("rounds"),
    "seats_assigned": _same_for_all("round", "seats"),
    "participant_seated": _same_for_all("round", "participant_id", "table_id", "reason"),
    "announcement_made": _same_for_all("announcement"),
    "announcement_cleared": _same_for_all(),
    "advance_blocked": _same_for_all("round", "message"),
    "note_added": _same_for_all("note"),
    "note_edited": _same_for_all("note"),
    "note_restored": _same_for_all("note"),
    "note_deleted": _same_for_all("note_id"),
    "note_hidden": _same_for_all("note_id"),
    # Never stored: replaces, in a replay to phones and the board, an event that would
    # carry the text of a note that is hidden or deleted now.
    "note_withheld": _same_for_all("note_id"),
    "note_pinned": _same_for_all("note_id", "pinned"),
    "note_spotlighted": _same_for_all("note_id"),
    "note_voted": EventSpec(
        frozenset({"note_id", "participant_id", "phase", "round", "added", "votes", "harvest_votes"}),
        {"phone": _without_voter, "board": _without_voter, "facilitator": _everything},
    ),
    "summary_written": _same_for_all("summary"),
    "signup_added": _same_for_all("signup"),
    "signup_removed": _same_for_all("signup_id"),
    **{name: _same_for_all("clock") for name in CLOCK_EVENTS},
}

# Events whose payload carries a note's text: withheld from replays once the note is hidden.
NOTE_TEXT_EVENTS = ("note_added", "note_edited", "note_restored")


def withhold(event: Event, note_ids: set[str]) -> Event:
    """For phones and the board: an event about a now hidden or deleted note, without its text."""
    if event.type in NOTE_TEXT_EVENTS and event.data["note"]["id"] in note_ids:
        return Event(event.cafe_id, event.seq, "note_withheld", event.at_ms, {"note_id": event.data["note"]["id"]})
    return event


def check_payload(event_type: str, data: Payload) -> None:
    """Refuse an event whose payload does not have exactly its declared fields."""
    spec = EVENT_TYPES.get(event_type)
    if spec is None:
        raise ValueError(f"undeclared event type {event_type!r}")
    keys = frozenset(data)
    if keys != spec.fields:
        raise ValueError(f"{event_type} payload has fields {sorted(keys)}, declared {sorted(spec.fields)}")


def project(event: Event, role: Role, participant_id: int | None = None) -> Payload:
    """The part of an event's payload that `role` (a phone: its participant) may see."""
    personal = PERSONAL.get(event.type)
    if role == "phone" and personal is not None:
        if personal.others is not None and participant_id not in set(personal.recipients(event.data)):
            return personal.others(copy.deepcopy(event.data))
        # No copy of the whole payload: a phone's version is built anew from a few of its
        # values (copying a 1,000-seat map for each of 1,000 phones took a second).
        return personal.project(event.data, participant_id)
    return EVENT_TYPES[event.type].projections[role](copy.deepcopy(event.data))


def room(cafe_id: int, role: Role | None = None) -> str:
    """The Socket.IO room of a café (all its sockets) or of one role in it."""
    return f"cafe:{cafe_id}" if role is None else f"cafe:{cafe_id}:{role}"


def person_room(cafe_id: int, participant_id: int) -> str:
    """The Socket.IO room of one participant's phones (for `PERSONAL` events)."""
    return f"cafe:{cafe_id}:p:{participant_id}"


# --- the reference client reducer -------------------------------------------------------


def _set_presence(state: Payload, data: Payload, present: bool) -> None:
    state["counts"] = data["counts"]
    for person in state.get("participants", []):
        if person["id"] == data["participant_id"]:
            person["present"] = present
    me = state.get("me")
    if me is not None and me["id"] == data["participant_id"]:
        me["present"] = present


def _upsert(items: list[Payload], item: Payload, key: Callable[[Payload], Any]) -> list[Payload]:
    rest = [x for x in items if x["id"] != item["id"]]
    rest.append(item)
    return sorted(rest, key=key)


def _by_id(item: Payload) -> Any:
    return item["id"]


def _by_position(item: Payload) -> Any:
    return (item["position"], item["id"])


def _joined(state: Payload, data: Payload) -> None:
    state["counts"] = data["counts"]
    if "participants" in state:
        state["participants"] = _upsert(state["participants"], data["participant"], _by_id)
    # Let in by the facilitator (approve_joins), or back after being marked as left.
    me = state.get("me")
    if me is not None and me["id"] == data["participant"]["id"]:
        me.update(data["participant"])


def _participant_updated(state: Payload, data: Payload) -> None:
    person = data["participant"]
    for known in state.get("participants", []):
        if known["id"] == person["id"]:
            known.update(person)
    me = state.get("me")
    if me is not None and me["id"] == person["id"]:
        me.update(person)


def _left(state: Payload, data: Payload) -> None:
    state["counts"] = data["counts"]
    if "participants" in state:
        state["participants"] = [p for p in state["participants"] if p["id"] != data["participant_id"]]
    state["seating"]["seats"].pop(str(data["participant_id"]), None)


def _topic_removed(state: Payload, data: Payload) -> None:
    state["topics"] = [t for t in state["topics"] if t["id"] != data["topic_id"]]
    gone = {t["id"] for t in state["tables"] if t["topic_id"] == data["topic_id"]}
    state["tables"] = [t for t in state["tables"] if t["id"] not in gone]


def _seated(state: Payload, data: Payload) -> None:
    if state["seating"]["round"] != data["round"]:
        return
    # A phone knows only its own seat (seats_assigned is personal for phones).
    if state.get("role") == "phone" and data["participant_id"] != (state.get("me") or {}).get("id"):
        return
    key = str(data["participant_id"])
    if data["table_id"] is None:
        state["seating"]["seats"].pop(key, None)
    else:
        state["seating"]["seats"][key] = data["table_id"]


def _set_clock(state: Payload, data: Payload) -> None:
    state["cafe"].update(data["clock"])


def _note_order(note: Payload) -> Any:
    return (-note["created_at"], note["id"])


def _note_upsert(state: Payload, data: Payload) -> None:
    state["notes"] = _upsert(state["notes"], data["note"], _note_order)


def _note_gone(state: Payload, data: Payload) -> None:
    state["notes"] = [n for n in state["notes"] if n["id"] != data["note_id"]]
    # Its dots are given back.
    if "my_votes" in state:
        state["my_votes"] = [v for v in state["my_votes"] if v["note_id"] != data["note_id"]]


def _note_hidden(state: Payload, data: Payload) -> None:
    # The facilitator keeps hidden notes (to restore them); everyone else loses them.
    if state["role"] != "facilitator":
        _note_gone(state, data)
        return
    for note in state["notes"]:
        if note["id"] == data["note_id"]:
            note.update(hidden=True, votes=0, harvest_votes=0)


def _note_field(state: Payload, note_id: str, **fields: Any) -> None:
    for note in state["notes"]:
        if note["id"] == note_id:
            note.update(fields)


def _note_voted(state: Payload, data: Payload) -> None:
    _note_field(state, data["note_id"], votes=data["votes"], harvest_votes=data["harvest_votes"])
    me = state.get("me")
    if me is None or me["id"] != data.get("participant_id"):
        return
    dot = {"note_id": data["note_id"], "phase": data["phase"], "round": data["round"]}
    if data["added"]:
        state["my_votes"].append(dot)
    else:
        state["my_votes"] = [
            v for v in state["my_votes"] if (v["note_id"], v["phase"]) != (dot["note_id"], dot["phase"])
        ]


def _summary_written(state: Payload, data: Payload) -> None:
    summary = data["summary"]
    rest = [s for s in state["summaries"] if (s["table_id"], s["round"]) != (summary["table_id"], summary["round"])]
    rest.append(summary)
    state["summaries"] = sorted(rest, key=lambda s: (s["round"], s["table_id"]))


def _nothing(state: Payload, data: Payload) -> None:
    """The event informs (a toast on the panel); the state does not change."""


REDUCERS: dict[str, Callable[[Payload, Payload], None]] = {
    "cafe_created": _nothing,
    "cafe_updated": lambda state, data: state["cafe"].update(data["cafe"]),
    "participant_joined": _joined,
    "participant_updated": _participant_updated,
    "participant_left": _left,
    "participant_connected": lambda state, data: _set_presence(state, data, True),
    "participant_disconnected": lambda state, data: _set_presence(state, data, False),
    "topic_added": lambda state, data: state.update(topics=_upsert(state["topics"], data["topic"], _by_position)),
    "topic_updated": lambda state, data: state.update(topics=_upsert(state["topics"], data["topic"], _by_position)),
    "topic_removed": _topic_removed,
    "table_added": lambda state, data: state.update(tables=_upsert(state["tables"], data["table"], _by_position)),
    "table_updated": lambda state, data: state.update(tables=_upsert(state["tables"], data["table"], _by_position)),
    "table_removed": lambda state, data: state.update(
        tables=[t for t in state["tables"] if t["id"] != data["table_id"]]
    ),
    "rounds_updated": lambda state, data: state.update(rounds=data["rounds"]),
    "seats_assigned": lambda state, data: state.update(seating={"round": data["round"], "seats": dict(data["seats"])}),
    "participant_seated": _seated,
    "announcement_made": lambda state, data: state["cafe"].update(announcement=data["announcement"]),
    "announcement_cleared": lambda state, data: state["cafe"].update(announcement=None),
    "advance_blocked": _nothing,
    "note_added": _note_upsert,
    "note_edited": _note_upsert,
    "note_restored": _note_upsert,
    "note_deleted": _note_gone,
    "note_hidden": _note_hidden,
    "note_withheld": _note_gone,
    "note_pinned": lambda state, data: _note_field(state, data["note_id"], pinned=data["pinned"]),
    "note_spotlighted": lambda state, data: state["cafe"].update(spotlight=data["note_id"]),
    "note_voted": _note_voted,
    "summary_written": _summary_written,
    "signup_added": lambda state, data: state.update(signups=_upsert(state["signups"], data["signup"], _by_id)),
    "signup_removed": lambda state, data: state.update(
        signups=[s for s in state["signups"] if s["id"] != data["signup_id"]]
    ),
    **{name: _set_clock for name in CLOCK_EVENTS},
}


def apply_event(state: Payload, wire: Payload) -> Payload:
    """Apply one wire event to a client's state, as a client does (ignores old seqs)."""
    if wire["seq"] <= state["seq"]:
        return state
    if wire["seq"] != state["seq"] + 1:
        raise ValueError(f"gap in the stream: have {state['seq']}, got {wire['seq']}")
    new = copy.deepcopy(state)
    REDUCERS[wire["type"]](new, wire["data"])
    new["seq"] = wire["seq"]
    return new


def apply_events(state: Payload, wires: Iterable[Payload]) -> Payload:
    """Apply wire events in `seq` order."""
    for wire in sorted(wires, key=lambda w: w["seq"]):
        state = apply_event(state, wire)
    return state
