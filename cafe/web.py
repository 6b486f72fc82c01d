"""HTTP pages and JSON endpoints: parse, call a service, render. No rules live here."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup

from cafe import compress, harvest, i18n
from cafe.app import Runtime, runtime
from cafe.links import cafe_links, here_base, join_url
from cafe.services import archive, arrivals, attendees, cafes, eventlog, participants, photos, printables, team
from cafe.services.errors import DomainError, Forbidden, Invalid, NotFound, Throttled, Words

bp = Blueprint("web", __name__)

# Strict by default: no inline script or style, nothing from elsewhere, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def _address() -> str:
    return request.remote_addr or "unknown"


def _throttle() -> None:
    """Refuse an address that has guessed too many wrong codes or links this minute."""
    if runtime().guard.wrong_by_address.blocked(_address()):
        abort(429)


def _wrong_guess() -> None:
    runtime().guard.wrong_by_address.record(_address())


def _cafe_or_404(code: str) -> Any:
    _throttle()
    with runtime().db.reading() as session:
        try:
            return cafes.find_cafe(session, code)
        except NotFound:
            _wrong_guess()
            abort(404)


@bp.get("/")
def home() -> Any:
    """The front page: create a café, or join one by its code."""
    return _home()


def _may_create(rt: Runtime, key: str | None) -> None:
    """Creating a café: from this server's own pages or a script, and only where creation is open
    or the creation key is given.

    A form posted from another site (a page that makes visitors' browsers create cafés here) is
    refused. With `CAFE_OPEN_CREATION=0` (a server on the internet) only someone with
    `CAFE_CREATION_KEY` creates or imports a café (docs/deploy.md).
    """
    # Browsers say where a request comes from in Sec-Fetch-Site; our pages send no referrer, so
    # a form posted from our own start page carries `Origin: null`, which alone proves nothing.
    site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if site is not None:
        foreign = site not in ("same-origin", "none")
    else:  # an older browser, or a script: judge by a real Origin when there is one
        foreign = origin not in (None, "null") and origin.rstrip("/") != request.host_url.rstrip("/")
    if foreign and origin not in (rt.config.allowed_origins or []):
        raise Forbidden("creation_elsewhere")
    if rt.config.open_creation:
        return
    wanted = rt.config.creation_key
    if not key or not wanted:
        raise Forbidden("creation_closed")
    _throttle()
    if not hmac.compare_digest(key.encode(), wanted.encode()):
        _wrong_guess()  # guessing the key costs like guessing a link
        raise Forbidden("wrong_creation_key")


def _form_key() -> str | None:
    return request.form.get("creation_key") or None


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() or None if header.startswith("Bearer ") else None


def _home(error: str | None = None, status: int = 200, **extra: Any) -> tuple[str, int]:
    """The start page; with creation closed it asks for the creation key."""
    return render_template(
        "home.html", error=error, creation_closed=not runtime().config.open_creation, **extra
    ), status


@bp.post("/cafes")
def create_cafe() -> Any:
    """Create a café and show its facilitator link once."""
    rt = runtime()
    try:
        _may_create(rt, _form_key())
        with rt.db.transaction() as session:
            created = cafes.create_cafe(session, request.form.get("title"))
    except DomainError as exc:
        return _home(_said(exc), exc.http_status, title=request.form.get("title", ""))
    return _created_page(rt, created)


@bp.post("/api/cafes")
def create_cafe_json() -> Any:
    """Create a café from a script: `{title}` -> `201 {ok, cafe, facilitator_secret, links}`."""
    rt = runtime()
    body = _json_body()
    if not isinstance(body, dict) or set(body) - {"title"}:
        return _error(Invalid("title_required"))
    try:
        _may_create(rt, _bearer())
        with rt.db.transaction() as session:
            created = cafes.create_cafe(session, body.get("title"))
    except DomainError as exc:
        return _error(exc)
    code = created.cafe.code
    return jsonify(
        {
            "ok": True,
            "cafe": {"code": code, "title": created.cafe.title, "status": created.cafe.status},
            "facilitator_secret": created.facilitator_secret,
            "links": cafe_links(rt, code, created.facilitator_secret),
        }
    ), 201


def _created_page(rt: Runtime, created: cafes.CreatedCafe) -> str:
    links = cafe_links(rt, created.cafe.code, created.facilitator_secret)
    return render_template(
        "created.html",
        cafe=created.cafe,
        facilitator_url=links["facilitator"],
        board_url=links["board"],
        join_url=links["join"],
    )


@bp.get("/join")
def join_by_code() -> Any:
    """The 'type the code' form lands here."""
    code = cafes.normalise_code(request.args.get("code", ""))
    if not code:
        return redirect(url_for("web.home"))
    return redirect(url_for("web.phone", code=code))


@bp.get("/j/<code>")
def phone(code: str) -> str:
    """The phone's page: the join form, then the live café."""
    cafe = _cafe_or_404(code)
    words = i18n.catalogue(i18n.select_locale())
    return render_template("phone/phone.html", cafe=cafe, words=words)


@bp.post("/api/cafes/<code>/participants")
def join(code: str) -> Any:
    """Join a café: `{name, organisation, anonymous, language, ...}` -> `{ok, participant, token}`."""
    rt = runtime()
    _throttle()
    body = _json_body()
    if not isinstance(body, dict):
        return _error(Invalid("join_form"))
    wanted = cafes.normalise_code(code)
    where = _address()
    key = ("passcode", wanted, where)
    if rt.guard.wrong_by_cafe.wait(key) > 0:
        # Only this address waits: someone with the right passcode elsewhere is not held back.
        return _error(Throttled("passcode_throttled"))
    if not rt.guard.joins_by_address.ready(where):
        return _error(Throttled("joins_throttled"))
    try:
        with rt.db.transaction() as session:
            cafe = cafes.find_cafe(session, code)
            joined = arrivals.arrive(
                session,
                cafe,
                name=body.get("name"),
                organisation=body.get("organisation"),
                anonymous=body.get("anonymous", False),
                language=body.get("language", "en"),
                passcode=body.get("passcode"),
                languages=body.get("languages"),
                stays_seated=body.get("stays_seated", False),
                with_companion=body.get("with_companion", False),
            )
            person = participants.describe(joined.participant)
    except DomainError as exc:
        if exc.kind == "not_found":
            _wrong_guess()
        if exc.code == "wrong_passcode":
            _wrong_guess()
            rt.guard.wrong_by_cafe.fail(key)
        return _error(exc)
    rt.guard.wrong_by_cafe.succeed(key)
    rt.guard.joins_by_address.allow(where)  # a join that happened spends the address's budget
    return jsonify({"ok": True, "participant": person, "token": joined.token}), 201


@bp.post("/api/cafes/<code>/photos")
def add_photo(code: str) -> Any:
    """A table's host sends a photo of its tablecloth: multipart `photo` and `table_id`, the phone's
    token in `Authorization: Bearer` -> `201 {ok, photo}`."""
    rt = runtime()
    _throttle()
    # A phone's photo outgrows the 64 KB of every other request; what is kept is much smaller.
    request.max_content_length = photos.MAX_UPLOAD_BYTES + 64_000
    try:
        upload = request.files.get("photo")
        if upload is None:
            raise Invalid("photo_choose")
        try:
            data = upload.read(photos.MAX_UPLOAD_BYTES + 1)
        finally:
            upload.close()  # a large upload is spooled to a temporary file: let it go now
        with rt.db.transaction() as session:
            cafe = cafes.find_cafe(session, code)
            try:
                person = participants.authenticate(session, cafe, _bearer())
            except DomainError:
                _wrong_guess()  # a token is guessed like a code
                raise
            eventlog.lock_cafe(session, cafe.id)
            photo, _events = photos.add_photo(session, cafe, person, request.form.get("table_id", type=int), data)
            view = photos.photo_view(photo, cafe.code)
    except DomainError as exc:
        if exc.kind == "not_found" and exc.code == "cafe_not_found":
            _wrong_guess()
        return _error(exc)
    return jsonify({"ok": True, "photo": view}), 201


@bp.get("/photos/<code>/<photo_id>.jpg")
def photo(code: str, photo_id: str) -> Response:
    """A photo of a tablecloth (its id is unguessable, as a note's): for the board, the panel, the report."""
    with runtime().db.reading() as session:
        jpeg = photos.jpeg_of(session, cafes.normalise_code(code), photo_id)
    if jpeg is None:
        abort(404)
    response = Response(jpeg, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def _json_body() -> Any:
    """The request's JSON, or None when it is not JSON, or nested too deeply to read."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def _error(exc: DomainError) -> tuple[Response, int]:
    return jsonify({"ok": False, "error": exc.as_dict(_words())}), exc.http_status


def _words() -> Words:
    """The server's sentences in this page's language."""
    return i18n.words_in(i18n.select_locale())


def _said(exc: DomainError) -> str:
    """A refusal's sentence in this page's language, for an HTML page."""
    return str(exc.as_dict(_words())["message"])


@bp.get("/b/<code>")
def board(code: str) -> str:
    """The projected board, in the language the facilitator chose for it (else the browser's)."""
    cafe = _cafe_or_404(code)
    chosen = cafe.settings.get("board_language")
    i18n.fix_language(chosen)
    # The page remembers the setting it was drawn for: when the café's setting changes, the
    # board's script sees the difference and takes the new words.
    return render_template(
        "board/board.html",
        cafe=cafe,
        join_url=join_url(runtime(), cafe.code),
        words=i18n.catalogue(i18n.select_locale()),
        board_language=chosen if isinstance(chosen, str) else "",
    )


@bp.get("/f/<code>")
def facilitator(code: str) -> str:
    """The facilitator's panel; the secret travels in the URL fragment, never to the server log."""
    cafe = _cafe_or_404(code)
    rt = runtime()
    # Like the phone: `?lang=`, the `cafe_lang` cookie, else the browser's languages. The page's
    # words and its scripts' come from the panel's own catalogue (static/i18n/panel/<lang>.json).
    lang = i18n.select_locale()
    return render_template(
        "facilitator/panel.html",
        cafe=cafe,
        join_url=join_url(rt, cafe.code),
        board_url=f"{here_base()}/b/{cafe.code}",
        facilitator_base=f"{here_base()}/f/{cafe.code}",
        words=i18n.catalogue(lang, "panel"),
        w=i18n.panel_words(lang),
    )


@bp.get("/f/<code>/door")
def door(code: str) -> str:
    """The helpers' check-in screen at the door (phone-sized); the secret is in the URL fragment."""
    cafe = _cafe_or_404(code)
    lang = i18n.select_locale()
    return render_template(
        "facilitator/door.html", cafe=cafe, words=i18n.catalogue(lang, "panel"), w=i18n.panel_words(lang)
    )


@bp.get("/f/<code>/themes")
def themes_screen(code: str) -> str:
    """The theme team's screen (laptop-sized): notes stream in by area and are grouped into
    themes; the secret (a theme team link, or the facilitator's) is in the URL fragment."""
    cafe = _cafe_or_404(code)
    lang = i18n.select_locale()
    return render_template(
        "facilitator/themes.html",
        cafe=cafe,
        board_url=f"{here_base()}/b/{cafe.code}",
        words=i18n.catalogue(lang, "panel"),
        w=i18n.panel_words(lang),
    )


PAPERS = ("a4", "letter")
PRINTABLES = {"tents": (printables.tents, "print/tents.html"), "cards": (printables.cards, "print/cards.html")}


@bp.get("/print/<code>/<kind>")
def printable(code: str, kind: str) -> str:
    """Sheets to print (`?paper=a4|letter`, `?lang=`): table tents with the join QR code, harvest
    cards per table. Nothing on them is secret: the join code is on the projector anyway."""
    if kind not in PRINTABLES:
        abort(404)
    cafe = _cafe_or_404(code)
    paper = request.args.get("paper", "a4")
    lang = i18n.select_locale()
    build, template = PRINTABLES[kind]
    with runtime().db.reading() as session:
        sheets = build(session, cafe, lang, i18n.words_in(lang))
    url = join_url(runtime(), cafe.code)
    return render_template(
        template,
        cafe=cafe,
        paper=paper if paper in PAPERS else "a4",
        lang=lang,
        join_url=url,
        qr=Markup(_qr_svg(url)),
        tents=sheets,
        cards=sheets,
    )


PERSONAL_PRINTABLES = {"badges": "print/badges.html", "routes": "print/routes.html"}


@bp.post("/f/<code>/print/<kind>")
def personal_printable(code: str, kind: str) -> Any:
    """Badges or route cards with each person's printed route (`print_routes` makes them). A
    POST with the facilitator secret in the form (or `Authorization`), never in the address:
    badges carry personal links. `?paper=`, `?lang=` as for the other sheets; the form's
    `people` (ids, comma-separated) prints only them."""
    if kind not in PERSONAL_PRINTABLES:
        abort(404)
    form = request.form
    wanted = {int(x) for x in form.get("people", "").split(",") if x.strip().isdigit()} or None
    paper = request.args.get("paper", "a4")
    lang = i18n.select_locale()
    try:
        with runtime().db.reading() as session:
            cafe = _as_facilitator(session, code, form.get("secret"))
            people = printables.routes(session, cafe, lang, i18n.words_in(lang), join_url(runtime(), cafe.code), wanted)
    except DomainError as exc:
        return _error(exc)
    for person in people:
        person["qr"] = Markup(_qr_svg(person["link"])) if kind == "badges" and person["link"] else None
    page = render_template(
        PERSONAL_PRINTABLES[kind], cafe=cafe, paper=paper if paper in PAPERS else "a4", lang=lang, people=people
    )
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"  # personal links: not kept by any cache
    return response


def _qr_svg(url: str) -> str:
    """The join URL's QR code as inline SVG markup (no XML declaration)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathFillImage, border=2)
    out = io.BytesIO()
    image.save(out)
    text = out.getvalue().decode("utf-8")
    return text[text.index("<svg") :]


@bp.get("/qr/<code>.svg")
def qr(code: str) -> Response:
    """An SVG QR code of the café's join URL."""
    cafe = _cafe_or_404(code)
    image = qrcode.make(join_url(runtime(), cafe.code), image_factory=qrcode.image.svg.SvgPathFillImage, border=2)
    out = io.BytesIO()
    image.save(out)
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


EXPORTS = {
    "notes.csv": ("text/csv", "notes"),
    "cafe.json": ("application/json", "cafe"),
    "report.md": ("text/markdown", "report"),
    "report.html": ("text/html", "report"),
    "template.json": ("application/json", "template"),
    "attendees.csv": ("text/csv", "attendees"),
    "personal-links.csv": ("text/csv", "personal-links"),
    "photos.zip": ("application/zip", "photos"),
}
ATTENDEE_EXPORTS = ("attendees.csv", "personal-links.csv")


def _attendee_export(session: Any, cafe: Any, kind: str) -> Response:
    """The attendee list in its import format, or everyone registered with their personal link."""
    if kind == "attendees.csv":
        body = attendees.export_list(session, cafe)
    else:
        body = attendees.personal_links(session, cafe, join_url(runtime(), cafe.code))
    mimetype, stem = EXPORTS[kind]
    # A BOM, so that a spreadsheet opens the names in UTF-8.
    return _download("\ufeff" + body, f"{mimetype}; charset=utf-8", f"{cafe.code}-{stem}.csv")


def _download(body: str | bytes, mimetype: str, name: str, disposition: str = "attachment") -> Response:
    """An export as a file to keep: its name, and never kept by a cache (it is the café's data)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _photos_zip(session: Any, cafe: Any) -> Response:
    """Every photo of the tablecloths as it is kept, named by table and round, with a CSV index."""
    out = io.BytesIO()
    index = io.StringIO()
    writer = csv.writer(index, lineterminator="\r\n")
    writer.writerow(("file", "table", "round", "taken"))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive_file:  # JPEGs do not compress
        for n, (table, picture) in enumerate(photos.by_table(session, cafe), start=1):
            label = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in table.label).strip() or "table"
            name = f"{n:03d} {label} - round {picture.round or 0}.jpg"
            archive_file.writestr(name, picture.jpeg)
            taken = datetime.fromtimestamp(picture.created_at_ms / 1000, tz=UTC).isoformat(timespec="seconds")
            writer.writerow((name, table.label, picture.round or "", taken))
        archive_file.writestr("photos.csv", "\ufeff" + index.getvalue())
    return _download(out.getvalue(), "application/zip", f"{cafe.code}-photos.zip")


@bp.post("/f/<code>/attendees")
def import_attendees(code: str) -> Any:
    """An attendee list (CSV in the body): a preview of what it changes, row errors included;
    with `?confirm=1` its good rows are written, all at once or not at all."""
    rt = runtime()
    # A list of 2,000 people is bigger than any command: the file limit applies, as for imports.
    request.max_content_length = attendees.MAX_BYTES
    data = request.get_data(cache=False)
    confirm = request.args.get("confirm") == "1"
    words = _words()
    try:
        if confirm:
            with rt.db.transaction() as session:
                cafe = _as_facilitator(session, code)
                eventlog.lock_cafe(session, cafe.id)
                reading, _events = attendees.import_list(session, cafe, data)
        else:
            with rt.db.reading() as session:
                cafe = _as_facilitator(session, code)
                reading = attendees.read(session, cafe, data)
    except DomainError as exc:
        return _error(exc)
    return jsonify(
        {
            "ok": True,
            "imported": confirm,
            **reading.summary(),
            "errors": [exc.as_dict(words) for exc in reading.errors],
        }
    )


def _report_css() -> str:
    return (Path(current_app.static_folder or "") / "css" / "report.css").read_text()


def _as_facilitator(session: Any, code: str, secret: str | None = None) -> Any:
    """The café whose facilitator secret came in `Authorization: Bearer` or a form's body (never
    in the URL). The right secret always passes, checked before any throttle; a wrong one counts
    as a guess."""
    guard = runtime().guard
    key = (cafes.normalise_code(code), _address())
    given = _bearer() or secret or ""
    try:
        try:
            return cafes.check_facilitator(session, code, given)
        except Forbidden:
            # A co-facilitator runs the café: their link opens the exports, lists and sheets too.
            cafe, link = team.check_link(session, code, given)
            if link.role != "cofacilitator":
                raise
            return cafe
    except DomainError:
        if guard.wrong_by_address.blocked(_address()) or guard.wrong_by_cafe.wait(key) > 0:
            raise Throttled("throttled") from None
        _wrong_guess()
        guard.wrong_by_cafe.fail(key)
        raise


GROUP_EXPORT = re.compile(r"group-(\d{1,9})\.(md|csv)")


def _group_export(code: str, topic_id: int, extension: str) -> Response | tuple[Response, int]:
    """A working group's own part, for its convener: the area, its top notes, summaries and
    photos, and only the people who said the convener may contact them."""
    try:
        with runtime().db.reading() as session:
            cafe = _as_facilitator(session, code)
            data = archive.collect(session, cafe)
            pictures = [(t.label, p.round) for t, p in photos.by_table(session, cafe) if t.topic_id == topic_id]
    except DomainError as exc:
        return _error(exc)
    section = harvest.group_section(data, topic_id)
    if section is None:
        abort(404)
    if extension == "md":
        body, mimetype = harvest.group_markdown(data, section, pictures), "text/markdown; charset=utf-8"
    else:
        body, mimetype = "\ufeff" + harvest.group_csv(data, section, pictures), "text/csv; charset=utf-8"
    return _download(body, mimetype, f"{cafe.code}-group-{topic_id}.{extension}")


@bp.get("/f/<code>/export/<kind>")
def export(code: str, kind: str) -> Response | tuple[Response, int]:
    """Facilitator exports; the secret comes in `Authorization: Bearer`, never in the URL."""
    group = GROUP_EXPORT.fullmatch(kind)
    if group:
        return _group_export(code, int(group.group(1)), group.group(2))
    if kind not in EXPORTS:
        abort(404)
    try:
        with runtime().db.reading() as session:
            cafe = _as_facilitator(session, code)
            if kind in ATTENDEE_EXPORTS:
                return _attendee_export(session, cafe, kind)
            if kind == "photos.zip":
                return _photos_zip(session, cafe)
            data = archive.collect(session, cafe) if kind != "template.json" else archive.template(session, cafe)
            pictures = photos.by_table(session, cafe) if kind == "report.html" else []
    except DomainError as exc:
        return _error(exc)
    mimetype, stem = EXPORTS[kind]
    if kind == "notes.csv":
        body = harvest.notes_csv(data)
    elif kind == "report.md":
        body = harvest.report_markdown(data)
    elif kind == "report.html":
        css = _report_css()
        # The photos go inside the page (data: URIs): the report stays one self-contained file.
        by_topic: dict[int, list[dict[str, Any]]] = {}
        for table, picture in pictures:
            src = "data:image/jpeg;base64," + base64.b64encode(picture.jpeg).decode()
            by_topic.setdefault(table.topic_id, []).append({"table": table.label, "round": picture.round, "src": src})
        body = render_template(
            "report.html",
            model=harvest.report(data),
            css=css,
            chart=Markup(harvest.chart_svg(data)),
            photos=by_topic,
        )
    else:
        body = json.dumps(data, ensure_ascii=False, indent=1)
    extension = kind.rsplit(".", 1)[1]
    name = f"{data.get('cafe', {}).get('code', code) if kind != 'template.json' else code}-{stem}.{extension}"
    # The report opens in the browser, to read and print; everything else is a file to keep.
    response = _download(body, mimetype, name, "inline" if kind == "report.html" else "attachment")
    if kind == "report.html":
        # Self-contained and printable: its one stylesheet is allowed by hash, no script at all.
        digest = base64.b64encode(hashlib.sha256(_report_css().encode()).digest()).decode()
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; frame-ancestors 'none'"
        )
    return response


@bp.post("/cafes/from-file")
def create_from_file() -> Any:
    """Create a café from a saved template or a full export (Day 2 from Day 1)."""
    rt = runtime()
    # A café's full export outgrows the 64 KB every other request is held to; 2 MB is ample.
    request.max_content_length = rt.config.max_import_bytes
    try:
        _may_create(rt, _form_key())
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("choose_file")
        try:
            data = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise Invalid("not_a_template") from None
        try:
            with rt.db.transaction() as session:
                # Every row goes through the rules a live command follows; one that breaks them
                # refuses the whole file, and nothing of it is written.
                if isinstance(data, dict) and data.get("format") == archive.FORMAT:
                    created = archive.import_export(session, data)
                else:
                    created, _topics = archive.create_from_template(session, data, request.form.get("title") or None)
        except (KeyError, TypeError, AttributeError, ValueError):
            # A DomainError is none of these: it reaches the handler below with its own words.
            raise Invalid("not_a_template") from None
    except DomainError as exc:
        return _home(_said(exc), exc.http_status, file_error=True)
    return _created_page(rt, created)


@bp.get("/sw.js")
def service_worker() -> Response:
    """The phone's service worker, served from the root so it may cover /j/ pages."""
    script = (Path(current_app.static_folder or "") / "js" / "sw.js").read_bytes()
    response = Response(script, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness for load balancers: the database answers."""
    runtime().db.ping()
    return jsonify({"ok": True})


def _not_found(_exc: Exception) -> tuple[str, int]:
    return render_template("not_found.html", code=request.view_args.get("code", "") if request.view_args else ""), 404


def _server_error(_exc: Exception) -> tuple[str, int]:
    return render_template("error.html"), 500


def _too_many(_exc: Exception) -> tuple[Any, int]:
    message = _("Too many wrong codes from this network. Wait a minute, then check the code on the screen.")
    if request.path.startswith("/api/") or "/export/" in request.path:
        return jsonify({"ok": False, "error": {"code": "throttled", "message": message}}), 429
    return render_template("not_found.html", code="", message=message), 429


def _too_large(_exc: Exception) -> tuple[Any, int]:
    if request.path.startswith("/cafes"):
        # A file chosen on the start page: the person sees the page again, with the reason.
        megabytes = runtime().config.max_import_bytes / 1_000_000
        return _home(_("That file is too large (at most %(mb)s MB).", mb=f"{megabytes:g}"), 413, file_error=True)
    return jsonify({"ok": False, "error": {"code": "too_large", "message": _("That is too much text to send.")}}), 413


def register(app: Flask) -> None:
    """Attach pages, error pages, security headers and compression."""
    compress.register(app)
    i18n.register(app)
    app.register_blueprint(bp)
    app.after_request(_security_headers)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(413, _too_large)
    app.register_error_handler(429, _too_many)
    app.register_error_handler(500, _server_error)
