"""The one way this project starts a browser: Debian's Chromium, headless, quiet (tests and benches)."""

from __future__ import annotations

import os
import shutil

# No sandbox (containers), no GPU, and none of the browser's own traffic that would skew a bench
# or wait on a network the machine does not have.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    """Debian's chromium (or CAFE_CHROMIUM); never a downloaded browser."""
    return os.environ.get("CAFE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
