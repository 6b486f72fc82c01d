"""Abuse guards of one process: wrong-code throttling, command rate limits, connection caps.

Join codes are locators, not secrets: 190 million codes cannot be guessed at a few dozen
tries a minute. Counters live in the process (a socket lives in exactly one process); with
several processes each enforces its own share, which only makes the limits looser by that
factor, never stricter.
"""

from __future__ import annotations

import time
from collections import deque

from cafe.ratelimit import Limiter


class FailureWindow:
    """Counts failures per key over a sliding window; a key at the limit is blocked."""

    def __init__(self, limit: int, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self.failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        stamps = self.failures.setdefault(key, deque())
        while stamps and stamps[0] <= now - self.window_s:
            stamps.popleft()
        return stamps

    def blocked(self, key: str, now: float | None = None) -> bool:
        """Whether `key` has failed `limit` times within the window."""
        now = time.monotonic() if now is None else now
        return len(self._recent(key, now)) >= self.limit

    def record(self, key: str, now: float | None = None) -> None:
        """Count one failure for `key`."""
        now = time.monotonic() if now is None else now
        stamps = self._recent(key, now)
        if len(stamps) < self.limit * 2:  # bounded memory even under a flood
            stamps.append(now)
        if len(self.failures) > 100_000:  # forget the oldest keys rather than grow forever
            for stale in list(self.failures)[:10_000]:
                del self.failures[stale]


class Backoff:
    """Per key, a few free failures, then a wait that doubles with each further one (capped).

    Keys are (café, address): a guesser slows only themselves. The person with the right
    passcode or link, from another address, is never held back by someone else's guesses.
    """

    def __init__(self, free: int, first_wait: float, longest_wait: float, forget_after: float = 3600.0) -> None:
        self.free = free
        self.first_wait = first_wait
        self.longest_wait = longest_wait
        self.forget_after = forget_after
        self.state: dict[object, tuple[int, float, float]] = {}  # key -> (failures, next try, last)

    def wait(self, key: object, now: float | None = None) -> float:
        """Seconds before `key` may try again (0: now)."""
        now = time.monotonic() if now is None else now
        failures, next_try, last = self.state.get(key, (0, 0.0, 0.0))
        if failures and now - last > self.forget_after:
            self.state.pop(key, None)
            return 0.0
        return max(0.0, next_try - now)

    def fail(self, key: object, now: float | None = None) -> None:
        """Count one failure of `key`; past the free ones, the next try waits longer."""
        now = time.monotonic() if now is None else now
        failures = self.state.get(key, (0, 0.0, 0.0))[0] + 1
        extra = failures - self.free
        wait = min(self.longest_wait, self.first_wait * 2 ** (extra - 1)) if extra > 0 else 0.0
        self.state[key] = (failures, now + wait, now)
        if len(self.state) > 100_000:  # bounded memory under a flood: forget the oldest
            for stale in list(self.state)[:10_000]:
                del self.state[stale]

    def succeed(self, key: object) -> None:
        """The right answer: forget the key's failures."""
        self.state.pop(key, None)


class Guard:
    """All of a process's abuse counters, sized by configuration."""

    def __init__(
        self,
        *,
        wrong_codes_per_minute: int,
        wrong_secrets_free: int,
        commands_per_second: float,
        command_burst: int,
        connections_per_address: int,
        joins_per_minute: float = 60.0,
        join_burst: int = 100,
    ) -> None:
        self.wrong_by_address = FailureWindow(wrong_codes_per_minute)
        # Wrong facilitator links and passcodes per (café, address): after `wrong_secrets_free`,
        # each try waits twice as long as the last, up to a minute.
        self.wrong_by_cafe = Backoff(free=wrong_secrets_free, first_wait=1.0, longest_wait=60.0)
        # Successful joins per address: a venue's Wi-Fi puts a hundred phones behind one
        # address, so the burst is a room's worth; a script gets no further than that.
        self.joins_by_address = Limiter(joins_per_minute / 60.0, join_burst)
        self.commands_by_socket = Limiter(commands_per_second, command_burst)
        # An address may hold many phones (a venue behind one NAT): a looser shared budget.
        self.commands_by_address = Limiter(commands_per_second * 20, command_burst * 20)
        self.connections_per_address = connections_per_address
        self.connections: dict[str, int] = {}
        # Engine.IO sessions per address, counted at the handshake: sessions that never send
        # the Socket.IO connect (and so never reach `connect`) count too.
        self.sessions: dict[str, int] = {}

    def _take(self, counts: dict[str, int], address: str) -> bool:
        if counts.get(address, 0) >= self.connections_per_address:
            return False
        counts[address] = counts.get(address, 0) + 1
        return True

    @staticmethod
    def _give(counts: dict[str, int], address: str) -> None:
        left = counts.get(address, 0) - 1
        if left > 0:
            counts[address] = left
        else:
            counts.pop(address, None)

    def handshake(self, address: str) -> bool:
        """Count a new Engine.IO session from `address` (before any Socket.IO connect)."""
        return self._take(self.sessions, address)

    def session_closed(self, address: str) -> None:
        """An Engine.IO session from `address` ended."""
        self._give(self.sessions, address)

    def connect(self, address: str) -> bool:
        """Count a new socket from `address`; False when the address has too many.

        Behind the handshake count this only binds where sockets skip Engine.IO's handshake
        (Flask-SocketIO's test client); it also gives the refusal its `too_many_connections`."""
        return self._take(self.connections, address)

    def disconnect(self, address: str) -> None:
        """A socket from `address` closed."""
        self._give(self.connections, address)

    def command(self, sid: str, address: str) -> bool:
        """Whether this socket (and its address) may send another command now."""
        return self.commands_by_socket.allow(sid) and self.commands_by_address.allow(address)

    def forget(self, sid: str) -> None:
        """Drop a closed socket's bucket."""
        self.commands_by_socket.buckets.pop(sid, None)
