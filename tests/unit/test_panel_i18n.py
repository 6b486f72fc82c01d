"""Every word of the facilitator's panel exists in every language: its page (templates/
facilitator/panel.html, `w("...")`) and its scripts (facilitator.js, seating-words.js and what
they use of the shared i18n.js, `t('...')` and `tn(n, '...')`) read one catalogue per language,
static/i18n/panel/<lang>.json. A missing key, a missing plural form or a lost placeholder fails
here."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cafe.i18n import LANGUAGES
from tests.catalogues import check_translated

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGUES = ROOT / "static" / "i18n" / "panel"
PAGES = [
    ROOT / "templates" / "facilitator" / "panel.html",
    ROOT / "templates" / "facilitator" / "door.html",
    ROOT / "templates" / "facilitator" / "_team_name.html",
    ROOT / "templates" / "facilitator" / "themes.html",
]
JS = ROOT / "static" / "js"
SCRIPTS = [
    JS / "facilitator.js",
    JS / "seating-words.js",
    JS / "ui.js",
    JS / "door.js",
    JS / "help-queue.js",
    JS / "themes.js",
    JS / "team-name.js",
    JS / "refusal.js",
]
# The shared i18n.js: only the functions the panel imports from it (tableLabel says "Table 7").
SHARED = JS / "i18n.js"
OTHERS = [lang for lang in LANGUAGES if lang != "en"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
STRING = re.compile(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`""")


def load(lang: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CATALOGUES / f"{lang}.json").read_text("utf-8"))
    return data


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _first_argument(text: str, start: int, skip_one: bool) -> tuple[str | None, str]:
    """The string literal that is the call's first (t) or second (tn) argument: (key, what was there)."""
    depth, i = 0, start
    if skip_one:  # tn(n, 'key'): step over the count, however it is written
        while i < len(text):
            ch = text[i]
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                if depth == 0:
                    return None, text[start:i]
                depth -= 1
            elif ch == "," and depth == 0:
                i += 1
                break
            i += 1
    rest = text[i:].lstrip()
    match = STRING.match(rest)
    if not match or match.group(3) is not None:
        return None, rest[:60]
    key = match.group(1) if match.group(1) is not None else match.group(2)
    return _unescape(key), ""


def without_comments(js: str) -> str:
    """The script without its comments (strings, template literals and regexes kept as they are)."""
    out: list[str] = []
    i = 0
    while i < len(js):
        ch = js[i]
        if ch in "'\"`":
            end = i + 1
            while end < len(js) and js[end] != ch:
                end += 2 if js[end] == "\\" else 1
            out.append(js[i : end + 1])
            i = end + 1
        elif js.startswith("//", i):
            i = js.find("\n", i)
            i = len(js) if i < 0 else i
        elif js.startswith("/*", i):
            i = js.find("*/", i) + 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def panel_sources() -> list[tuple[str, str]]:
    """(name, code without comments) of the panel's scripts, and of each function they import
    from the shared i18n.js (other than t and tn themselves)."""
    sources = [(path.name, without_comments(path.read_text("utf-8"))) for path in SCRIPTS]
    shared = without_comments(SHARED.read_text("utf-8"))
    used: set[str] = set()
    for _name, text in sources:
        for names in re.findall(r"import\s*\{([^}]*)\}\s*from\s*'\./i18n\.js'", text):
            used |= {n.strip() for n in names.split(",") if n.strip()} - {"t", "tn", "lang"}
    for function in sorted(used):
        body = re.search(rf"export function {function}\(.*?(?=\nexport |\Z)", shared, re.S)
        assert body, f"i18n.js has no function {function}"
        sources.append((f"i18n.js {function}", body.group(0)))
    return sources


def script_calls() -> tuple[set[str], set[str], list[str]]:
    """Every key the panel's scripts look up, the plural ones (tn), and every call whose key is
    not a plain string."""
    keys: set[str] = set()
    plural: set[str] = set()
    dynamic: list[str] = []
    for name, text in panel_sources():
        for match in re.finditer(r"(?<![\w.$])(tn?)\(", text):
            # A definition (`export function t(key...`) is not a call.
            if re.search(r"function\s+$", text[: match.start()]):
                continue
            key, found = _first_argument(text, match.end(), match.group(1) == "tn")
            if key is None:
                dynamic.append(f"{name}: {match.group(0)}{found}")
            else:
                keys.add(key)
                if match.group(1) == "tn":
                    plural.add(key)
    return keys, plural, dynamic


