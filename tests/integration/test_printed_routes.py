"""Printed routes on the day: badges printed from the plan, two people who never come, walk-ins,
a late arrival, and every printed route kept to the seat in every round; a change that would
break a route is refused until the facilitator confirms it."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from cafe.events import apply_events
from tests.conftest import CafeHandle, events_of, state_of

NAMES = ["José Álvarez", "Marie-Ange Joseph", "王伟", "Conceição Souza", "Dana Okafor", "Wilner Pierre", "李梅"]
LANGS = ["es", "ht, fr", "zh", "pt, es", "en", "ht", "zh, en"]


def day_list(people: int = 66) -> bytes:
    """A registration list: five hosts, two pairs who sit together, five languages, no phones."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Name", "Languages", "Sits with", "Role"])
    for i in range(people):
        sits = f"{NAMES[(i - 1) % 7]} {i - 1}" if i in (21, 41) else ""
        writer.writerow([f"{NAMES[i % 7]} {i}", LANGS[i % 7], sits, f"host of Table {i + 1}" if i < 5 else ""])
    return out.getvalue().encode()


def register(client: FlaskClient, cafe: CafeHandle, people: int) -> Any:
    """The facilitator imports the day's list of `people` and confirms it."""
    return client.post(
        f"/f/{cafe.code}/attendees?confirm=1",
        data=day_list(people),
        headers={"Authorization": f"Bearer {cafe.secret}", "Content-Type": "text/csv"},
    )


def routes_of(state: dict[str, Any]) -> dict[int, list[int | None]]:
    return {p["id"]: p["route"] for p in state["participants"] if p.get("route")}


def seats_of(state: dict[str, Any]) -> dict[int, int]:
    return {int(pid): tid for pid, tid in state["seating"]["seats"].items()}


