"""The spotlight: one note shown large on the board, cleared when the note leaves the tablecloth."""

from __future__ import annotations

import uuid

import pytest

from cafe.models import Participant
from cafe.services import notes, spotlight
from cafe.services.errors import Invalid, NotFound
from cafe.services.snapshot import snapshot
from tests.conftest import Small


@pytest.fixture
def talking(small: Small) -> Small:
    """The small café in round 1's discussion."""
    small.seated("start_round")
    small.seated("start_round")
    return small


def add(small: Small, index: int, text: str) -> str:
    pid = small.people[index]
    table = small.seats(1)[pid]

    def write(s, c):  # type: ignore[no-untyped-def]
        me = s.get(Participant, pid)
        return notes.add_note(s, c, me, note_id=str(uuid.uuid4()), table_id=table, round_number=1, text=text)

    return str(small.do(lambda s, c: write(s, c).events)[0].data["note"]["id"])


def shown(small: Small) -> str | None:
    state = small.read(lambda s, c: snapshot(s, c, "board", join_url="http://x/j/C"))
    return state["cafe"]["spotlight"]


def test_the_facilitator_spotlights_one_note_at_a_time(talking: Small) -> None:
    first, second = add(talking, 2, "Land trusts"), add(talking, 3, "Shared kitchens")
    [event] = talking.do(spotlight.spotlight, first)
    assert event.type == "note_spotlighted" and event.data == {"note_id": first}
    assert shown(talking) == first
    talking.do(spotlight.spotlight, second)
    assert shown(talking) == second
    assert talking.do(spotlight.spotlight, second) == []  # no change, no event
    [cleared] = talking.do(spotlight.spotlight, None)
    assert cleared.data == {"note_id": None} and shown(talking) is None


def test_hiding_or_deleting_the_spotlit_note_clears_the_spotlight(talking: Small) -> None:
    note = add(talking, 2, "Land trusts")
    talking.do(spotlight.spotlight, note)
    events = talking.do(notes.set_hidden, note, True)
    assert [e.type for e in events] == ["note_hidden", "note_spotlighted"]
    assert shown(talking) is None
    talking.do(notes.set_hidden, note, False)
    assert shown(talking) is None  # a restored note is not put back in the spotlight

    own = add(talking, 3, "Mine")
    talking.do(spotlight.spotlight, own)
    author = talking.people[3]
    events = talking.do(lambda s, c: notes.delete_note(s, c, s.get(Participant, author), own))
    assert [e.type for e in events] == ["note_deleted", "note_spotlighted"]
    assert shown(talking) is None


def test_hiding_another_note_leaves_the_spotlight_alone(talking: Small) -> None:
    keep, other = add(talking, 2, "Keep"), add(talking, 3, "Other")
    talking.do(spotlight.spotlight, keep)
    assert [e.type for e in talking.do(notes.set_hidden, other, True)] == ["note_hidden"]
    assert shown(talking) == keep


def test_a_hidden_unknown_or_malformed_note_cannot_be_spotlit(talking: Small) -> None:
    note = add(talking, 2, "Hidden")
    talking.do(notes.set_hidden, note, True)
    with pytest.raises(Invalid, match="hidden"):
        talking.do(spotlight.spotlight, note)
    with pytest.raises(NotFound):
        talking.do(spotlight.spotlight, str(uuid.uuid4()))
    with pytest.raises(Invalid):
        talking.do(spotlight.spotlight, "not-a-uuid")
