"""Socket.IO glue: authenticate the connection, check a command's sender and payload against its
record in `cafe.commands`, and run it; heartbeats and the socket-level guards."""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from flask import Flask, abort, request
from flask_socketio import SocketIO, join_room
from socketio import packet
from socketio.exceptions import ConnectionRefusedError
from sqlalchemy import select

from cafe import i18n, wire
from cafe.app import Connection, Runtime, runtime
from cafe.commands import COMMANDS, Ack, Call, Command, Spec, run
from cafe.db import once_more_on_conflict
from cafe.events import Role, person_room, room, team_room
from cafe.models import Cafe, now_ms
from cafe.services import attendees, cafes, eventlog, participants, team
from cafe.services.errors import DomainError, Forbidden, Invalid

log = logging.getLogger("cafe.realtime")


def refused(code: str, lang: str = "en", **params: object) -> Ack:
    """The ack of a refused command, worded in `lang`."""
    return {"ok": False, "error": DomainError(code, **params).as_dict(i18n.words_in(lang))}


def _conn(rt: Runtime) -> Connection:
    """This socket's identity, fixed at connect."""
    conn = rt.connections.get(request.sid)  # type: ignore[attr-defined]
    if conn is None:
        raise Forbidden("not_connected")
    return conn


MAX_SAFE_INT = 2**53 - 1


def parse(payload: Any, spec: Spec) -> dict[str, Any]:
    """Check a command payload against {field: (types, required)}; unknown fields are refused."""
    if payload is None:
        payload = {}
    if payload == wire.TOO_DEEP:
        raise Invalid("payload_too_deep")
    if not isinstance(payload, dict):
        raise Invalid("payload_not_object")
    unknown = sorted(set(payload) - set(spec))
    if unknown:
        raise Invalid("unknown_fields", fields=", ".join(map(str, unknown))[:200])
    out: dict[str, Any] = {}
    for name, (types, required) in spec.items():
        if name not in payload or payload[name] is None:
            if required:
                raise Invalid("field_required", field=name)
            out[name] = None
            continue
        value = payload[name]
        # bool is an int in Python; a JSON true must not pass as a number.
        if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
            raise Invalid("field_type", field=name)
        if not isinstance(value, types):
            raise Invalid("field_type", field=name)
        # Beyond JavaScript's safe integers no client meant it, and the database cannot hold it.
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INT:
            raise Invalid("field_range", field=name)
        out[name] = value
    return out


def command(handler: Callable[..., Ack]) -> Callable[..., Ack]:
    """Turn domain errors into `{ok: false, error}` and never let a trace reach the client."""

    @functools.wraps(handler)
    def wrapper(*args: Any) -> Ack:
        try:
            rt = runtime()
            conn = rt.connections.get(request.sid)  # type: ignore[attr-defined]
            lang = conn.lang if conn is not None else "en"
            # Over the command budget: nothing happens.
            if conn is not None and not rt.guard.command(request.sid, conn.address):  # type: ignore[attr-defined]
                return refused("rate_limited", lang)
            return once_more_on_conflict(lambda: handler(*args))
        except DomainError as exc:
            return {"ok": False, "error": exc.as_dict(i18n.words_in(lang))}
        except Exception:  # the connection must survive anything a client sends
            log.exception("command %s failed", handler.__name__)
            return refused("internal", lang)

    return wrapper


def _allowed(rt: Runtime, record: Command) -> Connection:
    """This socket's identity, if its role may send the command (a facilitator: on a live link;
    someone on the team: a command their link allows, on a link still open)."""
    conn = _conn(rt)
    if conn.link_id is not None:
        if conn.rights not in record.team:
            raise Forbidden("not_for_your_link")
        if not _team_link_open(rt, conn.link_id):
            raise Forbidden("team_link_revoked")
        return conn
    if conn.role not in record.roles or (conn.role == "phone" and conn.participant_id is None):
        raise Forbidden("facilitator_only" if record.roles == {"facilitator"} else "phone_only")
    if conn.role == "facilitator":
        current = _facilitator_hash(rt, conn.cafe_id)
        if current is None or current != conn.secret_hash:
            raise Forbidden("link_rotated")
    return conn