def test_badges_print_the_plan_and_every_route_is_kept_after_two_absentees_walk_ins_and_a_late_arrival(
    client: FlaskClient, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    before = state_of(facilitator)
    table = {t["label"]: t["id"] for t in before["tables"]}
    # Uneven: one table seats 3, another 6 (areas of 3, 3, 3, 3 and 2 tables).
    assert facilitator.emit("update_table", {"table_id": table["Table 2"], "capacity": 3}, callback=True)["ok"]
    assert facilitator.emit("update_table", {"table_id": table["Table 14"], "capacity": 6}, callback=True)["ok"]
    imported = register(client, cafe, 66)
    assert imported.get_json()["new"] == 66, imported.get_json()
    events_of(facilitator)

    ack = facilitator.emit("print_routes", {}, callback=True)
    assert ack["ok"] and ack["printed"] == 66, ack
    [changed] = [e for e in events_of(facilitator) if e["type"] == "routes_changed"]
    assert changed["data"]["reason"] == "printed" and len(changed["data"]["routes"]) == 66
    state = state_of(facilitator)
    routes = routes_of(state)
    assert len(routes) == 66 and all(len(r) == 4 and None not in r for r in routes.values())
    # Printing again prints the same: nobody gets a new route.
    again = facilitator.emit("print_routes", {}, callback=True)
    assert again["ok"] and again["printed"] == 0 and again["seq"] is None

    # The badges: one per person, their four tables, their personal QR code; the secret in the body.
    page = client.post(f"/f/{cafe.code}/print/badges?lang=es", data={"secret": cafe.secret})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert html.count('<article class="badge">') == 66 and html.count("<svg") >= 66 * 5
    assert "Ronda 4" in html and "王伟 2" in html and "<script" not in html and "style=" not in html
    cards = client.post(
        f"/f/{cafe.code}/print/routes?paper=letter&lang=zh", data={"secret": cafe.secret, "people": "1,2,x"}
    )
    text = cards.get_data(as_text=True)
    assert text.count('<article class="route-card">') == 2 and "print-letter.css" in text and "你的桌子" in text
    assert client.post(f"/f/{cafe.code}/print/badges", data={"secret": "wrong"}).status_code == 403
    assert client.get(f"/f/{cafe.code}/print/badges").status_code == 405

    # The day: two people never come, everyone else is ticked at the door, two walk in.
    registered = sorted(routes)
    absent = {registered[7], registered[22]}  # the second one sits with someone
    here = [pid for pid in registered if pid not in absent]
    assert facilitator.emit("check_in", {"participant_ids": here}, callback=True)["ok"]
    for name, langs in (("Nadège", ["ht"]), ("陈静", ["zh"])):
        assert facilitator.emit("add_walk_in", {"name": name, "languages": langs}, callback=True)["ok"]

    assert facilitator.emit("start_round", {}, callback=True)["ok"]
    for number in range(1, 5):
        state = state_of(facilitator)
        seats = seats_of(state)
        assert state["seating"]["round"] == number
        for pid in here:
            assert seats[pid] == routes[pid][number - 1], (number, pid)
        assert len(seats) == len(here) + 2  # the walk-ins too
        if number == 1:
            # One of the two comes after all, during round 1: their printed seat was kept free.
            late = registered[7]
            assert facilitator.emit("check_in", {"participant_ids": [late]}, callback=True)["ok"]
            assert seats_of(state_of(facilitator))[late] == routes[late][0]
            here.append(late)
        assert facilitator.emit("start_round", {}, callback=True)["ok"]  # the move is over
        if number < 4:
            assert facilitator.emit("end_round", {}, callback=True)["ok"]


def test_a_change_that_breaks_a_printed_route_is_refused_until_confirmed_then_the_route_is_withdrawn(
    client: FlaskClient, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    register(client, cafe, 40)
    assert facilitator.emit("print_routes", {}, callback=True)["printed"] == 40
    state = state_of(facilitator)
    routes = routes_of(state)
    table = {t["label"]: t for t in state["tables"]}
    busiest = max(
        (t for t in state["tables"]),
        key=lambda t: max(sum(1 for r in routes.values() if r[n] == t["id"]) for n in range(4)),
    )
    on_it = {pid for pid, r in routes.items() if busiest["id"] in r}
    events_of(facilitator)

    # One seat: everyone promised more than that in some round would lose their seat.
    refused = facilitator.emit(
        "update_table", {"table_id": busiest["id"], "capacity": 1, "confirm_routes": False}, callback=True
    )
    assert not refused["ok"] and refused["error"]["code"] == "breaks_routes"
    assert re.search(r"breaks the printed routes? of \d+ (person|people) \(", refused["error"]["message"])
    broken = set(refused["error"]["params"]["participant_ids"])
    assert broken and broken <= on_it
    assert events_of(facilitator) == [] and state_of(facilitator)["tables"] == state["tables"]
    # Removing a table its routes name, or a round they cover, is refused the same way.
    assert facilitator.emit("remove_table", {"table_id": table["Table 1"]["id"]}, callback=True)["error"]["code"] == (
        "breaks_routes"
    )
    three = [{k: v for k, v in r.items() if k != "number"} for r in state["rounds"][:3]]
    fewer = facilitator.emit("set_rounds", {"rounds": three}, callback=True)
    assert fewer["error"]["code"] == "breaks_routes" and len(fewer["error"]["params"]["participant_ids"]) == 40

    ok = facilitator.emit(
        "update_table", {"table_id": busiest["id"], "capacity": 1, "confirm_routes": True}, callback=True
    )
    assert ok["ok"]
    withdrawn = [e for e in events_of(facilitator) if e["type"] == "routes_changed"]
    assert [e["data"]["reason"] for e in withdrawn] == ["broken"]
    assert set(map(int, withdrawn[0]["data"]["routes"])) == broken
    after = routes_of(state_of(facilitator))
    assert set(after) == set(routes) - broken and all(after[p] == routes[p] for p in after)
    # Their route cards are printed again: a new route around the others' kept ones.
    again = facilitator.emit("print_routes", {"participant_ids": sorted(broken)}, callback=True)
    assert again["printed"] == len(broken)
    final = routes_of(state_of(facilitator))
    assert all(final[p] == routes[p] for p in after)
    for n in range(4):
        assert sum(1 for r in final.values() if r[n] == busiest["id"]) <= 1


@pytest.mark.parametrize("role", ["phone", "board", "facilitator"])
def test_an_old_snapshot_plus_the_route_events_equals_a_fresh_snapshot(
    role: str,
    cafe: CafeHandle,
    phone: SocketIOTestClient,
    board: SocketIOTestClient,
    facilitator: SocketIOTestClient,
    join: Callable[..., dict[str, Any]],
) -> None:
    for i, langs in enumerate((["ht"], ["zh"], ["es", "en"])):
        join(f"Guest {i}", languages=langs)
    watcher = {"phone": phone, "board": board, "facilitator": facilitator}[role]
    before = state_of(watcher)
    events_of(watcher)
    assert facilitator.emit("print_routes", {}, callback=True)["printed"] == 4
    routes = routes_of(state_of(facilitator))
    mine = routes[phone.participant["id"]]  # type: ignore[attr-defined]
    assert facilitator.emit(
        "update_table", {"table_id": mine[0], "capacity": 1, "confirm_routes": True}, callback=True
    )["ok"]
    # A phone gets its own version first; the others' version of the same seq follows and is
    # ignored, as the browser does.
    received = list({e["seq"]: e for e in reversed(events_of(watcher))}.values())[::-1]
    assert [e["type"] for e in received if e["type"] == "routes_changed"] == ["routes_changed"] * 2
    after = apply_events(before, received)
    assert after == state_of(watcher)
    if role == "phone":
        assert after["me"]["route"] in (None, mine)
        assert all(
            set(e["data"]["routes"]) <= {str(phone.participant["id"])}
            for e in received
            if e["type"] == "routes_changed"
        )  # type: ignore[attr-defined]
    if role == "board":
        assert all(e["data"]["routes"] == {} for e in received if e["type"] == "routes_changed")


def test_the_json_export_carries_the_days_list_and_printed_routes_into_a_new_cafe(
    client: FlaskClient, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    register(client, cafe, 20)
    assert facilitator.emit("print_routes", {}, callback=True)["printed"] == 20
    assert facilitator.emit("add_walk_in", {"name": "Nadège", "languages": ["ht"]}, callback=True)["ok"]

    def export(code: str, secret: str) -> dict[str, Any]:
        answer = client.get(f"/f/{code}/export/cafe.json", headers={"Authorization": f"Bearer {secret}"})
        data: dict[str, Any] = json.loads(answer.get_data(as_text=True))
        return data

    def people(data: dict[str, Any]) -> list[tuple[Any, ...]]:
        label = {t["id"]: t["label"] for t in data["tables"]}
        return sorted(
            (
                p["name"],
                p["registered"],
                p["arrived"],
                p["has_phone"],
                p["role"],
                tuple(label[t] for t in p["route"]) if p["route"] else None,
            )
            for p in data["participants"]
        )

    original = export(cafe.code, cafe.secret)
    made = client.post(
        "/cafes/from-file",
        data={"file": (io.BytesIO(json.dumps(original).encode()), "cafe.json")},
        content_type="multipart/form-data",
    )
    found = re.search(r"/f/([A-Z0-9]{6})#([\w-]+)", made.get_data(as_text=True))
    assert found
    copy = export(found.group(1), found.group(2))
    assert people(copy) == people(original)
    assert sum(1 for p in people(copy) if p[5] and len(p[5]) == 4) == 20
    assert ("Nadège", False, True, False, "participant", None) in people(copy)
