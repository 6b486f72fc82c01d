"""Attendee lists: people registered before the day, checked in at the door.

An organiser's list comes as a CSV (UTF-8 with or without BOM, comma or semicolon): name,
organisation, contact (email or phone), languages, stays seated, sits with, role. `preview`
reads it and says, row by row, what would change and what is wrong, in plain words; `import_list`
does the same and writes the good rows, all in one transaction (nothing of a failed import
stays). A second import of the same list updates people (matched by contact, else by name) and
adds nobody twice; `export_list` writes the same columns, so export -> import changes nothing.

A registered person is in the café but not in the room (not counted, not seated) until they
arrive: their personal link opened on a phone, or a helper ticking them at the door. Each has a
personal link made from the café's `people_key` (so badges can be printed again): the phone
that opens it *is* that person.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from cafe.events import Event
from cafe.models import Cafe, CafeTable, Participant
from cafe.services import eventlog, routes, setup
from cafe.services.cafes import hash_secret, new_secret
from cafe.services.errors import DomainError, Invalid
from cafe.services.participants import (
    LANGUAGES,
    NAME_MAX,
    ORGANISATION_MAX,
    SPOKEN_LENGTH,
    SPOKEN_MAX,
    clean_languages,
    counts,
    describe,
    language_key,
)
from cafe.services.text import clean

MAX_BYTES = 1_000_000
MAX_ROWS = 2_000
CONTACT_MAX = 120
COLUMNS = ("name", "organisation", "contact", "languages", "stays seated", "sits with", "role")
# Other words organisers put in a header for the same column.
_ALIASES = {
    "name": "name",
    "full name": "name",
    "organisation": "organisation",
    "organization": "organisation",
    "org": "organisation",
    "contact": "contact",
    "email": "contact",
    "e-mail": "contact",
    "phone": "contact",
    "email or phone": "contact",
    "languages": "languages",
    "language": "languages",
    "stays seated": "stays seated",
    "stays": "stays seated",
    "sits with": "sits with",
    "companions": "sits with",
    "role": "role",
}
_YES = {"yes", "y", "true", "1", "x", "sí", "si", "sim", "wi", "是", "oui"}
_NO = {"", "no", "n", "false", "0", "não", "nao", "non", "否"}
ROLES = ("participant", "interpreter", "helper")
_HOST = re.compile(r"^host(?:\s+(?:of|at))?(?:\s+table)?\s+(.+)$", re.I)
_LIST = re.compile(r"[,;|/、，；]")


@dataclass
class Row:
    """One good row of the list, checked: what the person will be."""

    number: int
    name: str
    organisation: str | None
    contact: str | None
    languages: list[str]
    stays_seated: bool
    sits_with: list[str]
    role: str
    hosts: int | None  # the table they host


@dataclass
class Reading:
    """A list read: its good rows, its row errors, and what importing it would do."""

    rows: list[Row] = field(default_factory=list)
    errors: list[DomainError] = field(default_factory=list)
    matches: dict[int, Participant] = field(default_factory=dict)  # row number -> existing person
    changed: set[int] = field(default_factory=set)  # rows that update their person (as read)

    def summary(self) -> dict[str, object]:
        """Counts of what an import does (new, updated, unchanged), as the list was read."""
        return {
            "rows": len(self.rows) + len(self.errors),
            "new": len(self.rows) - len(self.matches),
            "updated": len(self.changed),
            "unchanged": len(self.matches) - len(self.changed),
        }


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise Invalid("list_too_big", n=MAX_ROWS)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("list_not_csv") from None
    if "\x00" in text:
        raise Invalid("list_not_csv")
    return text


def _records(text: str) -> tuple[list[str], list[list[str]]]:
    """The header (as column keys) and the rows of a comma or semicolon CSV."""
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        raise Invalid("list_not_csv") from None
    records = [r for r in records if any(cell.strip() for cell in r)]
    if not records:
        raise Invalid("list_no_name_column")
    header = [_ALIASES.get(" ".join(cell.casefold().split()), "") for cell in records[0]]
    if "name" not in header:
        raise Invalid("list_no_name_column")
    if len(records) - 1 > MAX_ROWS:
        raise Invalid("list_too_big", n=MAX_ROWS)
    return header, records[1:]


def _tables(session: Session, cafe: Cafe) -> dict[str, CafeTable]:
    tables = session.scalars(select(CafeTable).where(CafeTable.cafe_id == cafe.id)).all()
    return {" ".join(t.label.casefold().split()): t for t in tables}


def _host_table(text: str, tables: dict[str, CafeTable]) -> CafeTable | None:
    wanted = " ".join(text.casefold().split())
    return tables.get(wanted) or (tables.get(f"table {wanted}") if wanted.isdigit() else None)


def _row(number: int, cells: dict[str, str], tables: dict[str, CafeTable]) -> Row:
    """One row checked, or the first thing wrong with it (as a DomainError naming the row)."""
    raw_name = cells.get("name", "")
    if not raw_name.strip():
        raise Invalid("row_no_name", row=number)
    try:
        name = clean(raw_name, field="A participant's name", max_length=NAME_MAX)
        organisation = clean(
            cells.get("organisation"), field="An organisation", max_length=ORGANISATION_MAX, required=False
        )
        contact = clean(cells.get("contact"), field="The contact", max_length=CONTACT_MAX, required=False)
    except DomainError as exc:  # too long, or a name of invisible characters only
        if exc.code != "text_too_long":
            raise Invalid("row_no_name", row=number) from None
        raise Invalid("row_too_long", row=number, **exc.params) from None
    languages: list[str] = []
    for word in _LIST.split(cells.get("languages", "")):
        text = " ".join(word.split())
        if not text:
            continue
        if len(text) > SPOKEN_LENGTH:
            raise Invalid("row_language", row=number, language=text[:SPOKEN_LENGTH] + "…")
        key = language_key(text)
        if key not in languages:
            languages.append(key)
    if len(languages) > SPOKEN_MAX:
        raise Invalid("row_languages", row=number, n=SPOKEN_MAX)
    stays = cells.get("stays seated", "").strip().casefold()
    if stays not in _YES and stays not in _NO:
        raise Invalid("row_yes_no", row=number, value=cells.get("stays seated", "").strip()[:40])
    role_text = " ".join(cells.get("role", "").split())
    hosts: int | None = None
    role = "participant"
    host = _HOST.match(role_text)
    if host:
        table = _host_table(host.group(1), tables)
        if table is None:
            raise Invalid("row_no_table", row=number, table=host.group(1)[:40])
        hosts = table.id
    elif role_text.casefold() in ("", *ROLES):
        role = role_text.casefold() or "participant"
    else:
        raise Invalid("row_role", row=number, value=role_text[:40])
    sits_with = [" ".join(w.split()) for w in _LIST.split(cells.get("sits with", "")) if w.strip()]
    return Row(number, name, organisation or None, contact or None, languages, stays in _YES, sits_with, role, hosts)


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def read(session: Session, cafe: Cafe, data: bytes) -> Reading:
    """Read a list: every row checked, matched against who is in the café, nothing written."""
    header, records = _records(_decode(data))
    tables = _tables(session, cafe)
    reading = Reading()
    first_row: dict[str, int] = {}
    for index, record in enumerate(records, start=2):  # row 1 is the header
        cells = {column: value for column, value in zip(header, record, strict=False) if column}
        try:
            row = _row(index, cells, tables)
        except DomainError as exc:
            reading.errors.append(exc)
            continue
        key = _key(row.name) if row.contact is None else row.contact.casefold()
        if key in first_row:
            reading.errors.append(Invalid("row_twice", row=index, name=row.name, first=first_row[key]))
            continue
        first_row[key] = index
        reading.rows.append(row)
    listed = {_key(r.name) for r in reading.rows}
    people = session.scalars(
        select(Participant).where(Participant.cafe_id == cafe.id, Participant.left_at_ms.is_(None))
    ).all()
    known = {_key(p.display_name) for p in people}
    good: list[Row] = []
    hosted: dict[int, int] = {}
    for row in reading.rows:
        stranger = next((n for n in row.sits_with if _key(n) not in listed and _key(n) not in known), None)
        if stranger is not None:
            reading.errors.append(Invalid("row_sits_with", row=row.number, name=stranger[:NAME_MAX]))
        elif row.hosts is not None and row.hosts in hosted:
            reading.errors.append(Invalid("row_host_twice", row=row.number, first=hosted[row.hosts]))
        else:
            if row.hosts is not None:
                hosted[row.hosts] = row.number
            good.append(row)
    reading.rows = good
    by_contact = {p.contact.casefold(): p for p in people if p.contact}
    by_name: dict[str, list[Participant]] = {}
    for p in people:
        by_name.setdefault(_key(p.display_name), []).append(p)
    matched: dict[int, int] = {}  # person id -> the row that matched them
    for row in list(reading.rows):
        match = by_contact.get(row.contact.casefold()) if row.contact else None
        if match is None and len(by_name.get(_key(row.name), [])) == 1:
            match = by_name[_key(row.name)][0]
        if match is None:
            continue
        if match.id in matched:  # one by contact, another by name: the same person twice
            reading.errors.append(Invalid("row_twice", row=row.number, name=row.name, first=matched[match.id]))
            reading.rows.remove(row)
            continue
        matched[match.id] = row.number
        reading.matches[row.number] = match
        if _differs(match, row):
            reading.changed.add(row.number)
    reading.errors.sort(key=lambda e: int(str(e.params["row"])))
    return reading


def _differs(person: Participant, row: Row) -> bool:
    return (
        person.display_name != row.name
        or person.organisation != row.organisation
        or person.contact != row.contact
        or list(person.languages or []) != row.languages
        or person.stays_seated != row.stays_seated
        or person.role != row.role
    )


def import_list(session: Session, cafe: Cafe, data: bytes) -> tuple[Reading, list[Event]]:
    """Write a list's good rows (new people registered, known people updated), in the caller's
    transaction: a refusal anywhere leaves nothing written."""
    reading = read(session, cafe, data)
    if cafe.people_key is None:
        cafe.people_key = secrets.token_hex(32)
    events: list[Event] = []
    people: dict[str, Participant] = {}
    # Registered people are not in the room until they arrive: the counts stay as they are.
    room = counts(session, cafe.id)
    for row in reading.rows:
        person = reading.matches.get(row.number)
        if person is None:
            person = Participant(
                cafe_id=cafe.id,
                display_name=row.name,
                language=row.languages[0] if row.languages and len(row.languages[0]) == 2 else "en",
                registered=True,
                arrived=False,
                has_phone=False,
                admitted=True,
                token_hash=hash_secret(new_secret()),  # replaced by the personal link's below
                connections=0,
            )
            _fill(person, row)
            session.add(person)
            session.flush()
            person.token_hash = hash_secret(personal_token(cafe, person))
            events.append(
                eventlog.append(
                    session,
                    cafe.id,
                    "participant_joined",
                    {"participant": describe(person), "counts": dict(room)},
                )
            )
        elif row.number in reading.changed:
            _fill(person, row)
            session.flush()
            events.append(eventlog.append(session, cafe.id, "participant_updated", {"participant": describe(person)}))
        people[_key(row.name)] = person
    for row in reading.rows:
        if row.hosts is not None:
            table = session.get(CafeTable, row.hosts)
            if table is not None and table.host_id != people[_key(row.name)].id:
                events += setup.set_host(session, cafe, row.hosts, people[_key(row.name)].id)
    events += _link_groups(session, cafe, reading.rows, people)
    # Confirming the list confirms what it changes: a host or companions it sets may break a
    # printed route, which is then withdrawn and said (the panel lists whose to print again).
    events += routes.enforce(session, cafe, confirmed=True)
    return reading, events


def _fill(person: Participant, row: Row) -> None:
    person.display_name = row.name
    person.organisation = row.organisation
    person.contact = row.contact
    person.languages = list(row.languages)
    person.stays_seated = row.stays_seated
    person.role = row.role


def _link_groups(session: Session, cafe: Cafe, rows: Iterable[Row], people: dict[str, Participant]) -> list[Event]:
    """People who sit together, from the "sits with" column (either side may name the other)."""
    everyone = {
        _key(p.display_name): p
        for p in session.scalars(
            select(Participant).where(Participant.cafe_id == cafe.id, Participant.left_at_ms.is_(None))
        )
    }
    everyone.update(people)
    parent: dict[int, int] = {}

    def root(pid: int) -> int:
        while parent.get(pid, pid) != pid:
            pid = parent[pid]
        return pid

    for row in rows:
        me = people[_key(row.name)].id
        for name in row.sits_with:
            other = everyone[_key(name)].id
            parent.setdefault(me, me)
            parent.setdefault(other, other)
            parent[root(other)] = root(me)
    groups: dict[int, list[int]] = {}
    for pid in parent:
        groups.setdefault(root(pid), []).append(pid)
    events: list[Event] = []
    for members in groups.values():
        current = {session.get(Participant, pid).companion_group for pid in members}  # type: ignore[union-attr]
        if len(members) >= 2 and (len(current) != 1 or None in current):
            events += setup.link_companions(session, cafe, sorted(members))
    return events


def export_list(session: Session, cafe: Cafe) -> str:
    """Everyone in the café (not gone) in the list's own columns: importing it changes nothing."""
    people = session.scalars(
        select(Participant)
        .where(Participant.cafe_id == cafe.id, Participant.left_at_ms.is_(None))
        .order_by(Participant.id)
    ).all()
    hosts = {
        t.host_id: t.label
        for t in session.scalars(select(CafeTable).where(CafeTable.cafe_id == cafe.id, CafeTable.host_id.is_not(None)))
    }
    groups: dict[int, list[str]] = {}
    for p in people:
        if p.companion_group is not None:
            groups.setdefault(p.companion_group, []).append(p.display_name)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for p in people:
        together = [n for n in groups.get(p.companion_group or -1, []) if n != p.display_name]
        writer.writerow(
            [
                _safe(p.display_name),
                _safe(p.organisation or ""),
                _safe(p.contact or ""),
                ", ".join(_safe(x) for x in p.languages or []),
                "yes" if p.stays_seated else "",
                ", ".join(_safe(n) for n in together),
                f"host of {hosts[p.id]}" if p.id in hosts else p.role,
            ]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    # A cell a spreadsheet would run as a formula ("=HYPERLINK(...)") starts with a quote there.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def personal_token(cafe: Cafe, person: Participant) -> str:
    """The token of a registered person's personal link (the same each time it is printed)."""
    key = (cafe.people_key or "").encode()
    digest = hmac.new(key, f"person:{person.id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def personal_links(session: Session, cafe: Cafe, join_url: str) -> str:
    """A CSV of name, contact and personal link of everyone registered (for the organiser's own
    mail or badges): the link is the phone page with the token in its fragment."""
    people = session.scalars(
        select(Participant)
        .where(Participant.cafe_id == cafe.id, Participant.registered.is_(True), Participant.left_at_ms.is_(None))
        .order_by(Participant.id)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("name", "contact", "personal link"))
    for p in people:
        writer.writerow((_safe(p.display_name), _safe(p.contact or ""), personal_link(cafe, p, join_url)))
    return out.getvalue()


def personal_link(cafe: Cafe, person: Participant, join_url: str) -> str:
    """A registered person's link: the phone page, in their first language (one of the app's),
    with their token in the fragment (never sent to a server in a request line)."""
    lang = f"?lang={person.language}" if person.language in LANGUAGES else ""
    return f"{join_url}{lang}#t={personal_token(cafe, person)}"


def check_in(session: Session, cafe: Cafe, participant_ids: object) -> list[Event]:
    """A helper at the door ticks people present: counted, on the board, seated like anyone.
    (A wrong tick is undone as for anyone who went home: the facilitator marks them as left.)"""
    events: list[Event] = []
    for person in setup.people_listed(session, cafe, participant_ids):
        if not person.arrived:
            person.arrived = True
            events += setup.arrives(session, cafe, person)
    return events


def arrive_by_phone(session: Session, participant_id: int) -> list[Event]:
    """A registered person's phone connected: they are here."""
    person = session.get(Participant, participant_id)
    if person is None or person.arrived or person.left_at_ms is not None:
        return []
    cafe = eventlog.lock_cafe(session, person.cafe_id)
    if cafe is None:
        return []
    person.arrived = True
    return setup.arrives(session, cafe, person)


def walk_in(session: Session, cafe: Cafe, name: object, languages: object = None) -> list[Event]:
    """Someone at the door who is not on the list (and perhaps has no phone): in the room now."""
    person = Participant(
        cafe_id=cafe.id,
        display_name=clean(name, field="A participant's name", max_length=NAME_MAX),
        languages=clean_languages(languages),
        admitted=True,
        arrived=True,
        has_phone=False,
        token_hash=hash_secret(new_secret()),
        connections=0,
    )
    person.language = person.languages[0] if person.languages and len(person.languages[0]) == 2 else "en"
    session.add(person)
    return setup.arrives(session, cafe, person)
