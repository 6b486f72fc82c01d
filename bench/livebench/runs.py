"""The scenarios of a bench run: the café half, the floor half, and the rehearsal of a real café."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.livebench.clients import Board, Phone, RelayClient, ack_code, fake_address
from bench.livebench.measure import CafeResult, Sampler, StoreWrites, log, percentile, result_line, rounded
from tests.wire import ConnectRefused, RawWebSocket, Sio, Stats, clock_ms

# --------------------------------------------------------------------------------------------
# Shared steps


async def bounded_gather(coros: list[Any], limit: int) -> list[Any]:
    """Run coroutines with at most `limit` at once; exceptions are returned, not raised."""
    gate = asyncio.Semaphore(limit)

    async def one(coro: Any) -> Any:
        async with gate:
            return await coro

    return await asyncio.gather(*(one(c) for c in coros), return_exceptions=True)


def record_connect_failures(results: list[Any], stats: Stats, what: str) -> int:
    """Count the exceptions among `results` as connect failures; returns how many succeeded."""
    ok = 0
    for result in results:
        if isinstance(result, BaseException):
            code = result.code if isinstance(result, ConnectRefused) else type(result).__name__
            stats.fail("connect_failures", f"{what}:{code}")
        else:
            ok += 1
    return ok


@dataclass
class NotePlan:
    """Who sends the notes and where they go."""

    senders: list[Any]  # objects with .sio
    target: Callable[[Any], tuple[int | None, int]]  # sender -> (table_id, round)
    command: str  # "add_note" (café) or "note" (relay)


async def post_notes(
    plan: NotePlan, rate: float, seconds: float, stats: Stats, ok_ids: set[str], words: str = "Bench note"
) -> dict[str, Any]:
    """Send `rate` notes a second for `seconds`, round-robin over the senders; wait for acks."""
    loop = asyncio.get_running_loop()
    total = int(rate * seconds)
    interval = 1.0 / rate
    start = loop.time()
    lateness: list[float] = []
    tasks: list[asyncio.Task[None]] = []

    async def one(k: int, sender: Any) -> None:
        table_id, rnd = plan.target(sender)
        note_id = str(uuid.uuid4())
        payload = {"id": note_id, "table_id": table_id, "round": rnd, "text": f"{words} #{k} t={clock_ms():.3f}"}
        try:
            ack = await sender.sio.call(plan.command, payload, timeout=20)
        except Exception as exc:
            stats.fail("ack_failures", "timeout" if isinstance(exc, asyncio.TimeoutError) else type(exc).__name__)
            return
        if isinstance(ack, dict) and ack.get("ok"):
            ok_ids.add(note_id)
        else:
            stats.fail("ack_failures", ack_code(ack))

    senders = [s for s in plan.senders if s.sio is not None and not s.sio.closed]
    if not senders:
        return {"sent": 0}
    random.Random(7).shuffle(senders)
    for k in range(total):
        target_time = start + k * interval
        delay = target_time - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            lateness.append(-delay * 1000)
        sender = senders[k % len(senders)]
        if sender.sio.closed:
            stats.fail("ack_failures", "sender_closed")
            continue
        tasks.append(asyncio.create_task(one(k, sender)))
    await asyncio.gather(*tasks)
    return {
        "sent": total,
        "elapsed_s": round(loop.time() - start, 2),
        "late_sends": len(lateness),
        "max_late_ms": round(max(lateness, default=0.0), 1),
    }


async def drain(board: Board, ok_ids: set[str], seconds: float = 5.0) -> None:
    """Give the board a moment to see the last acked notes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not ok_ids <= board.seen:
        await asyncio.sleep(0.05)


