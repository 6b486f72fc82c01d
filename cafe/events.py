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

# "staff": a theme team member or a helper (a team link): the facilitator's view of the café
# without anyone's contact details. A co-facilitator sees what the facilitator sees.
Role = Literal["phone", "board", "facilitator", "staff"]
ROLES: tuple[Role, ...] = ("phone", "board", "facilitator", "staff")

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
    def spec(self) -> EventSpec:
        """This event type's record in the catalogue."""
        return EVENTS[self.type]

    @property
    def personal(self) -> bool:
        """Each phone gets its own version of this event (its record's `personal`)."""
        return EVENTS[self.type].personal is not None


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


def _without_voter(data: Payload) -> Payload:
    # Who gave a dot is the voter's and the facilitator's business: with the seat map, a voter's
    # id would narrow an anonymous note's author to the few people at that table.
    return {k: v for k, v in data.items() if k != "participant_id"}


def _everything(data: Payload) -> Payload:
    return data


def _no_contact(data: Payload) -> Payload:
    # The team sees the facilitator's view; a person's email or phone stays with the facilitator.
    if "participant" not in data:
        return data
    return {**data, "participant": {k: v for k, v in data["participant"].items() if k != "contact"}}


# What phones and the board may know of a participant: never the organisation.
PUBLIC_PERSON_FIELDS = ("id", "name", "anonymous", "present", "admitted", "arrived")


# Fields added later: an event stored before them is replayed with the value they always had.
_PERSON_DEFAULTS = {"arrived": True}


def public_person(person: Payload) -> Payload:
    """A participant as phones and the board see them."""
    return {k: person[k] if k in person else _PERSON_DEFAULTS[k] for k in PUBLIC_PERSON_FIELDS}


def _public_participant(data: Payload) -> Payload:
    return {**data, "participant": public_person(data["participant"])}


def _no_passcode(data: Payload) -> Payload:
    # The passcode is said in the room; a phone or the board must not be able to read it.
    cafe = dict(data["cafe"])
    cafe["settings"] = {k: v for k, v in cafe["settings"].items() if k != "passcode"}
    return {**data, "cafe": cafe}


def withhold(event: Event, note_ids: set[str]) -> Event:
    """For phones and the board: an event about a now hidden or deleted note, without its text."""
    if EVENTS[event.type].note_text and event.data["note"]["id"] in note_ids:
        return Event(event.cafe_id, event.seq, "note_withheld", event.at_ms, {"note_id": event.data["note"]["id"]})
    return event


def check_payload(event_type: str, data: Payload) -> None:
    """Refuse an event whose payload does not have exactly its declared fields."""
    spec = EVENTS.get(event_type)
    if spec is None:
        raise ValueError(f"undeclared event type {event_type!r}")
    keys = frozenset(data)
    if keys != spec.fields:
        raise ValueError(f"{event_type} payload has fields {sorted(keys)}, declared {sorted(spec.fields)}")


def project(event: Event, role: Role, participant_id: int | None = None) -> Payload:
    """The part of an event's payload that `role` (a phone: its participant) may see."""
    spec = EVENTS[event.type]
    personal = spec.personal
    if role == "phone" and personal is not None:
        if personal.others is not None and participant_id not in set(personal.recipients(event.data)):
            return personal.others(copy.deepcopy(event.data))
        # No copy of the whole payload: a phone's version is built anew from a few of its
        # values (copying a 1,000-seat map for each of 1,000 phones took a second).
        return personal.project(event.data, participant_id)
    return spec.projections[role](copy.deepcopy(event.data))


def room(cafe_id: int, role: Role | None = None) -> str:
    """The Socket.IO room of a café (all its sockets) or of one role in it."""
    return f"cafe:{cafe_id}" if role is None else f"cafe:{cafe_id}:{role}"


# The one-screen roles: their messages go ahead of the phones' batches (cafe/fanout.py,
# cafe/pubsub.py's urgent lane).
SCREENS = ("board", "facilitator", "staff")


def is_screen_room(name: str) -> bool:
    """True for a café's board, panel or staff room (not its phones', a person's or the café's)."""
    return name.startswith("cafe:") and name.rsplit(":", 1)[-1] in SCREENS


def team_room(link_id: int) -> str:
    """The Socket.IO room of the sockets opened with one team link (to close them at once)."""
    return f"team:{link_id}"


