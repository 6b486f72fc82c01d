"""What a bench run measures and prints: progress on stderr, percentiles, /proc sampling, the one line."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from tests.wire import Stats

# The keys of the JSON line, in order (bench/README.md says what each means).
FIELDS = (
    "config",
    "phones",
    "processes",
    "notes_per_s",
    "connected",
    "errors",
    "delivered_pct",
    "note_to_board_p50_ms",
    "note_to_board_p99_ms",
    "note_to_phone_p99_ms",
    "floor_p99_ms",
    "ratio_p99",
    "seats_to_all_p99_ms",
    "server_rss_mb",
    "server_cpu_pct",
    "redis_publishes_per_note",
    "pg_commits_per_note",
    "pg_rows_per_note",
)


def log(*parts: Any) -> None:
    """Progress on stderr (stdout carries only the result lines)."""
    print("[bench]", *parts, file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile; None without samples."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[rank - 1]


def rounded(value: float | None, digits: int = 1) -> float | None:
    """`value` rounded to `digits`; None stays None."""
    return None if value is None else round(value, digits)


# --------------------------------------------------------------------------------------------
# /proc sampling


class Sampler:
    """RSS and CPU time of some processes and their children (the mixing engine's process,
    cafe/engine.py), summed, read from /proc every half second."""

    TICK = os.sysconf("SC_CLK_TCK")
    PAGE = os.sysconf("SC_PAGE_SIZE")

    def __init__(self, pids: list[int], children: bool = True) -> None:
        self.pids = pids
        self.children = children  # the servers' engine processes count; the bench's servers do not
        self.peak_rss_mb = 0.0
        self.marks: dict[str, tuple[float, float]] = {}
        self.task: asyncio.Task[None] | None = None

    def every_pid(self) -> list[int]:
        """The processes and their children, now."""
        found = list(self.pids)
        for pid in self.pids if self.children else ():
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        found += [int(child) for child in f.read().split()]
            except OSError:
                pass
        return found

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in self.every_pid():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / self.TICK
            except (OSError, IndexError, ValueError):
                pass
        return total

    def rss_mb(self) -> float:
        total = 0
        for pid in self.every_pid():
            try:
                with open(f"/proc/{pid}/statm") as f:
                    total += int(f.read().split()[1]) * self.PAGE
            except (OSError, IndexError, ValueError):
                pass
        return total / 2**20

    def mark(self, name: str) -> None:
        self.marks[name] = (time.monotonic(), self.cpu_seconds())
        self.peak_rss_mb = max(self.peak_rss_mb, self.rss_mb())

    def cpu_pct(self, start: str, end: str) -> float | None:
        if start not in self.marks or end not in self.marks:
            return None
        (t0, c0), (t1, c1) = self.marks[start], self.marks[end]
        return 100.0 * (c1 - c0) / (t1 - t0) if t1 > t0 else None

    async def run(self) -> None:
        while True:
            self.peak_rss_mb = max(self.peak_rss_mb, self.rss_mb())
            await asyncio.sleep(0.5)

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()


# --------------------------------------------------------------------------------------------
# The result line


class StoreWrites:
    """What the servers asked of Redis and PostgreSQL between two marks: PUBLISH calls (Redis's
    own command counters) and commits and rows written (`pg_stat_database` of the bench's
    database). The machine's other users of the same database count too: run it quiet."""

    def __init__(self, redis_url: str | None, database_url: str | None) -> None:
        self.redis_url = redis_url
        self.database_url = database_url
        self.marks: dict[str, dict[str, float]] = {}

    def read(self) -> dict[str, float]:
        """The counters now (those it can reach)."""
        found: dict[str, float] = {}
        if self.redis_url:
            import redis

            stats = redis.Redis.from_url(self.redis_url).info("commandstats")
            found["publishes"] = float(stats.get("cmdstat_publish", {}).get("calls", 0))
        if self.database_url:
            import psycopg

            base = self.database_url.split("?", 1)[0]
            with psycopg.connect(base, autocommit=True) as conn:
                row = conn.execute(
                    "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted "
                    "FROM pg_stat_database WHERE datname = current_database()"
                ).fetchone()
            if row is not None:
                found["commits"], found["rows"] = float(row[0]), float(row[1])
        return found

    def mark(self, name: str) -> None:
        """Remember the counters under `name` (never fails the run)."""
        try:
            self.marks[name] = self.read()
        except Exception as exc:
            log(f"store counters unavailable: {exc}")
            self.marks[name] = {}

    def per(self, key: str, start: str, end: str, count: int) -> float | None:
        """How much `key` grew between two marks, per `count` (a note, say)."""
        a, b = self.marks.get(start, {}), self.marks.get(end, {})
        if key not in a or key not in b or not count:
            return None
        return (b[key] - a[key]) / count


@dataclass
class CafeResult:
    """What the café half of a run measured."""

    connected: int = 0
    delivered_pct: float | None = None
    p50: float | None = None
    p99: float | None = None
    phone_p99: float | None = None
    seats_p99: float | None = None
    rss_mb: float | None = None
    cpu_pct: float | None = None
    notes_ok: int = 0
    redis_per_note: float | None = None
    commits_per_note: float | None = None
    rows_per_note: float | None = None


def result_line(
    config: str, args: argparse.Namespace, stats: Stats, cafe: CafeResult | None, floor_p99: float | None
) -> dict[str, Any]:
    """The JSON line of one run: the keys of FIELDS, in that order."""
    p99 = cafe.p99 if cafe else None
    line = {
        "config": config,
        "phones": args.phones,
        "processes": args.processes,
        "notes_per_s": args.notes_per_s,
        "connected": cafe.connected if cafe else 0,
        "errors": stats.errors,
        "delivered_pct": rounded(cafe.delivered_pct, 2) if cafe else None,
        "note_to_board_p50_ms": rounded(cafe.p50) if cafe else None,
        "note_to_board_p99_ms": rounded(p99),
        "note_to_phone_p99_ms": rounded(cafe.phone_p99) if cafe else None,
        "floor_p99_ms": rounded(floor_p99),
        "ratio_p99": round(p99 / floor_p99, 2) if p99 is not None and floor_p99 else None,
        "seats_to_all_p99_ms": rounded(cafe.seats_p99) if cafe else None,
        "server_rss_mb": rounded(cafe.rss_mb) if cafe else None,
        "server_cpu_pct": rounded(cafe.cpu_pct) if cafe else None,
        "redis_publishes_per_note": rounded(cafe.redis_per_note, 2) if cafe else None,
        "pg_commits_per_note": rounded(cafe.commits_per_note, 2) if cafe else None,
        "pg_rows_per_note": rounded(cafe.rows_per_note, 2) if cafe else None,
    }
    assert tuple(line) == FIELDS
    return line
