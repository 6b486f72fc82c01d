"""Gzip for text responses, long caching for versioned static files, and headers kept."""

from __future__ import annotations

import gzip
import re

from flask.testing import FlaskClient

from cafe.web import CSP

GZIP = {"Accept-Encoding": "gzip, deflate"}


def static_url(client: FlaskClient, code: str, name: str) -> str:
    page = client.get(f"/j/{code}").get_data(as_text=True)
    match = re.search(rf'(/static/{re.escape(name)}\?v=[0-9a-f]+)"', page)
    assert match, page
    return match.group(1)


def test_a_page_is_gzipped_for_a_browser_that_accepts_it_and_keeps_its_headers(
    client: FlaskClient, cafe: object
) -> None:
    plain = client.get(f"/j/{cafe.code}")  # type: ignore[attr-defined]
    packed = client.get(f"/j/{cafe.code}", headers=GZIP)  # type: ignore[attr-defined]
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2
    for response in (plain, packed):
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Accept-Encoding" in response.headers["Vary"]


def test_gzip_refused_with_q_zero_is_not_sent(client: FlaskClient, cafe: object) -> None:
    response = client.get(
        f"/j/{cafe.code}",  # type: ignore[attr-defined]
        headers={"Accept-Encoding": "gzip;q=0, identity"},
    )
    assert "Content-Encoding" not in response.headers


def test_a_versioned_static_file_is_gzipped_and_cached_for_a_year(client: FlaskClient, cafe: object) -> None:
    url = static_url(client, cafe.code, "js/phone.js")  # type: ignore[attr-defined]
    response = client.get(url, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]
    with client.get(url) as plain:  # a file response: closed, as a server closes it
        assert gzip.decompress(response.data) == plain.data
    # The gzipped copy has a weak tag, and asking again with it still gets a 304.
    etag = response.headers["ETag"]
    assert etag.startswith('W/"')
    with client.get(url, headers={**GZIP, "If-None-Match": etag}) as again:
        assert again.status_code == 304
        assert not again.data


def test_an_unversioned_or_stale_static_url_must_revalidate(client: FlaskClient) -> None:
    for url in ("/static/js/dom.js", "/static/js/dom.js?v=0000000000"):
        with client.get(url, headers=GZIP) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "no-cache"


def test_tiny_bodies_and_json_errors_stay_readable(client: FlaskClient, cafe: object) -> None:
    response = client.get("/healthz", headers=GZIP)
    assert "Content-Encoding" not in response.headers
    assert response.get_json() == {"ok": True}
