"""Neighbours: one big café and ten small ones on the same server(s), as a network hosting its
members' cafés has them. What the big one does to the small ones' note -> board latency.

The small cafés are the room as it is, not the demo's shape: areas of uneven tables (6, 4 and
5 seats), people in five languages writing in them, and three of each café's thirty arriving
after its round 1 has begun (seated late, at tables already talking). With several processes
each café's sockets stay on one process, chosen from its code as the proxy in docs/deploy.md
does ("sticky by café"); the bench plays the proxy and says which café landed where.

The big café is driven by a second generator process (`bench/live.py --url` on the demo café):
parsing its 1,000 phones' frames here would delay this process's reading of the small cafés'
boards, and their latency would be the bench's own queue, not the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.livebench.clients import Board, Phone, ack_code, fake_address
from bench.livebench.measure import Sampler, log, percentile, rounded
from bench.livebench.runs import (
    NotePlan,
    bounded_gather,
    close_all,
    drain,
    drain_phones,
    post_notes,
    quiet,
    record_connect_failures,
    seat_round,
)
from tests.wire import Sio, Stats, http_json

SMALL_CAFES = 10
SMALL_PHONES = 30
SMALL_LATE = 3  # of each small café's phones join after its round 1 has started
SMALL_RATE = 1.0  # notes a second, per small café
BIG_PHONES = 1000
BIG_RATE = 20.0
CROWD_MARGIN_S = 15
ROOT = Path(__file__).resolve().parents[2]
# Uneven areas: (name, tables, seats a table); 36 seats for 30 people.
SMALL_AREAS = (("Vivienda / 住房", 3, 6), ("Worker co-ops", 2, 4), ("Manje ak Agrikilti", 2, 5))
LANGUAGES = ("es", "zh", "ht", "pt", "en")
NAMES = {"es": "Lucía", "zh": "李华", "ht": "Jèrôm", "pt": "João", "en": "Sam"}
WORDS = {
    "es": "Cooperativa de vivienda",
    "zh": "社区土地信托",
    "ht": "Kooperativ travayè",
    "pt": "Economia solidária",
    "en": "Shared kitchen",
}
ROUNDS = 2


def sticky(code: str, processes: int) -> int:
    """The process a café's sockets and requests go to (what the proxy's hash does)."""
    return zlib.crc32(code.encode()) % processes


@dataclass
class Venue:
    """One café of the run and its clients."""

    code: str
    secret: str
    url: str
    process: int
    fac: Sio | None = None
    board: Board = field(default_factory=Board)
    board_sio: Sio | None = None
    phones: list[Phone] = field(default_factory=list)
    ok_ids: set[str] = field(default_factory=set)
    marks: dict[str, int] = field(default_factory=dict)  # phase -> board latencies before it

    def clients(self) -> list[Sio | None]:
        """Every socket of this café."""
        return [p.sio for p in self.phones] + [self.board_sio, self.fac]

    def seated(self) -> list[Phone]:
        """Connected phones with a table this round."""
        return [p for p in self.phones if p.sio is not None and not p.sio.closed and p.seats.get(1) is not None]

    def latencies(self, phase: str, next_phase: str | None) -> list[float]:
        """The board's note latencies of one phase."""
        return self.board.latencies[self._span(phase, next_phase)]

    def sent(self, phase: str, next_phase: str | None) -> list[float]:
        """When each of those notes was sent (the bench's clock, ms)."""
        return self.board.sent_at[self._span(phase, next_phase)]

    def _span(self, phase: str, next_phase: str | None) -> slice:
        end = self.marks.get(next_phase, len(self.board.latencies)) if next_phase else len(self.board.latencies)
        return slice(self.marks[phase], end)


async def command(sio: Sio, name: str, payload: dict[str, Any], stats: Stats) -> dict[str, Any]:
    """A facilitator command that must succeed; a refusal is counted and raised."""
    ack = await sio.call(name, payload, timeout=60)
    if not isinstance(ack, dict) or not ack.get("ok"):
        stats.fail("ack_failures", f"{name}:{ack_code(ack)}")
        raise RuntimeError(f"{name} refused: {ack}")
    return ack


