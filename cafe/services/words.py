"""The facilitator's words in the room's languages: checked versions of names, questions, notices.

A topic's name and description, a round's question (and its per-topic questions) and an
announcement may each come in the app's other languages. Phones show their language's
version, else the original; the board shows the board's language. Only the app's languages
are accepted (a phone can only be in one of those), every text is cleaned like the original.
"""

from __future__ import annotations

from typing import Any

from cafe.services.errors import Invalid
from cafe.services.participants import LANGUAGES
from cafe.services.text import clean

Translations = dict[str, Any]


def _languages(value: object, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid("translations_shape", what=what)
    unknown = sorted(str(k)[:10] for k in value if k not in LANGUAGES)
    if unknown:
        raise Invalid("translations_language", what=what, unknown=", ".join(unknown), languages=", ".join(LANGUAGES))
    return value


def topic_translations(value: object) -> Translations:
    """{lang: {name?, description?}} for a strategy area; empty versions are dropped."""
    out: Translations = {}
    for lang, spec in sorted(_languages(value, "Strategy areas").items()):
        if not isinstance(spec, dict) or set(spec) - {"name", "description"}:
            raise Invalid("area_translation_shape")
        kept = {
            "name": clean(spec.get("name"), field="The strategy area's name", max_length=80, required=False),
            "description": clean(spec.get("description"), field="The description", max_length=280, required=False),
        }
        kept = {k: v for k, v in kept.items() if v}
        if kept:
            out[lang] = kept
    return out


def round_translations(value: object, number: int, topic_ids: set[str]) -> Translations:
    """{lang: {question?, topic_questions?: {"<topic id>": question}}} for one round."""
    out: Translations = {}
    for lang, spec in sorted(_languages(value, "Round questions").items()):
        if not isinstance(spec, dict) or set(spec) - {"question", "topic_questions"}:
            raise Invalid("round_translation_shape", number=number)
        per_topic = spec.get("topic_questions") or {}
        if not isinstance(per_topic, dict) or set(map(str, per_topic)) - topic_ids:
            raise Invalid("question_unknown_area", number=number)
        kept: dict[str, Any] = {}
        question = clean(
            spec.get("question"),
            field="The question of round {number}",
            field_values={"number": number},
            max_length=280,
            required=False,
        )
        if question:
            kept["question"] = question
        questions = {
            str(k): clean(v, field="The question of round {number}", field_values={"number": number}, max_length=280)
            for k, v in per_topic.items()
            if v not in (None, "")
        }
        if questions:
            kept["topic_questions"] = questions
        if kept:
            out[lang] = kept
    return out


def text_translations(value: object, what: str, max_length: int) -> dict[str, str]:
    """{lang: text} for an announcement; empty versions are dropped."""
    out: dict[str, str] = {}
    for lang, text in sorted(_languages(value, what).items()):
        cleaned = clean(text, field=what, max_length=max_length, required=False)
        if cleaned:
            out[lang] = cleaned
    return out
