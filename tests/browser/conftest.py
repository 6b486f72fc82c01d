"""A real Chromium (Debian's) driven by Playwright against a real `run.py` server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import CHROMIUM_ARGS, chromium_path
from tests.server import Server

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole session."""
    path = chromium_path()
    if path is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[Server]:
    """`run.py --demo` for a browser test."""
    server = Server(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def roomy_server(tmp_path: Path) -> Iterator[Server]:
    """The demo café with note and command budgets opened up (one host fills it for many phones)."""
    env = {
        "CAFE_NOTE_RATE": "1000",
        "CAFE_NOTE_BURST": "1000",
        "CAFE_COMMANDS_PER_SECOND": "1000",
        "CAFE_COMMAND_BURST": "1000",
    }
    with Server(tmp_path, env=env).start() as server:
        yield server


@pytest.fixture
def shot() -> Any:
    """Save a screenshot into test-artifacts/ (kept by CI, looked at by people)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def _shot(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return _shot
