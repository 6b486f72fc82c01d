"""Clean and check the text people type (names, titles, notes): one place for the rules."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from cafe.services.errors import Invalid

# Characters that can reorder or hide text on screen (bidi overrides, zero-width joiners
# used for spoofing); they are dropped from anything a person types.
_INVISIBLE = {
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
}


def clean(
    value: object,
    *,
    field: str,
    max_length: int,
    required: bool = True,
    multiline: bool = False,
    field_values: Mapping[str, object] | None = None,
) -> str:
    """Normalise a typed string and enforce its length, with a message a person understands.
    `field` is one of the app's FRAGMENTS; `field_values` fill its own placeholders."""
    values = dict(field_values or {})
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid("not_text", field=field, **values)
    if any(unicodedata.category(ch) == "Cs" for ch in value):
        # A lone surrogate is not a character: no keyboard types it, and no database stores it.
        raise Invalid("not_text_characters", field=field, **values)
    text = unicodedata.normalize("NFC", value)
    kept = []
    for ch in text:
        if ch in _INVISIBLE:
            continue
        if ch in "\r\n" and multiline:
            kept.append("\n" if ch == "\n" else "")
            continue
        if unicodedata.category(ch) in ("Cc", "Cf") and ch != "\t":
            continue
        kept.append(" " if ch == "\t" else ch)
    text = "".join(kept)
    if multiline:
        lines = [" ".join(line.split()) for line in text.split("\n")]
        text = "\n".join(lines).strip()
    else:
        text = " ".join(text.split())
    if required and not text:
        raise Invalid("text_empty", field=field, **values)
    if len(text) > max_length:
        raise Invalid("text_too_long", field=field, length=len(text), limit=max_length, **values)
    return text
