"""Socket.IO glue: authenticate the connection, validate a command, call a service, emit after commit."""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

from flask import request
from flask_socketio import SocketIO, join_room
from socketio import packet
from socketio.exceptions import ConnectionRefusedError
from sqlalchemy import select

from cafe import wire
from cafe.app import Connection, Runtime, runtime
from cafe.db import forget_deleted, once_more_on_conflict
from cafe.events import Event, Role, person_room, room, withhold
from cafe.flow import transition
from cafe.models import Cafe, Participant, now_ms
from cafe.services import (
    archive,
    cafes,
    eventlog,
    notes,
    participants,
    preview,
    rounds,
    seating,
    setup,
    signups,
    spotlight,
)
from cafe.services.errors import DomainError, Forbidden, Invalid
from cafe.services.snapshot import snapshot

log = logging.getLogger("cafe.realtime")

Ack = dict[str, Any]

# Over the command budget: nothing happened, the same answer wherever the budget is checked.
RATE_LIMITED: Ack = {
    "ok": False,
    "error": {"code": "rate_limited", "message": "Too many requests: slow down a little."},
}


def public_base(rt: Runtime) -> str:
    """The address people in the room use: CAFE_PUBLIC_URL (run.py sets the LAN address)."""
    return (rt.config.public_url or request.host_url).rstrip("/")


def here_base() -> str:
    """The address this person reached the server at: their own links (the facilitator's link,
    the board's) work where they opened the page, localhost included. Phones' links and the QR
    code keep `public_base`, the address the room can reach."""
    return request.host_url.rstrip("/")


def join_url(rt: Runtime, code: str) -> str:
    """The URL a phone opens to join (the QR code's target)."""
    return f"{public_base(rt)}/j/{code}"


def cafe_links(rt: Runtime, code: str, secret: str) -> dict[str, str]:
    """A new café's three links: the facilitator's and the board's where this person opened the
    page, the phones' where the room reaches the server."""
    base = here_base()
    return {"facilitator": f"{base}/f/{code}#{secret}", "board": f"{base}/b/{code}", "join": join_url(rt, code)}


def _conn(rt: Runtime) -> Connection:
    """This socket's identity, fixed at connect."""
    conn = rt.connections.get(request.sid)  # type: ignore[attr-defined]
    if conn is None:
        raise Forbidden("This connection is not signed in.", code="not_connected")
    return conn


MAX_SAFE_INT = 2**53 - 1


def parse(payload: Any, spec: dict[str, tuple[type | tuple[type, ...], bool]]) -> dict[str, Any]:
    """Check a command payload against {field: (types, required)}; unknown fields are refused."""
    if payload is None:
        payload = {}
    if payload == wire.TOO_DEEP:
        raise Invalid("The payload is nested too deeply to read.", code="bad_payload")
    if not isinstance(payload, dict):
        raise Invalid("The command's payload must be an object.", code="bad_payload")
    unknown = sorted(set(payload) - set(spec))
    if unknown:
        raise Invalid(f"Unknown field(s): {', '.join(map(str, unknown))[:200]}.", code="bad_payload")
    out: dict[str, Any] = {}
    for name, (types, required) in spec.items():
        if name not in payload or payload[name] is None:
            if required:
                raise Invalid(f"The field {name!r} is required.", code="bad_payload")
            out[name] = None
            continue
        value = payload[name]
        # bool is an int in Python; a JSON true must not pass as a number.
        if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
            raise Invalid(f"The field {name!r} has the wrong type.", code="bad_payload")
        if not isinstance(value, types):
            raise Invalid(f"The field {name!r} has the wrong type.", code="bad_payload")
        # Beyond JavaScript's safe integers no client meant it, and the database cannot hold it.
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INT:
            raise Invalid(f"The field {name!r} is out of range.", code="bad_payload")
        out[name] = value
    return out


