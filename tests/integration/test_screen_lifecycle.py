"""Every screen tells the truth: what covers it ends, the facilitator's words come in languages."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from cafe.app import runtime
from cafe.events import apply_events
from cafe.models import now_ms
from cafe.scheduler import Scheduler
from cafe.services.palette import PALETTE
from tests.conftest import CafeHandle, events_of, state_of

Join = Callable[..., dict[str, Any]]


def ok(sock: SocketIOTestClient, command: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    ack = sock.emit(command, payload or {}, callback=True)
    assert ack["ok"], (command, ack)
    return ack


def discussing(facilitator: SocketIOTestClient, phone: SocketIOTestClient, join: Join) -> dict[str, Any]:
    """Round 1 under way with a note on the phone's table; returns the note."""
    for i in range(5):
        join(f"P{i}")
    ok(facilitator, "start_round")
    ok(facilitator, "start_round")
    me = str(phone.participant["id"])  # type: ignore[attr-defined]
    table = state_of(facilitator)["seating"]["seats"][me]
    ack = ok(
        phone,
        "add_note",
        {"id": "0b2c9a4e-8a53-4c1a-9d0e-111111111111", "table_id": table, "round": 1, "text": "Patient capital"},
    )
    return ack["note"]


# --------------------------------------------------------------------------- the spotlight


def test_a_spotlight_ends_with_its_phase_so_the_move_shows_the_seat_map(
    facilitator: SocketIOTestClient, phone: SocketIOTestClient, board: SocketIOTestClient, join: Join
) -> None:
    note = discussing(facilitator, phone, join)
    ok(facilitator, "spotlight", {"note_id": note["id"]})
    assert state_of(board)["cafe"]["spotlight"] == note["id"]
    before = state_of(board)
    events_of(board)
    ok(facilitator, "end_round")
    received = events_of(board)
    kinds = [e["type"] for e in received]
    # Cleared first, in the same commit: no frame shows the old note over the move.
    assert kinds.index("note_spotlighted") < kinds.index("move_started")
    assert received[kinds.index("note_spotlighted")]["data"] == {"note_id": None}
    after = apply_events(before, received)
    assert after["cafe"]["spotlight"] is None
    assert after == state_of(board)


def test_pausing_keeps_the_spotlight(facilitator: SocketIOTestClient, phone: SocketIOTestClient, join: Join) -> None:
    note = discussing(facilitator, phone, join)
    ok(facilitator, "spotlight", {"note_id": note["id"]})
    ok(facilitator, "pause")
    ok(facilitator, "extend", {"seconds": 60})
    assert state_of(facilitator)["cafe"]["spotlight"] == note["id"]


# --------------------------------------------------------------------------- announcements


def test_an_announcement_can_be_cleared_and_is_gone_everywhere(
    facilitator: SocketIOTestClient, phone: SocketIOTestClient, board: SocketIOTestClient
) -> None:
    before = {sock: state_of(sock) for sock in (phone, board)}
    for sock in before:
        events_of(sock)
    ok(facilitator, "announce", {"text": "Lunch at 12:30"})
    ok(facilitator, "clear_announcement")
    for sock, old in before.items():
        received = events_of(sock)
        assert [e["type"] for e in received] == ["announcement_made", "announcement_cleared"]
        now = apply_events(old, received)
        assert now["cafe"]["announcement"] is None
        assert now == state_of(sock)
    # Clearing nothing changes nothing.
    assert facilitator.emit("clear_announcement", {}, callback=True) == {"ok": True, "seq": None}


def test_an_announcement_with_a_duration_ends_by_itself_exactly_once(
    app: Flask, facilitator: SocketIOTestClient, board: SocketIOTestClient
) -> None:
    sent = now_ms()
    ok(facilitator, "announce", {"text": "Coffee is served", "minutes": 5})
    shown = state_of(board)["cafe"]["announcement"]
    assert shown["text"] == "Coffee is served"
    assert sent + 5 * 60_000 <= shown["until"] <= now_ms() + 5 * 60_000
    events_of(board)
    scheduler = Scheduler(runtime(app))
    assert scheduler.tick(now=shown["until"] - 1) == []
    happened = scheduler.tick(now=shown["until"])
    assert [e.type for e in happened] == ["announcement_cleared"]
    assert scheduler.tick(now=shown["until"] + 1000) == []
    assert [e["type"] for e in events_of(board)] == ["announcement_cleared"]
    assert state_of(board)["cafe"]["announcement"] is None


