"""HTTP pages and endpoints: creating, joining, the QR code, errors and headers."""

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import CafeHandle


def test_the_home_page_offers_to_join_and_to_host(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "Join a café" in page and "Host a café" in page


def test_creating_a_cafe_shows_the_facilitator_link_once_in_the_fragment(client: FlaskClient) -> None:
    response = client.post("/cafes", data={"title": "Spring assembly"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your facilitator link" in page
    assert "/f/" in page and "#" in page.split("/f/", 1)[1].split('"', 1)[0]


def test_creating_a_cafe_without_a_title_explains_why(client: FlaskClient) -> None:
    response = client.post("/cafes", data={"title": "  "})
    assert response.status_code == 400
    assert "cannot be empty" in response.get_data(as_text=True)


def test_an_unknown_code_gets_a_friendly_page_to_type_it_again(client: FlaskClient) -> None:
    response = client.get("/j/QQQQQQ")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "couldn't find that café" in page and 'name="code"' in page


def test_the_code_form_leads_to_the_join_page(client: FlaskClient, cafe: CafeHandle) -> None:
    response = client.get(f"/join?code={cafe.code.lower()}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/j/{cafe.code}")


def test_the_join_page_and_the_board_exist_for_a_real_cafe(client: FlaskClient, cafe: CafeHandle) -> None:
    assert client.get(f"/j/{cafe.code}").status_code == 200
    board = client.get(f"/b/{cafe.code}").get_data(as_text=True)
    assert cafe.code in board and f"/qr/{cafe.code}.svg" in board


def test_the_facilitator_page_never_contains_the_secret(client: FlaskClient, cafe: CafeHandle) -> None:
    page = client.get(f"/f/{cafe.code}").get_data(as_text=True)
    assert cafe.secret not in page


def test_the_qr_code_is_an_svg_of_the_join_url(client: FlaskClient, cafe: CafeHandle) -> None:
    response = client.get(f"/qr/{cafe.code}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).lstrip().startswith("<?xml")


def test_joining_returns_a_token_and_the_person(client: FlaskClient, cafe: CafeHandle) -> None:
    response = client.post(f"/api/cafes/{cafe.code}/participants", json={"name": "Ana"})
    body = response.get_json()
    assert response.status_code == 201 and body["ok"]
    assert body["participant"]["name"] == "Ana" and len(body["token"]) >= 22


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"name": "A" * 41}, 400, "Your name is 41 characters long; the limit is 40."),
        ({"name": "   "}, 400, "Your name cannot be empty."),
        ({"name": "Ana", "anonymous": "yes"}, 400, "Choose whether to stay anonymous."),
        ({"name": "Ana", "organisation": "O" * 81}, 400, "Organisation is 81 characters long; the limit is 80."),
        ("just a string", 400, "Please fill in the form and try again."),
    ],
)
def test_a_bad_join_gets_a_clear_message(
    client: FlaskClient, cafe: CafeHandle, body: Any, status: int, message: str
) -> None:
    response = client.post(f"/api/cafes/{cafe.code}/participants", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["message"] == message


def test_joining_an_unknown_cafe_is_a_404_with_a_message(client: FlaskClient) -> None:
    response = client.post("/api/cafes/QQQQQQ/participants", json={"name": "Ana"})
    assert response.status_code == 404 and "no café" in response.get_json()["error"]["message"]


def test_an_oversized_request_is_refused_cleanly(client: FlaskClient, cafe: CafeHandle) -> None:
    response = client.post(f"/api/cafes/{cafe.code}/participants", json={"name": "A" * 100_000})
    assert response.status_code == 413 and response.get_json()["ok"] is False


def test_pages_send_a_strict_content_security_policy(client: FlaskClient) -> None:
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_the_health_check_answers(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"ok": True}


def test_the_service_worker_is_served_from_the_root_for_the_phone_pages(client: FlaskClient) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
