"""Photos of the tablecloths: the host's phone sends one, the server keeps a new JPEG without
any metadata (no location), upright and at most 2,000 px; anything that is not a sane picture is
refused in words and nothing is kept; the board, the report and the ZIP carry what was kept."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from PIL import Image
from sqlalchemy import func, select

from cafe.app import runtime
from cafe.models import Photo
from cafe.services import photos
from tests.conftest import CafeHandle, events_of, state_of

Join = Callable[..., dict[str, Any]]
GPS_IFD = 0x8825


def jpeg(width: int = 3000, height: int = 2000, *, gps: bool = False, orientation: int | None = None) -> bytes:
    """A camera-like JPEG: optionally with a GPS position and an orientation tag in its EXIF."""
    image = Image.new("RGB", (width, height), (250, 240, 200))
    for x in range(0, width, 50):  # some ink on the paper
        image.paste((20, 20, 120), (x, 0, x + 5, height // 3))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (42.0, 21.0, 30.0), 3: "W", 4: (71.0, 3.0, 36.0)}
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def bomb() -> bytes:
    """A PNG of a few KB that would decode to 144 megapixels."""
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def host(client: FlaskClient, cafe: CafeHandle, join: Join, facilitator: SocketIOTestClient) -> dict[str, Any]:
    """Lucía hosts Table 1; Wei sits in the café but hosts nothing."""
    lucia, wei = join("Lucía Álvarez", languages=["es"]), join("王伟", languages=["zh"])
    state = state_of(facilitator)
    table = next(t for t in state["tables"] if t["label"] == "Table 1")["id"]
    ack = facilitator.emit("set_host", {"table_id": table, "participant_id": lucia["participant"]["id"]}, callback=True)
    assert ack["ok"], ack
    return {"token": lucia["token"], "other": wei["token"], "table": table}


def multipart(data: bytes, name: str, table: int) -> tuple[bytes, str]:
    """The form a phone sends, encoded here in memory (the test client would spool a large one
    to a temporary file that it never closes)."""
    boundary = "cafe-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="table_id"\r\n\r\n{table}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def send(
    client: FlaskClient,
    cafe: CafeHandle,
    token: str,
    table: int,
    data: bytes,
    name: str = "photo.jpg",
    lang: str = "en",
) -> Any:
    body, content_type = multipart(data, name, table)
    return client.post(
        f"/api/cafes/{cafe.code}/photos",
        data=body,
        content_type=content_type,
        headers={"Authorization": f"Bearer {token}", "Accept-Language": lang},
    )


def kept(app: Flask) -> int:
    with runtime(app).db.reading() as session:
        return int(session.scalar(select(func.count(Photo.id))) or 0)


def test_a_photo_with_a_location_is_kept_without_it_upright_and_scaled(
    app: Flask, client: FlaskClient, cafe: CafeHandle, host: dict[str, Any], board: SocketIOTestClient
) -> None:
    original = jpeg(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the camera wrote where
    events_of(board)
    answer = send(client, cafe, host["token"], host["table"], original)
    assert answer.status_code == 201, answer.get_json()
    photo = answer.get_json()["photo"]
    assert (photo["width"], photo["height"]) == (2000, 1333) and photo["table_id"] == host["table"]
    [added] = [e for e in events_of(board) if e["type"] == "photo_added"]
    assert added["data"]["photo"] == photo
    assert state_of(board)["photos"] == [photo]

    stored = client.get(photo["url"])
    assert stored.status_code == 200 and stored.mimetype == "image/jpeg"
    back = Image.open(io.BytesIO(stored.data))
    assert back.size == (2000, 1333)
    assert dict(back.getexif()) == {} and not back.getexif().get_ifd(GPS_IFD)
    assert "exif" not in back.info and b"GPS" not in stored.data and b"PhoneMaker" not in stored.data

    # A phone held on its side: the orientation tag is applied, then dropped.
    sideways = send(client, cafe, host["token"], host["table"], jpeg(1200, 900, orientation=6)).get_json()["photo"]
    assert (sideways["width"], sideways["height"]) == (900, 1200)
    assert kept(app) == 2


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "minutes.jpg", "photo_not_image"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
            "cloth.svg",
            "photo_not_image",
        ),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "broken.jpg", "photo_not_image"),
        (b"", "empty.jpg", "photo_not_image"),
        (None, "bomb.png", "photo_too_many_pixels"),
        (b"\xff" * (photos.MAX_UPLOAD_BYTES + 1), "huge.jpg", "photo_too_big"),
    ],
    ids=["a-pdf-renamed-jpg", "an-svg", "a-broken-jpeg", "nothing", "a-decompression-bomb", "over-15-mb"],
)
def test_what_is_not_a_sane_picture_is_refused_in_words_and_nothing_is_kept(
    app: Flask, client: FlaskClient, cafe: CafeHandle, host: dict[str, Any], data: bytes | None, name: str, code: str
) -> None:
    answer = send(client, cafe, host["token"], host["table"], bomb() if data is None else data, name, lang="es")
    body = answer.get_json()
    assert answer.status_code == 400 and body["ok"] is False and body["error"]["code"] == code, body
    assert body["error"]["message"] and "Traceback" not in answer.get_data(as_text=True)
    assert body["error"]["message"] != code  # a sentence, in Spanish
    assert kept(app) == 0


def test_only_the_tables_host_adds_photos_and_a_table_keeps_at_most_twelve(
    app: Flask, client: FlaskClient, cafe: CafeHandle, host: dict[str, Any], facilitator: SocketIOTestClient
) -> None:
    small = jpeg(200, 150)
    not_host = send(client, cafe, host["other"], host["table"], small)
    assert not_host.status_code == 403 and not_host.get_json()["error"]["code"] == "photo_host_only"
    wrong = send(client, cafe, "not-a-token", host["table"], small)
    assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "unknown_participant"
    nothing = client.post(
        f"/api/cafes/{cafe.code}/photos",
        data={"table_id": str(host["table"])},
        headers={"Authorization": f"Bearer {host['token']}"},
        content_type="multipart/form-data",
    )
    assert nothing.get_json()["error"]["code"] == "photo_choose"
    for _ in range(photos.PER_TABLE):
        assert send(client, cafe, host["token"], host["table"], small).status_code == 201
    over = send(client, cafe, host["token"], host["table"], small, lang="zh")
    assert over.get_json()["error"] == {
        "code": "photo_limit",
        "kind": "invalid",
        "message": "每张桌子最多保存 12 张照片。",
        "params": {"n": 12},
    }
    assert kept(app) == photos.PER_TABLE
    # The facilitator takes one away: gone from the database, the stream and the URL.
    first = state_of(facilitator)["photos"][0]
    assert facilitator.emit("remove_photo", {"photo_id": first["id"]}, callback=True)["ok"]
    assert client.get(first["url"]).status_code == 404
    assert kept(app) == photos.PER_TABLE - 1
    missing = facilitator.emit("remove_photo", {"photo_id": first["id"]}, callback=True)
    assert missing["error"]["code"] == "photo_not_found"


def test_the_report_and_the_zip_carry_the_photos(client: FlaskClient, cafe: CafeHandle, host: dict[str, Any]) -> None:
    for _ in range(2):
        assert send(client, cafe, host["token"], host["table"], jpeg(800, 600, gps=True)).status_code == 201
    auth = {"Authorization": f"Bearer {cafe.secret}"}
    report = client.get(f"/f/{cafe.code}/export/report.html", headers=auth).get_data(as_text=True)
    assert report.count('src="data:image/jpeg;base64,') == 2 and "The tablecloth of Table 1" in report
    answer = client.get(f"/f/{cafe.code}/export/photos.zip", headers=auth)
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.data)) as archive:
        names = archive.namelist()
        assert names == ["001 Table 1 - round 0.jpg", "002 Table 1 - round 0.jpg", "photos.csv"]
        for name in names[:2]:
            picture = Image.open(io.BytesIO(archive.read(name)))
            assert picture.size == (800, 600) and not picture.getexif().get_ifd(GPS_IFD)
        assert archive.read("photos.csv").decode("utf-8-sig").startswith("file,table,round,taken\r\n")
    assert client.get(f"/f/{cafe.code}/export/photos.zip").status_code == 403
