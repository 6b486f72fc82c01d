"""The projected board under a busy café: 300 notes on it and a new note every second.

Starts `run.py --demo` on a private database (like tests/server.py), seats phones over
sockets, fills the tablecloths with 300 notes, then opens the board in Debian's Chromium at
1920x1080 and, for each run, streams one new note a second while the page records:

- long tasks (PerformanceObserver 'longtask', registered by an init script before the page's
  own scripts run): how many, the longest, and their total;
- frame gaps (requestAnimationFrame deltas): median, 95th percentile, longest;
- the board's own render time (the 'board-render' measures board.js records): median, p95, max;
- the page load with 300 notes: the longest task until the notes are drawn.

Each run uses a fresh page. Prints one JSON line with every run and the median over runs on
stdout, and a readable summary on stderr. Figures, never assertions.

    .venv/bin/python bench/board.py [--runs 3] [--seconds 30] [--notes 300] [--width 1920 --height 1080]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.chromium import CHROMIUM_ARGS, chromium_path  # noqa: E402
from tests.server import Server, facilitator_and_phones  # noqa: E402

# Registered before any of the page's scripts: long tasks and frame gaps from the first moment.
PROBE = """
window.__bench = { longtasks: [], frames: [] };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__bench.longtasks.push({ start: e.startTime, duration: e.duration });
}).observe({ type: 'longtask', buffered: true });
let last = 0;
const loop = (t) => { if (last) window.__bench.frames.push(t - last); last = t; requestAnimationFrame(loop); };
requestAnimationFrame(loop);
"""

READ = """() => {
  const b = window.__bench;
  const renders = performance.getEntriesByName('board-render').map((e) => e.duration);
  return { longtasks: b.longtasks, frames: b.frames, renders,
           notes: [...document.querySelectorAll('.notes-col-count')].reduce((s, n) => s + Number(n.textContent || 0), 0) };
}"""

RESET = """() => { window.__bench.longtasks = []; window.__bench.frames = [];
  performance.clearMeasures('board-render'); return true; }"""

IDEAS = [
    "Shared commercial kitchens for food co-ops",
    "A revolving loan fund run by the members themselves",
    "Map every worker co-op in Worcester County and who supplies them",
    "Popular education circles in Spanish and Portuguese, evenings, with childcare",
    "Land trusts buy the triple-deckers before the speculators do",
    "Link the CSA farms to the school kitchens",
    "Talk to the unions about conversions when owners retire",
]


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


class Cafe:
    """A facilitator and seated phones on sockets; notes go round-robin over the phones."""

    def __init__(self, server: Server, people: int) -> None:
        self.fac, self.ids, self.phones = facilitator_and_phones(server, people, "Bench person")
        for _ in range(2):  # seats and the move, then the discussion
            assert self.fac.call("start_round", {})["ok"]
        state = self.fac.state()
        self.round = state["cafe"]["current_round"]
        self.seats = {int(k): v for k, v in state["seating"]["seats"].items()}
        self.sent = 0

    def post(self) -> None:
        i = self.sent % len(self.phones)
        ack = self.phones[i].call(
            "add_note",
            {
                "id": str(uuid.uuid4()),
                "table_id": self.seats[self.ids[i]],
                "round": self.round,
                "text": f"{IDEAS[self.sent % len(IDEAS)]} (#{self.sent + 1})",
                "colour": ["yellow", "pink", "blue", "green", "orange", "purple"][self.sent % 6],
            },
        )
        assert ack["ok"], ack
        self.sent += 1

    def close(self) -> None:
        # A python-socketio disconnect can wait on a busy server; never let it hold the figures.
        closers = [threading.Thread(target=c.close, daemon=True) for c in [self.fac, *self.phones]]
        for t in closers:
            t.start()
        for t in closers:
            t.join(2)


def wait_notes(page: Any, count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while page.evaluate(READ)["notes"] < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the board did not show {count} notes")
        time.sleep(0.1)


def one_run(browser: Any, server: Server, cafe: Cafe, seconds: int, size: tuple[int, int]) -> dict[str, Any]:
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    ctx.add_init_script(PROBE)
    page = ctx.new_page()
    started = time.monotonic()
    page.goto(f"{server.url}/b/{server.code}")
    wait_notes(page, cafe.sent)
    loaded = page.evaluate(READ)
    load_ms = (time.monotonic() - started) * 1000
    time.sleep(1.0)
    page.evaluate(RESET)
    before = cafe.sent
    for _ in range(seconds):
        tick = time.monotonic()
        cafe.post()
        time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
    wait_notes(page, cafe.sent)
    time.sleep(0.5)
    seen = page.evaluate(READ)
    # The probe must see a long task when there is one: an 80 ms busy task of the page's own.
    page.evaluate(
        "() => { setTimeout(() => { const t = performance.now(); while (performance.now() - t < 80) { /* busy */ } }, 0); }"
    )
    time.sleep(0.5)
    observer_ok = any(t["duration"] >= 75 for t in page.evaluate(READ)["longtasks"][len(seen["longtasks"]) :])
    ctx.close()
    tasks = [t["duration"] for t in seen["longtasks"]]
    return {
        "notes_at_start": before,
        "notes_at_end": seen["notes"],
        "new_notes": cafe.sent - before,
        "load_ms": round(load_ms),
        "load_longest_task_ms": round(max([t["duration"] for t in loaded["longtasks"]] or [0])),
        "longtasks": len(tasks),
        "longest_task_ms": round(max(tasks or [0]), 1),
        "longtask_total_ms": round(sum(tasks), 1),
        "frame_median_ms": round(statistics.median(seen["frames"]), 2) if seen["frames"] else 0,
        "frame_p95_ms": round(pct(seen["frames"], 95), 2),
        "frame_max_ms": round(max(seen["frames"] or [0]), 1),
        "frames": len(seen["frames"]),
        "render_median_ms": round(statistics.median(seen["renders"]), 2) if seen["renders"] else 0,
        "render_p95_ms": round(pct(seen["renders"], 95), 2),
        "render_max_ms": round(max(seen["renders"] or [0]), 2),
        "renders": len(seen["renders"]),
        "observer_ok": observer_ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=30, help="one new note a second for this long, per run")
    parser.add_argument("--notes", type=int, default=300, help="notes on the board before the runs")
    parser.add_argument("--people", type=int, default=28)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--chromium", default=chromium_path())
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = Server(
            Path(tmp),
            env={
                "CAFE_NOTE_RATE": "1000",
                "CAFE_NOTE_BURST": "1000",
                "CAFE_COMMANDS_PER_SECOND": "1000",
                "CAFE_COMMAND_BURST": "1000",
                "CAFE_LOG_LEVEL": "WARNING",
            },
        ).start()
        cafe = None
        try:
            cafe = Cafe(server, args.people)
            for _ in range(args.notes):
                cafe.post()
            print(f"café {server.code}: {args.people} phones, {cafe.sent} notes", file=sys.stderr)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                runs = []
                for n in range(args.runs):
                    run = one_run(browser, server, cafe, args.seconds, (args.width, args.height))
                    runs.append(run)
                    print(f"run {n + 1}: {json.dumps(run)}", file=sys.stderr)
                browser.close()
            report(args, runs)
        finally:
            if cafe is not None:
                cafe.close()
            server.stop()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # the socket clients' reconnect threads must not keep a finished bench alive


def report(args: argparse.Namespace, runs: list[dict[str, Any]]) -> None:
    """One JSON line on stdout; a readable summary on stderr."""
    keys = [k for k in runs[0] if isinstance(runs[0][k], (int, float)) and not isinstance(runs[0][k], bool)]
    median = {k: statistics.median(r[k] for r in runs) for k in keys}
    print(json.dumps({"viewport": f"{args.width}x{args.height}", "runs": runs, "median": median}))
    m = median
    print(
        f"\nboard at {args.width}x{args.height}, median of {args.runs} runs "
        f"({m['notes_at_start']:.0f} notes on the board, +1 a second for {args.seconds} s):\n"
        f"  load with {args.notes}+ notes: {m['load_ms']:.0f} ms, longest task {m['load_longest_task_ms']:.0f} ms\n"
        f"  long tasks while notes arrive: {m['longtasks']:.0f} (longest {m['longest_task_ms']} ms, "
        f"total {m['longtask_total_ms']} ms)\n"
        f"  frame gaps: median {m['frame_median_ms']} ms, p95 {m['frame_p95_ms']} ms, max {m['frame_max_ms']} ms\n"
        f"  board render per change: median {m['render_median_ms']} ms, p95 {m['render_p95_ms']} ms, "
        f"max {m['render_max_ms']} ms\n"
        f"  long-task observer saw an 80 ms probe task: {all(r['observer_ok'] for r in runs)}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
