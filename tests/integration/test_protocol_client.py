"""A client written from docs/protocol.md alone runs a whole café against a real server.

Nothing here comes from the app's code or the test helpers' clients: only the routes, auth
payloads, commands, acks and events the protocol document names, sent with `requests` and a plain
python-socketio client. The café is the day as it comes: uneven areas, a thin room on too many
tables, Spanish and Chinese speakers, someone who never opens the app after joining, and a
latecomer mid-round.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from tests.server import Server


class Client:
    """One socket that keeps every `event`/`events` message it receives, by `seq`."""

    def __init__(self, url: str, auth: dict[str, Any]) -> None:
        self.events: dict[int, dict[str, Any]] = {}
        self.changed = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("event", self._keep)
        self.sio.on("events", lambda batch: [self._keep(e) for e in batch])
        self.sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=10)

    def _keep(self, event: dict[str, Any]) -> None:
        with self.changed:
            self.events[event["seq"]] = event
            self.changed.notify_all()

    def call(self, command: str, payload: Any = None) -> dict[str, Any]:
        ack: dict[str, Any] = self.sio.call(command, payload if payload is not None else {}, timeout=15)
        return ack

    def ok(self, command: str, payload: Any = None) -> dict[str, Any]:
        ack = self.call(command, payload)
        assert ack["ok"] is True, (command, ack)
        return ack

    def wait_for(
        self, kind: str, where: Callable[[dict[str, Any]], bool] = lambda d: True, timeout: float = 10.0
    ) -> dict[str, Any]:
        """The data of the first event of this type that matches."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for seq in sorted(self.events):
                    event = self.events[seq]
                    if event["type"] == kind and where(event["data"]):
                        return dict(event["data"])
                left = deadline - time.monotonic()
                assert left > 0, f"no {kind} event arrived"
                self.changed.wait(left)

    def close(self) -> None:
        self.sio.disconnect()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with Server(tmp_path).start() as running:
        yield running


