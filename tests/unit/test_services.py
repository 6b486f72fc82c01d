"""Business rules of cafés, joining, presence and the event log."""

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from cafe.app import runtime
from cafe.models import Cafe, CafeTable, EventLog, Participant, Round, Topic
from cafe.services import cafes, eventlog, participants
from cafe.services.errors import Forbidden, Invalid, NotFound
from tests.conftest import CafeHandle


def _db(app: Flask) -> Any:
    return runtime(app).db


def test_a_new_cafe_has_a_six_character_code_without_look_alike_letters(app: Flask) -> None:
    with _db(app).transaction() as session:
        codes = {cafes.create_cafe(session, f"Café {i}").cafe.code for i in range(30)}
    assert len(codes) == 30
    for code in codes:
        assert len(code) == 6
        assert not set(code) & set("01OIL25SZ8B")


def test_a_new_cafe_starts_its_event_stream_at_seq_1(app: Flask) -> None:
    with _db(app).transaction() as session:
        created = cafes.create_cafe(session, "Gathering")
    assert [(e.seq, e.type) for e in created.events] == [(1, "cafe_created")]


def test_the_facilitator_secret_is_stored_only_as_a_hash(app: Flask) -> None:
    with _db(app).transaction() as session:
        created = cafes.create_cafe(session, "Gathering")
        stored = session.get(Cafe, created.cafe.id)
        assert stored is not None
        assert created.facilitator_secret not in stored.facilitator_hash
        assert stored.facilitator_hash == cafes.hash_secret(created.facilitator_secret)
    assert len(created.facilitator_secret) >= 22  # 128 bits in URL-safe base64


def test_an_empty_title_is_refused(app: Flask) -> None:
    with pytest.raises(Invalid, match="cannot be empty"), _db(app).transaction() as session:
        cafes.create_cafe(session, "   ")


def test_codes_are_found_whatever_the_case_and_spacing(app: Flask, cafe: CafeHandle) -> None:
    typed = cafe.code.lower()[:3] + " - " + cafe.code.lower()[3:]
    with _db(app).reading() as session:
        assert cafes.find_cafe(session, typed).id == cafe.id


def test_an_unknown_code_says_so(app: Flask) -> None:
    with pytest.raises(NotFound, match="no café with that code"), _db(app).reading() as session:
        cafes.find_cafe(session, "QQQQQQ")


@pytest.mark.parametrize("secret", ["", "wrong", None, 42, "x" * 500])
def test_a_wrong_facilitator_secret_is_refused_without_saying_why(app: Flask, cafe: CafeHandle, secret: object) -> None:
    with pytest.raises(Forbidden) as caught, _db(app).reading() as session:
        cafes.check_facilitator(session, cafe.code, secret)
    assert caught.value.message == "This facilitator link is not valid."


def test_an_unknown_code_with_a_secret_gets_the_same_refusal(app: Flask, cafe: CafeHandle) -> None:
    with pytest.raises(Forbidden, match="not valid"), _db(app).reading() as session:
        cafes.check_facilitator(session, "QQQQQQ", cafe.secret)


def test_a_rotated_secret_replaces_the_old_one(app: Flask, cafe: CafeHandle) -> None:
    with _db(app).transaction() as session:
        new = cafes.rotate_facilitator_secret(session, cafes.find_cafe(session, cafe.code))
    with _db(app).reading() as session:
        assert cafes.check_facilitator(session, cafe.code, new).id == cafe.id
        with pytest.raises(Forbidden):
            cafes.check_facilitator(session, cafe.code, cafe.secret)


def test_the_demo_cafe_is_ma_sens_five_strategy_areas_in_fourteen_tables(app: Flask, cafe: CafeHandle) -> None:
    with _db(app).reading() as session:
        topics = session.scalars(select(Topic).where(Topic.cafe_id == cafe.id).order_by(Topic.position)).all()
        per_topic = [len(session.scalars(select(CafeTable).where(CafeTable.topic_id == t.id)).all()) for t in topics]
        tables = session.scalars(select(CafeTable).where(CafeTable.cafe_id == cafe.id)).all()
        rounds = session.scalars(select(Round).where(Round.cafe_id == cafe.id)).all()
    assert [t.name for t in topics][-1] == "Community Land Trusts/Affordable Housing"
    assert per_topic == [3, 3, 3, 3, 2]
    assert {t.capacity for t in tables} == {5} and len(tables) == 14
    assert len(rounds) == 4 and all(r.question for r in rounds)


def _join(app: Flask, cafe: CafeHandle, **kw: Any) -> participants.Joined:
    with _db(app).transaction() as session:
        return participants.join(session, cafes.find_cafe(session, cafe.code), **kw)


