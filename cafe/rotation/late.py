"""Where someone arriving during a round sits: a live conversation, never an empty table."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from cafe.rotation.model import Person, Table


def late_seat(
    tables: Sequence[Table],
    seats: Mapping[int, int],
    person: Person,
    people: Mapping[int, Person],
    *,
    visited: Collection[int] = (),
    companions: Collection[int] = (),
    min_table_size: int = 1,
) -> int | None:
    """The table for `person`, who arrives while a round runs (None when every seat is taken).

    `seats` is the round's seating {person_id: table_id} of the people present, `people` those
    people (their languages), `visited` the topics `person` has sat at before, `companions` the
    people they sit with. In order: a table somebody already sits at (an empty table only when
    none of those has room), one with a companion, one where somebody shares a language, a topic
    not visited yet, a table still short of `min_table_size`, then the emptiest.
    """
    occupancy: dict[int, int] = {}
    for table_id in seats.values():
        occupancy[table_id] = occupancy.get(table_id, 0) + 1
    spoken: dict[int, set[str]] = {}
    with_companion: set[int] = set()
    for pid, table_id in seats.items():
        if pid == person.id:
            continue
        other = people.get(pid)
        if other is not None:
            spoken.setdefault(table_id, set()).update(other.languages)
        if pid in companions:
            with_companion.add(table_id)
    mine = set(person.languages)
    best: tuple[object, ...] | None = None
    choice: int | None = None
    for table in sorted(tables, key=lambda t: t.id):
        used = occupancy.get(table.id, 0)
        if used >= table.capacity:
            continue
        key = (
            used == 0,
            table.id not in with_companion,
            bool(mine) and not (mine & spoken.get(table.id, set())),
            table.topic in visited,
            used >= min(min_table_size, table.capacity),
            used / table.capacity,
            table.id,
        )
        if best is None or key < best:
            best, choice = key, table.id
    return choice
