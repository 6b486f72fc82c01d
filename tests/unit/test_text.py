"""The rules for text people type."""

import pytest

from cafe.services.errors import Invalid
from cafe.services.text import clean


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Ana  ", "Ana"),
        ("Ana\t  Lúcia", "Ana Lúcia"),
        ("Jo\u202ehn", "John"),  # a right-to-left override cannot reorder a name
        ("Zero\u200bWidth", "ZeroWidth"),
        ("Bell\x07", "Bell"),
        ("Cafe\u0301", "Café"),  # normalised to one code point
    ],
)
def test_typed_text_is_trimmed_and_stripped_of_invisible_tricks(raw: str, expected: str) -> None:
    assert clean(raw, field="Name", max_length=40) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Name cannot be empty."),
        ("   \n ", "Name cannot be empty."),
        ("x" * 41, "Name is 41 characters long; the limit is 40."),
        (42, "Name must be text."),
        (["a"], "Name must be text."),
    ],
)
def test_bad_text_gets_a_message_a_person_understands(raw: object, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        clean(raw, field="Name", max_length=40)
    assert caught.value.message == message


def test_optional_text_may_be_empty() -> None:
    assert clean(None, field="Organisation", max_length=80, required=False) == ""


def test_multiline_text_keeps_its_line_breaks() -> None:
    assert clean(" one \r\n two  ", field="Note", max_length=280, multiline=True) == "one\ntwo"
