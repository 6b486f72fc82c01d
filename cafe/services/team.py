"""The people who help run a café, each with a link of their own, and the log of who did what.

A co-facilitator runs the café (everything but deleting it and managing links); the theme team
groups notes and spotlights; a helper checks people in, moves them and answers help requests.
Each link is a secret like the facilitator's: only its hash is kept, it travels in the URL
fragment, and the facilitator revokes it one by one. Whoever uses a link types their name,
which the activity log keeps beside every change they make.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cafe.models import Activity, Cafe, TeamLink, now_ms
from cafe.services.cafes import cafe_of_link, hash_secret, new_secret
from cafe.services.errors import Forbidden, Invalid, NotFound
from cafe.services.text import clean

ROLES = ("cofacilitator", "theme", "helper")
# A café needs a handful; a cap keeps a scripted loop from filling the table.
MAX_LINKS = 50
NAME_MAX = 40


def _link_view(link: TeamLink) -> dict[str, Any]:
    return {"id": link.id, "role": link.role, "label": link.label, "created_at": link.created_at_ms}


def create_link(session: Session, cafe: Cafe, role: object, label: object) -> tuple[dict[str, Any], str]:
    """A new link for `role`; the secret is returned once (the café keeps only its hash)."""
    if role not in ROLES:
        raise Invalid("team_role")
    active = session.scalars(
        select(TeamLink.id).where(TeamLink.cafe_id == cafe.id, TeamLink.revoked_at_ms.is_(None))
    ).all()
    if len(active) >= MAX_LINKS:
        raise Invalid("team_links_full", n=MAX_LINKS)
    secret = new_secret()
    link = TeamLink(
        cafe_id=cafe.id,
        role=str(role),
        label=clean(label, field="A link's note", max_length=NAME_MAX, required=False) or "",
        secret_hash=hash_secret(secret),
    )
    session.add(link)
    session.flush()
    return _link_view(link), secret


def revoke_link(session: Session, cafe: Cafe, link_id: int) -> None:
    """The link stops working: its open sockets are refused from their next command on."""
    link = session.get(TeamLink, link_id)
    if link is None or link.cafe_id != cafe.id or link.revoked_at_ms is not None:
        raise NotFound("team_link_not_found")
    link.revoked_at_ms = now_ms()


def active_links(session: Session, cafe: Cafe) -> list[dict[str, Any]]:
    """The links that work, oldest first."""
    rows = session.scalars(
        select(TeamLink).where(TeamLink.cafe_id == cafe.id, TeamLink.revoked_at_ms.is_(None)).order_by(TeamLink.id)
    )
    return [_link_view(link) for link in rows]


def check_link(session: Session, code: object, secret: object) -> tuple[Cafe, TeamLink]:
    """The café and the live team link whose secret this is; Forbidden otherwise."""
    cafe, hashed = cafe_of_link(session, code, secret)
    link = session.scalar(select(TeamLink).where(TeamLink.secret_hash == hashed))
    if link is None or link.cafe_id != cafe.id or link.revoked_at_ms is not None:
        raise Forbidden("wrong_facilitator_link")
    return cafe, link


def alive(session: Session, link_id: int) -> bool:
    """Whether a team link still works."""
    revoked = session.execute(select(TeamLink.revoked_at_ms).where(TeamLink.id == link_id)).one_or_none()
    return revoked is not None and revoked[0] is None


def member_name(value: object) -> str:
    """The name someone on the team typed when they opened their link (required)."""
    name = clean(value, field="Your name", max_length=NAME_MAX, required=False)
    if not name:
        raise Invalid("name_required")
    return name


def record(session: Session, cafe_id: int, role: str, name: str, command: str, seq: int | None) -> None:
    """One line of the activity log: who (role and typed name) did what, and its last event."""
    session.add(Activity(cafe_id=cafe_id, role=role, name=name[:NAME_MAX], command=command, seq=seq))


def log(session: Session, cafe: Cafe, limit: int = 200) -> list[dict[str, Any]]:
    """The newest `limit` lines of the activity log, newest first."""
    rows = session.scalars(
        select(Activity).where(Activity.cafe_id == cafe.id).order_by(Activity.id.desc()).limit(limit)
    )
    return [{"at": a.at_ms, "role": a.role, "name": a.name, "command": a.command, "seq": a.seq} for a in rows]
