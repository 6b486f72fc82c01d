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

    def for_role(self, role: Role) -> Payload:
        """The wire form of this event for one role: `{seq, type, at, data}`."""
        return {"seq": self.seq, "type": self.type, "at": self.at_ms, "data": project(self, role)}


@dataclass(frozen=True)
class EventSpec:
    """The declared shape of an event type and, per role, what of it is sent."""

    fields: frozenset[str]
    projections: dict[Role, Projection]


def _everything(data: Payload) -> Payload:
    return data


# What phones and the board may know of a participant: never the organisation.
PUBLIC_PERSON_FIELDS = ("id", "name", "anonymous", "present")


def public_person(person: Payload) -> Payload:
    """A participant as phones and the board see them."""
    return {k: person[k] for k in PUBLIC_PERSON_FIELDS}


def _public_participant(data: Payload) -> Payload:
    return {**data, "participant": public_person(data["participant"])}


EVENT_TYPES: dict[str, EventSpec] = {
    "cafe_created": EventSpec(
        frozenset({"cafe"}),
        {"phone": _everything, "board": _everything, "facilitator": _everything},
    ),
    "participant_joined": EventSpec(
        frozenset({"participant", "counts"}),
        {"phone": _public_participant, "board": _public_participant, "facilitator": _everything},
    ),
    "participant_connected": EventSpec(
        frozenset({"participant_id", "counts"}),
        {"phone": _everything, "board": _everything, "facilitator": _everything},
    ),
    "participant_disconnected": EventSpec(
        frozenset({"participant_id", "counts"}),
        {"phone": _everything, "board": _everything, "facilitator": _everything},
    ),
}


def check_payload(event_type: str, data: Payload) -> None:
    """Refuse an event whose payload does not have exactly its declared fields."""
    spec = EVENT_TYPES.get(event_type)
    if spec is None:
        raise ValueError(f"undeclared event type {event_type!r}")
    keys = frozenset(data)
    if keys != spec.fields:
        raise ValueError(
            f"{event_type} payload has fields {sorted(keys)}, declared {sorted(spec.fields)}"
        )


def project(event: Event, role: Role) -> Payload:
    """The part of an event's payload that `role` may see."""
    return EVENT_TYPES[event.type].projections[role](copy.deepcopy(event.data))


def room(cafe_id: int, role: Role | None = None) -> str:
    """The Socket.IO room of a café (all its sockets) or of one role in it."""
    return f"cafe:{cafe_id}" if role is None else f"cafe:{cafe_id}:{role}"


# --- the reference client reducer -------------------------------------------------------


def _set_presence(state: Payload, data: Payload, present: bool) -> None:
    state["counts"] = data["counts"]
    for person in state.get("participants", []):
        if person["id"] == data["participant_id"]:
            person["present"] = present
    me = state.get("me")
    if me is not None and me["id"] == data["participant_id"]:
        me["present"] = present


def _joined(state: Payload, data: Payload) -> None:
    state["counts"] = data["counts"]
    if "participants" in state:
        people = [p for p in state["participants"] if p["id"] != data["participant"]["id"]]
        people.append(data["participant"])
        state["participants"] = sorted(people, key=lambda p: p["id"])


REDUCERS: dict[str, Callable[[Payload, Payload], None]] = {
    "cafe_created": lambda state, data: None,
    "participant_joined": _joined,
    "participant_connected": lambda state, data: _set_presence(state, data, True),
    "participant_disconnected": lambda state, data: _set_presence(state, data, False),
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