def _handler(name: str, record: Command) -> Callable[..., Ack]:
    """The Socket.IO handler of one command: check the sender and the payload, then run it."""

    def handler(payload: Any = None) -> Ack:
        rt = runtime()
        conn = _allowed(rt, record)
        args = parse(payload, record.spec)
        return run(name, record, Call(rt, conn, request.sid, args))  # type: ignore[attr-defined]

    handler.__name__ = f"on_{name}"
    return command(handler)


LINK_CHECK_SECONDS = 1.0


def _team_link_open(rt: Runtime, link_id: int) -> bool:
    # As for the facilitator's link: closed in this process, at once; elsewhere, within a second.
    cached = rt.team_links.get(link_id)
    now = time.monotonic()
    if cached is not None and (not cached[0] or now - cached[1] < LINK_CHECK_SECONDS):
        return cached[0]
    with rt.db.reading() as session:
        open_now = team.alive(session, link_id)
    rt.team_links[link_id] = (open_now, now)
    return open_now


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


def address() -> str:
    """The client's network address (behind a trusted proxy, from X-Forwarded-For)."""
    return request.remote_addr or "unknown"


THROTTLED = "Too many wrong tries from this network: wait a minute."


@dataclass(frozen=True)
class Who:
    """Who a connecting socket turned out to be."""

    cafe: Cafe
    role: Role
    participant_id: int | None = None
    rights: str = ""
    link_id: int | None = None
    name: str = ""


def _authenticate(rt: Runtime, auth: Any, where: str) -> Who:
    """Who connects. A right facilitator link or phone token always gets in, checked before any
    throttle: guesses from elsewhere (or from here) never lock out the rightful. Everything else
    from an address that guessed too much is refused; a wrong link slows its own address for
    this café, more with each try (docs/security.md)."""
    if not isinstance(auth, dict):
        raise Invalid("bad_auth")
    role = auth.get("role")
    blocked = rt.guard.wrong_by_address.blocked(where)
    with rt.db.reading() as session:
        if role == "facilitator":
            code = cafes.normalise_code(auth.get("cafe"))
            try:
                who = _facilitator_or_team(session, code, auth)
            except Forbidden as exc:
                if exc.code != "wrong_facilitator_link":
                    raise
                key = (code, where)
                if blocked or rt.guard.wrong_by_cafe.wait(key) > 0:
                    raise Forbidden("throttled") from None
                rt.guard.wrong_by_cafe.fail(key)
                raise
            rt.guard.wrong_by_cafe.succeed((code, where))
            return who
        if role not in ("board", "phone"):
            raise Invalid("unknown_role")
        try:
            cafe = cafes.find_cafe(session, auth.get("cafe"))
            if role == "phone":
                person = participants.authenticate(session, cafe, auth.get("token"))
                return Who(cafe, "phone", person.id)
        except DomainError:
            if blocked:
                raise Forbidden("throttled") from None
            raise
        if blocked:  # a board needs only the code: the very thing this address was guessing
            raise Forbidden("throttled")
        return Who(cafe, "board")


def _facilitator_or_team(session: Any, code: str, auth: dict[str, Any]) -> Who:
    """The facilitator's link, else a team link (whose user must have typed their name)."""
    secret = auth.get("secret")
    try:
        cafe = cafes.check_facilitator(session, code, secret)
    except Forbidden:
        cafe, link = team.check_link(session, code, secret)
        view: Role = "facilitator" if link.role == "cofacilitator" else "staff"
        return Who(cafe, view, rights=link.role, link_id=link.id, name=team.member_name(auth.get("name")))
    name = auth.get("name")
    return Who(cafe, "facilitator", rights="facilitator", name=team.member_name(name) if name else "")


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
        # To this process's sockets only: every process with sockets of the café beats its own,
        # after flushing what it holds for them.
        rt.socketio.emit("heartbeat", {"seq": seq, "server_now": now_ms()}, to=room(cid), ignore_queue=True)


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
        # Forget the session now: Engine.IO keeps a closed long-polling session until its next
        # GET, and a POST in between (a page's second goodbye, its beacon and its request) met a
        # KeyError and a stack trace. Gone from the table, it is answered 400 "Invalid session".
        server.eio.sockets.pop(eio_sid, None)
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
    conn = rt.connections.get(sid) if sid is not None else None
    lang = conn.lang if conn is not None else "en"
    if sid is not None and not rt.guard.command(sid, where):
        ack = refused("rate_limited", lang)
    else:
        log.info("refused %s: %d characters, over the limit", name, len(data))
        ack = refused("too_large", lang)
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