def test_closing_the_cafe_ends_the_announcement_and_nothing_more_can_be_announced(
    facilitator: SocketIOTestClient, board: SocketIOTestClient
) -> None:
    ok(facilitator, "announce", {"text": "Lunch at 12:30"})
    events_of(board)
    ok(facilitator, "close_cafe")
    assert [e["type"] for e in events_of(board)] == ["announcement_cleared", "cafe_closed"]
    ack = facilitator.emit("announce", {"text": "Still here?"}, callback=True)
    assert not ack["ok"] and ack["error"]["kind"] == "invalid"


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "x", "minutes": 0},
        {"text": "x", "minutes": 481},
        {"text": "x", "minutes": True},
        {"text": "x", "translations": {"fr": "Déjeuner"}},
        {"text": "x", "translations": {"es": 7}},
        {"text": "x", "translations": {"es": "y" * 281}},
    ],
)
def test_a_wrong_announcement_is_refused_and_changes_nothing(
    facilitator: SocketIOTestClient, payload: dict[str, Any]
) -> None:
    seq = state_of(facilitator)["seq"]
    ack = facilitator.emit("announce", payload, callback=True)
    assert not ack["ok"] and ack["error"]["kind"] in ("invalid", "bad_payload") and ack["error"]["message"]
    assert state_of(facilitator)["seq"] == seq


# --------------------------------------------------------------------------- words in languages


def test_the_facilitators_words_come_in_the_rooms_languages(
    facilitator: SocketIOTestClient, phone: SocketIOTestClient
) -> None:
    topic = state_of(facilitator)["topics"][0]
    ok(
        facilitator,
        "update_topic",
        {
            "topic_id": topic["id"],
            "translations": {
                "es": {"name": "Cooperativas de trabajo", "description": "Empresas de sus trabajadores."},
                "zh": {"name": "工人合作社"},
                "ht": {"name": "", "description": ""},
            },
        },
    )
    ok(
        facilitator,
        "set_rounds",
        {
            "rounds": [
                {
                    "question": "What works?",
                    "discuss_seconds": 600,
                    "move_seconds": 60,
                    "topic_questions": {str(topic["id"]): "What works for co-ops?"},
                    "translations": {
                        "es": {
                            "question": "¿Qué funciona?",
                            "topic_questions": {str(topic["id"]): "¿Qué funciona en las cooperativas?"},
                        },
                        "pt": {"question": "O que funciona?"},
                    },
                }
            ]
        },
    )
    ok(
        facilitator,
        "announce",
        {"text": "Lunch at 12:30", "translations": {"es": "Almuerzo a las 12:30", "zh": "12:30 午餐"}},
    )
    state = state_of(phone)
    shown = next(t for t in state["topics"] if t["id"] == topic["id"])
    assert shown["translations"] == {
        "es": {"name": "Cooperativas de trabajo", "description": "Empresas de sus trabajadores."},
        "zh": {"name": "工人合作社"},
    }
    assert state["rounds"][0]["translations"]["es"]["question"] == "¿Qué funciona?"
    assert state["rounds"][0]["translations"]["pt"] == {"question": "O que funciona?"}
    assert state["cafe"]["announcement"]["translations"] == {"es": "Almuerzo a las 12:30", "zh": "12:30 午餐"}


@pytest.mark.parametrize(
    "translations",
    [
        {"fr": {"name": "Coopératives"}},
        {"es": "Cooperativas"},
        {"es": {"title": "x"}},
        {"es": {"name": "x" * 81}},
        ["es"],
    ],
)
def test_a_wrong_translation_is_refused_and_changes_nothing(facilitator: SocketIOTestClient, translations: Any) -> None:
    topic = state_of(facilitator)["topics"][0]
    seq = state_of(facilitator)["seq"]
    ack = facilitator.emit("update_topic", {"topic_id": topic["id"], "translations": translations}, callback=True)
    assert not ack["ok"] and ack["error"]["message"]
    assert state_of(facilitator)["seq"] == seq