def screen_headers(k: int, spoof: bool) -> dict[str, str] | None:
    """A café's panel and board come from their own laptop (the per-address budgets are per laptop)."""
    return {"X-Forwarded-For": fake_address(60_000 + k)} if spoof else None


async def open_small_cafe(k: int, urls: list[str], stats: Stats, seconds: float, spoof: bool) -> Venue:
    """Create a small café (through its process, as the proxy routes by code), set it up, open it."""
    status, body = await http_json("POST", f"{urls[0]}/api/cafes", {"title": f"Café voisin {k + 1} · 邻居"})
    if status != 201 or not isinstance(body, dict):
        raise RuntimeError(f"could not create a café: {status} {body}")
    code = body["cafe"]["code"]
    process = sticky(code, len(urls))
    venue = Venue(code, body["facilitator_secret"], urls[process], process)
    headers = screen_headers(k, spoof)
    venue.fac = Sio(venue.url, {"cafe": code, "role": "facilitator", "secret": venue.secret}, stats, headers=headers)
    await venue.fac.connect()
    for name, tables, capacity in SMALL_AREAS:
        await command(venue.fac, "add_topic", {"name": name, "tables": tables, "capacity": capacity}, stats)
    rounds = [
        {"question": f"¿Qué sigue? {n}", "discuss_seconds": int(seconds) * 3 + 600, "move_seconds": 10}
        for n in range(1, ROUNDS + 1)
    ]
    await command(venue.fac, "set_rounds", {"rounds": rounds}, stats)
    await command(venue.fac, "open_cafe", {}, stats)
    venue.board_sio = Sio(venue.url, {"cafe": code, "role": "board"}, stats, venue.board.on_message, headers)
    await venue.board_sio.connect()
    await venue.board_sio.call("sync", {"since": None}, timeout=60)
    return venue


async def arrive(venue: Venue, phones: list[Phone], stats: Stats, concurrency: int) -> int:
    """Phones join (in their language) and connect; how many made it."""

    async def one(phone: Phone) -> None:
        language = LANGUAGES[phone.index % len(LANGUAGES)]
        await phone.join(venue.code, f"{NAMES[language]} {phone.index + 1}", language)
        await phone.connect(venue.code)

    results = await bounded_gather([one(p) for p in phones], concurrency)
    return record_connect_failures(results, stats, "phone")


def note_plan(venue: Venue) -> NotePlan:
    """Notes from the café's seated phones to their round-1 tables, in their languages."""
    return NotePlan(venue.seated(), lambda p: (p.seats.get(1), 1), "add_note")


async def post_phase(venues: list[tuple[Venue, float]], seconds: float, stats: Stats, phase: str) -> None:
    """Every café of `venues` posts at its rate for `seconds`, at the same time."""
    for venue, _rate in venues:
        venue.marks[phase] = len(venue.board.latencies)

    async def posting(k: int, venue: Venue, rate: float) -> None:
        # Cafés do not write in step: each one's notes start a fraction of its interval later.
        await asyncio.sleep(k / len(venues) / rate)
        await post_notes(note_plan(venue), rate, seconds, stats, venue.ok_ids, WORDS[LANGUAGES[k % len(LANGUAGES)]])

    await asyncio.gather(*(posting(k, v, rate) for k, (v, rate) in enumerate(venues)))
    for venue, _rate in venues:
        await drain(venue.board, venue.ok_ids)


