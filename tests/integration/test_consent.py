"""Consent and retention for working-group contacts: a contact is kept only with a yes, no export
names anyone who did not say yes, each convener gets their group's own part, and contacts are
really deleted after the café's days (the scheduled job, with a moved clock)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlalchemy import select

from cafe.app import runtime
from cafe.models import Signup, now_ms
from cafe.scheduler import Scheduler
from cafe.services.signups import DAY_MS
from cafe.web import EXPORTS
from tests.conftest import CafeHandle, state_of

Connect = Callable[[dict[str, Any]], SocketIOTestClient]


def phone_of(connect: Connect, cafe: CafeHandle, join: Callable[..., dict[str, Any]], name: str, lang: str) -> Any:
    joined = join(name, languages=[lang])
    return connect({"cafe": cafe.code, "role": "phone", "token": joined["token"], "lang": lang})


def exported(client: FlaskClient, cafe: CafeHandle, kind: str) -> str:
    answer = client.get(f"/f/{cafe.code}/export/{kind}", headers={"Authorization": f"Bearer {cafe.secret}"})
    assert answer.status_code == 200, (kind, answer.status_code)
    if kind.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(answer.get_data())) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return answer.get_data(as_text=True)


def test_a_sign_up_without_a_yes_is_in_no_export_and_a_convener_gets_only_their_group(
    client: FlaskClient, cafe: CafeHandle, connect: Connect, join: Callable[..., dict[str, Any]], facilitator: Any
) -> None:
    topics = state_of(facilitator)["topics"]
    land, coops = topics[0]["id"], topics[1]["id"]
    yes = phone_of(connect, cafe, join, "Ana", "es")
    quiet = phone_of(connect, cafe, join, "Wilner", "ht")
    other = phone_of(connect, cafe, join, "Mei", "zh")
    # A contact without the yes, or the yes without a contact: refused, in the phone's language.
    no = yes.emit("sign_up", {"topic_id": land, "contact": "ana@example.org"}, callback=True)
    assert no["error"]["code"] == "contact_needs_consent" and "Quien coordine" in no["error"]["message"]
    empty = yes.emit("sign_up", {"topic_id": land, "consent": True}, callback=True)
    assert empty["error"]["code"] == "consent_needs_contact"
    assert yes.emit("sign_up", {"topic_id": land, "contact": "ana@example.org", "consent": True}, callback=True)["ok"]
    assert quiet.emit("sign_up", {"topic_id": land, "name": "Rosa Quiet"}, callback=True)["ok"]
    assert other.emit("sign_up", {"topic_id": coops, "contact": "+1 617 555 0100", "consent": True}, callback=True)[
        "ok"
    ]
    # Everyone on the board counts; every export names only the yes.
    assert len(state_of(facilitator)["signups"]) == 3
    kinds = [*EXPORTS, f"group-{land}.md", f"group-{land}.csv", f"group-{coops}.md"]
    for kind in kinds:
        text = exported(client, cafe, kind)
        assert "Rosa Quiet" not in text, kind
    group = exported(client, cafe, f"group-{land}.md")
    assert "ana@example.org" in group and "+1 617 555 0100" not in group and "## Themes" in group
    sheet = exported(client, cafe, f"group-{land}.csv")
    assert "contact,Ana,ana@example.org" in sheet
    assert "+1 617 555 0100" in exported(client, cafe, f"group-{coops}.csv")
    backup = json.loads(exported(client, cafe, "cafe.json"))
    assert [s["name"] for s in backup["signups"]] == ["Ana", "Mei"]
    assert (
        client.get(
            f"/f/{cafe.code}/export/group-999.md", headers={"Authorization": f"Bearer {cafe.secret}"}
        ).status_code
        == 404
    )
    assert client.get(f"/f/{cafe.code}/export/group-{land}.md").status_code == 403


def test_contacts_are_deleted_after_the_cafes_days_by_the_scheduled_job(
    app: Flask,
    client: FlaskClient,
    cafe: CafeHandle,
    connect: Connect,
    join: Callable[..., dict[str, Any]],
    facilitator: Any,
) -> None:
    refused = facilitator.emit("update_cafe", {"settings": {"contact_days": 0}}, callback=True)
    assert refused["error"]["code"] == "contact_days_range"
    assert facilitator.emit("update_cafe", {"settings": {"contact_days": 7}}, callback=True)["ok"]
    assert state_of(facilitator)["cafe"]["settings"]["contact_days"] == 7
    land = state_of(facilitator)["topics"][0]["id"]
    phone = phone_of(connect, cafe, join, "Ana", "pt")
    assert phone.emit("sign_up", {"topic_id": land, "contact": "ana@example.org", "consent": True}, callback=True)["ok"]
    signed = now_ms()
    scheduler = Scheduler(runtime(app))

    def kept() -> list[str | None]:
        with runtime(app).db.reading() as session:
            return list(session.scalars(select(Signup.contact)))

    scheduler.tick(now=signed + 6 * DAY_MS)  # the job runs: six days are not seven
    assert kept() == ["ana@example.org"]
    scheduler.tick(now=signed + 7 * DAY_MS + 2 * 3_600_000)  # an hour later than the next run
    assert kept() == [None]
    assert "ana@example.org" not in exported(client, cafe, "cafe.json")
    assert "ana@example.org" not in exported(client, cafe, f"group-{land}.md")


@pytest.mark.parametrize("lang", ["en", "es", "pt", "ht", "zh"])
def test_the_sign_up_form_says_how_long_a_contact_is_kept_in_every_language(lang: str) -> None:
    from pathlib import Path

    words = json.loads((Path(__file__).resolve().parents[2] / "static" / "i18n" / f"{lang}.json").read_text("utf-8"))
    key = "Only the facilitator and this group’s convener get your contact, and only if you tick the box. It is deleted {n} days after you sign up."
    assert "{n}" in words[key] and words["The convener may contact me"]
