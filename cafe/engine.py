"""CPU-heavy pure work (the mixing engine, theme suggestions) in a process of its own.

A plan for 1,000-2,000 people is a few hundred milliseconds of pure Python. In a thread of the
server process it held the GIL that long: every socket of the process stopped, so a big café's
plan ahead stalled its own board and every neighbouring café's (bench/README.md, "Neighbours":
the small cafés' note p99 went from 180 to 370-800 ms whenever the big one planned). Here the
work runs in a child process (`python -m cafe.engine`) that imports only the pure modules; the
server's greenlet waits on a pipe, and the hub keeps serving sockets meanwhile.

The protocol is length-prefixed pickles over the child's stdin and stdout, one call at a time
(plans are rare): `(module, function name, args)` -> `(True, result)` or `(False, exception)`.
The child is started on first use and started again if it dies; it exits when its stdin closes.
Only functions of the pure modules are run (`ALLOWED`), so nothing else can be asked of it, even
by a bug.
"""

from __future__ import annotations

import importlib
import pickle
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")

# The pure packages: the mixing engine and the theme suggestions (no Flask, no database).
ALLOWED = ("cafe.rotation", "cafe.themes")
ROOT = Path(__file__).resolve().parent.parent
_HEADER = struct.Struct("!I")


def allowed(module: str) -> bool:
    """Whether the engine process runs functions of `module`."""
    return any(module == name or module.startswith(name + ".") for name in ALLOWED)


def _write(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError("the engine process closed its pipe")
    size = _HEADER.unpack(head)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the engine process closed its pipe mid-answer")
    return pickle.loads(data)  # noqa: S301 - our own child, over its own pipe


class EngineProcess:
    """Runs pure functions in a child process; one call at a time."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        # With gevent's patches this lock is cooperative: a second caller waits its turn.
        self.lock = threading.Lock()

    def __call__(self, fn: Any, *args: Any) -> Any:
        """`fn(*args)` in the child; its exception (say, not enough seats) is raised here."""
        module = fn.__module__
        if not allowed(module):
            raise ValueError(f"{module}.{fn.__qualname__} is not run in the engine process")
        with self.lock:
            for attempt in (1, 2):
                child = self._child()
                assert child.stdin is not None and child.stdout is not None
                try:
                    _write(child.stdin, (module, fn.__qualname__, args))
                    ok, value = _read(child.stdout)
                except (EOFError, OSError):
                    self.close()  # it died (killed, out of memory): once more with a new one
                    if attempt == 2:
                        raise
                    continue
                if ok:
                    return value
                raise value
        raise AssertionError("unreachable")

    def _child(self) -> subprocess.Popen[bytes]:
        if self.process is not None and self.process.poll() is not None:
            self.close()  # it ended since the last call: its pipes go with it
        if self.process is None:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cafe.engine"],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        return self.process

    def close(self) -> None:
        """Stop the child (it would also stop when this process ends: its stdin closes)."""
        child, self.process = self.process, None
        if child is None:
            return
        if child.poll() is None:
            child.kill()
        child.wait(5)
        for pipe in (child.stdin, child.stdout):
            if pipe is not None:
                pipe.close()

    @property
    def pid(self) -> int | None:
        """The child's pid while it runs (the bench counts its memory and CPU)."""
        return self.process.pid if self.process is not None and self.process.poll() is None else None


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The child's loop: read a call, answer it, until the server closes the pipe."""
    while True:
        try:
            module, name, args = _read(stdin)
        except EOFError:
            return
        try:
            if not allowed(module):
                raise ValueError(f"{module} is not run here")
            fn = importlib.import_module(module)
            for part in name.split("."):
                fn = getattr(fn, part)
            answer: tuple[bool, Any] = (True, fn(*args))
        except Exception as exc:
            answer = (False, exc)
        try:
            _write(stdout, answer)
        except pickle.PicklingError as exc:
            _write(stdout, (False, ValueError(f"the engine's answer could not be sent: {exc}")))


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