async def neighbours_run(
    urls: list[str], code: str, secret: str, args: argparse.Namespace, pids: list[int], stats: Stats
) -> dict[str, Any]:
    """Small cafés alone, then beside a big one; their p99 in both, and the big one's."""
    sampler = Sampler(pids)
    sampler.start()
    spoof = args.spoof_addresses
    big = Venue(code, secret, urls[sticky(code, len(urls))], sticky(code, len(urls)))
    t0 = time.monotonic()
    smalls = [await open_small_cafe(k, urls, stats, args.seconds, spoof) for k in range(SMALL_CAFES)]
    index = 0
    for venue in smalls:
        venue.phones = [
            Phone(index + i, venue.url, stats, fake_address(index + i) if spoof else None) for i in range(SMALL_PHONES)
        ]
        index += SMALL_PHONES
        on_time = venue.phones[: SMALL_PHONES - SMALL_LATE]
        await arrive(venue, on_time, stats, args.connect_concurrency)
        assert venue.fac is not None
        await seat_round(venue.fac, "start_round", on_time, 1, stats)
        await command(venue.fac, "start_round", {}, stats)  # the discussion
        # Latecomers: seated at tables already talking (participant_seated).
        await arrive(venue, venue.phones[SMALL_PHONES - SMALL_LATE :], stats, args.connect_concurrency)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(len(v.seated()) < SMALL_PHONES for v in smalls):
        await asyncio.sleep(0.1)
    for venue in smalls:
        missing = SMALL_PHONES - len(venue.seated())
        for _ in range(missing):
            stats.fail("protocol_errors", "small_cafe_phone_not_seated")
    log(
        f"{SMALL_CAFES} small cafés of {SMALL_PHONES} ({SMALL_LATE} late each) ready in {time.monotonic() - t0:.0f}s; "
        f"processes {[v.process for v in smalls]}; the big café on process {big.process}"
    )

    # 1. The small cafés alone.
    sampler.mark("alone_start")
    await post_phase([(v, SMALL_RATE) for v in smalls], args.seconds, stats, "alone")
    sampler.mark("alone_end")

    # 2. The big café, from a generator process of its own: 1,000 phones' frames parsed in this
    # process would delay this process's reading of the small boards, and the bench would blame
    # the server for its own queue. It arrives, is seated and writes 20 notes a second.
    child, crowd_log = await start_crowd(big, args)
    await wait_for_line(child, crowd_log, "notes phase", timeout=600)

    # 3. The small cafés again, with the big one writing beside them.
    sampler.mark("with_start")
    await post_phase([(v, SMALL_RATE) for v in smalls], args.seconds, stats, "with")
    sampler.mark("with_end")
    crowd = await finish_crowd(child, crowd_log, stats)
    sampler.stop()

    # Every acked note on its own board and on every phone of its café, and nowhere else.
    delivered: list[float] = []
    delivered.append(crowd.get("delivered_pct") or 0.0)
    for venue in smalls:
        seen = venue.board.seen & venue.ok_ids
        for _ in range(len(venue.ok_ids) - len(seen)):
            stats.fail("protocol_errors", "note_not_on_board")
        phones = [p for p in venue.phones if p.sio is not None and not p.sio.closed]
        phones_pct = await drain_phones(phones, len(venue.ok_ids))
        delivered.append(min(100.0 * len(seen) / max(1, len(venue.ok_ids)), phones_pct))
        foreign = sum(max(0, p.notes_seen - len(venue.ok_ids)) for p in phones) + len(venue.board.seen - venue.ok_ids)
        for _ in range(foreign):
            stats.fail("protocol_errors", "note_from_another_cafe")

    for phase, nxt in (("alone", "with"), ("with", None)):
        start = min(
            (v.board.sent_at[v.marks[phase]] for v in smalls if len(v.board.sent_at) > v.marks[phase]), default=0.0
        )
        worst = sorted(
            (
                (lat, sent - start, k)
                for k, v in enumerate(smalls)
                for sent, lat in zip(v.sent(phase, nxt), v.latencies(phase, nxt))
            ),
            reverse=True,
        )[:6]
        log(
            f"worst small-café notes {phase}: "
            + ", ".join(f"{lat:.0f} ms (café {k + 1}, sent at {at / 1000:.1f} s)" for lat, at, k in worst)
        )
    alone = [lat for v in smalls for lat in v.latencies("alone", "with")]
    beside = [lat for v in smalls for lat in v.latencies("with", None)]
    same = [lat for v in smalls if v.process == big.process for lat in v.latencies("with", None)]
    other = [lat for v in smalls if v.process != big.process for lat in v.latencies("with", None)]
    alone_p99, beside_p99 = percentile(alone, 99), percentile(beside, 99)
    log(
        f"small cafés' note -> board: alone p50 {rounded(percentile(alone, 50))} p99 {rounded(alone_p99)} "
        f"max {rounded(max(alone, default=None) if alone else None)} ms ({len(alone)} notes); beside the big café "
        f"p50 {rounded(percentile(beside, 50))} p99 {rounded(beside_p99)} max {rounded(max(beside) if beside else None)} ms "
        f"({len(beside)}); big café p50 {crowd.get('note_to_board_p50_ms')} p99 {crowd.get('note_to_board_p99_ms')} ms; "
        f"server CPU alone {rounded(sampler.cpu_pct('alone_start', 'alone_end'))}%, "
        f"beside {rounded(sampler.cpu_pct('with_start', 'with_end'))}%"
    )
    line: dict[str, Any] = {
        "config": "neighbours",
        "phones": BIG_PHONES + SMALL_CAFES * SMALL_PHONES,
        "processes": args.processes,
        "cafes": 1 + SMALL_CAFES,
        "notes_per_s": BIG_RATE + SMALL_CAFES * SMALL_RATE,
        "connected": int(crowd.get("connected") or 0) + sum(1 for v in smalls for p in v.phones if p.sio is not None),
        "errors": stats.errors,
        "delivered_pct": rounded(min(delivered), 2) if delivered else None,
        "small_alone_p99_ms": rounded(alone_p99),
        "small_beside_big_p99_ms": rounded(beside_p99),
        "small_ratio_p99": round(beside_p99 / alone_p99, 2) if alone_p99 and beside_p99 is not None else None,
        "small_beside_big_max_ms": rounded(max(beside)) if beside else None,
        "small_same_process_p99_ms": rounded(percentile(same, 99)) if args.processes > 1 else None,
        "small_other_process_p99_ms": rounded(percentile(other, 99)) if args.processes > 1 else None,
        "big_note_to_board_p99_ms": crowd.get("note_to_board_p99_ms"),
        "big_seats_p99_ms": crowd.get("seats_to_all_p99_ms"),
        "server_rss_mb": rounded(sampler.peak_rss_mb) if pids else None,
        "server_cpu_pct": rounded(sampler.cpu_pct("with_start", "with_end")) if pids else None,
    }
    neighbours_run.clients = [c for v in smalls for c in v.clients()]  # type: ignore[attr-defined]
    return line


