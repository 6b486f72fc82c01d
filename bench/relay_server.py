"""The floor for bench/live.py: a bare Flask-SocketIO relay with no database and no rules.

A client's `note` event is re-emitted to everyone in one room, shaped like the café's
`note_added` event, so the generator can compare the real server against the least any
Flask-SocketIO app on the same async stack can do.

    python bench/relay_server.py --port 5099 [--async-mode gevent|eventlet] [--message-queue redis://...]

Like run.py, the async library patches the standard library before anything else is imported.
"""

import os
import sys


def _async_mode(argv: list[str]) -> str:
    """The async mode from --async-mode (or CAFE_ASYNC_MODE), read before any other import."""
    for i, arg in enumerate(argv):
        if arg == "--async-mode" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--async-mode="):
            return arg.split("=", 1)[1]
    return os.environ.get("CAFE_ASYNC_MODE", "gevent")


ASYNC_MODE = _async_mode(sys.argv[1:])
if ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()
elif ASYNC_MODE == "eventlet":
    import eventlet

    eventlet.monkey_patch()

import argparse  # noqa: E402
import itertools  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

ROOM = "everyone"


def create_app(async_mode: str, message_queue: str | None, channel: str) -> tuple[Flask, SocketIO]:
    """The relay: connect (any auth), `note` -> re-emitted to the room, with an ack."""
    app = Flask(__name__)
    socketio = SocketIO(
        app,
        async_mode=async_mode,
        message_queue=message_queue,
        channel=channel,
        max_http_buffer_size=64 * 1024,
        logger=False,
        engineio_logger=False,
    )
    seq = itertools.count(1)

    @socketio.on("connect")
    def on_connect(auth: Any = None) -> None:
        join_room(ROOM)

    @socketio.on("sync")
    def on_sync(payload: Any = None) -> dict[str, Any]:
        return {"ok": True, "events": [], "server_now": int(time.time() * 1000)}

    @socketio.on("note")
    def on_note(payload: Any = None) -> dict[str, Any]:
        if not isinstance(payload, dict):
            return {"ok": False, "error": {"code": "bad_payload", "message": "object expected"}}
        now = int(time.time() * 1000)
        # Roughly the size and shape of the café's note_added event.
        note = {
            "id": payload.get("id"),
            "table_id": payload.get("table_id"),
            "round": payload.get("round"),
            "text": payload.get("text"),
            "colour": payload.get("colour") or "yellow",
            "author_id": 1,
            "author_name": "Bench phone",
            "pinned": False,
            "hidden": False,
            "votes": 0,
            "harvest_votes": 0,
            "created_at": now,
            "updated_at": now,
        }
        number = next(seq)
        socketio.emit("event", {"seq": number, "type": "note_added", "at": now, "data": {"note": note}}, to=ROOM)
        return {"ok": True, "seq": number, "note": note, "duplicate": False}

    @app.get("/healthz")
    def healthz() -> dict[str, bool]:
        return {"ok": True}

    return app, socketio


def main(argv: list[str]) -> int:
    """Serve the relay until stopped."""
    parser = argparse.ArgumentParser(description="Bare Flask-SocketIO relay (the bench floor).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--async-mode", default=ASYNC_MODE, choices=["gevent", "eventlet"])
    parser.add_argument("--message-queue", default=None, help="redis://... to fan out across processes")
    parser.add_argument("--channel", default="bench-relay")
    args = parser.parse_args(argv)
    app, socketio = create_app(args.async_mode, args.message_queue, args.channel)
    print(f"relay ({args.async_mode}) on {args.host}:{args.port}: Press Ctrl+C to stop.", flush=True)
    socketio.run(app, host=args.host, port=args.port, log_output=False, allow_unsafe_werkzeug=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
