"""Request size limits: a body larger than the limit is refused with 413 before anything (the
login check, its audit line, Dash) reads it.

A Dash callback request carries the inputs and states of one callback: keys, a threshold, a
few ids, never arrays (the pages' stores hold keys), so a megabyte is ample; the limit is
``--max-request-bytes``.
"""

from __future__ import annotations

import logging

import dash
import flask
from flask.typing import ResponseReturnValue

log = logging.getLogger("champion.audit")


def limit_requests(app: dash.Dash, max_bytes: int) -> None:
    """Refuse request bodies over max_bytes: by their declared length before any other check,
    and while reading a body of undeclared length (Flask's MAX_CONTENT_LENGTH)."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = max_bytes

    def refuse_large() -> ResponseReturnValue | None:
        declared = flask.request.content_length
        if declared is None or declared <= max_bytes:
            return None
        log.warning(
            "refused: body of %d bytes over %d path=%r remote=%r",
            declared,
            max_bytes,
            flask.request.path,
            flask.request.remote_addr,
        )
        message = (
            f"request body of {declared:,} bytes is over this server's limit of {max_bytes:,} "
            "bytes (champion serve --max-request-bytes)"
        )
        return flask.jsonify(error=message), 413

    # first in line, before the login check (which reads callback bodies for its audit line)
    server.before_request_funcs.setdefault(None, []).insert(0, refuse_large)
