"""A token bucket: a sustained rate with a burst allowance. Pure; the caller keeps the buckets."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Bucket:
    """Tokens refill at `rate` per second up to `burst`; each action takes one."""

    rate: float
    burst: int
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def allow(self, now: float | None = None) -> bool:
        """Take a token if there is one."""
        now = time.monotonic() if now is None else now
        if self.tokens < 0:
            self.tokens = float(self.burst)
        self.tokens = min(float(self.burst), self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Limiter:
    """One bucket per key (e.g. per participant), created on first use."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self.buckets: dict[object, Bucket] = {}

    def allow(self, key: object, now: float | None = None) -> bool:
        """Whether `key` may act now."""
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = Bucket(self.rate, self.burst, stamp=time.monotonic() if now is None else now)
        return bucket.allow(now)

    def ready(self, key: object, now: float | None = None) -> bool:
        """Whether `key` has a token now, without taking it."""
        bucket = self.buckets.get(key)
        if bucket is None or bucket.tokens < 0:
            return True
        now = time.monotonic() if now is None else now
        return min(float(bucket.burst), bucket.tokens + (now - bucket.stamp) * bucket.rate) >= 1.0
