"""The tablecloth's rules: idempotent notes, ownership, dots, pins, summaries, moderation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from cafe.events import Event, withhold
from cafe.models import Note, Participant
from cafe.services import notes
from cafe.services.errors import Conflict, Forbidden, Invalid, NotFound
from tests.conftest import Small


@pytest.fixture
def talking(small: Small) -> Small:
    """The small café in round 1's discussion."""
    small.seated("start_round")
    small.seated("start_round")
    return small


def person(small: Small, index: int) -> Participant:
    pid = small.people[index]
    return small.read(lambda s, c: s.get(Participant, pid))


def table_of(small: Small, index: int) -> int:
    return small.seats(1)[small.people[index]]


def add(small: Small, index: int, text: str = "Shared kitchens", **kw: Any) -> notes.Written:
    me = person(small, index)
    args: dict[str, Any] = {
        "note_id": str(uuid.uuid4()),
        "table_id": table_of(small, index),
        "round_number": 1,
        "text": text,
    }
    args.update(kw)
    return small.do(lambda s, c: notes.add_note(s, c, me, **args))


def test_a_note_lands_on_the_tablecloth_of_the_table_and_round(talking: Small) -> None:
    written = add(talking, 2, "  Community land trusts\nin Worcester ")
    [event] = written.events
    assert event.type == "note_added"
    assert written.note["text"] == "Community land trusts\nin Worcester"
    assert written.note["table_id"] == table_of(talking, 2) and written.note["round"] == 1
    assert written.note["author_name"] == "P2"


def test_the_same_note_sent_three_times_is_one_note(talking: Small) -> None:
    nid = str(uuid.uuid4())
    results = [add(talking, 2, "Same", note_id=nid) for _ in range(3)]
    assert [r.duplicate for r in results] == [False, True, True]
    assert [len(r.events) for r in results] == [1, 0, 0]
    assert talking.read(lambda s, c: len(s.scalars(select(Note)).all())) == 1


def test_the_same_id_with_other_text_is_a_conflict(talking: Small) -> None:
    nid = str(uuid.uuid4())
    add(talking, 2, "First", note_id=nid)
    with pytest.raises(Conflict, match="different note"):
        add(talking, 2, "Second", note_id=nid)


def test_an_anonymous_note_carries_no_author_anywhere(talking: Small) -> None:
    written = add(talking, 2, "Quiet idea", anonymous=True)
    assert written.note["author_id"] is None and written.note["author_name"] is None
    assert "P2" not in repr(written.events[0].data)
    all_notes = talking.read(lambda s, c: notes.visible_notes(s, c, include_hidden=True))
    assert all_notes[0]["author_id"] is None


