"""A phone on weak venue Wi-Fi: how long from opening the join link, and from tapping Join, until
it says which table to go to.

    python bench/slow_phone.py                 # 3 runs at 400 kbit/s each way, 400 ms round trip
    python bench/slow_phone.py --runs 5 --kbps 250 --latency 600

Each run starts a real `run.py --demo` server, opens the phone page in Chromium (Debian's, driven
by Playwright) under Chromium's own network emulation with the cache off, types a name and taps
Join; once the phone is in the lobby a facilitator (a python Socket.IO client on loopback) starts
round 1, and the phone shows "Go to Table N". Times are taken inside the page (performance.now(),
a MutationObserver on the screens), so polling does not blur them. Prints ONE JSON line: medians
and every run. The target is join-to-seat <= 5 s.

Chromium's emulation slows a WebSocket's opening handshake but not its frames, so with the
websocket the figures after the upgrade are too kind. Each run is therefore done twice: as the
phone really connects ("websocket"), and with the websocket blocked so Socket.IO stays on HTTP
long-polling, where every message pays the emulated delay ("polling", an upper bound).
The verdict is taken on the upper bound.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.chromium import CHROMIUM_ARGS, chromium_path  # noqa: E402
from tests.server import LiveClient, Server  # noqa: E402

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
TARGET_S = 5.0

# Runs before the page's own scripts: notes when each screen first shows, and when Join is tapped.
PROBE = """
(() => {
  const marks = {};
  window.__marks = marks;
  const screens = ['join', 'lobby', 'move'];
  const look = () => {
    for (const id of screens) {
      const node = document.getElementById(id);
      if (node && !node.hidden && !(id in marks)) marks[id] = performance.now();
    }
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true,
                                                 attributes: true, attributeFilter: ['hidden'] });
  document.addEventListener('click', (event) => {
    if (event.target && event.target.id === 'join-button' && !('click' in marks)) {
      marks.click = performance.now();
    }
  }, true);
})();
"""


def one_run(browser: Any, kbps: int, latency_ms: int, polling: bool) -> dict[str, float]:
    """One phone on a fresh server: page load, join to lobby, round start to seat."""
    from playwright.sync_api import expect

    workdir = Path(tempfile.mkdtemp(prefix="slow-phone-"))
    server = Server(workdir).start()
    ctx = browser.new_context(**PHONE)
    try:
        page = ctx.new_page()
        page.add_init_script(PROBE)
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        rate = kbps * 1000 / 8  # bytes per second
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": latency_ms,
                "downloadThroughput": rate,
                "uploadThroughput": rate,
            },
        )
        if polling:
            # Refuse the upgrade: the page never reaches the server's websocket.
            page.route_web_socket("**/socket.io/**", lambda ws: ws.close())
        received = [0]
        sockets = [0]
        cdp.on("Network.webSocketHandshakeResponseReceived", lambda e: sockets.__setitem__(0, sockets[0] + 1))
        cdp.on("Network.loadingFinished", lambda e: received.__setitem__(0, received[0] + int(e["encodedDataLength"])))
        page.goto(f"{server.url}/j/{server.code}", wait_until="commit")
        expect(page.locator("#join")).to_be_visible(timeout=60_000)
        page.fill("#name", "Ana")
        page.click("#join-button")
        expect(page.locator("#lobby")).to_be_visible(timeout=60_000)
        page_bytes = received[0]
        fac = LiveClient(server, {"cafe": server.code, "role": "facilitator", "secret": server.secret}).connect()
        try:
            started = page.evaluate("() => performance.now()")
            ack = fac.call("start_round", {})
            assert ack["ok"], ack
            expect(page.locator("#move")).to_be_visible(timeout=60_000)
            expect(page.locator("#move-head")).to_contain_text("Table")
        finally:
            fac.close()
        marks = page.evaluate("() => window.__marks")
        return {
            "page_load_s": marks["join"] / 1000,
            "join_to_lobby_s": (marks["lobby"] - marks["click"]) / 1000,
            "start_to_move_s": (marks["move"] - started) / 1000,
            "join_to_seat_s": (marks["move"] - marks["click"]) / 1000,
            "page_kb": page_bytes / 1024,
            "websockets_opened": sockets[0],
        }
    finally:
        ctx.close()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    """Run the phone a few times and print the medians as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kbps", type=int, default=400, help="kbit/s each way")
    parser.add_argument("--latency", type=int, default=400, help="added round trip, ms")
    args = parser.parse_args()
    path = chromium_path()
    if path is None:
        sys.exit("chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    runs: dict[str, list[dict[str, float]]] = {"websocket": [], "polling": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            for transport in ("websocket", "polling"):
                for n in range(args.runs):
                    started = time.monotonic()
                    runs[transport].append(one_run(browser, args.kbps, args.latency, polling=transport == "polling"))
                    figures = {k: round(v, 2) for k, v in runs[transport][-1].items()}
                    print(
                        f"{transport} run {n + 1}: {json.dumps(figures)} ({time.monotonic() - started:.0f}s)",
                        file=sys.stderr,
                    )
        finally:
            browser.close()
    median = {
        transport: {key: round(statistics.median(r[key] for r in done), 2) for key in done[0]}
        for transport, done in runs.items()
    }
    print(
        json.dumps(
            {
                "bench": "slow_phone",
                "network": {"kbit_s": args.kbps, "latency_ms": args.latency, "cache": "disabled"},
                "runs": args.runs,
                "median": median,
                "target_join_to_seat_s": TARGET_S,
                "within_target": median["polling"]["join_to_seat_s"] <= TARGET_S,
                "each": {
                    transport: [{k: round(v, 2) for k, v in r.items()} for r in done]
                    for transport, done in runs.items()
                },
            }
        )
    )


if __name__ == "__main__":
    main()
