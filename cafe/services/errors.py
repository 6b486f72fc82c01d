"""Domain errors: services raise them by code, the glue words them in the person's language.

A refusal's `code` is the contract: stable, one meaning, one English sentence here with named
placeholders (`{table}`, `{n}`). The glue sends `{code, kind, message, params}`: `kind` is the broad
class (`invalid`, `not_found`, `forbidden`...), `message` the sentence in the socket's or the
page's language (gettext, `cafe/translations`), `params` the raw values. String parameters that
are words of the app (a field's name, a table label the server made) are translated too; names people typed are
not, as they are not in any catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


def N_(text: str) -> str:
    """Mark a sentence for the translation catalogue (pybabel's default keyword); returns it."""
    return text


@dataclass(frozen=True)
class Plural:
    """A sentence said by number: the English `one` and `other` forms, chosen by the param `count`
    (each language has its own forms: Chinese one, Spanish three)."""

    one: str
    other: str
    count: str = "n"


def NP_(one: str, other: str, count: str = "n") -> Plural:
    """Mark a sentence with a count for the catalogue (pybabel -k NP_:1,2); returns it."""
    return Plural(one, other, count)


Sentence = str | Plural


def english(sentence: Sentence) -> str:
    """The sentence as documented: its `other` form when it has a count."""
    return sentence.other if isinstance(sentence, Plural) else sentence


# code -> (kind, English sentence). Kinds are the broad classes a client may handle alike.
MESSAGES: dict[str, tuple[str, Sentence]] = {
    # The connection and the payload.
    "not_connected": ("forbidden", N_("This connection is not signed in.")),
    "phone_only": ("forbidden", N_("Only a participant's phone can do that.")),
    "facilitator_only": ("forbidden", N_("Only the facilitator can do that.")),
    "contact_needs_consent": (
        "invalid",
        N_("Tick “The convener may contact me” to leave your email or phone, or leave it empty."),
    ),
    "consent_needs_contact": ("invalid", N_("Write the email or phone number the convener may use.")),
    "contact_days_range": ("invalid", N_("Contacts are kept between {low} and {high} days.")),
    "not_for_your_link": ("forbidden", N_("Your link does not allow that. Ask the facilitator.")),
    "team_link_revoked": ("forbidden", N_("The facilitator has closed this link. Ask them for a new one.")),
    "name_required": ("invalid", N_("Type your name first: the team's activity log shows who did what.")),
    "team_role": ("invalid", N_("A team link is for a co-facilitator, the theme team or a helper.")),
    "team_links_full": ("invalid", N_("A café has at most {n} team links. Close one first.")),
    "team_link_not_found": ("not_found", N_("That link is not open in this café.")),
    "link_rotated": ("forbidden", N_("This facilitator link has been replaced: open the new link.")),
    "wrong_facilitator_link": ("forbidden", N_("This facilitator link is not valid.")),
    "bad_auth": ("bad_auth", N_("Connect with {{cafe, role}} and your token or secret.")),
    "unknown_role": ("bad_auth", N_("Unknown role: use phone, board or facilitator.")),
    "throttled": ("throttled", N_("Too many wrong tries from this network: wait a minute.")),
    "too_many_connections": ("throttled", N_("Too many connections from this address.")),
    "rate_limited": ("rate_limited", N_("Too many requests: slow down a little.")),
    "writing_fast": ("rate_limited", N_("You're writing fast! Wait a moment before the next note.")),
    "too_large": ("bad_payload", N_("That is too much to send at once.")),
    "payload_too_deep": ("bad_payload", N_("The payload is nested too deeply to read.")),
    "payload_not_object": ("bad_payload", N_("The command's payload must be an object.")),
    "unknown_fields": ("bad_payload", N_("Unknown field(s): {fields}.")),
    "field_required": ("bad_payload", N_("The field '{field}' is required.")),
    "field_type": ("bad_payload", N_("The field '{field}' has the wrong type.")),
    "field_range": ("bad_payload", N_("The field '{field}' is out of range.")),
    "unknown_command": ("bad_payload", N_("Unknown command '{name}'.")),
    "internal": ("internal", N_("Something went wrong on the server. Please try again.")),
    # Cafés, links and joining.
    "cafe_gone": ("not_found", N_("This café no longer exists.")),
    "cafe_not_found": ("not_found", N_("There is no café with that code. Check the code on the screen.")),
    "cafe_closed": ("forbidden", N_("This café has closed. Thank you for coming!")),
    "cafe_locked": ("forbidden", N_("This café is not taking new people right now. Ask the facilitator.")),
    "passcode_required": ("forbidden", N_("Type the passcode the facilitator gave the room.")),
    "wrong_passcode": ("forbidden", N_("That passcode is not right. Check it with the facilitator.")),
    "passcode_format": (
        "invalid",
        N_('A passcode is 6 to 12 digits, or two to five words (like "river tables"), easy to say out loud.'),
    ),
    "passcode_throttled": ("throttled", N_("Too many wrong passcodes from here: wait a moment, then try again.")),
    "joins_throttled": ("throttled", N_("Too many people joined from this network just now: wait a moment.")),
    "unknown_participant": ("forbidden", N_("This phone is no longer part of the café.")),
    "participant_not_found": ("not_found", N_("There is no such participant in this café.")),
    "join_form": ("bad_payload", N_("Please fill in the form and try again.")),
    "anonymous_choice": ("invalid", N_("Choose whether to stay anonymous.")),
    "checkboxes": ("invalid", N_("Tick the boxes or leave them empty.")),
    "languages_list": ("invalid", N_('Languages come as a list, like ["es", "en"].')),
    "too_many_languages": ("invalid", N_("Choose at most {n} languages.")),
    "creation_elsewhere": ("forbidden", N_("Cafés are created from this server's own start page.")),
    "creation_closed": (
        "forbidden",
        N_("Creating cafés is switched off on this server; ask its operator for the creation key."),
    ),
    "wrong_creation_key": ("forbidden", N_("That creation key is not right.")),
    "title_required": ("bad_payload", N_("Send a JSON object with the café's title.")),
    "confirm_delete": ("forbidden", N_("Type the café's code to confirm deleting it and everything in it.")),
    # Files: templates and exports.
    "choose_file": ("invalid", N_("Choose a template or export file.")),
    "not_a_template": ("invalid", N_("This file is not a World Café template or export.")),
    "not_an_export": ("invalid", N_("This file is not a World Café export.")),
    "export_field": ("invalid", N_("This file is not a World Café export: {what} is missing or wrong.")),
    "export_records": ("invalid", N_("This file is not a World Café export: its {key} are not a list of records.")),
    "export_note_table": (
        "invalid",
        N_("This file is not a World Café export: a note is on a table it does not list."),
    ),
    "carry_range": ("invalid", N_("Carry between 0 and 10 top notes per strategy area.")),
    # Text a person typed.
    "not_text": ("invalid", N_("{field} must be text.")),
    "not_text_characters": ("bad_payload", N_("{field} contains something that is not text.")),
    "text_empty": ("invalid", N_("{field} cannot be empty.")),
    "text_too_long": ("invalid", N_("{field} is {length} characters long; the limit is {limit}.")),
    "translations_shape": ("invalid", N_('{what} in other languages come as {{"es": ...}}.')),
    "translations_language": ("invalid", N_("{what}: {unknown} is not one of the app's languages ({languages}).")),
    "area_translation_shape": (
        "invalid",
        N_("A strategy area's version in another language has a name and a description."),
    ),
    "round_translation_shape": (
        "invalid",
        N_("Round {number}'s question in another language has a question and per-topic questions."),
    ),
    # Notes, dots, summaries.
    "note_id_missing": ("bad_payload", N_("A note needs an id made by the phone.")),
    "note_id_invalid": ("bad_payload", N_("That note id is not a valid UUID.")),
    "note_not_found": ("not_found", N_("That note is not on any tablecloth (it may have been deleted).")),
    "note_conflict": ("conflict", N_("A different note with this id already exists.")),
    "note_colour": ("invalid", N_("A note's colour is one of: {colours}.")),
    "note_anonymous_choice": ("invalid", N_("Choose whether the note is anonymous.")),
    "notes_in_round": ("invalid", N_("Notes are written during a round.")),
    "round_not_started": ("not_found", N_("That round has not started yet.")),
    "not_at_table": ("forbidden", N_("You were not at {table} in round {round}.")),
    "not_your_note": ("forbidden", N_("You can only change your own notes.")),
    "note_hidden": ("forbidden", N_("The facilitator has hidden this note.")),
    "pinned_choice": ("invalid", N_("Pinned is yes or no.")),
    "host_pins": ("forbidden", N_("Only this table's host can pin its notes.")),
    "hidden_not_pinned": ("invalid", N_("A hidden note cannot be pinned.")),
    "vote_phase": ("invalid", N_("Votes are for the round or for the harvest.")),
    "harvest_dots_closed": ("invalid", N_("Harvest dots open when the harvest starts.")),
    "dots_in_round": ("invalid", N_("Dots are given during a round.")),
    "already_voted": ("conflict", N_("You already put a dot on this note.")),
    "no_dots_left": (
        "invalid",
        NP_(
            "You have used your only dot this round. Take it back to give it to another note.",
            "You have used all {n} of your dots this round. Take one back to give it to another note.",
        ),
    ),
    "no_harvest_dots_left": (
        "invalid",
        NP_(
            "You have used your only dot in the harvest. Take it back to give it to another note.",
            "You have used all {n} of your dots in the harvest. Take one back to give it to another note.",
        ),
    ),
    "no_vote": ("invalid", N_("You have no dot on this note.")),
    "earlier_dot": ("invalid", N_("You gave this dot in an earlier round; it stays there.")),
    "host_summary": ("forbidden", N_("Only this table's host can write its summary.")),
    "spotlight_which": ("bad_payload", N_("Choose a note to spotlight.")),
    "hidden_not_spotlit": ("invalid", N_("A hidden note cannot be spotlighted.")),
    # Working groups.
    "signup_name": ("invalid", N_("Tell the working group your name so they can find you.")),
    "signup_contact": ("invalid", N_("Leave an email address or a phone number, or nothing.")),
    "already_signed_up": ("invalid", N_("You have already joined the {area} working group.")),
    "not_signed_up": ("invalid", N_("You have not joined this working group.")),
    # The clock.
    "round_not_planned": ("invalid", N_("Round {number} is not planned yet: add it in the set-up.")),
    "moved_on": ("conflict", N_("The café moved on in the meantime; the panel shows where it is now.")),
    "seats_not_planned": ("invalid", N_("The seats for this round have not been planned.")),
    "open_first": ("invalid", N_("Open the café first, so phones can join.")),
    "no_rounds": ("invalid", N_("Plan at least one round in the set-up first.")),
    "round_paused": ("invalid", N_("The round is paused: resume it first.")),
    "round_under_way": ("invalid", N_("A round is already under way.")),
    "no_discussion": ("invalid", N_("There is no discussion under way to end.")),
    "extend_range": ("invalid", N_("Extend by a number of seconds between -3600 and 3600 (not 0).")),
    "harvest_started": ("invalid", N_("The harvest has already started.")),
    "already_closed": ("invalid", N_("The café is already closed.")),
    "closed_no_announcement": ("invalid", N_("The café has closed: there is nobody left to tell.")),
    "announcement_minutes": (
        "invalid",
        N_("An announcement stays between {low} and {high} minutes (or until you clear it)."),
    ),
    "already_started": ("invalid", N_("The café has already started.")),
    "rounds_over": ("invalid", N_("The rounds are over.")),
    "no_move": ("invalid", N_("There is no move under way to end.")),
    "nothing_to_pause": ("invalid", N_("Nothing is running to pause.")),
    "already_paused": ("invalid", N_("The round is already paused.")),
    "not_paused": ("invalid", N_("The round is not paused.")),
    "nothing_to_extend": ("invalid", N_("Nothing is running to extend.")),
    "cafe_is_closed": ("invalid", N_("The café is closed.")),
    # Seats.
    "not_enough_seats": (
        "conflict",
        N_(
            "{people} people need seats but the tables hold only {seats} ({missing} short). Add a table, then try again."  # noqa: E501
        ),
    ),
    "plan_failed": ("invalid", N_("The seats cannot be planned: {detail}.")),
    "seats_before_start": ("invalid", N_("Seats exist once the café has started.")),
    "table_full": ("invalid", N_("{table} is full ({capacity} of {capacity}).")),
    # The set-up.
    "settings_object": ("invalid", N_("Settings must be an object.")),
    "unknown_setting": ("invalid", N_("Unknown setting '{key}'.")),
    "setting_type": ("invalid", N_("The setting {key} has the wrong type.")),
    "board_language": (
        "invalid",
        N_("The board's language is one of {languages}, or null to follow the projector's browser."),
    ),
    "min_table_range": ("invalid", N_("A table needs at least {low} to {high} people.")),
    "warning_range": ("invalid", N_("The warning comes {low} to {high} seconds before the end (0: no warning).")),
    "dots_range": ("invalid", N_("Dots are between {low} and {high} per person.")),
    "area_not_found": ("not_found", N_("There is no such strategy area in this café.")),
    # The theme team's themes.
    "theme_not_found": ("not_found", N_("That theme is gone (someone may have merged or deleted it).")),
    "theme_notes_missing": ("invalid", N_("Choose the notes first.")),
    "theme_notes_many": ("invalid", NP_("At most {n} note at a time.", "At most {n} notes at a time.")),
    "theme_other_area": (
        "invalid",
        N_("A theme of one strategy area holds only that area's notes. Make it span areas first."),
    ),
    "themes_full": ("invalid", NP_("A café has at most {n} theme.", "A café has at most {n} themes.")),
    "theme_merge_itself": ("invalid", N_("Choose another theme to merge it into.")),
    "theme_split_foreign": ("invalid", N_("Only notes of this theme can be split off into a new one.")),
    "table_not_found": ("not_found", N_("There is no such table in this café.")),
    "colour_format": ("invalid", N_("A colour looks like #1f618d.")),
    "capacity_range": ("invalid", N_("A table seats between {low} and {high} people.")),
    "area_tables_range": ("invalid", N_("A strategy area starts with 0 to 20 tables.")),
    "position_number": ("invalid", N_("The position is a whole number from 0.")),
    "area_started": ("invalid", N_("Strategy areas cannot be removed once the café has started.")),
    "table_label_taken": ("invalid", N_("There is already a table called {label}.")),
    "table_occupied": (
        "invalid",
        NP_(
            "{table} has {n} person this round; move them first.",
            "{table} has {n} people this round; move someone first.",
        ),
    ),
    "table_started": ("invalid", N_("Tables cannot be removed once the café has started; set its seats instead.")),
    "sits_with_host": ("invalid", N_("{person} sits with the host of {table}: they cannot host another table.")),
    "group_too_big": (
        "invalid",
        NP_(
            "{person} sits with {n} other person, and {table} seats {capacity}.",
            "{person} sits with {n} others, and {table} seats {capacity}.",
        ),
    ),
    "breaks_routes": (
        "conflict",
        NP_(
            "This change breaks the printed route of {n} person ({names}). Confirm it to go ahead, "
            "then print their route card again.",
            "This change breaks the printed routes of {n} people ({names}). Confirm it to go ahead, "
            "then print their route cards again.",
        ),
    ),
    "no_rounds_to_print": ("invalid", N_("No round is left to print a route for.")),
    "routes_moved": ("conflict", N_("The café changed while the routes were being planned. Print again.")),
    "hosts_by_facilitator": ("forbidden", N_("The facilitator assigns the hosts in this café.")),
    "hosts_before_start": ("invalid", N_("Hosts are chosen before the first round; ask the facilitator now.")),
    "table_has_host": ("conflict", N_("{table} already has a host. Pick another table.")),
    "discussion_range": ("invalid", N_("A discussion lasts {low} to {high} minutes.")),
    "move_range": ("invalid", N_("A move lasts {low} seconds to {high} minutes.")),
    "rounds_range": ("invalid", N_("A café has between 1 and {n} rounds.")),
    "rounds_started": (
        "invalid",
        NP_(
            "Round {n} has already started; keep at least {n} round.",
            "Round {n} has already started; keep at least {n} rounds.",
        ),
    ),
    "round_invalid": ("invalid", N_("Round {number} is not a valid round.")),
    "question_unknown_area": ("invalid", N_("Round {number} has a question for an unknown strategy area.")),
    "stays_seated_choice": ("invalid", N_("Stays seated is yes or no.")),
    "left_choice": ("invalid", N_("Left is yes or no.")),
    "choose_companions": ("invalid", N_("Choose the people who sit together.")),
    "named_twice": ("invalid", N_("Someone is named twice: a person always sits with themselves.")),
    "two_at_least": ("invalid", N_("Choose at least two people to sit together.")),
    "companions_fit": (
        "invalid",
        N_("People who sit together share one table: at most {largest} here, and these are {n}."),
    ),
    "companions_no_table": ("invalid", N_("Add a table first: people who sit together share one.")),
    "hosts_together": ("invalid", N_("They host {tables}: two hosts stay at two tables and cannot sit together.")),
    "bulk_range": ("invalid", N_("Choose 1 to {n} people.")),
    # Attendee lists (a CSV from the organiser) and the door.
    "list_too_big": ("invalid", N_("A list has at most {n} people (and 1 MB).")),
    "list_not_csv": ("invalid", N_("This file is not a list of people in CSV: save it as CSV (UTF-8) and try again.")),
    "list_no_name_column": ("invalid", N_("The first row names the columns, and one of them is “name”.")),
    "row_no_name": ("invalid", N_("Row {row}: no name.")),
    "row_too_long": ("invalid", N_("Row {row}: {field} is {length} characters long; the limit is {limit}.")),
    "row_language": ("invalid", N_("Row {row}: “{language}” is too long for a language.")),
    "row_languages": ("invalid", N_("Row {row}: at most {n} languages.")),
    "row_yes_no": ("invalid", N_("Row {row}: “{value}” under “stays seated” is not yes or no.")),
    "row_no_table": ("invalid", N_("Row {row}: there is no table “{table}” in this café.")),
    "row_role": (
        "invalid",
        N_("Row {row}: “{value}” is not a role: write participant, host of table N, interpreter or helper."),
    ),
    "row_twice": ("invalid", N_("Row {row}: {name} is already on row {first}.")),
    "row_sits_with": ("invalid", N_("Row {row}: sits with {name}, who is not on the list.")),
    "help_need": ("bad_payload", N_("Ask for the facilitator or for an interpreter.")),
    "help_own_table": ("forbidden", N_("Ask for help for the table you sit at.")),
    "help_not_found": ("not_found", N_("That help request is not in this café.")),
    "dot_for_phone": ("forbidden", N_("{person} has a phone: they give their own dots.")),
    "dot_for_own_table": (
        "forbidden",
        N_("You give dots for the people without a phone at the table you host, during a round."),
    ),
    "tablecloth_choice": ("bad_payload", N_("From the tablecloth is yes or no.")),
    "tablecloth_host_only": ("forbidden", N_("Only this table's host writes notes from its paper tablecloth.")),
    "photo_choose": ("invalid", N_("Choose a photo first.")),
    "photo_too_big": ("invalid", N_("A photo is at most {mb} MB: take it again at a smaller size.")),
    "photo_not_image": ("invalid", N_("This file is not a photo: send a JPEG, PNG or WebP picture.")),
    "photo_too_many_pixels": ("invalid", N_("This picture is too large to open (more than {megapixels} megapixels).")),
    "photo_host_only": ("forbidden", N_("Only this table's host can add photos of its tablecloth.")),
    "photo_limit": ("invalid", N_("A table keeps at most {n} photos.")),
    "photo_not_found": ("not_found", N_("That photo is not in this café.")),
    "row_host_twice": ("invalid", N_("Row {row}: that table already has a host, on row {first}.")),
}

# Words of the app that fill a placeholder ("{field} cannot be empty."): translated with it.
FRAGMENTS = (
    N_("A contact"),
    N_("A link's note"),
    N_("A language"),
    N_("A note"),
    N_("A participant's name"),
    N_("A sign-up's name"),
    N_("A theme's name"),
    N_("A summary"),
    N_("An organisation"),
    N_("Organisation"),
    N_("The announcement"),
    N_("The café's title"),
    N_("The contact"),
    N_("The description"),
    N_("The strategy area's name"),
    N_("The summary"),
    N_("The table's label"),
    N_("Your name"),
    N_("The question of round {number}"),
    N_("Table {n}"),
    N_("Strategy areas"),
    N_("Round questions"),
    N_("An announcement"),
)

# The kind's HTTP status, for the JSON routes.
HTTP_STATUS = {
    "invalid": 400,
    "bad_payload": 400,
    "bad_auth": 400,
    "not_found": 404,
    "forbidden": 403,
    "conflict": 409,
    "throttled": 429,
    "rate_limited": 429,
    "internal": 500,
}


class Words(Protocol):
    """A language's catalogue: gettext's two calls (babel's Translations and NullTranslations)."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class _English:
    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


ENGLISH: Words = _English()
_FRAGMENTS = frozenset(FRAGMENTS)
# The server names tables "Table 7" in English; the sentence says it in its own language.
_TABLE_LABEL = re.compile(r"^Table (\d+)$")


def say_table(label: str, words: Words) -> str:
    """A table's label as a language says it: the server's "Table 7" is "Mesa 7" in Spanish; a
    label the facilitator typed stays as typed."""
    made = _TABLE_LABEL.match(label)
    return words.gettext("Table {n}").format(n=made.group(1)) if made else label


def _fill(value: object, params: Mapping[str, object], words: Words) -> object:
    """A param as the sentence says it: the app's own words translated (with their own
    placeholders filled from the other params); names people typed as they are."""
    if not isinstance(value, str):
        return value
    if _TABLE_LABEL.match(value):
        return say_table(value, words)
    if value in _FRAGMENTS:
        try:
            return words.gettext(value).format(**params)
        except (KeyError, IndexError, ValueError):
            return value.format(**params)
    return value


def _template(sentence: Sentence, params: Mapping[str, object], words: Words) -> str:
    if isinstance(sentence, Plural):
        count = params.get(sentence.count)
        n = count if isinstance(count, int) else 0
        return words.ngettext(sentence.one, sentence.other, n)
    return words.gettext(sentence)


def word(code: str, params: Mapping[str, object], words: Words = ENGLISH) -> str:
    """The sentence of `code` with its placeholders filled, in the language `words` translates to."""
    sentence = MESSAGES[code][1]
    said = {k: _fill(v, params, words) for k, v in params.items()}
    try:
        return _template(sentence, params, words).format(**said)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder: say it in English
        return _template(sentence, params, ENGLISH).format(**{k: _fill(v, params, ENGLISH) for k, v in params.items()})


class DomainError(Exception):
    """A rule said no, by a code of `MESSAGES` and the values its sentence names."""

    def __init__(self, code: str, **params: object) -> None:
        if code not in MESSAGES:
            raise KeyError(f"undeclared error code {code!r}")
        self.code = code
        self.params = params
        self.message = word(code, params)
        super().__init__(self.message)

    @property
    def kind(self) -> str:
        """The broad class of the refusal (`invalid`, `not_found`, `forbidden`...)."""
        return MESSAGES[self.code][0]

    @property
    def http_status(self) -> int:
        """The HTTP status of this refusal on a JSON route."""
        return HTTP_STATUS.get(self.kind, 400)

    def as_dict(self, words: Words = ENGLISH) -> dict[str, object]:
        """The `error` object of a refused command, worded by `words` (English by default)."""
        return {
            "code": self.code,
            "kind": self.kind,
            "message": word(self.code, self.params, words),
            "params": self.params,
        }


# The classes say at the raise site what sort of refusal it is; the code decides the rest.
class Invalid(DomainError):
    """The input breaks a rule (too long, empty, wrong type)."""


class NotFound(DomainError):
    """No such café, table, note..."""


class Forbidden(DomainError):
    """The caller may not do this (wrong secret, someone else's note)."""


class Conflict(DomainError):
    """The request clashes with what is stored (same note id, different text)."""


class Throttled(DomainError):
    """Too many tries from here just now: wait, then try again."""