def _socket_path_is_not_a_page() -> NoReturn:
    # Socket.IO's middleware answers /socket.io/... before Flask sees it; only a bare /socket.io
    # (no slash) gets here, and is answered by the app's own not-found page, as before the route.
    abort(404)


def route_socket_path(app: Flask) -> None:
    """Give the socket path a route, so that each socket event's request context matches it.

    Flask-SocketIO runs every event inside a request context built from the socket's handshake
    (/socket.io/). With no route there, each event raised and kept a NotFound whose traceback
    ties the context, the request and the routing frames into a cycle: ~50 objects of cyclic
    garbage per command, most of what the young collections had to find (docs/architecture.md,
    "Garbage collection in a process of a thousand sockets").
    """
    # Two rules: Werkzeug matches a websocket handshake (Upgrade: websocket) only to a websocket
    # rule, and a polling request only to a plain one. Without the slash it matches too, rather
    # than raising a redirect (clients that leave it off).
    for endpoint, websocket in (("socket_path", False), ("socket_path_ws", True)):
        app.add_url_rule(
            "/socket.io/",
            endpoint=endpoint,
            view_func=_socket_path_is_not_a_page,
            websocket=websocket,
            strict_slashes=False,
        )


def register(socketio: SocketIO, rt: Runtime) -> None:
    """Attach the handlers to this app's Socket.IO server."""
    guard_sessions(socketio, rt)

    @socketio.on("connect")
    def on_connect(auth: Any = None) -> None:
        rt = runtime()
        where = address()
        lang = i18n.request_language(auth.get("lang") if isinstance(auth, dict) else None)
        try:
            who = _authenticate(rt, auth, where)
            cafe, role, participant_id = who.cafe, who.role, who.participant_id
        except DomainError as exc:
            if exc.kind in ("not_found", "forbidden"):
                rt.guard.wrong_by_address.record(where)
            error = exc.as_dict(i18n.words_in(lang))
            raise ConnectionRefusedError(error["message"], error) from None
        if not rt.guard.connect(where):
            error = refused("too_many_connections", lang)["error"]
            raise ConnectionRefusedError(error["message"], error)
        rt.connections[request.sid] = Connection(  # type: ignore[attr-defined]
            cafe_id=cafe.id,
            code=cafe.code,
            role=role,
            participant_id=participant_id,
            address=where,
            secret_hash=cafe.facilitator_hash if who.rights == "facilitator" else None,
            lang=lang,
            rights=who.rights,
            link_id=who.link_id,
            who=who.name,
        )
        join_room(room(cafe.id))
        join_room(room(cafe.id, role))
        if participant_id is not None:
            join_room(person_room(cafe.id, participant_id))
        if who.link_id is not None:  # so that closing the link reaches its sockets at once
            join_room(team_room(who.link_id))
        rt.local_cafes[cafe.id] = rt.local_cafes.get(cafe.id, 0) + 1
        if rt.config.heartbeat_seconds > 0 and not rt.heartbeat_started:
            rt.heartbeat_started = True
            rt.socketio.start_background_task(_heartbeat_loop, rt)
        if participant_id is not None:
            with rt.db.transaction() as session:  # its commit publishes the presence change
                _events, expected = participants.phone_connected(session, participant_id)
                if expected:  # registered beforehand, and their phone opened their personal link
                    attendees.arrive_by_phone(session, participant_id)

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

    for name, record in COMMANDS.items():
        socketio.on_event(name, _handler(name, record))

    @socketio.on("*")
    @command
    def on_unknown(event: str, *_args: Any) -> Ack:
        """Anything else is refused by name, and the connection stays up."""
        conn = runtime().connections.get(request.sid)  # type: ignore[attr-defined]
        return refused("unknown_command", conn.lang if conn is not None else "en", name=str(event)[:40])
