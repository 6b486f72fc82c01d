"""Start World Café, live on this machine: `python run.py [--demo] [--host H] [--port P]`."""

# The async library must patch the standard library before anything else imports it.
import os

ASYNC_MODE = os.environ.get("CAFE_ASYNC_MODE", "gevent")
if ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()
elif ASYNC_MODE == "eventlet":
    import eventlet

    eventlet.monkey_patch()
    # psycopg recognises gevent's patching but not eventlet's: its default C wait would block
    # the whole process during every PostgreSQL round trip (a stalled database froze every
    # socket). select() is eventlet's after the patch, so this wait lets other sockets run.
    os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

import argparse  # noqa: E402
import errno  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import qrcode  # noqa: E402

from cafe import collector, scheduler  # noqa: E402
from cafe.app import create_app, runtime  # noqa: E402
from cafe.config import Config, log_to_stderr  # noqa: E402
from cafe.migrate import upgrade  # noqa: E402
from cafe.services import cafes, participants  # noqa: E402


def lan_address() -> str:
    """This machine's address on the local network (what phones in the room can reach)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        # A UDP "connect" sends no packet; it only asks the OS which interface would route
        # to a non-local address, and that interface's address is the one phones can reach.
        probe.connect(("192.0.2.1", 9))
        address = probe.getsockname()[0]
    except OSError:
        address = ""
    finally:
        probe.close()
    if not address or address.startswith("127."):
        try:
            address = socket.gethostbyname(socket.gethostname())
        except OSError:
            address = "127.0.0.1"
    return address


def demo_secret(session: object, instance_dir: str, demo: object) -> str:
    """The demo café's facilitator secret, kept in the instance folder so restarts reuse it."""
    # Only a hash is in the database; keeping the demo's secret in a private file means a
    # restart (or a crash and restart mid-round) does not lock the facilitator out.
    path = Path(instance_dir) / f"demo-{demo.code}.secret"  # type: ignore[attr-defined]
    if path.exists():
        secret = path.read_text().strip()
        if cafes.hash_secret(secret) == demo.facilitator_hash:  # type: ignore[attr-defined]
            return secret
    secret = cafes.rotate_facilitator_secret(session, demo)  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(secret)
    return secret


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options; each has a CAFE_* environment default."""
    parser = argparse.ArgumentParser(description="Run World Café, live.")
    parser.add_argument(
        "--host",
        default=os.environ.get("CAFE_HOST", "0.0.0.0"),
        help="address to listen on (default 0.0.0.0, every interface)",
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("CAFE_PORT", "5000")), help="port to listen on (default 5000)"
    )
    parser.add_argument("--demo", action="store_true", help="open the MA SEN demo café (created on first use)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Migrate, optionally open the demo café, print the links and serve."""
    args = parse_args(argv)
    config = Config.from_env()
    config.async_mode = ASYNC_MODE
    log_to_stderr(config.log_level)
    # The instance folder holds the database and the demo's link: its owner's eyes only.
    os.makedirs(config.instance_dir, mode=0o700, exist_ok=True)
    os.chmod(config.instance_dir, 0o700)
    lan_base = f"http://{lan_address()}:{args.port}"
    if config.public_url is None:
        config.public_url = lan_base
    app = create_app(config)
    rt = runtime(app)
    upgrade(rt.db.engine)
    with rt.db.transaction() as session:
        if config.message_queue is None:
            # Alone, this process held every socket; none survived the restart.
            participants.reset_presence(session)
        demo_link = None
        if args.demo:
            demo = cafes.find_demo(session) or cafes.create_demo(session).cafe
            session.flush()
            demo_link = (demo.code, demo_secret(session, config.instance_dir, demo))

    base = config.public_url.rstrip("/")
    print(f"\nWorld Café, live is running ({ASYNC_MODE}).", flush=True)
    print(f"  Start page:        {base}/")
    if demo_link:
        code, secret = demo_link
        join = f"{base}/j/{code}"
        print(f"\n  Demo café {code}: MA SEN strategy areas, 14 tables, 4 rounds")
        print(f"  Phones join at:    {join}")
        qr = qrcode.QRCode(border=1)
        qr.add_data(join)
        qr.print_ascii(out=sys.stdout, invert=True)
        print(f"  Projector board:   {base}/b/{code}")
        print(f"  Facilitator (keep it private): {base}/f/{code}#{secret}")
    scheduler.start(rt)
    collector.start(rt)  # last: what exists now is frozen out of every collection
    print("\n  Press Ctrl+C to stop.\n", flush=True)
    try:
        # Slow clients are cut off while they dawdle over a request's head (gevent only).
        extra: dict[str, object] = {}
        if ASYNC_MODE == "gevent":
            from cafe.patience import patient_handler

            extra["handler_class"] = patient_handler(config.connect_grace_seconds)
        rt.socketio.run(
            app,
            host=args.host,
            port=args.port,
            log_output=config.log_level == "DEBUG",
            allow_unsafe_werkzeug=True,
            **extra,
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(f"Port {args.port} is already in use: try --port {args.port + 1}.", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
