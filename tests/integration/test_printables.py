"""The printed sheets as HTML: one per table, in the sheet's language, no script and no inline
style (the strict CSP holds on paper too)."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import CafeHandle


def test_tents_and_cards_have_a_sheet_per_table_in_the_sheets_language(client: FlaskClient, cafe: CafeHandle) -> None:
    tents = client.get(f"/print/{cafe.code}/tents?lang=es").get_data(as_text=True)
    assert tents.count('<section class="sheet">') == 14
    assert "Mesa 1" in tents and "Escanea para entrar" in tents and f"/j/{cafe.code}" in tents
    assert "<script" not in tents and "style=" not in tents and "print-a4.css" in tents
    letter = client.get(f"/print/{cafe.code}/tents?paper=letter&lang=zh").get_data(as_text=True)
    assert "print-letter.css" in letter and "1号桌" in letter
    assert "print-a4.css" in client.get(f"/print/{cafe.code}/cards?paper=legal").get_data(as_text=True)
    cards = client.get(f"/print/{cafe.code}/cards?lang=ht").get_data(as_text=True)
    assert cards.count('<section class="sheet card">') == 14 and "Tou 4" in cards and "Ide kle yo" in cards
    assert client.get(f"/print/{cafe.code}/badges").status_code == 404
    assert client.get("/print/NOPE00/tents").status_code == 404