def test_the_words_in_languages_go_to_day_2_and_through_a_template(
    client: FlaskClient,
    cafe: CafeHandle,
    facilitator: SocketIOTestClient,
    connect: Callable[[dict[str, Any]], SocketIOTestClient],
) -> None:
    topic = state_of(facilitator)["topics"][1]
    ok(facilitator, "update_topic", {"topic_id": topic["id"], "translations": {"es": {"name": "Educación"}}})
    rounds = state_of(facilitator)["rounds"]
    rounds[0]["translations"] = {
        "es": {"question": "¿Qué funciona?", "topic_questions": {str(topic["id"]): "¿Y en educación?"}}
    }
    ok(
        facilitator,
        "set_rounds",
        {
            "rounds": [
                {k: r[k] for k in ("question", "topic_questions", "discuss_seconds", "move_seconds", "translations")}
                for r in rounds
            ]
        },
    )
    day2 = ok(facilitator, "duplicate_cafe", {})
    secret = day2["facilitator_url"].split("#", 1)[1]
    fresh = state_of(connect({"cafe": day2["code"], "role": "facilitator", "secret": secret}))
    new_topic = fresh["topics"][1]
    assert new_topic["translations"] == {"es": {"name": "Educación"}}
    assert fresh["rounds"][0]["translations"]["es"] == {
        "question": "¿Qué funciona?",
        "topic_questions": {str(new_topic["id"]): "¿Y en educación?"},
    }
    exported = client.get(f"/f/{cafe.code}/export/template.json", headers={"Authorization": f"Bearer {cafe.secret}"})
    template = json.loads(exported.data)
    assert template["topics"][1]["translations"] == {"es": {"name": "Educación"}}
    assert template["rounds"][0]["translations"]["es"]["topic_questions"] == {"1": "¿Y en educación?"}


# --------------------------------------------------------------------------- notices and colours


def test_a_move_by_the_facilitator_says_so_and_a_late_arrival_says_it_arrived(
    facilitator: SocketIOTestClient, phone: SocketIOTestClient, join: Join
) -> None:
    for i in range(5):
        join(f"P{i}")
    ok(facilitator, "start_round")
    me = phone.participant["id"]  # type: ignore[attr-defined]
    seats = state_of(facilitator)["seating"]["seats"]
    target = next(t["id"] for t in state_of(facilitator)["tables"] if t["id"] != seats[str(me)])
    events_of(phone)
    ok(facilitator, "move_participant", {"participant_id": me, "table_id": target})
    [moved] = [e for e in events_of(phone) if e["type"] == "participant_seated"]
    assert moved["data"] == {"round": 1, "participant_id": me, "table_id": target, "reason": "moved"}
    events_of(facilitator)
    late = join("Late")["participant"]["id"]
    [arrived] = [e for e in events_of(facilitator) if e["type"] == "participant_seated"]
    assert arrived["data"]["participant_id"] == late and arrived["data"]["reason"] == "arrived"


def test_new_strategy_areas_take_distinct_colours(facilitator: SocketIOTestClient) -> None:
    existing = len(state_of(facilitator)["topics"])
    for i in range(7):
        ok(facilitator, "add_topic", {"name": f"Area {i}"})
    colours = [t["colour"] for t in state_of(facilitator)["topics"]]
    assert colours[existing:] == [PALETTE[(existing + i) % len(PALETTE)] for i in range(7)]
    assert len(set(colours)) == len(colours)


@pytest.mark.parametrize(
    "setting, bad", [("warning_seconds", -1), ("warning_seconds", 901), ("warning_seconds", "120"), ("chime", "yes")]
)
def test_the_time_cue_settings_are_checked(facilitator: SocketIOTestClient, setting: str, bad: Any) -> None:
    ack = facilitator.emit("update_cafe", {"settings": {setting: bad}}, callback=True)
    assert not ack["ok"] and ack["error"]["kind"] == "invalid"
    ok(facilitator, "update_cafe", {"settings": {"warning_seconds": 0, "chime": False}})
    settings = state_of(facilitator)["cafe"]["settings"]
    assert (settings["warning_seconds"], settings["chime"]) == (0, False)


def test_the_facilitators_own_links_use_the_address_they_opened(app: Flask, client: FlaskClient) -> None:
    runtime(app).config.public_url = "http://192.0.2.7:5000"
    page = client.post("/cafes", data={"title": "Links"}, base_url="http://localhost:5000").get_data(as_text=True)
    assert "http://localhost:5000/f/" in page and "http://localhost:5000/b/" in page
    # Phones need the address the room reaches: the join link and the QR code keep it.
    assert "http://192.0.2.7:5000/j/" in page
