"""The addresses a café is reached at: the room's (phones, the QR code) and this person's own."""

from __future__ import annotations

from flask import request

from cafe.app import Runtime


def public_base(rt: Runtime) -> str:
    """The address people in the room use: CAFE_PUBLIC_URL (run.py sets the LAN address)."""
    return (rt.config.public_url or request.host_url).rstrip("/")


def here_base() -> str:
    """The address this person reached the server at: their own links (the facilitator's link,
    the board's) work where they opened the page, localhost included. Phones' links and the QR
    code keep `public_base`, the address the room can reach."""
    return request.host_url.rstrip("/")


def join_url(rt: Runtime, code: str) -> str:
    """The URL a phone opens to join (the QR code's target)."""
    return f"{public_base(rt)}/j/{code}"


def cafe_links(rt: Runtime, code: str, secret: str) -> dict[str, str]:
    """A new café's three links: the facilitator's and the board's where this person opened the
    page, the phones' where the room reaches the server."""
    base = here_base()
    return {"facilitator": f"{base}/f/{code}#{secret}", "board": f"{base}/b/{code}", "join": join_url(rt, code)}
