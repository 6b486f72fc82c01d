"""A server process's garbage collection (cafe/collector.py): what exists at start is frozen,
the automatic full collection is off, and the process's own full collection frees what cycles
are left."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from cafe import collector


@pytest.fixture
def pristine_gc() -> Iterator[None]:
    """Whatever a test does to the collector, the rest of the suite gets Python's defaults back."""
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


class Socketish:
    """A stand-in for a closed socket's state: objects that point at each other."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.environ = {"socket": self, "HTTP_ACCEPT_LANGUAGE": "zh-CN,ht;q=0.8"}


def test_a_server_process_freezes_what_exists_and_turns_the_automatic_full_collection_off(
    pristine_gc: None,
) -> None:
    young, middle, _ = gc.get_threshold()
    assert collector.settle(600)
    assert gc.get_freeze_count() > 1000  # modules, classes, the test session: all of it
    assert gc.get_threshold() == (young, middle, collector.NEVER)


def test_zero_leaves_pythons_own_collection_alone(pristine_gc: None) -> None:
    before = gc.get_threshold()
    assert not collector.settle(0)
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before


def test_cycles_left_by_closed_sockets_are_freed_by_the_full_collection(pristine_gc: None) -> None:
    import weakref

    collector.settle(600)
    gc.disable()  # nothing automatic between the sockets' closing and the collection
    try:
        closed = [Socketish(name) for name in ("李华", "Jèrôm", "Lucía")]
        refs = [weakref.ref(s) for s in closed]
        del closed
        assert all(ref() is not None for ref in refs)  # refcounting alone cannot free a cycle
        freed, ms = collector.collect_full()
    finally:
        gc.enable()
    assert all(ref() is None for ref in refs)
    assert freed >= 3 * 2 and ms >= 0  # each socket and its environ


def test_a_cycle_frozen_at_start_stays_which_is_why_only_the_start_is_frozen(pristine_gc: None) -> None:
    import weakref

    gc.disable()
    try:
        at_start = Socketish("at start")
        frozen_ref = weakref.ref(at_start)
        collector.settle(600)  # frozen with everything else that exists now
        later = Socketish("later")
        later_ref = weakref.ref(later)
        del at_start, later
        collector.collect_full()
        assert later_ref() is None  # a socket's cycle from after the start is freed
        assert frozen_ref() is not None  # the frozen one waits for an unfreeze: never freeze later
    finally:
        gc.enable()