async def start_crowd(big: Venue, args: argparse.Namespace) -> tuple[asyncio.subprocess.Process, Path]:
    """`bench/live.py --url` against the big café (the demo café, in the lobby): its own process."""
    crowd_log = Path(tempfile.mkstemp(prefix="cafe-crowd-", suffix=".log")[1])
    argv = [
        sys.executable,
        str(ROOT / "bench" / "live.py"),
        # `--secret=...` in one word: a secret may begin with "-", which argparse takes for an option.
        *("--url", big.url, f"--code={big.code}", f"--secret={big.secret}"),
        *("--phones", str(BIG_PHONES), "--notes-per-s", str(BIG_RATE), "--no-floor"),
        # It keeps writing a little longer than the small cafés' phase on both sides.
        *("--seconds", str(args.seconds + CROWD_MARGIN_S), "--connect-concurrency", str(args.connect_concurrency)),
    ]
    if not args.spoof_addresses:
        argv.append("--no-spoof-addresses")
    with open(crowd_log, "wb") as err:
        child = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=err)
    return child, crowd_log


async def wait_for_line(child: asyncio.subprocess.Process, crowd_log: Path, text: str, timeout: float) -> None:
    """Wait until the crowd's progress shows `text` (its notes have begun)."""
    deadline = time.monotonic() + timeout
    while text not in crowd_log.read_text(errors="replace"):
        if child.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError(
                f"the big café's generator stopped early:\n{crowd_log.read_text(errors='replace')[-2000:]}"
            )
        await asyncio.sleep(0.2)
    await asyncio.sleep(2)  # a margin inside its notes phase


async def finish_crowd(child: asyncio.subprocess.Process, crowd_log: Path, stats: Stats) -> dict[str, Any]:
    """The big café's result line; its errors count as this run's."""
    out, _ = await child.communicate()
    for line in crowd_log.read_text(errors="replace").splitlines():
        if "seats round" in line or "notes:" in line or "joined and" in line:
            log("crowd:", line.removeprefix("[bench] "))
    crowd_log.unlink(missing_ok=True)
    try:
        result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        stats.fail("protocol_errors", "crowd_no_result")
        return {}
    for _ in range(int(result.get("errors") or 0)):
        stats.fail("protocol_errors", "crowd_error")
    return result


async def finish(clients: list[Sio | None]) -> None:
    """Close every socket of the run."""
    quiet(clients)
    await close_all(clients)
