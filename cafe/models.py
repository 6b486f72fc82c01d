"""Typed SQLAlchemy 2.0 models: columns and tiny derived properties only."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    and_,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement


def now_ms() -> int:
    """Wall-clock time in UTC milliseconds (the unit of every stored instant)."""
    return int(time.time() * 1000)


class Base(DeclarativeBase):
    """Declarative base with a naming convention Alembic can rely on."""

    type_annotation_map = {dict[str, Any]: JSON}


Base.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Cafe(Base):
    """One World Café: its join code, status, clock and event counter."""

    __tablename__ = "cafe"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    # draft -> lobby -> running -> harvest -> closed
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # While running: which round and which part of it (discuss or move).
    current_round: Mapped[int | None] = mapped_column(Integer, default=None)
    phase: Mapped[str | None] = mapped_column(String(16), default=None)
    ends_at_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    remaining_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The latest announcement to every phone and the board, until it is cleared, its time
    # is up (`announcement_until_ms`) or the café closes; its versions in other languages.
    announcement: Mapped[str | None] = mapped_column(String(280), default=None)
    announced_at_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    announcement_until_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    announcement_translations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The note the facilitator shows large on the board (no foreign key: notes are only
    # ever soft-deleted, and hiding or deleting the note clears it).
    spotlight_note_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    facilitator_hash: Mapped[str] = mapped_column(String(64))
    # The key personal links are made from (an attendee list's badges can be printed again);
    # made on the first import, replaced when the facilitator renews the personal links.
    people_key: Mapped[str | None] = mapped_column(String(64), default=None)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class Topic(Base):
    """A strategy area: one or more tables discuss it."""

    __tablename__ = "topic"
    id: Mapped[int] = mapped_column(primary_key=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(280), default="")
    colour: Mapped[str] = mapped_column(String(7), default="#3b6ea5")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The facilitator's versions in other languages: {"es": {"name": ..., "description": ...}}.
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CafeTable(Base):
    """A physical table in the room; belongs to a topic, has seats and maybe a host."""

    __tablename__ = "cafe_table"
    id: Mapped[int] = mapped_column(primary_key=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    capacity: Mapped[int] = mapped_column(Integer, default=5)
    host_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL", use_alter=True), default=None
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class Round(Base):
    """One round of conversation: its question(s) and durations."""

    __tablename__ = "round"
    __table_args__ = (UniqueConstraint("cafe_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(280), default="")
    # Optional per-topic questions: {"<topic id>": "question"}; falls back to `question`.
    topic_questions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    discuss_seconds: Mapped[int] = mapped_column(Integer, default=20 * 60)
    move_seconds: Mapped[int] = mapped_column(Integer, default=2 * 60)
    # The question in other languages: {"es": {"question": ..., "topic_questions": {...}}}.
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    ended_at_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)


class Participant(Base):
    """Someone in the room with a phone; identified by a token kept on that phone."""

    __tablename__ = "participant"
    id: Mapped[int] = mapped_column(primary_key=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(40))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    organisation: Mapped[str | None] = mapped_column(String(80), default=None)
    language: Mapped[str] = mapped_column(String(10), default="en")
    # Languages the person can talk in (codes of the app's languages, or words typed in);
    # empty: not stated, and the seating takes the phone's language.
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    stays_seated: Mapped[bool] = mapped_column(Boolean, default=False)
    # People who sit together every round share a group number (the lowest id among them).
    companion_group: Mapped[int | None] = mapped_column(Integer, default=None)
    # Asked on the phone: "I come with someone who sits with me"; the facilitator links them.
    wants_companion: Mapped[bool] = mapped_column(Boolean, default=False)
    # False while the facilitator has not let them in (setting `approve_joins`): not counted,
    # not seated, not on the board.
    admitted: Mapped[bool] = mapped_column(Boolean, default=True)
    # From an attendee list: an email or phone number (facilitator only), a role ("participant",
    # "interpreter", "helper"; hosts are their table's `host_id`), and whether they have arrived.
    # A registered person is in the café but not in the room until checked in.
    contact: Mapped[str | None] = mapped_column(String(120), default=None)
    role: Mapped[str] = mapped_column(String(20), default="participant")
    registered: Mapped[bool] = mapped_column(Boolean, default=False)
    arrived: Mapped[bool] = mapped_column(Boolean, default=True)
    # False for someone added at the door or from a list whose phone has never connected: their
    # table's host gives their dots for them (from the paper tablecloth).
    has_phone: Mapped[bool] = mapped_column(Boolean, default=True)
    # Their printed route (badge or route card): a table id per round number - 1, None where
    # nothing was printed. A promise every later plan keeps (services/routes.py).
    route: Mapped[list[int | None] | None] = mapped_column(JSON, default=None)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Open sockets of this participant; present means at least one.
    connections: Mapped[int] = mapped_column(Integer, default=0)
    last_seen_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    joined_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    left_at_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)

    @property
    def present(self) -> bool:
        """Whether a phone of this participant is connected right now."""
        return self.connections > 0


def in_the_room() -> ColumnElement[bool]:
    """The people a café counts and seats: not marked as left, let in (`approve_joins`), and
    arrived (someone registered beforehand counts from their check-in)."""
    return and_(Participant.left_at_ms.is_(None), Participant.admitted.is_(True), Participant.arrived.is_(True))


class Seat(Base):
    """Where a participant sits in a round."""

    __tablename__ = "seat"
    __table_args__ = (UniqueConstraint("round_id", "participant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # Not a foreign key: the round's is (it cascades from the café). Checking the café row for
    # each of 2,000 seats walked the dead versions of that much-updated row (migration 0016).
    cafe_id: Mapped[int] = mapped_column(index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("cafe_table.id", ondelete="CASCADE"))


class Note(Base):
    """A sticky note on a table's tablecloth; its id is made by the phone (idempotent writes)."""

    __tablename__ = "note"
    __table_args__ = (Index("ix_note_cafe_table", "cafe_id", "table_id"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"))
    table_id: Mapped[int] = mapped_column(ForeignKey("cafe_table.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), default=None)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"), default=None)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # Written by the table's host from the paper tablecloth, for people without a phone: shown
    # and exported as "from the tablecloth", never under the host's name.
    from_tablecloth: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(String(280))
    colour: Mapped[str] = mapped_column(String(16), default="yellow")
    # The theme the theme team put it in (one at most), and who did it last: a second member
    # moving it again wins, and sees whose choice they replaced (services/grouping.py).
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="SET NULL"), default=None)
    themed_by: Mapped[str | None] = mapped_column(String(40), default=None)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class Theme(Base):
    """A theme the theme team found in the notes: of one area, or across areas (no topic)."""

    __tablename__ = "theme"
    id: Mapped[int] = mapped_column(primary_key=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"), default=None)
    name: Mapped[str] = mapped_column(String(60))
    created_by: Mapped[str] = mapped_column(String(40), default="")
    created_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class ThemeVote(Base):
    """One harvest dot on a theme (from the same budget as the harvest dots on notes)."""

    __tablename__ = "theme_vote"
    __table_args__ = (UniqueConstraint("theme_id", "participant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class Vote(Base):
    """One dot on a note, in a round or in the harvest."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("note_id", "participant_id", "phase"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"), index=True)
    note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("note.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(16), default="round")
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), default=None)
    # Given by the table's host for this person, who has no phone (marked so in the exports).
    by_host: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class Summary(Base):
    """A table host's summary of one round at their table."""

    __tablename__ = "summary"
    __table_args__ = (UniqueConstraint("table_id", "round_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"), index=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("cafe_table.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"), default=None)
    text: Mapped[str] = mapped_column(Text)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class Signup(Base):
    """Someone joining a topic's working group after the café."""

    __tablename__ = "signup"
    id: Mapped[int] = mapped_column(primary_key=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"), default=None)
    name: Mapped[str] = mapped_column(String(40))
    # Facilitator-only: never in a snapshot or event sent to a phone or the board. Kept only
    # with `consent` (the convener may use it), and deleted `contact_days` after the sign-up.
    contact: Mapped[str | None] = mapped_column(String(120), default=None)
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class HelpRequest(Base):
    """A table asks for the facilitator or an interpreter; open until someone closes it."""

    __tablename__ = "help_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"), index=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("cafe_table.id", ondelete="CASCADE"))
    need: Mapped[str] = mapped_column(String(20))  # "facilitator" | "interpreter"
    language: Mapped[str | None] = mapped_column(String(30), default=None)  # the interpreter's
    status: Mapped[str] = mapped_column(String(12), default="open")  # open -> on_the_way -> closed
    asked_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    acknowledged_at_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)


class TeamLink(Base):
    """A link for someone who helps run the café: a co-facilitator, the theme team, a helper.
    A secret like the facilitator's (only its hash is kept), revocable one by one."""

    __tablename__ = "team_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # cofacilitator | theme | helper
    label: Mapped[str] = mapped_column(String(40), default="")  # the facilitator's note: "door team"
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    revoked_at_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)


class Activity(Base):
    """Who did what on the facilitator's side: the role, the name they typed, the command."""

    __tablename__ = "activity"
    id: Mapped[int] = mapped_column(primary_key=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"), index=True)
    at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(40), default="")
    command: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int | None] = mapped_column(Integer, default=None)  # its last event, if it made one


class Photo(Base):
    """A photo of a table's tablecloth, taken by its host: re-encoded JPEG, no metadata left."""

    __tablename__ = "photo"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"), index=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("cafe_table.id", ondelete="CASCADE"))
    round: Mapped[int | None] = mapped_column(Integer, default=None)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class EventLog(Base):
    """The café's event stream: one row per server->client change, `seq` contiguous per café."""

    __tablename__ = "event_log"
    __table_args__ = (UniqueConstraint("cafe_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column()
    at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
