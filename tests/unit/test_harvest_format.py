"""Export formatting rules: spreadsheet-safe cells and Markdown that shows text literally."""

import pytest

from cafe.harvest import _md, readable, report, report_markdown, safe_cell, when


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


def test_the_report_says_when_in_words_people_read() -> None:
    assert readable(1_796_416_500_000) == "4 December 2026, 20:35 UTC" and readable(None) == ""


def test_the_report_leaves_out_rounds_that_were_never_played_and_counts_dots() -> None:
    data = {
        "cafe": {"title": "Day 1"},
        "exported_at": 0,
        "participants": [],
        "votes": [{"note_id": "n1", "participant_id": 1, "phase": "round", "round": 1}],
        "topics": [{"id": 1, "name": "Land", "description": "", "colour": "#aa1100"}],
        "tables": [{"id": 1, "topic_id": 1, "label": "Table 1"}],
        "rounds": [
            {"number": 1, "question": "What works?", "topic_questions": {}, "started_at": 5},
            {"number": 2, "question": "Never asked", "topic_questions": {}, "started_at": None},
        ],
        "notes": [
            {
                "id": "n1",
                "table_id": 1,
                "round": 1,
                "text": "Land trusts",
                "author_id": None,
                "anonymous": True,
                "deleted": False,
                "hidden": False,
                "created_at": 1,
            }
        ],
        "summaries": [],
        "signups": [],
    }
    [section] = report(data)["sections"]
    assert [q["text"] for q in section["questions"]] == ["What works?"]
    assert [r["round"] for r in section["per_round"]] == [1]
    markdown = report_markdown(data)
    assert "Never asked" not in markdown
    assert "(1 dot;" in markdown and "votes" not in markdown
