"""Export formatting rules: spreadsheet-safe cells and Markdown that shows text literally."""
import pytest

from cafe.harvest import _md, safe_cell, when


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+1 idea", "'+1 idea"),
        ("-minus", "'-minus"),
        ("@mention", "'@mention"),
        ("\tTabbed", "'\tTabbed"),
        ("\rReturn", "'\rReturn"),
        ("Plain words", "Plain words"),
        ("a=b", "a=b"),
        (3, 3),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_made_text(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_markdown_shows_a_note_literally() -> None:
    assert _md("# not a heading") == "\\# not a heading"
    assert _md("<script>x</script>") == "\\<script\\>x\\</script\\>"
    assert _md("[link](http://x)") == "\\[link\\](http://x)"
    assert _md("1. not a list") == "\\1. not a list"
    assert _md("Plain, fine (really).") == "Plain, fine (really)."


def test_times_are_iso_8601_utc() -> None:
    assert when(0) == "1970-01-01T00:00:00Z" and when(None) == ""
