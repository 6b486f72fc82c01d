"""Every command a client sends, one record each: who may send it, its payload, how it locks
the café, and what it does. `realtime` checks the sender and the payload, then `run`s it.

Lock policies (why a command waits for which other):
- "cafe":   one transaction holding the café's row from its first statement: serial with every
            other change of the café (set-up, the clock, moderation).
- "person": the tablecloth's commands, many a second in a big room: they lock only the sender's
            participant row (one person's notes and dots stay serial) and take the café's lock
            late, when the event's `seq` is drawn (docs/architecture.md). A facilitator has no
            row and takes the café's.
- "seats":  the mixing engine plans outside any transaction; the write then checks the café has
            not moved meanwhile (`flow.transition`).
- "read":   reads only, nothing is written.
- "own":    the command's `answer` runs it whole, holding the café's lock for its write; it
            answers more than `{ok, seq}`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy.orm import Session

from cafe import themes
from cafe.app import Connection, Runtime
from cafe.db import brisk, forget_deleted
from cafe.events import ROLES, Event, Role, room, team_room, withhold
from cafe.flow import transition
from cafe.links import cafe_links, here_base, join_url
from cafe.models import Cafe, Participant, now_ms
from cafe.services import (
    archive,
    attendees,
    cafes,
    eventlog,
    grouping,
    notes,
    photos,
    preview,
    rounds,
    routes,
    seating,
    setup,
    signups,
    spotlight,
    suggestions,
    tablehelp,
    team,
)
from cafe.services.errors import Conflict, Forbidden, Invalid, NotFound
from cafe.services.snapshot import snapshot

Ack = dict[str, Any]
# A payload's fields: name -> (accepted types, required). Unknown fields are refused.
Spec = dict[str, tuple[type | tuple[type, ...], bool]]
Lock = Literal["cafe", "person", "seats", "read", "own"]
# A service call under the command's lock: the events it appended (published on commit).
Action = Callable[[Session, Cafe, Participant | None, dict[str, Any]], list[Event]]
# A phone's service call: always with the sender's own row.
PhoneAction = Callable[[Session, Cafe, Participant, dict[str, Any]], list[Event]]


@dataclass(frozen=True)
class Call:
    """One command being answered: the runtime, who sent it (fixed at connect), its socket id,
    and its checked payload."""

    rt: Runtime
    conn: Connection
    sid: str
    args: dict[str, Any]


def _done(events: list[Event]) -> Ack:
    """The ack of a command that changed the café: `{ok, seq}` of its last event."""
    return {"ok": True, "seq": events[-1].seq if events else None}


@dataclass(frozen=True)
class Command:
    """A command's record: the roles that may send it, its payload, its lock, what it does
    (an `action` under the lock, an `answer` that runs it whole, or the seats' `transition`),
    and what its ack says of the events it made."""

    roles: frozenset[Role]
    spec: Spec
    lock: Lock
    action: Action | None = None
    answer: Callable[[Call], Ack] | None = None
    ack: Callable[[list[Event]], Ack] = _done
    # Which team links may send it too (docs/protocol.md "Team links"): by default a facilitator's
    # command is a co-facilitator's too, and nobody else's.
    team: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        ways = (self.action is not None) + (self.answer is not None) + (self.lock == "seats")
        if ways != 1:
            raise TypeError("a command has exactly one of: an action, an answer, the seats lock")


FACILITATOR = frozenset({"facilitator"})
PHONE = frozenset({"phone"})
EVERYONE = frozenset(ROLES)
# Team links (services/team.py): who of them may send a command besides the facilitator.
OWNER: frozenset[str] = frozenset()  # the facilitator alone: delete the café, manage links
RUNS = frozenset({"cofacilitator"})
HELPS = frozenset({"cofacilitator", "helper"})
THEMES = frozenset({"cofacilitator", "theme"})
WHOLE_TEAM = frozenset({"cofacilitator", "theme", "helper"})
# Not written in the activity log: commands that change nothing, and the café's deletion (its
# log goes with it).
READS = frozenset({"sync", "clock", "plan_preview", "team_links", "activity", "suggest_themes", "delete_cafe"})


def _facilitator(
    spec: Spec,
    action: Action,
    lock: Lock = "cafe",
    ack: Callable[[list[Event]], Ack] = _done,
    team: frozenset[str] = RUNS,
) -> Command:
    return Command(FACILITATOR, spec, lock, action=action, ack=ack, team=team)


def _phone(spec: Spec, action: PhoneAction, lock: Lock = "cafe") -> Command:
    def with_sender(session: Session, cafe: Cafe, person: Participant | None, args: dict[str, Any]) -> list[Event]:
        return action(session, cafe, _sender(person), args)

    return Command(PHONE, spec, lock, action=with_sender)


def _keeping_routes(spec: Spec, action: Action) -> Command:
    """A facilitator's change that could break a printed route: refused if it does, unless the
    payload says `confirm_routes: true` (then the broken routes are withdrawn, in one event)."""

    def guarded(session: Session, cafe: Cafe, person: Participant | None, args: dict[str, Any]) -> list[Event]:
        events = action(session, cafe, person, args)
        return events + routes.enforce(session, cafe, bool(args["confirm_routes"]))

    return _facilitator({**spec, "confirm_routes": (bool, False)}, guarded)


def _own(
    roles: frozenset[Role],
    spec: Spec,
    answer: Callable[[Call], Ack],
    lock: Lock = "own",
    team: frozenset[str] | None = None,
) -> Command:
    # A facilitator's own command is a co-facilitator's too unless it says otherwise.
    return Command(
        roles, spec, lock, answer=answer, team=(RUNS if "facilitator" in roles else OWNER) if team is None else team
    )


def _sender(person: Participant | None) -> Participant:
    # A phone-only command always runs with the sender's row (`run` checks the role first).
    if person is None:
        raise Forbidden("phone_only")
    return person


def _cafe(session: Session, conn: Connection, lock: bool = False) -> Cafe:
    cafe = eventlog.lock_cafe(session, conn.cafe_id) if lock else session.get(Cafe, conn.cafe_id)
    if cafe is None:
        raise NotFound("cafe_gone")
    return cafe


def _locked(session: Session, conn: Connection, lock: Lock) -> tuple[Cafe, Participant | None]:
    """The café (and the sender's row) under the command's lock policy."""
    brisk(session)  # a command is short and its sender waits for the ack
    if conn.participant_id is None:
        return _cafe(session, conn, lock=True), None
    by_person = lock == "person"
    cafe = _cafe(session, conn, lock=not by_person)
    person = session.get(Participant, conn.participant_id, with_for_update=by_person)
    if person is None or person.left_at_ms is not None:
        raise Forbidden("unknown_participant")
    return cafe, person


# What a command that creates something made, by id, so a client need not search for it.
def _made_ids(events: list[Event], kind: str) -> list[int]:
    return [int(e.data[kind]["id"]) for e in events if e.type == f"{kind}_added"]


def _topic_added(events: list[Event]) -> Ack:
    return {**_done(events), "topic_id": _made_ids(events, "topic")[0], "table_ids": _made_ids(events, "table")}


def _table_added(events: list[Event]) -> Ack:
    return {**_done(events), "table_id": _made_ids(events, "table")[0]}


def run(name: str, command: Command, call: Call) -> Ack:
    """Run a command whose sender and payload are checked, under its lock policy; a change made
    on the facilitator's side goes into the activity log with who made it."""
    logged = call.conn.rights != "" and name not in READS
    if command.answer is not None or command.action is None:
        if command.answer is not None:
            ack = command.answer(call)
        else:  # the seats lock: plan outside, write if the café has not moved
            ack = command.ack(transition(call.rt, call.conn.cafe_id, name))
        if logged and ack.get("ok"):
            with call.rt.db.transaction() as session:
                team.record(session, call.conn.cafe_id, call.conn.rights, call.conn.who, name, ack.get("seq"))
        return ack
    with call.rt.db.transaction() as session:
        cafe, person = _locked(session, call.conn, command.lock)
        events = command.action(session, cafe, person, call.args)
        if logged:  # in the change's own transaction: no change without its line, nor the reverse
            team.record(session, cafe.id, call.conn.rights, call.conn.who, name, events[-1].seq if events else None)
    return command.ack(events)


# --- commands with their own answer ----------------------------------------------------------


def _sync(call: Call) -> Ack:
    """`sync {since}` -> the missed events, or a fresh `state` when too far behind."""
    rt, conn, since = call.rt, call.conn, call.args["since"]
    role: Role = conn.role  # type: ignore[assignment]
    with rt.db.reading() as session:
        if since is not None:
            missed = eventlog.since(session, conn.cafe_id, since, rt.config.sync_max_events)
            if missed is not None and role != "facilitator":
                # A hidden or deleted note's text is never sent again, not even in a replay.
                gone = notes.withheld(session, conn.cafe_id)
                missed = [withhold(e, gone) for e in missed]
            if missed is not None:
                return {
                    "ok": True,
                    "events": [e.for_role(role, conn.participant_id) for e in missed],
                    "server_now": now_ms(),
                }
        cafe = _cafe(session, conn)
        state = snapshot(session, cafe, role, join_url=join_url(rt, cafe.code), participant_id=conn.participant_id)
    if conn.rights:  # the facilitator's side: which link this is, so a page shows what it may do
        state["you"] = {"rights": conn.rights, "name": conn.who}
    return {"ok": True, "state": state, "server_now": now_ms()}


def _paper_people(call: Call) -> Ack:
    """`paper_people {}` -> the people without a phone at the table the sender hosts this round."""
    with call.rt.db.reading() as session:
        cafe = _cafe(session, call.conn)
        host = session.get(Participant, call.conn.participant_id)
        if host is None:
            raise Forbidden("unknown_participant")
        return {"ok": True, "people": notes.paper_people(session, cafe, host)}


def _clock(call: Call) -> Ack:
    """`clock {t0}` -> `{t0, server_now}`: the client works out its clock offset."""
    return {"ok": True, "t0": call.args["t0"], "server_now": now_ms()}


def _add_note(call: Call) -> Ack:
    """`add_note`: idempotent by the phone's note id; rate limited per participant."""
    rt, args = call.rt, call.args
    with rt.db.transaction() as session:
        cafe, person = _locked(session, call.conn, "person")
        writer = _sender(person)
        existing = session.get(notes.Note, notes.parse_id(args["id"]))
        # A retry of a note already stored is answered without spending the rate budget.
        if existing is None and not rt.note_limiter.allow(writer.id):
            raise Invalid("writing_fast")
        written = notes.add_note(
            session,
            cafe,
            writer,
            note_id=args["id"],
            table_id=args["table_id"],
            round_number=args["round"],
            text=args["text"],
            colour=args["colour"],
            anonymous=bool(args["anonymous"]),
            from_tablecloth=bool(args["from_tablecloth"]),
        )
    return {
        "ok": True,
        "seq": written.events[-1].seq if written.events else None,
        "note": written.note,
        "duplicate": written.duplicate,
    }


def _duplicate_cafe(call: Call) -> Ack:
    """`duplicate_cafe {carry_top_notes?}`: Day 2 from Day 1; answers the new café's links."""
    with call.rt.db.transaction() as session:
        cafe = _cafe(session, call.conn)
        created = archive.duplicate(session, cafe, carry_top_notes=call.args["carry_top_notes"] or 0)
    links = cafe_links(call.rt, created.cafe.code, created.facilitator_secret)
    return {"ok": True, "code": created.cafe.code, "join_url": links["join"], "facilitator_url": links["facilitator"]}


def _plan_preview(call: Call) -> Ack:
    """`plan_preview {}`: how good the next click's seating is, before anyone sits down."""
    with call.rt.db.reading() as session:
        upcoming = preview.next_problem(session, _cafe(session, call.conn))
    if upcoming is None:
        return {"ok": True, "preview": None}
    number, problem = upcoming
    if not problem.people:
        return {"ok": True, "preview": preview.empty(number, problem)}
    # The same plan the click will use (the planner remembers it), made off the event loop.
    plan = seating.plan_all(problem, call.rt.plan)
    return {"ok": True, "preview": preview.summary(number, problem, plan)}


def _print_routes(call: Call) -> Ack:
    """`print_routes {participant_ids?}`: plan and keep the routes of these people (everyone
    expected when absent) for the rounds still to come, to print on badges and route cards."""
    rt = call.rt
    with rt.db.reading() as session:
        cafe = _cafe(session, call.conn)
        number = routes.check_printable(cafe, seating.total_rounds(session, cafe))
        if not routes.needing(session, cafe, call.args["participant_ids"]):
            return {"ok": True, "seq": None, "printed": 0}  # printed already: the same sheets again
        problem = seating.problem_for(session, cafe, number, expected=True)
    # Planned off the lock, like a round: a café of 1,000 takes a second or two.
    plan = seating.plan_all(problem, rt.plan) if problem.people else None
    with rt.db.transaction() as session:
        cafe = _cafe(session, call.conn, lock=True)
        if plan is None or routes.first_open_round(cafe) != number:
            raise Conflict("routes_moved") if plan is not None else Invalid("no_rounds_to_print")
        events = routes.print_routes(session, cafe, call.args["participant_ids"], plan, number)
        if routes.broken(session, cafe):
            raise Conflict("routes_moved")  # a table changed meanwhile: nothing is kept
    return {**_done(events), "printed": len(events[0].data["routes"]) if events else 0}


def _rotate_facilitator_link(call: Call) -> Ack:
    """`rotate_facilitator_link {}`: a new secret link; every socket on the old one loses its rights."""
    rt, conn = call.rt, call.conn
    with rt.db.transaction() as session:
        cafe = _cafe(session, conn, lock=True)
        secret = cafes.rotate_facilitator_secret(session, cafe)
        new_hash = cafe.facilitator_hash
    # This socket carries on with the new link; the others are refused from their next command.
    rt.facilitator_hashes[conn.cafe_id] = (new_hash, time.monotonic())
    rt.connections[call.sid] = replace(conn, secret_hash=new_hash)
    rt.socketio.emit("facilitator_link_rotated", {}, to=room(conn.cafe_id, "facilitator"), skip_sid=call.sid)
    return {"ok": True, "facilitator_url": f"{here_base()}/f/{conn.code}#{secret}"}


def _create_team_link(call: Call) -> Ack:
    """`create_team_link {role, label?}`: a link for a co-facilitator, the theme team or a helper,
    shown once (the café keeps only its hash)."""
    with call.rt.db.transaction() as session:
        cafe = _cafe(session, call.conn, lock=True)
        link, secret = team.create_link(session, cafe, call.args["role"], call.args["label"])
    page = {"helper": "/door", "theme": "/themes"}.get(link["role"], "")
    return {"ok": True, "link": link, "url": f"{here_base()}/f/{call.conn.code}{page}#{secret}"}


def _revoke_team_link(call: Call) -> Ack:
    """`revoke_team_link {link_id}`: the link stops working; its open sockets are told at once."""
    rt, link_id = call.rt, call.args["link_id"]
    with rt.db.transaction() as session:
        team.revoke_link(session, _cafe(session, call.conn, lock=True), link_id)
    rt.team_links[link_id] = (False, time.monotonic())
    rt.socketio.emit("team_link_revoked", {}, to=team_room(link_id))
    return {"ok": True}


def _suggest_themes(call: Call) -> Ack:
    """`suggest_themes {topic_id}`: the area's notes grouped into proposed themes (only shown,
    never applied), computed off the event loop."""
    with call.rt.db.reading() as session:
        pairs = suggestions.area_notes(session, _cafe(session, call.conn), call.args["topic_id"])
    found = call.rt.run_cpu(themes.suggest, pairs)
    return {"ok": True, "notes": len(pairs), "suggestions": suggestions.wire(found)}


def _by(conn: Connection) -> str:
    """Who is acting, as the theme team's screens show it: the name typed with a team link, else
    the link's role ("facilitator")."""
    return conn.who or conn.rights or "facilitator"


TeamAction = Callable[[Session, Cafe, dict[str, Any], str], list[Event]]


def _grouping(spec: Spec, action: TeamAction) -> Command:
    """A theme team's command: under the café's lock, with the sender's name for the events."""

    def answer(call: Call) -> Ack:
        with call.rt.db.transaction() as session:
            cafe = _cafe(session, call.conn, lock=True)
            return _done(action(session, cafe, call.args, _by(call.conn)))

    return _own(FACILITATOR, spec, answer, team=THEMES)


def _assign_notes(call: Call) -> Ack:
    """`assign_notes {note_ids, theme_id, seen?}`: notes into a theme (or unsorted with null); the
    last writer wins, and the ack names the notes someone else had moved meanwhile."""
    args = call.args
    with call.rt.db.transaction() as session:
        cafe = _cafe(session, call.conn, lock=True)
        moved = grouping.assign(session, cafe, args["note_ids"], args["theme_id"], args["seen"], _by(call.conn))
    return {**_done(moved.events), "conflicts": moved.conflicts}


def _team_links(call: Call) -> Ack:
    """`team_links {}`: the team links that work (never their secrets)."""
    with call.rt.db.reading() as session:
        return {"ok": True, "links": team.active_links(session, _cafe(session, call.conn))}


def _activity(call: Call) -> Ack:
    """`activity {}`: who did what on the facilitator's side, newest first (the last 200)."""
    with call.rt.db.reading() as session:
        return {"ok": True, "activity": team.log(session, _cafe(session, call.conn))}


def _delete_cafe(call: Call) -> Ack:
    """`delete_cafe {confirm: CODE}`: the café and everything in it are gone; sockets close."""
    rt, conn = call.rt, call.conn
    with rt.db.transaction() as session:
        archive.delete_cafe(session, _cafe(session, conn), call.args["confirm"])
    forget_deleted(rt.db.engine)
    rt.facilitator_hashes.pop(conn.cafe_id, None)
    rt.fanout.discard(conn.cafe_id)
    # No event can follow the café's own log: a last message tells every client it is gone.
    rt.socketio.emit("cafe_deleted", {}, to=room(conn.cafe_id))
    return {"ok": True}


# --- the catalogue ---------------------------------------------------------------------------

NOTE_ID: Spec = {"id": (str, True)}
PIN: Spec = {"id": (str, True), "pinned": (bool, True)}
PEOPLE: Spec = {"participant_ids": (list, True)}

COMMANDS: dict[str, Command] = {
    # Every role.
    "sync": _own(EVERYONE, {"since": (int, False)}, _sync, lock="read", team=WHOLE_TEAM),
    "clock": _own(EVERYONE, {"t0": ((int, float), True)}, _clock, lock="read", team=WHOLE_TEAM),
    # The facilitator's set-up.
    "update_cafe": _facilitator(
        {"title": (str, False), "settings": (dict, False)},
        lambda s, c, p, a: setup.update_cafe(s, c, title=a["title"], settings=a["settings"]),
    ),
    "add_topic": _facilitator(
        {
            "name": (str, True),
            "description": (str, False),
            "colour": (str, False),
            "tables": (int, False),
            "capacity": (int, False),
            "translations": (dict, False),
        },
        lambda s, c, p, a: setup.add_topic(
            s,
            c,
            name=a["name"],
            description=a["description"],
            colour=a["colour"],
            tables=a["tables"] or 0,
            capacity=a["capacity"],
            translations=a["translations"],
        ),
        ack=_topic_added,
    ),
    "update_topic": _facilitator(
        {
            "topic_id": (int, True),
            "name": (str, False),
            "description": (str, False),
            "colour": (str, False),
            "position": (int, False),
            "translations": (dict, False),
        },
        lambda s, c, p, a: setup.update_topic(
            s,
            c,
            a["topic_id"],
            name=a["name"],
            description=a["description"],
            colour=a["colour"],
            position=a["position"],
            translations=a["translations"],
        ),
    ),
    "remove_topic": _keeping_routes(
        {"topic_id": (int, True)}, lambda s, c, p, a: setup.remove_topic(s, c, a["topic_id"])
    ),
    "add_table": _facilitator(
        {"topic_id": (int, True), "label": (str, False), "capacity": (int, False)},
        lambda s, c, p, a: setup.add_table(s, c, topic_id=a["topic_id"], label=a["label"], capacity=a["capacity"]),
        ack=_table_added,
    ),
    "update_table": _keeping_routes(
        {"table_id": (int, True), "label": (str, False), "capacity": (int, False)},
        lambda s, c, p, a: setup.update_table(s, c, a["table_id"], label=a["label"], capacity=a["capacity"]),
    ),
    "remove_table": _keeping_routes(
        {"table_id": (int, True)}, lambda s, c, p, a: setup.remove_table(s, c, a["table_id"])
    ),
    "set_host": _keeping_routes(
        {"table_id": (int, True), "participant_id": (int, False)},
        lambda s, c, p, a: setup.set_host(s, c, a["table_id"], a["participant_id"]),
    ),
    "set_rounds": _keeping_routes({"rounds": (list, True)}, lambda s, c, p, a: setup.set_rounds(s, c, a["rounds"])),
    "set_participant": _facilitator(
        {
            "participant_id": (int, True),
            "stays_seated": (bool, False),
            "left": (bool, False),
            "languages": (list, False),
        },
        lambda s, c, p, a: setup.set_participant(
            s, c, a["participant_id"], stays_seated=a["stays_seated"], left=a["left"], languages=a["languages"]
        ),
    ),
    "remove_participants": _facilitator(
        PEOPLE, lambda s, c, p, a: setup.remove_participants(s, c, a["participant_ids"])
    ),
    "admit_participants": _facilitator(PEOPLE, lambda s, c, p, a: setup.admit_participants(s, c, a["participant_ids"])),
    # The door: people registered beforehand arrive; people not on the list walk in.
    "check_in": _facilitator(PEOPLE, lambda s, c, p, a: attendees.check_in(s, c, a["participant_ids"]), team=HELPS),
    "add_walk_in": _facilitator(
        {"name": (str, True), "languages": (list, False)},
        lambda s, c, p, a: attendees.walk_in(s, c, a["name"], a["languages"]),
        team=HELPS,
    ),
    "link_companions": _keeping_routes(PEOPLE, lambda s, c, p, a: setup.link_companions(s, c, a["participant_ids"])),
    "unlink_companion": _facilitator(
        {"participant_id": (int, True)}, lambda s, c, p, a: setup.unlink_companion(s, c, a["participant_id"])
    ),
    # The facilitator's clock and room.
    "open_cafe": _facilitator({}, lambda s, c, p, a: rounds.open_cafe(s, c)),
    "start_round": Command(FACILITATOR, {}, "seats", team=RUNS),
    "end_round": Command(FACILITATOR, {}, "seats", team=RUNS),
    "pause": _facilitator({}, lambda s, c, p, a: rounds.pause(s, c)),
    "resume": _facilitator({}, lambda s, c, p, a: rounds.resume(s, c)),
    "extend": _facilitator({"seconds": (int, True)}, lambda s, c, p, a: rounds.extend(s, c, a["seconds"])),
    "start_harvest": _facilitator({}, lambda s, c, p, a: rounds.start_harvest(s, c)),
    "close_cafe": _facilitator({}, lambda s, c, p, a: rounds.close_cafe(s, c)),
    "move_participant": _facilitator(
        {"participant_id": (int, True), "table_id": (int, True)},
        lambda s, c, p, a: seating.move_participant(s, c, a["participant_id"], a["table_id"]),
        team=HELPS,
    ),
    "announce": _facilitator(
        {"text": (str, True), "minutes": (int, False), "translations": (dict, False)},
        lambda s, c, p, a: rounds.announce(s, c, a["text"], minutes=a["minutes"], translations=a["translations"]),
    ),
    "clear_announcement": _facilitator({}, lambda s, c, p, a: rounds.clear_announcement(s, c)),
    "plan_preview": _own(FACILITATOR, {}, _plan_preview, lock="read"),
    "print_routes": _own(FACILITATOR, {"participant_ids": (list, False)}, _print_routes),
    "remove_photo": _facilitator(
        {"photo_id": (str, True)}, lambda s, c, p, a: photos.remove_photo(s, c, a["photo_id"])
    ),
    # Help for a table: the queue.
    "acknowledge_help": _facilitator(
        {"help_id": (int, True)},
        lambda s, c, p, a: tablehelp.acknowledge(s, c, a["help_id"]),
        team=HELPS,
    ),
    "close_help": _facilitator(
        {"help_id": (int, True)}, lambda s, c, p, a: tablehelp.close(s, c, a["help_id"]), team=HELPS
    ),
    # The facilitator's moderation.
    "hide_note": _facilitator(NOTE_ID, lambda s, c, p, a: notes.set_hidden(s, c, a["id"], True)),
    "restore_note": _facilitator(NOTE_ID, lambda s, c, p, a: notes.set_hidden(s, c, a["id"], False)),
    "spotlight": _facilitator(
        {"note_id": (str, False)}, lambda s, c, p, a: spotlight.spotlight(s, c, a["note_id"]), team=THEMES
    ),
    # The facilitator's café as a whole.
    "duplicate_cafe": _own(FACILITATOR, {"carry_top_notes": (int, False)}, _duplicate_cafe),
    "rotate_facilitator_link": _own(FACILITATOR, {}, _rotate_facilitator_link, team=OWNER),
    "delete_cafe": _own(FACILITATOR, {"confirm": (str, True)}, _delete_cafe, team=OWNER),
    # The team: links for co-facilitators, the theme team and helpers, and who did what.
    "create_team_link": _own(FACILITATOR, {"role": (str, True), "label": (str, False)}, _create_team_link, team=OWNER),
    "revoke_team_link": _own(FACILITATOR, {"link_id": (int, True)}, _revoke_team_link, team=OWNER),
    "team_links": _own(FACILITATOR, {}, _team_links, lock="read"),
    "suggest_themes": _own(FACILITATOR, {"topic_id": (int, True)}, _suggest_themes, lock="read", team=THEMES),
    "activity": _own(FACILITATOR, {}, _activity, lock="read"),
    # The theme team: themes of an area or across areas, and which note is in which.
    "create_theme": _grouping(
        {"name": (str, True), "topic_id": (int, False), "note_ids": (list, False)},
        lambda s, c, a, by: grouping.create_theme(
            s, c, name=a["name"], topic_id=a["topic_id"], note_ids=a["note_ids"], by=by
        ),
    ),
    "update_theme": _grouping(
        {"theme_id": (int, True), "name": (str, False), "topic_id": (int, False), "spans_areas": (bool, False)},
        lambda s, c, a, by: grouping.update_theme(
            s, c, a["theme_id"], name=a["name"], topic_id=a["topic_id"], spans_areas=bool(a["spans_areas"])
        ),
    ),
    "remove_theme": _grouping(
        {"theme_id": (int, True)}, lambda s, c, a, by: grouping.remove_theme(s, c, a["theme_id"])
    ),
    "merge_themes": _grouping(
        {"theme_id": (int, True), "into_id": (int, True)},
        lambda s, c, a, by: grouping.merge_themes(s, c, a["theme_id"], a["into_id"], by),
    ),
    "split_theme": _grouping(
        {"theme_id": (int, True), "note_ids": (list, True), "name": (str, True)},
        lambda s, c, a, by: grouping.split_theme(s, c, a["theme_id"], note_ids=a["note_ids"], name=a["name"], by=by),
    ),
    "assign_notes": _own(
        FACILITATOR,
        {"note_ids": (list, True), "theme_id": (int, False), "seen": (dict, False)},
        _assign_notes,
        team=THEMES,
    ),
    # The tablecloth (a phone; pinning also the facilitator).
    "add_note": _own(
        PHONE,
        {
            "id": (str, True),
            "table_id": (int, True),
            "round": (int, True),
            "text": (str, True),
            "colour": (str, False),
            "anonymous": (bool, False),
            "from_tablecloth": (bool, False),
        },
        _add_note,
        lock="person",
    ),
    "edit_note": _phone(
        {"id": (str, True), "text": (str, False), "colour": (str, False)},
        lambda s, c, p, a: notes.edit_note(s, c, p, a["id"], text=a["text"], colour=a["colour"]),
        lock="person",
    ),
    "delete_note": _phone(NOTE_ID, lambda s, c, p, a: notes.delete_note(s, c, p, a["id"]), lock="person"),
    "vote": _phone(
        {"note_id": (str, True), "phase": (str, False)},
        lambda s, c, p, a: notes.vote(s, c, p, a["note_id"], phase=a["phase"] or "round"),
        lock="person",
    ),
    "unvote": _phone(
        {"note_id": (str, True), "phase": (str, False)},
        lambda s, c, p, a: notes.vote(s, c, p, a["note_id"], phase=a["phase"] or "round", add=False),
        lock="person",
    ),
    # Harvest dots on the theme team's themes (from the same harvest budget).
    "vote_theme": _phone(
        {"theme_id": (int, True)}, lambda s, c, p, a: grouping.vote_theme(s, c, p, a["theme_id"]), lock="person"
    ),
    "unvote_theme": _phone(
        {"theme_id": (int, True)},
        lambda s, c, p, a: grouping.vote_theme(s, c, p, a["theme_id"], add=False),
        lock="person",
    ),
    # The host gives the dots of people without a phone, as they marked them on the paper.
    "paper_people": _own(PHONE, {}, _paper_people, lock="read"),
    "vote_for": _phone(
        {"note_id": (str, True), "participant_id": (int, True), "add": (bool, False)},
        lambda s, c, p, a: notes.vote_for(s, c, p, a["participant_id"], a["note_id"], add=a["add"] is not False),
    ),
    "pin_note": Command(
        PHONE | FACILITATOR,
        PIN,
        "person",
        action=lambda s, c, p, a: notes.pin_note(s, c, p, a["id"], a["pinned"]),
        team=RUNS,
    ),
    # The phone, outside the tablecloth.
    "sign_up": _phone(
        {"topic_id": (int, True), "name": (str, False), "contact": (str, False), "consent": (bool, False)},
        lambda s, c, p, a: signups.sign_up(
            s, c, p, topic_id=a["topic_id"], name=a["name"], contact=a["contact"], consent=a["consent"]
        ),
    ),
    "withdraw_signup": _phone(
        {"topic_id": (int, True)}, lambda s, c, p, a: signups.withdraw(s, c, p, topic_id=a["topic_id"])
    ),
    "choose_host_table": _phone(
        {"table_id": (int, False)}, lambda s, c, p, a: setup.choose_host_table(s, c, p, a["table_id"])
    ),
    "ask_help": _phone(
        {"table_id": (int, True), "need": (str, True), "language": (str, False)},
        lambda s, c, p, a: tablehelp.ask(s, c, p, a["table_id"], a["need"], a["language"]),
    ),
    "write_summary": _phone(
        {"table_id": (int, True), "round": (int, True), "text": (str, True)},
        lambda s, c, p, a: notes.write_summary(
            s, c, p, table_id=a["table_id"], round_number=a["round"], text=a["text"]
        ),
    ),
}