def test_joining_records_the_person_and_announces_them(app: Flask, cafe: CafeHandle) -> None:
    joined = _join(app, cafe, name="  Ana  ", organisation="CLT")
    assert joined.participant.display_name == "Ana"
    [event] = joined.events
    assert event.type == "participant_joined"
    assert event.data["counts"] == {"joined": 1, "present": 0}
    assert event.data["participant"]["organisation"] == "CLT"


def test_an_anonymous_participant_gets_a_guest_name(app: Flask, cafe: CafeHandle) -> None:
    _join(app, cafe, name="Ana")
    joined = _join(app, cafe, name="ignored", anonymous=True)
    assert joined.participant.display_name == "Guest 2"
    assert joined.participant.anonymous


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Your name cannot be empty."),
        ("   ", "Your name cannot be empty."),
        ("A" * 41, "Your name is 41 characters long; the limit is 40."),
        (None, "Your name cannot be empty."),
    ],
)
def test_a_bad_name_is_refused_with_a_clear_message(app: Flask, cafe: CafeHandle, name: object, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        _join(app, cafe, name=name)
    assert caught.value.message == message
    with _db(app).reading() as session:
        assert session.scalars(select(Participant)).all() == []


def test_nobody_joins_a_closed_cafe(app: Flask, cafe: CafeHandle) -> None:
    with _db(app).transaction() as session:
        cafes.find_cafe(session, cafe.code).status = "closed"
    with pytest.raises(Forbidden, match="closed"):
        _join(app, cafe, name="Ana")


def test_a_token_identifies_its_participant_and_only_in_its_cafe(app: Flask, cafe: CafeHandle) -> None:
    joined = _join(app, cafe, name="Ana")
    with _db(app).transaction() as session:
        other = cafes.create_cafe(session, "Another café").cafe
    with _db(app).reading() as session:
        here = cafes.find_cafe(session, cafe.code)
        assert participants.authenticate(session, here, joined.token).id == joined.participant.id
        with pytest.raises(Forbidden):
            participants.authenticate(session, session.get(Cafe, other.id), joined.token)
        with pytest.raises(Forbidden):
            participants.authenticate(session, here, "not-a-token")


def test_presence_events_fire_only_when_the_first_phone_comes_and_the_last_goes(app: Flask, cafe: CafeHandle) -> None:
    pid = _join(app, cafe, name="Ana").participant.id
    steps = []
    for action in (
        participants.connected,
        participants.connected,
        participants.disconnected,
        participants.disconnected,
        participants.disconnected,
    ):
        with _db(app).transaction() as session:
            steps.append([e.type for e in action(session, pid)])
    assert steps == [["participant_connected"], [], [], ["participant_disconnected"], []]


def test_a_restart_marks_everyone_away_through_events(app: Flask, cafe: CafeHandle) -> None:
    pid = _join(app, cafe, name="Ana").participant.id
    with _db(app).transaction() as session:
        participants.connected(session, pid)
    with _db(app).transaction() as session:
        events = participants.reset_presence(session)
    assert [(e.type, e.data["counts"]["present"]) for e in events] == [("participant_disconnected", 0)]


def test_event_seqs_are_contiguous_and_stored_with_the_change(app: Flask, cafe: CafeHandle) -> None:
    for name in ("Ana", "Ben", "Chidi"):
        _join(app, cafe, name=name)
    with _db(app).reading() as session:
        seqs = session.scalars(select(EventLog.seq).where(EventLog.cafe_id == cafe.id).order_by(EventLog.seq)).all()
        assert seqs == list(range(1, len(seqs) + 1))
        assert eventlog.current_seq(session, cafe.id) == seqs[-1]


def test_a_refused_change_writes_no_event(app: Flask, cafe: CafeHandle) -> None:
    with _db(app).reading() as session:
        before = eventlog.current_seq(session, cafe.id)
    with pytest.raises(Invalid):
        _join(app, cafe, name="")
    with _db(app).reading() as session:
        assert eventlog.current_seq(session, cafe.id) == before


def test_replay_since_returns_what_was_missed_or_none_when_too_far_behind(app: Flask, cafe: CafeHandle) -> None:
    for name in ("Ana", "Ben", "Chidi"):
        _join(app, cafe, name=name)
    with _db(app).reading() as session:
        latest = eventlog.current_seq(session, cafe.id)
        missed = eventlog.since(session, cafe.id, latest - 2, limit=100)
        assert missed is not None and [e.seq for e in missed] == [latest - 1, latest]
        assert eventlog.since(session, cafe.id, 0, limit=1) is None
        assert eventlog.since(session, cafe.id, latest + 5, limit=100) is None
        assert eventlog.since(session, cafe.id, latest, limit=100) == []