def command(handler: Callable[..., Ack]) -> Callable[..., Ack]:
    """Turn domain errors into `{ok: false, error}` and never let a trace reach the client."""

    @functools.wraps(handler)
    def wrapper(*args: Any) -> Ack:
        try:
            rt = runtime()
            conn = rt.connections.get(request.sid)  # type: ignore[attr-defined]
            if conn is not None and not rt.guard.command(request.sid, conn.address):  # type: ignore[attr-defined]
                return RATE_LIMITED
            return once_more_on_conflict(lambda: handler(*args))
        except DomainError as exc:
            return {"ok": False, "error": exc.as_dict()}
        except Exception:  # the connection must survive anything a client sends
            log.exception("command %s failed", handler.__name__)
            return {
                "ok": False,
                "error": {"code": "internal", "message": "Something went wrong on the server. Please try again."},
            }

    return wrapper


Spec = dict[str, tuple[type | tuple[type, ...], bool]]
Action = Callable[[Any, Cafe, dict[str, Any]], list[Event]]

# Facilitator commands: payload spec and the service call. All are refused to other roles.
FACILITATOR_COMMANDS: dict[str, tuple[Spec, Action]] = {
    "update_cafe": (
        {"title": (str, False), "settings": (dict, False)},
        lambda s, c, a: setup.update_cafe(s, c, title=a["title"], settings=a["settings"]),
    ),
    "add_topic": (
        {
            "name": (str, True),
            "description": (str, False),
            "colour": (str, False),
            "tables": (int, False),
            "capacity": (int, False),
            "translations": (dict, False),
        },
        lambda s, c, a: setup.add_topic(
            s,
            c,
            name=a["name"],
            description=a["description"],
            colour=a["colour"],
            tables=a["tables"] or 0,
            capacity=a["capacity"],
            translations=a["translations"],
        ),
    ),
    "update_topic": (
        {
            "topic_id": (int, True),
            "name": (str, False),
            "description": (str, False),
            "colour": (str, False),
            "position": (int, False),
            "translations": (dict, False),
        },
        lambda s, c, a: setup.update_topic(
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
    "remove_topic": ({"topic_id": (int, True)}, lambda s, c, a: setup.remove_topic(s, c, a["topic_id"])),
    "add_table": (
        {"topic_id": (int, True), "label": (str, False), "capacity": (int, False)},
        lambda s, c, a: setup.add_table(s, c, topic_id=a["topic_id"], label=a["label"], capacity=a["capacity"]),
    ),
    "update_table": (
        {"table_id": (int, True), "label": (str, False), "capacity": (int, False)},
        lambda s, c, a: setup.update_table(s, c, a["table_id"], label=a["label"], capacity=a["capacity"]),
    ),
    "remove_table": ({"table_id": (int, True)}, lambda s, c, a: setup.remove_table(s, c, a["table_id"])),
    "set_host": (
        {"table_id": (int, True), "participant_id": (int, False)},
        lambda s, c, a: setup.set_host(s, c, a["table_id"], a["participant_id"]),
    ),
    "set_rounds": ({"rounds": (list, True)}, lambda s, c, a: setup.set_rounds(s, c, a["rounds"])),
    "set_participant": (
        {
            "participant_id": (int, True),
            "stays_seated": (bool, False),
            "left": (bool, False),
            "languages": (list, False),
        },
        lambda s, c, a: setup.set_participant(
            s, c, a["participant_id"], stays_seated=a["stays_seated"], left=a["left"], languages=a["languages"]
        ),
    ),
    "remove_participants": (
        {"participant_ids": (list, True)},
        lambda s, c, a: setup.remove_participants(s, c, a["participant_ids"]),
    ),
    "admit_participants": (
        {"participant_ids": (list, True)},
        lambda s, c, a: setup.admit_participants(s, c, a["participant_ids"]),
    ),
    "link_companions": (
        {"participant_ids": (list, True)},
        lambda s, c, a: setup.link_companions(s, c, a["participant_ids"]),
    ),
    "unlink_companion": (
        {"participant_id": (int, True)},
        lambda s, c, a: setup.unlink_companion(s, c, a["participant_id"]),
    ),
    "open_cafe": ({}, lambda s, c, a: rounds.open_cafe(s, c)),
    "pause": ({}, lambda s, c, a: rounds.pause(s, c)),
    "resume": ({}, lambda s, c, a: rounds.resume(s, c)),
    "extend": ({"seconds": (int, True)}, lambda s, c, a: rounds.extend(s, c, a["seconds"])),
    "start_harvest": ({}, lambda s, c, a: rounds.start_harvest(s, c)),
    "close_cafe": ({}, lambda s, c, a: rounds.close_cafe(s, c)),
    "move_participant": (
        {"participant_id": (int, True), "table_id": (int, True)},
        lambda s, c, a: seating.move_participant(s, c, a["participant_id"], a["table_id"]),
    ),
    "announce": (
        {"text": (str, True), "minutes": (int, False), "translations": (dict, False)},
        lambda s, c, a: rounds.announce(s, c, a["text"], minutes=a["minutes"], translations=a["translations"]),
    ),
    "clear_announcement": ({}, lambda s, c, a: rounds.clear_announcement(s, c)),
    "hide_note": ({"id": (str, True)}, lambda s, c, a: notes.set_hidden(s, c, a["id"], True)),
    "restore_note": ({"id": (str, True)}, lambda s, c, a: notes.set_hidden(s, c, a["id"], False)),
    "pin_note": (
        {"id": (str, True), "pinned": (bool, True)},
        lambda s, c, a: notes.pin_note(s, c, None, a["id"], a["pinned"]),
    ),
    "spotlight": ({"note_id": (str, False)}, lambda s, c, a: spotlight.spotlight(s, c, a["note_id"])),
}

PhoneAction = Callable[[Any, Cafe, Participant, dict[str, Any]], list[Event]]

# Commands a participant's phone sends about the tablecloth (add_note has its own handler).
PHONE_COMMANDS: dict[str, tuple[Spec, PhoneAction]] = {
    "edit_note": (
        {"id": (str, True), "text": (str, False), "colour": (str, False)},
        lambda s, c, p, a: notes.edit_note(s, c, p, a["id"], text=a["text"], colour=a["colour"]),
    ),
    "delete_note": ({"id": (str, True)}, lambda s, c, p, a: notes.delete_note(s, c, p, a["id"])),
    "vote": (
        {"note_id": (str, True), "phase": (str, False)},
        lambda s, c, p, a: notes.vote(s, c, p, a["note_id"], phase=a["phase"] or "round"),
    ),
    "unvote": (
        {"note_id": (str, True), "phase": (str, False)},
        lambda s, c, p, a: notes.vote(s, c, p, a["note_id"], phase=a["phase"] or "round", add=False),
    ),
    "pin_note": (
        {"id": (str, True), "pinned": (bool, True)},
        lambda s, c, p, a: notes.pin_note(s, c, p, a["id"], a["pinned"]),
    ),
    "sign_up": (
        {"topic_id": (int, True), "name": (str, False), "contact": (str, False)},
        lambda s, c, p, a: signups.sign_up(s, c, p, topic_id=a["topic_id"], name=a["name"], contact=a["contact"]),
    ),
    "withdraw_signup": (
        {"topic_id": (int, True)},
        lambda s, c, p, a: signups.withdraw(s, c, p, topic_id=a["topic_id"]),
    ),
    "choose_host_table": (
        {"table_id": (int, False)},
        lambda s, c, p, a: setup.choose_host_table(s, c, p, a["table_id"]),
    ),
    "write_summary": (
        {"table_id": (int, True), "round": (int, True), "text": (str, True)},
        lambda s, c, p, a: notes.write_summary(
            s, c, p, table_id=a["table_id"], round_number=a["round"], text=a["text"]
        ),
    ),
}
ADD_NOTE_SPEC: Spec = {
    "id": (str, True),
    "table_id": (int, True),
    "round": (int, True),
    "text": (str, True),
    "colour": (str, False),
    "anonymous": (bool, False),
}


@command
def on_duplicate_cafe(payload: Any = None) -> Ack:
    """`duplicate_cafe {carry_top_notes?}`: Day 2 from Day 1; answers the new café's links."""
    rt = runtime()
    conn = _facilitator(rt)
    args = parse(payload, {"carry_top_notes": (int, False)})
    with rt.db.transaction() as session:
        cafe = session.get(Cafe, conn.cafe_id)
        if cafe is None:
            raise Invalid("This café no longer exists.", code="not_found")
        created = archive.duplicate(session, cafe, carry_top_notes=args["carry_top_notes"] or 0)
    links = cafe_links(rt, created.cafe.code, created.facilitator_secret)
    return {"ok": True, "code": created.cafe.code, "join_url": links["join"], "facilitator_url": links["facilitator"]}


@command
def on_plan_preview(payload: Any = None) -> Ack:
    """`plan_preview {}`: how good the next click's seating is, before anyone sits down."""
    rt = runtime()
    conn = _facilitator(rt)
    parse(payload, {})
    with rt.db.reading() as session:
        cafe = session.get(Cafe, conn.cafe_id)
        if cafe is None:
            raise Invalid("This café no longer exists.", code="not_found")
        upcoming = preview.next_problem(session, cafe)
    if upcoming is None:
        return {"ok": True, "preview": None}
    number, problem = upcoming
    if not problem.people:
        return {"ok": True, "preview": preview.empty(number, problem)}
    # The same plan the click will use (the planner remembers it), made off the event loop.
    plan = seating.plan_all(problem, rt.plan)
    return {"ok": True, "preview": preview.summary(number, problem, plan)}


@command
def on_rotate_facilitator_link(payload: Any = None) -> Ack:
    """`rotate_facilitator_link {}`: a new secret link; every socket on the old one loses its rights."""
    rt = runtime()
    conn = _facilitator(rt)
    parse(payload, {})
    with rt.db.transaction() as session:
        cafe = eventlog.lock_cafe(session, conn.cafe_id)
        if cafe is None:
            raise Invalid("This café no longer exists.", code="not_found")
        secret = cafes.rotate_facilitator_secret(session, cafe)
        new_hash = cafe.facilitator_hash
    # This socket carries on with the new link; the others are refused from their next command.
    rt.facilitator_hashes[conn.cafe_id] = (new_hash, time.monotonic())
    rt.connections[request.sid] = replace(conn, secret_hash=new_hash)  # type: ignore[attr-defined]
    rt.socketio.emit("facilitator_link_rotated", {}, to=room(conn.cafe_id, "facilitator"), skip_sid=request.sid)  # type: ignore[attr-defined]
    return {"ok": True, "facilitator_url": f"{here_base()}/f/{conn.code}#{secret}"}


@command
def on_delete_cafe(payload: Any = None) -> Ack:
    """`delete_cafe {confirm: CODE}`: the café and everything in it are gone; sockets close."""
    rt = runtime()
    conn = _facilitator(rt)
    args = parse(payload, {"confirm": (str, True)})
    with rt.db.transaction() as session:
        cafe = session.get(Cafe, conn.cafe_id)
        if cafe is None:
            raise Invalid("This café no longer exists.", code="not_found")
        archive.delete_cafe(session, cafe, args["confirm"])
    forget_deleted(rt.db.engine)
    rt.facilitator_hashes.pop(conn.cafe_id, None)
    rt.fanout.discard(conn.cafe_id)
    # No event can follow the café's own log: a last message tells every client it is gone.
    rt.socketio.emit("cafe_deleted", {}, to=room(conn.cafe_id))
    return {"ok": True}


# These change seats: the mixing engine plans outside the transaction (scheduler.transition).
SEATED_COMMANDS = ("start_round", "end_round")


def _facilitator(rt: Runtime) -> Connection:
    conn = _conn(rt)
    if conn.role != "facilitator":
        raise Forbidden("Only the facilitator can do that.")
    current = _facilitator_hash(rt, conn.cafe_id)
    if current is None or current != conn.secret_hash:
        raise Forbidden("This facilitator link has been replaced: open the new link.", code="link_rotated")
    return conn


LINK_CHECK_SECONDS = 1.0


def _facilitator_hash(rt: Runtime, cafe_id: int) -> str | None:
    # A link rotated in this process counts at once; one rotated in another process within
    # LINK_CHECK_SECONDS, when the cached hash is read again.
    cached = rt.facilitator_hashes.get(cafe_id)
    now = time.monotonic()
    if cached is not None and now - cached[1] < LINK_CHECK_SECONDS:
        return cached[0]
    with rt.db.reading() as session:
        current = session.scalar(select(Cafe.facilitator_hash).where(Cafe.id == cafe_id))
    rt.facilitator_hashes[cafe_id] = (current, now)
    return current


def _phone(rt: Runtime) -> Connection:
    conn = _conn(rt)
    if conn.role != "phone" or conn.participant_id is None:
        raise Forbidden("Only a participant's phone can do that.")
    return conn


# The tablecloth's commands, many a second in a big room: they lock only the participant's row
# (one person's notes and dots stay serial) and take the café's lock late, when the event's
# `seq` is drawn. Holding the café's lock from the first statement made every note wait for
# every other across processes, each holding it for ~8 round trips (see docs/architecture.md).
TABLECLOTH_COMMANDS = frozenset({"add_note", "edit_note", "delete_note", "vote", "unvote", "pin_note"})


def _with_person(session: Any, conn: Connection, lock_cafe: bool = True) -> tuple[Cafe, Participant]:
    cafe = eventlog.lock_cafe(session, conn.cafe_id) if lock_cafe else session.get(Cafe, conn.cafe_id)
    person = session.get(Participant, conn.participant_id, with_for_update=not lock_cafe)
    if cafe is None or person is None or person.left_at_ms is not None:
        raise Forbidden("This phone is no longer part of the café.", code="unknown_participant")
    return cafe, person


def _phone_handler(name: str, spec: Spec, action: PhoneAction) -> Callable[..., Ack]:
    def handler(payload: Any = None) -> Ack:
        rt = runtime()
        conn = _phone(rt)
        args = parse(payload, spec)
        with rt.db.transaction() as session:
            cafe, person = _with_person(session, conn, lock_cafe=name not in TABLECLOTH_COMMANDS)
            events = action(session, cafe, person, args)
        return _done(events)

    handler.__name__ = f"on_{name}"
    return command(handler)


def _pin_handler() -> Callable[..., Ack]:
    """pin_note comes from a table host's phone or from the facilitator."""
    by_phone = _phone_handler("pin_note", *PHONE_COMMANDS["pin_note"])
    by_facilitator = _facilitator_handler("pin_note", *FACILITATOR_COMMANDS["pin_note"])

    def handler(payload: Any = None) -> Ack:
        conn = runtime().connections.get(request.sid)  # type: ignore[attr-defined]
        return by_facilitator(payload) if conn and conn.role == "facilitator" else by_phone(payload)

    return handler


@command
def on_add_note(payload: Any = None) -> Ack:
    """`add_note`: idempotent by the phone's note id; rate limited per participant."""
    rt = runtime()
    conn = _phone(rt)
    args = parse(payload, ADD_NOTE_SPEC)
    with rt.db.transaction() as session:
        cafe, person = _with_person(session, conn, lock_cafe=False)
        existing = session.get(notes.Note, notes.parse_id(args["id"]))
        # A retry of a note already stored is answered without spending the rate budget.
        if existing is None and not rt.note_limiter.allow(person.id):
            raise Invalid("You're writing fast! Wait a moment before the next note.", code="rate_limited")
        written = notes.add_note(
            session,
            cafe,
            person,
            note_id=args["id"],
            table_id=args["table_id"],
            round_number=args["round"],
            text=args["text"],
            colour=args["colour"],
            anonymous=bool(args["anonymous"]),
        )
    return {
        "ok": True,
        "seq": written.events[-1].seq if written.events else None,
        "note": written.note,
        "duplicate": written.duplicate,
    }


def _done(events: list[Event]) -> Ack:
    return {"ok": True, "seq": events[-1].seq if events else None}


def _created(name: str, events: list[Event]) -> Ack:
    """What a command that creates something made, by id, so a client need not search for it."""
    ack = _done(events)
    tables = [e.data["table"]["id"] for e in events if e.type == "table_added"]
    if name == "add_topic":
        topic = next(e.data["topic"]["id"] for e in events if e.type == "topic_added")
        ack.update(topic_id=topic, table_ids=tables)
    elif name == "add_table":
        ack["table_id"] = tables[0]
    return ack


def _facilitator_handler(name: str, spec: Spec, action: Action) -> Callable[..., Ack]:
    def handler(payload: Any = None) -> Ack:
        rt = runtime()
        conn = _facilitator(rt)
        args = parse(payload, spec)
        with rt.db.transaction() as session:
            cafe = eventlog.lock_cafe(session, conn.cafe_id)
            if cafe is None:
                raise Invalid("This café no longer exists.", code="not_found")
            events = action(session, cafe, args)
        return _created(name, events)

    handler.__name__ = f"on_{name}"
    return command(handler)


def _seated_handler(name: str) -> Callable[..., Ack]:
    def handler(payload: Any = None) -> Ack:
        rt = runtime()
        conn = _facilitator(rt)
        parse(payload, {})
        return _done(transition(rt, conn.cafe_id, name))

    handler.__name__ = f"on_{name}"
    return command(handler)


def address() -> str:
    """The client's network address (behind a trusted proxy, from X-Forwarded-For)."""
    return request.remote_addr or "unknown"


THROTTLED = "Too many wrong tries from this network: wait a minute."


def _authenticate(rt: Runtime, auth: Any, where: str) -> tuple[Cafe, Role, int | None]:
    """Who connects. A right facilitator link or phone token always gets in, checked before any
    throttle: guesses from elsewhere (or from here) never lock out the rightful. Everything else
    from an address that guessed too much is refused; a wrong link slows its own address for
    this café, more with each try (docs/security.md)."""
    if not isinstance(auth, dict):
        raise Invalid("Connect with {cafe, role} and your token or secret.", code="bad_auth")
    role = auth.get("role")
    blocked = rt.guard.wrong_by_address.blocked(where)
    with rt.db.reading() as session:
        if role == "facilitator":
            code = cafes.normalise_code(auth.get("cafe"))
            try:
                cafe = cafes.check_facilitator(session, code, auth.get("secret"))
            except Forbidden:
                key = (code, where)
                if blocked or rt.guard.wrong_by_cafe.wait(key) > 0:
                    raise Forbidden(THROTTLED, code="throttled") from None
                rt.guard.wrong_by_cafe.fail(key)
                raise
            rt.guard.wrong_by_cafe.succeed((code, where))
            return cafe, "facilitator", None
        if role not in ("board", "phone"):
            raise Invalid("Unknown role: use phone, board or facilitator.", code="bad_auth")
        try:
            cafe = cafes.find_cafe(session, auth.get("cafe"))
            if role == "phone":
                person = participants.authenticate(session, cafe, auth.get("token"))
                return cafe, "phone", person.id
        except DomainError:
            if blocked:
                raise Forbidden(THROTTLED, code="throttled") from None
            raise
        if blocked:  # a board needs only the code: the very thing this address was guessing
            raise Forbidden(THROTTLED, code="throttled")
        return cafe, "board", None


def _heartbeat_loop(rt: Runtime) -> None:
    """Every few seconds tell each café's sockets the latest `seq`, so a lost tail is noticed."""
    while True:
        rt.socketio.sleep(rt.config.heartbeat_seconds)
        beat(rt)


def beat(rt: Runtime) -> None:
    """Send one heartbeat `{seq, server_now}` to every café with sockets in this process."""
    cafe_ids = [cid for cid, n in list(rt.local_cafes.items()) if n > 0]
    if not cafe_ids:
        return
    with rt.db.reading() as session:
        seqs = {cid: eventlog.current_seq(session, cid) for cid in cafe_ids}
    for cid, seq in seqs.items():
        # Held phone events first: a heartbeat ahead of them would look like a gap.
        rt.fanout.flush(cid)
        rt.socketio.emit("heartbeat", {"seq": seq, "server_now": now_ms()}, to=room(cid))


def guard_sessions(socketio: SocketIO, rt: Runtime) -> None:
    """Count Engine.IO sessions per address at the handshake, and close the ones that never
    connect: 1,000 bare sessions from one address were accepted in 1.6 s before, and that
    address could still open normal sockets (the cap counted only Socket.IO connects)."""
    server = socketio.server
    opened = server._handle_eio_connect  # python-socketio's own handlers, kept and called
    closed = server._handle_eio_disconnect

    def on_handshake(eio_sid: str, environ: dict[str, Any]) -> Any:
        where = environ.get("REMOTE_ADDR") or "unknown"
        if not rt.guard.handshake(where):
            return False  # engine.io answers 401 and opens nothing
        rt.sessions[eio_sid] = (where, time.monotonic())
        if not rt.sweeper_started:
            rt.sweeper_started = True
            socketio.start_background_task(_sweep_sessions, socketio, rt)
        return opened(eio_sid, environ)

    def on_close(eio_sid: str, reason: Any = None) -> Any:
        entry = rt.sessions.pop(eio_sid, None)
        if entry is not None:
            rt.guard.session_closed(entry[0])
        return closed(eio_sid, reason)

    handle_message = server._handle_eio_message

    def on_message(eio_sid: str, data: Any) -> Any:
        limit = rt.config.max_payload_bytes
        if isinstance(data, str) and len(data) * 4 > limit and len(data.encode("utf-8", "replace")) > limit:
            return _refuse_oversize(socketio, rt, eio_sid, data)
        return handle_message(eio_sid, data)

    server.eio.on("connect", on_handshake)
    server.eio.on("disconnect", on_close)
    server.eio.on("message", on_message)


# A Socket.IO event packet's head: type 2, an optional namespace, the ack id, the event name.
_EVENT_HEAD = re.compile(r'2(?:(/[^,]{0,100}),)?(\d{1,15})\["([A-Za-z_]{1,40})"')


def _refuse_oversize(socketio: SocketIO, rt: Runtime, eio_sid: str, data: str) -> None:
    """Answer a command larger than max_payload_bytes with `too_large`, unread, and stay open.

    Only the packet's head is parsed (never the body): a command with an ack id gets its ack;
    anything else over the limit is dropped and logged (our clients send nothing of the kind).
    """
    server = socketio.server
    head = _EVENT_HEAD.match(data[:200])
    if head is None:
        log.warning("dropped an oversized message (%d characters) that is not a command", len(data))
        return
    namespace, ack_id, name = head.group(1) or "/", int(head.group(2)), head.group(3)
    sid = server.manager.sid_from_eio_sid(eio_sid, namespace)
    where = rt.sessions.get(eio_sid, ("unknown", 0.0))[0]
    if sid is not None and not rt.guard.command(sid, where):
        ack = RATE_LIMITED
    else:
        log.info("refused %s: %d characters, over the limit", name, len(data))
        ack = {"ok": False, "error": {"code": "too_large", "message": "That is too much to send at once."}}
    server._send_packet(eio_sid, server.packet_class(packet.ACK, namespace=namespace, data=[ack], id=ack_id))


def _sweep_sessions(socketio: SocketIO, rt: Runtime) -> None:
    """Close Engine.IO sessions that have not sent the Socket.IO connect within the grace."""
    server = socketio.server
    while True:
        socketio.sleep(1.0)
        limit = time.monotonic() - rt.config.connect_grace_seconds
        for eio_sid, (_where, at) in list(rt.sessions.items()):
            if at < limit and server.manager.sid_from_eio_sid(eio_sid, "/") is None:
                try:
                    server.eio.disconnect(eio_sid)
                except Exception:  # already gone: the disconnect handler forgets it
                    rt.sessions.pop(eio_sid, None)


def register(socketio: SocketIO, rt: Runtime) -> None:
    """Attach the handlers to this app's Socket.IO server."""
    guard_sessions(socketio, rt)

    @socketio.on("connect")
    def on_connect(auth: Any = None) -> None:
        rt = runtime()
        where = address()
        try:
            cafe, role, participant_id = _authenticate(rt, auth, where)
        except DomainError as exc:
            if exc.code in ("not_found", "forbidden", "unknown_participant"):
                rt.guard.wrong_by_address.record(where)
            raise ConnectionRefusedError(exc.message, exc.as_dict()) from None
        if not rt.guard.connect(where):
            raise ConnectionRefusedError(
                "Too many connections from this address.",
                {"code": "too_many_connections", "message": "Too many connections from this address."},
            )
        rt.connections[request.sid] = Connection(  # type: ignore[attr-defined]
            cafe_id=cafe.id,
            code=cafe.code,
            role=role,
            participant_id=participant_id,
            address=where,
            secret_hash=cafe.facilitator_hash if role == "facilitator" else None,
        )
        join_room(room(cafe.id))
        join_room(room(cafe.id, role))
        if participant_id is not None:
            join_room(person_room(cafe.id, participant_id))
        rt.local_cafes[cafe.id] = rt.local_cafes.get(cafe.id, 0) + 1
        if rt.config.heartbeat_seconds > 0 and not rt.heartbeat_started:
            rt.heartbeat_started = True
            rt.socketio.start_background_task(_heartbeat_loop, rt)
        if participant_id is not None:
            with rt.db.transaction() as session:  # its commit publishes the presence change
                participants.connected(session, participant_id)

    @socketio.on("disconnect")
    def on_disconnect(*_reason: Any) -> None:
        rt = runtime()
        conn = rt.connections.pop(request.sid, None)  # type: ignore[attr-defined]
        if conn is None:
            return
        rt.guard.disconnect(conn.address)
        rt.guard.forget(request.sid)  # type: ignore[attr-defined]
        rt.local_cafes[conn.cafe_id] = max(0, rt.local_cafes.get(conn.cafe_id, 1) - 1)
        if conn.participant_id is not None:
            with rt.db.transaction() as session:
                participants.disconnected(session, conn.participant_id)

    @socketio.on("sync")
    @command
    def on_sync(payload: Any = None) -> Ack:
        """`sync {since}` -> the missed events, or a fresh `state` when too far behind."""
        rt = runtime()
        args = parse(payload, {"since": (int, False)})
        conn = _conn(rt)
        role = cast(Role, conn.role)
        since = args["since"]
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
            cafe = session.get(Cafe, conn.cafe_id)
            if cafe is None:
                raise Invalid("This café no longer exists.", code="not_found")
            state = snapshot(session, cafe, role, join_url=join_url(rt, cafe.code), participant_id=conn.participant_id)
        return {"ok": True, "state": state, "server_now": now_ms()}

    @socketio.on("clock")
    @command
    def on_clock(payload: Any = None) -> Ack:
        """`clock {t0}` -> `{t0, server_now}`: the client works out its clock offset."""
        args = parse(payload, {"t0": ((int, float), True)})
        return {"ok": True, "t0": args["t0"], "server_now": now_ms()}

    for name, (spec, action) in FACILITATOR_COMMANDS.items():
        if name not in PHONE_COMMANDS:
            socketio.on_event(name, _facilitator_handler(name, spec, action))
    for name, (spec, phone_action) in PHONE_COMMANDS.items():
        if name not in FACILITATOR_COMMANDS:
            socketio.on_event(name, _phone_handler(name, spec, phone_action))
    socketio.on_event("pin_note", _pin_handler())
    socketio.on_event("add_note", on_add_note)
    socketio.on_event("duplicate_cafe", on_duplicate_cafe)
    socketio.on_event("delete_cafe", on_delete_cafe)
    socketio.on_event("rotate_facilitator_link", on_rotate_facilitator_link)
    socketio.on_event("plan_preview", on_plan_preview)
    for name in SEATED_COMMANDS:
        socketio.on_event(name, _seated_handler(name))

    @socketio.on("*")
    @command
    def on_unknown(event: str, *_args: Any) -> Ack:
        """Anything else is refused by name, and the connection stays up."""
        return {"ok": False, "error": {"code": "unknown_command", "message": f"Unknown command {str(event)[:40]!r}."}}
