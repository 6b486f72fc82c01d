"""WebSocket compression that costs the server one compression per message, not one per phone.

Every browser offers `permessage-deflate`, and the WebSocket library (simple-websocket on wsproto)
accepts it with context takeover: each socket keeps its own zlib stream (~270 kB) and compresses
every message for itself. With 1,000 phones that is 1,000 compressions of the same batch, each on
a cold stream: `bench/live.py --config laptop --ws raw-deflate` had the server at 100 % CPU
(43 % without compression), 442 MB against 220 MB, a seat map 1.3 s late and note→phone p99
330-370 ms (bench/README.md, "Browsers compress").

Here the server negotiates `server_no_context_takeover`: each message is compressed on its own,
so the compressed bytes of one message are the same for every socket, and a small process-wide
cache compresses each once. `client_no_context_takeover` likewise lets a socket drop its inflater
after each message. Messages too short to gain (heartbeats, acks) go uncompressed, which the
extension allows message by message. A message from a phone inflates only up to the socket's
size limit: a small frame of zeros must not become a gigabyte in the server.
"""

from __future__ import annotations

import zlib
from typing import Any

import simple_websocket.ws
from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import CloseReason, Opcode, RsvBits

# Shorter messages go as they are: a heartbeat or an ack gains a few bytes at most.
MIN_BYTES = 200
# Compressed messages kept: one batch goes to every socket of a café within a few hub turns.
# Bounded in count and in bytes: a snapshot (hundreds of kB, for one socket) is kept too, and a
# thousand phones reconnecting must not fill the process with them.
CACHE_SIZE = 64
CACHE_BYTES = 4_000_000


class _Cache:
    """The last messages compressed, and what they hold (original and compressed bytes)."""

    def __init__(self) -> None:
        self.entries: dict[bytes, bytes] = {}
        self.held = 0

    def clear(self) -> None:
        self.entries.clear()
        self.held = 0


_cache = _Cache()


def compressed(data: bytes) -> bytes:
    """`data` deflated on its own (no context), the flush's empty block dropped (RFC 7692)."""
    hit = _cache.entries.get(data)
    if hit is None:
        deflater = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        hit = (deflater.compress(data) + deflater.flush(zlib.Z_SYNC_FLUSH))[:-4]
        size = len(data) + len(hit)
        if size > CACHE_BYTES:
            return hit  # a message bigger than the whole cache (a huge café's snapshot) is not kept
        if len(_cache.entries) >= CACHE_SIZE or _cache.held + size > CACHE_BYTES:
            _cache.clear()  # a whole-cache drop: cheaper than an LRU, and the next batch refills it
        _cache.entries[data] = hit
        _cache.held += size
    return hit


class SharedDeflate(PerMessageDeflate):  # type: ignore[misc]
    """permessage-deflate without context takeover, each message compressed once per process."""

    # What a phone's message may inflate to: the socket's own size limit (`install`).
    inflate_limit = 1_000_000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(client_no_context_takeover=True, server_no_context_takeover=True)
        self._inflated = 0

    def frame_outbound(self, proto: Any, opcode: Opcode, rsv: RsvBits, data: bytes, fin: bool) -> tuple[RsvBits, bytes]:
        """A whole text or binary message from the server: compressed once, or sent as it is."""
        if proto.client or not fin or opcode not in (Opcode.TEXT, Opcode.BINARY):
            return super().frame_outbound(proto, opcode, rsv, data, fin)  # type: ignore[no-any-return]
        if len(data) < MIN_BYTES:
            return rsv, data
        return RsvBits(True, rsv[1], rsv[2]), compressed(bytes(data))

    def frame_inbound_payload_data(self, proto: Any, data: bytes) -> bytes | CloseReason:
        """Inflate a phone's frame, never past the limit."""
        if not self._inbound_compressed or not self._inbound_is_compressible:
            return data
        if self._decompressor is None:  # pragma: no cover - wsproto made it at the header
            return CloseReason.INVALID_FRAME_PAYLOAD_DATA
        room = self.inflate_limit - self._inflated
        try:
            out = self._decompressor.decompress(bytes(data), room + 1)
        except zlib.error:
            return CloseReason.INVALID_FRAME_PAYLOAD_DATA
        self._inflated += len(out)
        if len(out) > room or self._decompressor.unconsumed_tail:
            return CloseReason.MESSAGE_TOO_BIG
        return out

    def frame_inbound_complete(self, proto: Any, fin: bool) -> bytes | CloseReason | None:
        """The end of a phone's message: the inflater's last bytes, and a fresh count."""
        if fin:
            self._inflated = 0
        return super().frame_inbound_complete(proto, fin)  # type: ignore[no-any-return]


def install(limit: int) -> None:
    """Make simple-websocket accept compression on these terms, for every socket of the process."""
    SharedDeflate.inflate_limit = limit
    # simple-websocket builds `PerMessageDeflate()` for each accepted socket, by this name.
    simple_websocket.ws.PerMessageDeflate = SharedDeflate
