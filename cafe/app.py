"""World Café, live: `create_app(config)` builds the Flask app and its Socket.IO server."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_babel import Babel
from flask_socketio import SocketIO
from werkzeug.middleware.proxy_fix import ProxyFix

from cafe import events, i18n, outqueue, pubsub, rotation, slices, wire, wsdeflate
from cafe.config import Config
from cafe.db import Database
from cafe.engine import EngineProcess
from cafe.fanout import Fanout
from cafe.guard import Guard
from cafe.plans import Planner
from cafe.ratelimit import Limiter

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED_LANGUAGES = list(i18n.LANGUAGES)


# How many times max_payload_bytes a message may be before Engine.IO drops the connection.
OVERSIZE_WALL = 16


@dataclass(frozen=True)
class Connection:
    """Who a socket is, fixed at connect from its `auth` payload (never from the socket id)."""

    cafe_id: int
    code: str
    role: str
    participant_id: int | None
    address: str = ""
    # The facilitator link's hash at connect: a rotated link ends the old sockets' rights.
    secret_hash: str | None = None
    # The language refusals are worded in: `auth.lang`, else the handshake's page language.
    lang: str = "en"
    # What this socket may do on the facilitator's side: "facilitator", or a team link's role
    # (cofacilitator, theme, helper) with its link and the name its user typed ("" otherwise).
    rights: str = ""
    link_id: int | None = None
    who: str = ""


@dataclass
class Runtime:
    """What the glue needs at hand: settings, the database, the socket server, local presence."""

    config: Config
    db: Database
    socketio: SocketIO
    # The sockets this process holds, and how many per café (for heartbeats). Per process
    # by nature: a socket lives in exactly one process.
    connections: dict[str, Connection] = field(default_factory=dict)
    local_cafes: dict[int, int] = field(default_factory=dict)
    heartbeat_started: bool = False
    # Engine.IO sessions of this process: eio sid -> (address, monotonic time opened).
    sessions: dict[str, tuple[str, float]] = field(default_factory=dict)
    sweeper_started: bool = False
    # café id -> (facilitator link hash, monotonic time read): every facilitator command checks
    # the link, and reading it at most once a second keeps that check off the database.
    facilitator_hashes: dict[int, tuple[str | None, float]] = field(default_factory=dict)
    # team link id -> (still open, monotonic time read): the same for team links.
    team_links: dict[int, tuple[bool, float]] = field(default_factory=dict)
    note_limiter: Limiter = field(init=False)
    guard: Guard = field(init=False)
    fanout: Fanout = field(init=False)
    planner: Planner = field(init=False)
    # café id -> monotonic time from which its next seating may be planned ahead
    preplan_at: dict[int, float] = field(default_factory=dict)
    # café id -> monotonic time this process last told the others to plan ahead
    preplan_hinted: dict[int, float] = field(default_factory=dict)
    # The mixing engine's process (cafe/engine.py), started on first use.
    engine: EngineProcess = field(default_factory=EngineProcess)

    def __post_init__(self) -> None:
        self.fanout = Fanout(
            self.socketio, self.config.phone_batch_ms, notices=pubsub.notices(self.socketio.server.manager)
        )
        self.planner = Planner(self.run_cpu, self.socketio.server.eio.create_event)
        self.note_limiter = Limiter(self.config.note_rate, self.config.note_burst)
        self.guard = Guard(
            wrong_codes_per_minute=self.config.wrong_codes_per_minute,
            wrong_secrets_free=self.config.wrong_secrets_free,
            commands_per_second=self.config.commands_per_second,
            command_burst=self.config.command_burst,
            connections_per_address=self.config.connections_per_address,
            joins_per_minute=self.config.joins_per_minute,
            join_burst=self.config.join_burst,
        )

    def run_cpu(self, fn: Callable[..., T], *args: Any) -> T:
        """Run CPU-heavy pure work (the mixing engine) off the event loop, so sockets stay served."""
        if self.config.async_mode == "gevent":
            # In a process of its own: in a thread it held the GIL, and every socket waited.
            result: T = self.engine(fn, *args)
            return result
        if self.config.async_mode == "eventlet":
            from eventlet import tpool

            return tpool.execute(fn, *args)  # type: ignore[no-any-return]
        return fn(*args)

    def plan(self, problem: rotation.Problem) -> rotation.Plan:
        """Seat the remaining rounds with the mixing engine (once per distinct problem)."""
        return self.planner(problem)


def runtime(app: Flask | None = None) -> Runtime:
    """The Runtime of `app` (or of the current app)."""
    target = app if app is not None else current_app
    rt: Runtime = target.extensions["cafe"]
    return rt


def _locale() -> str | None:
    return i18n.select_locale() if request else i18n.DEFAULT


def create_app(config: Config | None = None) -> Flask:
    """Build the app: configuration, database, Babel, pages and socket handlers."""
    from cafe import flow, realtime, web  # they import Runtime from this module

    config = config or Config.from_env()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(
        SECRET_KEY=config.effective_secret_key(),
        TESTING=config.testing,
        MAX_CONTENT_LENGTH=config.max_payload_bytes,
        JSON_SORT_KEYS=False,
    )
    logging.getLogger("cafe").setLevel(config.log_level)
    Babel(app, locale_selector=_locale)
    # A lone process writes a big room's messages in slices, so a burst to the phones never
    # holds the board's next event (cafe/slices.py); with Redis the manager also carries
    # notices that every process acts on (cafe/pubsub.py).
    chosen = pubsub.client_manager(
        config.message_queue, config.queue_channel, slices.SlicedManager, urgent=events.is_screen_room
    )
    queue: dict[str, Any] = (
        {"client_manager": chosen}
        if chosen is not None
        else {"message_queue": config.message_queue, "channel": config.queue_channel}
    )
    socketio = SocketIO(
        app,
        async_mode=config.async_mode,
        **queue,
        # The hard wall, where Engine.IO closes the connection. Below it and above
        # max_payload_bytes, a command is answered `too_large` (realtime.guard_sessions).
        max_http_buffer_size=config.max_payload_bytes * OVERSIZE_WALL,
        ping_interval=config.ping_interval,
        ping_timeout=config.ping_timeout,
        # None keeps engine.io's same-origin check; a list admits exactly those origins.
        cors_allowed_origins=config.allowed_origins or None,
        logger=False,
        engineio_logger=False,
        json=wire,
        # A command runs in the greenlet that read it, not in one spawned for it: one wait for a
        # hub turn less on every note's path, which beside a café of 1,000 phones is where a
        # small café's tail went (bench/README.md, "Neighbours"). A socket's commands run one
        # after another, in the order sent; a long one holds only its own socket.
        async_handlers=False,
    )
    # Each socket's writer waits for its next packet without arming a timer (cafe/outqueue.py).
    outqueue.untimed_writer_waits(socketio)
    # Browsers' compression: each message compressed once for all sockets (cafe/wsdeflate.py).
    wsdeflate.install(config.max_payload_bytes * OVERSIZE_WALL)
    app.extensions["cafe"] = Runtime(config=config, db=Database(config.database_url), socketio=socketio)
    if config.trust_proxy:
        # Behind a reverse proxy the client's address is in X-Forwarded-For; outside the
        # Socket.IO middleware, so sockets and pages see the same address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    rt = app.extensions["cafe"]
    rt.db.on_commit = functools.partial(flow.published, rt)
    flow.listen(rt)
    web.register(app)
    realtime.register(socketio, rt)
    realtime.route_socket_path(app)
    return app
