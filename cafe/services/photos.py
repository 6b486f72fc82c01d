"""Photos of the tablecloths: the host photographs the paper at the end of a round.

A photo is personal data (faces, handwriting, and a phone's photo carries where it was taken), so
the server never keeps what it was sent: it checks the bytes are an image of a known format and
a sane size, decodes it (at most 50 megapixels: a "decompression bomb" of a few KB that would
unpack to gigabytes is refused before it is decoded), turns it upright, scales it to at most
2,000 px on its longest side and writes a new JPEG, which carries no EXIF, GPS or XMP at all.
"""

from __future__ import annotations

import io
import uuid
import warnings
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cafe.events import Event
from cafe.models import Cafe, CafeTable, Participant, Photo
from cafe.services import eventlog
from cafe.services.errors import Forbidden, Invalid, NotFound
from cafe.services.lookup import get_row

MAX_UPLOAD_BYTES = 15_000_000
MAX_PIXELS = 50_000_000
LONGEST_SIDE = 2_000
PER_TABLE = 12
# What phones' cameras and galleries send; anything else (an SVG, a PDF renamed .jpg) is refused.
FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}


def prepare(data: bytes) -> tuple[bytes, int, int]:
    """The photo as it is kept: a new JPEG, upright, at most LONGEST_SIDE px, without metadata."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise Invalid("photo_too_big", mb=MAX_UPLOAD_BYTES // 1_000_000)
    with warnings.catch_warnings():
        # Pillow only warns below twice its own limit: here any bomb is an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in FORMATS:
                    raise Invalid("photo_not_image")
                if probe.width * probe.height > MAX_PIXELS:  # read from the header, nothing decoded
                    raise Invalid("photo_too_many_pixels", megapixels=MAX_PIXELS // 1_000_000)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.draft("RGB", (LONGEST_SIDE, LONGEST_SIDE))  # a JPEG decodes at a smaller scale
                upright = ImageOps.exif_transpose(image) or image
                picture = upright.convert("RGB")
                picture.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
                out = io.BytesIO()
                picture.save(out, "JPEG", quality=85, optimize=True)  # a new file: no metadata
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Invalid("photo_too_many_pixels", megapixels=MAX_PIXELS // 1_000_000) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise Invalid("photo_not_image") from None
    return out.getvalue(), picture.width, picture.height


def photo_view(photo: Photo, code: str) -> dict[str, Any]:
    """A photo as every screen sees it: where to fetch it, and which table and round it shows."""
    return {
        "id": str(photo.id),
        "table_id": photo.table_id,
        "round": photo.round,
        "width": photo.width,
        "height": photo.height,
        "url": f"/photos/{code}/{photo.id}.jpg",
        "created_at": photo.created_at_ms,
    }


def listing(session: Session, cafe: Cafe) -> list[dict[str, Any]]:
    """Every photo of the café, oldest first."""
    rows = session.scalars(select(Photo).where(Photo.cafe_id == cafe.id).order_by(Photo.created_at_ms, Photo.id))
    return [photo_view(p, cafe.code) for p in rows]


def add_photo(
    session: Session, cafe: Cafe, person: Participant, table_id: object, data: bytes
) -> tuple[Photo, list[Event]]:
    """The host of a table keeps a photo of its tablecloth (of the round now, if one is on)."""
    table = get_row(session, CafeTable, table_id)
    if table is None or table.cafe_id != cafe.id:
        raise NotFound("table_not_found")
    if table.host_id != person.id:
        raise Forbidden("photo_host_only")
    taken = session.scalar(select(func.count(Photo.id)).where(Photo.table_id == table.id)) or 0
    if taken >= PER_TABLE:
        raise Invalid("photo_limit", n=PER_TABLE)
    jpeg, width, height = prepare(data)
    photo = Photo(
        id=uuid.uuid4(),
        cafe_id=cafe.id,
        table_id=table.id,
        round=cafe.current_round,
        width=width,
        height=height,
        jpeg=jpeg,
    )
    session.add(photo)
    session.flush()
    return photo, [eventlog.append(session, cafe.id, "photo_added", {"photo": photo_view(photo, cafe.code)})]


def remove_photo(session: Session, cafe: Cafe, photo_id: object) -> list[Event]:
    """The facilitator takes a photo away (a face that should not be there)."""
    try:
        key = uuid.UUID(str(photo_id))
    except ValueError:
        raise NotFound("photo_not_found") from None
    photo = session.get(Photo, key)
    if photo is None or photo.cafe_id != cafe.id:
        raise NotFound("photo_not_found")
    session.delete(photo)
    session.flush()
    return [eventlog.append(session, cafe.id, "photo_removed", {"photo_id": str(key)})]


def by_table(session: Session, cafe: Cafe) -> list[tuple[CafeTable, Photo]]:
    """Every photo with its table, table by table then oldest first (for the report and the ZIP)."""
    rows = session.execute(
        select(CafeTable, Photo)
        .join(Photo, Photo.table_id == CafeTable.id)
        .where(Photo.cafe_id == cafe.id)
        .order_by(CafeTable.position, CafeTable.id, Photo.created_at_ms, Photo.id)
    ).all()
    return [(table, photo) for table, photo in rows]


def jpeg_of(session: Session, code: str, photo_id: str) -> bytes | None:
    """The stored JPEG of a photo of the café with this code, or None."""
    try:
        key = uuid.UUID(photo_id)
    except ValueError:
        return None
    photo = session.get(Photo, key)
    if photo is None:
        return None
    cafe = session.get(Cafe, photo.cafe_id)
    return photo.jpeg if cafe is not None and cafe.code == code else None
