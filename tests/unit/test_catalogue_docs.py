"""The command and event catalogues and docs/protocol.md say the same, both ways: every command
and event in the code is documented with its fields, roles and delivery, and nothing documented
is missing from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cafe.commands import COMMANDS
from cafe.events import EVENTS, ROLES
from cafe.services.errors import MESSAGES, english

PROTOCOL = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text("utf-8")
IDENT = re.compile(r"\w+")


def section(title: str) -> str:
    """The text of a `##`/`###` section, up to the next heading of any level."""
    start = PROTOCOL.index(title)
    rest = PROTOCOL[start + len(title) :]
    end = re.search(r"^#{2,3} ", rest, re.M)
    return rest[: end.start()] if end else rest


def rows(text: str) -> list[list[str]]:
    """The body rows of the markdown tables in `text`, as cells (escaped pipes kept whole)."""
    found = []
    for line in text.splitlines():
        if line.startswith("| `"):
            found.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return found


def first_braces(text: str) -> str:
    """The first balanced `{...}` in `text`, without its outer braces."""
    start = text.index("{")
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1 : i]
    raise AssertionError(f"unbalanced braces in {text[:80]!r}")


def top_level_fields(text: str) -> set[str]:
    """The field names of a documented payload: `{a, b?: {c, d}, e: [f]}` -> {a, b, e}."""
    body = first_braces(text)
    parts, depth, current = [], 0, ""
    for ch in body:
        depth += {"{": 1, "[": 1, "(": 1, "}": -1, "]": -1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return {m.group(0) for part in parts if (m := IDENT.search(part.replace('"', "")))}


def documented_commands() -> dict[str, tuple[str, set[str]]]:
    """Command name -> (the roles' section it is documented in, its payload fields)."""
    found: dict[str, tuple[str, set[str]]] = {}
    sections = {
        "everyone": section("## Commands (client -> server, each with an ack)"),
        "facilitator": section("### Facilitator commands"),
        "phone": section("### Phone commands (the tablecloth)"),
    }
    for who, text in sections.items():
        for cells in rows(text):
            for name in re.findall(r"`(\w+)`", cells[0]):
                found[f"{who}:{name}"] = (who, top_level_fields(cells[1]))
    return found


DOCUMENTED = documented_commands()


def test_every_documented_command_is_in_the_catalogue_for_that_role() -> None:
    for key, (who, _fields) in DOCUMENTED.items():
        name = key.split(":", 1)[1]
        assert name in COMMANDS, f"docs/protocol.md documents {name}, the catalogue has no such command"
        roles = COMMANDS[name].roles
        if who == "everyone":
            assert roles == set(ROLES), name
        else:
            assert who in roles, f"{name} is documented for the {who}, who may not send it"


def test_every_command_in_the_catalogue_is_documented_for_each_of_its_roles() -> None:
    for name, record in COMMANDS.items():
        if f"everyone:{name}" in DOCUMENTED:
            continue
        for role in record.roles:
            assert f"{role}:{name}" in DOCUMENTED, f"{name} ({role}) is not in docs/protocol.md's tables"


@pytest.mark.parametrize("key", sorted(DOCUMENTED))
def test_a_commands_documented_payload_has_exactly_its_fields(key: str) -> None:
    name = key.split(":", 1)[1]
    assert DOCUMENTED[key][1] == set(COMMANDS[name].spec)


def documented_events() -> dict[str, list[str]]:
    """Event type -> its row's cells in the event table."""
    found = {}
    for cells in rows(section("## Event types")):
        for name in re.findall(r"`(\w+)`", cells[0]):
            found[name] = cells
    return found


EVENT_ROWS = documented_events()
DELIVERY = {"at once": "at_once", "batched": "batched", "presence (≤ 1 s)": "presence"}


def test_the_event_table_and_the_catalogue_name_the_same_events() -> None:
    assert set(EVENT_ROWS) == set(EVENTS)


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_an_events_documented_payload_and_delivery_are_its_own(name: str) -> None:
    cells = EVENT_ROWS[name]
    assert top_level_fields(cells[1]) == set(EVENTS[name].fields)
    if name == "note_withheld":  # never published, only made for replays
        assert "replays only" in cells[3]
    else:
        assert DELIVERY[cells[3]] == EVENTS[name].delivery
    # A personal event's row says what the person's own phones get.
    assert ("own" in cells[2]) == (EVENTS[name].personal is not None), cells[2]


def documented_refusals() -> dict[str, tuple[str, str]]:
    """Error code -> (kind, English sentence), from the Refusals table."""
    found = {}
    for cells in rows(section("## Refusals")):
        found[cells[0].strip("`")] = (cells[1].strip("`"), cells[2].replace("\\|", "|"))
    return found


def test_the_refusals_table_and_the_error_catalogue_say_the_same_both_ways() -> None:
    assert documented_refusals() == {code: (kind, english(sentence)) for code, (kind, sentence) in MESSAGES.items()}


def test_every_refusal_a_command_table_names_is_a_code_or_a_kind() -> None:
    # A refusal may mention a command by name ("an `unvote` for a dot given earlier").
    known = set(MESSAGES) | {kind for kind, _ in MESSAGES.values()} | set(COMMANDS)
    for title in ("### Facilitator commands", "### Phone commands (the tablecloth)"):
        for cells in rows(section(title)):
            for name in re.findall(r"`([a-z_]+)`", cells[-1]):
                assert name in known, f"{cells[0]} names the refusal {name}, which the server never gives"


def test_a_command_record_does_exactly_one_thing() -> None:
    from cafe.commands import Command

    with pytest.raises(TypeError):
        Command(frozenset({"phone"}), {}, "cafe")  # neither an action nor an answer
    with pytest.raises(TypeError):
        Command(frozenset({"phone"}), {}, "seats", action=lambda s, c, p, a: [])  # seats and an action
    assert all((c.action is not None) + (c.answer is not None) + (c.lock == "seats") == 1 for c in COMMANDS.values())


def team_row(link: str) -> set[str]:
    """The commands a team link's row in "Team links" names in its "may send" cell."""
    for cells in rows(section("### Team links")):
        if cells[0] == f"`{link}`":
            return set(re.findall(r"`(\w+)`", cells[2]))
    raise AssertionError(f"no row for {link} in docs/protocol.md's team links")


@pytest.mark.parametrize("link", ["theme", "helper"])
def test_the_team_table_names_exactly_the_commands_a_link_may_send(link: str) -> None:
    assert team_row(link) == {name for name, record in COMMANDS.items() if link in record.team}


def test_a_co_facilitator_may_send_every_facilitator_command_but_those_the_table_names() -> None:
    owner_only = {
        name
        for name, record in COMMANDS.items()
        if "facilitator" in record.roles and "cofacilitator" not in record.team
    }
    assert team_row("cofacilitator") == owner_only
