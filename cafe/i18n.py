"""The page's language: the board's is the facilitator's choice; otherwise the one chosen on the
phone (remembered in a cookie), else the browser's. The server's words go through Flask-Babel,
the scripts' words come from static/i18n/<lang>.json."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from flask import Flask, Response, current_app, g, request
from flask_babel import refresh

from cafe.services.errors import Words

# Language code -> its own name, in the order the phone's switcher offers them.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "pt": "Português",
    "ht": "Kreyòl ayisyen",
    "zh": "中文（简体）",
}
DEFAULT = "en"
COOKIE = "cafe_lang"
COOKIE_SECONDS = 365 * 24 * 3600
# The html `lang` of each: Simplified Chinese is zh-Hans, so screen readers and fonts get it right.
HTML_LANG = {"zh": "zh-Hans"}


def chosen() -> str | None:
    """A language asked for explicitly: `?lang=` (the switcher), else the remembered cookie."""
    for value in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if value in LANGUAGES:
            return value
    return None


def select_locale() -> str:
    """Flask-Babel's locale selector: the page's fixed language, else the phone's choice, else the
    browser's languages, else English."""
    fixed = g.get("page_language")
    if fixed in LANGUAGES:
        return str(fixed)
    return chosen() or request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT


def fix_language(lang: object) -> None:
    """Render this request in `lang` whatever the browser asks (the board follows the café's
    setting); an unset or unknown value leaves the usual choice."""
    g.page_language = lang if isinstance(lang, str) and lang in LANGUAGES else None
    # Flask-Babel keeps the locale it found first in this request: look again.
    refresh()


def remember(response: Response) -> Response:
    """Keep a language picked on the switcher for the next pages of this browser."""
    wanted = request.args.get("lang")
    if wanted in LANGUAGES and request.cookies.get(COOKIE) != wanted:
        response.set_cookie(
            COOKIE, wanted, max_age=COOKIE_SECONDS, samesite="Lax", httponly=True, secure=request.is_secure
        )
    return response


@lru_cache(maxsize=2 * len(LANGUAGES))
def _catalogue(folder: str, lang: str, part: str = "") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(folder) / "i18n" / part / f"{lang}.json").read_text("utf-8"))
    return data


def catalogue(lang: str, part: str = "") -> dict[str, Any]:
    """The scripts' words in `lang` (English text -> translation; plural entries are
    {"one": ..., "other": ...}): the phone's and board's, or with part="panel" the panel's."""
    return _catalogue(current_app.static_folder or "", lang if lang in LANGUAGES else DEFAULT, part)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def panel_words(lang: str) -> Callable[..., str]:
    """`w("English text", name=value)` for the panel's page: the catalogue's word, else the
    English text, with its {placeholders} filled."""
    words = catalogue(lang, "panel")

    def word(key: str, **values: object) -> str:
        found = words.get(key)
        text = found if isinstance(found, str) else key
        return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)

    return word


TRANSLATIONS = Path(__file__).resolve().parent / "translations"


@lru_cache(maxsize=len(LANGUAGES))
def _server_catalogue(lang: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), [lang]) if lang != DEFAULT else NullTranslations()


def words_in(lang: str) -> Words:
    """The server's sentences in `lang` (the gettext catalogues of cafe/translations, with their
    plural forms), e.g. to word a refusal for a socket; an unknown language or sentence stays English."""
    return _server_catalogue(lang if lang in LANGUAGES else DEFAULT)


def request_language(asked: object = None) -> str:
    """The language of this request or socket handshake: `asked` (a socket's `auth.lang`) when it
    is one of the app's, else the page's usual choice (`?lang=`, the cookie, the browser's)."""
    if isinstance(asked, str) and asked.split("-")[0] in LANGUAGES:
        return asked.split("-")[0]
    return select_locale()


def _template_values() -> dict[str, Any]:
    if not request:
        return {}
    lang = select_locale()
    return {"lang": HTML_LANG.get(lang, lang), "language": lang, "languages": LANGUAGES}


def register(app: Flask) -> None:
    """Give every template its language, and remember the switcher's choice."""
    app.context_processor(_template_values)
    app.after_request(remember)
