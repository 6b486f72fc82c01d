"""Gzip for text responses and long caching for versioned static files: a cheap phone on weak
venue Wi-Fi loads its page in a few dozen kilobytes, and loads it again from its own cache."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request

# Text worth compressing; images other than SVG are compressed already.
COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
        "text/csv",
        "text/markdown",
        "text/plain",
    }
)
MIN_BYTES = 512  # below this the gzip header costs more than it saves
STATIC_CACHE_ENTRIES = 64
LONG_CACHE = "public, max-age=31536000, immutable"

# (path, etag) -> gzipped bytes of a static file: compressed once, at the highest level.
_static_gzip: dict[tuple[str, str], bytes] = {}
# file path -> (mtime, short content hash) for the `?v=` of static URLs.
_versions: dict[str, tuple[float, str]] = {}


def accepts_gzip() -> bool:
    """Whether the client said it reads gzip (an explicit `gzip;q=0` refuses it)."""
    return request.accept_encodings["gzip"] > 0


def gzip_bytes(data: bytes, level: int = 6) -> bytes:
    """Gzip with a fixed timestamp, so the same input always gives the same bytes."""
    return gzip.compress(data, compresslevel=level, mtime=0)


def compress_response(response: Response) -> Response:
    """Gzip a finished text response when the client accepts it; leave everything else alone."""
    if response.mimetype not in COMPRESSIBLE:
        return response
    response.vary.add("Accept-Encoding")
    if (
        request.method == "HEAD"
        or response.status_code != 200
        or "Content-Encoding" in response.headers
        or "Content-Range" in response.headers
        or not accepts_gzip()
    ):
        return response
    if response.is_streamed and not response.direct_passthrough:
        return response  # a generator (a stream of events) is never buffered here
    etag, _weak = response.get_etag()
    key = (request.path, etag or "")
    body = _static_gzip.get(key) if etag and request.endpoint == "static" else None
    if body is None:
        data = _read(response)
        if len(data) < MIN_BYTES:
            return response
        body = gzip_bytes(data, 9 if request.endpoint == "static" else 6)
        if etag and request.endpoint == "static":
            if len(_static_gzip) >= STATIC_CACHE_ENTRIES:
                _static_gzip.pop(next(iter(_static_gzip)))
            _static_gzip[key] = body
    if response.direct_passthrough:  # served from the cache: the file was not read
        close = getattr(response.response, "close", None)
        if close is not None:
            close()
    response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    if etag:
        # Same content, another encoding: a weak tag still answers If-None-Match with a 304.
        response.set_etag(etag, weak=True)
    return response


def _read(response: Response) -> bytes:
    """The whole body; a static file (send_file) is read, closed and kept (these are small)."""
    if response.direct_passthrough:
        source = response.response
        try:
            data = b"".join(source)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
        response.direct_passthrough = False
        response.set_data(data)
    return response.get_data()


def static_version(filename: str) -> str | None:
    """A short hash of a static file's content (None if there is no such file)."""
    path = Path(current_app.static_folder or "") / filename
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    known = _versions.get(str(path))
    if known is None or known[0] != mtime:
        known = (mtime, hashlib.sha256(path.read_bytes()).hexdigest()[:10])
        _versions[str(path)] = known
    return known[1]


def version_static_urls(endpoint: str, values: dict[str, Any]) -> None:
    """`url_for('static', ...)` gains `?v=<content hash>`, so the file may be cached for long."""
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = static_version(values["filename"])
        if version:
            values["v"] = version


def cache_static(response: Response) -> Response:
    """A static file asked for by its current version is immutable; anything else revalidates."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    version = request.args.get("v")
    if version and version == static_version(filename):
        response.headers["Cache-Control"] = LONG_CACHE
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


def register(app: Flask) -> None:
    """Version static URLs, cache versioned files for long, gzip text (last, after the headers)."""
    app.url_defaults(version_static_urls)
    # after_request runs in reverse order of registration: register compression first so it runs
    # after every other hook has set its headers.
    app.after_request(compress_response)
    app.after_request(cache_static)
