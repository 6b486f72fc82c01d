"""How long the server waits for a client to say what it wants (gevent's server only).

A client that opens a connection and then sends its request line and headers a byte at a time
(slowloris) held a connection for as long as it liked: 200 held for 30 s were never closed.
The handler below gives the request line and the headers `seconds` in all; a client that takes
longer is cut off. Once a request is read nothing is timed here: a long-poll waits for events,
a websocket lives on. Behind a proxy, the proxy's own timeouts do this (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

import gevent
from gevent import pywsgi


def patient_handler(seconds: float) -> type[pywsgi.WSGIHandler]:
    """A gevent WSGI handler that waits at most `seconds` for a request's line and headers."""

    class Patient(pywsgi.WSGIHandler):
        def read_requestline(self) -> Any:
            # An idle keep-alive connection waits the same: a browser simply opens another.
            with gevent.Timeout(seconds, False):
                return super().read_requestline()
            return None  # too slow: handle_one_request closes the connection

        def read_request(self, raw_requestline: str) -> Any:
            with gevent.Timeout(seconds, False):
                return super().read_request(raw_requestline)
            raise ValueError("the request's headers took too long")

    return Patient