async def drain_phones(phones: list[Phone], notes: int, timeout: float = 10.0) -> float:
    """Wait until every phone has received every acked note; the share delivered, in %."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(p.notes_seen < notes for p in phones):
        await asyncio.sleep(0.1)
    if not phones or not notes:
        return 100.0
    got = sum(min(p.notes_seen, notes) for p in phones)
    return 100.0 * got / (notes * len(phones))


def quiet(clients: list[Sio | None]) -> None:
    """The run is over: a connection closing from now on is not an error."""
    for client in clients:
        if client is not None:
            client.closing = True


async def close_all(clients: list[Sio | None]) -> None:
    """Close every client, 200 at a time."""
    await bounded_gather([c.close() for c in clients if c is not None], 200)


# --------------------------------------------------------------------------------------------
# The café run


async def seat_round(
    fac: Sio | None, command: str | None, phones: list[Phone], rnd: int, stats: Stats, timeout: float = 180.0
) -> float | None:
    """Send the seating command and wait until every phone has round `rnd`'s seats; p99 (ms)."""
    sent: list[float] = []
    for phone in phones:
        phone.seated_signal = asyncio.Event()
    if fac is not None and command is not None:
        try:
            ack = await fac.call(command, {}, timeout=timeout, sent=sent)
        except Exception as exc:
            stats.fail("ack_failures", f"{command}:{type(exc).__name__}")
            return None
        ack_ms = clock_ms() - sent[0]
        if not isinstance(ack, dict) or not ack.get("ok"):
            stats.fail("ack_failures", f"{command}:{ack_code(ack)}")
            log(f"{command} refused: {ack}")
            return None
    deadline = time.monotonic() + 60
    live = [p for p in phones if p.sio is not None and not p.sio.closed]
    while time.monotonic() < deadline and any(rnd not in p.seat_rx for p in live):
        await asyncio.sleep(0.05)
    got = [p.seat_rx[rnd] - sent[0] for p in live if rnd in p.seat_rx]
    missing = len(live) - len(got)
    unseated = sum(1 for p in live if rnd in p.seat_rx and p.seats.get(rnd) is None)
    for _ in range(missing):
        stats.fail("protocol_errors", f"no_seats_round_{rnd}")
    for _ in range(unseated):
        stats.fail("protocol_errors", f"not_seated_round_{rnd}")
    if got:
        log(
            f"seats round {rnd} via {command}: ack {ack_ms:.0f} ms; receipts first "
            f"{min(got):.0f} p50 {percentile(got, 50):.0f} p99 {percentile(got, 99):.0f} "
            f"max {max(got):.0f} ms; missing {missing}, unseated {unseated}"
        )
    return percentile(got, 99)


