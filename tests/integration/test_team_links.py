"""Team links: a co-facilitator, the theme team and helpers each do exactly what their link
allows, in the words of their own language; a closed link stops at once on an open socket; the
team never sees anyone's contact details; every change says who made it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from cafe.app import runtime
from cafe.commands import COMMANDS
from cafe.events import apply_events
from cafe.ratelimit import Limiter
from tests.conftest import CafeHandle, events_of, state_of

Connect = Callable[[dict[str, Any]], SocketIOTestClient]
TEAM = ("cofacilitator", "theme", "helper")


def team_link(facilitator: SocketIOTestClient, role: str, label: str = "") -> tuple[int, str]:
    """A new team link: its id and its secret (from the URL fragment)."""
    ack = facilitator.emit("create_team_link", {"role": role, "label": label}, callback=True)
    assert ack["ok"], ack
    return ack["link"]["id"], ack["url"].split("#", 1)[1]


def member(connect: Connect, cafe: CafeHandle, secret: str, name: str, lang: str = "en") -> SocketIOTestClient:
    sock = connect({"cafe": cafe.code, "role": "facilitator", "secret": secret, "name": name, "lang": lang})
    assert sock.is_connected()
    return sock


@pytest.mark.parametrize("role", TEAM)
def test_each_team_link_may_send_exactly_its_commands_and_is_told_so_in_its_language(
    role: str, app: Flask, connect: Connect, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    # Every command in a row: more than one socket may send in a second, by design.
    runtime(app).guard.commands_by_socket = Limiter(1000.0, 1000)
    _id, secret = team_link(facilitator, role)
    sock = member(connect, cafe, secret, "Rosa", lang="es")
    # Every command of the catalogue, in an order that keeps the café alive to the end.
    for name in sorted(COMMANDS, key=lambda n: n in ("close_cafe", "delete_cafe")):
        ack = sock.emit(name, {}, callback=True)
        code = None if ack.get("ok") else ack["error"]["code"]
        if role in COMMANDS[name].team:
            assert code not in ("not_for_your_link", "facilitator_only", "phone_only"), (name, ack)
        else:
            assert code == "not_for_your_link", (name, ack)
            assert ack["error"]["message"] == "Tu enlace no permite eso. Pregunta a quien facilita."
    assert state_of(facilitator)["cafe"]["code"] == cafe.code  # nobody on the team deleted it


def test_a_closed_link_stops_at_once_on_its_open_socket_and_cannot_connect_again(
    connect: Connect, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    link_id, secret = team_link(facilitator, "helper", "door team")
    helper = member(connect, cafe, secret, "Wilner")
    assert helper.emit("add_walk_in", {"name": "Nadège"}, callback=True)["ok"]
    listed = facilitator.emit("team_links", {}, callback=True)["links"]
    assert [(x["role"], x["label"]) for x in listed] == [("helper", "door team")]
    helper.get_received()
    assert facilitator.emit("revoke_team_link", {"link_id": link_id}, callback=True)["ok"]
    assert [m["name"] for m in helper.get_received()] == ["team_link_revoked"]
    refused = helper.emit("add_walk_in", {"name": "Someone else"}, callback=True)
    assert refused["error"]["code"] == "team_link_revoked"
    assert facilitator.emit("team_links", {}, callback=True)["links"] == []
    again = connect({"cafe": cafe.code, "role": "facilitator", "secret": secret, "name": "Wilner"})
    assert not again.is_connected()
    twice = facilitator.emit("revoke_team_link", {"link_id": link_id}, callback=True)
    assert twice["error"]["code"] == "team_link_not_found"
    # A co-facilitator may run the café but not manage its links.
    _cid, co = team_link(facilitator, "cofacilitator")
    cofacilitator = member(connect, cafe, co, "Ana")
    assert cofacilitator.emit("create_team_link", {"role": "helper"}, callback=True)["error"]["code"] == (
        "not_for_your_link"
    )
    assert facilitator.emit("create_team_link", {"role": "boss"}, callback=True)["error"]["code"] == "team_role"


def test_a_team_link_asks_for_a_name_and_the_activity_log_says_who_did_what(
    client: FlaskClient, connect: Connect, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    _id, secret = team_link(facilitator, "helper")
    nameless = connect({"cafe": cafe.code, "role": "facilitator", "secret": secret})
    assert not nameless.is_connected()
    helper = member(connect, cafe, secret, "王伟")
    _cid, co = team_link(facilitator, "cofacilitator")
    cofacilitator = member(connect, cafe, co, "Lucía")
    assert helper.emit("add_walk_in", {"name": "Nadège", "languages": ["ht"]}, callback=True)["ok"]
    started = cofacilitator.emit("start_round", {}, callback=True)
    assert started["ok"]
    assert helper.emit("sync", {"since": None}, callback=True)["ok"]  # a read: not in the log
    log = facilitator.emit("activity", {}, callback=True)["activity"]
    assert [(a["role"], a["name"], a["command"]) for a in log[:2]] == [
        ("cofacilitator", "Lucía", "start_round"),
        ("helper", "王伟", "add_walk_in"),
    ]
    assert log[0]["seq"] == started["seq"]
    assert state_of(helper)["you"] == {"rights": "helper", "name": "王伟"}
    export = json.loads(
        client.get(f"/f/{cafe.code}/export/cafe.json", headers={"Authorization": f"Bearer {cafe.secret}"}).get_data(
            as_text=True
        )
    )
    assert [(a["role"], a["command"]) for a in export["activity"]][-2:] == [
        ("helper", "add_walk_in"),
        ("cofacilitator", "start_round"),
    ]


def test_the_team_sees_the_room_without_anyones_contact_and_its_snapshot_follows_the_events(
    client: FlaskClient, connect: Connect, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    client.post(
        f"/f/{cafe.code}/attendees?confirm=1",
        data="name,email,languages\r\nMarie,marie@example.org,ht\r\nJoão,joao@example.org,pt\r\n".encode(),
        headers={"Authorization": f"Bearer {cafe.secret}", "Content-Type": "text/csv"},
    )
    _id, secret = team_link(facilitator, "theme")
    theme = member(connect, cafe, secret, "Dana")
    before = state_of(theme)
    assert before["participants"] and all("contact" not in p for p in before["participants"])
    events_of(theme)
    marie = next(p for p in before["participants"] if p["name"] == "Marie")
    assert facilitator.emit("check_in", {"participant_ids": [marie["id"]]}, callback=True)["ok"]
    assert facilitator.emit(
        "set_participant", {"participant_id": marie["id"], "languages": ["ht", "fr"]}, callback=True
    )["ok"]
    received = events_of(theme)
    assert "marie@example.org" not in json.dumps(received)
    assert "marie@example.org" in json.dumps(state_of(facilitator))
    assert apply_events(before, received) == state_of(theme)


def test_a_co_facilitators_link_opens_the_exports_and_a_helpers_does_not(
    client: FlaskClient, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    _cid, co = team_link(facilitator, "cofacilitator")
    _hid, helper = team_link(facilitator, "helper")
    ok = client.get(f"/f/{cafe.code}/export/notes.csv", headers={"Authorization": f"Bearer {co}"})
    assert ok.status_code == 200
    refused = client.get(f"/f/{cafe.code}/export/attendees.csv", headers={"Authorization": f"Bearer {helper}"})
    assert refused.status_code == 403
