"""Refusals are worded by the server in the socket's (or the request's) language, with their
numbers and names filled in; the code and the raw values stay the same in every language."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from tests.conftest import CafeHandle

Connect = Callable[[dict[str, Any]], SocketIOTestClient]
Join = Callable[..., dict[str, Any]]


def a_long_note(sock: SocketIOTestClient) -> dict[str, Any]:
    """Send a note of 300 characters (the limit is 280): refused before anything else is checked."""
    ack: dict[str, Any] = sock.emit(
        "add_note", {"id": str(uuid.uuid4()), "table_id": 1, "round": 1, "text": "x" * 300}, callback=True
    )
    assert ack["ok"] is False
    return ack["error"]


def test_a_phone_gets_each_refusal_in_the_language_it_asked_for_with_its_numbers(
    connect: Connect, cafe: CafeHandle, join: Join
) -> None:
    said = {}
    for lang in ("en", "es", "pt", "ht", "zh"):
        token = join(f"Person {lang}")["token"]
        sock = connect({"cafe": cafe.code, "role": "phone", "token": token, "lang": lang})
        said[lang] = a_long_note(sock)
    for lang, error in said.items():
        assert error["code"] == "text_too_long" and error["kind"] == "invalid", lang
        assert error["params"] == {"field": "A note", "length": 300, "limit": 280}, lang
        assert "300" in error["message"] and "280" in error["message"], lang
    assert said["en"]["message"] == "A note is 300 characters long; the limit is 280."
    messages = [error["message"] for error in said.values()]
    assert len(set(messages)) == 5, messages  # five languages, five sentences
    assert "A note" not in said["es"]["message"]  # the field's name is translated too


def test_without_a_language_the_socket_takes_the_browsers_and_an_unknown_one_is_english(
    app: Any, client: FlaskClient, cafe: CafeHandle, join: Join
) -> None:
    from cafe.app import runtime

    token = join("Wei")["token"]
    chinese = runtime(app).socketio.test_client(
        app,
        flask_test_client=client,
        auth={"cafe": cafe.code, "role": "phone", "token": token},
        headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    english = runtime(app).socketio.test_client(
        app, flask_test_client=client, auth={"cafe": cafe.code, "role": "phone", "token": token, "lang": "fr"}
    )
    try:
        assert "300" in a_long_note(chinese)["message"] and "characters" not in a_long_note(chinese)["message"]
        assert a_long_note(english)["message"] == "A note is 300 characters long; the limit is 280."
    finally:
        chinese.disconnect()
        english.disconnect()


def test_the_facilitator_is_refused_in_the_panels_language_and_the_join_page_in_the_phones(
    connect: Connect, cafe: CafeHandle, client: FlaskClient
) -> None:
    panel = connect({"cafe": cafe.code, "role": "facilitator", "secret": cafe.secret, "lang": "es"})
    ack = panel.emit("update_table", {"table_id": 99_999, "capacity": 4}, callback=True)
    assert ack["error"]["code"] == "table_not_found"
    assert ack["error"]["message"] != "There is no such table in this café."
    assert "mesa" in ack["error"]["message"].lower()
    # One wording for one refusal, whichever service says it (it used to be two).
    phone_side = client.post(
        f"/api/cafes/{cafe.code}/participants", json={"name": ""}, headers={"Accept-Language": "ht"}
    ).get_json()["error"]
    assert phone_side["code"] == "text_empty" and phone_side["kind"] == "invalid"
    assert "empty" not in phone_side["message"]