async def cafe_run(
    urls: list[str], code: str, secret: str, args: argparse.Namespace, pids: list[int], stats: Stats
) -> CafeResult:
    """Set the café up, fill it, seat it, post notes, seat round 2; measure it all."""
    result = CafeResult()
    sampler = Sampler(pids)
    sampler.start()
    sampler.mark("begin")
    spoof = args.spoof_addresses

    fac = Sio(
        urls[0],
        {"cafe": code, "role": "facilitator", "secret": secret},
        stats,
        headers={"X-Forwarded-For": "10.255.255.1"} if spoof else None,
    )
    await fac.connect()
    state = (await fac.call("sync", {"since": None}, timeout=60))["state"]
    if state["cafe"]["status"] != "lobby":
        raise RuntimeError(f"the café must be in the lobby (it is {state['cafe']['status']})")
    seats = sum(t["capacity"] for t in state["tables"])
    missing = max(0, args.phones - seats)
    tables = math.ceil(missing / args.table_capacity)
    area = 0
    while tables > 0:
        area += 1
        batch = min(20, tables)
        ack = await fac.call(
            "add_topic", {"name": f"Bench area {area}", "tables": batch, "capacity": args.table_capacity}, timeout=60
        )
        if not ack.get("ok"):
            raise RuntimeError(f"add_topic refused: {ack}")
        tables -= batch
    discuss = int(min(7200, max(60, args.seconds + 180)))
    ack = await fac.call(
        "set_rounds",
        {
            "rounds": [
                {"question": f"Bench question {n}", "discuss_seconds": discuss, "move_seconds": 10} for n in (1, 2)
            ]
        },
        timeout=60,
    )
    if not ack.get("ok"):
        raise RuntimeError(f"set_rounds refused: {ack}")
    log(f"café {code}: {seats} seats in the demo, added {area} areas for {missing} more; 2 rounds of {discuss}s")

    board = Board()
    board_sio = Sio(
        urls[0],
        {"cafe": code, "role": "board"},
        stats,
        board.on_message,
        headers={"X-Forwarded-For": "10.255.255.2"} if spoof else None,
    )
    await board_sio.connect()
    await board_sio.call("sync", {"since": None}, timeout=60)

    phones = [Phone(i, urls[i % len(urls)], stats, fake_address(i) if spoof else None) for i in range(args.phones)]

    async def arrive(phone: Phone) -> None:
        await phone.join(code, f"Bench phone {phone.index + 1}")
        await phone.connect(code)

    t0 = time.monotonic()
    sampler.mark("connect_start")
    frames0 = Sio.frames_received
    results = await bounded_gather([arrive(p) for p in phones], args.connect_concurrency)
    result.connected = record_connect_failures(results, stats, "phone")
    sampler.mark("connect_end")
    log(
        f"{result.connected}/{args.phones} phones joined and connected in "
        f"{time.monotonic() - t0:.1f}s (server CPU {sampler.cpu_pct('connect_start', 'connect_end') or 0:.0f}%); "
        f"the clients received {Sio.frames_received - frames0} frames meanwhile"
    )
    live = [p for p in phones if p.sio is not None and not p.sio.closed]

    p99_1 = await seat_round(fac, "start_round", live, 1, stats)
    ack = await fac.call("start_round", {}, timeout=60)
    if not ack.get("ok"):
        stats.fail("ack_failures", f"start_round_discussion:{ack_code(ack)}")

    ok_ids: set[str] = set()
    sampler.mark("notes_start")
    writes = StoreWrites(args.queue_url, args.pg_url)
    writes.mark("notes_start")
    me = Sampler([os.getpid()], children=False)
    me.mark("a")
    t0 = time.monotonic()
    wire0, messages0 = RawWebSocket.wire_bytes, RawWebSocket.message_bytes
    plan = NotePlan([p for p in live if p.seats.get(1) is not None], lambda p: (p.seats.get(1), 1), "add_note")
    _warn_rate(args.notes_per_s, len(plan.senders))
    log(f"notes phase: {args.notes_per_s}/s for {args.seconds:.0f}s from {len(plan.senders)} phones")
    info = await post_notes(plan, args.notes_per_s, args.seconds, stats, ok_ids)
    sampler.mark("notes_end")
    me.mark("b")
    downlink = _downlink(wire0, messages0, time.monotonic() - t0, len(live))
    await drain(board, ok_ids)
    writes.mark("notes_end")  # after the drain: the last notes' writes are in
    phones_pct = await drain_phones(live, len(ok_ids))
    log(
        f"notes: {info}; acked ok {len(ok_ids)}; board saw {len(board.seen & ok_ids)}, "
        f"phones {phones_pct:.2f}% of theirs "
        f"in {time.monotonic() - t0:.1f}s; server CPU {sampler.cpu_pct('notes_start', 'notes_end') or 0:.0f}%, "
        f"generator CPU {me.cpu_pct('a', 'b') or 0:.0f}%; p50 by thirds of the run {board.trend()} ms"
    )
    if downlink:
        log(downlink)
    result.cpu_pct = sampler.cpu_pct("notes_start", "notes_end")
    result.redis_per_note = writes.per("publishes", "notes_start", "notes_end", len(ok_ids))
    result.commits_per_note = writes.per("commits", "notes_start", "notes_end", len(ok_ids))
    result.rows_per_note = writes.per("rows", "notes_start", "notes_end", len(ok_ids))

    p99_2 = await seat_round(fac, "end_round", live, 2, stats)
    sampler.mark("end")
    sampler.stop()
    seen = board.seen & ok_ids
    result.notes_ok = len(ok_ids)
    # Every acked note must reach the board AND every connected phone.
    result.delivered_pct = min(100.0 * len(seen) / len(ok_ids), phones_pct) if ok_ids else None
    result.p50 = percentile(board.latencies, 50)
    result.p99 = percentile(board.latencies, 99)
    result.phone_p99 = percentile([lat for p in phones for lat in (p.latencies or [])], 99)
    both = [v for v in (p99_1, p99_2) if v is not None]
    result.seats_p99 = max(both) if both else None
    result.rss_mb = sampler.peak_rss_mb if pids else None
    if not pids:
        result.cpu_pct = None
    result.phone_objs = phones  # type: ignore[attr-defined]
    result.clients = [p.sio for p in phones] + [board_sio, fac]  # type: ignore[attr-defined]
    return result