@pytest.mark.parametrize(
    ("kw", "error", "message"),
    [
        ({"text": "   "}, Invalid, "cannot be empty"),
        ({"text": "x" * 281}, Invalid, "limit is 280"),
        ({"table_id": 99999}, NotFound, "no such table in this café"),
        ({"round_number": 2}, NotFound, "has not started"),
        ({"round_number": "one"}, Invalid, "during a round"),
        ({"note_id": "not-a-uuid"}, Invalid, "UUID"),
        ({"colour": "chartreuse"}, Invalid, "colour is one of"),
    ],
)
def test_bad_notes_are_refused_and_nothing_is_written(
    talking: Small, kw: dict[str, Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        add(talking, 2, **kw)
    assert talking.read(lambda s, c: s.scalars(select(Note)).all()) == []


def test_you_can_only_write_on_the_table_where_you_sat(talking: Small) -> None:
    mine = table_of(talking, 2)
    other = next(t for t in talking.tables if t != mine)
    with pytest.raises(Forbidden, match="You were not at"):
        add(talking, 2, table_id=other)


def test_only_the_author_edits_or_deletes_a_note(talking: Small) -> None:
    note_id = add(talking, 2).note["id"]
    other = person(talking, 3)
    with pytest.raises(Forbidden, match="your own notes"):
        talking.do(lambda s, c: notes.edit_note(s, c, other, note_id, text="Mine now"))
    with pytest.raises(Forbidden):
        talking.do(lambda s, c: notes.delete_note(s, c, other, note_id))
    me = person(talking, 2)
    [edited] = talking.do(lambda s, c: notes.edit_note(s, c, me, note_id, text="Better", colour="pink"))
    assert edited.data["note"]["text"] == "Better" and edited.data["note"]["colour"] == "pink"
    [deleted] = talking.do(lambda s, c: notes.delete_note(s, c, me, note_id))
    assert deleted.data == {"note_id": note_id}
    assert talking.read(lambda s, c: notes.visible_notes(s, c, include_hidden=True)) == []


def test_dots_are_one_per_note_and_limited_per_round(talking: Small) -> None:
    ids = [add(talking, 2, f"Idea {i}").note["id"] for i in range(4)]
    voter = person(talking, 3)
    for nid in ids[:3]:
        [event] = talking.do(lambda s, c, nid=nid: notes.vote(s, c, voter, nid))
        assert event.data["votes"] == 1 and event.data["round"] == 1
    with pytest.raises(Conflict, match="already put a dot"):
        talking.do(lambda s, c: notes.vote(s, c, voter, ids[0]))
    with pytest.raises(Invalid, match="used all 3 of your dots this round") as caught:
        talking.do(lambda s, c: notes.vote(s, c, voter, ids[3]))
    assert caught.value.code == "no_dots_left"
    talking.do(lambda s, c: notes.vote(s, c, voter, ids[0], add=False))
    [event] = talking.do(lambda s, c: notes.vote(s, c, voter, ids[3]))
    assert event.data["added"] and event.data["votes"] == 1


def test_harvest_dots_wait_for_the_harvest(talking: Small) -> None:
    nid = add(talking, 2).note["id"]
    with pytest.raises(Invalid, match="Harvest dots open"):
        talking.do(lambda s, c: notes.vote(s, c, person(talking, 3), nid, phase="harvest"))


def test_only_the_tables_host_pins_and_summarises(talking: Small) -> None:
    host_table = talking.tables[0]
    nid = add(talking, 0, "The host's own note").note["id"]
    host, other = person(talking, 0), person(talking, 1)
    with pytest.raises(Forbidden, match="host"):
        talking.do(lambda s, c: notes.pin_note(s, c, other, nid, True))
    [pinned] = talking.do(lambda s, c: notes.pin_note(s, c, host, nid, True))
    assert pinned.data == {"note_id": nid, "pinned": True}
    with pytest.raises(Forbidden, match="host"):
        talking.do(lambda s, c: notes.write_summary(s, c, other, table_id=host_table, round_number=1, text="Sum"))
    [first] = talking.do(
        lambda s, c: notes.write_summary(s, c, host, table_id=host_table, round_number=1, text="Two ideas")
    )
    [second] = talking.do(
        lambda s, c: notes.write_summary(s, c, host, table_id=host_table, round_number=1, text="Three ideas")
    )
    assert second.data["summary"]["text"] == "Three ideas"
    assert len(talking.read(notes.summaries)) == 1
    assert first.data["summary"]["author_name"] == "P0"


def test_a_hidden_note_leaves_every_snapshot_but_the_facilitators(talking: Small) -> None:
    nid = add(talking, 2, "Off topic").note["id"]
    [hidden] = talking.do(lambda s, c: notes.set_hidden(s, c, nid, True))
    assert hidden.type == "note_hidden"
    assert talking.read(lambda s, c: notes.visible_notes(s, c, include_hidden=False)) == []
    fac = talking.read(lambda s, c: notes.visible_notes(s, c, include_hidden=True))
    assert fac[0]["hidden"] is True
    with pytest.raises(Forbidden, match="hidden"):
        talking.do(lambda s, c: notes.edit_note(s, c, person(talking, 2), nid, text="x"))
    [restored] = talking.do(lambda s, c: notes.set_hidden(s, c, nid, False))
    assert restored.type == "note_restored" and restored.data["note"]["text"] == "Off topic"


def test_a_replay_never_carries_the_text_of_a_hidden_note(talking: Small) -> None:
    written = add(talking, 2, "Secret text")
    talking.do(lambda s, c: notes.set_hidden(s, c, written.note["id"], True))
    gone = talking.read(lambda s, c: notes.withheld(s, c.id))
    event: Event = withhold(written.events[0], gone)
    assert event.type == "note_withheld" and "Secret text" not in repr(event.data)


def test_a_hidden_or_deleted_note_gives_its_dots_back(talking: Small) -> None:
    ids = [add(talking, 2, f"Idea {i}").note["id"] for i in range(4)]
    voter = person(talking, 3)
    for nid in ids[:3]:
        talking.do(lambda s, c, nid=nid: notes.vote(s, c, voter, nid))
    talking.do(lambda s, c: notes.set_hidden(s, c, ids[0], True))
    [event] = talking.do(lambda s, c: notes.vote(s, c, voter, ids[3]))
    assert event.data["added"]
    [restored] = talking.do(lambda s, c: notes.set_hidden(s, c, ids[0], False))
    assert restored.data["note"]["votes"] == 0


def test_a_dot_from_an_earlier_round_stays_there(talking: Small) -> None:
    nid = add(talking, 2).note["id"]
    voter = person(talking, 3)
    talking.do(lambda s, c: notes.vote(s, c, voter, nid))
    talking.seated("end_round")
    talking.seated("start_round")
    with pytest.raises(Invalid, match="earlier round"):
        talking.do(lambda s, c: notes.vote(s, c, voter, nid, add=False))


def test_the_same_note_id_in_another_round_is_a_conflict(talking: Small) -> None:
    nid = str(uuid.uuid4())
    add(talking, 0, "Host note", note_id=nid)  # the host keeps the same table
    talking.seated("end_round")
    talking.seated("start_round")
    me = person(talking, 0)
    with pytest.raises(Conflict):
        talking.do(
            lambda s, c: notes.add_note(
                s, c, me, note_id=nid, table_id=talking.tables[0], round_number=2, text="Host note"
            )
        )