def page_words() -> set[str]:
    """Every `w("...")` of the panel's pages (the panel and the door screen)."""
    text = re.sub(r"\{#.*?#\}", "", "\n".join(p.read_text("utf-8") for p in PAGES), flags=re.S)  # not comments
    found = {_unescape(m.group(2)) for m in re.finditer(r"\bw\(\s*(['\"])((?:(?!\1).)*)\1", text)}
    assert found, "the panel's page has no w(...) words"
    return found


def test_the_panel_page_says_every_word_through_its_catalogue() -> None:
    text = "\n".join(p.read_text("utf-8") for p in PAGES)
    # Flask-Babel's _() reads the phone's .po files: the panel's words would stay English.
    assert not re.search(r"\b_\(", text), "use w(...) on the panel's page, not _(...)"


def test_every_script_word_is_a_plain_string_key() -> None:
    _keys, _plural, dynamic = script_calls()
    assert not dynamic, f"t()/tn() must be called with a string key (the catalogue's): {dynamic}"


def test_every_key_the_panel_uses_is_in_the_english_catalogue() -> None:
    keys, _plural, _dynamic = script_calls()
    english = load("en")
    missing = (keys | page_words()) - set(english)
    assert not missing, f"add to static/i18n/panel/en.json (and every language): {sorted(missing)}"


def test_the_english_catalogue_has_no_key_the_panel_no_longer_uses() -> None:
    keys, _plural, _dynamic = script_calls()
    unused = set(load("en")) - keys - page_words()
    assert not unused, sorted(unused)


def test_plural_keys_are_plural_entries_and_plain_keys_are_text() -> None:
    _keys, plural, _dynamic = script_calls()
    for key, value in load("en").items():
        if key in plural:
            assert isinstance(value, dict) and {"one", "other"} <= set(value), key
        else:
            assert isinstance(value, str), key
            assert value == key, f"en.json: an English word is its own key: {key!r}"


@pytest.mark.parametrize("lang", OTHERS)
def test_every_panel_word_is_translated(lang: str) -> None:
    check_translated(lang, load("en"), load(lang))


def test_the_panel_speaks_the_chosen_language_and_keeps_english_by_default(app: Any, cafe: Any) -> None:
    client = app.test_client()

    def heading(**kwargs: Any) -> str:
        """The seat map's heading, as the page says it."""
        page = str(client.get(f"/f/{cafe.code}", **kwargs).get_data(as_text=True))
        return html.unescape(re.search(r'<h2 id="see-h">([^<]*?) <span', page).group(1))

    assert heading(headers={"Accept-Language": "en-US"}) == "Who sits where"
    assert heading(query_string={"lang": "xx"}, headers={"Accept-Language": "fr-FR"}) == "Who sits where"
    # Like the phone: the browser's languages...
    assert heading(headers={"Accept-Language": "pt-BR,pt;q=0.9"}) == load("pt")["Who sits where"]
    # ...and the switcher's `?lang=`, with the whole catalogue in data-words for the scripts.
    for lang in ("es", "zh"):
        assert heading(query_string={"lang": lang}) == load(lang)["Who sits where"]
        page = client.get(f"/f/{cafe.code}?lang={lang}").get_data(as_text=True)
        words = json.loads(html.unescape(re.search(r"data-words='([^']*)'", page).group(1)))
        assert words == load(lang)
    assert '<html lang="zh-Hans">' in client.get(f"/f/{cafe.code}?lang=zh").get_data(as_text=True)
    # The choice is remembered (the cafe_lang cookie) over the browser's languages.
    assert heading(headers={"Accept-Language": "es"}) == load("zh")["Who sits where"]
    fresh = app.test_client()
    page = fresh.get(f"/f/{cafe.code}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert load("es")["Who sits where"] in page and '<html lang="es">' in page