def _downlink(wire0: int, messages0: int, seconds: float, phones: int) -> str | None:
    """What the room's network carried to each phone during the notes (raw clients only)."""
    wire, messages = RawWebSocket.wire_bytes - wire0, RawWebSocket.message_bytes - messages0
    if not wire or not phones or seconds <= 0:
        return None
    each = wire / phones / seconds / 1000
    return (
        f"downlink: {each:.1f} kB/s a phone on the wire ({messages / phones / seconds / 1000:.1f} kB/s of "
        f"messages), {each * phones * 8 / 1000:.1f} Mbit/s for the room"
    )


def _warn_rate(rate: float, senders: int) -> None:
    if senders and rate / senders > 0.9:
        log(
            f"WARNING: {rate}/s over {senders} phones is {rate / senders:.2f}/s each; the "
            f"server allows a burst of 5 then 1/s per participant, so notes will be refused"
        )


# --------------------------------------------------------------------------------------------
# The floor run (bench/relay_server.py)


async def floor_run(urls: list[str], args: argparse.Namespace, stats: Stats, pids: list[int]) -> float | None:
    """The same clients and rate against the bare relay: p99 of note -> board (ms)."""
    board = Board()
    board_sio = Sio(urls[0], {"role": "board"}, stats, board.on_message)
    await board_sio.connect()
    await board_sio.call("sync", {"since": None}, timeout=60)
    clients = [RelayClient() for _ in range(args.phones)]

    async def arrive(i: int, client: RelayClient) -> None:
        sio = Sio(urls[i % len(urls)], {"role": "phone"}, stats, lambda msg: None)
        await sio.connect()
        await sio.call("sync", {"since": None}, timeout=60)
        client.sio = sio

    results = await bounded_gather([arrive(i, c) for i, c in enumerate(clients)], args.connect_concurrency)
    connected = record_connect_failures(results, stats, "relay")
    ok_ids: set[str] = set()
    plan = NotePlan([c for c in clients if c.sio is not None], lambda c: (1, 1), "note")
    sampler = Sampler(pids)
    me = Sampler([os.getpid()], children=False)
    sampler.mark("a")
    me.mark("a")
    info = await post_notes(plan, args.notes_per_s, args.seconds, stats, ok_ids)
    sampler.mark("b")
    me.mark("b")
    info["relay_cpu_pct"] = rounded(sampler.cpu_pct("a", "b"))
    info["generator_cpu_pct"] = rounded(me.cpu_pct("a", "b"))
    await drain(board, ok_ids)
    seen = board.seen & ok_ids
    log(
        f"floor: {connected}/{args.phones} connected; {info}; acked {len(ok_ids)}, board saw "
        f"{len(seen)}; p50 {rounded(percentile(board.latencies, 50))} "
        f"p99 {rounded(percentile(board.latencies, 99))} ms; p50 by thirds {board.trend()} ms"
    )
    for _ in range(len(ok_ids) - len(seen)):
        stats.fail("protocol_errors", "floor_note_not_delivered")
    floor = percentile(board.latencies, 99)
    floor_run.clients = [c.sio for c in clients] + [board_sio]  # type: ignore[attr-defined]
    return floor


