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


class Guard:
    """All of a process's abuse counters, sized by configuration."""

    def __init__(self, *, wrong_codes_per_minute: int, wrong_secrets_per_cafe: int,
                 commands_per_second: float, command_burst: int,
                 connections_per_address: int) -> None:
        self.wrong_by_address = FailureWindow(wrong_codes_per_minute)
        self.wrong_by_cafe = FailureWindow(wrong_secrets_per_cafe)
        self.commands_by_socket = Limiter(commands_per_second, command_burst)
        # An address may hold many phones (a venue behind one NAT): a looser shared budget.
        self.commands_by_address = Limiter(commands_per_second * 20, command_burst * 20)
        self.connections_per_address = connections_per_address
        self.connections: dict[str, int] = {}

    def connect(self, address: str) -> bool:
        """Count a new socket from `address`; False when the address has too many."""
        if self.connections.get(address, 0) >= self.connections_per_address:
            return False
        self.connections[address] = self.connections.get(address, 0) + 1
        return True

    def disconnect(self, address: str) -> None:
        """A socket from `address` closed."""
        left = self.connections.get(address, 0) - 1
        if left > 0:
            self.connections[address] = left
        else:
            self.connections.pop(address, None)

    def command(self, sid: str, address: str) -> bool:
        """Whether this socket (and its address) may send another command now."""
        return self.commands_by_socket.allow(sid) and self.commands_by_address.allow(address)

    def forget(self, sid: str) -> None:
        """Drop a closed socket's bucket."""
        self.commands_by_socket.buckets.pop(sid, None)
