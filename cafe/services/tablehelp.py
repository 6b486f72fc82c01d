"""A table asks for help ("Table 7 needs: interpreter — Kreyòl"): the panel and the door screen
show a queue; someone says they are on the way (the table's phones say so), then closes it.

One open request per table and need: asking again while one is open changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cafe.events import Event
from cafe.models import Cafe, CafeTable, HelpRequest, Participant, Round, Seat, now_ms
from cafe.services import eventlog
from cafe.services.errors import Forbidden, Invalid, NotFound
from cafe.services.lookup import get_row
from cafe.services.participants import SPOKEN_LENGTH, language_key
from cafe.services.text import clean

NEEDS = ("facilitator", "interpreter")


def help_view(request: HelpRequest) -> dict[str, Any]:
    """A help request as every screen sees it (no name: the table asks, not a person)."""
    return {
        "id": request.id,
        "table_id": request.table_id,
        "need": request.need,
        "language": request.language,
        "status": request.status,
        "asked_at": request.asked_at_ms,
        "acknowledged_at": request.acknowledged_at_ms,
    }


def open_requests(session: Session, cafe: Cafe) -> list[dict[str, Any]]:
    """The requests not closed yet, oldest first (the queue)."""
    rows = session.scalars(
        select(HelpRequest)
        .where(HelpRequest.cafe_id == cafe.id, HelpRequest.status != "closed")
        .order_by(HelpRequest.id)
    )
    return [help_view(r) for r in rows]


def _sits_at(session: Session, cafe: Cafe, person: Participant, table: CafeTable) -> bool:
    if table.host_id == person.id:
        return True
    if cafe.current_round is None:
        return False
    return (
        session.scalar(
            select(Seat.id)
            .join(Round, Round.id == Seat.round_id)
            .where(
                Round.cafe_id == cafe.id,
                Round.number == cafe.current_round,
                Seat.participant_id == person.id,
                Seat.table_id == table.id,
            )
        )
        is not None
    )


def ask(
    session: Session, cafe: Cafe, person: Participant, table_id: object, need: object, language: object
) -> list[Event]:
    """Someone at a table (or its host) asks for the facilitator or an interpreter."""
    table = get_row(session, CafeTable, table_id)
    if table is None or table.cafe_id != cafe.id:
        raise NotFound("table_not_found")
    if need not in NEEDS:
        raise Invalid("help_need")
    if not _sits_at(session, cafe, person, table):
        raise Forbidden("help_own_table")
    wanted = None
    if need == "interpreter" and language not in (None, ""):
        wanted = language_key(clean(language, field="A language", max_length=SPOKEN_LENGTH))
    already = session.scalar(
        select(HelpRequest).where(
            HelpRequest.table_id == table.id, HelpRequest.need == need, HelpRequest.status != "closed"
        )
    )
    if already is not None:
        return []  # asked already: the queue has it
    request = HelpRequest(cafe_id=cafe.id, table_id=table.id, need=need, language=wanted, status="open")
    session.add(request)
    session.flush()
    return [eventlog.append(session, cafe.id, "help_requested", {"help": help_view(request)})]


def _request(session: Session, cafe: Cafe, help_id: object) -> HelpRequest:
    request = get_row(session, HelpRequest, help_id)
    if request is None or request.cafe_id != cafe.id:
        raise NotFound("help_not_found")
    return request


def acknowledge(session: Session, cafe: Cafe, help_id: object) -> list[Event]:
    """Someone is on the way (the table's phones say so)."""
    request = _request(session, cafe, help_id)
    if request.status != "open":
        return []
    request.status = "on_the_way"
    request.acknowledged_at_ms = now_ms()
    session.flush()
    return [eventlog.append(session, cafe.id, "help_acknowledged", {"help": help_view(request)})]


def close(session: Session, cafe: Cafe, help_id: object) -> list[Event]:
    """The table has been helped: the request leaves the queue."""
    request = _request(session, cafe, help_id)
    if request.status == "closed":
        return []
    request.status = "closed"
    session.flush()
    return [eventlog.append(session, cafe.id, "help_closed", {"help_id": request.id})]
