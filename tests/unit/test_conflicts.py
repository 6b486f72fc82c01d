"""A transaction PostgreSQL refused as a deadlock runs once more; other failures do not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.exc import DBAPIError

from cafe.db import once_more_on_conflict


class Refusal(Exception):
    """What the driver raises: an error with the database's SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def failing(times: int, sqlstate: str) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def work() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise DBAPIError("UPDATE cafe ...", {}, Refusal(sqlstate))
        return "done"

    return calls, work


def test_a_deadlocked_transaction_runs_once_more_and_its_answer_is_returned() -> None:
    calls, work = failing(1, "40P01")
    assert once_more_on_conflict(work) == "done"
    assert len(calls) == 2


def test_a_serialization_failure_runs_once_more_too() -> None:
    calls, work = failing(1, "40001")
    assert once_more_on_conflict(work) == "done"
    assert len(calls) == 2


def test_a_second_deadlock_in_a_row_is_reported_not_retried_forever() -> None:
    calls, work = failing(2, "40P01")
    with pytest.raises(DBAPIError):
        once_more_on_conflict(work)
    assert len(calls) == 2


def test_any_other_database_error_is_not_retried() -> None:
    calls, work = failing(1, "23505")  # a unique violation: running it again would not help
    with pytest.raises(DBAPIError):
        once_more_on_conflict(work)
    assert len(calls) == 1
