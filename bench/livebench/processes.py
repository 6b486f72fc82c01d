"""Process control for a bench run: the café's and the relay's server processes, PostgreSQL, limits."""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.livebench.measure import log

BENCH = Path(__file__).resolve().parent.parent
ROOT = BENCH.parent
RELAY = BENCH / "relay_server.py"


# --------------------------------------------------------------------------------------------
# Server processes


class ServerProcess:
    """One server process (run.py or the relay), its log, and a readiness wait."""

    def __init__(self, argv: list[str], env: dict[str, str], log_path: Path, port: int) -> None:
        self.argv, self.env, self.log_path, self.port = argv, env, log_path, port
        self.proc: subprocess.Popen[bytes] | None = None
        self.reported = False  # its round-change lines were echoed already

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> str:
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            output = self.log_path.read_text(errors="replace")
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{output[-3000:]}")
            if "Press Ctrl+C" in output:
                try:
                    with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                        if answer.status == 200:
                            return output
                except OSError:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start in {timeout}s:\n{self.log_path.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def free_ports(count: int) -> list[int]:
    """`count` consecutive free TCP ports on 127.0.0.1."""
    import socket

    for _ in range(200):
        base = random.randint(20000, 60000 - count)
        ok = True
        for port in range(base, base + count):
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return list(range(base, base + count))
    raise RuntimeError("no free ports")


# --------------------------------------------------------------------------------------------
# Limits, databases, starting and stopping


def raise_file_limit(wanted: int) -> None:
    """Raise this process's open-file limit to `wanted` (the servers it starts inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        log(f"WARNING: open-file limit is {soft}; {wanted} wanted for this many sockets")


class Postgres:
    """A fresh schema in the given database, dropped afterwards."""

    def __init__(self, url: str) -> None:
        self.base = url
        self.schema = f"bench_{secrets.token_hex(4)}"

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.base, autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> str:
        self._execute(f'CREATE SCHEMA "{self.schema}"')
        joiner = "&" if "?" in self.base else "?"
        return f"{self.base}{joiner}options=-csearch_path%3D{self.schema}"

    def drop(self) -> None:
        try:
            self._execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        except Exception as exc:
            log(f"could not drop schema {self.schema}: {exc}")


def start_cafe(
    args: argparse.Namespace, workdir: Path, database_url: str, queue: str | None
) -> tuple[list[ServerProcess], str, str]:
    """run.py --demo on consecutive ports; returns the processes, the demo code and secret."""
    ports = free_ports(args.processes)
    env = {
        **os.environ,
        "CAFE_INSTANCE_DIR": str(workdir),  # shared: every process reuses the demo secret
        "CAFE_DATABASE_URL": database_url,
        "CAFE_ASYNC_MODE": args.async_mode,
        "CAFE_SECRET_KEY": secrets.token_hex(16),
        "CAFE_PUBLIC_URL": f"http://127.0.0.1:{ports[0]}",
        "CAFE_LOG_LEVEL": "INFO",  # the server's round lines: read/plan/write/send times
        "PYTHONUNBUFFERED": "1",
    }
    if args.spoof_addresses:
        # Every bench phone comes from 127.0.0.1; with the proxy header trusted each one gets
        # its own address, as phones on a venue's Wi-Fi have, so per-address caps apply per phone.
        env["CAFE_TRUST_PROXY"] = "1"
    if queue:
        env["CAFE_MESSAGE_QUEUE"] = queue
        env["CAFE_QUEUE_CHANNEL"] = f"bench-{secrets.token_hex(4)}"
    servers: list[ServerProcess] = []
    output = ""
    for i, port in enumerate(ports):
        server = ServerProcess(
            [sys.executable, str(ROOT / "run.py"), "--demo", "--host", "127.0.0.1", "--port", str(port)],
            env,
            workdir / f"server-{i}.log",
            port,
        )
        servers.append(server)
        # One at a time: the first one migrates the database and creates the demo café.
        text = server.start()
        if i == 0:
            output = text
    join = re.search(r"Phones join at:\s+(\S+)", output)
    fac = re.search(r"Facilitator \(keep it private\):\s+(\S+)", output)
    if not join or not fac:
        raise RuntimeError(f"could not read the demo code/secret:\n{output[-2000:]}")
    return servers, join.group(1).rsplit("/", 1)[1], fac.group(1).split("#", 1)[1]


def start_relay(args: argparse.Namespace, workdir: Path, queue: str | None) -> list[ServerProcess]:
    """bench/relay_server.py on consecutive ports (sharing `queue` when there are several)."""
    ports = free_ports(args.processes)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    servers = []
    for i, port in enumerate(ports):
        argv = [sys.executable, str(RELAY), "--host", "127.0.0.1", "--port", str(port), "--async-mode", args.async_mode]
        if queue:
            argv += ["--message-queue", queue, "--channel", f"bench-relay-{os.getpid()}"]
        server = ServerProcess(argv, env, workdir / f"relay-{i}.log", port)
        servers.append(server)
        server.start()
    return servers


def stop_all(servers: list[ServerProcess]) -> None:
    """Stop the servers and echo, once per server, the round-change lines of its log."""
    for server in servers:
        try:
            server.stop()
        except Exception as exc:
            log(f"stopping a server: {exc}")
        # Where each round change spent its time, as the server logged it (once per server).
        if server.reported:
            continue
        server.reported = True
        try:
            for line in server.log_path.read_text(errors="replace").splitlines():
                if " seated; read " in line:
                    log(f"server {server.port}: {line.split(': ', 1)[-1]}")
        except OSError:
            pass
