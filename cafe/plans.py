"""The mixing engine behind a small memo, so that a plan made ahead is a plan ready.

Planning 1,000 people takes a few hundred milliseconds. The engine is deterministic (the
seed is part of the problem), so a plan computed ahead of time for exactly the problem the
facilitator's click produces *is* the plan that click would compute: the glue plans ahead
when the room goes quiet (`flow.schedule_preplan`) and the click finds it here.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from cafe import rotation


class Waitable(Protocol):
    """An event of the server's async mode (gevent, eventlet or threading)."""

    def set(self) -> None: ...
    def wait(self, timeout: float | None = None) -> Any: ...


def fingerprint(problem: rotation.Problem) -> str:
    """A stable digest of everything the engine reads (its repr is built in a fixed order)."""
    return hashlib.sha256(repr(problem).encode()).hexdigest()


class Planner:
    """Plans a problem once: a repeat, or one already being planned, gets the same plan."""

    def __init__(
        self,
        run: Callable[[Callable[..., Any], rotation.Problem], rotation.Plan],
        make_event: Callable[[], Waitable],
        keep: int = 8,
    ) -> None:
        self.run = run
        self.make_event = make_event
        self.keep = keep
        self.lock = threading.Lock()
        self.done: OrderedDict[str, rotation.Plan] = OrderedDict()
        self.running: dict[str, Waitable] = {}
        self.computed = 0  # how many plans were actually computed (for tests and logs)
        self.last_seconds = 0.0  # how long the last one took

    def __call__(self, problem: rotation.Problem) -> rotation.Plan:
        """The plan of `problem`, from the memo when it was planned already."""
        key = fingerprint(problem)
        while True:
            with self.lock:
                if key in self.done:
                    self.done.move_to_end(key)
                    return self.done[key]
                other = self.running.get(key)
                if other is None:
                    mine = self.make_event()
                    self.running[key] = mine
                    break
            other.wait()  # the same problem is being planned (ahead): wait for it, not twice
        try:
            started = time.perf_counter()
            result = self.run(rotation.plan, problem)
            with self.lock:
                self.last_seconds = time.perf_counter() - started
                self.computed += 1
                self.done[key] = result
                while len(self.done) > self.keep:
                    self.done.popitem(last=False)
            return result
        finally:
            with self.lock:
                del self.running[key]
            mine.set()
