"""The proxy set-up of docs/deploy.md, run as written: two processes behind Debian's nginx, and
every page, API call and socket of a café reaches one process (sticky by café)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from tests.server import ROOT, LiveClient, Server, free_port

pytestmark = [pytest.mark.redis, pytest.mark.server]

DEPLOY = ROOT / "docs" / "deploy.md"
MARK = "<!-- sticky-by-cafe"


def documented_block() -> str:
    """The nginx block docs/deploy.md gives for several processes, as written there."""
    text = DEPLOY.read_text()
    start = text.index("```nginx", text.index(MARK)) + len("```nginx")
    return text[start : text.index("```", start)]


def runnable(block: str, ports: list[int], listen: int, work: Path) -> str:
    """The documented block with the test's ports, in a whole configuration of its own."""
    swaps = {
        "server 127.0.0.1:5001;": f"server 127.0.0.1:{ports[0]};",
        "server 127.0.0.1:5002;": f"server 127.0.0.1:{ports[1]};",
        "listen 443 ssl;": f"listen 127.0.0.1:{listen};",
    }
    for old, new in swaps.items():
        assert old in block, f"docs/deploy.md's block lost {old!r}"
        block = block.replace(old, new)
    temp = " ".join(f"{kind}_temp_path {work}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""
{"user root;" if os.geteuid() == 0 else ""}
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{}}
http {{
    {temp}
    log_format sticky '$upstream_addr $request_uri';
    access_log {work}/access.log sticky;
{block}
}}
"""


class Through:
    """Where a client reaches a café through nginx: its code in the URL, as the browser sends it."""

    def __init__(self, base: str, code: str) -> None:
        self.url = f"{base}/?cafe={code}"


def test_each_cafes_pages_api_and_sockets_reach_one_process_through_the_documented_nginx(tmp_path: Path) -> None:
    redis_url = os.environ.get("CAFE_TEST_REDIS_URL")
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not redis_url or not nginx:
        pytest.skip("needs CAFE_TEST_REDIS_URL and nginx (apt-get install nginx)")
    listen = free_port()
    env = {
        "CAFE_MESSAGE_QUEUE": redis_url,
        "CAFE_QUEUE_CHANNEL": f"cafe-sticky-{secrets.token_hex(4)}",
        "CAFE_TRUST_PROXY": "1",
        # nginx passes `Host $host`, without the port; on 443 that is the origin, here it is not.
        "CAFE_ALLOWED_ORIGINS": f"http://127.0.0.1:{listen}",
    }
    servers = [Server(tmp_path, env=env, name=name) for name in ("first", "second")]
    work = tmp_path / "nginx"
    work.mkdir()
    (work / "nginx.conf").write_text(runnable(documented_block(), [s.port for s in servers], listen, work))
    proxy: subprocess.Popen[bytes] | None = None
    clients: list[Any] = []
    try:
        for server in servers:
            server.start()
        proxy = subprocess.Popen(
            [nginx, "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{listen}"
        wait_until_up(base, proxy, work)
        # Three cafés of different shapes and languages, each with a panel, a board on polling
        # (the transport that needs stickiness), and phones that arrive in their own languages.
        cafes = []
        for title, languages in (("Café 一", ["zh", "es"]), ("Kafe Kreyòl", ["ht", "en", "pt"]), ("Assemblée", ["en"])):
            made = requests.post(f"{base}/api/cafes", json={"title": title}, timeout=10).json()
            code = made["cafe"]["code"]
            fac = LiveClient(
                Through(base, code), {"cafe": code, "role": "facilitator", "secret": made["facilitator_secret"]}
            )  # type: ignore[arg-type]
            clients.append(fac.connect())
            assert fac.call("add_topic", {"name": f"{title} area", "tables": 2, "capacity": 4})["ok"]
            rounds = [{"question": "Q1", "discuss_seconds": 600, "move_seconds": 60}]
            assert fac.call("set_rounds", {"rounds": rounds})["ok"]
            assert fac.call("open_cafe", {})["ok"]
            board = socketio.Client()
            board.connect(
                Through(base, code).url, auth={"cafe": code, "role": "board"}, transports=["polling", "websocket"]
            )
            clients.append(board)
            assert board.call("sync", {"since": None}, timeout=10)["ok"]
            phones = []
            for n, language in enumerate(languages):
                joined = requests.post(
                    f"{base}/api/cafes/{code}/participants",
                    json={"name": f"{title} {n}", "language": language},
                    timeout=10,
                ).json()
                phone = LiveClient(Through(base, code), {"cafe": code, "role": "phone", "token": joined["token"]})  # type: ignore[arg-type]
                clients.append(phone.connect())
                phones.append(phone)
            assert requests.get(f"{base}/j/{code}", timeout=10).ok and requests.get(f"{base}/b/{code}", timeout=10).ok
            assert fac.call("start_round", {})["ok"]
            for phone in phones:  # events reach every socket of the café through nginx
                phone.wait_for(lambda evs: any(e["type"] == "seats_assigned" for e in evs))
            cafes.append(code)
        for client in clients:
            (client.close if isinstance(client, LiveClient) else client.disconnect)()
        time.sleep(0.5)  # nginx writes a websocket's line when it closes
        lines = [line.split(" ", 1) for line in (work / "access.log").read_text().splitlines() if " " in line]
        for code in cafes:
            mine = [
                (up, uri)
                for up, uri in lines
                if f"cafe={code}" in uri or re.search(rf"^/(j|b|f|api/cafes)/{code}\b", uri)
            ]
            kinds = {("socket" if "socket.io" in uri else "page") for _up, uri in mine}
            assert kinds == {"socket", "page"}, mine
            assert any("transport=polling" in uri for _up, uri in mine), "the board's polling went through nginx"
            assert len({up for up, _uri in mine}) == 1, f"café {code} reached more than one process: {mine}"
    finally:
        for client in clients:
            try:
                (client.close if isinstance(client, LiveClient) else client.disconnect)()
            except Exception:
                pass
        if proxy is not None:
            proxy.terminate()
            proxy.wait(10)
        for server in servers:
            server.stop()


def wait_until_up(base: str, proxy: subprocess.Popen[bytes], work: Path, timeout: float = 15.0) -> None:
    """Wait until nginx answers through to a process."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proxy.poll() is not None:
            raise AssertionError(f"nginx exited: {(work / 'error.log').read_text(errors='replace')}")
        try:
            if requests.get(f"{base}/healthz", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError("nginx did not answer")
