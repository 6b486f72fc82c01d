"""One check for every JSON catalogue the scripts read (the phone's and board's, the panel's)."""

from __future__ import annotations

import re
from typing import Any

from babel import Locale

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def check_translated(lang: str, english: dict[str, Any], words: dict[str, Any]) -> None:
    """`words` has every key of `english`, no other, each with its plural forms and placeholders."""
    assert set(words) == set(english), {
        "missing": sorted(set(english) - set(words)),
        "extra": sorted(set(words) - set(english)),
    }
    plural_tags = set(Locale.parse(lang).plural_form.tags)
    for key, source in english.items():
        word = words[key]
        if isinstance(source, dict):
            assert isinstance(word, dict) and word.get("other"), (lang, key)
            needed = {"other"} | ({"one"} & plural_tags)
            assert needed <= set(word), (lang, key, needed)
            forms = list(word.values())
            wanted = set(PLACEHOLDER.findall(source["other"]))
        else:
            assert isinstance(word, str) and word.strip(), (lang, key)
            forms = [word]
            wanted = set(PLACEHOLDER.findall(key))
        for form in forms:
            # {n} may be left out where the language says "a dot" rather than "1 dot".
            assert set(PLACEHOLDER.findall(form)) <= wanted, (lang, key, form)
            assert wanted - {"n"} <= set(PLACEHOLDER.findall(form)), (lang, key, form)
