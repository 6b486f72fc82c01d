"""Printed routes: each person's table per round, on their badge or route card, kept as a promise.

Once a route is printed the room follows the paper, so every later plan keeps it (the engine's
`promised`, a hard rule) for whoever is present. A change that would make a route impossible (a
table removed or made smaller, a round removed, a host added to a full table, companions whose
routes part) is refused until the facilitator confirms it; then the broken routes are withdrawn
and the panel says whose route cards to print again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cafe import rotation
from cafe.events import Event
from cafe.models import Cafe, CafeTable, Participant, Round
from cafe.services import eventlog
from cafe.services.errors import Conflict, Invalid
from cafe.services.lookup import participant

# How many names the refusal quotes before "and N more".
NAMED = 3


@dataclass(frozen=True)
class Broken:
    """A printed seat the café can no longer keep, and why (`table_gone`, `round_gone`,
    `table_full`, `companions_apart`)."""

    participant_id: int
    round: int
    reason: str


def first_open_round(cafe: Cafe) -> int:
    """The first round whose seats are not written yet: what a route printed now starts with."""
    return (cafe.current_round or 0) + 1


def _people(session: Session, cafe: Cafe) -> list[Participant]:
    """Everyone a route can belong to: in the café and not gone (registered or in the room)."""
    return list(
        session.scalars(
            select(Participant)
            .where(Participant.cafe_id == cafe.id, Participant.left_at_ms.is_(None))
            .order_by(Participant.id)
        )
    )


def broken(session: Session, cafe: Cafe) -> list[Broken]:
    """Every printed seat of a round still to come that the café as it is cannot keep."""
    people = [p for p in _people(session, cafe) if p.route]
    if not people:
        return []
    tables = {t.id: t for t in session.scalars(select(CafeTable).where(CafeTable.cafe_id == cafe.id))}
    total = len(session.scalars(select(Round.id).where(Round.cafe_id == cafe.id)).all())
    first = first_open_round(cafe)
    found: list[Broken] = []
    at: dict[tuple[int, int], list[int]] = {}  # (round, table) -> who is promised it
    routed: set[tuple[int, int]] = set()
    for p in people:
        for number, tid in enumerate(p.route or [], start=1):
            if tid is None or number < first:
                continue
            if number > total:
                found.append(Broken(p.id, number, "round_gone"))
            elif tid not in tables:
                found.append(Broken(p.id, number, "table_gone"))
            else:
                at.setdefault((number, tid), []).append(p.id)
                routed.add((number, p.id))
    found += _companions_apart(people, first, total, tables)
    apart = {(b.round, b.participant_id) for b in found}
    hosts = {t.id: t.host_id for t in tables.values() if t.host_id is not None}
    present = {p.id for p in _people(session, cafe)}
    for (number, tid), who in sorted(at.items()):
        keep = [pid for pid in who if (number, pid) not in apart]
        host = hosts.get(tid)
        room = tables[tid].capacity - (1 if host in present and (number, host) not in routed else 0)
        # The seats printed last are the ones that no longer fit (a person's id grows with time).
        for pid in sorted(keep)[max(0, room) :]:
            found.append(Broken(pid, number, "table_full"))
    return sorted(found, key=lambda b: (b.participant_id, b.round))


def _companions_apart(
    people: Sequence[Participant], first: int, total: int, tables: dict[int, CafeTable]
) -> list[Broken]:
    groups: dict[int, list[Participant]] = {}
    for p in people:
        if p.companion_group is not None:
            groups.setdefault(p.companion_group, []).append(p)
    found: list[Broken] = []
    for members in groups.values():
        for number in range(first, total + 1):
            seats = {
                p.id: p.route[number - 1]
                for p in members
                if p.route and number <= len(p.route) and p.route[number - 1] in tables
            }
            if len(set(seats.values())) > 1:
                found += [Broken(pid, number, "companions_apart") for pid in sorted(seats)]
    return found


def promised(
    session: Session, cafe: Cafe, number: int, people: Iterable[int]
) -> tuple[tuple[int, tuple[int | None, ...]], ...]:
    """The engine's `promised` for planning rounds `number`..last: the routes of `people` that
    still hold (a broken one the facilitator confirmed is withdrawn; this is the safety net)."""
    wanted = set(people)
    total = len(session.scalars(select(Round.id).where(Round.cafe_id == cafe.id)).all())
    lost = {(b.participant_id, b.round) for b in broken(session, cafe)}
    out: list[tuple[int, tuple[int | None, ...]]] = []
    for p in _people(session, cafe):
        if not p.route or p.id not in wanted:
            continue
        route = tuple(
            p.route[n - 1] if n <= len(p.route) and (p.id, n) not in lost else None for n in range(number, total + 1)
        )
        if any(t is not None for t in route):
            out.append((p.id, route))
    return tuple(out)


def enforce(session: Session, cafe: Cafe, confirmed: bool) -> list[Event]:
    """After a change: refuse it if it breaks a printed route, unless the facilitator confirmed;
    then withdraw the broken routes (whole: the card is wrong) and say whose they were."""
    lost = broken(session, cafe)
    if not lost:
        return []
    ids = sorted({b.participant_id for b in lost})
    if not confirmed:
        names = [p.display_name for p in _people(session, cafe) if p.id in set(ids)]
        shown = ", ".join(names[:NAMED]) + (f" +{len(names) - NAMED}" if len(names) > NAMED else "")
        raise Conflict("breaks_routes", n=len(ids), names=shown, participant_ids=ids)
    for p in _people(session, cafe):
        if p.id in set(ids):
            p.route = None
    session.flush()
    return [
        eventlog.append(
            session, cafe.id, "routes_changed", {"routes": {str(pid): None for pid in ids}, "reason": "broken"}
        )
    ]


def needing(session: Session, cafe: Cafe, participant_ids: Sequence[object] | None) -> list[int]:
    """Who of `participant_ids` (everyone expected when None) has no printed route yet; an id
    not in the café is refused before anything is planned."""
    people = {p.id: p for p in _people(session, cafe) if p.admitted}
    wanted = list(people) if participant_ids is None else [participant(session, cafe, x).id for x in participant_ids]
    return [pid for pid in wanted if pid in people and not people[pid].route]


def print_routes(
    session: Session, cafe: Cafe, participant_ids: Sequence[object] | None, plan: rotation.Plan, number: int
) -> list[Event]:
    """Make the routes of `participant_ids` (everyone expected when None) a promise, from `plan`
    (rounds `number`..last, planned with every route already printed kept). A route already
    printed stays as it is: printing again prints the same."""
    people = {p.id: p for p in _people(session, cafe) if p.admitted}
    made: dict[str, list[int | None]] = {}
    for pid in needing(session, cafe, participant_ids):
        person = people[pid]
        route: list[int | None] = [None for _ in range(number - 1)]
        route += [r.get(pid) for r in plan.rounds]
        if any(t is not None for t in route):
            person.route = route
            made[str(pid)] = route
    if not made:
        return []
    session.flush()
    return [eventlog.append(session, cafe.id, "routes_changed", {"routes": made, "reason": "printed"})]


def check_printable(cafe: Cafe, total: int) -> int:
    """The first round a route printed now covers; refused when no round is left to print."""
    number = first_open_round(cafe)
    if number > total or cafe.status == "closed":
        raise Invalid("no_rounds_to_print")
    return number