def join(server: Server, code: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(f"{server.url}/api/cafes/{code}/participants", json=body, timeout=10)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_client_written_from_the_protocol_alone_creates_sets_up_and_runs_a_messy_cafe(server: Server) -> None:
    # -- Create: POST /api/cafes, the facilitator link comes once.
    response = requests.post(f"{server.url}/api/cafes", json={"title": "Café de la comunidad 社区"}, timeout=10)
    assert response.status_code == 201, response.text
    created = response.json()
    code, secret = created["cafe"]["code"], created["facilitator_secret"]
    assert created["cafe"]["status"] == "draft"
    assert created["links"]["facilitator"].endswith(f"/f/{code}#{secret}")
    fac = Client(server.url, {"cafe": code, "role": "facilitator", "secret": secret})
    board = Client(server.url, {"cafe": code, "role": "board"})
    clients = [fac, board]
    try:
        first = fac.ok("sync", {"since": None})
        assert first["state"]["cafe"]["title"] == "Café de la comunidad 社区"

        # -- Set up uneven areas: 2 tables, 1 + 1 added later, 1; four seats each.
        land = fac.ok(
            "add_topic",
            {
                "name": "Land trusts",
                "tables": 2,
                "capacity": 4,
                "translations": {"es": {"name": "Fideicomisos de tierras"}},
            },
        )
        assert isinstance(land["topic_id"], int) and len(land["table_ids"]) == 2
        coops = fac.ok("add_topic", {"name": "Worker co-ops", "tables": 1, "capacity": 4})
        extra = fac.ok("add_table", {"topic_id": coops["topic_id"], "capacity": 4})
        assert isinstance(extra["table_id"], int) and extra["table_id"] not in coops["table_ids"]
        food = fac.ok("add_topic", {"name": "Food", "tables": 1, "capacity": 4})
        tables = set(land["table_ids"]) | set(coops["table_ids"]) | {extra["table_id"]} | set(food["table_ids"])
        assert len(tables) == 5
        fac.ok(
            "set_rounds",
            {
                "rounds": [
                    {
                        "question": "What already works?",
                        "discuss_seconds": 600,
                        "move_seconds": 60,
                        "translations": {"es": {"question": "¿Qué ya funciona?"}},
                    },
                    {"question": "What is missing?", "discuss_seconds": 600, "move_seconds": 60},
                ]
            },
        )
        fac.ok("update_cafe", {"settings": {"min_table_size": 3}})
        fac.ok("open_cafe")

        # -- A thin room: seven people for twenty seats, in three languages; one never connects.
        people = [
            ("Rosa", ["es"]),
            ("Luis", ["es"]),
            ("Wei", ["zh", "en"]),
            ("Mei", ["zh"]),
            ("Ana", ["en", "es"]),
            ("Dev", ["en"]),
            ("Quiet", ["en"]),
        ]
        joined = {
            name: join(
                server,
                code,
                {"name": name, "languages": langs, "language": langs[0] if langs[0] in ("es", "zh") else "en"},
            )
            for name, langs in people
        }
        ids = {name: j["participant"]["id"] for name, j in joined.items()}
        host_table = land["table_ids"][0]
        fac.ok("set_host", {"table_id": host_table, "participant_id": ids["Ana"]})
        # Each phone asks for its refusals in its person's first language (auth.lang).
        first = dict(people)
        phones = {
            name: Client(server.url, {"cafe": code, "role": "phone", "token": j["token"], "lang": first[name][0]})
            for name, j in joined.items()
            if name != "Quiet"
        }
        clients += phones.values()

        # -- Round 1: every person not gone is seated, connected or not, hosts at their table.
        fac.ok("start_round")
        seats = fac.wait_for("seats_assigned", lambda d: d["round"] == 1)["seats"]
        assert set(seats) == {str(i) for i in ids.values()}
        assert seats[str(ids["Ana"])] == host_table
        used = {}
        for table in seats.values():
            used[table] = used.get(table, 0) + 1
        assert min(used.values()) >= 3, "nobody sits in a table of one or two"
        for pair in (("Rosa", "Luis"), ("Mei", "Wei")):
            # Each Spanish- or Chinese-only person sits with someone who speaks their language.
            lonely, friend_langs = pair[0], {"Rosa": {"es"}, "Mei": {"zh"}}[pair[0]]
            table = seats[str(ids[lonely])]
            speakers = [
                n for n, langs in people if n != lonely and seats[str(ids[n])] == table and friend_langs & set(langs)
            ]
            assert speakers, f"{lonely} has nobody to talk with"
        # A phone gets its own seat only.
        rosa_seat = phones["Rosa"].wait_for("seats_assigned", lambda d: d["round"] == 1)["seats"]
        assert rosa_seat == {str(ids["Rosa"]): seats[str(ids["Rosa"])]}
        fac.ok("start_round")  # skip the move
        board.wait_for("round_started")

        # -- A note from the tablecloth reaches the board; an oversized one is refused, not fatal.
        note_id = str(uuid.uuid4())
        ack = phones["Rosa"].ok(
            "add_note",
            {
                "id": note_id,
                "table_id": seats[str(ids["Rosa"])],
                "round": 1,
                "text": "Un banco de tiempo para el barrio",
            },
        )
        assert ack["note"]["id"] == note_id
        assert (
            board.wait_for("note_added", lambda d: d["note"]["id"] == note_id)["note"]["text"]
            == "Un banco de tiempo para el barrio"
        )
        big = phones["Wei"].call(
            "add_note", {"id": str(uuid.uuid4()), "table_id": 1, "round": 1, "text": "很" * 40_000}
        )
        assert big == {
            "ok": False,
            "error": {
                "code": "too_large",
                "kind": "bad_payload",
                "message": "一次发送的内容太多了。",
                "params": {},
            },
        }
        assert phones["Wei"].sio.connected
        assert phones["Wei"].ok("sync", {"since": None})["state"]

        # -- A latecomer mid-round is seated at once, at a table people already sit at.
        late = join(server, code, {"name": "Tardía", "languages": ["es"], "language": "es"})
        seated = fac.wait_for("participant_seated", lambda d: d["participant_id"] == late["participant"]["id"])
        assert seated["table_id"] in used

        # -- Round 2, harvest, close.
        fac.ok("end_round")
        second = fac.wait_for("seats_assigned", lambda d: d["round"] == 2)["seats"]
        assert str(late["participant"]["id"]) in second and len(second) == len(ids) + 1
        fac.ok("start_round")
        fac.ok("end_round")
        board.wait_for("harvest_started")
        fac.ok("close_cafe")
        board.wait_for("cafe_closed")
        # Every role saw a contiguous stream.
        for client in clients:
            seqs = sorted(client.events)
            assert seqs == list(range(seqs[0], seqs[-1] + 1))
    finally:
        for client in clients:
            client.close()


def test_creating_a_cafe_by_json_refuses_what_the_form_refuses(server: Server) -> None:
    url = f"{server.url}/api/cafes"
    for body in ([], {"title": ""}, {"title": "x", "extra": 1}, {"title": "a\ud800b"}):
        response = requests.post(url, json=body, timeout=10)
        assert response.status_code == 400, (body, response.text)
        error = response.json()["error"]
        assert error["kind"] in ("bad_payload", "invalid") and error["message"]
    # A page on another site cannot make its visitors' browsers create cafés here.
    response = requests.post(
        url,
        json={"title": "From elsewhere"},
        timeout=10,
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    )
    assert response.status_code == 403 and response.json()["error"]["kind"] == "forbidden"


@pytest.fixture
def closed_server(tmp_path: Path) -> Iterator[Server]:
    """Creation closed to all but the holders of the key."""
    env = {"CAFE_OPEN_CREATION": "0", "CAFE_CREATION_KEY": "a long key for the operator"}
    with Server(tmp_path, env=env).start() as running:
        yield running


def test_with_creation_closed_only_the_creation_key_creates_a_cafe(closed_server: Server) -> None:
    url = f"{closed_server.url}/api/cafes"
    response = requests.post(url, json={"title": "Mine"}, timeout=10)
    assert response.status_code == 403 and response.json()["error"]["code"] == "creation_closed"
    response = requests.post(url, json={"title": "Mine"}, timeout=10, headers={"Authorization": "Bearer not the key"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "wrong_creation_key"
    response = requests.post(
        url, json={"title": "Mine"}, timeout=10, headers={"Authorization": "Bearer a long key for the operator"}
    )
    assert response.status_code == 201 and response.json()["cafe"]["title"] == "Mine"
    # The start page asks for the key, and its form works with it.
    page = requests.get(closed_server.url + "/", timeout=10).text
    assert 'name="creation_key"' in page
    refused = requests.post(f"{closed_server.url}/cafes", data={"title": "Form"}, timeout=10)
    assert refused.status_code == 403 and "creation key" in refused.text
    made = requests.post(
        f"{closed_server.url}/cafes", timeout=10, data={"title": "Form", "creation_key": "a long key for the operator"}
    )
    assert made.status_code == 200 and "/f/" in made.text
