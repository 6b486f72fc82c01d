"""Load generator for World Café, live: a real café over raw Socket.IO, and the bare floor.

    python bench/live.py --phones 50 --seconds 10            # quick check (SQLite, 1 process)
    python bench/live.py --config laptop                     # 1,000 phones, 1 gevent process, SQLite
    python bench/live.py --config multi                      # 2,000 phones, 2 processes, PostgreSQL + Redis
    python bench/live.py --config eventlet                   # 100 phones, CAFE_ASYNC_MODE=eventlet
    python bench/live.py --rehearse --url http://10.0.0.5:5000 --code ABC123 --phones 40

It runs in its own asyncio process and speaks Engine.IO v4 / Socket.IO v5 over a plain
websocket itself (tests/wire.py: a small RFC 6455 client of its own, or the `websockets`
package with `--ws websockets`), so that one process can hold thousands of sockets without
becoming the bottleneck. It prints ONE JSON line per run on stdout; progress and details go to
stderr. See bench/README.md for what each field means. The code is in bench/livebench/.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.livebench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
