"""Every participant-facing word of the phone and the board exists in every language: the
server's templates (gettext catalogues) and the scripts (static/i18n/<lang>.json). A missing key
fails here."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from cafe.i18n import LANGUAGES, words_in
from cafe.services import participants
from cafe.services.errors import FRAGMENTS, MESSAGES, Plural, english
from cafe.services.errors import word as refusal_words
from tests.catalogues import check_translated
from tests.conftest import events_of, state_of

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGUES = ROOT / "static" / "i18n"
TRANSLATIONS = ROOT / "cafe" / "translations"
# The phone's page and the board's: what the room reads before any script runs.
TEMPLATES = [
    ROOT / "templates" / "layout.html",
    ROOT / "templates" / "phone" / "phone.html",
    ROOT / "templates" / "board" / "board.html",
    ROOT / "templates" / "print" / "tents.html",
    ROOT / "templates" / "print" / "cards.html",
    ROOT / "templates" / "print" / "badges.html",
    ROOT / "templates" / "print" / "routes.html",
]
# Every script that speaks to participants: the phone's and the projected board's.
SCRIPTS = [
    ROOT / "static" / "js" / name
    for name in (
        "phone.js",
        "phone-cloth.js",
        "phone-lobby.js",
        "phone-notices.js",
        "phone-harvest.js",
        "ui.js",
        "i18n.js",
        "board.js",
        "board-views.js",
    )
]
OTHERS = [lang for lang in LANGUAGES if lang != "en"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def load(lang: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CATALOGUES / f"{lang}.json").read_text("utf-8"))
    return data


def script_keys() -> set[str]:
    """Every key the phone's and the board's scripts look up with t('...') or tn(n, '...')."""
    keys: set[str] = set()
    quoted = r"""(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")"""
    for path in SCRIPTS:
        text = path.read_text("utf-8")
        for pattern in (rf"\bt\(\s*{quoted}", rf"\btn\([^,()]+,\s*{quoted}"):
            keys |= {a or b for a, b in re.findall(pattern, text)}
    return keys


def plain(value: Any) -> Any:
    """A message's id or string as one hashable shape (plural forms come as lists or tuples)."""
    return value if isinstance(value, str) else tuple(value)


def template_messages() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATES:
        for _line, message, _comments, _context in extract_from_file(
            "jinja2", str(path), options={"extensions": "jinja2.ext.i18n"}
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_key_the_phone_and_board_scripts_use_is_in_the_english_catalogue() -> None:
    missing = script_keys() - set(load("en"))
    assert not missing, f"add to static/i18n/en.json (and every language): {sorted(missing)}"


def test_the_english_catalogue_has_no_key_the_scripts_no_longer_use() -> None:
    unused = set(load("en")) - script_keys()
    assert not unused, sorted(unused)


@pytest.mark.parametrize("lang", OTHERS)
def test_every_script_word_is_translated(lang: str) -> None:
    check_translated(lang, load("en"), load(lang))


@pytest.mark.parametrize("lang", OTHERS)
def test_every_word_of_the_phone_and_board_pages_is_translated_on_the_server(lang: str) -> None:
    folder = TRANSLATIONS / lang / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po:
        catalog = read_po(po, locale=lang)
    translated = {plain(m.id): plain(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(template_messages() - {key if isinstance(key, str) else key[0] for key in translated})
    assert not missing, f"{lang}: {missing}"
    # The compiled catalogue Flask-Babel reads matches its source.
    with open(folder / "messages.mo", "rb") as mo:
        compiled = {plain(m.id): plain(m.string) for m in read_mo(mo) if m.id}
    assert compiled == translated, f"{lang}: messages.mo is stale; compile messages.po again"


def test_the_phone_page_speaks_each_language_and_the_switcher_remembers(client: Any, cafe: Any) -> None:
    for lang, word in (
        ("es", "Entrar al café"),
        ("ht", "Antre nan kafe a"),
        ("zh", "加入咖啡馆"),
        ("pt", "Entrar no café"),
    ):
        page = client.get(f"/j/{cafe.code}", headers={"Accept-Language": lang}).get_data(as_text=True)
        assert word in page
        words = json.loads(html.unescape(re.search(r"data-words='([^']*)'", page).group(1)))
        assert words == load(lang)
    assert '<html lang="zh-Hans">' in client.get(f"/j/{cafe.code}", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )
    chosen = client.get(f"/j/{cafe.code}?lang=ht", headers={"Accept-Language": "es"})
    assert "cafe_lang=ht" in chosen.headers["Set-Cookie"]
    assert "Antre nan kafe a" in client.get(f"/j/{cafe.code}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Join the café" in client.get(f"/j/{cafe.code}?lang=en").get_data(as_text=True)


def test_an_unknown_language_falls_back_to_english(client: Any, cafe: Any) -> None:
    page = client.get(f"/j/{cafe.code}?lang=xx", headers={"Accept-Language": "fr-FR"})
    assert "Join the café" in page.get_data(as_text=True)
    assert "Set-Cookie" not in page.headers


@pytest.mark.parametrize("lang", OTHERS)
def test_every_refusal_and_the_words_that_fill_it_are_translated_with_their_placeholders(lang: str) -> None:
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in read_po(po, locale=lang) if m.id}
    placeholder = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")
    sentences = [sentence for _kind, sentence in MESSAGES.values()] + list(FRAGMENTS)
    for sentence in sentences:
        key = sentence.one if isinstance(sentence, Plural) else sentence
        found = catalog.get(key)
        assert found is not None and not found.fuzzy, f"{lang}: no translation of {key!r}"
        forms = list(found.string) if isinstance(found.string, tuple) else [found.string]
        assert all(forms), f"{lang}: a form of {key!r} is empty"
        # A sentence with a count has every form the language has; each keeps the placeholders
        # (a language may drop {n} where its singular says "your only dot", as English does).
        assert isinstance(found.id, tuple) == isinstance(sentence, Plural), (lang, key)
        wanted = set(placeholder.findall(english(sentence)))
        for form in forms:
            assert set(placeholder.findall(form)) <= wanted, (lang, key, form)
            assert set(placeholder.findall(form)) >= wanted - {"n"}, (lang, key, form)


def test_every_field_the_services_name_is_a_fragment_that_gets_translated() -> None:
    # "{field} cannot be empty." is said in the person's language only if its field is a FRAGMENT.
    named = set()
    for path in (Path(__file__).resolve().parents[2] / "cafe").rglob("*.py"):
        named |= set(re.findall(r"\bfield=\"([^\"]+)\"", path.read_text("utf-8")))
    assert named and named <= set(FRAGMENTS), named - set(FRAGMENTS)


def test_a_refusal_with_a_count_takes_the_languages_own_form() -> None:
    spanish, chinese = words_in("es"), words_in("zh")
    assert refusal_words("no_dots_left", {"n": 1}, spanish).startswith("Ya usaste tu único punto de esta ronda")
    assert refusal_words("no_dots_left", {"n": 3}, spanish).startswith("Ya usaste tus 3 puntos de esta ronda")
    assert refusal_words("no_harvest_dots_left", {"n": 1}) == (
        "You have used your only dot in the harvest. Take it back to give it to another note."
    )
    assert refusal_words("no_harvest_dots_left", {"n": 1}, chinese).startswith("你的 1 个收获点")


def test_the_apps_own_words_in_a_sentence_are_translated_and_typed_names_are_not() -> None:
    spanish = words_in("es")
    said = refusal_words(
        "text_too_long", {"field": "The question of round {number}", "number": 2, "length": 300, "limit": 280}, spanish
    )
    assert said == "La pregunta de la ronda 2: tiene 300 caracteres; el máximo es 280."
    assert refusal_words("table_has_host", {"table": "Table 7"}, spanish).startswith("Mesa 7 ya tiene anfitrión")
    # A table a facilitator named, or a name with braces, stays as typed.
    assert refusal_words("table_has_host", {"table": "Table of {n}"}, spanish).startswith("Table of {n} ya tiene")


def test_the_board_scripts_words_are_checked_too() -> None:
    keys = script_keys()
    # A word only the board says, one from each of its scripts: a board key missing from the
    # catalogues would fail the tests above.
    assert {"Moving", "Top ideas", "+ {n} more", "{n} people in the working group"} <= keys


def test_the_languages_of_the_pages_and_of_the_services_agree() -> None:
    assert set(participants.LANGUAGES) == set(LANGUAGES)


def board_page(client: Any, code: str, query: str = "", accept: str = "en") -> tuple[str, dict[str, Any]]:
    """The board's HTML and the words its scripts were given."""
    page = client.get(f"/b/{code}{query}", headers={"Accept-Language": accept}).get_data(as_text=True)
    words = json.loads(html.unescape(re.search(r"data-words='([^']*)'", page).group(1)))
    return page, words


def test_the_board_speaks_the_language_the_facilitator_chose_else_its_browsers(
    client: Any, cafe: Any, facilitator: Any, board: Any
) -> None:
    page, words = board_page(client, cafe.code, accept="ht")
    assert "Plen ekran" in page and '<html lang="ht">' in page and words == load("ht")
    assert 'data-board-language=""' in page

    ack = facilitator.emit("update_cafe", {"settings": {"board_language": "es"}}, callback=True)
    assert ack["ok"], ack
    # The open board hears of it (and so can change its words).
    [updated] = [e for e in events_of(board) if e["type"] == "cafe_updated"]
    assert updated["data"]["cafe"]["settings"]["board_language"] == "es"
    # The café's choice wins over the browser's language and over ?lang=.
    page, words = board_page(client, cafe.code, query="?lang=zh", accept="ht")
    assert "Pantalla completa" in page and "Escanea para entrar" in page
    assert '<html lang="es">' in page and 'data-board-language="es"' in page and words == load("es")
    # The phone keeps its own choice.
    assert "Antre nan kafe a" in client.get(f"/j/{cafe.code}?lang=ht").get_data(as_text=True)

    assert facilitator.emit("update_cafe", {"settings": {"board_language": "zh"}}, callback=True)["ok"]
    page, words = board_page(client, cafe.code)
    assert '<html lang="zh-Hans">' in page and "全屏" in page and words == load("zh")

    # null: the board follows its browser again.
    assert facilitator.emit("update_cafe", {"settings": {"board_language": None}}, callback=True)["ok"]
    assert "board_language" not in state_of(facilitator)["cafe"]["settings"]
    page, words = board_page(client, cafe.code, query="?lang=pt")
    assert "Tela cheia" in page and 'data-board-language=""' in page and words == load("pt")


@pytest.mark.parametrize("wrong", ["fr", "ES", "english", 7, ["es"], True])
def test_an_unknown_board_language_is_refused_with_a_clear_message(facilitator: Any, wrong: Any) -> None:
    assert facilitator.emit("update_cafe", {"settings": {"board_language": "pt"}}, callback=True)["ok"]
    ack = facilitator.emit("update_cafe", {"settings": {"board_language": wrong}}, callback=True)
    assert ack["ok"] is False
    assert ack["error"]["kind"] == "invalid"
    message = ack["error"]["message"]
    assert "board's language" in message and "es" in message and "zh" in message, message
    # Nothing changed.
    assert state_of(facilitator)["cafe"]["settings"]["board_language"] == "pt"
