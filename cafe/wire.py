"""The JSON of the socket's packets: engine.io's safe defaults, and no crash on absurd nesting.

A payload nested 20,000 deep makes Python's json parser raise RecursionError, which
python-socketio does not expect: the packet was dropped and the client got no answer at all.
Here such a packet still reaches its handler, as `[event, TOO_DEEP]`, and the handler answers
`bad_payload` with the packet's own ack id (the id is outside the JSON, so it survives).
"""

from __future__ import annotations

import json
import re
from typing import Any

from engineio import json as engineio_json

dumps = json.dumps
# The marker a handler receives in place of a payload nested too deeply to read.
TOO_DEEP = {"__too_deep__": True}
_EVENT_NAME = re.compile(r'\s*\[\s*("(?:[^"\\]|\\.){0,100}")')


def loads(text: str | bytes, **kwargs: Any) -> Any:
    """engine.io's loads (huge integers refused); a too-deep array keeps its event name."""
    try:
        return engineio_json.loads(text, **kwargs)
    except RecursionError:
        head = _EVENT_NAME.match(text if isinstance(text, str) else text.decode("utf-8", "replace"))
        if head is None:
            raise ValueError("The payload is nested too deeply.") from None
        return [json.loads(head.group(1)), TOO_DEEP]
