"""The pure parts import without the web stack: the package root builds nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

# Run in a fresh interpreter where importing any web or database package fails, as in a venv
# that has none of them installed.
HIDDEN = [
    "flask",
    "flask_babel",
    "flask_socketio",
    "socketio",
    "engineio",
    "werkzeug",
    "sqlalchemy",
    "gevent",
    "eventlet",
    "redis",
    "psycopg",
    "jinja2",
    "babel",
]

SCRIPT = textwrap.dedent("""
    import importlib.abc, sys

    class Hide(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in HIDDEN:
                raise ImportError(f"{name} is hidden for this test")
            return None

    sys.meta_path.insert(0, Hide())
    import cafe.rotation, cafe.clock
    from cafe.rotation import Person, Problem, Table, plan

    # A thin, uneven, multilingual room: 7 people, areas of 2 and 1 tables, two Spanish-only.
    tables = (Table(1, 0, 4), Table(2, 0, 4), Table(3, 1, 4))
    people = tuple(Person(i, languages=("es",) if i < 2 else ("es", "en") if i == 2 else ("en",))
                   for i in range(7))
    result = plan(Problem(tables=tables, people=people, rounds=2, seed=1, min_table_size=3))
    assert len(result.rounds) == 2 and all(len(seats) == 7 for seats in result.rounds), result
    assert result.score.language_misses == 0, result.score
    loaded = sorted(m.split(".")[0] for m in sys.modules if m.split(".")[0] in HIDDEN)
    assert loaded == [], loaded
    print("pure import ok")
""")


def test_the_mixing_engine_and_the_clock_import_and_plan_without_flask_or_sqlalchemy() -> None:
    run = subprocess.run(
        [sys.executable, "-c", f"HIDDEN = {HIDDEN!r}\n{SCRIPT}"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert "pure import ok" in run.stdout