def person_room(cafe_id: int, participant_id: int) -> str:
    """The Socket.IO room of one participant's phones (for personal events)."""
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


def _photo_order(photo: Payload) -> Any:
    return (photo["created_at"], photo["id"])


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


def _routes_changed(state: Payload, data: Payload) -> None:
    routes = data["routes"]
    for known in state.get("participants", []):
        if str(known["id"]) in routes and "route" in known:
            known["route"] = routes[str(known["id"])]
    me = state.get("me")
    if me is not None and str(me["id"]) in routes:
        me["route"] = routes[str(me["id"])]


def _own_route(data: Payload, participant_id: int | None) -> Payload:
    key = str(participant_id)
    return {"routes": {key: data["routes"][key]} if key in data["routes"] else {}, "reason": data["reason"]}


def _no_routes(data: Payload) -> Payload:
    return {"routes": {}, "reason": data["reason"]}


def _left(state: Payload, data: Payload) -> None:
    state["counts"] = data["counts"]
    if "participants" in state:
        state["participants"] = [p for p in state["participants"] if p["id"] != data["participant_id"]]
    state["seating"]["seats"].pop(str(data["participant_id"]), None)


def _topic_removed(state: Payload, data: Payload) -> None:
    state["topics"] = [t for t in state["topics"] if t["id"] != data["topic_id"]]
    gone = {t["id"] for t in state["tables"] if t["topic_id"] == data["topic_id"]}
    state["tables"] = [t for t in state["tables"] if t["id"] not in gone]
    # The area's themes go with it (the database cascades).
    state["themes"] = [t for t in state.get("themes", []) if t["topic_id"] != data["topic_id"]]


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


def _theme_upsert(state: Payload, data: Payload) -> None:
    state["themes"] = _upsert(state["themes"], data["theme"], _by_id)


def _theme_removed(state: Payload, data: Payload) -> None:
    state["themes"] = [t for t in state["themes"] if t["id"] != data["theme_id"]]
    # Its harvest dots go back to the people who gave them.
    if "my_theme_votes" in state:
        state["my_theme_votes"] = [t for t in state["my_theme_votes"] if t != data["theme_id"]]
    for note in state["notes"]:
        if note.get("theme_id") == data["theme_id"]:
            note["theme_id"] = None


def _notes_themed(state: Payload, data: Payload) -> None:
    moved = set(data["note_ids"])
    for note in state["notes"]:
        if note["id"] in moved:
            note["theme_id"] = data["theme_id"]


def _theme_voted(state: Payload, data: Payload) -> None:
    for theme in state["themes"]:
        if theme["id"] == data["theme_id"]:
            theme["votes"] = data["votes"]
    me = state.get("me")
    if me is None or me["id"] != data.get("participant_id"):
        return
    rest = [t for t in state["my_theme_votes"] if t != data["theme_id"]]
    state["my_theme_votes"] = [*rest, data["theme_id"]] if data["added"] else rest


def _without_by(data: Payload) -> Payload:
    # Who on the theme team moved a note is the team's business, not the room's.
    return {k: v for k, v in data.items() if k != "by"}


def _nothing(state: Payload, data: Payload) -> None:
    """The event informs (a toast on the panel); the state does not change."""


# --- the catalogue: every event type and everything the server does differently for it ----------

Reducer = Callable[[Payload, Payload], None]
# How an event reaches the phones (the board and the panel get every event at once):
# "at_once"  the clock, seats, announcements: rare, and everyone is waiting for them; they also
#            take whatever is held for the phones with them;
# "batched"  the room's chatter, many a second in a big café: held for the phones' next message
#            (CAFE_BATCH_MS, 200 ms by default);
# "presence" arrivals and departures: a phone shows only how many people are here, so these wait
#            up to a second (2,000 phones arriving otherwise kept every process writing a frame to
#            every phone for each arrival).
Delivery = Literal["at_once", "batched", "presence"]


@dataclass(frozen=True)
class EventSpec:
    """One event type: its payload's fields, what each role sees, how the phones get it, what it
    changes in a client's state, and whether the mixing engine's next plan depends on it."""

    fields: frozenset[str]
    reduce: Reducer
    delivery: Delivery = "at_once"
    # Phones and the board see the participant's public part only (never the organisation).
    private_participant: bool = False
    # Each phone gets its own version, sent to its participant's room.
    personal: Personal | None = None
    # Another projection for phones and the board (the facilitator always sees the whole event).
    public: Projection | None = None
    # The next seating plan depends on it: a plan made ahead is made again after it.
    plan_input: bool = False
    # It carries a note's text: a replay to phones and the board withholds it once the note is
    # hidden or deleted.
    note_text: bool = False

    @property
    def projections(self) -> dict[Role, Projection]:
        """What each role receives of the payload."""
        public = self.public or (_public_participant if self.private_participant else _everything)
        return {"phone": public, "board": public, "facilitator": _everything, "staff": _no_contact}


