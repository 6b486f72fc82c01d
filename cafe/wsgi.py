"""The WSGI entry point for gunicorn: `gunicorn -k gevent -w 1 --bind 127.0.0.1:5001 cafe.wsgi:app`.

One gunicorn worker per process (Socket.IO sessions live in one process); run several
processes on several ports with `CAFE_MESSAGE_QUEUE` set and a load balancer in front
(docs/deploy.md). Configuration comes from CAFE_* variables, as for run.py.
"""

# gunicorn's gevent worker patches the standard library before it loads this module; patching
# here as well (a no-op then) keeps the module safe to import from any other gevent server.
from gevent import monkey

monkey.patch_all()

from flask import Flask  # noqa: E402

from cafe import collector, scheduler  # noqa: E402
from cafe.app import create_app, runtime  # noqa: E402
from cafe.config import Config, log_to_stderr  # noqa: E402
from cafe.migrate import upgrade  # noqa: E402
from cafe.services import participants  # noqa: E402


def build() -> Flask:
    """Create the app, apply migrations and start this process's deadline loop."""
    config = Config.from_env()
    config.async_mode = "gevent"  # the only async mode gunicorn's gevent worker can serve
    log_to_stderr(config.log_level)
    application = create_app(config)
    rt = runtime(application)
    upgrade(rt.db.engine)
    if config.message_queue is None:
        # Alone, this process held every socket; none survived the restart.
        with rt.db.transaction() as session:
            participants.reset_presence(session)
    scheduler.start(rt)
    collector.start(rt)  # last: what exists now is frozen out of every collection
    return application


app = build()
