"""Configuration from CAFE_* environment variables (the only way to configure the app)."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

# Where a laptop install keeps its SQLite file and demo link: <repo>/instance by default.
DEFAULT_INSTANCE_DIR = str(Path(__file__).resolve().parent.parent / "instance")


def _env(name: str, default: str) -> str:
    """Read CAFE_<name> from the environment, falling back to a default."""
    return os.environ.get(f"CAFE_{name}", default)


def _env_int(name: str, default: int) -> int:
    """Read an integer CAFE_<name>, refusing garbage with a clear message."""
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"CAFE_{name} must be a whole number, got {raw!r}") from None


def _env_float(name: str, default: float) -> float:
    """Read a decimal CAFE_<name>, refusing garbage with a clear message."""
    raw = _env(name, str(default))
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"CAFE_{name} must be a number, got {raw!r}") from None


def _env_list(name: str) -> list[str]:
    """Read a comma-separated CAFE_<name>."""
    raw = _env(name, "")
    return [part.strip() for part in raw.split(",") if part.strip()]


@dataclass
class Config:
    """Every setting the app reads; `Config.from_env()` is what run.py uses."""

    instance_dir: str = DEFAULT_INSTANCE_DIR
    database_url: str = ""
    secret_key: str = ""
    async_mode: str = "gevent"
    message_queue: str | None = None
    queue_channel: str = "cafe"
    public_url: str | None = None
    allowed_origins: list[str] = field(default_factory=list)
    heartbeat_seconds: int = 5
    # Engine.IO liveness: a socket that misses a pong for ping_interval + ping_timeout is closed.
    ping_interval: float = 25.0
    ping_timeout: float = 20.0
    sync_max_events: int = 500
    # Phones get a café's events at most once per this many ms, batched (cafe/fanout.py).
    phone_batch_ms: int = 200
    # Plan a café's next seating this long after the last change to who or what is in it,
    # so that the facilitator's click seats everyone at once (cafe/plans.py); 0 turns it off.
    preplan_seconds: float = 1.0
    max_payload_bytes: int = 64 * 1024
    note_rate: float = 1.0
    note_burst: int = 5
    trust_proxy: bool = False
    wrong_codes_per_minute: int = 30
    # Wrong facilitator links or passcodes one address may try on one café before each further
    # try waits (1 s, 2 s, 4 s... up to a minute).
    wrong_secrets_free: int = 10
    commands_per_second: float = 10.0
    command_burst: int = 40
    connections_per_address: int = 500
    # Successful joins per address: a sustained rate and a burst a whole room behind one NAT fits in.
    joins_per_minute: float = 60.0
    # An Engine.IO session must send the Socket.IO connect within this many seconds, and a
    # client must send an HTTP request's line and headers within this many, or it is closed.
    connect_grace_seconds: float = 10.0
    # Whether anyone who reaches the start page may create (or import) a café: yes on a laptop
    # in the room; a server on the internet sets CAFE_OPEN_CREATION=0.
    open_creation: bool = True
    # With creation closed, whoever has this key still creates cafés (the start page asks for it;
    # POST /api/cafes takes it as a bearer token): a hosted server's facilitators.
    creation_key: str | None = None
    # An import (a template or a full export) may be this large; everything else stays at
    # max_payload_bytes.
    max_import_bytes: int = 2_000_000
    join_burst: int = 100
    log_level: str = "INFO"
    # A server process runs Python's full garbage collection itself, this often (cafe/collector.py);
    # 0 leaves it to Python (which, with a thousand sockets, pauses the process every few seconds).
    gc_full_seconds: float = 600.0
    testing: bool = False

    @classmethod
    def from_env(cls) -> Config:
        """Build the configuration from CAFE_* variables."""
        instance_dir = _env("INSTANCE_DIR", DEFAULT_INSTANCE_DIR)
        return cls(
            instance_dir=instance_dir,
            database_url=_env("DATABASE_URL", f"sqlite:///{instance_dir}/cafe.db"),
            secret_key=_env("SECRET_KEY", ""),
            async_mode=_env("ASYNC_MODE", cls.async_mode),
            message_queue=_env("MESSAGE_QUEUE", "") or None,
            queue_channel=_env("QUEUE_CHANNEL", cls.queue_channel),
            public_url=(_env("PUBLIC_URL", "") or None),
            allowed_origins=_env_list("ALLOWED_ORIGINS"),
            heartbeat_seconds=_env_int("HEARTBEAT_SECONDS", cls.heartbeat_seconds),
            ping_interval=_env_float("PING_INTERVAL", cls.ping_interval),
            ping_timeout=_env_float("PING_TIMEOUT", cls.ping_timeout),
            sync_max_events=_env_int("SYNC_MAX_EVENTS", cls.sync_max_events),
            phone_batch_ms=_env_int("PHONE_BATCH_MS", cls.phone_batch_ms),
            preplan_seconds=_env_float("PREPLAN_SECONDS", cls.preplan_seconds),
            max_payload_bytes=_env_int("MAX_PAYLOAD_BYTES", cls.max_payload_bytes),
            note_rate=_env_float("NOTE_RATE", cls.note_rate),
            note_burst=_env_int("NOTE_BURST", cls.note_burst),
            trust_proxy=_env("TRUST_PROXY", "0") in ("1", "true", "yes"),
            wrong_codes_per_minute=_env_int("WRONG_CODES_PER_MINUTE", cls.wrong_codes_per_minute),
            wrong_secrets_free=_env_int("WRONG_SECRETS_FREE", cls.wrong_secrets_free),
            commands_per_second=_env_float("COMMANDS_PER_SECOND", cls.commands_per_second),
            command_burst=_env_int("COMMAND_BURST", cls.command_burst),
            connections_per_address=_env_int("CONNECTIONS_PER_ADDRESS", cls.connections_per_address),
            joins_per_minute=_env_float("JOINS_PER_MINUTE", cls.joins_per_minute),
            connect_grace_seconds=_env_float("CONNECT_GRACE_SECONDS", cls.connect_grace_seconds),
            open_creation=_env("OPEN_CREATION", "1") not in ("0", "false", "no"),
            creation_key=_env("CREATION_KEY", "") or None,
            max_import_bytes=_env_int("MAX_IMPORT_BYTES", cls.max_import_bytes),
            join_burst=_env_int("JOIN_BURST", cls.join_burst),
            log_level=_env("LOG_LEVEL", cls.log_level).upper(),
            gc_full_seconds=_env_float("GC_FULL_SECONDS", cls.gc_full_seconds),
        )

    def as_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (for app.config)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def effective_secret_key(self) -> str:
        """The Flask secret key; a random one per process when none is configured."""
        # Nothing the app keeps in Flask's cookie session outlives a restart, so a random
        # key is safe for a laptop; multi-process deployments must set CAFE_SECRET_KEY.
        return self.secret_key or secrets.token_hex(32)


def config_for_tests(database_url: str, **overrides: Any) -> Config:
    """The configuration the test-suite uses: threading mode, no Redis, fast heartbeat."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": "test-secret-key",
        "async_mode": "threading",
        "heartbeat_seconds": 0,  # tests call realtime.beat() themselves
        # The test client reads what was emitted right after each command; the batching
        # itself is tested on its own and by the real-server tests.
        "phone_batch_ms": 0,
        "preplan_seconds": 0,  # tests call flow.preplan() themselves
        "gc_full_seconds": 0,  # a test process keeps Python's own collection
        "testing": True,
        "public_url": "http://cafe.test",
    }
    values.update(overrides)
    return Config(**values)


def log_to_stderr(level: str) -> None:
    """Show the app's own log lines (round changes, failures) on stderr, as servers do."""
    logger = logging.getLogger("cafe")
    if any(getattr(h, "cafe_stderr", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.cafe_stderr = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False  # a host that configured the root logger would print it twice