# --------------------------------------------------------------------------------------------
# Rehearsal: fill a real café with simulated phones


async def rehearse(args: argparse.Namespace) -> dict[str, Any]:
    """N "Rehearsal k" phones join a real café, follow their seats and post a few notes."""
    stats = Stats()
    url = args.url.rstrip("/")
    code = args.code
    board = Board()
    board_sio = Sio(url, {"cafe": code, "role": "board"}, stats, board.on_message)
    await board_sio.connect()
    await board_sio.call("sync", {"since": None}, timeout=60)
    phones = [Phone(i, url, stats, None) for i in range(args.phones)]

    async def arrive(phone: Phone) -> None:
        await phone.join(code, f"Rehearsal {phone.index + 1}")
        await phone.connect(code)

    t0 = time.monotonic()
    results = await bounded_gather([arrive(p) for p in phones], min(args.connect_concurrency, 20))
    connected = record_connect_failures(results, stats, "phone")
    log(f"rehearsal: {connected}/{args.phones} phones in café {code} after {time.monotonic() - t0:.1f}s")
    deadline = time.monotonic() + args.seconds
    ok_ids: set[str] = set()
    sent = Counter[str]()

    async def life(phone: Phone) -> None:
        rng = random.Random(phone.index)
        budget = args.notes_per_phone
        mean_gap = max(2.0, args.seconds / max(1, budget))
        n = 0
        while time.monotonic() < deadline and n < budget and phone.sio and not phone.sio.closed:
            await asyncio.sleep(min(rng.expovariate(1 / mean_gap), max(0.0, deadline - time.monotonic())))
            clock = phone.clock
            rnd = clock.get("current_round")
            table = phone.seats.get(rnd) if rnd is not None else None
            if clock.get("status") != "running" or table is None or time.monotonic() >= deadline:
                continue
            n += 1
            note_id = str(uuid.uuid4())
            try:
                ack = await phone.sio.call(
                    "add_note",
                    {
                        "id": note_id,
                        "table_id": table,
                        "round": rnd,
                        "text": f"Rehearsal note {n} from phone {phone.index + 1} t={clock_ms():.3f}",
                    },
                    timeout=20,
                )
            except Exception as exc:
                stats.fail("ack_failures", type(exc).__name__)
                continue
            if isinstance(ack, dict) and ack.get("ok"):
                ok_ids.add(note_id)
                sent["ok"] += 1
            else:
                code_ = ack_code(ack)
                sent[code_] += 1
                if code_ not in ("not_found", "forbidden"):  # a round changing under the note
                    stats.fail("ack_failures", code_)

    await asyncio.gather(*(life(p) for p in phones if p.sio is not None))
    await drain(board, ok_ids)
    seated = sum(1 for p in phones if p.seats.get(p.clock.get("current_round")) is not None)
    log(f"rehearsal notes: {dict(sent)}; seated now {seated}; board saw {len(board.seen & ok_ids)}")
    await close_all([p.sio for p in phones] + [board_sio])
    args.processes = None
    line = result_line("rehearse", args, stats, None, None)
    line.update(
        {
            "connected": connected,
            "notes_per_s": round(len(ok_ids) / args.seconds, 2) if args.seconds else None,
            "delivered_pct": rounded(100.0 * len(board.seen & ok_ids) / len(ok_ids), 2) if ok_ids else None,
            "note_to_board_p50_ms": rounded(percentile(board.latencies, 50)),
            "note_to_board_p99_ms": rounded(percentile(board.latencies, 99)),
        }
    )
    if stats.failure_codes:
        log(f"failures: {dict(stats.failure_codes.most_common(12))}")
    return line