def _event(*fields: str, reduce: Reducer, **properties: Any) -> EventSpec:
    return EventSpec(frozenset(fields), reduce, **properties)


def _topics(state: Payload, data: Payload) -> None:
    state["topics"] = _upsert(state["topics"], data["topic"], _by_position)


def _tables(state: Payload, data: Payload) -> None:
    state["tables"] = _upsert(state["tables"], data["table"], _by_position)


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
# The clock events a new plan depends on (who is seated, which round is next).
_CLOCK_PLAN_INPUTS = ("cafe_opened", "round_started")

EVENTS: dict[str, EventSpec] = {
    "cafe_created": _event("cafe", reduce=_nothing),
    "cafe_updated": _event(
        "cafe", reduce=lambda state, data: state["cafe"].update(data["cafe"]), public=_no_passcode, plan_input=True
    ),
    "participant_joined": _event(
        "participant", "counts", reduce=_joined, delivery="presence", private_participant=True, plan_input=True
    ),
    "participant_updated": _event(
        "participant",
        reduce=_participant_updated,
        delivery="presence",
        private_participant=True,
        # What the facilitator changes of a person reaches that person's phone in full (its
        # `me`); every other phone gets the public part only.
        personal=Personal(_own_details, lambda data: [data["participant"]["id"]], others=_public_participant),
        plan_input=True,
    ),
    "participant_left": _event("participant_id", "counts", reduce=_left, plan_input=True),
    "participant_connected": _event(
        "participant_id", "counts", reduce=lambda state, data: _set_presence(state, data, True), delivery="presence"
    ),
    "participant_disconnected": _event(
        "participant_id", "counts", reduce=lambda state, data: _set_presence(state, data, False), delivery="presence"
    ),
    "topic_added": _event("topic", reduce=_topics, plan_input=True),
    "topic_updated": _event("topic", reduce=_topics, plan_input=True),
    "topic_removed": _event("topic_id", reduce=_topic_removed, plan_input=True),
    "table_added": _event("table", reduce=_tables, plan_input=True),
    "table_updated": _event("table", reduce=_tables, plan_input=True),
    "table_removed": _event(
        "table_id",
        reduce=lambda state, data: state.update(tables=[t for t in state["tables"] if t["id"] != data["table_id"]]),
        plan_input=True,
    ),
    "rounds_updated": _event("rounds", reduce=lambda state, data: state.update(rounds=data["rounds"]), plan_input=True),
    "seats_assigned": _event(
        "round",
        "seats",
        reduce=lambda state, data: state.update(seating={"round": data["round"], "seats": dict(data["seats"])}),
        # The seat map of 1,000 people is 15 KB, and each phone needs one entry of it.
        personal=Personal(_own_seat, lambda data: [int(pid) for pid in data["seats"]]),
        plan_input=True,
    ),
    "participant_seated": _event("round", "participant_id", "table_id", "reason", reduce=_seated, plan_input=True),
    "announcement_made": _event(
        "announcement", reduce=lambda state, data: state["cafe"].update(announcement=data["announcement"])
    ),
    "announcement_cleared": _event(reduce=lambda state, data: state["cafe"].update(announcement=None)),
    "advance_blocked": _event("round", "message", reduce=_nothing),
    "note_added": _event("note", reduce=_note_upsert, delivery="batched", note_text=True),
    "note_edited": _event("note", reduce=_note_upsert, delivery="batched", note_text=True),
    "note_restored": _event("note", reduce=_note_upsert, delivery="batched", note_text=True),
    "note_deleted": _event("note_id", reduce=_note_gone, delivery="batched"),
    "note_hidden": _event("note_id", reduce=_note_hidden, delivery="batched"),
    # Never stored: replaces, in a replay to phones and the board, an event that would carry the
    # text of a note that is hidden or deleted now.
    "note_withheld": _event("note_id", reduce=_note_gone),
    "note_pinned": _event(
        "note_id",
        "pinned",
        reduce=lambda state, data: _note_field(state, data["note_id"], pinned=data["pinned"]),
        delivery="batched",
    ),
    "note_spotlighted": _event("note_id", reduce=lambda state, data: state["cafe"].update(spotlight=data["note_id"])),
    "note_voted": _event(
        "note_id",
        "participant_id",
        "phase",
        "round",
        "added",
        "votes",
        "harvest_votes",
        reduce=_note_voted,
        delivery="batched",
        public=_without_voter,
        # The voter's phone learns it was its dot (its `my_votes`); other phones only the tallies.
        personal=Personal(_own_details, lambda data: [data["participant_id"]], others=_without_voter),
    ),
    "summary_written": _event("summary", reduce=_summary_written, delivery="batched"),
    "signup_added": _event(
        "signup",
        reduce=lambda state, data: state.update(signups=_upsert(state["signups"], data["signup"], _by_id)),
        delivery="batched",
    ),
    "signup_removed": _event(
        "signup_id",
        reduce=lambda state, data: state.update(signups=[s for s in state["signups"] if s["id"] != data["signup_id"]]),
        delivery="batched",
    ),
    # Photos of the tablecloths (the JPEG itself is fetched from its `url`).
    "photo_added": _event(
        "photo", reduce=lambda state, data: state.update(photos=_upsert(state["photos"], data["photo"], _photo_order))
    ),
    "photo_removed": _event(
        "photo_id",
        reduce=lambda state, data: state.update(photos=[p for p in state["photos"] if p["id"] != data["photo_id"]]),
    ),
    # Printed routes made (`reason: "printed"`) or withdrawn by a confirmed change (`"broken"`,
    # each route null): the facilitator sees them all, a phone its own, the board none.
    "routes_changed": _event(
        "routes",
        "reason",
        reduce=_routes_changed,
        public=_no_routes,
        personal=Personal(_own_route, lambda data: [int(pid) for pid in data["routes"]], others=_no_routes),
        plan_input=True,
    ),
    # The theme team's themes, and which note is in which (a note in one theme at most).
    "theme_added": _event("theme", reduce=_theme_upsert, delivery="batched"),
    "theme_updated": _event("theme", reduce=_theme_upsert, delivery="batched"),
    "theme_removed": _event("theme_id", reduce=_theme_removed, delivery="batched"),
    "notes_themed": _event("note_ids", "theme_id", "by", reduce=_notes_themed, delivery="batched", public=_without_by),
    # A harvest dot on a theme: like `note_voted`, the voter's phone learns it was its own.
    "theme_voted": _event(
        "theme_id",
        "participant_id",
        "added",
        "votes",
        reduce=_theme_voted,
        delivery="batched",
        public=_without_voter,
        personal=Personal(_own_details, lambda data: [data["participant_id"]], others=_without_voter),
    ),
    # A table's call for help: rare, and someone is waiting for the answer.
    "help_requested": _event(
        "help", reduce=lambda state, data: state.update(help=_upsert(state["help"], data["help"], _by_id))
    ),
    "help_acknowledged": _event(
        "help", reduce=lambda state, data: state.update(help=_upsert(state["help"], data["help"], _by_id))
    ),
    "help_closed": _event(
        "help_id",
        reduce=lambda state, data: state.update(help=[h for h in state["help"] if h["id"] != data["help_id"]]),
    ),
    **{name: _event("clock", reduce=_set_clock, plan_input=name in _CLOCK_PLAN_INPUTS) for name in CLOCK_EVENTS},
}

# The reducers alone, for a client that keeps state the way the browser does.
REDUCERS: dict[str, Reducer] = {name: spec.reduce for name, spec in EVENTS.items()}


def apply_event(state: Payload, wire: Payload) -> Payload:
    """Apply one wire event to a client's state, as a client does (ignores old seqs)."""
    if wire["seq"] <= state["seq"]:
        return state
    if wire["seq"] != state["seq"] + 1:
        raise ValueError(f"gap in the stream: have {state['seq']}, got {wire['seq']}")
    new = copy.deepcopy(state)
    EVENTS[wire["type"]].reduce(new, wire["data"])
    new["seq"] = wire["seq"]
    return new


def apply_events(state: Payload, wires: Iterable[Payload]) -> Payload:
    """Apply wire events in `seq` order."""
    for wire in sorted(wires, key=lambda w: w["seq"]):
        state = apply_event(state, wire)
    return state
