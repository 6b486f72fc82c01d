"""The command line of bench/live.py: presets, options, one configuration end to end, the JSON line."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.livebench.measure import CafeResult, log, result_line
from bench.livebench.neighbours import finish, neighbours_run
from bench.livebench.processes import Postgres, ServerProcess, raise_file_limit, start_cafe, start_relay, stop_all
from bench.livebench.runs import cafe_run, close_all, floor_run, quiet, rehearse
from tests.wire import WS_CHOICE, WS_IMPL, Stats

# --config: a load and a setup, each overridable by its own option.
PRESETS: dict[str, dict[str, Any]] = {
    "laptop": {"phones": 1000, "processes": 1, "db": "sqlite", "notes_per_s": 20.0, "async_mode": "gevent"},
    "multi": {"phones": 2000, "processes": 2, "db": "postgresql", "notes_per_s": 20.0, "async_mode": "gevent"},
    "eventlet": {"phones": 100, "processes": 1, "db": "sqlite", "notes_per_s": 20.0, "async_mode": "eventlet"},
    # One café of 1,000 phones at 20 notes/s beside ten of 30 at 1 note/s (bench/livebench/neighbours.py);
    # its sizes are fixed, `phones` is their sum. With --processes 2: PostgreSQL, Redis, sticky by café.
    "neighbours": {"phones": 1300, "processes": 1, "db": "sqlite", "notes_per_s": 30.0, "async_mode": "gevent"},
}
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
DEMO_SEATS = 70


# --------------------------------------------------------------------------------------------
# Orchestration: start servers, run both halves, print the line


def bench(config: str, args: argparse.Namespace) -> dict[str, Any]:
    """One configuration: the café, then the floor, in the same run."""
    stats = Stats()
    workdir = Path(tempfile.mkdtemp(prefix="cafe-bench-"))
    pg: Postgres | None = None
    servers: list[ServerProcess] = []
    cafe: CafeResult | None = None
    floor_p99: float | None = None
    queue = args.redis if args.processes > 1 else None
    try:
        if args.url:
            urls = [args.url.rstrip("/")]
            if not (args.code and args.secret):
                raise SystemExit("--url needs --code and --secret (the facilitator secret)")
            code, secret, pids = args.code, args.secret, list(args.server_pid or [])
        else:
            if args.db == "postgresql":
                pg = Postgres(args.database_url)
                database_url = pg.create()
                log(f"PostgreSQL schema {pg.schema}")
            else:
                database_url = f"sqlite:///{workdir / 'cafe.db'}"
            if args.processes > 1 and not queue:
                raise SystemExit("--processes > 1 needs --redis")
            servers, code, secret = start_cafe(args, workdir, database_url, queue)
            args.pg_url = database_url if pg else None
            args.queue_url = queue
            urls = [s.url for s in servers]
            pids = [s.proc.pid for s in servers if s.proc]
            log(
                f"café server(s) {', '.join(urls)} ({args.async_mode}, {args.db}"
                f"{', redis' if queue else ''}), logs in {workdir}"
            )

        if config == "neighbours":

            async def run_neighbours() -> dict[str, Any]:
                line = await neighbours_run(urls, code, secret, args, pids, stats)
                if servers:
                    stop_all(servers)
                await finish(neighbours_run.clients)  # type: ignore[attr-defined]
                return line

            neighbours = asyncio.run(run_neighbours())
            stop_all(servers)
            if stats.failure_codes:
                log(f"failures: {dict(stats.failure_codes.most_common(12))}")
            neighbours["errors"] = stats.errors
            return neighbours

        async def run_cafe() -> CafeResult:
            result = await cafe_run(urls, code, secret, args, pids, stats)
            quiet(result.clients)  # type: ignore[attr-defined]
            if servers:
                stop_all(servers)  # stop first: 1,000 goodbyes would only load the server
            await close_all(result.clients)  # type: ignore[attr-defined]
            return result

        cafe = asyncio.run(run_cafe())
        stop_all(servers)
        if pg:
            pg.drop()
            pg = None

        if not args.no_floor:
            relays = start_relay(args, workdir, queue)
            servers = relays
            log(f"relay server(s) {', '.join(r.url for r in relays)}")

            async def run_floor() -> float | None:
                value = await floor_run([r.url for r in relays], args, stats, [r.proc.pid for r in relays if r.proc])
                quiet(floor_run.clients)  # type: ignore[attr-defined]
                stop_all(relays)
                await close_all(floor_run.clients)  # type: ignore[attr-defined]
                return value

            floor_p99 = asyncio.run(run_floor())
    finally:
        stop_all(servers)
        if pg:
            pg.drop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if stats.failure_codes:
        log(f"failures: {dict(stats.failure_codes.most_common(12))}")
    return result_line(config, args, stats, cafe, floor_p99)


# --------------------------------------------------------------------------------------------
# The command line


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The options, with the preset's values (then the defaults) where none was given."""
    parser = argparse.ArgumentParser(description="Load-test World Café, live (see bench/README.md).")
    parser.add_argument("--config", choices=sorted(PRESETS), help="a preset (overridable below)")
    parser.add_argument("--phones", type=int, help="simulated phones (default 50)")
    parser.add_argument("--processes", type=int, help="server processes (default 1)")
    parser.add_argument("--notes-per-s", type=float, help="total note rate (default 20)")
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="how long notes are posted (default 30; rehearsal: how long it lasts, 60)",
    )
    parser.add_argument("--async-mode", choices=["gevent", "eventlet"], help="CAFE_ASYNC_MODE")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], help="database (default sqlite)")
    parser.add_argument(
        "--database-url", default=DEFAULT_PG, help="PostgreSQL database; a fresh schema is created in it and dropped"
    )
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="Redis for CAFE_MESSAGE_QUEUE")
    parser.add_argument(
        "--table-capacity", type=int, default=5, help="seats per table the facilitator adds (default 5)"
    )
    parser.add_argument(
        "--connect-concurrency", type=int, default=50, help="phones joining/connecting at once (default 50)"
    )
    parser.add_argument(
        "--no-spoof-addresses",
        dest="spoof_addresses",
        action="store_false",
        help="do not give each phone its own X-Forwarded-For address",
    )
    parser.add_argument(
        "--ws",
        choices=sorted(WS_IMPL),
        default="raw",
        help="websocket client: the lean built-in one (default), the same offering permessage-deflate as browsers do (raw-deflate), or the websockets package",
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the relay (floor) half")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with server logs")
    parser.add_argument("--url", help="use a running server instead of starting one")
    parser.add_argument("--code", help="café code (with --url)")
    parser.add_argument("--secret", help="facilitator secret (with --url, not rehearsing)")
    parser.add_argument(
        "--server-pid", type=int, action="append", help="with --url: server pid(s) to sample RSS/CPU from"
    )
    parser.add_argument(
        "--rehearse", action="store_true", help="fill a real café (--url, --code) with simulated phones"
    )
    parser.add_argument("--notes-per-phone", type=int, default=3, help="rehearsal: notes per phone")
    args = parser.parse_args(argv)
    args.pg_url = args.queue_url = None  # set once the servers run: what StoreWrites reads
    preset = PRESETS.get(args.config or "", {})
    for name, default in (
        ("phones", 50),
        ("processes", 1),
        ("notes_per_s", 20.0),
        ("async_mode", "gevent"),
        ("db", "sqlite"),
    ):
        if getattr(args, name) is None:
            setattr(args, name, preset.get(name, default))
    if args.seconds is None:
        args.seconds = 60.0 if args.rehearse else 30.0
    for name in ("phones", "processes", "connect_concurrency", "table_capacity"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 < args.notes_per_s <= 1000 or not 0 < args.seconds <= 3600:
        parser.error("--notes-per-s must be in (0, 1000] and --seconds in (0, 3600]")
    if not 1 <= args.table_capacity <= 50:
        parser.error("--table-capacity must be 1-50")
    for url in filter(None, [args.url]):
        host = urlsplit(url).hostname
        if args.rehearse is False and host not in ("127.0.0.1", "localhost"):
            parser.error("benchmarks only target 127.0.0.1 (use --rehearse for a real café)")
    if args.rehearse and not (args.url and args.code):
        parser.error("--rehearse needs --url and --code")
    if args.processes > 1 and args.db != "postgresql" and not args.url:
        parser.error("several processes share the database: use --db postgresql")
    return args


def main(argv: list[str]) -> int:
    """Run one configuration (or a rehearsal) and print its JSON line on stdout."""
    args = parse_args(argv)
    WS_CHOICE[0] = args.ws
    raise_file_limit(max(4096, 2 * args.phones + 256))
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    if args.rehearse:
        line = asyncio.run(rehearse(args))
    else:
        line = bench(args.config or "custom", args)
    print(json.dumps(line), flush=True)
    return 0
