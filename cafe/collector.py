"""Garbage collection for a server process that holds many sockets.

Python's automatic full collection walks every object the collector tracks. Each connected
socket keeps hundreds of them alive (its greenlets' frames, its WSGI environ, its queues), so
with 1,300 sockets one full collection stopped the whole process for 110-260 ms, every few
seconds while a thousand phones joined and every ~30 s while notes flowed: the small cafés'
worst notes beside a big café (bench/README.md, "Neighbours"). So a server process:

- freezes what exists once it is ready (modules, the app, its routes and models): never
  garbage, and no collection walks it again;
- turns the automatic full collection off; the young generations collect as before (they are
  what frees the short-lived cycles of each command);
- runs the full collection itself every `gc_full_seconds` (CAFE_GC_FULL_SECONDS, 600 by
  default): one pause of that size every ten minutes, logged, instead of dozens an hour at
  whatever moment the allocator picks. 0 keeps Python's own schedule.

Garbage in cycles that outlived two young collections (a closed socket's, mostly) waits for
that collection: memory, not correctness.
"""

from __future__ import annotations

import gc
import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cafe.app import Runtime

log = logging.getLogger("cafe.collector")

# The oldest generation runs when this many middle-generation collections have happened since
# the last one: never, in practice (one every few seconds would take centuries).
NEVER = 1_000_000_000


def settle(full_every_s: float) -> bool:
    """Freeze what exists now and stop automatic full collections; whether it did (0: no)."""
    if full_every_s <= 0:
        return False
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, NEVER)
    return True


def collect_full() -> tuple[int, float]:
    """One full collection of everything not frozen: (objects it freed, milliseconds it took)."""
    started = time.perf_counter()
    freed = gc.collect()
    return freed, (time.perf_counter() - started) * 1000


def start(rt: Runtime) -> bool:
    """Apply the policy to this server process and start its full-collection loop."""
    every = rt.config.gc_full_seconds
    if not settle(every):
        return False
    log.info("garbage collection: %d objects frozen, full collections every %g s", gc.get_freeze_count(), every)
    rt.socketio.start_background_task(_loop, rt, every)
    return True


def _loop(rt: Runtime, every: float) -> None:
    while True:
        rt.socketio.sleep(every)
        freed, ms = collect_full()
        log.info("full garbage collection: %d objects freed in %.0f ms", freed, ms)
