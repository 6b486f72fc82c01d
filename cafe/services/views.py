"""How rows look on the wire: one definition each, shared by snapshots and events."""

from __future__ import annotations

from typing import Any

from cafe.clock import Clock
from cafe.models import Cafe, CafeTable, Round, Topic
from cafe.services.settings import with_defaults


def clock_of(cafe: Cafe) -> Clock:
    """The café's clock as the pure `Clock` value."""
    return Clock(
        status=cafe.status,
        current_round=cafe.current_round,
        phase=cafe.phase,
        ends_at_ms=cafe.ends_at_ms,
        remaining_ms=cafe.remaining_ms,
    )


def set_clock(cafe: Cafe, clock: Clock) -> dict[str, Any]:
    """Store a new clock on the café row; returns the `clock` object for the event."""
    cafe.status = clock.status
    cafe.current_round = clock.current_round
    cafe.phase = clock.phase
    cafe.ends_at_ms = clock.ends_at_ms
    cafe.remaining_ms = clock.remaining_ms
    return clock.as_dict()


def public_settings(cafe: Cafe) -> dict[str, Any]:
    """The café's settings as clients see them (events project the passcode away but for the facilitator)."""
    return with_defaults(cafe.settings)


def settings_for(cafe: Cafe, role: str) -> dict[str, Any]:
    """Settings in a role's snapshot: only the facilitator and the team (helpers at the door
    say it to people) see the room's passcode."""
    shown = public_settings(cafe)
    if role not in ("facilitator", "staff"):
        shown.pop("passcode", None)
    return shown


def announcement(cafe: Cafe) -> dict[str, Any] | None:
    """The announcement on every screen now, or None: `until` (UTC ms) when it ends by itself."""
    if cafe.announcement is None:
        return None
    return {
        "text": cafe.announcement,
        "at": cafe.announced_at_ms,
        "until": cafe.announcement_until_ms,
        "translations": dict(cafe.announcement_translations or {}),
    }


def topic_view(topic: Topic) -> dict[str, Any]:
    """A topic (strategy area) on the wire."""
    return {
        "id": topic.id,
        "name": topic.name,
        "description": topic.description,
        "colour": topic.colour,
        "position": topic.position,
        "translations": dict(topic.translations or {}),
    }


def table_view(table: CafeTable) -> dict[str, Any]:
    """A table on the wire."""
    return {
        "id": table.id,
        "topic_id": table.topic_id,
        "label": table.label,
        "capacity": table.capacity,
        "host_id": table.host_id,
        "position": table.position,
    }


def round_view(rnd: Round) -> dict[str, Any]:
    """A round's plan on the wire."""
    return {
        "number": rnd.number,
        "question": rnd.question,
        "topic_questions": dict(rnd.topic_questions),
        "discuss_seconds": rnd.discuss_seconds,
        "move_seconds": rnd.move_seconds,
        "translations": dict(rnd.translations or {}),
    }
