"""Event shapes, role projections and the reference reducer."""

import pytest

from cafe.events import EVENTS, REDUCERS, Event, apply_event, check_payload, project, room


def _joined(seq: int = 1) -> Event:
    person = {"id": 7, "name": "Ana", "anonymous": False, "organisation": "CLT", "present": False, "admitted": True}
    return Event(1, seq, "participant_joined", 0, {"participant": person, "counts": {"joined": 1, "present": 0}})


def test_every_declared_event_type_has_a_reducer_and_a_projection_for_each_role() -> None:
    assert set(EVENTS) == set(REDUCERS)
    for spec in EVENTS.values():
        assert set(spec.projections) == {"phone", "board", "facilitator", "staff"}


def test_an_event_with_a_stray_field_is_refused() -> None:
    with pytest.raises(ValueError, match="declared"):
        check_payload("participant_connected", {"participant_id": 1, "counts": {}, "extra": 1})


def test_an_undeclared_event_type_is_refused() -> None:
    with pytest.raises(ValueError, match="undeclared"):
        check_payload("something_happened", {})


def test_only_the_facilitator_sees_a_participants_organisation() -> None:
    event = _joined()
    assert project(event, "facilitator")["participant"]["organisation"] == "CLT"
    assert "organisation" not in project(event, "board")["participant"]
    assert "organisation" not in project(event, "phone")["participant"]


def test_projection_never_changes_the_stored_event() -> None:
    event = _joined()
    project(event, "phone")
    assert event.data["participant"]["organisation"] == "CLT"


def test_the_wire_form_has_seq_type_at_and_data() -> None:
    assert set(_joined().for_role("board")) == {"seq", "type", "at", "data"}


def test_a_client_ignores_an_event_it_already_has() -> None:
    state = {"seq": 5, "counts": {}}
    assert apply_event(state, _joined(5).for_role("phone")) is state


def test_a_client_refuses_to_skip_over_a_gap() -> None:
    with pytest.raises(ValueError, match="gap"):
        apply_event({"seq": 1, "counts": {}}, _joined(3).for_role("phone"))


def test_rooms_are_per_cafe_and_per_role() -> None:
    assert room(3) == "cafe:3"
    assert room(3, "board") == "cafe:3:board"
