"""Tests take their shared client code from test-support modules (tests/wire.py), never from bench/."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent


def bench_imports(path: Path) -> list[str]:
    """The `bench` modules that a Python file imports, as `line: module`."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [f"{node.lineno}: {name}" for name in names if name == "bench" or name.startswith("bench.")]
    return found


def test_no_test_file_imports_a_bench_module() -> None:
    offenders = {
        str(path.relative_to(TESTS.parent)): hits
        for path in sorted(TESTS.rglob("*.py"))
        if (hits := bench_imports(path))
    }
    assert offenders == {}, f"tests must not import from bench/ (move shared code to tests/): {offenders}"


def test_the_scan_sees_every_kind_of_bench_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import bench\nimport os, bench.live as live\nfrom bench.livebench import cli\nfrom bench import board\n"
        "from benchmarks import x\nfrom .bench import y\nimport benchy\n",
        encoding="utf-8",
    )
    assert bench_imports(sample) == ["1: bench", "2: bench.live", "3: bench.livebench", "4: bench"]
