"""How fast the board's emerging-themes view follows the theme team.

Starts `run.py --demo` on a private database (like tests/server.py), seats a thin room (20 phones
for 14 tables, so the areas are uneven), fills the tablecloths with 60 notes in English, Spanish,
Kreyòl and Chinese (bench/data/themes.csv), and opens the board in Debian's Chromium at 1920x1080
with the themes view on. Per run, two theme-team members (two sockets, two names) make two themes
in each area and then put 50 notes into them at the same time, each as fast as its acks come back.
A MutationObserver on the board records when each theme's size changes on screen; a move's lag is
from the moment its member sends it to the moment the board shows that theme at that size (the
server's work, the event to the board and the board's drawing, all in it). The ack's own round trip
is printed beside it.

Prints one JSON line with every run and the medians on stdout, a readable summary on stderr.
Figures, never assertions.

    .venv/bin/python bench/theme_board.py [--runs 3] [--notes 60] [--moves 50]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.chromium import CHROMIUM_ARGS, chromium_path  # noqa: E402
from tests.server import LiveClient, Server, facilitator_and_phones  # noqa: E402

CHINESE = ["社区土地信托买下空地", "为合作社设立周转贷款基金", "用中文和西班牙语开办培训班", "把农场和学校厨房连起来"]
# Registered before the board's own scripts: every change of a theme's size on screen, timed.
PROBE = """
window.__sizes = [];
const last = new Map();
new MutationObserver(() => {
  for (const tile of document.querySelectorAll('.theme-tile')) {
    const size = parseInt(tile.querySelector('.theme-tile-size').textContent, 10);
    if (last.get(tile.dataset.themeId) !== size) {
      last.set(tile.dataset.themeId, size);
      window.__sizes.push({ theme: Number(tile.dataset.themeId), size, at: Date.now() });
    }
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def texts_by_area() -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    with (ROOT / "bench" / "data" / "themes.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[row["area"]].append(row["text"])
    return out


def ok(client: LiveClient, command: str, payload: dict[str, Any]) -> dict[str, Any]:
    ack = client.call(command, payload)
    if not ack.get("ok"):
        raise SystemExit(f"{command}: {ack}")
    return ack


def post(fac: LiveClient, ids: list[int], phones: list[LiveClient], count: int) -> list[dict[str, Any]]:
    """`count` notes from the phones at their tables, in their area's words (some in Chinese)."""
    state = fac.state()
    areas = {t["id"]: t["name"] for t in state["topics"]}
    area_of = {t["id"]: areas[t["topic_id"]] for t in state["tables"]}
    seats = {int(k): v for k, v in state["seating"]["seats"].items()}
    pool, used, notes = texts_by_area(), defaultdict(int), []
    for k in range(count):
        i = k % len(phones)
        table = seats[ids[i]]
        words = pool[area_of[table]]
        text = CHINESE[(k // 15) % len(CHINESE)] if k % 15 == 7 else words[used[area_of[table]] % len(words)]
        used[area_of[table]] += 1
        payload = {"id": str(uuid.uuid4()), "table_id": table, "round": state["cafe"]["current_round"], "text": text}
        notes.append(ok(phones[i], "add_note", payload)["note"])
    return notes


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def one_run(
    server: Server,
    fac: LiveClient,
    members: list[LiveClient],
    notes: list[dict[str, Any]],
    page: Any,
    moves: int,
    run: int,
) -> dict[str, Any]:
    state = fac.state()
    area_of_table = {t["id"]: t["topic_id"] for t in state["tables"]}
    # Every note back to unsorted, and a fresh pair of themes per area for each run.
    for theme in state["themes"]:
        ok(fac, "remove_theme", {"theme_id": theme["id"]})
    per_area: dict[int, list[str]] = defaultdict(list)
    for note in notes:
        per_area[area_of_table[note["table_id"]]].append(note["id"])
    themes: dict[int, list[int]] = {}
    for area in per_area:
        made = []
        for member, label in zip(members, ("A", "B"), strict=True):
            ok(member, "create_theme", {"name": f"Run {run} {label}{area}", "topic_id": area})
            made.append(max(t["id"] for t in member.state()["themes"]))
        themes[area] = made
    page.evaluate("window.__sizes = []")
    chosen = [n["id"] for n in notes][:moves]
    work: list[list[tuple[str, int]]] = [[], []]
    for k, note_id in enumerate(chosen):
        area = next(a for a, ids in per_area.items() if note_id in ids)
        work[k % 2].append((note_id, themes[area][k % 2]))
    acks: list[tuple[int, int, float, float]] = []  # (seq, theme, sent wall ms, acked wall ms)
    lock = threading.Lock()

    def member_moves(member: LiveClient, todo: list[tuple[str, int]]) -> None:
        for note_id, theme in todo:
            sent = time.time() * 1000
            ack = ok(member, "assign_notes", {"note_ids": [note_id], "theme_id": theme, "seen": {note_id: None}})
            with lock:
                acks.append((ack["seq"], theme, sent, time.time() * 1000))

    threads = [threading.Thread(target=member_moves, args=(m, w)) for m, w in zip(members, work, strict=True)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - started
    time.sleep(1.5)  # let the board draw the last moves
    seen = page.evaluate("window.__sizes")
    # The k-th move into a theme (by seq) makes it size k; its lag is until the board shows >= k.
    lags: list[float] = []
    missing = 0
    by_theme: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for seq, theme, sent, _acked in sorted(acks):
        by_theme[theme].append((seq, sent))
    for theme, moved in by_theme.items():
        shown = [(s["at"], s["size"]) for s in seen if s["theme"] == theme]
        for k, (_seq, at) in enumerate(moved, start=1):
            when = next((t for t, size in shown if size >= k), None)
            if when is None:
                missing += 1
            else:
                lags.append(when - at)
    return {
        "moves": len(acks),
        "seconds_for_the_moves": round(took, 2),
        "never_shown": missing,
        "lag_ms_p50": round(statistics.median(lags), 1) if lags else None,
        "lag_ms_p99": round(pct(lags, 0.99), 1) if lags else None,
        "lag_ms_max": round(max(lags), 1) if lags else None,
        "ack_ms_p50": round(statistics.median(a[3] - a[2] for a in acks), 1),
        "ack_ms_p99": round(pct([a[3] - a[2] for a in acks], 0.99), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--notes", type=int, default=60)
    parser.add_argument("--moves", type=int, default=50)
    args = parser.parse_args()
    path = chromium_path()
    if path is None:
        raise SystemExit("chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    env = {
        "CAFE_NOTE_RATE": "1000",
        "CAFE_NOTE_BURST": "1000",
        "CAFE_COMMANDS_PER_SECOND": "1000",
        "CAFE_COMMAND_BURST": "1000",
    }
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp), env=env).start() as server:
        fac, ids, phones = facilitator_and_phones(server, 20)
        ok(fac, "start_round", {})
        ok(fac, "start_round", {})
        notes = post(fac, ids, phones, args.notes)
        members = []
        for name in ("Dana", "Éli"):
            url = ok(fac, "create_team_link", {"role": "theme", "label": name})["url"]
            auth = {"cafe": server.code, "role": "facilitator", "secret": url.split("#", 1)[1], "name": name}
            members.append(LiveClient(server, auth).connect())
        ok(fac, "update_cafe", {"settings": {"board_themes": True}})
        runs = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.add_init_script(PROBE)
            page.goto(f"{server.url}/b/{server.code}")
            page.wait_for_selector("body[data-view=themes]")
            for run in range(1, args.runs + 1):
                runs.append(one_run(server, fac, members, notes, page, args.moves, run))
                print(f"run {run}: {runs[-1]}", file=sys.stderr)
            browser.close()
        for client in [fac, *members, *phones]:
            client.close()
    keys = ("lag_ms_p50", "lag_ms_p99", "lag_ms_max", "ack_ms_p50", "ack_ms_p99", "seconds_for_the_moves")
    medians = {k: statistics.median(r[k] for r in runs if r[k] is not None) for k in keys}
    print(
        f"board follows the theme team: median of {len(runs)} runs: p50 {medians['lag_ms_p50']:.0f} ms, "
        f"p99 {medians['lag_ms_p99']:.0f} ms, max {medians['lag_ms_max']:.0f} ms from the member's send "
        f"(the ack: p50 {medians['ack_ms_p50']:.0f} ms, p99 {medians['ack_ms_p99']:.0f} ms); never shown: "
        f"{sum(r['never_shown'] for r in runs)}",
        file=sys.stderr,
    )
    print(json.dumps({"runs": runs, "medians": medians}))


if __name__ == "__main__":
    main()
